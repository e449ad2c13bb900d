"""What roles let their subjects do (KL607-KL615): grants matched as the RBAC authorizer matches them."""

from __future__ import annotations

import pytest
from helpers import lint, messages, where

from klint.rules.permissions import resource_matches


def role(resources: str, verbs: str, groups: str = '""', extra: str = "", kind: str = "ClusterRole") -> str:
    return f"""
apiVersion: rbac.authorization.k8s.io/v1
kind: {kind}
metadata:
  name: r
rules:
  - apiGroups: [{groups}]
    resources: [{resources}]
    verbs: [{verbs}]{extra}
"""


@pytest.mark.parametrize(("granted", "resource", "expected"), [
    ("*", "nodes/proxy", True), ("nodes/proxy", "nodes/proxy", True), ("*/proxy", "nodes/proxy", True),
    ("nodes/*", "nodes/proxy", False), ("nodes", "nodes/proxy", False), ("*/proxy", "nodes", False),
    ("secrets", "secrets", True), ("*/status", "secrets", False),
])
def test_resources_match_as_rbac_matches_them(granted: str, resource: str, expected: bool) -> None:
    assert resource_matches(granted, resource) is expected


@pytest.mark.parametrize(("rule", "resources", "verbs", "groups"), [
    ("rbac-node-proxy", "nodes/proxy", "get", '""'),
    ("rbac-node-proxy", "'*/proxy'", "create", '"*"'),
    ("rbac-read-secrets", "secrets", "watch", '""'),
    ("rbac-read-secrets", "'*'", "'*'", '""'),
    ("rbac-create-pods", "pods", "create", '""'),
    ("rbac-create-pods", "cronjobs", "'*'", "batch"),
    ("rbac-admission-control", "mutatingwebhookconfigurations", "patch", "admissionregistration.k8s.io"),
    ("rbac-admission-control", "validatingadmissionpolicybindings", "delete", '"*"'),
    ("rbac-status-write", "services/status", "update", '""'),
    ("rbac-status-write", "'*/status'", "patch", '""'),
    ("rbac-token-create", "serviceaccounts/token", "create", '""'),
    ("rbac-persistent-volume-create", "persistentvolumes", "create", '""'),
    ("rbac-ephemeral-containers", "pods/ephemeralcontainers", "patch", '""'),
])
def test_grants_fail_at_the_resource(rule: str, resources: str, verbs: str, groups: str) -> None:
    assert where(role(resources, verbs, groups), rule) == ["7:17"]


@pytest.mark.parametrize(("rule", "resources", "verbs", "groups"), [
    ("rbac-node-proxy", "nodes/proxy", "list", '""'),  # no session without get or create
    ("rbac-node-proxy", "'nodes/*'", "get", '""'),  # no wildcard to RBAC
    ("rbac-node-proxy", "nodes/proxy", "get", "apps"),  # another API group's resource
    ("rbac-read-secrets", "configmaps", "get", '""'),
    ("rbac-create-pods", "pods", "delete", '""'),
    ("rbac-create-pods", "deployments", "create", '""'),  # not a core resource
    ("rbac-admission-control", "validatingwebhookconfigurations", "get", "admissionregistration.k8s.io"),
    ("rbac-status-write", "services", "update", '""'),
    ("rbac-token-create", "serviceaccounts", "create", '""'),
    ("rbac-persistent-volume-create", "persistentvolumeclaims", "create", '""'),
    ("rbac-ephemeral-containers", "pods", "patch", '""'),
])
def test_other_grants_pass(rule: str, resources: str, verbs: str, groups: str) -> None:
    assert where(role(resources, verbs, groups), rule) == []


def test_named_secrets_and_tokens_pass_but_named_nodes_do_not() -> None:
    named = "\n    resourceNames: [one]"
    assert where(role("secrets", "get", extra=named), "rbac-read-secrets") == []
    assert where(role("serviceaccounts/token", "create", extra=named), "rbac-token-create") == []
    assert where(role("nodes/proxy", "get", extra=named), "rbac-node-proxy") == ["7:17"]


def test_one_finding_per_policy_rule_with_the_verbs_granted() -> None:
    text = role("secrets, '*'", "get, list, delete", kind="Role")
    assert messages(text, "rbac-read-secrets") == [
        'Role "r" lets its subjects read secrets (secrets with get, list in rules[0]); limit it to named '
        "secrets with resourceNames"]
    # `*` also grants get on nodes/proxy
    found = {f.rule.name for f in lint(text, "KL6")}
    assert found == {"rbac-read-secrets", "rbac-wildcard", "rbac-node-proxy"}


CSR = """
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: approver
rules:
  - apiGroups: [certificates.k8s.io]
    resources: [certificatesigningrequests/approval]
    verbs: [update]
  - apiGroups: [certificates.k8s.io]
    resources: [signers]
    verbs: [approve]{names}
"""


def test_approving_certificates_takes_both_permissions() -> None:
    assert where(CSR.format(names=""), "rbac-approve-certificates") == ["7:17"]
    only_approval = CSR.format(names="").replace("verbs: [approve]", "verbs: [get]")
    assert where(only_approval, "rbac-approve-certificates") == []
    kubelet_only = CSR.format(names="\n    resourceNames: [kubernetes.io/kubelet-serving]")
    assert where(kubelet_only, "rbac-approve-certificates") == []
    clients = CSR.format(names="\n    resourceNames: [kubernetes.io/kube-apiserver-client]")
    assert where(clients, "rbac-approve-certificates") == ["7:17"]
