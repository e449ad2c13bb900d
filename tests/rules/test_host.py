"""host-process, host-path, host-port and host-probe: pass and fail cases with exact locations."""

from __future__ import annotations

from helpers import apply, lint, messages, where

from klint.fix import Applicability

HOST_PROCESS = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: agent
spec:
  template:
    spec:
      os:
        name: windows
      securityContext:
        windowsOptions:
          hostProcess: true
      initContainers:
        - name: setup
          image: agent:1
          securityContext:
            windowsOptions: {hostProcess: yes}
      containers:
        - name: agent
          image: agent:1
          securityContext:
            windowsOptions:
              hostProcess: false
      ephemeralContainers:
        - name: debug
          image: agent:1
          securityContext:
            windowsOptions:
              hostProcess: true
"""


def test_host_process_pod_and_every_container_kind() -> None:
    # The pod's field, the init container's flow mapping (`yes` is true) and the ephemeral container.
    assert where(HOST_PROCESS, "host-process") == ["12:11", "17:30", "29:15"]
    first, init, ephemeral = messages(HOST_PROCESS, "host-process")
    assert first.startswith("pod runs as a Windows HostProcess (securityContext.windowsOptions.hostProcess")
    assert init.startswith('container "setup" runs as a Windows HostProcess')
    assert "set it to false" in ephemeral


def test_host_process_is_baseline_at_every_version() -> None:
    assert where(HOST_PROCESS, "host-process", pss_version="v1.0", profile="baseline") == [
        "12:11", "17:30", "29:15"]


def test_host_process_fix_sets_false_unsafely() -> None:
    finding = lint(HOST_PROCESS, "host-process")[0]
    assert finding.fix is not None and finding.fix.applicability is Applicability.UNSAFE
    assert "          hostProcess: false\n      initContainers:" in apply(HOST_PROCESS, finding.fix)


def test_host_process_unset_or_false_passes() -> None:
    assert where("""
        apiVersion: v1
        kind: Pod
        metadata:
          name: agent
        spec:
          securityContext:
            windowsOptions:
              runAsUserName: ContainerUser
              hostProcess: false
          containers:
            - name: agent
              image: agent:1
        """, "host-process") == []


HOST_PATH = """
apiVersion: v1
kind: Pod
metadata:
  name: reader
spec:
  containers:
    - name: reader
      image: busybox:1.36
      volumeMounts:
        - name: logs
          mountPath: /logs
        - name: cache
          mountPath: /cache
  volumes:
    - name: logs
      hostPath:
        path: /var/log
        type: Directory
    - name: cache
      emptyDir: {}
    - name: empty-source
      hostPath:
"""


def test_host_path_points_at_the_hostpath_key() -> None:
    # `hostPath:` with no value is null: the API server sees no hostPath source, nor does upstream.
    assert where(HOST_PATH, "host-path") == ["16:7"]
    assert messages(HOST_PATH, "host-path") == [
        'volume "logs" mounts the node\'s path /var/log (volumes[0].hostPath); use a persistentVolumeClaim, '
        "configMap, secret or emptyDir volume instead"]


def test_host_path_fix_removes_the_volume_and_its_mounts() -> None:
    fix = lint(HOST_PATH, "host-path")[0].fix
    assert fix is not None and fix.applicability is Applicability.UNSAFE
    fixed = apply(HOST_PATH, fix)
    assert "/var/log" not in fixed and "/logs" not in fixed
    assert "mountPath: /cache" in fixed and "emptyDir: {}" in fixed


def test_host_path_in_a_cronjob_template() -> None:
    assert where("""
        apiVersion: batch/v1
        kind: CronJob
        metadata:
          name: backup
        spec:
          schedule: "0 3 * * *"
          jobTemplate:
            spec:
              template:
                spec:
                  restartPolicy: OnFailure
                  containers:
                    - name: backup
                      image: backup:1
                  volumes:
                    - name: data
                      hostPath: {path: /srv/data}
        """, "host-path") == ["17:15"]


HOST_PORT = """
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  initContainers:
    - name: init
      image: busybox:1.36
      ports:
        - containerPort: 53
          hostPort: 53
          protocol: UDP
  containers:
    - name: app
      image: nginx:1.27
      ports:
        - containerPort: 8080
          hostPort: 0
        - {containerPort: 8443, hostPort: 443}
"""


def test_host_port_non_zero_only() -> None:
    assert where(HOST_PORT, "host-port") == ["11:11", "19:33"]
    assert messages(HOST_PORT, "host-port")[1] == (
        'container "app" binds port 443 of the node (ports[1].hostPort: 443); remove hostPort and expose the '
        "port with a Service")


def test_host_port_fix_removes_the_key() -> None:
    fix = lint(HOST_PORT, "host-port")[0].fix
    assert fix is not None and fix.applicability is Applicability.UNSAFE
    assert "          hostPort: 53\n" not in apply(HOST_PORT, fix)


HOST_PROBE = """
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
          path: /
          port: 80
      readinessProbe:
        tcpSocket:
          host: ""
          port: 80
      startupProbe:
        tcpSocket: {host: db.internal, port: 5432}
      lifecycle:
        preStop:
          httpGet:
            host: localhost
            port: 10250
"""


def test_host_probe_every_probe_and_hook() -> None:
    # An empty host is the default (the pod's IP) and passes, as upstream.
    assert where(HOST_PROBE, "host-probe") == ["11:11", "19:21", "23:13"]
    assert messages(HOST_PROBE, "host-probe")[0] == (
        'container "app" sends its livenessProbe httpGet to host "169.254.169.254" '
        "(livenessProbe.httpGet.host); remove host so that it targets the pod")


def test_host_probe_exists_from_v1_34() -> None:
    assert where(HOST_PROBE, "host-probe", pss_version="v1.33") == []
    assert where(HOST_PROBE, "host-probe", pss_version="v1.34") == ["11:11", "19:21", "23:13"]


def test_host_probe_fix_removes_the_host() -> None:
    fix = lint(HOST_PROBE, "host-probe")[0].fix
    assert fix is not None and fix.applicability is Applicability.UNSAFE
    assert "169.254.169.254" not in apply(HOST_PROBE, fix)
