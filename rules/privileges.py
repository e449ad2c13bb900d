"""Privileged mode, privilege escalation and Linux capabilities."""

from __future__ import annotations

from collections.abc import Iterator

from klint.k8s import Container
from klint.rule import ContainerRule, Level, Severity, Violation

PSS_DOC = "https://kubernetes.io/docs/concepts/security/pod-security-standards/"


class PrivilegedContainer(ContainerRule):
    """Containers must not run in privileged mode.

    ## What it checks
    `securityContext.privileged` of every container, init container and ephemeral container.
    It fails when the value is true (including YAML 1.1 spellings such as `yes` or `on`,
    which the API server reads as true). Pod Security Standards, baseline: check
    `privileged`.

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
    severity = Severity.CRITICAL
    pss = Level.BASELINE
    psa_check = "privileged"
    references = (PSS_DOC,)

    def check_container(self, container: Container) -> Iterator[Violation]:
        setting = container.own("privileged")
        if setting.value is True:
            yield Violation(
                setting.path,
                f'container "{container.name}" runs privileged (securityContext.privileged: true); '
                "set it to false",
                container.name,
            )
