"""Host namespaces, host paths and ports: what lets a pod reach into its node."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from klint.edits import remove_field, set_field
from klint.fix import Applicability
from klint.k8s import Container, K8sObject, PodSpec, as_dict, as_list
from klint.rule import ContainerRule, Level, PodRule, Severity, Violation
from klint.rules.common import PSS_DOC, container_field, pod_field, yaml_scalar
from klint.rules.volumes import host_mount_removal, host_mounts


class HostNamespaceRule(PodRule):
    """Shared check of the pod fields `hostNetwork`, `hostPID` and `hostIPC`."""

    field: ClassVar[str]
    what: ClassVar[str]
    pss = Level.BASELINE
    psa_check = "hostNamespaces"
    references = (PSS_DOC,)

    def check_pod(self, obj: K8sObject, pod: PodSpec) -> Iterator[Violation]:
        setting = pod.field(self.field)
        if setting.value is True:
            yield Violation(setting.path, f"pod shares the node's {self.what} ({self.field}: true); "
                                          f"set {self.field}: false or remove it",
                            fix=remove_field(obj, setting.path, Applicability.UNSAFE,
                                             f"remove {self.field}: true"))


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
    topic = "host"
    severity = Severity.HIGH
    field = "hostNetwork"
    what = "network namespace"
    equivalents = {"kube-linter": ("host-network",), "polaris": ("hostNetworkSet",),
                   "checkov": ("CKV_K8S_19",), "trivy": ("KSV009",), "falco": ("Create HostNetwork Pod",)}


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
    topic = "host"
    severity = Severity.HIGH
    field = "hostPID"
    what = "process ID namespace"
    equivalents = {"kube-linter": ("host-pid",), "polaris": ("hostPIDSet",), "checkov": ("CKV_K8S_17",),
                   "trivy": ("KSV010",), "falco": ("Create HostPid Pod",)}


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
    topic = "host"
    severity = Severity.HIGH
    field = "hostIPC"
    what = "IPC namespace"
    equivalents = {"kube-linter": ("host-ipc",), "polaris": ("hostIPCSet",), "checkov": ("CKV_K8S_18",),
                   "trivy": ("KSV008",), "falco": ("Create HostIPC Pod",)}


class HostProcess(PodRule):
    """Windows pods must not run HostProcess containers.

    ## What it checks
    `securityContext.windowsOptions.hostProcess` of the pod and of every container, init
    container and ephemeral container: it fails where it is true. Pod Security Standards,
    baseline: check `windowsHostProcess`, at every version (v1.0+). A container that inherits
    `hostProcess: true` from the pod is covered by the one finding on the pod's field.

    ## Why
    A HostProcess container runs directly on the Windows node, as a host process with the
    node's network and file system and, typically, as `NT AUTHORITY\\SYSTEM`: there is no
    container boundary left.

    ## Failing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: agent
    spec:
      os:
        name: windows
      hostNetwork: true
      securityContext:
        windowsOptions:
          hostProcess: true
          runAsUserName: "NT AUTHORITY\\\\SYSTEM"
      containers:
        - name: agent
          image: mcr.microsoft.com/windows/nanoserver:ltsc2022
    ```

    ## Passing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: agent
    spec:
      os:
        name: windows
      containers:
        - name: agent
          image: mcr.microsoft.com/windows/nanoserver:ltsc2022
    ```

    ## Fix
    Set `hostProcess: false`. Unsafe: a node agent built as a HostProcess container stops
    working inside a regular container.
    """

    code = "KL204"
    name = "host-process"
    topic = "host"
    severity = Severity.CRITICAL
    pss = Level.BASELINE
    psa_check = "windowsHostProcess"
    references = (PSS_DOC, "https://kubernetes.io/docs/tasks/configure-pod-container/create-hostprocess-pod/")
    equivalents = {"polaris": ("hostProcess",), "trivy": ("KSV103",)}

    def check_pod(self, obj: K8sObject, pod: PodSpec) -> Iterator[Violation]:
        for who, container, setting in pod.own_settings("windowsOptions", "hostProcess"):
            if setting.value is True:
                yield Violation(
                    setting.path,
                    f"{who} runs as a Windows HostProcess (securityContext.windowsOptions.hostProcess: "
                    "true); set it to false or remove it",
                    container=container.name if container else None,
                    fix=set_field(obj, setting.path, False, Applicability.UNSAFE, "set hostProcess: false"),
                )


class HostPathVolume(PodRule):
    """Pods must not mount directories or files of the node (hostPath volumes).

    ## What it checks
    Every entry of the pod spec's `volumes` that has a `hostPath` source. Pod Security
    Standards, baseline: check `hostPathVolumes` (v1.0+); the restricted level forbids it too,
    through its volume-type allow-list. Which host paths are especially dangerous (container
    runtime sockets, `/`, `/etc`, ...) and whether the mount is writable are separate rules
    beyond the standard.

    ## Why
    A hostPath volume hands the container a piece of the node's file system: node
    credentials, other pods' data, the container runtime's socket, or the kubelet's
    configuration. Written to, it can plant binaries or configuration that the node runs.

    ## Failing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: log-reader
    spec:
      containers:
        - name: reader
          image: busybox:1.36
          volumeMounts:
            - name: logs
              mountPath: /logs
      volumes:
        - name: logs
          hostPath:
            path: /var/log
    ```

    ## Passing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: log-reader
    spec:
      containers:
        - name: reader
          image: busybox:1.36
          volumeMounts:
            - name: logs
              mountPath: /logs
      volumes:
        - name: logs
          emptyDir: {}
    ```

    ## Fix
    Remove the volume and every `volumeMounts` entry that mounts it (when the volume names
    a path). Unsafe: the workload loses the node data it was reading or writing; replace
    the volume with a `persistentVolumeClaim`, `configMap`, `secret` or `emptyDir` that
    serves the purpose.
    """

    code = "KL205"
    name = "host-path"
    topic = "host"
    severity = Severity.HIGH
    pss = Level.BASELINE
    psa_check = "hostPathVolumes"
    references = (PSS_DOC, "https://kubernetes.io/docs/concepts/storage/volumes/#hostpath")
    equivalents = {"polaris": ("hostPathSet",), "trivy": ("KSV023",)}

    def check_pod(self, obj: K8sObject, pod: PodSpec) -> Iterator[Violation]:
        mounts = {mount.index: mount for mount in host_mounts(pod)}
        for index, volume in enumerate(as_list(pod.data.get("volumes"))):
            if not isinstance(volume, dict) or not isinstance(volume.get("hostPath"), dict):
                continue  # `hostPath: null` is no hostPath source, as for the API server
            path = (*pod.path, "volumes", index, "hostPath")
            host_path = as_dict(volume["hostPath"]).get("path")
            where = f" {host_path}" if isinstance(host_path, str) else ""
            yield Violation(
                path,
                f'volume "{volume.get("name")}" mounts the node\'s path{where} ({pod_field(pod, path)}); '
                "use a persistentVolumeClaim, configMap, secret or emptyDir volume instead",
                fix=host_mount_removal(obj, pod, mounts[index]) if index in mounts else None,
            )


class HostPort(ContainerRule):
    """Containers must not bind ports of the node (hostPort).

    ## What it checks
    `ports[].hostPort` of every container, init container and ephemeral container: it fails
    when set to anything but 0 (0 or unset means no host port). Pod Security Standards,
    baseline: check `hostPorts` (v1.0+); the standard allows a known list of ports, but the
    upstream admission check forbids every one.

    ## Why
    A host port exposes the container on the node's own address, around Services and
    NetworkPolicies, and lets a pod take a port that node daemons or other pods rely on.
    It also pins the pod to nodes where that port is free.

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
          ports:
            - containerPort: 8080
              hostPort: 80
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
          ports:
            - containerPort: 8080
    ```

    ## Fix
    Remove `hostPort`. Unsafe: clients that reach the pod at the node's address lose it;
    expose it with a Service instead.
    """

    code = "KL206"
    name = "host-port"
    topic = "host"
    severity = Severity.MEDIUM
    pss = Level.BASELINE
    psa_check = "hostPorts"
    references = (PSS_DOC,)
    equivalents = {"polaris": ("hostPortSet",), "checkov": ("CKV_K8S_26",), "trivy": ("KSV024",)}

    def check_container(self, container: Container) -> Iterator[Violation]:
        for index, port in enumerate(as_list(container.data.get("ports"))):
            value = as_dict(port).get("hostPort")
            if isinstance(value, int) and not isinstance(value, bool) and value != 0:
                path = (*container.path, "ports", index, "hostPort")
                yield Violation(
                    path,
                    f'container "{container.name}" binds port {value} of the node '
                    f"({container_field(container, path)}: {value}); remove hostPort and expose the port "
                    "with a Service",
                    container=container.name,
                    fix=remove_field(container.pod.obj, path, Applicability.UNSAFE,
                                     f"remove hostPort: {value}"),
                )


PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
LIFECYCLE_HANDLERS = ("postStart", "preStop")
HOST_ACTIONS = ("httpGet", "tcpSocket")


class HostProbe(ContainerRule):
    """Probes and lifecycle hooks must not target another host.

    ## What it checks
    `httpGet.host` and `tcpSocket.host` of every container's `livenessProbe`,
    `readinessProbe`, `startupProbe` and `lifecycle.postStart`/`preStop` handlers, in
    containers, init containers and ephemeral containers: it fails when `host` is set to
    anything but the empty string. Pod Security Standards, baseline: check
    `hostProbesAndHostLifecycle`, added in v1.34; with `--pss-version` v1.33 or earlier the
    rule does not run.

    ## Why
    The kubelet runs probes and HTTP hooks from the node. With `host` set, a pod makes the
    kubelet send requests to any address the node can reach (the node's own services on
    localhost, cloud metadata endpoints, other tenants' pods): a server-side request forgery
    with the node's network position.

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
          livenessProbe:
            httpGet:
              host: 169.254.169.254
              path: /latest/meta-data/
              port: 80
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
          livenessProbe:
            httpGet:
              path: /healthz
              port: 80
    ```

    ## Fix
    Remove `host`, so that the probe targets the pod's own IP address. Unsafe: a probe that
    really checked another host now checks the pod.
    """

    code = "KL207"
    name = "host-probe"
    topic = "host"
    severity = Severity.MEDIUM
    pss = Level.BASELINE
    psa_check = "hostProbesAndHostLifecycle"
    min_pss_version = (1, 34)
    references = (PSS_DOC, "https://github.com/kubernetes/kubernetes/pull/125271")

    def check_container(self, container: Container) -> Iterator[Violation]:
        handlers = [(probe,) for probe in PROBES] + [("lifecycle", hook) for hook in LIFECYCLE_HANDLERS]
        for handler in handlers:
            for action in HOST_ACTIONS:
                setting = container.field(*handler, action, "host")
                if setting.value is None or setting.value == "":
                    continue
                where = container_field(container, setting.path)
                yield Violation(
                    setting.path,
                    f'container "{container.name}" sends its {handler[-1]} {action} to host '
                    f"{yaml_scalar(setting.value)} ({where}); remove host so that it targets the pod",
                    container=container.name,
                    fix=remove_field(container.pod.obj, setting.path, Applicability.UNSAFE,
                                     f"remove {where}"),
                )
