"""Seccomp, AppArmor, SELinux, /proc mount and sysctl rules: pass and fail cases with exact
locations, version by version as upstream Pod Security Admission evaluates them."""

from __future__ import annotations

import pytest
from helpers import apply, lint, messages, where

from klint.fix import Applicability

# --- apparmor-unconfined -------------------------------------------------------------------------

APPARMOR = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    metadata:
      annotations:
        container.apparmor.security.beta.kubernetes.io/app: unconfined
        container.apparmor.security.beta.kubernetes.io/sidecar: localhost/k8s-sidecar
        container.apparmor.security.beta.kubernetes.io/init: runtime/default
        container.apparmor.security.beta.kubernetes.io/other: Runtime/Default
    spec:
      securityContext:
        appArmorProfile:
          type: Unconfined
      initContainers:
        - name: init
          image: busybox:1.36
          securityContext:
            appArmorProfile: {}
      containers:
        - name: app
          image: nginx:1.27
          securityContext:
            appArmorProfile:
              type: Localhost
              localhostProfile: k8s-nginx
        - name: sidecar
          image: envoy:1.31
          securityContext:
            appArmorProfile:
              type: RuntimeDefault
"""


def test_apparmor_fields_and_annotations() -> None:
    assert where(APPARMOR, "apparmor-unconfined") == ["9:9", "12:9", "16:11", "21:13"]
    annotation, wrong_case, pod, init = messages(APPARMOR, "apparmor-unconfined")
    assert annotation == (
        'annotation container.apparmor.security.beta.kubernetes.io/app: unconfined runs container "app" '
        "without AppArmor confinement; set it to runtime/default or localhost/<profile>, or remove it")
    assert "Runtime/Default sets an AppArmor profile that is not allowed" in wrong_case
    assert pod == ("pod runs without AppArmor confinement (securityContext.appArmorProfile.type: "
                   "Unconfined); set it to RuntimeDefault or Localhost")
    assert init.startswith('container "init" sets securityContext.appArmorProfile without a type')


def test_apparmor_field_counts_at_every_version() -> None:
    # check_appArmorProfile.go has one version (v1.0) that reads the field too.
    assert where(APPARMOR, "apparmor-unconfined", pss_version="v1.0") == ["9:9", "12:9", "16:11", "21:13"]


def test_apparmor_fixes() -> None:
    annotation, wrong_case, pod, init = lint(APPARMOR, "apparmor-unconfined")
    assert annotation.fix is not None and annotation.fix.applicability is Applicability.UNSAFE
    assert "/app: runtime/default\n" in apply(APPARMOR, annotation.fix)
    assert wrong_case.fix is None  # what was meant is for a person to decide
    assert pod.fix is not None and pod.fix.applicability is Applicability.UNSAFE
    assert "          type: RuntimeDefault\n      initContainers" in apply(APPARMOR, pod.fix)
    assert init.fix is not None and init.fix.applicability is Applicability.SAFE


def test_apparmor_not_set_passes() -> None:
    assert where("""
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
          annotations:
            container.apparmor.security.beta.kubernetes.io/app: ""
        spec:
          containers:
            - name: app
              image: nginx:1.27
        """, "apparmor-unconfined") == []


# --- selinux-options -----------------------------------------------------------------------------

SELINUX = """
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  securityContext:
    seLinuxOptions:
      type: spc_t
      level: "s0:c1,c2"
  containers:
    - name: app
      image: nginx:1.27
      securityContext:
        seLinuxOptions:
          user: system_u
          role: system_r
          type: container_t
    - name: engine
      image: podman:5
      securityContext:
        seLinuxOptions: {type: container_engine_t, user: ""}
  ephemeralContainers:
    - name: debug
      image: busybox:1.36
      securityContext:
        seLinuxOptions:
          role: sysadm_r
"""


def test_selinux_type_user_and_role() -> None:
    assert where(SELINUX, "selinux-options") == ["8:7", "15:11", "16:11", "27:11"]
    pod, user, role, ephemeral = messages(SELINUX, "selinux-options")
    assert pod == ('pod sets SELinux type "spc_t" (securityContext.seLinuxOptions.type); use one of '
                   "container_t, container_init_t, container_kvm_t, container_engine_t, or remove it")
    assert user == ('container "app" sets SELinux user "system_u" (securityContext.seLinuxOptions.user); '
                    "remove it")
    assert role.startswith('container "app" sets SELinux role "system_r"')
    assert ephemeral.startswith('container "debug" sets SELinux role "sysadm_r"')


def test_selinux_container_engine_t_is_allowed_from_v1_31() -> None:
    assert where(SELINUX, "selinux-options", pss_version="v1.30") == [
        "8:7", "15:11", "16:11", "21:26", "27:11"]
    assert 'type "container_engine_t" (securityContext.seLinuxOptions.type) (allowed from v1.31)' in (
        messages(SELINUX, "selinux-options", pss_version="v1.30")[3])


def test_selinux_fix_removes_the_field() -> None:
    fix = lint(SELINUX, "selinux-options")[0].fix
    assert fix is not None and fix.applicability is Applicability.UNSAFE
    assert "spc_t" not in apply(SELINUX, fix)


# --- proc-mount-unmasked and proc-mount-user-namespace -------------------------------------------

PROC_MOUNT = """
apiVersion: v1
kind: Pod
metadata:
  name: builder
