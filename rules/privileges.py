"""Privileged mode and privilege escalation (Linux capabilities are in capabilities.py)."""

from __future__ import annotations

from collections.abc import Iterator

from klint.edits import set_field
from klint.fix import Applicability, Fix
from klint.k8s import Container
from klint.rule import ContainerRule, Level, Severity, Violation
from klint.rules.common import (
    FALCO_K8S_AUDIT_RULES,
    PSS_DOC,
    SECURITY_CONTEXT_DOC,
    container_field,
    restricted_exempts_windows,
    yaml_scalar,
)


class PrivilegedContainer(ContainerRule):
    """Containers must not run in privileged mode.

    ## What it checks
    `securityContext.privileged` of every container, init container and ephemeral container.
    It fails when the value is true (including YAML 1.1 spellings such as `yes` or `on`,
    which the API server reads as true). Pod Security Standards, baseline: check
    `privileged`. It is the static twin of Falco's "Create Privileged Pod" rule, which looks
    at Pods only and exempts a list of known images (CNI and monitoring agents); klint checks
    every pod template and exempts no image: suppress the finding where it is meant.

    ## Why
    A privileged container gets every capability, every device of the node and no seccomp,
    AppArmor or SELinux confinement: it is root on the node, and one compromise away from
    the whole cluster.

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
          securityContext:
            privileged: true
    ```

    ## Passing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      containers:
        - name: app
          image: nginx:1.27
          securityContext:
            privileged: false
    ```

    ## Fix
    Set `privileged: false`. Unsafe: a workload that needs host devices or kernel
    capabilities (a CNI or storage driver) stops working; grant it the specific
    capabilities it needs instead.
    """

    code = "KL101"
    name = "privileged-container"
    topic = "privileges"
    severity = Severity.CRITICAL
    pss = Level.BASELINE
    psa_check = "privileged"
    references = (PSS_DOC, FALCO_K8S_AUDIT_RULES)
    equivalents = {
        "kube-linter": ("privileged-container",),
        "polaris": ("runAsPrivileged",),
        "checkov": ("CKV_K8S_16",),
        "trivy": ("KSV017",),
        "falco": ("Create Privileged Pod",),
    }

    def check_container(self, container: Container) -> Iterator[Violation]:
        setting = container.own("privileged")
        if setting.value is True:
            yield Violation(
                setting.path,
                f'container "{container.name}" runs privileged (securityContext.privileged: true); '
                "set it to false",
                container=container.name,
                fix=set_field(container.pod.obj, setting.path, False, Applicability.UNSAFE,
                              "set securityContext.privileged: false"),
            )


class AllowPrivilegeEscalation(ContainerRule):
    """Containers must set allowPrivilegeEscalation to false.

    ## What it checks
    `securityContext.allowPrivilegeEscalation` of every container, init container and
    ephemeral container: it fails unless the value is `false`. Unset fails too: the default
    is to allow escalation. Pod Security Standards, restricted: check
    `allowPrivilegeEscalation`, from policy version v1.8 (when the field appeared). From
    v1.25, pods with `spec.os.name: windows` are exempt, as upstream exempts them (the
    field does not exist on Windows); with `--pss-version` below v1.25 they are not.

    ## Why
    Unless the field is false, the container's processes may gain privileges their parent
    did not have: through set-user-ID and set-group-ID binaries (`sudo`, `su`, a planted
    `chmod u+s` file) or file capabilities. `false` sets the kernel's `no_new_privs` flag,
    which closes that path, so an attacker who gets a shell as a non-root user stays one.

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
      containers:
        - name: app
          image: nginx:1.27
          securityContext:
            allowPrivilegeEscalation: false
    ```

    ## Fix
    Set `allowPrivilegeEscalation: false` in the container's `securityContext` (created when
    missing). Safe when the field is missing: only set-user-ID programs and file capabilities
    stop granting privileges, which a workload that passes the rest of the restricted standard
    does not rely on. Unsafe when the manifest says `true`: a value the author wrote is
    reversed only with `--unsafe-fixes`. No fix
    is offered for a privileged container or one that adds `CAP_SYS_ADMIN`, whose
    combination with `false` the API server rejects, nor for a Windows pod, where the field
    is not allowed.
    """

    code = "KL102"
    name = "allow-privilege-escalation"
    topic = "privileges"
    severity = Severity.MEDIUM
    pss = Level.RESTRICTED
    psa_check = "allowPrivilegeEscalation"
    min_pss_version = (1, 8)
    references = (PSS_DOC, SECURITY_CONTEXT_DOC)
    equivalents = {
        "kube-linter": ("privilege-escalation-container",),
        "polaris": ("privilegeEscalationAllowed",),
        "checkov": ("CKV_K8S_20",),
        "trivy": ("KSV001",),
    }

    def check_container(self, container: Container) -> Iterator[Violation]:
        if restricted_exempts_windows(container.pod, self.pss_version):
            return
        setting = container.own("allowPrivilegeEscalation")
        if setting.value is False:
            return
        field = container_field(container, setting.path)
        if setting.is_set:
            problem = f"allows privilege escalation ({field}: {yaml_scalar(setting.value)})"
        else:
            problem = f"does not set {field}, so privilege escalation is allowed"
        yield Violation(setting.path, f'container "{container.name}" {problem}; set it to false',
                        container=container.name, fix=self._fix(container, setting.path, setting.is_set))

    @staticmethod
    def _fix(container: Container, path: tuple[str | int, ...], written: bool) -> Fix | None:
        adds = container.own("capabilities", "add").value
        # The API server refuses allowPrivilegeEscalation: false with these (ValidateSecurityContext),
        # and on Windows pods (where the field does not exist).
        if (container.own("privileged").value is True or container.pod.is_windows
                or (isinstance(adds, list) and "CAP_SYS_ADMIN" in adds)):
            return None
        # adding the missing field is safe; reversing a value the author wrote is not
        applicability = Applicability.UNSAFE if written else Applicability.SAFE
        return set_field(container.pod.obj, path, False, applicability,
                         "set securityContext.allowPrivilegeEscalation: false")

