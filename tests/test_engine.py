"""The engine over a stream: each document is checked as it is parsed and then freed, and an object
whose related lookup found nothing is checked again when a later object matches."""

from __future__ import annotations

from helpers import dedent, lint

from klint.config import Settings
from klint.engine import lint_source
from klint.source import Source

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: {name}{namespace}
spec:
  serviceAccountName: robot
  containers:
    - name: app
      image: nginx:1.27
"""
ACCOUNT = """\
apiVersion: v1
kind: ServiceAccount
metadata:
  name: robot{namespace}
automountServiceAccountToken: false
"""


def pod(name: str, namespace: str = "") -> str:
    return POD.format(name=name, namespace=f"\n  namespace: {namespace}" if namespace else "")


def account(namespace: str = "") -> str:
    return ACCOUNT.format(namespace=f"\n  namespace: {namespace}" if namespace else "")


def automount(text: str) -> list[str]:
    """The objects that KL601 reports, each with the line its finding points at."""
    lines = text.splitlines()
    return [f"{f.obj.name}: {lines[f.span.start_line - 1]}" for f in lint(text, "KL601")]


def test_a_later_object_is_found_and_earlier_ones_are_reported_where_they_are() -> None:
    # a, b and d come before the account: a and d are in its namespace (or none), b is not
    text = "---\n".join([pod("a"), pod("b", "other"), account("shop"), pod("c", "shop"), pod("d", "other")])
    assert automount(text) == ["b: spec:", "d: spec:"]
    # as when the account comes first
    first = "---\n".join([account("shop"), pod("a"), pod("b", "other"), pod("c", "shop"), pod("d", "other")])
    assert automount(first) == ["b: spec:", "d: spec:"]


def test_a_stream_checks_every_object_once_in_order() -> None:
    text = "---\n".join(pod(f"p{i}") for i in range(50)) + "---\n" + account()
    settings = Settings(select=("KL601",))
    result = lint_source(Source.from_text("s.yaml", text), settings.enabled_rules(), settings)
    assert result.objects == 51 and result.documents == 51
    assert [ref.name for ref, _ in result.checked] == [f"p{i}" for i in range(50)] + ["robot"]
    assert result.findings == []  # every pod's account comes last, and sets the token off


def test_a_list_item_can_refer_to_a_later_item() -> None:
    text = dedent("""
        apiVersion: v1
        kind: List
        items:
          - apiVersion: v1
            kind: Pod
            metadata: {name: a}
            spec:
              serviceAccountName: robot
              containers: [{name: app, image: "nginx:1.27"}]
          - apiVersion: v1
            kind: ServiceAccount
            metadata: {name: robot}
            automountServiceAccountToken: false
        """)
    assert lint(text, "KL601") == []


def test_a_role_after_its_binding_is_found_and_the_finding_points_into_the_binding() -> None:
    text = dedent("""
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata: {name: admins}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: everything}
        subjects: [{kind: Group, name: ops, apiGroup: rbac.authorization.k8s.io}]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: everything}
        rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]
        """)
    (finding,) = lint(text, "cluster-admin-binding")
    assert (finding.obj.name, finding.span.start_line) == ("admins", 4)
    assert text[finding.span.start_offset:finding.span.end_offset].startswith("name: everything")


def test_objects_before_a_yaml_error_are_checked_against_what_was_read() -> None:
    text = "---\n".join([pod("a"), account(), "bad: [\n", pod("b")])
    settings = Settings(select=("KL601",))
    result = lint_source(Source.from_text("s.yaml", text), settings.enabled_rules(), settings)
    assert [(p.line, p.message) for p in result.problems] == [(18, "did not find expected node content")]
    assert result.objects == 2 and result.findings == []


WEB = """\
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
          securityContext:
            privileged: true
      volumes:
        - name: logs
          hostPath:
            path: /var/log
"""


def identities(text: str) -> list[tuple[object, ...]]:
    return [finding.identity for finding in lint(text, "KL101", "KL205")]


def test_a_findings_identity_names_what_it_is_about() -> None:
    web, pod = ("Deployment", None, "web"), ("spec", "template", "spec")
    assert identities(WEB) == [
        ("KL101", web, (*pod, "containers", ("name", "app"), "securityContext", "privileged"), "app"),
        ("KL205", web, (*pod, "volumes", ("name", "logs"), "hostPath"), None),
    ]


def test_a_findings_identity_survives_moved_lines_a_new_sidecar_and_a_new_volume() -> None:
    before = identities(WEB)
    moved = "# a comment\n" + account() + "---\n" + WEB
    sidecar = WEB.replace("containers:\n", "containers:\n        - {name: proxy, image: envoy}\n")
    volume = WEB.replace("volumes:\n", "volumes:\n        - {name: cache, emptyDir: {}}\n")
    for text in (moved, sidecar, volume):
        after = lint(text, "KL101", "KL205")
        assert [finding.identity for finding in after] == before
    assert lint(sidecar, "KL101")[0].field[4] == 1  # the index moved; the identity did not


def test_two_containers_have_different_identities() -> None:
    second = WEB.replace("containers:\n", "containers:\n        - name: proxy\n"
                         "          securityContext: {privileged: true}\n")
    first, other = (finding.identity for finding in lint(second, "KL101"))
    assert first != other and {first[3], other[3]} == {"app", "proxy"}
