"""restricted-volume-types (KL501), read-only-root-filesystem (KL502), sensitive-host-mount (KL503),
writable-host-mount (KL504)."""

from __future__ import annotations

import pytest
from fixhelpers import fix_text
from helpers import dedent, lint, messages, where

from klint.rules.volumes import is_within, normalize_host_path, sensitive_content

VOLUMES = """
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: app
      image: nginx:1.27
  volumes:
    - name: defaulted
    - name: config
      configMap:
        name: app
    - name: shared
      nfs:
        server: nfs.example.com
        path: /exports
    - name: oci
      image:
        reference: registry.example.com/models/llama:1
    - name: repo
      gitRepo:
        repository: https://example.com/app.git
    - name: claim
      persistentVolumeClaim:
        claimName: data
"""


def test_restricted_volume_types() -> None:
    assert where(VOLUMES, "restricted-volume-types") == ["15:7", "22:7"]
    assert messages(VOLUMES, "restricted-volume-types")[0] == (
        'volume "shared" is of type nfs (volumes[2].nfs), which the restricted Pod Security Standard '
        'does not '
        "allow; use one of configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, "
        "projected, secret (a persistentVolumeClaim for other storage)")


def test_image_volumes_pass_at_every_version() -> None:
    assert where(VOLUMES, "restricted-volume-types", pss_version="v1.0") == ["15:7", "22:7"]


HOST_PATH = """
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: app
      image: nginx:1.27
  volumes:
    - name: logs
      hostPath:
        path: /var/log
"""


def test_host_path_is_reported_once_at_its_key() -> None:
    assert where(HOST_PATH, "restricted-volume-types") == ["11:7"]  # alone, it reports hostPath too
    assert [(f"{f.span.start_line}:{f.span.start_column}", f.rule.name)
            for f in lint(HOST_PATH, "restricted-volume-types", "host-path")] == [("11:7", "host-path")]


READ_ONLY = """
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  initContainers:
    - name: init
      image: busybox:1.36
      securityContext:
        readOnlyRootFilesystem: false
  containers:
    - name: app
      image: nginx:1.27
      securityContext:
        readOnlyRootFilesystem: true
    - name: side
      image: busybox:1.36
"""


def test_read_only_root_filesystem() -> None:
    assert where(READ_ONLY, "read-only-root-filesystem") == ["10:9", "16:7"]
    assert messages(READ_ONLY, "read-only-root-filesystem") == [
        'container "init" sets securityContext.readOnlyRootFilesystem: false, so its root filesystem '
        'is writable; '
        "set it to true",
        'container "side" does not set securityContext.readOnlyRootFilesystem, so its root filesystem is '
        "writable; set it to true",
    ]
    assert where(READ_ONLY, "read-only-root-filesystem", profile="restricted") == []
    windows = READ_ONLY.replace("spec:\n", "spec:\n  os: {name: windows}\n", 1)
    assert where(windows, "read-only-root-filesystem") == []


def test_read_only_root_filesystem_fix() -> None:
    text = dedent(READ_ONLY)
    outcome = fix_text(text, "read-only-root-filesystem")
    assert outcome.text == text.replace("readOnlyRootFilesystem: false", "readOnlyRootFilesystem: true") + (
        "      securityContext:\n        readOnlyRootFilesystem: true\n")
    assert outcome.result.findings == []


@pytest.mark.parametrize(("path", "directory", "within"), [
    ("/etc/ssl", "/etc", True),
    ("/etcd", "/etc", False),
    ("/etc", "/etc", True),
    ("/anything", "/", True),
])
def test_is_within_compares_whole_components(path: str, directory: str, within: bool) -> None:
    assert is_within(path, directory) is within


@pytest.mark.parametrize(("written", "normalized"), [
    ("/etc/", "/etc"),
    ("//etc/./kubernetes", "/etc/kubernetes"),
    ("/var/../etc", "/etc"),
    ("C:\\Windows", None),
    ("relative/path", None),
    (42, None),
])
def test_host_paths_normalize_as_the_kernel_resolves_them(written: object, normalized: str | None) -> None:
    assert normalize_host_path(written) == normalized


@pytest.mark.parametrize(("path", "entry"), [
    ("/var/run/docker.sock", "/var/run/docker.sock"),
    ("/var/run/dockershim.sock", "/var/run/dockershim.sock"),
    ("/lib64", "/lib64"),
    ("/dev/log", None),  # the syslog socket, no device node
    ("/dev/sda", "/dev"),
    ("/var/lib/kubelet/plugins/csi.example.com", "/var/lib/kubelet/plugins"),
    ("/var/lib/kubelet/pods", "/var/lib/kubelet"),
    ("/run/containerd/containerd.sock", "/run/containerd/containerd.sock"),
    ("/var/run/crio/crio.sock", "/var/run/crio/crio.sock"),
    ("/", "/"),
    ("/proc", "/proc"),
    ("/proc/1/ns", "/proc"),
    ("/etc/ssl", "/etc"),
    ("/etc/kubernetes/manifests", "/etc/kubernetes"),
    ("/var/lib/kubelet/pki", "/var/lib/kubelet"),
    ("/var/run", "/var/run/docker.sock"),  # holds the socket
    ("/run/containerd", "/run/containerd/containerd.sock"),
    ("/var/lib", "/var/lib/kubelet"),
    ("/etcd", None),
    ("/var/log", None),
    ("/data", None),
    ("/opt/app", None),
])
def test_sensitive_content(path: str, entry: str | None) -> None:
    found = sensitive_content(path)
    assert (found[0] if found else None) == entry


