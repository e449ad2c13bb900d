"""Seccomp: the profile a pod's containers run with.

One finding per problem: an explicit `Unconfined` (or otherwise disallowed) seccomp profile is
reported by `seccomp-unconfined` (baseline, high), a container without any profile by
`seccomp-profile` (restricted, medium), and `Unconfined` in places the chosen standard version does
not read by `seccomp-unconfined-anywhere` (beyond the standard, high): three disjoint sets of keys.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from klint.edits import set_field
from klint.fix import Applicability, Fix
from klint.k8s import Container, K8sObject, PodSpec, as_dict
from klint.rule import Level, PodRule, Severity, Violation
from klint.rules.common import PSS_DOC, judged_as_restricted, restricted_exempts_windows
from klint.rules.confinement.common import annotation_path, type_violation

SECCOMP_DOC = "https://kubernetes.io/docs/tutorials/security/seccomp/"
# check_seccompProfile_baseline.go: policy v1.0-v1.18 reads the alpha annotations, v1.19+ the fields.
SECCOMP_FIELDS_VERSION = (1, 19)
SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod"
SECCOMP_CONTAINER_ANNOTATION = "container.seccomp.security.alpha.kubernetes.io/"
SECCOMP_TYPES = ("RuntimeDefault", "Localhost")


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
                           "localhost/<profile>", container=container.name if container else None, fix=fix)


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
        fix: Fix | None = None
        for container in pod.containers:
            setting = container.own("seccompProfile")
            if setting.value is None:
                if fix is None and not pod.is_windows:  # built once, and only for a finding
                    fix = set_field(obj, pod_profile.path, {"type": "RuntimeDefault"}, Applicability.SAFE,
                                    "set the pod's securityContext.seccompProfile.type: RuntimeDefault")
                yield Violation(
                    (*setting.path, "type"),
                    f'container "{container.name}" has no seccomp profile (neither it nor the pod sets '
                    "securityContext.seccompProfile); set seccompProfile.type: RuntimeDefault or Localhost "
                    "on the pod or the container",
                    container=container.name,
                    fix=fix,
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
