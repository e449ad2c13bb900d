"""Service account tokens and RBAC: what the API lets a workload, or a subject, do."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from klint.edits import set_field
from klint.fix import Applicability
from klint.k8s import RBAC_BINDING_KINDS as BINDING_KINDS
from klint.k8s import RBAC_ROLE_KINDS as RBAC_KINDS
from klint.k8s import K8sObject, PodSpec, as_dict, as_list
from klint.rule import KindRule, PodRule, Severity, Violation
from klint.rules.common import FALCO_K8S_AUDIT_RULES, RBAC_GOOD_PRACTICES

SERVICE_ACCOUNT_DOC = ("https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/"
                       "#opt-out-of-api-credential-automounting")


def service_account_name(pod: PodSpec) -> str:
    """The ServiceAccount a pod runs as (`serviceAccount` is the deprecated spelling)."""
    for field in ("serviceAccountName", "serviceAccount"):
        name = pod.field(field).value
        if isinstance(name, str) and name:
            return name
    return "default"


def rules_of(obj: K8sObject) -> Iterator[tuple[int, dict[str, Any]]]:
    """The policy rules of a Role or ClusterRole, with their index."""
    for index, rule in enumerate(as_list(obj.get(("rules",)))):
        if isinstance(rule, dict):
            yield index, rule


def strings(rule: dict[str, Any], key: str) -> list[tuple[int, str]]:
    return [(index, item) for index, item in enumerate(as_list(rule.get(key))) if isinstance(item, str)]


# Reading and writing every resource is cluster-admin, whether the verbs are spelt `*` or one by one.
ALL_VERBS = frozenset({"get", "list", "watch", "create", "update", "patch", "delete"})


def grants_everything(role: K8sObject) -> bool:
    """Whether one of a role's rules reads and writes every resource of every API group (cluster-admin)."""
    for _, rule in rules_of(role):
        verbs = {item for _, item in strings(rule, "verbs")}
        if ("*" in {item for _, item in strings(rule, "apiGroups")}
                and "*" in {item for _, item in strings(rule, "resources")}
                and ("*" in verbs or verbs >= ALL_VERBS)):
            return True
    return False


class RoleRule(KindRule):
    """A rule about Roles and ClusterRoles."""

    kinds = RBAC_KINDS


class AutomountServiceAccountToken(PodRule):
    """Pods should not get an API token they did not ask for.

    ## What it checks
    Where a pod would get its service account's API token without anyone having decided
    so. A pod's token is mounted unless its `automountServiceAccountToken` is false, or it
    is unset and its ServiceAccount's is false. It fails:
    - at a ServiceAccount object that does not set `automountServiceAccountToken`: every pod
      using it gets a token by default;
    - at a pod spec that does not set it, when its ServiceAccount (`serviceAccountName`,
      else `default`) is not in the same input (file or stream). When it is, the pod
      follows it: a ServiceAccount set to false mounts nothing, one set to true is a
      decision, and an unset one has its own finding.

    An explicit `true`, on the pod or its ServiceAccount, passes: it is how a workload that
    calls the Kubernetes API says so. Polaris, Checkov (CKV_K8S_38) and Trivy (KSV036) fail an
    explicit true as well, and Polaris and Checkov ignore a ServiceAccount set to false; klint
    reports only tokens nobody chose. Polaris judges only pods, so a fixture whose pod sets
    false passes there even when its ServiceAccount leaves the field unset, which klint
    reports at the ServiceAccount. Beyond the Pod Security Standards.

    ## Why
    The token authenticates as the service account to the API server. Most workloads never
    call the API, yet an attacker who compromises one reads the token from
    `/var/run/secrets/kubernetes.io/serviceaccount` and uses whatever RBAC grants it, or
    probes the API for misconfigurations.

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
      automountServiceAccountToken: false
      containers:
        - name: app
          image: nginx:1.27
    ```

    ## Fix
    Set `automountServiceAccountToken: false` where the finding points (the pod spec or the
    ServiceAccount). Unsafe: a workload that calls the API loses its credentials; set it to
    true on that workload's pod spec instead.
    """

    code = "KL601"
    name = "automount-service-account-token"
    topic = "serviceaccounts"
    severity = Severity.MEDIUM
    references = (SERVICE_ACCOUNT_DOC,)
    equivalents = {
        "polaris": ("automountServiceAccountToken",),
        "checkov": ("CKV_K8S_38",),
        "trivy": ("KSV036",),
    }

    def applies_to(self, obj: K8sObject) -> bool:
        return obj.kind == "ServiceAccount" or super().applies_to(obj)

    def check(self, obj: K8sObject) -> Iterator[Violation]:
        if obj.kind != "ServiceAccount":
            yield from super().check(obj)
        elif obj.get(("automountServiceAccountToken",)) is None:
            yield Violation(
                ("automountServiceAccountToken",),
                f'ServiceAccount "{obj.ref.name}" does not set automountServiceAccountToken, so every '
                "pod using it gets an API token; set it to false (pods that call the API can set it to "
                "true themselves)",
                fix=self._fix(obj, ("automountServiceAccountToken",)),
            )

    def check_pod(self, obj: K8sObject, pod: PodSpec) -> Iterator[Violation]:
        setting = pod.field("automountServiceAccountToken")
        account = service_account_name(pod)
        if setting.is_set or obj.related("ServiceAccount", account) is not None:
            return
        yield Violation(
            setting.path,
            f'pod gets an API token of service account "{account}": it does not set '
            f'automountServiceAccountToken and no ServiceAccount "{account}" in this input does; set '
            "automountServiceAccountToken: false unless the workload calls the Kubernetes API",
            fix=self._fix(obj, setting.path),
        )

    @staticmethod
    def _fix(obj: K8sObject, path: tuple[str | int, ...]) -> Any:
        return set_field(obj, path, False, Applicability.UNSAFE, "set automountServiceAccountToken: false")


