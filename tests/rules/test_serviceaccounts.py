"""automount-service-account-token (KL601), cluster-admin-binding (KL602), rbac-wildcard (KL603),
rbac-pod-exec (KL604), rbac-escalation (KL605), rbac-everyone-binding (KL606)."""

from __future__ import annotations

from fixhelpers import fix_text
from helpers import dedent, lint, messages, where

POD = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: app
          image: nginx:1.27
"""


def test_automount_pod_without_its_service_account_in_the_input() -> None:
    assert where(POD, "automount-service-account-token") == ["7:5"]
    assert messages(POD, "automount-service-account-token") == [
        'pod gets an API token of service account "default": it does not set '
        'automountServiceAccountToken and no '
        'ServiceAccount "default" in this input does; set automountServiceAccountToken: false unless the '
        "workload calls the Kubernetes API"]


def test_automount_explicit_choices_pass() -> None:
    for value in ("true", "false"):
        choice = f"      automountServiceAccountToken: {value}\n"
        text = POD.replace("      containers:", f"{choice}      containers:")
        assert where(text, "automount-service-account-token") == []


WITH_ACCOUNT = """
apiVersion: v1
kind: ServiceAccount
metadata:
  name: web
  namespace: shop
automountServiceAccountToken: false
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      serviceAccountName: web
      containers:
        - name: app
          image: nginx:1.27
