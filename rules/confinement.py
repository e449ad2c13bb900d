"""Kernel confinement: seccomp, AppArmor, SELinux, the /proc mount and sysctls.

Each Pod Security Standards rule follows its upstream Pod Security Admission check
(kubernetes/kubernetes, staging/src/k8s.io/pod-security-admission/policy/check_*.go), version by
version: `self.pss_version` is the `--pss-version` being evaluated.

One finding per problem: an explicit `Unconfined` (or otherwise disallowed) seccomp profile is
reported by `seccomp-unconfined` (baseline, high), a container without any profile by
`seccomp-profile` (restricted, medium), and `Unconfined` in places the chosen standard version does
not read by `seccomp-unconfined-anywhere` (beyond the standard, high): three disjoint sets of keys.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from klint.document import Path
from klint.edits import remove_field, remove_list_item, set_field
from klint.fix import Applicability, Fix
from klint.k8s import Container, K8sObject, PodSpec, Setting, as_dict, as_list
from klint.rule import Level, PodRule, Severity, Violation, format_pss_version
from klint.rules.common import (
    PSS_DOC,
    container_field,
    in_user_namespace,
    judged_as_restricted,
    pod_field,
    restricted_exempts_windows,
    yaml_scalar,
)

SECCOMP_DOC = "https://kubernetes.io/docs/tutorials/security/seccomp/"
APPARMOR_DOC = "https://kubernetes.io/docs/tutorials/security/apparmor/"
SYSCTL_DOC = "https://kubernetes.io/docs/tasks/administer-cluster/sysctl-cluster/"

# check_seccompProfile_baseline.go: policy v1.0-v1.18 reads the alpha annotations, v1.19+ the fields.
SECCOMP_FIELDS_VERSION = (1, 19)
SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod"
SECCOMP_CONTAINER_ANNOTATION = "container.seccomp.security.alpha.kubernetes.io/"
SECCOMP_TYPES = ("RuntimeDefault", "Localhost")
# check_appArmorProfile.go: the annotation and the field, at every policy version.
APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"
APPARMOR_TYPES = ("RuntimeDefault", "Localhost")
# check_seLinuxOptions.go: selinuxAllowedTypes1_0, and container_engine_t from v1.31 (kubernetes#126165).
SELINUX_TYPES = {(1, 0): ("", "container_t", "container_init_t", "container_kvm_t"),
                 (1, 31): ("container_engine_t",)}
# check_sysctls.go: each version's additions to the safe set (kubernetes#121240, #127489, #138389).
SAFE_SYSCTLS = {
    (1, 0): ("kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
             "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start"),
    (1, 27): ("net.ipv4.ip_local_reserved_ports",),
    (1, 29): ("net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
              "net.ipv4.tcp_keepalive_probes"),
    (1, 32): ("net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"),
    (1, 37): ("net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"),
}


def allowed_in(table: dict[tuple[int, int], tuple[str, ...]], version: tuple[int, int]) -> set[str]:
    """The union of a versioned allow-list up to `version`."""
    return {item for since, items in table.items() if since <= version for item in items}


def first_allowed(table: dict[tuple[int, int], tuple[str, ...]], item: str) -> tuple[int, int] | None:
    return next((since for since, items in table.items() if item in items), None)


def field_name(pod: PodSpec, container: Container | None, path: Path) -> str:
    """A field as messages name it: relative to its container, or to the pod spec."""
    return container_field(container, path) if container else pod_field(pod, path)


def annotation_path(pod: PodSpec, key: str) -> Path:
    return (*pod.metadata_path, "annotations", key)


def string_annotations(pod: PodSpec, prefix: str) -> Iterator[tuple[str, str]]:
    """Annotations whose key starts with `prefix` (annotation values are strings; the API server
    rejects any other)."""
    for key, value in pod.annotations.items():
        if isinstance(key, str) and key.startswith(prefix) and isinstance(value, str):
            yield key, value


def type_violation(obj: K8sObject, who: str, container: Container | None, setting: Setting, what: str,
                   allowed: tuple[str, ...]) -> Violation | None:
    """The finding for a `{type: ...}` profile (seccompProfile, appArmorProfile) set to a value outside
    `allowed`, or None. Unconfined gets the UNSAFE fix to RuntimeDefault; a profile without a type
    (which the API server rejects, so nothing runs with it) the SAFE one."""
    pod = obj.pod
    assert pod is not None
    profile = setting.value
    if not isinstance(profile, dict) or profile.get("type") in allowed:
        return None
    kind = profile.get("type")
    choices = " or ".join(allowed)
    name = container.name if container else None
    if kind is None:
        path = setting.path
        message = f"{who} sets {field_name(pod, container, path)} without a type; set type: {choices}"
        fix = None if profile else set_field(obj, path, {"type": "RuntimeDefault"}, Applicability.SAFE,
                                             f"set {what} type RuntimeDefault")
        return Violation(path, message, name, fix)
    path = (*setting.path, "type")
    field = field_name(pod, container, path)
    if kind == "Unconfined":
        message = f"{who} runs without {what} confinement ({field}: Unconfined); set it to {choices}"
        fix = set_field(obj, path, "RuntimeDefault", Applicability.UNSAFE, f"set {what} type RuntimeDefault")
        return Violation(path, message, name, fix)
    return Violation(path, f"{who} sets {what} profile type {yaml_scalar(kind)} ({field}), which is not "
                           f"allowed; set it to {choices}", name)


class AppArmorUnconfined(PodRule):
    """AppArmor must not be turned off or set to a profile outside the allowed ones.

    ## What it checks
    The AppArmor profile of the pod and of every container, init container and ephemeral
    container, both where Kubernetes reads it today and where it used to:

    - the field `securityContext.appArmorProfile.type` (pod and containers): allowed are
      `RuntimeDefault` and `Localhost`; `Unconfined`, or a profile without a type, fails;
    - the annotations `container.apparmor.security.beta.kubernetes.io/<container>` on the
      pod (template) metadata: allowed are `runtime/default`, `localhost/<profile>` and the
      empty string; `unconfined` or anything else fails.

    Not setting a profile passes: the container runtime then applies its default profile on
    nodes with AppArmor. Pod Security Standards, baseline: check `appArmorProfile`. Upstream
    has one version of this check (v1.0), which reads the field as well as the annotation
    since Kubernetes 1.30 added the field, so every `--pss-version` checks both, as a current
    API server does.

    An explicit `Unconfined` is reported here, at high severity; klint has no "AppArmor not
    set" rule, because an unset profile already means the runtime default.

    ## Why
    AppArmor limits what a container's processes may do with files, mounts, signals and the
    network even when they run as root. `Unconfined` removes that layer, and with it the
    protection against several container escapes.

    ## Failing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
      annotations:
        container.apparmor.security.beta.kubernetes.io/app: unconfined
    spec:
      containers:
        - name: app
          image: nginx:1.27
          securityContext:
            appArmorProfile:
              type: Unconfined
    ```

    ## Passing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      securityContext:
        appArmorProfile:
          type: RuntimeDefault
      containers:
        - name: app
          image: nginx:1.27
    ```

    ## Fix
    Set the type to `RuntimeDefault` (the annotation to `runtime/default`). Unsafe: a
    workload that needed to run unconfined (a node agent, a nested container runtime) may
    be denied operations. A profile written without a type gets `type: RuntimeDefault`,
    which is safe: the API server rejects such a profile, so nothing runs with it.
    """

    code = "KL301"
    name = "apparmor-unconfined"
    topic = "confinement"
    severity = Severity.HIGH
    pss = Level.BASELINE
    psa_check = "appArmorProfile"
    references = (PSS_DOC, APPARMOR_DOC)
    equivalents = {"trivy": ("KSV002",)}

    def check_pod(self, obj: K8sObject, pod: PodSpec) -> Iterator[Violation]:
        for who, container, setting in pod.own_settings("appArmorProfile"):
            violation = type_violation(obj, who, container, setting, "AppArmor", APPARMOR_TYPES)
            if violation:
                yield violation
        for key, value in string_annotations(pod, APPARMOR_ANNOTATION):
            if value in ("", "runtime/default") or value.startswith("localhost/"):
                continue
            name = key[len(APPARMOR_ANNOTATION):]
            path = annotation_path(pod, key)
            unconfined = value == "unconfined"
            problem = "runs" if unconfined else "sets an AppArmor profile that is not allowed for"
            confinement = " without AppArmor confinement" if unconfined else ""
            yield Violation(
                path,
                f'annotation {key}: {value} {problem} container "{name}"{confinement}; set it to '
                "runtime/default or localhost/<profile>, or remove it",
                name,
                set_field(obj, path, "runtime/default", Applicability.UNSAFE, "set the AppArmor annotation "
                          "to runtime/default") if unconfined else None,
            )


class SELinuxOptions(PodRule):
    """SELinux options must not set a custom type, user or role.

    ## What it checks
    `securityContext.seLinuxOptions` of the pod and of every container, init container and
    ephemeral container, where it is written:

    - `type` must be unset, empty, `container_t`, `container_init_t` or `container_kvm_t`,
      and from Pod Security Standards v1.31 also `container_engine_t`;
    - `user` and `role` must be unset or empty.

    `level` is free (it sets the MCS categories). Pod Security Standards, baseline: check
    `seLinuxOptions` (v1.0, and v1.31 for `container_engine_t`, kubernetes#126165).

    ## Why
    SELinux types other than the container ones (`spc_t`, `unconfined_t`, a host daemon's
    type) lift the confinement SELinux puts on container processes, and a custom user or role
    can give them the rights of a host service.

    ## Failing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      securityContext:
        seLinuxOptions:
          type: spc_t
      containers:
        - name: app
          image: nginx:1.27
          securityContext:
            seLinuxOptions:
              user: system_u
              role: system_r
    ```

    ## Passing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      securityContext:
        seLinuxOptions:
          level: "s0:c123,c456"
      containers:
        - name: app
          image: nginx:1.27
    ```

    ## Fix
    Remove the offending `type`, `user` or `role` (the runtime then uses `container_t` and
    its own user and role). Unsafe: a workload that relied on the extra rights of the custom
    label is denied them.
    """

    code = "KL302"
    name = "selinux-options"
    topic = "confinement"
    severity = Severity.HIGH
    pss = Level.BASELINE
    psa_check = "seLinuxOptions"
    references = (PSS_DOC, "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/"
                           "#assign-selinux-labels-to-a-container")
    equivalents = {"trivy": ("KSV025",)}

    def check_pod(self, obj: K8sObject, pod: PodSpec) -> Iterator[Violation]:
        allowed = allowed_in(SELINUX_TYPES, self.pss_version)
        choices = ", ".join(kind for since, kinds in SELINUX_TYPES.items() if since <= self.pss_version
                            for kind in kinds if kind)
        for who, container, setting in pod.own_settings("seLinuxOptions"):
            options = setting.value
            if not isinstance(options, dict):
                continue
            name = container.name if container else None
            kind = options.get("type")
            if kind is not None and kind not in allowed:
                path = (*setting.path, "type")
                version = first_allowed(SELINUX_TYPES, kind) if isinstance(kind, str) else None
                later = f" (allowed from {format_pss_version(version)})" if version else ""
                yield Violation(path, f"{who} sets SELinux type {yaml_scalar(kind)} "
                                      f"({field_name(pod, container, path)})"
                                      f"{later}; use one of {choices}, or remove it", name,
                                remove_field(obj, path, Applicability.UNSAFE, "remove the SELinux type"))
            for key in ("user", "role"):
                if options.get(key) not in (None, ""):
                    path = (*setting.path, key)
                    fix = remove_field(obj, path, Applicability.UNSAFE, f"remove the SELinux {key}")
                    yield Violation(path, f"{who} sets SELinux {key} {yaml_scalar(options[key])} "
                                          f"({field_name(pod, container, path)}); remove it", name, fix)


def unmasked_proc(container: Container) -> Violation | None:
    """A container's procMount other than Default, as check_procMount_*.go sees it."""
    setting = container.own("procMount")
    if setting.value is None or setting.value == "Default":
        return None
    field = container_field(container, setting.path)
    return Violation(setting.path, f'container "{container.name}" sets {field}: {setting.value}, which '
                                   "unmasks /proc paths the runtime hides; set it to Default or remove it",
                     container.name,
                     remove_field(container.pod.obj, setting.path, Applicability.UNSAFE, "remove procMount"))


class ProcMountUnmasked(PodRule):
    """Containers must keep the default /proc masks.

    ## What it checks
    `securityContext.procMount` of every container, init container and ephemeral container:
    it fails for any value but `Default` (or unset). Pod Security Standards, baseline: check
    `procMount`. From v1.35 the baseline check skips pods in a user namespace
    (`hostUsers: false`), where an unmasked /proc reveals only the pod's own namespace; for
    those pods the restricted level keeps the rule, which klint reports as
    `proc-mount-user-namespace`. With `--pss-version` v1.34 or earlier every pod is checked
    here (the earlier relaxation sat behind an alpha feature gate that the v1.35 check
    replaced).

    ## Why
    The runtime masks parts of /proc (`/proc/kcore`, `/proc/sys`, `/proc/sysrq-trigger`, ...)
    that expose the node's kernel. `Unmasked` removes those masks: a container can read kernel
    memory or change kernel settings the namespaces do not isolate.

    ## Failing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: builder
    spec:
      containers:
        - name: build
          image: quay.io/buildah/stable:v1.37
          securityContext:
            procMount: Unmasked
    ```

    ## Passing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: builder
    spec:
      containers:
        - name: build
          image: quay.io/buildah/stable:v1.37
          securityContext:
            procMount: Default
    ```

    ## Fix
    Remove `procMount` (the default is `Default`). Unsafe: nested container builds that need
    an unmasked /proc stop working; run them in a user namespace (`hostUsers: false`).
    """

    code = "KL303"
    name = "proc-mount-unmasked"
    topic = "confinement"
    severity = Severity.HIGH
    pss = Level.BASELINE
    psa_check = "procMount"
    references = (PSS_DOC, "https://kubernetes.io/docs/concepts/workloads/pods/user-namespaces/")
    equivalents = {"kube-linter": ("unsafe-proc-mount",), "polaris": ("procMount",), "trivy": ("KSV027",)}

    def check_pod(self, obj: K8sObject, pod: PodSpec) -> Iterator[Violation]:
        if in_user_namespace(pod, self.pss_version):
            return
        for container in pod.containers:
            violation = unmasked_proc(container)
            if violation:
                yield violation


class ProcMountUserNamespace(PodRule):
    """Containers must keep the default /proc masks, in user namespaces too (restricted).

    ## What it checks
    `securityContext.procMount` of every container of a pod with `hostUsers: false`: it fails
    for any value but `Default` (or unset). Pod Security Standards, restricted: check
    `procMount_restricted`, added in v1.35, when the baseline `procMount` check began to allow
    any value in user-namespaced pods. Pods that share the node's user namespace are covered
    by `proc-mount-unmasked`, so each container gets one finding.

    ## Why
    A user namespace limits what an unmasked /proc exposes, but the masked paths still lead
    to kernel interfaces; the restricted standard keeps the masks everywhere.

    ## Failing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: builder
    spec:
      hostUsers: false
      containers:
        - name: build
          image: quay.io/buildah/stable:v1.37
          securityContext:
            procMount: Unmasked
    ```

    ## Passing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: builder
    spec:
      hostUsers: false
      containers:
        - name: build
          image: quay.io/buildah/stable:v1.37
    ```

    ## Fix
    Remove `procMount`. Unsafe: nested container builds that need an unmasked /proc stop
    working.
    """

    code = "KL304"
    name = "proc-mount-user-namespace"
    topic = "confinement"
    severity = Severity.MEDIUM
    pss = Level.RESTRICTED
    psa_check = "procMount_restricted"
    min_pss_version = (1, 35)
    references = (PSS_DOC, "https://kubernetes.io/docs/concepts/workloads/pods/user-namespaces/")
    # None of these exempts user-namespaced pods, so they cover this rule's case too.
    equivalents = {"kube-linter": ("unsafe-proc-mount",), "polaris": ("procMount",), "trivy": ("KSV027",)}

    def check_pod(self, obj: K8sObject, pod: PodSpec) -> Iterator[Violation]:
        if not in_user_namespace(pod, self.pss_version):
            return
        for container in pod.containers:
            violation = unmasked_proc(container)
            if violation:
                yield violation


def seccomp_annotations(pod: PodSpec) -> Iterator[tuple[str, str, Container | None]]:
    """The seccomp alpha annotations Pod Security Admission v1.0-v1.18 reads: the pod's, and one per
    container that the pod has (annotations for other names are not read)."""
    annotations = pod.annotations
    if SECCOMP_POD_ANNOTATION in annotations:
        yield SECCOMP_POD_ANNOTATION, annotations[SECCOMP_POD_ANNOTATION], None
    for container in pod.containers:
        key = SECCOMP_CONTAINER_ANNOTATION + container.name
        if key in annotations:
            yield key, annotations[key], container


def seccomp_annotation_allowed(value: Any) -> bool:
    return value in ("runtime/default", "docker/default") or (
        isinstance(value, str) and value.startswith("localhost/"))


def seccomp_annotation_violation(obj: K8sObject, pod: PodSpec, key: str, value: Any,
                                 container: Container | None) -> Violation:
    who = f'container "{container.name}"' if container else "the pod"
    unconfined = value == "unconfined"
    problem = f"turns seccomp off for {who}" if unconfined else f"is not an allowed seccomp profile for {who}"
    path = annotation_path(pod, key)
    fix: Fix | None = None
    if unconfined:
        fix = set_field(obj, path, "runtime/default", Applicability.UNSAFE,
                        "set the seccomp annotation to runtime/default")
    return Violation(path, f"annotation {key}: {value} {problem}; set it to runtime/default or "
                           "localhost/<profile>", container.name if container else None, fix)


class SeccompUnconfined(PodRule):
    """Seccomp must not be turned off or set to a profile outside the allowed ones.

    ## What it checks
    The seccomp profiles that the pod and its containers, init containers and ephemeral
    containers set explicitly, where the chosen Pod Security Standards version reads them:

    - from v1.19 (the default): the field `securityContext.seccompProfile.type` of the pod and
      of each container. `RuntimeDefault` and `Localhost` pass; `Unconfined`, or a profile
      without a type, fails.
    - v1.0 to v1.18: the alpha annotations `seccomp.security.alpha.kubernetes.io/pod` and
      `container.seccomp.security.alpha.kubernetes.io/<container>` on the pod (template)
      metadata. `runtime/default`, `docker/default` and `localhost/<profile>` pass;
      `unconfined`, an empty value or anything else fails.

    Not setting a profile passes here (that is the restricted rule `seccomp-profile`).
    Pod Security Standards, baseline: check `seccompProfile_baseline` (v1.0 annotations,
    v1.19 fields).

    This is where `Unconfined` is reported, at high severity; `seccomp-profile` (medium)
    reports only containers with no profile at all, and `seccomp-unconfined-anywhere`
    reports `Unconfined` only where this rule does not look (the annotations from v1.19,
    the fields before), so the same key never gets two findings.

    Windows pods at the restricted level: from policy version v1.25, upstream's restricted
    seccomp check replaces this baseline check in the restricted set (`OverrideCheckIDs`) and
    passes pods with `spec.os.name: windows`. So with `--profile restricted` or `all` and
    `--pss-version` v1.25 or later, a Windows pod passes here, as Pod Security Admission
    `restricted` admits it, while `--profile baseline` still fails it, as `baseline` does.
    Such a pod never reaches admission anyway: API validation forbids `seccompProfile` on a Windows
    pod, which `invalid-field` reports.

    ## Why
    Seccomp filters the system calls a container may make; the kernel's attack surface is
    most of what stands between a compromised container and the node. `Unconfined` allows
    every system call, including the ones behind many container-escape exploits.

    ## Failing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      securityContext:
        seccompProfile:
          type: Unconfined
      containers:
        - name: app
          image: nginx:1.27
    ```

    ## Passing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      securityContext:
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: app
          image: nginx:1.27
    ```

    ## Fix
    Set the type to `RuntimeDefault` (an annotation to `runtime/default`). Unsafe: a
    workload that makes system calls the default profile blocks fails; give it a
    `Localhost` profile that allows them. A profile written without a type gets
    `type: RuntimeDefault`, which is safe: the API server rejects such a profile, so nothing
    runs with it.
    """

    code = "KL305"
    name = "seccomp-unconfined"
    topic = "confinement"
    severity = Severity.HIGH
    pss = Level.BASELINE
    psa_check = "seccompProfile_baseline"
    references = (PSS_DOC, SECCOMP_DOC)
    equivalents = {"trivy": ("KSV104",)}

    def check_pod(self, obj: K8sObject, pod: PodSpec) -> Iterator[Violation]:
        if judged_as_restricted(self) and restricted_exempts_windows(pod, self.pss_version):
            return
        if self.pss_version < SECCOMP_FIELDS_VERSION:
            for key, value, container in seccomp_annotations(pod):
                if not seccomp_annotation_allowed(value):
                    yield seccomp_annotation_violation(obj, pod, key, value, container)
            return
        for who, container, setting in pod.own_settings("seccompProfile"):
            violation = type_violation(obj, who, container, setting, "seccomp", SECCOMP_TYPES)
            if violation:
                yield violation


class SeccompProfile(PodRule):
    """Every container must run with a seccomp profile (restricted).

    ## What it checks
    Each container, init container and ephemeral container must have a seccomp profile: its
    own `securityContext.seccompProfile`, or the pod's. Pod Security Standards, restricted:
    check `seccompProfile_restricted`, from v1.19. Before v1.19 the restricted level only
    applies the baseline check of the alpha annotations, so with `--pss-version` v1.18 or
    earlier this rule does not run. From v1.25, Windows pods (`spec.os.name: windows`) are
    exempt: they cannot set seccomp.

    The alpha annotations do not count: Pod Security Admission reads only the fields from
    v1.19. (Checkov's CKV_K8S_31 accepts `runtime/default` and `docker/default` annotations;
    its fixtures that pass that way fail here, as they would fail admission.) A profile that
    is set but not allowed (`Unconfined`) is reported by `seccomp-unconfined` instead, so this
    rule reports only the containers that have no profile at all.

    ## Why
    Without a profile, a container runs `Unconfined` unless every node enables the kubelet's
    `seccompDefault`: all system calls are open to it. Setting `RuntimeDefault` costs almost
    nothing and blocks the calls behind many kernel exploits.

    ## Failing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      containers:
        - name: app
          image: nginx:1.27
    ```

    ## Passing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      securityContext:
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: app
          image: nginx:1.27
    ```

    ## Fix
    Add `seccompProfile: {type: RuntimeDefault}` to the pod's `securityContext` (one change
    covers every container). Safe: the runtime's default profile allows what ordinary
    applications do, and is what the kubelet applies anyway with `seccompDefault`.
    """

    code = "KL306"
    name = "seccomp-profile"
    topic = "confinement"
    severity = Severity.MEDIUM
    pss = Level.RESTRICTED
    psa_check = "seccompProfile_restricted"
    min_pss_version = SECCOMP_FIELDS_VERSION
    references = (PSS_DOC, SECCOMP_DOC)
    equivalents = {"checkov": ("CKV_K8S_31",), "trivy": ("KSV030",)}

    def check_pod(self, obj: K8sObject, pod: PodSpec) -> Iterator[Violation]:
        if restricted_exempts_windows(pod, self.pss_version):
            return
        pod_profile = pod.field("securityContext", "seccompProfile")
        if pod_profile.value is not None:
            return  # every container inherits it; a bad one is seccomp-unconfined's finding
        fix = None if pod.is_windows else set_field(
            obj, pod_profile.path, {"type": "RuntimeDefault"}, Applicability.SAFE,
            "set the pod's securityContext.seccompProfile.type: RuntimeDefault")
        for container in pod.containers:
            setting = container.own("seccompProfile")
            if setting.value is None:
                yield Violation(
                    (*setting.path, "type"),
                    f'container "{container.name}" has no seccomp profile (neither it nor the pod sets '
                    "securityContext.seccompProfile); set seccompProfile.type: RuntimeDefault or Localhost "
                    "on the pod or the container",
                    container.name,
                    fix,
                )


class SeccompUnconfinedAnywhere(PodRule):
    """Seccomp must not be turned off anywhere, not even where the standard does not look.

    ## What it checks
    `Unconfined` seccomp in the places that the chosen Pod Security Standards version does not
    read, and so `seccomp-unconfined` does not report:

    - from v1.19 (the default): the alpha annotations `seccomp.security.alpha.kubernetes.io/pod`
      and `container.seccomp.security.alpha.kubernetes.io/<container>` set to `unconfined`;
    - v1.0 to v1.18: the field `securityContext.seccompProfile.type: Unconfined` of the pod or a
      container.

    Beyond the Pod Security Standards. Like `seccomp-unconfined`, it is high severity, above
    the medium "no profile" finding of `seccomp-profile`; the two Unconfined rules never
    report the same key.

    ## Why
    Old manifests and charts still carry the alpha annotations. Clusters that read them (the
    API server copied them into the fields until Kubernetes 1.27) turn seccomp off, and even
    where they are ignored they state an intent that a reviewer should see.

    ## Failing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
      annotations:
        seccomp.security.alpha.kubernetes.io/pod: unconfined
    spec:
      containers:
        - name: app
          image: nginx:1.27
    ```

    ## Passing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      securityContext:
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: app
          image: nginx:1.27
    ```

    ## Fix
    Set the annotation to `runtime/default` (the field to `RuntimeDefault`). Unsafe: a
    workload that makes system calls the default profile blocks fails.
    """

    code = "KL308"
    name = "seccomp-unconfined-anywhere"
    topic = "confinement"
    severity = Severity.HIGH
    references = (SECCOMP_DOC,)
    equivalents = {"trivy": ("KSV104",)}

    def check_pod(self, obj: K8sObject, pod: PodSpec) -> Iterator[Violation]:
        if self.pss_version >= SECCOMP_FIELDS_VERSION:
            for key, value, container in seccomp_annotations(pod):
                if value == "unconfined":
                    yield seccomp_annotation_violation(obj, pod, key, value, container)
            return
        for who, container, setting in pod.own_settings("seccompProfile"):
            if as_dict(setting.value).get("type") == "Unconfined":
                violation = type_violation(obj, who, container, setting, "seccomp", SECCOMP_TYPES)
                if violation:
                    yield violation


class UnsafeSysctl(PodRule):
    """Pods may set only the sysctls the standard deems safe.

    ## What it checks
    Each name in the pod's `securityContext.sysctls`: it fails unless it is in the safe set
    of the chosen Pod Security Standards version. Pod Security Standards, baseline: check
    `sysctls`. The set grows with the version (names compared exactly, as upstream does):

    - v1.0: `kernel.shm_rmid_forced`, `net.ipv4.ip_local_port_range`,
      `net.ipv4.tcp_syncookies`, `net.ipv4.ping_group_range`,
      `net.ipv4.ip_unprivileged_port_start`;
    - v1.27: `net.ipv4.ip_local_reserved_ports`;
    - v1.29: `net.ipv4.tcp_keepalive_time`, `net.ipv4.tcp_fin_timeout`,
      `net.ipv4.tcp_keepalive_intvl`, `net.ipv4.tcp_keepalive_probes`;
    - v1.32: `net.ipv4.tcp_rmem`, `net.ipv4.tcp_wmem`;
    - v1.37: `net.ipv4.tcp_slow_start_after_idle`, `net.ipv4.tcp_notsent_lowat`.

    A message names the version from which a sysctl is safe when a later one allows it.

    ## Why
    A sysctl outside the safe set either is not isolated per pod (it changes the kernel for
    every workload on the node) or can exhaust kernel resources other pods depend on. The
    kubelet refuses such pods unless it was started with `--allowed-unsafe-sysctls`.

    ## Failing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: db
    spec:
      securityContext:
        sysctls:
          - name: kernel.msgmax
            value: "65536"
      containers:
        - name: db
          image: postgres:17
    ```

    ## Passing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: db
    spec:
      securityContext:
        sysctls:
          - name: net.ipv4.ip_local_port_range
            value: "32768 60999"
      containers:
        - name: db
          image: postgres:17
    ```

    ## Fix
    Remove the sysctl from the list. Unsafe: the workload runs with the kernel's default for
    it; set node-level sysctls through the node's configuration instead.
    """

    code = "KL307"
    name = "unsafe-sysctl"
    topic = "confinement"
    severity = Severity.MEDIUM
    pss = Level.BASELINE
    psa_check = "sysctls"
    references = (PSS_DOC, SYSCTL_DOC)
    equivalents = {"kube-linter": ("unsafe-sysctls",), "trivy": ("KSV026",)}

    def check_pod(self, obj: K8sObject, pod: PodSpec) -> Iterator[Violation]:
        safe = allowed_in(SAFE_SYSCTLS, self.pss_version)
        sysctls = pod.field("securityContext", "sysctls")
        version = format_pss_version(self.pss_version)
        for index, entry in enumerate(as_list(sysctls.value)):
            name = as_dict(entry).get("name")
            if name in safe:
                continue
            path = (*sysctls.path, index, "name") if isinstance(entry, dict) and "name" in entry else (
                *sysctls.path, index)
            since = first_allowed(SAFE_SYSCTLS, name) if isinstance(name, str) else None
            later = f", safe from {format_pss_version(since)}" if since else ""
            yield Violation(
                path,
                f"pod sets sysctl {yaml_scalar(name)} ({pod_field(pod, path)}), which is not in the safe set "
                f"of the Pod Security Standards {version}{later}; remove it",
                fix=remove_list_item(obj, (*sysctls.path, index), Applicability.UNSAFE,
                                     f"remove sysctl {name}"),
            )
