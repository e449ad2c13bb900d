"""The /proc mount: the paths of /proc the runtime masks, outside user namespaces and in them."""

from __future__ import annotations

from collections.abc import Iterator

from klint.edits import remove_field
from klint.fix import Applicability
from klint.k8s import Container, K8sObject, PodSpec
from klint.rule import Level, PodRule, Severity, Violation
from klint.rules.common import PSS_DOC, container_field, in_user_namespace


def unmasked_proc(container: Container) -> Violation | None:
    """A container's procMount other than Default, as check_procMount_*.go sees it."""
    setting = container.own("procMount")
    if setting.value is None or setting.value == "Default":
        return None
    field = container_field(container, setting.path)
    return Violation(setting.path, f'container "{container.name}" sets {field}: {setting.value}, which '
                                   "unmasks /proc paths the runtime hides; set it to Default or remove it",
                     container=container.name,
                     fix=remove_field(container.pod.obj, setting.path, Applicability.UNSAFE,
                                      "remove procMount"))


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
