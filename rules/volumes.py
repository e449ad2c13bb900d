"""Volumes and the root filesystem: what a pod may mount, from where, and what it may write."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from klint.document import FieldPath
from klint.edits import combine, remove_list_item, set_field
from klint.fix import Applicability, Fix
from klint.k8s import Container, K8sObject, PodSpec, as_dict, as_list
from klint.rule import ContainerRule, Level, PodRule, Severity, Violation
from klint.rules.common import (
    FALCO_K8S_AUDIT_RULES,
    PSS_DOC,
    SECURITY_CONTEXT_DOC,
    container_field,
    pod_field,
)

HOST_PATH_DOC = "https://kubernetes.io/docs/concepts/storage/volumes/#hostpath"
# check_restrictedVolumes.go: the volume sources the restricted level allows. `image` was added to
# the v1.0 check itself (kubernetes#130394, Kubernetes 1.33), so it passes at every policy version.
RESTRICTED_VOLUME_TYPES = (
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim", "projected",
    "secret",
)
# Host paths that hand a container the node, and why. A path matches itself and everything under it
# ("/etc" matches "/etc/ssl", not "/etcd"); "/" matches only itself. A mount of a directory that
# contains one of them (/var/run holds docker.sock) exposes it too. Sockets come first, so that a
# mount holding several is reported by its worst content.
DOCKER = "the Docker daemon's socket: whoever can connect to it is root on the node"
CONTAINERD = "containerd's socket: whoever can connect to it is root on the node"
CRI = "socket of the container runtime: whoever can connect to it runs containers on the node"
SENSITIVE_HOST_PATHS = {
    "/var/run/docker.sock": DOCKER,
    "/run/docker.sock": DOCKER,
    "/run/containerd/containerd.sock": CONTAINERD,
    "/var/run/containerd/containerd.sock": CONTAINERD,
    "/run/k3s/containerd/containerd.sock": CONTAINERD,
    "/run/crio/crio.sock": f"CRI-O's {CRI}",
    "/var/run/crio/crio.sock": f"CRI-O's {CRI}",
    "/var/run/cri-dockerd.sock": f"cri-dockerd's {CRI}",
    "/run/cri-dockerd.sock": f"cri-dockerd's {CRI}",
    "/run/podman/podman.sock": "Podman's socket: whoever can connect to it is root on the node",
    "/var/run/dockershim.sock": f"the kubelet's dockershim {CRI} (the CRI endpoint up to Kubernetes 1.23)",
    "/run/dockershim.sock": f"the kubelet's dockershim {CRI} (the CRI endpoint up to Kubernetes 1.23)",
    "/": "the node's whole filesystem",
    "/etc": "the node's configuration, with credentials and the kubelet's and container runtime's settings",
    "/etc/kubernetes": "the kubelet's and control plane's configuration, credentials and static pods",
    "/root": "root's home directory, with SSH keys and cloud credentials",
    "/home": "users' home directories, with SSH keys and credentials",
    "/proc": "the node's processes and kernel settings",
    "/sys": "the node's kernel, device and cgroup settings",
    "/dev": "the node's devices, its disks included",
    "/boot": "the node's kernel and boot loader",
    "/bin": "the node's programs",
    "/sbin": "the node's programs",
    "/lib": "the node's libraries and kernel modules",
    "/lib64": "the node's libraries",
    "/usr": "the node's programs and libraries",
    "/var/lib/kubelet": "the kubelet's state: every pod's volumes and secrets, and the kubelet's credentials",
    "/var/lib/kubelet/plugins": "the kubelet's plugin directory: the sockets through which it calls every "
                                "CSI and device plugin driver",
    "/var/lib/kubelet/plugins_registry": "the kubelet's plugin registration sockets: a driver registered "
                                         "there is called with every volume it is asked to mount",
    "/var/lib/docker": "the Docker engine's state: every container's filesystem",
    "/var/lib/containerd": "containerd's state: every container's filesystem",
    "/var/lib/etcd": "etcd's data: every Secret of the cluster",
}
# Paths under sensitive directories that hold none of their danger: a hostPath bind-mounts exactly the
# inode named, and /dev/log is the syslog socket, no device node.
HARMLESS_HOST_PATHS = frozenset({"/dev/log"})
# Public, read-only content under sensitive paths that node agents commonly mount (CA bundles, the
# time zone): not sensitive when every container mounts it read-only.
PUBLIC_HOST_PATHS = (
    "/etc/ssl/certs", "/etc/pki/tls/certs", "/etc/pki/ca-trust/extracted", "/etc/ca-certificates",
    "/usr/share/ca-certificates", "/etc/localtime", "/usr/share/zoneinfo", "/etc/resolv.conf",
)


def normalize_host_path(path: Any) -> str | None:
    """A Linux host path as the kernel resolves it (`//etc/./x/` -> `/etc/x`); None for anything else
    (a Windows path, a relative path)."""
    if not isinstance(path, str) or not path.startswith("/"):
        return None
    return posixpath.normpath(re.sub(r"^/+", "/", path))


def is_within(path: str, directory: str) -> bool:
    """`path` is `directory` or lies under it: `/etc/ssl` is within `/etc`, `/etcd` is not."""
    return path == directory or directory == "/" or path.startswith(directory + "/")


def sensitive_content(path: str) -> tuple[str, str] | None:
    """The sensitive host path that a mount of `path` exposes, and why it matters."""
    if path in HARMLESS_HOST_PATHS:
        return None
    inside = [entry for entry in SENSITIVE_HOST_PATHS if entry != "/" and is_within(path, entry)]
    if path == "/":
        inside.append("/")
    if inside:
        entry = max(inside, key=len)  # the most specific: /etc/kubernetes rather than /etc
        return entry, SENSITIVE_HOST_PATHS[entry]
    for entry, why in SENSITIVE_HOST_PATHS.items():
        if is_within(entry, path):  # a directory that holds a sensitive path
            return entry, why
    return None


@dataclass(frozen=True)
class HostMount:
    """A hostPath volume and the container mounts of it."""

    index: int  # in spec.volumes
    name: str
    path: str  # as written
    mounts: tuple[tuple[Container, int, dict[str, Any]], ...]  # container, index in volumeMounts, the mount


def host_mounts(pod: PodSpec) -> Iterator[HostMount]:
    for index, volume in enumerate(as_list(pod.data.get("volumes"))):
        volume = as_dict(volume)
        host_path = as_dict(volume.get("hostPath")).get("path")
        if not isinstance(host_path, str):
            continue
        name = str(volume.get("name"))
        mounts = tuple((container, position, as_dict(mount))
                       for container in pod.containers
                       for position, mount in enumerate(as_list(container.data.get("volumeMounts")))
                       if as_dict(mount).get("name") == name)
        yield HostMount(index, name, host_path, mounts)


# The removals built for the last object, by pod and volume: host-path and sensitive-host-mount both
# offer the removal of a volume, the same fix (built once).
_REMOVALS: list[tuple[K8sObject, dict[tuple[FieldPath, int], Fix | None]]] = []


def host_mount_removal(obj: K8sObject, pod: PodSpec, volume: HostMount) -> Fix | None:
    """Removing a hostPath volume, and every mount of it with it (an unknown volume name is invalid)."""
    if not _REMOVALS or _REMOVALS[0][0] is not obj:
        _REMOVALS[:] = [(obj, {})]  # fixes are built object by object: keeping others would keep them alive
    built = _REMOVALS[0][1]
    key = (pod.path, volume.index)
    if key not in built:
        built[key] = _host_mount_removal(obj, pod, volume)
    return built[key]


def _host_mount_removal(obj: K8sObject, pod: PodSpec, volume: HostMount) -> Fix | None:
    description = f'remove the hostPath volume "{volume.name}" and its mounts'
    paths = [(*pod.path, "volumes", volume.index),
             *((*container.path, "volumeMounts", position) for container, position, _ in volume.mounts)]
    return combine(description, Applicability.UNSAFE,
                   *(remove_list_item(obj, path, Applicability.UNSAFE, description) for path in paths))


class RestrictedVolumeTypes(PodRule):
    """Pods may use only the volume types of the restricted standard.

    ## What it checks
    The source of each entry of the pod's `volumes`. It fails for any source other than
    configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim,
    projected and secret (a volume that names no source is an emptyDir). Pod Security
    Standards, restricted: check `restrictedVolumes`, at every policy version. Upstream added
    `image` to the v1.0 check itself (Kubernetes 1.33), so it passes with any
    `--pss-version`, as it does on a current API server; the published Pod Security
    Standards page still omits it.

    A hostPath volume, which this check also forbids, gets the `host-path` finding (baseline)
    instead, when that rule runs: same key. A volume that names an allowed source and another
    one (`emptyDir` and `hostPath`) passes here, as upstream's check takes the first allowed
    source it finds; the API server rejects such a volume (`invalid-field` reports it), and
    `host-path` still reports its hostPath.

    ## Why
    The allowed types are the ones whose storage Kubernetes provisions and isolates per
    pod. Others (nfs, iscsi, rbd, cephfs, gitRepo, flexVolume, ...) name storage directly
    in the pod, so whoever can create pods reaches storage no PersistentVolume grants them;
    some (gitRepo, flexVolume) also run code on the node.

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
      volumes:
        - name: data
          nfs:
            server: nfs.example.com
            path: /exports/data
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
      volumes:
        - name: data
          persistentVolumeClaim:
            claimName: data
    ```

    ## Fix
    No automatic fix: move the storage to a PersistentVolume and claim it with a
    persistentVolumeClaim volume (or use a csi volume).
    """

    code = "KL501"
    name = "restricted-volume-types"
    topic = "volumes"
    severity = Severity.MEDIUM
    pss = Level.RESTRICTED
    psa_check = "restrictedVolumes"
    references = (PSS_DOC, "https://kubernetes.io/docs/concepts/storage/volumes/")
    equivalents = {
        "trivy": ("KSV028",),
    }
    superseded_by = ("host-path",)

    def check_pod(self, obj: K8sObject, pod: PodSpec) -> Iterator[Violation]:
        volumes = pod.field("volumes")
        for index, volume in enumerate(as_list(volumes.value)):
            volume = as_dict(volume)
            if any(volume.get(source) is not None for source in RESTRICTED_VOLUME_TYPES):
                continue  # as upstream's switch: an allowed source passes the volume, whatever else it has
            for source, value in volume.items():
                if source == "name" or value is None or source in RESTRICTED_VOLUME_TYPES:
                    continue
                path = (*volumes.path, index, source)
                yield Violation(
                    path,
                    f'volume "{volume.get("name")}" is of type {source} ({pod_field(pod, path)}), which the '
                    f"restricted Pod Security Standard does not allow; use one of "
                    f"{', '.join(RESTRICTED_VOLUME_TYPES)} (a persistentVolumeClaim for other storage)",
                )


class ReadOnlyRootFilesystem(ContainerRule):
    """Containers should run with a read-only root filesystem.

    ## What it checks
    `securityContext.readOnlyRootFilesystem` of every container, init container and ephemeral
    container: it fails unless the value is true. Beyond the Pod Security Standards. Windows
    pods are exempt (the field does not exist there).

    ## Why
    With a writable root filesystem an attacker can drop tools and binaries, rewrite the
    application or its configuration and persist until the container restarts. A read-only
    one confines writes to the volumes you mount for them (an emptyDir for `/tmp`).

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
            readOnlyRootFilesystem: true
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir: {}
    ```

    ## Fix
    Set `readOnlyRootFilesystem: true` in the container's `securityContext` (created when
    missing). Unsafe: an application that writes outside its volumes (caches, PID files,
    `/tmp`) fails; mount an emptyDir where it writes.
    """

    code = "KL502"
    name = "read-only-root-filesystem"
    topic = "volumes"
    severity = Severity.LOW
    references = (SECURITY_CONTEXT_DOC,)
    equivalents = {
        "kube-linter": ("no-read-only-root-fs",),
        "polaris": ("notReadOnlyRootFilesystem",),
        "checkov": ("CKV_K8S_22",),
        "trivy": ("KSV014",),
    }

    def check_container(self, container: Container) -> Iterator[Violation]:
        if container.pod.is_windows:
            return
        setting = container.own("readOnlyRootFilesystem")
        if setting.value is True:
            return
        field = container_field(container, setting.path)
        problem = f"sets {field}: false" if setting.value is False else f"does not set {field}"
        yield Violation(setting.path, f'container "{container.name}" {problem}, so its root filesystem is '
                                      "writable; set it to true",
                        container=container.name,
                        fix=set_field(container.pod.obj, setting.path, True, Applicability.UNSAFE,
                                      "set securityContext.readOnlyRootFilesystem: true"))


class SensitiveHostMount(PodRule):
    """Pods must not mount sensitive host paths.

    ## What it checks
    `hostPath.path` of each of the pod's volumes, as the kernel resolves it (`//etc/./`
    is `/etc`). It fails when the path is, or lies under, one of: the container runtime
    sockets (`/var/run/docker.sock`, `/run/containerd/containerd.sock`, CRI-O's, cri-dockerd's,
    Podman's, and the kubelet's `dockershim.sock`, its CRI endpoint up to Kubernetes 1.23),
    `/` itself, `/etc` (with `/etc/kubernetes`), `/root`, `/home`, `/proc`, `/sys`, `/dev`,
    `/boot`, `/bin`, `/sbin`, `/lib`, `/lib64`, `/usr`, `/var/lib/kubelet` (its `plugins`
    directories, where CSI drivers' sockets live, named as such), `/var/lib/docker`,
    `/var/lib/containerd`, `/var/lib/etcd`. "Under" is by path component: `/etc/ssl` is
    under `/etc`, `/etcd` is not. A directory that contains one of them fails too: mounting
    `/var/run` exposes `/var/run/docker.sock`. `/dev/log` passes: a hostPath bind-mounts
    exactly that inode, the syslog socket, and no device node.

    Public content that node agents mount to read (CA bundles such as `/etc/ssl/certs`, the
    time zone) passes when every container mounts it read-only; the option `public-paths`
    sets that list.

    Beyond the Pod Security Standards (whose baseline forbids every hostPath: `host-path`).
    It is the static twin of Falco's "Create Sensitive Mount Pod", whose macro
    `sensitive_vol_mount` matches exact paths only (`/proc`, `/var/run/docker.sock`, `/`,
    `/etc`, `/root`, `/var/run/crio/crio.sock`, `/run/containerd/containerd.sock`,
    `/home/admin`, `/var/lib/kubelet`, `/var/lib/kubelet/pki`, `/etc/kubernetes`,
    `/etc/kubernetes/manifests`) and exempts a list of known images; klint matches
    subdirectories and parents too, and exempts no image. Checkov's CKV_K8S_27 and
    kube-linter's `docker-sock` look for `/var/run/docker.sock` only, so their fixtures that
    mount other sensitive paths (`/var/lib/docker/containers`) pass there and fail here.

    ## Why
    These paths are the node: its runtime socket starts privileged containers, `/etc` and
    `/root` hold credentials, `/proc` and `/sys` reach the kernel, `/var/lib/kubelet` holds
    every pod's secrets. A container that mounts one is a container escape waiting for a
    compromise, read-only or not.

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
          volumeMounts:
            - name: docker
              mountPath: /var/run/docker.sock
      volumes:
        - name: docker
          hostPath:
            path: /var/run/docker.sock
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
          volumeMounts:
            - name: certs
              mountPath: /etc/ssl/certs
              readOnly: true
      volumes:
        - name: certs
          hostPath:
            path: /etc/ssl/certs
    ```

    ## Fix
    Remove the volume and every mount of it. Unsafe: node agents (log shippers, monitoring,
    CSI drivers) that need the path stop working; run them in a namespace meant for them.
    """

    code = "KL503"
    name = "sensitive-host-mount"
    topic = "volumes"
    severity = Severity.CRITICAL
    references = (HOST_PATH_DOC, FALCO_K8S_AUDIT_RULES)
    options = {"public-paths": PUBLIC_HOST_PATHS}
    equivalents = {
        "kube-linter": ("sensitive-host-mounts", "docker-sock"),
        "checkov": ("CKV_K8S_27",),
        "trivy": ("KSV121", "KSV006"),
        "falco": ("Create Sensitive Mount Pod",),
    }

    def check_pod(self, obj: K8sObject, pod: PodSpec) -> Iterator[Violation]:
        public = [path for path in map(normalize_host_path, self.config["public-paths"]) if path]
        for volume in host_mounts(pod):
            path = normalize_host_path(volume.path)
            if path is None:
                continue
            found = sensitive_content(path)
            if found is None or (any(is_within(path, entry) for entry in public)
                                 and all(mount.get("readOnly") is True for _, _, mount in volume.mounts)):
                continue
            entry, why = found
            if entry != path:
                why = f"{'it lies in' if is_within(path, entry) else 'it contains'} {entry}, {why}"
            setting = (*pod.path, "volumes", volume.index, "hostPath", "path")
            yield Violation(
                setting,
                f'volume "{volume.name}" mounts the host path {volume.path} ({pod_field(pod, setting)}): '
                f"{why}; remove the volume",
                fix=host_mount_removal(obj, pod, volume),
            )


class WritableHostMount(ContainerRule):
    """Containers must mount host paths read-only.

    ## What it checks
    Each entry of a container's `volumeMounts` whose volume is a hostPath: it fails unless
    the mount sets `readOnly: true`. Every container, init container and ephemeral container
    counts. Beyond the Pod Security Standards (whose baseline forbids every hostPath:
    `host-path`).

    ## Why
    A writable host path lets a container change the node: plant a binary or a cron job,
    edit a configuration the kubelet or another pod reads, fill the node's disk, or write a
    symlink that a privileged process on the node later follows.

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
          volumeMounts:
            - name: logs
              mountPath: /host/logs
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
      name: web
    spec:
      containers:
        - name: app
          image: nginx:1.27
          volumeMounts:
            - name: logs
              mountPath: /host/logs
              readOnly: true
      volumes:
        - name: logs
          hostPath:
            path: /var/log
    ```

    ## Fix
    Set `readOnly: true` on the mount. Unsafe: a workload that writes to the node (a log
    shipper's position file, a CSI driver) stops working; give it a path of its own.
    """

    code = "KL504"
    name = "writable-host-mount"
    topic = "volumes"
    severity = Severity.MEDIUM
    references = (HOST_PATH_DOC,)
    equivalents = {
        "kube-linter": ("writable-host-mount",),
    }

    def check_container(self, container: Container) -> Iterator[Violation]:
        for volume in host_mounts(container.pod):
            for mounting, position, mount in volume.mounts:
                if mounting is not container or mount.get("readOnly") is True:
                    continue
                setting = container.field("volumeMounts", position, "readOnly")
                yield Violation(
                    setting.path,
                    f'container "{container.name}" mounts the host path {volume.path} (volume '
                    f'"{volume.name}") writable ({container_field(container, setting.path)} is not true); '
                    "set readOnly: true",
                    container=container.name,
                    fix=set_field(container.pod.obj, setting.path, True, Applicability.UNSAFE,
                                  "set readOnly: true on the host path mount"),
                )