class ClusterAdminBinding(KindRule):
    """Bindings must not grant cluster-admin.

    ## What it checks
    The `roleRef` of ClusterRoleBindings and RoleBindings. It fails when it names the
    ClusterRole `cluster-admin`, or a ClusterRole of the same input that reads and writes
    every resource of every API group (what cluster-admin is: verbs `*`, or get, list, watch,
    create, update, patch and delete). The bootstrap binding that gives `cluster-admin` to the
    group `system:masters` passes. A RoleBinding grants it within its namespace only, which
    still includes every Secret and workload there. Polaris also exempts bindings named
    `system:*` and `gce:podsecuritypolicy:calico-sa`; klint does not, since anyone who can
    create a binding can choose its name.

    Beyond the Pod Security Standards. It is the static twin of Falco's "Attach to
    cluster-admin Role" rule, which watches ClusterRoleBindings only.

    ## Why
    cluster-admin is every permission there is. A subject bound to it, often a workload's
    service account, turns any compromise of that workload into a compromise of the cluster.

    ## Failing example
    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRoleBinding
    metadata:
      name: ci
    roleRef:
      apiGroup: rbac.authorization.k8s.io
      kind: ClusterRole
      name: cluster-admin
    subjects:
      - kind: ServiceAccount
        name: ci
        namespace: ci
    ```

    ## Passing example
    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRoleBinding
    metadata:
      name: ci
    roleRef:
      apiGroup: rbac.authorization.k8s.io
      kind: ClusterRole
      name: ci-deployer
    subjects:
      - kind: ServiceAccount
        name: ci
        namespace: ci
    ```

    ## Fix
    No automatic fix: write a role with the permissions the subject needs and bind that.
    """

    code = "KL602"
    name = "cluster-admin-binding"
    topic = "serviceaccounts"
    severity = Severity.HIGH
    references = (RBAC_GOOD_PRACTICES, FALCO_K8S_AUDIT_RULES)
    equivalents = {
        "kube-linter": ("cluster-admin-role-binding",),
        "polaris": ("clusterrolebindingClusterAdmin", "rolebindingClusterAdminClusterRole"),
        "trivy": ("KSV111",),
        "falco": ("Attach to cluster-admin Role",),
    }

    kinds = BINDING_KINDS

    def check(self, obj: K8sObject) -> Iterator[Violation]:
        role = as_dict(obj.get(("roleRef",)))
        name = role.get("name")
        if role.get("kind") != "ClusterRole" or not isinstance(name, str) or self._bootstrap(obj):
            return
        if name == "cluster-admin":
            what = "the ClusterRole cluster-admin"
        else:
            referenced = obj.related("ClusterRole", name, namespaced=False)
            if referenced is None or not grants_everything(referenced):
                return
            what = f"the ClusterRole {name} (it reads and writes every resource, like cluster-admin)"
        if obj.kind == "ClusterRoleBinding":
            scope = "the whole cluster"
        else:
            scope = f"namespace {obj.ref.namespace}" if obj.ref.namespace else "its namespace"
        yield Violation(("roleRef", "name"),
                        f'{obj.kind} "{obj.ref.name}" grants {what} over {scope} (roleRef.name); '
                        "bind a role with only the permissions its subjects need")

    @staticmethod
    def _bootstrap(obj: K8sObject) -> bool:
        subjects = [as_dict(subject) for subject in as_list(obj.get(("subjects",)))]
        return (obj.kind == "ClusterRoleBinding" and len(subjects) == 1
                and (subjects[0].get("kind"), subjects[0].get("name")) == ("Group", "system:masters"))


