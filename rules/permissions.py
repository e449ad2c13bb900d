"""What a Role or ClusterRole lets its subjects do beyond what it seems to say: each rule here names a
grant (verbs on resources of API groups) that is a path to more power: node access, credentials,
any service account, admission itself.

Grants are matched as the API server's RBAC authorizer matches them (`rbac.ResourceMatches`,
`VerbMatches`, `APIGroupMatches`): `*` matches any verb, group or resource (subresources too),
`*/SUB` matches that subresource of every resource; `nodes/*` is no wildcard to RBAC and grants
nothing beyond a resource literally named so."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar
from weakref import WeakKeyDictionary

from klint.k8s import K8sObject, as_list
from klint.rule import Severity, Violation
from klint.rules.common import RBAC_GOOD_PRACTICES
from klint.rules.serviceaccounts import RoleRule, rules_of, strings

RBAC_DOC = "https://kubernetes.io/docs/reference/access-authn-authz/rbac/"


def resource_matches(granted: str, resource: str) -> bool:
    """Whether a `resources` item grants `resource` (`pods`, or `nodes/proxy` with its subresource)."""
    if granted in ("*", resource):
        return True
    _, _, subresource = resource.partition("/")
    return bool(subresource) and granted == f"*/{subresource}"


def granted_verbs(rule: dict[str, Any], verbs: frozenset[str]) -> list[str]:
    """The verbs of `verbs` that a policy rule grants (all of them for `*`), sorted."""
    listed = {verb for _, verb in strings(rule, "verbs")}
    return sorted(verbs) if "*" in listed else sorted(listed & verbs)


@dataclass(frozen=True)
class PolicyRule:
    """A policy rule of a role, read as the grant rules match it."""

    index: int
    verbs: frozenset[str]
    groups: frozenset[str]
    resources: list[tuple[int, str]]  # (position, item)
    names_objects: bool  # limited to named objects (`resourceNames`)

    @classmethod
    def read(cls, index: int, rule: dict[str, Any]) -> PolicyRule:
        return cls(index, frozenset(verb for _, verb in strings(rule, "verbs")),
                   frozenset(group for _, group in strings(rule, "apiGroups")), strings(rule, "resources"),
                   bool(as_list(rule.get("resourceNames"))))


# Every grant rule reads each policy rule of a role: they are read once per role, and forgotten with it.
_POLICY_RULES: WeakKeyDictionary[K8sObject, list[PolicyRule]] = WeakKeyDictionary()


def policy_rules(role: K8sObject) -> list[PolicyRule]:
    read = _POLICY_RULES.get(role)
    if read is None:
        read = _POLICY_RULES[role] = [PolicyRule.read(index, rule) for index, rule in rules_of(role)]
    return read


class GrantRule(RoleRule):
    """A role grants one of `VERBS` on one of `RESOURCES` (API group, resource): one finding per policy
    rule, at the first `resources` item that grants it (a `*` there is also `rbac-wildcard`'s)."""

    RESOURCES: ClassVar[tuple[tuple[str, str], ...]]
    VERBS: ClassVar[frozenset[str]]
    WHAT: ClassVar[str]  # what the grant lets the subjects do, for the message
    ADVICE: ClassVar[str]
    # A rule limited to named objects (`resourceNames`) grants those alone: pass it.
    RESOURCE_NAMES_LIMIT: ClassVar[bool] = False

    def check(self, obj: K8sObject) -> Iterator[Violation]:
        for rule in policy_rules(obj):
            if self.RESOURCE_NAMES_LIMIT and rule.names_objects:
                continue
            found = self.grant(rule)
            if found is not None:
                position, resource, verbs = found
                granted = ", ".join(verbs)
                yield Violation(("rules", rule.index, "resources", position),
                                f'{obj.kind} "{obj.ref.name}" {self.WHAT} ({resource} with {granted} '
                                f"in rules[{rule.index}]); {self.ADVICE}")

    def grant(self, rule: PolicyRule) -> tuple[int, str, list[str]] | None:
        """(position, item, verbs) of the first `resources` item by which the policy rule grants this."""
        verbs = sorted(self.VERBS) if "*" in rule.verbs else sorted(rule.verbs & self.VERBS)
        if not verbs:
            return None
        for position, granted in rule.resources:
            for group, resource in self.RESOURCES:
                if (group in rule.groups or "*" in rule.groups) and resource_matches(granted, resource):
                    return position, granted, verbs
        return None


class RbacNodeProxy(GrantRule):
    """Roles should not grant access to the kubelet API through nodes/proxy.

    ## What it checks
    Each rule of Roles and ClusterRoles, for `get`, `create` or `*` on `nodes/proxy` (or on
    `*` or `*/proxy`) in the core API group (or `*`). Beyond the Pod Security Standards.
    `nodes/*` is no wildcard in RBAC and passes, as it grants nothing; Trivy (KSV047) fails
    it. Checkov's check looks for `create` only, but `get` is enough: the kubelet upgrades a
    GET to a WebSocket for exec.

    ## Why
    The API server proxies `nodes/NAME/proxy/...` to the kubelet with its own credentials, so
    the subject reaches the whole kubelet API: `exec`, `run` and `attach` in every container
    on the node, past admission and with no pod-level audit trail.

    ## Failing example
    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata:
      name: metrics
    rules:
      - apiGroups: [""]
        resources: [nodes/proxy]
        verbs: [get]
    ```

    ## Passing example
    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata:
      name: metrics
    rules:
      - apiGroups: [""]
        resources: [nodes/metrics, nodes/stats]
        verbs: [get]
    ```

    ## Fix
    No automatic fix: grant `nodes/metrics` or `nodes/stats` (what monitoring agents need)
    instead of `nodes/proxy`.
    """

    code = "KL607"
    name = "rbac-node-proxy"
    topic = "permissions"
    severity = Severity.HIGH
    references = (RBAC_GOOD_PRACTICES, "https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/")
    equivalents = {"trivy": ("KSV047",)}
    RESOURCES = (("", "nodes/proxy"),)
    VERBS = frozenset({"get", "create"})
    WHAT = "lets its subjects use the kubelet API of every node, exec included"
    ADVICE = "grant nodes/metrics or nodes/stats instead"


class RbacReadSecrets(GrantRule):
    """Roles should not let subjects read secrets.

    ## What it checks
    Each rule of Roles and ClusterRoles, for `get`, `list`, `watch` or `*` on `secrets` (or
    `*`) in the core API group (or `*`). A rule limited to named secrets (`resourceNames`)
    passes: it reads those alone. Beyond the Pod Security Standards.

    ## Why
    Secrets hold the namespace's credentials, service account tokens of older clusters
    included: reading them is acting as whatever they authenticate. `list` and `watch` return
    every secret's data, not only names.

    ## Failing example
    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata:
      name: app
    rules:
      - apiGroups: [""]
        resources: [secrets]
        verbs: [list]
    ```

    ## Passing example
    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata:
      name: app
    rules:
      - apiGroups: [""]
        resources: [secrets]
        resourceNames: [app-tls]
        verbs: [get]
    ```

    ## Fix
    No automatic fix: limit the rule to the secrets the subject needs with `resourceNames`,
    or mount them into its pods instead.
    """

    code = "KL608"
    name = "rbac-read-secrets"
    topic = "permissions"
    severity = Severity.MEDIUM
    references = (RBAC_GOOD_PRACTICES,)
    equivalents = {"kube-linter": ("access-to-secrets",), "trivy": ("KSV041", "KSV113")}
    RESOURCES = (("", "secrets"),)
    VERBS = frozenset({"get", "list", "watch"})
    WHAT = "lets its subjects read secrets"
    ADVICE = "limit it to named secrets with resourceNames"
    RESOURCE_NAMES_LIMIT = True


WORKLOADS = (("", "pods"), ("", "replicationcontrollers"), ("apps", "deployments"), ("apps", "daemonsets"),
             ("apps", "statefulsets"), ("apps", "replicasets"), ("batch", "jobs"), ("batch", "cronjobs"),
             ("extensions", "deployments"), ("extensions", "daemonsets"), ("extensions", "replicasets"))


class RbacCreatePods(GrantRule):
    """Roles should not let subjects create pods or the controllers that make them.

    ## What it checks
    Each rule of Roles and ClusterRoles, for `create` or `*` on pods, replication
    controllers, deployments, daemon sets, stateful sets, replica sets, jobs or cron jobs
    (or `*`), in their API groups (or `*`). Beyond the Pod Security Standards.

    ## Why
    Whoever creates a pod chooses what it runs and as which service account of the
    namespace, and mounts every secret and config map there; where admission allows it, also
    host paths and privileged mode. Creating a pod is holding every permission of every
    service account of its namespace.

    ## Failing example
    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata:
      name: ci
    rules:
      - apiGroups: [apps]
        resources: [deployments]
        verbs: [create, update]
    ```

    ## Passing example
    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata:
      name: ci
    rules:
      - apiGroups: [apps]
        resources: [deployments]
        verbs: [get, list, patch]
    ```

    ## Fix
    No automatic fix: grant it to the deploying identity alone, in the namespaces it
    deploys to, with Pod Security Admission enforced there.
    """

    code = "KL609"
    name = "rbac-create-pods"
    topic = "permissions"
    severity = Severity.MEDIUM
    references = (RBAC_GOOD_PRACTICES,)
    equivalents = {"kube-linter": ("access-to-create-pods",), "trivy": ("KSV048",)}
    RESOURCES = WORKLOADS
    VERBS = frozenset({"create"})
    WHAT = "lets its subjects create pods, as any service account of their namespace"
    ADVICE = "grant it only to the identity that deploys"


class RbacAdmissionControl(GrantRule):
    """Roles should not let subjects change admission webhooks and policies.

    ## What it checks
    Each rule of Roles and ClusterRoles, for `create`, `update`, `patch`, `delete`,
    `deletecollection` or `*` on validating or mutating webhook configurations or on
    validating or mutating admission policies and their bindings (or `*`) in
    `admissionregistration.k8s.io` (or `*`). Beyond the Pod Security Standards.

    ## Why
    Admission is where policy is enforced: whoever can delete or rewrite a webhook
    configuration or an admission policy can turn off every check it makes (Gatekeeper,
    Kyverno, image signing), and a mutating webhook of their own sees and changes every
    object created, secrets included.

    ## Failing example
    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata:
      name: operator
    rules:
      - apiGroups: [admissionregistration.k8s.io]
        resources: [validatingwebhookconfigurations]
        verbs: [get, update]
    ```

    ## Passing example
    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata:
      name: operator
    rules:
      - apiGroups: [admissionregistration.k8s.io]
        resources: [validatingwebhookconfigurations]
        verbs: [get, list, watch]
    ```

    ## Fix
    No automatic fix: limit write access to the configurations the operator owns with
    `resourceNames` (then `create` is still refused: create them at install time).
    """

    code = "KL610"
    name = "rbac-admission-control"
    topic = "permissions"
    severity = Severity.HIGH
    references = (RBAC_GOOD_PRACTICES,
                  "https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/")
    equivalents = {"checkov": ("CKV_K8S_155",), "trivy": ("KSV114",)}
    RESOURCES = tuple(("admissionregistration.k8s.io", resource) for resource in (
        "validatingwebhookconfigurations", "mutatingwebhookconfigurations", "validatingadmissionpolicies",
        "validatingadmissionpolicybindings", "mutatingadmissionpolicies", "mutatingadmissionpolicybindings"))
    VERBS = frozenset({"create", "update", "patch", "delete", "deletecollection"})
    WHAT = "lets its subjects change admission control"
    ADVICE = "limit it to the configurations it owns with resourceNames"
    RESOURCE_NAMES_LIMIT = True


class RbacStatusWrite(GrantRule):
    """Roles should not let subjects write the status of services or nodes.

    ## What it checks
    Each rule of Roles and ClusterRoles, for `update`, `patch` or `*` on `services/status`
    or `nodes/status` (or `*`, `*/status`) in the core API group (or `*`). Beyond the Pod
    Security Standards.

    ## Why
    A service's `status.loadBalancer.ingress` IP is routed to it by kube-proxy on every node
    (CVE-2020-8554): whoever writes it intercepts the traffic of any address, in or out of the
    cluster. A node's status feeds scheduling and the addresses the API server dials.

    ## Failing example
    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata:
      name: lb-controller
    rules:
      - apiGroups: [""]
        resources: [services/status]
        verbs: [update, patch]
    ```

    ## Passing example
    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata:
      name: lb-controller
    rules:
      - apiGroups: [""]
        resources: [services]
        verbs: [get, list, watch]
    ```

    ## Fix
    No automatic fix: grant it to the load-balancer controller alone, and restrict the IPs it
    may set with an admission policy.
    """

    code = "KL611"
    name = "rbac-status-write"
    topic = "permissions"
    severity = Severity.MEDIUM
    references = ("https://github.com/kubernetes/kubernetes/issues/97076",)
    equivalents: ClassVar[dict[str, tuple[str, ...]]] = {}
    RESOURCES = (("", "services/status"), ("", "nodes/status"))
    VERBS = frozenset({"update", "patch"})
    WHAT = "lets its subjects write service or node status (CVE-2020-8554)"
    ADVICE = "grant it only to the controller that owns that status"


class RbacTokenCreate(GrantRule):
    """Roles should not let subjects create service account tokens.

    ## What it checks
    Each rule of Roles and ClusterRoles, for `create` or `*` on `serviceaccounts/token` (or
    `*`, `*/token`) in the core API group (or `*`). Beyond the Pod Security Standards.

    ## Why
    The TokenRequest API issues a token for any service account of the namespace the rule
    covers (every namespace, in a ClusterRole): the subject can then act as each of them, as
    `impersonate` would let it.

    ## Failing example
    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata:
      name: token-issuer
    rules:
      - apiGroups: [""]
        resources: [serviceaccounts/token]
        verbs: [create]
    ```

    ## Passing example
    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata:
      name: token-issuer
    rules:
      - apiGroups: [""]
        resources: [serviceaccounts]
        verbs: [get, list]
    ```

    ## Fix
    No automatic fix: limit it with `resourceNames` to the service accounts it issues tokens
    for, in a namespaced Role.
    """

    code = "KL612"
    name = "rbac-token-create"
    topic = "permissions"
    severity = Severity.HIGH
    references = ("https://kubernetes.io/docs/reference/kubernetes-api/authentication-resources/token-request-v1/",)
    equivalents: ClassVar[dict[str, tuple[str, ...]]] = {}
    RESOURCES = (("", "serviceaccounts/token"),)
    VERBS = frozenset({"create"})
    WHAT = "lets its subjects issue tokens for service accounts, and act as them"
    ADVICE = "limit it to named service accounts with resourceNames"
    RESOURCE_NAMES_LIMIT = True


class RbacPersistentVolumeCreate(GrantRule):
    """Roles should not let subjects create persistent volumes.

    ## What it checks
    Each rule of Roles and ClusterRoles, for `create` or `*` on `persistentvolumes` (or `*`)
    in the core API group (or `*`). Beyond the Pod Security Standards.

    ## Why
    A PersistentVolume may be a `hostPath` or `local` volume: whoever creates one and binds
    a claim to it mounts any directory of a node into a pod, past Pod Security Admission,
    which only sees the claim.

    ## Failing example
    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata:
      name: storage-admin
    rules:
      - apiGroups: [""]
        resources: [persistentvolumes]
        verbs: [create, delete]
    ```

    ## Passing example
    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata:
      name: storage-viewer
    rules:
      - apiGroups: [""]
        resources: [persistentvolumes]
        verbs: [get, list, watch]
    ```

    ## Fix
    No automatic fix: leave volume creation to a storage class's provisioner; users create
    claims.
    """

    code = "KL613"
    name = "rbac-persistent-volume-create"
    topic = "permissions"
    severity = Severity.MEDIUM
    references = ("https://kubernetes.io/docs/concepts/storage/persistent-volumes/",)
    equivalents: ClassVar[dict[str, tuple[str, ...]]] = {}
    RESOURCES = (("", "persistentvolumes"),)
    VERBS = frozenset({"create"})
    WHAT = "lets its subjects create persistent volumes, host paths included"
    ADVICE = "let a storage class provision volumes"


class RbacEphemeralContainers(GrantRule):
    """Roles should not let subjects add ephemeral containers to pods.

    ## What it checks
    Each rule of Roles and ClusterRoles, for `update`, `patch` or `*` on
    `pods/ephemeralcontainers` (or `*`, `*/ephemeralcontainers`) in the core API group (or
    `*`). Beyond the Pod Security Standards.

    ## Why
    An ephemeral container (`kubectl debug`) joins a running pod: it shares its network and,
    with a target, its processes, and uses its service account and volumes. It is exec into
    any pod by another door, and one that `pods/exec` policies do not watch.

    ## Failing example
    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata:
      name: debugger
    rules:
      - apiGroups: [""]
        resources: [pods/ephemeralcontainers]
        verbs: [patch]
    ```

    ## Passing example
    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata:
      name: debugger
    rules:
      - apiGroups: [""]
        resources: [pods, pods/log]
        verbs: [get, list]
    ```

    ## Fix
    No automatic fix: grant it, like `pods/exec`, in a namespaced Role to the few who debug.
    """

    code = "KL614"
    name = "rbac-ephemeral-containers"
    topic = "permissions"
    severity = Severity.MEDIUM
    references = ("https://kubernetes.io/docs/concepts/workloads/pods/ephemeral-containers/",)
    equivalents: ClassVar[dict[str, tuple[str, ...]]] = {}
    RESOURCES = (("", "pods/ephemeralcontainers"),)
    VERBS = frozenset({"update", "patch"})
    WHAT = "lets its subjects add containers to running pods"
    ADVICE = "grant it in a namespaced Role to the few who debug"


class RbacApproveCertificates(RoleRule):
    """Roles should not let subjects approve certificate signing requests.

    ## What it checks
    Roles and ClusterRoles that grant both `update`, `patch` or `*` on
    `certificatesigningrequests/approval` and `approve` (or `*`) on `signers` (or `*`), in
    `certificates.k8s.io` (or `*`): the two permissions that approving takes. The finding is
    at the approval resource. Beyond the Pod Security Standards.

    ## Why
    An approved request for the `kubernetes.io/kube-apiserver-client` signer is a client
    certificate the subject chose the name and groups of, `system:masters` included: a
    cluster-admin credential that RBAC cannot revoke until it expires.

    ## Failing example
    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata:
      name: csr-approver
    rules:
      - apiGroups: [certificates.k8s.io]
        resources: [certificatesigningrequests/approval]
        verbs: [update]
      - apiGroups: [certificates.k8s.io]
        resources: [signers]
        verbs: [approve]
    ```

    ## Passing example
    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata:
      name: csr-viewer
    rules:
      - apiGroups: [certificates.k8s.io]
        resources: [certificatesigningrequests]
        verbs: [get, list, watch]
    ```

    ## Fix
    No automatic fix: limit `approve` with `resourceNames` to the signers the approver is for
    (never `kubernetes.io/kube-apiserver-client`).
    """

    code = "KL615"
    name = "rbac-approve-certificates"
    topic = "permissions"
    severity = Severity.HIGH
    CLIENT_SIGNERS = ("kubernetes.io/kube-apiserver-client", "kubernetes.io/*")
    references = ("https://kubernetes.io/docs/reference/access-authn-authz/certificate-signing-requests/"
                  "#authorization",)
    equivalents = {"checkov": ("CKV_K8S_156",)}
    GROUP = "certificates.k8s.io"

    def _api_client(self, rule: dict[str, Any]) -> bool:
        """Whether the signers a rule may approve for include the API server's client signer (all of
        them when no `resourceNames` limit it)."""
        names = [name for _, name in strings(rule, "resourceNames")]
        return not names or any(name in self.CLIENT_SIGNERS for name in names)

    def check(self, obj: K8sObject) -> Iterator[Violation]:
        approval: tuple[int, int, str] | None = None
        approves = False
        for index, rule in rules_of(obj):
            if not {group for _, group in strings(rule, "apiGroups")} & {self.GROUP, "*"}:
                continue
            resources = strings(rule, "resources")
            if approval is None and granted_verbs(rule, frozenset({"update", "patch"})):
                approval = next(((index, position, item) for position, item in resources
                                 if resource_matches(item, "certificatesigningrequests/approval")), None)
            if granted_verbs(rule, frozenset({"approve"})) and any(
                    resource_matches(item, "signers") for _, item in resources) and self._api_client(rule):
                approves = True
        if approval is not None and approves:
            index, position, item = approval
            yield Violation(("rules", index, "resources", position),
                            f'{obj.kind} "{obj.ref.name}" lets its subjects approve certificate signing '
                            f"requests ({item} in rules[{index}], with approve on signers), and so issue "
                            "themselves client certificates; limit approve to named signers")
