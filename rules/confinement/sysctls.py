"""Sysctls: the kernel parameters a pod sets for its own namespaces."""

from __future__ import annotations

from collections.abc import Iterator

from klint.edits import remove_list_item
from klint.fix import Applicability
from klint.k8s import K8sObject, PodSpec, as_dict, as_list
from klint.rule import Level, PodRule, Severity, Violation, format_pss_version
from klint.rules.common import PSS_DOC, pod_field, yaml_scalar
from klint.rules.confinement.common import allowed_in, first_allowed

SYSCTL_DOC = "https://kubernetes.io/docs/tasks/administer-cluster/sysctl-cluster/"
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