class RbacWildcard(RoleRule):
    """Roles should not grant wildcard verbs or resources.

    ## What it checks
    Each rule of Roles and ClusterRoles: it fails for `*` in `verbs` or in `resources` (each
    is a finding at its item). Beyond the Pod Security Standards. It is the static twin of
    Falco's "ClusterRole With Wildcard Created", which checks the same two lists, as
    kube-linter does. Checkov (CKV_K8S_49) also fails `*` in `apiGroups`, which only widens
    named resources to same-named ones of other groups; klint does not.

    ## Why
    A wildcard grants whatever exists now and everything added later (new verbs, custom
    resources from an operator installed next year), usually far more than the subject
    needs: `*` on secrets reads every credential, `*` verbs include `escalate` and `bind`.

    ## Failing example
    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata:
      name: app
    rules:
      - apiGroups: [""]
        resources: ["*"]
        verbs: ["get"]
    ```

    ## Passing example
    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata:
      name: app
    rules:
      - apiGroups: [""]
        resources: [configmaps]
        verbs: [get, list, watch]
    ```

    ## Fix
    No automatic fix: list the verbs and resources the subject needs.
    """

    code = "KL603"
    name = "rbac-wildcard"
    topic = "serviceaccounts"
    severity = Severity.HIGH
    references = (RBAC_GOOD_PRACTICES, FALCO_K8S_AUDIT_RULES)
    equivalents = {
        "kube-linter": ("wildcard-in-rules",),
        "checkov": ("CKV_K8S_49",),
        "trivy": ("KSV044", "KSV045", "KSV046"),
        "falco": ("ClusterRole With Wildcard Created",),
    }

    def check(self, obj: K8sObject) -> Iterator[Violation]:
        for index, rule in rules_of(obj):
            for key, what in (("verbs", "every verb"), ("resources", "every resource")):
                for position, item in strings(rule, key):
                    if item == "*":
                        yield Violation(("rules", index, key, position),
                                        f'{obj.kind} "{obj.ref.name}" grants {what} '
                                        f'("*" in rules[{index}].{key}); list the {key} it needs')


class RbacPodExec(RoleRule):
    """Roles should not let subjects exec into or attach to pods.

    ## What it checks
    Each rule of Roles and ClusterRoles: it fails for the resource `pods/exec` or
    `pods/attach` (or `*`, `*/exec`, `*/attach`; in the core API group or `*`) with a verb
    that opens a session: `create`, `get` (enough for WebSocket clients before Kubernetes
    1.31) or `*`. Beyond the Pod Security Standards. It is the static twin of Falco's
    "ClusterRole With Pod Exec Created", which flags `pods/exec` with any verb; verbs that
    cannot open a session (`list`, `watch`) pass here. A `*` resource is `rbac-wildcard`'s
    finding when that rule runs (same key). Polaris exempts ClusterRoles named like the
    built-in `admin`, `edit` and `cluster-admin`, and roles named `system:*` or
    `gce:podsecuritypolicy:calico-sa`; klint does not, since anyone who can create a role can
    choose its name.

    ## Why
    Exec runs any command in any container the subject can reach, with the container's
    service account token, secrets and host access: a direct path from a low-privileged
    subject to everything its pods can do.

    ## Failing example
    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata:
      name: debugger
    rules:
      - apiGroups: [""]
        resources: [pods/exec]
        verbs: [create]
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
    No automatic fix: remove the resource, or grant it in a namespaced Role to the few
    subjects that need it.
    """

    code = "KL604"
    name = "rbac-pod-exec"
    topic = "serviceaccounts"
    severity = Severity.MEDIUM
    references = (RBAC_GOOD_PRACTICES, FALCO_K8S_AUDIT_RULES)
    equivalents = {
        "polaris": ("clusterrolePodExecAttach", "rolePodExecAttach"),
        "checkov": ("CKV2_K8S_2",),
        "trivy": ("KSV053", "KSV054"),
        "falco": ("ClusterRole With Pod Exec Created",),
    }
    superseded_by = ("rbac-wildcard",)
    SESSIONS = {"pods/exec": "exec", "pods/attach": "attach", "*/exec": "exec", "*/attach": "attach",
                "*": "exec and attach"}

    def check(self, obj: K8sObject) -> Iterator[Violation]:
        for index, rule in rules_of(obj):
            groups = {item for _, item in strings(rule, "apiGroups")}
            verbs = sorted({item for _, item in strings(rule, "verbs")} & {"create", "get", "*"})
            if not verbs or not groups & {"", "*"}:
                continue
            for position, resource in strings(rule, "resources"):
                if resource in self.SESSIONS:
                    action = self.SESSIONS[resource]
                    granted = ", ".join(verbs)
                    yield Violation(("rules", index, "resources", position),
                                    f'{obj.kind} "{obj.ref.name}" lets its subjects {action} into pods '
                                    f"({resource} with {granted} in rules[{index}]); remove {resource}")