spec:
  hostUsers: false
  initContainers:
    - name: init
      image: busybox:1.36
      securityContext:
        procMount: Default
  containers:
    - name: build
      image: buildah:1
      securityContext:
        procMount: Unmasked
"""


def test_proc_mount_outside_a_user_namespace_is_baseline() -> None:
    shared = PROC_MOUNT.replace("hostUsers: false", "hostUsers: true")
    assert where(shared, "proc-mount-unmasked") == ["16:9"]
    assert where(shared, "proc-mount-user-namespace") == []
    assert messages(shared, "proc-mount-unmasked") == [
        'container "build" sets securityContext.procMount: Unmasked, which unmasks /proc paths the runtime '
        "hides; set it to Default or remove it"]


def test_proc_mount_in_a_user_namespace_is_restricted_from_v1_35() -> None:
    assert where(PROC_MOUNT, "proc-mount-unmasked") == []
    assert where(PROC_MOUNT, "proc-mount-user-namespace") == ["16:9"]
    assert where(PROC_MOUNT, "KL303", "KL304", profile="baseline") == []
    assert where(PROC_MOUNT, "KL303", "KL304", profile="restricted") == ["16:9"]


def test_proc_mount_before_v1_35_baseline_checks_every_pod() -> None:
    assert where(PROC_MOUNT, "KL303", "KL304", pss_version="v1.34") == ["16:9"]
    assert [f.rule.name for f in lint(PROC_MOUNT, "KL303", "KL304", pss_version="v1.34")] == [
        "proc-mount-unmasked"]


def test_proc_mount_fix_is_unsafe() -> None:
    fix = lint(PROC_MOUNT, "proc-mount-user-namespace")[0].fix
    assert fix is not None and fix.applicability is Applicability.UNSAFE
    assert "Unmasked" not in apply(PROC_MOUNT, fix)


# --- seccomp -------------------------------------------------------------------------------------

SECCOMP = """
apiVersion: v1
kind: Pod
metadata:
  name: web
  annotations:
    seccomp.security.alpha.kubernetes.io/pod: unconfined
    container.seccomp.security.alpha.kubernetes.io/app: docker/default
    container.seccomp.security.alpha.kubernetes.io/sidecar: ""
    container.seccomp.security.alpha.kubernetes.io/gone: unconfined
spec:
  containers:
    - name: app
      image: nginx:1.27
      securityContext:
        seccompProfile:
          type: Unconfined
    - name: sidecar
      image: envoy:1.31
    - name: agent
      image: agent:1
      securityContext:
        seccompProfile: {type: Localhost, localhostProfile: profiles/agent.json}
"""


def test_seccomp_fields_from_v1_19() -> None:
    assert where(SECCOMP, "seccomp-unconfined") == ["16:11"]
    assert messages(SECCOMP, "seccomp-unconfined") == [
        'container "app" runs without seccomp confinement (securityContext.seccompProfile.type: Unconfined); '
        "set it to RuntimeDefault or Localhost"]


def test_seccomp_annotations_before_v1_19() -> None:
    # v1.0-v1.18 reads only the annotations: the pod's, and those of containers the pod has;
    # docker/default is allowed, an empty value is not.
    assert where(SECCOMP, "seccomp-unconfined", pss_version="v1.18") == ["6:5", "8:5"]
    pod, sidecar = messages(SECCOMP, "seccomp-unconfined", pss_version="v1.18")
    assert pod == ("annotation seccomp.security.alpha.kubernetes.io/pod: unconfined turns seccomp off for "
                   "the pod; set it to runtime/default or localhost/<profile>")
    assert sidecar.startswith("annotation container.seccomp.security.alpha.kubernetes.io/sidecar:  is not an "
                              'allowed seccomp profile for container "sidecar"')


def test_seccomp_unconfined_anywhere_covers_what_the_version_does_not_read() -> None:
    assert where(SECCOMP, "seccomp-unconfined-anywhere") == ["6:5"]
    assert where(SECCOMP, "seccomp-unconfined-anywhere", pss_version="v1.18") == ["16:11"]


def test_seccomp_profile_restricted() -> None:
    assert where(SECCOMP, "seccomp-profile") == ["17:7"]  # the container has no securityContext
    assert messages(SECCOMP, "seccomp-profile") == [
        'container "sidecar" has no seccomp profile (neither it nor the pod sets '
        "securityContext.seccompProfile); set seccompProfile.type: RuntimeDefault or Localhost on the pod or "
        "the container"]
    assert where(SECCOMP, "seccomp-profile", pss_version="v1.18") == []  # no restricted check before v1.19


def test_one_finding_per_seccomp_problem() -> None:
    for version in ("v1.18", "v1.19", "latest"):
        spans = where(SECCOMP, "seccomp-unconfined", "seccomp-unconfined-anywhere", "seccomp-profile",
                      pss_version=version)
        assert len(spans) == len(set(spans)), version


UNSET = """
apiVersion: batch/v1
kind: Job
metadata:
  name: report
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: report
          image: report:1
        - name: upload
          image: upload:1
          securityContext:
            runAsNonRoot: true