SENSITIVE = """
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  template:
    spec:
      containers:
        - name: agent
          image: agent:1
          volumeMounts:
            - name: docker
              mountPath: /var/run/docker.sock
            - name: certs
              mountPath: /etc/ssl/certs
              readOnly: true
            - name: etcd-data
              mountPath: /data
              readOnly: true
            - name: kube
              mountPath: /host/kubernetes
              readOnly: true
      volumes:
        - name: docker
          hostPath:
            path: /var/run/docker.sock
            type: Socket
        - name: certs
          hostPath:
            path: /etc/ssl/certs
        - name: etcd-data
          hostPath:
            path: /etcd
        - name: kube
          hostPath:
            path: /etc/kubernetes/
"""


def test_sensitive_host_mount() -> None:
    assert where(SENSITIVE, "sensitive-host-mount") == ["26:13", "36:13"]
    assert messages(SENSITIVE, "sensitive-host-mount") == [
        'volume "docker" mounts the host path /var/run/docker.sock (volumes[0].hostPath.path): the Docker '
        "daemon's socket: whoever can connect to it is root on the node; remove the volume",
        'volume "kube" mounts the host path /etc/kubernetes/ (volumes[3].hostPath.path): the kubelet\'s and '
        "control plane's configuration, credentials and static pods; remove the volume",
    ]


def test_public_paths_count_only_when_mounted_read_only() -> None:
    writable = SENSITIVE.replace("mountPath: /etc/ssl/certs\n              readOnly: true\n",
                                 "mountPath: /etc/ssl/certs\n")
    assert where(writable, "sensitive-host-mount") == ["25:13", "29:13", "35:13"]
    assert messages(writable, "sensitive-host-mount")[1].startswith(
        'volume "certs" mounts the host path /etc/ssl/certs (volumes[1].hostPath.path): it lies in /etc, ')
    options = {"KL503": {"public-paths": ()}}
    assert len(where(SENSITIVE, "sensitive-host-mount", options=options)) == 3


def test_sensitive_host_mount_fix_removes_the_volume_and_its_mounts() -> None:
    text = dedent("""
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
                - name: tmp
                  mountPath: /tmp
          volumes:
            - name: docker
              hostPath:
                path: /var/run/docker.sock
            - name: tmp
              emptyDir: {}
        """)
    outcome = fix_text(text, "sensitive-host-mount")
    assert outcome.text == dedent("""
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          containers:
            - name: app
              image: nginx:1.27
              volumeMounts:
                - name: tmp
                  mountPath: /tmp
          volumes:
            - name: tmp
              emptyDir: {}
        """)
    assert fix_text(text, "sensitive-host-mount", unsafe=False).text == text


def test_sensitive_host_mount_names_falco_twin() -> None:
    from klint.rules.volumes import SensitiveHostMount

    assert SensitiveHostMount.equivalents["falco"] == ("Create Sensitive Mount Pod",)


WRITABLE = """
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  initContainers:
    - name: init
      image: busybox:1.36
      volumeMounts:
        - name: logs
          mountPath: /logs
          readOnly: false
  containers:
    - name: app
      image: nginx:1.27
      volumeMounts:
        - name: logs
          mountPath: /logs
          readOnly: true
        - name: tmp
          mountPath: /tmp
    - name: shipper
      image: fluent-bit:3
      volumeMounts:
        - mountPath: /var/log
          name: logs
  volumes:
    - name: logs
      hostPath:
        path: /var/log
    - name: tmp
      emptyDir: {}
"""


def test_writable_host_mount() -> None:
    assert where(WRITABLE, "writable-host-mount") == ["12:11", "26:11"]
    assert messages(WRITABLE, "writable-host-mount")[1] == (
        'container "shipper" mounts the host path /var/log (volume "logs") writable '
        "(volumeMounts[0].readOnly is not true); set readOnly: true")


def test_writable_host_mount_fix() -> None:
    text = dedent(WRITABLE)
    outcome = fix_text(text, "writable-host-mount")
    assert outcome.text == text.replace("readOnly: false", "readOnly: true").replace(
        "        - mountPath: /var/log\n          name: logs\n",
        "        - mountPath: /var/log\n          name: logs\n          readOnly: true\n")
    assert outcome.result.findings == []
