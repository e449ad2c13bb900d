"""Admission webhook configurations: a policy webhook that fails open, and a webhook that can block
the cluster's own components in kube-system."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from klint.k8s import K8sObject, as_dict, as_list
from klint.rule import KindRule, Severity, Violation

WEBHOOK_KINDS = ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration")
WEBHOOK_DOC = "https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/"
# The webhook names of policy engines (a webhook's name is a DNS name its owner chooses, by convention
# under the project's domain): where they fail open, the policy they enforce does too.
POLICY_ENGINES = (
    "gatekeeper.sh", "kyverno.svc", "kubewarden", "polaris", "jspolicy", "k-rail", "datree",
    "policy.sigstore.dev", "connaisseur", "kritis", "portieris", "ratify", "pod-security-webhook",
)


def webhooks(obj: K8sObject) -> Iterator[tuple[int, dict[str, Any]]]:
    for index, webhook in enumerate(as_list(obj.get(("webhooks",)))):
        if isinstance(webhook, dict):
            yield index, webhook


def failure_policy(obj: K8sObject, webhook: dict[str, Any]) -> str:
    """The webhook's failure policy, with the API version's default (v1beta1: Ignore, v1: Fail)."""
    default = "Ignore" if obj.ref.api_version.endswith("v1beta1") else "Fail"
    policy = webhook.get("failurePolicy")
    return policy if isinstance(policy, str) else default


class WebhookFailsOpen(KindRule):
    """Policy webhooks should not fail open.

    ## What it checks
    Each webhook of Validating and Mutating WebhookConfigurations whose name is a policy
    engine's (Gatekeeper's `*.gatekeeper.sh`, Kyverno's `*.kyverno.svc`, Kubewarden, Polaris,
    jsPolicy, k-rail, Datree, Sigstore's policy controller, Connaisseur, Kritis, Portieris,
    Ratify, the Pod Security webhook): it fails with `failurePolicy: Ignore`, or no failure
    policy under `admissionregistration.k8s.io/v1beta1`, whose default is Ignore. Beyond the
    Pod Security Standards. Webhooks of other names pass: whether they enforce anything is
    not for klint to guess.

    ## Why
    A webhook that fails open admits every request it cannot answer: whoever can slow or stop
    the policy engine (exhausting its pods, a network policy, a crash) deploys what the policy
    forbids, unchecked and unlogged by it.

    ## Failing example
    ```yaml
    apiVersion: admissionregistration.k8s.io/v1
    kind: ValidatingWebhookConfiguration
    metadata:
      name: gatekeeper-validating-webhook-configuration
    webhooks:
      - name: validation.gatekeeper.sh
        failurePolicy: Ignore
        sideEffects: None
        admissionReviewVersions: [v1]
        clientConfig:
          service: {name: gatekeeper-webhook-service, namespace: gatekeeper-system}
    ```

    ## Passing example
    ```yaml
    apiVersion: admissionregistration.k8s.io/v1
    kind: ValidatingWebhookConfiguration
    metadata:
      name: gatekeeper-validating-webhook-configuration
    webhooks:
      - name: validation.gatekeeper.sh
        failurePolicy: Fail
        sideEffects: None
        admissionReviewVersions: [v1]
        clientConfig:
          service: {name: gatekeeper-webhook-service, namespace: gatekeeper-system}
    ```

    ## Fix
    No automatic fix: set `failurePolicy: Fail`, run the engine with several replicas and a
    pod disruption budget, and exempt kube-system (see `webhook-covers-kube-system`).
    """

    code = "KL707"
    name = "webhook-fails-open"
    topic = "admission"
    severity = Severity.MEDIUM
    precision = "high"
    references = (WEBHOOK_DOC + "#failure-policy",)

    kinds = WEBHOOK_KINDS

    def check(self, obj: K8sObject) -> Iterator[Violation]:
        for index, webhook in webhooks(obj):
            name = webhook.get("name")
            if not isinstance(name, str) or not any(engine in name for engine in POLICY_ENGINES):
                continue
            if failure_policy(obj, webhook) == "Ignore":
                yield Violation(("webhooks", index, "failurePolicy"),
                                f'{obj.kind} "{obj.ref.name}": the policy webhook {name} fails open '
                                f"(failurePolicy Ignore in webhooks[{index}]): requests it cannot answer "
                                "are admitted unchecked; set failurePolicy: Fail")


def opts_in(selector: dict[str, Any], namespaces: bool) -> bool:
    """Whether a label selector picks only what carries a label (`matchLabels`, `In`, `Exists`), which
    kube-system's namespace and pods lack, or, for namespaces, names kube-system with `NotIn`."""
    if as_dict(selector.get("matchLabels")):
        return True
    for expression in as_list(selector.get("matchExpressions")):
        expression = as_dict(expression)
        operator, values = expression.get("operator"), as_list(expression.get("values"))
        if operator == "Exists" or (operator == "In" and not (namespaces and "kube-system" in values)) \
                or (namespaces and operator == "NotIn" and "kube-system" in values):
            return True
    return False


