"""Which user and groups containers run as."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from klint.document import FieldPath
from klint.edits import remove_field, remove_list_item, set_field
from klint.fix import Applicability, Fix
from klint.k8s import K8sObject, PodSpec, Setting
from klint.rule import Level, PodRule, Severity, Violation
from klint.rules.common import PSS_DOC, SECURITY_CONTEXT_DOC, container_field, in_user_namespace, pod_field

USER_NAMESPACES_DOC = ("https://kubernetes.io/docs/concepts/workloads/pods/user-namespaces/"
                       "#integration-with-pod-security-admission-checks")


def is_zero(value: Any) -> bool:
    """An ID of 0 (YAML's `false` decodes to a boolean, which the API server would refuse as an ID)."""
    return isinstance(value, int) and not isinstance(value, bool) and value == 0


class RunAsNonRoot(PodRule):
    """Containers must be required to run as a non-root user.

    ## What it checks
    `securityContext.runAsNonRoot` of the pod and of every container, init container and
    ephemeral container, as upstream Pod Security Admission reads them. It fails:
    - at the pod, when the pod sets `runAsNonRoot: false`;
    - at a container that sets `runAsNonRoot: false` (a container's value overrides the
      pod's);
    - at a container that does not set it, when the pod does not set it to true either
      (when the pod sets false, that finding covers its containers).

    Pod Security Standards, restricted: check `runAsNonRoot`, at every policy version. From
    v1.35, pods with `hostUsers: false` are exempt, as upstream exempts them: in a user
    namespace, root in the container is an unprivileged user on the node. Before v1.35
    upstream relaxed this only behind the alpha `UserNamespacesPodSecurityStandards` feature
    gate, off by default, so klint does not relax it there.

    `runAsUser` with a non-zero UID does not satisfy this check (upstream requires
    `runAsNonRoot: true` regardless); Polaris accepts either, so its fixtures differ here.
    Checkov (CKV_K8S_23) accepts a non-zero `runAsUser` too, and a pod's `runAsNonRoot:
    false` that every container overrides with true, which upstream fails at the pod.

    ## Why
    With `runAsNonRoot: true` the kubelet refuses to start a container whose image would
    run it as UID 0. Root in a container is root on the node's kernel: one kernel bug or one
    writable host mount away from owning the node, and owner of every file in the image.

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
        runAsNonRoot: true
      containers:
        - name: app
          image: nginxinc/nginx-unprivileged:1.27
    ```

    ## Fix
    Set `runAsNonRoot: true` once in the pod's `securityContext` (created when missing) when
    neither the pod nor any container sets it, so that every container inherits it; otherwise
    where the finding points (the pod's, or the container's own). Unsafe: an image that runs
    as root, or names its user instead of a numeric UID, no longer starts; the fix's
    description says so: give it a numeric non-root `runAsUser` or a non-root image.
    """

    code = "KL401"
    name = "run-as-non-root"
    topic = "identity"
    severity = Severity.MEDIUM
    pss = Level.RESTRICTED
    psa_check = "runAsNonRoot"
    references = (PSS_DOC, SECURITY_CONTEXT_DOC, USER_NAMESPACES_DOC)
    equivalents = {
        "kube-linter": ("run-as-non-root",),
        "polaris": ("runAsRootAllowed",),
        "checkov": ("CKV_K8S_23",),
        "trivy": ("KSV012",),
    }

    def check_pod(self, obj: K8sObject, pod: PodSpec) -> Iterator[Violation]:
        if in_user_namespace(pod, self.pss_version):
            return
        pod_setting = pod.field("securityContext", "runAsNonRoot")
        if pod_setting.value is False:
            yield Violation(pod_setting.path,
                            f"pod sets {pod_field(pod, pod_setting.path)}: false; set it to true",
                            fix=self._fix(obj, pod_setting, "the pod's"))
        # Nobody sets it: once on the pod, which every container inherits.
        unset = pod_setting.value is None and all(c.own("runAsNonRoot").value is None for c in pod.containers)
        pod_fix = self._fix(obj, pod_setting, "the pod's") if unset else None
        for container in pod.containers:
            setting = container.own("runAsNonRoot")
            field = container_field(container, setting.path)
            if setting.value is False:
                message = f'container "{container.name}" sets {field}: false; set it to true'
            elif setting.value is None and pod_setting.value is None:
                user = container.effective("runAsUser").value
                if isinstance(user, int) and not isinstance(user, bool) and user != 0:
                    # not root, unless another layer (a webhook, a later edit) overrides runAsUser
                    message = (f'container "{container.name}" runs as UID {user} but does not require a '
                               f"non-root user: neither it nor the pod sets runAsNonRoot, which the "
                               f"restricted standard requires; set {field}: true (or set it on the pod)")
                else:
                    message = (f'container "{container.name}" may run as root: neither it nor the pod sets '
                               f"runAsNonRoot; set {field}: true (or set it on the pod)")
            else:
                continue
            yield Violation(setting.path, message, container=container.name,
                            fix=pod_fix if unset else self._fix(obj, setting, "the container's"))

    @staticmethod
    def _fix(obj: K8sObject, setting: Setting, whose: str) -> Fix | None:
        return set_field(obj, setting.path, True, Applicability.UNSAFE,
                         f"set {whose} securityContext.runAsNonRoot: true (the image must then run as a "
                         "non-root numeric user: use a non-root image or set runAsUser)")


class RunAsUserRoot(PodRule):
    """Pods and containers must not set runAsUser to 0.

    ## What it checks
    `securityContext.runAsUser` of the pod and of every container, init container and
    ephemeral container: it fails where the value is 0 (each place that sets it is a
    finding). Unset passes: `run-as-non-root` covers images that default to root. Pod
    Security Standards, restricted: check `runAsUser`, from policy version v1.23. From
    v1.35, pods with `hostUsers: false` are exempt, as upstream exempts them (UID 0 in a
    user namespace is an unprivileged user on the node); not before, where upstream relaxed
    it only behind an alpha feature gate.

    ## Why
    `runAsUser: 0` asks for root explicitly, overriding the image's own non-root user, and
    fails at runtime anyway when `runAsNonRoot: true` is set.

    ## Failing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      securityContext:
        runAsUser: 0
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
        runAsUser: 10001
      containers:
        - name: app
          image: nginx:1.27
    ```

    ## Fix
    Remove `runAsUser: 0`, so that the image's user applies. Unsafe: if that user is root,
    the container still runs as root (which `run-as-non-root` reports), and a workload that
    needs root stops working; choose a non-zero UID when the image has none.
    """

    code = "KL402"
    name = "run-as-user-root"
    topic = "identity"
    severity = Severity.HIGH
    pss = Level.RESTRICTED
    psa_check = "runAsUser"
    min_pss_version = (1, 23)
    references = (PSS_DOC, SECURITY_CONTEXT_DOC, USER_NAMESPACES_DOC)
    equivalents = {
        "kube-linter": ("run-as-non-root",),
        "trivy": ("KSV105",),
    }

    def check_pod(self, obj: K8sObject, pod: PodSpec) -> Iterator[Violation]:
        if in_user_namespace(pod, self.pss_version):
            return
        setting = pod.field("securityContext", "runAsUser")
        if is_zero(setting.value):
            yield self._violation(obj, setting, f"pod sets {pod_field(pod, setting.path)}: 0 (root)", None)
        for container in pod.containers:
            setting = container.own("runAsUser")
            if is_zero(setting.value):
                field = container_field(container, setting.path)
                yield self._violation(obj, setting, f'container "{container.name}" sets {field}: 0 (root)',
                                      container.name)

    @staticmethod
    def _violation(obj: K8sObject, setting: Setting, problem: str, container: str | None) -> Violation:
        return Violation(setting.path, f"{problem}; set a non-zero UID or remove it", container=container,
                         fix=remove_field(obj, setting.path, Applicability.UNSAFE, "remove runAsUser: 0"))


class RootGroup(PodRule):
    """Pods and containers must not run with the root group.

    ## What it checks
    The group IDs a pod's processes get, wherever one is 0: `runAsGroup` of the pod and of
    every container, init container and ephemeral container, and the pod's `fsGroup` and
    each item of `supplementalGroups` (each is a finding at its key). Beyond the Pod
    Security Standards. Pods with `hostUsers: false` are exempt from policy version v1.35 as
    for `run-as-user-root`, and Windows pods (where these fields do not exist) always.

    ## Why
    Group 0 owns much of a typical filesystem and device tree: a process in it can read or
    write files meant for root only, in the image and on any host path or volume it mounts.
    `fsGroup: 0` also makes Kubernetes chown every volume to group root.

    ## Failing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      securityContext:
        runAsUser: 10001
        runAsGroup: 0
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
        runAsUser: 10001
        runAsGroup: 10001
        fsGroup: 10001
      containers:
        - name: app
          image: nginx:1.27
    ```

    ## Fix
    Remove the field (or the group 0 from `supplementalGroups`). Unsafe: files the workload
    reads through group root become unreadable; set a non-zero group ID instead where it
    needs one.
    """

    code = "KL403"
    name = "root-group"
    topic = "identity"
    severity = Severity.LOW
    references = (SECURITY_CONTEXT_DOC,)
    equivalents = {
        "kube-linter": ("run-as-non-root",),
        "trivy": ("KSV116", "KSV029"),
    }

    def check_pod(self, obj: K8sObject, pod: PodSpec) -> Iterator[Violation]:
        if pod.is_windows or in_user_namespace(pod, self.pss_version):
            return
        yield from self._pod_groups(obj, pod)
        for container in pod.containers:
            setting = container.own("runAsGroup")
            if is_zero(setting.value):
                field = container_field(container, setting.path)
                yield Violation(setting.path,
                                f'container "{container.name}" sets {field}: 0 (the root group); '
                                "set a non-zero group ID or remove it",
                                container=container.name, fix=self._removal(obj, setting.path))

    def _pod_groups(self, obj: K8sObject, pod: PodSpec) -> Iterator[Violation]:
        for name in ("runAsGroup", "fsGroup"):
            setting = pod.field("securityContext", name)
            if is_zero(setting.value):
                yield Violation(setting.path, f"pod sets {pod_field(pod, setting.path)}: 0 (the root group); "
                                              "set a non-zero group ID or remove it",
                                fix=self._removal(obj, setting.path))
        groups = pod.field("securityContext", "supplementalGroups")
        for index, group in enumerate(groups.value if isinstance(groups.value, list) else []):
            if is_zero(group):
                path = (*groups.path, index)
                field = pod_field(pod, path)
                yield Violation(path, f"pod adds the root group to its processes ({field}: 0); remove it",
                                fix=remove_list_item(obj, path, Applicability.UNSAFE,
                                                     "remove group 0 from supplementalGroups"))

    @staticmethod
    def _removal(obj: K8sObject, path: FieldPath) -> Fix | None:
        return remove_field(obj, path, Applicability.UNSAFE, f"remove {path[-1]}: 0")