"""


def test_automount_pod_follows_its_service_account_in_the_stream() -> None:
    assert where(WITH_ACCOUNT, "automount-service-account-token") == []
    # the ServiceAccount may come after the pod, or in another namespace (then it is not the pod's)
    first, second = WITH_ACCOUNT.split("---\n")
    assert where(second + "---\n" + first, "automount-service-account-token") == []
    elsewhere = WITH_ACCOUNT.replace("  namespace: shop\nautomount", "  namespace: other\nautomount")
    assert where(elsewhere, "automount-service-account-token") == ["15:5"]


def test_automount_service_account_without_a_choice() -> None:
    text = WITH_ACCOUNT.replace("automountServiceAccountToken: false\n", "")
    # one finding, at the ServiceAccount: fixing it fixes the pod too
    assert where(text, "automount-service-account-token") == ["2:1"]
    assert messages(text, "automount-service-account-token") == [
        'ServiceAccount "web" does not set automountServiceAccountToken, so every pod using it gets '
        'an API token; '
        "set it to false (pods that call the API can set it to true themselves)"]


def test_automount_fix() -> None:
    text = dedent(WITH_ACCOUNT.replace("automountServiceAccountToken: false\n", ""))
    outcome = fix_text(text, "automount-service-account-token")
    assert outcome.text == text.replace("  namespace: shop\n---",
                                        "  namespace: shop\nautomountServiceAccountToken: false\n---")
    assert outcome.result.findings == []
    pod = dedent(POD)
    fixed = fix_text(pod, "automount-service-account-token").text
    assert fixed == pod.replace("      containers:\n",
                                "      automountServiceAccountToken: false\n      containers:\n")


BINDINGS = """
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
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: cluster-admin
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
  - apiGroup: rbac.authorization.k8s.io
    kind: Group
    name: system:masters
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: team
  namespace: team
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: super
subjects:
  - kind: Group
    name: team
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: super
rules:
  - apiGroups: ["*"]
    resources: ["*"]
    verbs: ["*"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: viewer
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
  - kind: Group
    name: team
"""


def test_cluster_admin_binding() -> None:
    assert where(BINDINGS, "cluster-admin-binding") == ["8:3", "35:3"]
    assert messages(BINDINGS, "cluster-admin-binding") == [
        'ClusterRoleBinding "ci" grants the ClusterRole cluster-admin over the whole cluster '
        '(roleRef.name); bind a '
        "role with only the permissions its subjects need",
        'RoleBinding "team" grants the ClusterRole super (it reads and writes every resource, like '
        "cluster-admin) over namespace team (roleRef.name); bind a role with only the permissions its "
        "subjects need",
    ]


ROLES = """
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: operator
rules:
  - apiGroups: [""]
    resources: ["*"]
    verbs: [get, list]
  - apiGroups: [apps]
    resources: [deployments]
    verbs: ["*"]
  - apiGroups: [""]
    resources: [pods/exec, pods/log]
    verbs: [create]
  - apiGroups: [""]
    resources: [pods/attach]
    verbs: [list]
  - apiGroups: [rbac.authorization.k8s.io]
    resources: [clusterroles, rolebindings]
    verbs: [get, bind, escalate]
  - apiGroups: [""]
    resources: [serviceaccounts]
    verbs: [impersonate]
  - apiGroups: [""]
    resources: [configmaps]
    verbs: [bind]
"""


def test_rbac_wildcard() -> None:
    assert where(ROLES, "rbac-wildcard") == ["7:17", "11:13"]
    assert messages(ROLES, "rbac-wildcard") == [
        'ClusterRole "operator" grants every resource ("*" in rules[0].resources); list the '
        'resources it needs',
        'ClusterRole "operator" grants every verb ("*" in rules[1].verbs); list the verbs it needs',
    ]


def test_rbac_pod_exec_needs_a_verb_that_opens_a_session() -> None:
    assert where(ROLES, "rbac-pod-exec") == ["7:17", "13:17"]
    # "*" (line 7) is rbac-wildcard's finding when both run
    assert [(f.span.start_line, f.rule.name) for f in lint(ROLES, "rbac-pod-exec", "rbac-wildcard")] == [
        (7, "rbac-wildcard"), (11, "rbac-wildcard"), (13, "rbac-pod-exec")]
    assert messages(ROLES, "rbac-pod-exec")[1:] == [
        'ClusterRole "operator" lets its subjects exec into pods (pods/exec with create in rules[2]); remove '
        "pods/exec"]


def test_rbac_escalation() -> None:
    assert where(ROLES, "rbac-escalation") == ["20:18", "20:24", "23:13"]
    assert messages(ROLES, "rbac-escalation")[0] == (
        'ClusterRole "operator" grants bind on clusterroles (rules[4].verbs[1]), an escalation of '
        'privileges; '
        "remove it")


def test_rbac_rules_pass_plain_roles() -> None:
    text = """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata:
          name: reader
        rules:
          - apiGroups: [""]
            resources: [pods, pods/log, configmaps]
            verbs: [get, list, watch]
        """
    assert where(text, "rbac-wildcard", "rbac-pod-exec", "rbac-escalation", "cluster-admin-binding") == []


def test_rbac_rules_name_falco_twins() -> None:
    from klint.rules.serviceaccounts import ClusterAdminBinding, RbacPodExec, RbacWildcard

    assert ClusterAdminBinding.equivalents["falco"] == ("Attach to cluster-admin Role",)
    assert RbacWildcard.equivalents["falco"] == ("ClusterRole With Wildcard Created",)
    assert RbacPodExec.equivalents["falco"] == ("ClusterRole With Pod Exec Created",)


EVERYONE = """
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: readers
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: reader
subjects:
  - kind: User
    name: system:anonymous
  - kind: Group
    name: system:unauthenticated
  - kind: Group
    name: system:authenticated
  - kind: Group
    name: system:serviceaccounts
  - kind: Group
    name: system:serviceaccounts:monitoring
  - kind: ServiceAccount
    name: system:anonymous
    namespace: default
"""


def test_everyone_binding_fails_at_each_subject_that_is_everyone() -> None:
    assert where(EVERYONE, "rbac-everyone-binding") == ["11:5", "13:5", "15:5", "17:5"]
    assert messages(EVERYONE, "rbac-everyone-binding")[0] == (
        'ClusterRoleBinding "readers" grants the ClusterRole reader to anonymous users '
        "(system:anonymous in subjects[0]); bind it to the subjects that need it")


def test_everyone_binding_kubernetes_default_grants_pass() -> None:
    public = EVERYONE.replace("name: reader", "name: system:public-info-viewer")
    assert where(public, "rbac-everyone-binding") == []
    discovery = EVERYONE.replace("name: reader", "name: system:discovery")
    assert where(discovery, "rbac-everyone-binding") == ["11:5", "13:5"]


def test_everyone_binding_in_a_rolebinding() -> None:
    binding = EVERYONE.replace("ClusterRoleBinding", "RoleBinding")
    binding = binding.replace("kind: ClusterRole\n", "kind: Role\n")
    assert messages(binding, "rbac-everyone-binding")[2].startswith(
        'RoleBinding "readers" grants the Role reader to every authenticated user and service account')


def test_everyone_binding_of_a_role_that_only_uses_a_pod_security_policy_passes() -> None:
    policy_role = """
    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata:
      name: reader
    rules:
      - apiGroups: [policy]
        resources: [podsecuritypolicies]
        resourceNames: [restricted]
        verbs: [use]
    ---
    """
    assert where(dedent(policy_role) + dedent(EVERYONE), "rbac-everyone-binding") == []
    widened = policy_role.replace("verbs: [use]", "verbs: [use, update]")
    assert len(where(dedent(widened) + dedent(EVERYONE), "rbac-everyone-binding")) == 4
