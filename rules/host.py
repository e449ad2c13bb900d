"""Host namespaces, host paths and ports: what lets a pod reach into its node."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from klint.k8s import K8sObject
from klint.rule import Level, Rule, Severity, Violation

PSS_DOC = "https://kubernetes.io/docs/concepts/security/pod-security-standards/"


class HostNamespaceRule(Rule):
    """Shared check of the pod fields `hostNetwork`, `hostPID` and `hostIPC`."""

    field: ClassVar[str]
    what: ClassVar[str]
    pss = Level.BASELINE
    psa_check = "hostNamespaces"
    references = (PSS_DOC,)

    def check(self, obj: K8sObject) -> Iterator[Violation]:
        if obj.pod is None:
            return
        setting = obj.pod.field(self.field)
        if setting.value is True:
            yield Violation(setting.path, f"pod shares the node's {self.what} ({self.field}: true); "
                                          f"set {self.field}: false or remove it")


class HostNetwork(HostNamespaceRule):
    """Pods must not use the node's network namespace.

    ## What it checks
    The pod spec's `hostNetwork`: it fails when true. Pod Security Standards, baseline:
    check `hostNamespaces`.

    ## Why
    With the host's network namespace a pod sees every interface of the node, can bind any
    node port, reach services listening on localhost (the kubelet's, a cloud metadata
    proxy) and sniff traffic of other pods, and bypasses NetworkPolicies.

    ## Failing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      hostNetwork: true
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
    ```

    ## Fix
    Remove `hostNetwork: true`. Unsafe: the pod gets its own IP address, so ports and
    peers that relied on the node's network change.
    """

    code = "KL201"
    name = "host-network"
    severity = Severity.HIGH
    field = "hostNetwork"
    what = "network namespace"


class HostPID(HostNamespaceRule):
    """Pods must not use the node's process ID namespace.

    ## What it checks
    The pod spec's `hostPID`: it fails when true. Pod Security Standards, baseline: check
    `hostNamespaces`.

    ## Why
    A pod in the host PID namespace sees every process on the node, their command lines and
    environments (secrets often live there), and with enough privilege can signal or ptrace
    them, or enter their namespaces through `/proc/<pid>/root`.

    ## Failing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      hostPID: true
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
    ```

    ## Fix
    Remove `hostPID: true`. Unsafe: tools that inspect node processes stop seeing them.
    """

    code = "KL202"
    name = "host-pid"
    severity = Severity.HIGH
    field = "hostPID"
    what = "process ID namespace"


class HostIPC(HostNamespaceRule):
    """Pods must not use the node's IPC namespace.

    ## What it checks
    The pod spec's `hostIPC`: it fails when true. Pod Security Standards, baseline: check
    `hostNamespaces`.

    ## Why
    The host IPC namespace exposes the node's shared memory segments, semaphores and message
    queues: a pod can read or corrupt the memory other processes on the node share.

    ## Failing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      hostIPC: true
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
    ```

    ## Fix
    Remove `hostIPC: true`. Unsafe: software sharing memory with host processes stops
    working.
    """

    code = "KL203"
    name = "host-ipc"
    severity = Severity.HIGH
    field = "hostIPC"
    what = "IPC namespace"
