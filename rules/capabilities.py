"""Linux capabilities: what containers add and drop.

One added capability can break three rules at once (SYS_ADMIN is dangerous, outside the baseline
allow-list and not NET_BIND_SERVICE). Each finding is about the same key, so the rules form a
chain through `superseded_by`: the dangerous-capability finding, whose message also says what
the Pod Security Standards require, replaces the baseline one, which replaces the restricted one.
A capability gets one finding, from the most specific rule that runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from klint.edits import add_list_item, remove_list_item, set_field
from klint.fix import Applicability, Fix
from klint.k8s import Container, Setting
from klint.rule import ContainerRule, Level, Severity, Violation
from klint.rules.common import PSS_DOC, container_field, judged_as_restricted, restricted_exempts_windows

CAPABILITIES_MAN_PAGE = "https://man7.org/linux/man-pages/man7/capabilities.7.html"
# check_capabilities_baseline.go: capabilities_allowed_1_0 (compared case-sensitively, no CAP_ prefix).
BASELINE_CAPABILITIES = (
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
    "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
)
ALLOWED = ", ".join(BASELINE_CAPABILITIES)
# Capabilities that give a container a way out of it or power over the node, with why.
DANGEROUS_CAPABILITIES = {
    "ALL": "every capability, as good as a privileged container",
    "SYS_ADMIN": "mounts, namespaces, BPF and much more: the usual container escape",
    "SYS_MODULE": "loads kernel modules, that is arbitrary code in the node's kernel",
    "SYS_PTRACE": "traces and injects code into other processes, including in a shared PID namespace",
    "SYS_RAWIO": "raw I/O ports and device memory of the node",
    "SYS_BOOT": "reboots the node and loads a new kernel",
    "SYS_TIME": "sets the node's clock, which breaks certificate and token expiry",
    "DAC_READ_SEARCH": "reads any file by handle, the Shocker container escape",
    "NET_ADMIN": "reconfigures interfaces, routes and firewall rules of the network namespace",
    "BPF": "loads BPF programs that can read kernel memory",
    "PERFMON": "perf and BPF tracing of the whole node",
    "MAC_ADMIN": "changes the AppArmor or SELinux policy that confines containers",
    "MAC_OVERRIDE": "bypasses the AppArmor or SELinux policy that confines containers",
    "SYSLOG": "reads the kernel log, which leaks kernel addresses",
}


def canonical(capability: str) -> str:
    """The name container runtimes use: they upper-case it and add the `CAP_` prefix themselves."""
    name = capability.strip().upper()
    return name[4:] if name.startswith("CAP_") else name


def added(container: Container) -> Iterator[tuple[int, Any, Setting]]:
    """Each item of `securityContext.capabilities.add` with its index and setting."""
    adds = container.own("capabilities", "add")
    if isinstance(adds.value, list):
        for index, capability in enumerate(adds.value):
            yield index, capability, Setting(capability, (*adds.path, index))


def removal(container: Container, setting: Setting, capability: Any) -> Fix | None:
    return remove_list_item(container.pod.obj, setting.path, Applicability.UNSAFE,
                            f"remove capability {capability} from securityContext.capabilities.add")


class BaselineCapabilities(ContainerRule):
    """Containers must not add capabilities beyond the baseline set.

    ## What it checks
    Each item of `securityContext.capabilities.add` of every container, init container and
    ephemeral container. It fails for a capability outside the baseline allow-list:
    AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP,
    SETGID, SETPCAP, SETUID and SYS_CHROOT. Pod Security Standards, baseline: check
    `capabilities_baseline`, at every policy version.

    As upstream, names compare exactly: `NET_RAW` is not allowed, and neither are `chown` or
    `CAP_CHOWN`, although container runtimes would read them as CHOWN (the message then
    names the spelling that passes). Trivy and Polaris compare case-insensitively.

    A capability that `dangerous-capabilities` reports gets that finding instead of this one
    (same key, and its message says the baseline forbids it too).

    Windows pods at the restricted level: from policy version v1.25, upstream's restricted
    capabilities check replaces this baseline check in the restricted set (`OverrideCheckIDs`) and
    passes pods with `spec.os.name: windows`. So with `--profile restricted` or `all` and
    `--pss-version` v1.25 or later, a Windows pod passes here, as Pod Security Admission
    `restricted` admits it, while `--profile baseline` still fails it, as `baseline` does.
    Such a pod never reaches admission anyway: API validation forbids `capabilities` on a Windows
    pod, which `invalid-field` reports.

    ## Why
    The baseline set is what container runtimes grant by default. Anything beyond it widens
    what a compromised process can do to the kernel and the node: NET_RAW alone allows
    spoofed packets and ARP or DNS poisoning of neighbouring pods.

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
            capabilities:
              add: [NET_RAW]
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
            capabilities:
              add: [NET_BIND_SERVICE]
    ```

    ## Fix
    A capability of the allow-list spelt another way (`chown`, `CAP_CHOWN`) is rewritten in
    the spelling that passes; container runtimes read both the same, but it changes a value the
    author wrote, so it is unsafe like the rest. Any other capability is removed from the list.
    Unsafe: the workload may need it.
    """

    code = "KL103"
    name = "baseline-capabilities"
    topic = "capabilities"
    severity = Severity.MEDIUM
    pss = Level.BASELINE
    psa_check = "capabilities_baseline"
    references = (PSS_DOC, CAPABILITIES_MAN_PAGE)
    equivalents = {
        "checkov": ("CKV_K8S_25",),
        "trivy": ("KSV022",),
    }
    superseded_by = ("dangerous-capabilities",)

    def check_container(self, container: Container) -> Iterator[Violation]:
        if judged_as_restricted(self) and restricted_exempts_windows(container.pod, self.pss_version):
            return
        for _, capability, setting in added(container):
            if capability in BASELINE_CAPABILITIES:
                continue
            field = container_field(container, setting.path)
            name = canonical(capability) if isinstance(capability, str) else None
            if name in BASELINE_CAPABILITIES:
                yield Violation(
                    setting.path,
                    f'container "{container.name}" adds capability "{capability}" ({field}); Pod Security '
                    f"Admission compares names exactly, without the CAP_ prefix: write {name}",
                    container=container.name,
                    fix=set_field(container.pod.obj, setting.path, name, Applicability.UNSAFE,
                                  f"write capability {capability} as {name}"),
                )
                continue
            yield Violation(
                setting.path,
                f'container "{container.name}" adds capability {capability} ({field}), which the baseline '
                f"Pod Security Standard does not allow; remove it (allowed: {ALLOWED})",
                container=container.name,
                fix=removal(container, setting, capability),
            )


class RestrictedCapabilities(ContainerRule):
    """Containers must drop ALL capabilities and add back at most NET_BIND_SERVICE.

    ## What it checks
    `securityContext.capabilities` of every container, init container and ephemeral
    container. It fails when `drop` does not contain `ALL` (exactly: upstream does not
    accept `all`), and for each item of `add` other than `NET_BIND_SERVICE`. Pod Security
    Standards, restricted: check `capabilities_restricted`, from policy version v1.22. From
    v1.25, pods with `spec.os.name: windows` are exempt, as upstream exempts them; with
    `--pss-version` below v1.25 they are not.

    An added capability that `baseline-capabilities` or `dangerous-capabilities` reports
    gets their finding instead (same key, more to say). Upstream's restricted check likewise
    replaces the baseline one at the restricted level.

    Polaris (`insecureCapabilities`) also accepts a `drop` list that names each default
    capability, and Trivy, Polaris and Checkov (CKV_K8S_37) accept `all`: upstream accepts
    only `ALL`, and so does klint.

    ## Why
    Runtimes grant a default set of capabilities (CHOWN, DAC_OVERRIDE, SETUID, NET_RAW, ...)
    that most applications never use. Dropping them all leaves a compromised process with
    nothing to abuse; binding a port below 1024 is the one need common enough to allow.

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
            capabilities:
              add: [CHOWN]
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
            capabilities:
              drop: [ALL]
              add: [NET_BIND_SERVICE]
    ```

    ## Fix
    `ALL` is added to `drop` (the list and its parents are created when missing), or an
    `all` already there is rewritten as `ALL`; each other added capability is removed.
    Unsafe: a workload that relies on a default capability (chown-ing files at startup,
    switching user) stops working. Rewriting `all` is unsafe too, though runtimes read it the
    same: it changes a value the author wrote.
    """

    code = "KL104"
    name = "restricted-capabilities"
    topic = "capabilities"
    severity = Severity.LOW
    pss = Level.RESTRICTED
    psa_check = "capabilities_restricted"
    min_pss_version = (1, 22)
    references = (PSS_DOC, CAPABILITIES_MAN_PAGE)
    equivalents = {
        "polaris": ("insecureCapabilities",),
        "checkov": ("CKV_K8S_37",),
        "trivy": ("KSV106", "KSV003"),
    }
    superseded_by = ("baseline-capabilities", "dangerous-capabilities")

    def check_container(self, container: Container) -> Iterator[Violation]:
        if restricted_exempts_windows(container.pod, self.pss_version):
            return
        yield from self._check_drop(container)
        for _, capability, setting in added(container):
            if capability != "NET_BIND_SERVICE":
                yield Violation(
                    setting.path,
                    f'container "{container.name}" adds capability {capability} '
                    f"({container_field(container, setting.path)}); the restricted Pod Security Standard "
                    "allows adding only NET_BIND_SERVICE: remove it",
                    container=container.name,
                    fix=removal(container, setting, capability),
                )

    def _check_drop(self, container: Container) -> Iterator[Violation]:
        drop = container.own("capabilities", "drop")
        items = drop.value if isinstance(drop.value, list) else []
        if "ALL" in items:
            return
        field = container_field(container, drop.path)
        obj = container.pod.obj
        for index, item in enumerate(items):
            if isinstance(item, str) and item.strip().upper() == "ALL":
                yield Violation(
                    (*drop.path, index),
                    f'container "{container.name}" drops "{item}" ({field}[{index}]); Pod Security Admission '
                    'accepts only the exact spelling: write ALL',
                    container=container.name,
                    fix=set_field(obj, (*drop.path, index), "ALL", Applicability.UNSAFE,
                                  f"write {item} as ALL"),
                )
                return
        yield Violation(
            drop.path,
            f'container "{container.name}" does not drop all capabilities; add ALL to {field}',
            container=container.name,
            # Windows pods may not set capabilities at all (the API server rejects them).
            fix=None if container.pod.is_windows else add_list_item(
                obj, drop.path, "ALL", Applicability.UNSAFE, "drop ALL capabilities"),
        )


class DangerousCapabilities(ContainerRule):
    """Containers must not add capabilities that give power over the node.

    ## What it checks
    Each item of `securityContext.capabilities.add` of every container, init container and
    ephemeral container, read as container runtimes read it (upper-cased, with or without
    the `CAP_` prefix). It fails for ALL, SYS_ADMIN, SYS_MODULE, SYS_PTRACE, SYS_RAWIO,
    SYS_BOOT, SYS_TIME, DAC_READ_SEARCH, NET_ADMIN, BPF, PERFMON, MAC_ADMIN, MAC_OVERRIDE and
    SYSLOG. Beyond the Pod Security Standards (which forbid all of them at baseline, so
    `baseline-capabilities` and `restricted-capabilities` would report the same key: this
    finding replaces theirs, and its message says so, rather than three findings for one
    capability).

    ## Why
    Each of these is a known path from a container to its node: SYS_ADMIN allows mounts and
    namespace tricks (the usual escape), SYS_MODULE and BPF run code in the kernel,
    SYS_PTRACE injects into other processes, DAC_READ_SEARCH reads any host file by handle
    (the "Shocker" exploit), NET_ADMIN rewrites the pod network's routes and firewall.

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
            capabilities:
              add: [SYS_ADMIN]
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
            capabilities:
              drop: [ALL]
    ```

    ## Fix
    The capability is removed from `add`. Unsafe: the workload may need it (a VPN needs
    NET_ADMIN, a debugger SYS_PTRACE); run such workloads in a namespace meant for them.
    """

    code = "KL105"
    name = "dangerous-capabilities"
    topic = "capabilities"
    severity = Severity.HIGH
    references = (CAPABILITIES_MAN_PAGE, PSS_DOC)
    equivalents = {
        "polaris": ("dangerousCapabilities",),
        "checkov": ("CKV_K8S_39",),
        "trivy": ("KSV005", "KSV120"),
    }

    def check_container(self, container: Container) -> Iterator[Violation]:
        for _, capability, setting in added(container):
            name = canonical(capability) if isinstance(capability, str) else None
            if name not in DANGEROUS_CAPABILITIES:
                continue
            yield Violation(
                setting.path,
                f'container "{container.name}" adds capability {capability} '
                f"({container_field(container, setting.path)}): {DANGEROUS_CAPABILITIES[name]}; the Pod "
                "Security Standards forbid it from baseline on: remove it",
                container=container.name,
                fix=removal(container, setting, capability),
            )
