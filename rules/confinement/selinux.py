"""SELinux: the labels a pod's containers run with."""

from __future__ import annotations

from collections.abc import Iterator

from klint.edits import remove_field
from klint.fix import Applicability
from klint.k8s import K8sObject, PodSpec
from klint.rule import Level, PodRule, Severity, Violation, format_pss_version
from klint.rules.common import PSS_DOC, yaml_scalar
from klint.rules.confinement.common import allowed_in, field_name, first_allowed

# check_seLinuxOptions.go: selinuxAllowedTypes1_0, and container_engine_t from v1.31 (kubernetes#126165).
SELINUX_TYPES = {(1, 0): ("", "container_t", "container_init_t", "container_kvm_t"),
                 (1, 31): ("container_engine_t",)}


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
                                      f"{later}; use one of {choices}, or remove it", container=name,
                                fix=remove_field(obj, path, Applicability.UNSAFE, "remove the SELinux type"))
            for key in ("user", "role"):
                if options.get(key) not in (None, ""):
                    path = (*setting.path, key)
                    fix = remove_field(obj, path, Applicability.UNSAFE, f"remove the SELinux {key}")
                    yield Violation(path, f"{who} sets SELinux {key} {yaml_scalar(options[key])} "
                                          f"({field_name(pod, container, path)}); remove it",
                                    container=name, fix=fix)
