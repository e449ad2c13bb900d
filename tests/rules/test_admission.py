"""webhook-fails-open (KL707) and webhook-covers-kube-system (KL708)."""

from __future__ import annotations

import pytest
from helpers import messages, where

WEBHOOK = """
apiVersion: admissionregistration.k8s.io/{version}
kind: ValidatingWebhookConfiguration
metadata:
  name: policy
webhooks:
  - name: {name}
    sideEffects: None
    admissionReviewVersions: [v1]
    clientConfig:
      service: {{name: svc, namespace: ns}}{extra}
    rules:
      - apiGroups: [""]
        apiVersions: [v1]
        operations: [CREATE]
        resources: [pods]
"""


def webhook(name: str = "validation.gatekeeper.sh", extra: str = "", version: str = "v1") -> str:
    return WEBHOOK.format(name=name, extra=extra, version=version)


def test_a_policy_webhook_that_fails_open() -> None:
    text = webhook(extra="\n    failurePolicy: Ignore")
    assert where(text, "webhook-fails-open") == ["11:5"]
    assert messages(text, "webhook-fails-open") == [
        'ValidatingWebhookConfiguration "policy": the policy webhook validation.gatekeeper.sh fails open '
        "(failurePolicy Ignore in webhooks[0]): requests it cannot answer are admitted unchecked; set "
        "failurePolicy: Fail"]
    assert where(webhook(version="v1beta1"), "webhook-fails-open") == ["6:5"]  # v1beta1's default is Ignore
    assert where(webhook(), "webhook-fails-open") == []  # v1's default is Fail
    other = webhook(name="inject.example.com", extra="\n    failurePolicy: Ignore")
    assert where(other, "webhook-fails-open") == []


@pytest.mark.parametrize(("extra", "expected"), [
    ("", ["6:5"]),
    ("\n    failurePolicy: Ignore", []),
    ("\n    namespaceSelector:\n      matchExpressions:\n        - {key: kubernetes.io/metadata.name, "
     "operator: NotIn, values: [kube-system]}", []),
    ("\n    namespaceSelector:\n      matchExpressions:\n        - {key: kubernetes.io/metadata.name, "
     "operator: In, values: [kube-system, apps]}", ["6:5"]),
    ("\n    namespaceSelector:\n      matchLabels: {policy: enforced}", []),
    ("\n    objectSelector:\n      matchExpressions:\n        - {key: inject, operator: In, values: [on]}",
     []),
    ("\n    objectSelector:\n      matchExpressions:\n        - {key: inject, operator: NotIn, values: [no]}",
     ["6:5"]),
])
def test_a_webhook_that_fails_closed_on_kube_system_pods(extra: str, expected: list[str]) -> None:
    assert where(webhook(name="inject.example.com", extra=extra), "webhook-covers-kube-system") == expected