def exempts_kube_system(webhook: dict[str, Any]) -> bool:
    """Whether the webhook leaves kube-system's pods out, by its namespace or its object selector."""
    return opts_in(as_dict(webhook.get("namespaceSelector")), namespaces=True) or \
        opts_in(as_dict(webhook.get("objectSelector")), namespaces=False)


def covers_pods(webhook: dict[str, Any]) -> bool:
    for rule in as_list(webhook.get("rules")):
        rule = as_dict(rule)
        resources = {item for item in as_list(rule.get("resources")) if isinstance(item, str)}
        groups = {item for item in as_list(rule.get("apiGroups")) if isinstance(item, str)}
        if groups & {"", "*"} and resources & {"pods", "*", "*/*"}:
            return True
    return False


class WebhookCoversKubeSystem(KindRule):
    """Webhooks that fail closed should leave kube-system out.

    ## What it checks
    Each webhook of Validating and Mutating WebhookConfigurations that fails closed
    (`failurePolicy: Fail`, the default of `admissionregistration.k8s.io/v1`) and intercepts
    pods (`pods`, `*` or `*/*` in the core group): it fails unless its `namespaceSelector`
    leaves kube-system out (a `NotIn` naming kube-system, an `In` that does not, `Exists` or
    `matchLabels` on a label kube-system lacks), or its `objectSelector` picks only labelled pods
    (`matchLabels`, `In`, `Exists`: opting in, as Istio's injector does). Beyond the Pod
    Security Standards.

    ## Why
    When such a webhook is down, no pod of kube-system can be created: the DNS, the CNI and the
    webhook's own dependencies cannot recover, and the cluster may not come back until someone
    deletes the configuration by hand. Upstream advises exempting kube-system; policy engines
    that must watch it should do so with `failurePolicy: Ignore` for that namespace alone.

    ## Failing example
    ```yaml
    apiVersion: admissionregistration.k8s.io/v1
    kind: MutatingWebhookConfiguration
    metadata:
      name: sidecar-injector
    webhooks:
      - name: inject.example.com
        sideEffects: None
        admissionReviewVersions: [v1]
        clientConfig:
          service: {name: injector, namespace: mesh}
        rules:
          - apiGroups: [""]
            apiVersions: [v1]
            operations: [CREATE]
            resources: [pods]
    ```

    ## Passing example
    ```yaml
    apiVersion: admissionregistration.k8s.io/v1
    kind: MutatingWebhookConfiguration
    metadata:
      name: sidecar-injector
    webhooks:
      - name: inject.example.com
        sideEffects: None
        admissionReviewVersions: [v1]
        clientConfig:
          service: {name: injector, namespace: mesh}
        namespaceSelector:
          matchExpressions:
            - key: kubernetes.io/metadata.name
              operator: NotIn
              values: [kube-system]
        rules:
          - apiGroups: [""]
            apiVersions: [v1]
            operations: [CREATE]
            resources: [pods]
    ```

    ## Fix
    No automatic fix: add a `namespaceSelector` that leaves kube-system out (as the passing
    example does).
    """

    code = "KL708"
    name = "webhook-covers-kube-system"
    topic = "admission"
    severity = Severity.LOW
    references = (WEBHOOK_DOC + "#avoiding-operating-on-the-kube-system-namespace",)

    kinds = WEBHOOK_KINDS

    def check(self, obj: K8sObject) -> Iterator[Violation]:
        for index, webhook in webhooks(obj):
            fails_closed = failure_policy(obj, webhook) == "Fail"
            if not fails_closed or not covers_pods(webhook) or exempts_kube_system(webhook):
                continue
            yield Violation(("webhooks", index),
                            f'{obj.kind} "{obj.ref.name}": webhook {webhook.get("name")} fails closed on '
                            "pods of every namespace, kube-system included: while it is down, the cluster's "
                            "own components cannot start; leave kube-system out with a namespaceSelector")