"""


def test_seccomp_profile_missing_everywhere_and_its_safe_pod_level_fix() -> None:
    findings = lint(UNSET, "seccomp-profile")
    assert [f"{f.span.start_line}:{f.span.start_column}" for f in findings] == ["10:11", "14:11"]
    fix = findings[0].fix
    assert fix is not None and fix.applicability is Applicability.SAFE and fix == findings[1].fix
    fixed = apply(UNSET, fix)
    assert "seccompProfile" in fixed and where(fixed, "seccomp-profile") == []


def test_seccomp_profile_pod_level_covers_containers() -> None:
    pod_level = "      securityContext:\n        seccompProfile:\n          type: RuntimeDefault\n"
    covered = UNSET.replace("      containers:\n", pod_level + "      containers:\n")
    assert where(covered, "seccomp-profile") == []


@pytest.mark.parametrize(("version", "expected"), [
    ("v1.24", ["11:11", "15:11"]), ("v1.25", []), ("latest", [])])
def test_seccomp_profile_windows_pods_exempt_from_v1_25(version: str, expected: list[str]) -> None:
    windows = UNSET.replace("      containers:\n", "      os: {name: windows}\n      containers:\n")
    assert where(windows, "seccomp-profile", pss_version=version) == expected
    if expected:
        assert all(f.fix is None for f in lint(windows, "seccomp-profile", pss_version=version))


def test_seccomp_unconfined_fix_is_unsafe_and_a_typeless_profile_safe() -> None:
    text = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          securityContext:
            seccompProfile: {}
          containers:
            - name: app
              image: nginx:1.27
              securityContext:
                seccompProfile:
                  type: Unconfined
        """
    typeless, unconfined = lint(text, "seccomp-unconfined")
    assert typeless.fix is not None and typeless.fix.applicability is Applicability.SAFE
    assert "    seccompProfile:\n      type: RuntimeDefault\n" in apply(text, typeless.fix)
    assert unconfined.fix is not None and unconfined.fix.applicability is Applicability.UNSAFE
    assert "type: Unconfined" not in apply(text, unconfined.fix)


# --- unsafe-sysctl -------------------------------------------------------------------------------

SYSCTLS = """
apiVersion: v1
kind: Pod
metadata:
  name: db
spec:
  securityContext:
    sysctls:
      - name: kernel.shm_rmid_forced
        value: "1"
      - name: net.ipv4.ip_local_reserved_ports
        value: "8080"
      - name: net.ipv4.tcp_keepalive_time
        value: "600"
      - name: net.ipv4.tcp_rmem
        value: "4096 87380 16777216"
      - name: net.ipv4.tcp_notsent_lowat
        value: "16384"
      - name: kernel.msgmax
        value: "65536"
  containers:
    - name: db
      image: postgres:17
"""


@pytest.mark.parametrize(("version", "lines"), [
    ("v1.0", [10, 12, 14, 16, 18]),
    ("v1.26", [10, 12, 14, 16, 18]),
    ("v1.27", [12, 14, 16, 18]),
    ("v1.28", [12, 14, 16, 18]),
    ("v1.29", [14, 16, 18]),
    ("v1.31", [14, 16, 18]),
    ("v1.32", [16, 18]),
    ("v1.36", [16, 18]),
    ("v1.37", [18]),
    ("latest", [18]),
])
def test_sysctl_safe_set_per_version(version: str, lines: list[int]) -> None:
    assert where(SYSCTLS, "unsafe-sysctl", pss_version=version) == [f"{line}:9" for line in lines]


def test_sysctl_message_names_the_version_that_allows_it() -> None:
    assert messages(SYSCTLS, "unsafe-sysctl", pss_version="v1.28")[0] == (
        'pod sets sysctl "net.ipv4.tcp_keepalive_time" (securityContext.sysctls[2].name), which is not in '
        "the safe set of the Pod Security Standards v1.28, safe from v1.29; remove it")
    assert messages(SYSCTLS, "unsafe-sysctl")[0].endswith("v1.37; remove it")


def test_sysctl_fix_removes_the_entry() -> None:
    fix = lint(SYSCTLS, "unsafe-sysctl")[0].fix
    assert fix is not None and fix.applicability is Applicability.UNSAFE
    fixed = apply(SYSCTLS, fix)
    assert "kernel.msgmax" not in fixed and '"65536"' not in fixed and "tcp_notsent_lowat" in fixed