class RbacEscalation(RoleRule):
    """Roles should not grant the verbs that escalate privileges.

    ## What it checks
    Each rule of Roles and ClusterRoles: it fails for the verb `escalate` or `bind` (on
    roles, clusterroles or `*`) and `impersonate` (on users, groups, serviceaccounts, uids,
    userextras or `*`), each a finding at the verb. A `*` verb is `rbac-wildcard`'s. Beyond
    the Pod Security Standards. The API server checks `bind` and `escalate` against the role
    being bound or written, so klint looks for them on roles and clusterroles; Checkov's
    CKV_K8S_157 looks for `bind` on rolebindings, where it grants nothing. Checkov's
    CKV_K8S_157 and CKV_K8S_158 also fail a `*` verb; klint reports that once, as
    `rbac-wildcard`.

    ## Why
    These verbs are RBAC's own escape hatches: `escalate` lets a subject write roles with
    permissions it does not have, `bind` lets it bind any role (cluster-admin included) to
    itself, and `impersonate` lets it act as any user, group or service account.

    ## Failing example
    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata:
      name: role-manager
    rules:
      - apiGroups: [rbac.authorization.k8s.io]
        resources: [clusterroles]
        verbs: [get, bind, escalate]
    ```

    ## Passing example
    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata:
      name: role-reader
    rules:
      - apiGroups: [rbac.authorization.k8s.io]
        resources: [clusterroles]
        verbs: [get, list, watch]
    ```

    ## Fix
    No automatic fix: remove the verb; if a controller really must bind roles, restrict it
    with `resourceNames` to the roles it hands out.
    """

    code = "KL605"
    name = "rbac-escalation"
    topic = "serviceaccounts"
    severity = Severity.HIGH
    references = (RBAC_GOOD_PRACTICES,
                  "https://kubernetes.io/docs/reference/access-authn-authz/rbac/#privilege-escalation-prevention-and-bootstrapping")
    equivalents = {
        "checkov": ("CKV_K8S_157", "CKV_K8S_158", "CKV2_K8S_3"),
        "trivy": ("KSV043",),
    }
    ESCALATING = {
        "escalate": ("roles", "clusterroles"),
        "bind": ("roles", "clusterroles"),
        "impersonate": ("users", "groups", "serviceaccounts", "uids", "userextras"),
    }

    def check(self, obj: K8sObject) -> Iterator[Violation]:
        for index, rule in rules_of(obj):
            resources = {item.split("/")[0] for _, item in strings(rule, "resources")}
            for position, verb in strings(rule, "verbs"):
                if verb not in self.ESCALATING:
                    continue
                reached = sorted(resources & {*self.ESCALATING[verb], "*"})
                if reached:
                    on = ", ".join(reached)
                    yield Violation(("rules", index, "verbs", position),
                                    f'{obj.kind} "{obj.ref.name}" grants {verb} on {on} '
                                    f"(rules[{index}].verbs[{position}]), an escalation of privileges; "
                                    "remove it")


