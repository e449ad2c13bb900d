"""env-credentials (KL704), service-external-ips (KL705), persistent-volume-host-path (KL706),
git-repo-volume (KL505), share-process-namespace (KL208), host-aliases (KL209)."""

from __future__ import annotations

import pytest
from helpers import messages, where

POD = """
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:{pod}
  containers:
    - name: app
      image: nginx:1.27{container}
"""


def pod(pod: str = "", container: str = "") -> str:
    return POD.format(pod=pod, container=container)


def env(name: str, value: str) -> str:
    return f"\n      env:\n        - name: {name}\n          value: {value}"


@pytest.mark.parametrize("name", ["DB_PASSWORD", "github-token", "JWT_SECRET", "AWS_SECRET_ACCESS_KEY"])
def test_env_credentials_fail_at_the_value(name: str) -> None:
    assert where(pod(container=env(name, "hunter2")), "env-credentials") == ["11:11"]


@pytest.mark.parametrize(("name", "value"), [
    ("DB_PASSWORD", '"$(PASSWORD_FROM_FILE)"'), ("DB_PASSWORD", '"{{ .Values.password }}"'),
    ("DB_PASSWORD", '""'), ("SECRET_NAME", "db-credentials"), ("TOKEN_TTL", "3600"), ("USER", "admin"),
])
def test_env_references_placeholders_and_other_names_pass(name: str, value: str) -> None:
    assert where(pod(container=env(name, value)), "env-credentials") == []


def test_env_private_keys_fail_whatever_the_name_and_value_from_passes() -> None:
    key = ("|\n            -----BEGIN RSA PRIVATE KEY-----\n            abc\n"
           "            -----END RSA PRIVATE KEY-----")
    assert messages(pod(container=env("CONFIG", key)), "env-credentials") == [
        'container "app" holds a credential in the environment variable CONFIG (containers[0].env[0].value); '
        "refer to a Secret with valueFrom.secretKeyRef"]
    reference = ("\n      env:\n        - name: DB_PASSWORD\n          valueFrom:\n"
                 "            secretKeyRef: {name: db, key: p}")
    assert where(pod(container=reference), "env-credentials") == []


SERVICE = """
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
    - port: 80{extra}
"""


def test_service_external_ips_each_address_is_a_finding() -> None:
    text = SERVICE.format(extra="\n  externalIPs: [203.0.113.10, 203.0.113.11]")
    assert where(text, "service-external-ips") == ["8:17", "8:31"]
    assert messages(text, "service-external-ips")[0] == (
        'Service "web" claims the external IP 203.0.113.10 (spec.externalIPs[0]): kube-proxy routes that '
        "address to it on every node (CVE-2020-8554); use a LoadBalancer Service instead")
    assert where(SERVICE.format(extra=""), "service-external-ips") == []


@pytest.mark.parametrize(("source", "expected"), [
    ("hostPath:\n    path: /data", ["8:5"]), ("local:\n    path: /mnt/disk1", ["8:5"]),
    ("csi:\n    driver: ebs.csi.aws.com\n    volumeHandle: vol-1", []),
])
def test_persistent_volume_host_paths(source: str, expected: list[str]) -> None:
    text = ("apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: data\nspec:\n"
            f"  capacity: {{storage: 1Gi}}\n  {source}\n")
    assert where(text, "persistent-volume-host-path") == expected


def test_git_repo_volumes_fail_in_every_profile() -> None:
    volume = "\n  volumes:\n    - name: site\n      gitRepo:\n        repository: https://example.com/site.git"
    text = pod(pod=volume)
    assert where(text, "git-repo-volume") == ["8:7"]
    assert messages(text, "git-repo-volume") == [
        'volume "site" is a gitRepo volume (volumes[0].gitRepo): the kubelet runs git on the node as root '
        "(CVE-2024-10220); clone in an init container instead"]


def test_share_process_namespace_and_host_aliases() -> None:
    assert where(pod(pod="\n  shareProcessNamespace: true"), "share-process-namespace") == ["6:3"]
    assert where(pod(pod="\n  shareProcessNamespace: false"), "share-process-namespace") == []
    aliases = ("\n  hostAliases:\n    - ip: 203.0.113.7\n"
               "      hostnames: [api.example.com, registry.example.com]")
    assert messages(pod(pod=aliases), "host-aliases") == [
        "pod resolves api.example.com, registry.example.com to 203.0.113.7 through /etc/hosts "
        "(hostAliases[0]); publish the name in DNS instead"]
    assert where(pod(), "host-aliases") == []