class RbacEveryoneBinding(KindRule):
    """Bindings must not grant roles to anonymous users or to every user of the cluster.

    ## What it checks
    The `subjects` of RoleBindings and ClusterRoleBindings. It fails at each subject that
    stands for everyone: the user `system:anonymous` and the group `system:unauthenticated`
    (requests without credentials), the group `system:authenticated` (every user and every
    service account token) and the group `system:serviceaccounts` (every service account of
    every namespace). Kubernetes' own default bindings pass: the ClusterRole
    `system:public-info-viewer` (health and version endpoints) for all of them, and
    `system:discovery` and `system:basic-user` for authenticated users. A namespace's group
    `system:serviceaccounts:<namespace>` passes, and so does a role of the same input that
    only grants `use` of PodSecurityPolicies or SecurityContextConstraints: binding a policy
    to everyone restricts them rather than empowers them.

    Beyond the Pod Security Standards. It is the static twin of Falco's "Anonymous Request
    Allowed" rule: Falco sees an anonymous request that RBAC allowed; klint sees the binding
    that allows it, before it is applied.

    ## Why
    Anyone who can reach the API server is `system:anonymous`, and on managed clusters
    `system:authenticated` can include any account of the cloud provider, not only the
    cluster's users. A role bound to these groups is a role granted to strangers.

    ## Failing example
    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRoleBinding
    metadata:
      name: metrics-readers
    roleRef:
      apiGroup: rbac.authorization.k8s.io
      kind: ClusterRole
      name: metrics-reader
    subjects:
      - apiGroup: rbac.authorization.k8s.io
        kind: Group
        name: system:unauthenticated
    ```

    ## Passing example
    ```yaml
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRoleBinding
    metadata:
      name: metrics-readers
    roleRef:
      apiGroup: rbac.authorization.k8s.io
      kind: ClusterRole
      name: metrics-reader
    subjects:
      - kind: ServiceAccount
        name: prometheus
        namespace: monitoring
    ```

    ## Fix
    No automatic fix: bind the role to the users, groups or service accounts that need it.
    """

    code = "KL606"
    name = "rbac-everyone-binding"
    topic = "serviceaccounts"
    severity = Severity.HIGH
    references = (RBAC_GOOD_PRACTICES, FALCO_K8S_AUDIT_RULES,
                  "https://kubernetes.io/docs/reference/access-authn-authz/rbac/#default-roles-and-role-bindings")
    equivalents = {"trivy": ("KSV122",), "falco": ("Anonymous Request Allowed",)}
    EVERYONE: dict[tuple[object, object], str] = {
        ("User", "system:anonymous"): "anonymous users",
        ("Group", "system:unauthenticated"): "anonymous users",
        ("Group", "system:authenticated"): "every authenticated user and service account",
        ("Group", "system:serviceaccounts"): "every service account of every namespace",
    }
    # The ClusterRoles Kubernetes itself binds to these subjects (bootstrap policy).
    DEFAULT_GRANTS = {
        "system:anonymous": {"system:public-info-viewer"},
        "system:unauthenticated": {"system:public-info-viewer"},
        "system:authenticated": {"system:public-info-viewer", "system:discovery", "system:basic-user"},
        "system:serviceaccounts": {"system:public-info-viewer", "system:discovery", "system:basic-user"},
    }

    kinds = BINDING_KINDS

    def check(self, obj: K8sObject) -> Iterator[Violation]:
        role = as_dict(obj.get(("roleRef",)))
        role_name = role.get("name")
        if self._grants_only_policy_use(obj, role):
            return
        for index, subject in enumerate(as_list(obj.get(("subjects",)))):
            subject = as_dict(subject)
            name = subject.get("name")
            who = self.EVERYONE.get((subject.get("kind"), name))
            if who is None or (role.get("kind") == "ClusterRole"
                               and role_name in self.DEFAULT_GRANTS[str(name)]):
                continue
            yield Violation(("subjects", index, "name"),
                            f'{obj.kind} "{obj.ref.name}" grants the {role.get("kind", "role")} '
                            f"{role_name} to {who} ({name} in subjects[{index}]); bind it to the "
                            "subjects that need it")

    @staticmethod
    def _grants_only_policy_use(binding: K8sObject, role: dict[str, Any]) -> bool:
        """Whether the bound role, found in the same input, grants nothing but `use` of pod security
        policies (PodSecurityPolicy, OpenShift's SecurityContextConstraints)."""
        kind, name = role.get("kind"), role.get("name")
        if kind not in RBAC_KINDS or not isinstance(name, str):
            return False
        referenced = binding.related(kind, name, namespaced=kind == "Role")
        rules = list(rules_of(referenced)) if referenced is not None else []
        return bool(rules) and all(
            {verb for _, verb in strings(rule, "verbs")} == {"use"}
            and {resource for _, resource in strings(rule, "resources")} <= {
                "podsecuritypolicies", "securitycontextconstraints"}
            for _, rule in rules)
