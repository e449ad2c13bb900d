"""The Kubernetes model: where pod specs live, which containers are walked, the security context
each container runs with, List items, and where a finding about an absent key points."""

from __future__ import annotations

import textwrap

import pytest

from klint.document import parse_documents
from klint.k8s import Container, K8sObject, Stream, format_path, objects_of
from klint.source import Source

POD_SPEC = """\
containers:
  - name: app
    image: nginx:1.27
initContainers:
  - name: init
    image: busybox:1.36
ephemeralContainers:
  - name: debug
    image: busybox:1.36
"""


def objects(text: str) -> list[K8sObject]:
    source = Source.from_text("test.yaml", textwrap.dedent(text).lstrip("\n"))
    return [obj for document in parse_documents(source) for obj in objects_of(document)]


def one(text: str) -> K8sObject:
    (obj,) = objects(text)
    return obj


def manifest(kind: str, path: tuple[str, ...], api_version: str = "v1") -> str:
    """An object of `kind` whose pod spec (POD_SPEC) sits at `path`."""
    lines = [f"apiVersion: {api_version}", f"kind: {kind}", "metadata:", "  name: demo"]
    body = POD_SPEC
    for key in reversed(path):
        body = f"{key}:\n" + textwrap.indent(body, "  ")
    return "\n".join(lines) + "\n" + body


TEMPLATE = ("spec", "template", "spec")
CARRIERS = [
    ("Pod", "v1", ("spec",)),
    ("Deployment", "apps/v1", TEMPLATE),
    ("ReplicaSet", "apps/v1", TEMPLATE),
    ("ReplicationController", "v1", TEMPLATE),
    ("StatefulSet", "apps/v1", TEMPLATE),
    ("DaemonSet", "apps/v1", TEMPLATE),
    ("Job", "batch/v1", TEMPLATE),
    ("CronJob", "batch/v1", ("spec", "jobTemplate", "spec", "template", "spec")),
    ("PodTemplate", "v1", ("template", "spec")),
    ("DeploymentConfig", "apps.openshift.io/v1", TEMPLATE),
    ("Rollout", "argoproj.io/v1alpha1", TEMPLATE),
    ("Workload", "example.com/v1", TEMPLATE),  # any CRD with spec.template.spec.containers
    ("ScheduledWorkload", "example.com/v1", ("spec", "jobTemplate", "spec", "template", "spec")),
]


@pytest.mark.parametrize(("kind", "api_version", "path"), CARRIERS, ids=[c[0] for c in CARRIERS])
def test_pod_spec_carriers_and_their_containers(kind: str, api_version: str, path: tuple[str, ...]) -> None:
    obj = one(manifest(kind, path, api_version))
    assert obj.kind == kind
    assert obj.pod is not None and obj.pod.path == path
    walked = [(c.group, c.index, c.name, c.path) for c in obj.pod.containers]
    assert walked == [
        ("containers", 0, "app", (*path, "containers", 0)),
        ("initContainers", 0, "init", (*path, "initContainers", 0)),
        ("ephemeralContainers", 0, "debug", (*path, "ephemeralContainers", 0)),
    ]
    # container paths lead to the container's own text
    app = obj.pod.containers[0]
    span = obj.span(app.field("image").path)
    assert obj.document.source.text[span.start_offset:span.end_offset] == "image: nginx:1.27"


def test_kinds_without_a_pod_spec() -> None:
    assert one("""
        apiVersion: example.com/v1
        kind: Workload
        metadata: {name: w}
        spec:
          template:
            spec:
              replicas: 3
        """).pod is None
    assert one("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n").pod is None
    assert one("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n").pod is None  # no spec at all
    # a known workload kind has its pod spec where it belongs even without containers yet
    deployment = one("apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec: {}\n")
    assert deployment.pod is not None and deployment.pod.containers == []


def test_containers_that_are_not_mappings_are_skipped_and_unnamed_ones_get_a_label() -> None:
    obj = one("""
        apiVersion: v1
        kind: Pod
        spec:
          containers:
            - image: a
            - just a string
            - null
          initContainers: not a list
        """)
    assert obj.pod is not None
    assert [c.name for c in obj.pod.containers] == ["containers[0]"]


# --- the security context each container runs with ----------------------------------------------

INHERITANCE = """
apiVersion: v1
kind: Pod
metadata:
  name: inherit
spec:
  securityContext:
    runAsUser: 1000
    runAsGroup: 3000
    runAsNonRoot: true
    fsGroup: 2000
    seLinuxOptions: {level: "s0:c1,c2", type: container_t}
    seccompProfile: {type: Localhost, localhostProfile: profiles/pod.json}
    appArmorProfile: {type: Localhost, localhostProfile: pod-profile}
    windowsOptions: {runAsUserName: pod-user, gmsaCredentialSpecName: pod-gmsa, hostProcess: false}
    privileged: true
    readOnlyRootFilesystem: true
    allowPrivilegeEscalation: false
  containers:
    - name: bare
      image: a
    - name: own
      image: b
      securityContext:
        runAsUser: 0
        runAsNonRoot: false
        runAsGroup: null
        seLinuxOptions: {user: system_u}
        seccompProfile: {type: RuntimeDefault}
        appArmorProfile: {type: RuntimeDefault}
        windowsOptions: {runAsUserName: own-user}
    - name: gmsa
      image: c
      securityContext:
        windowsOptions: {gmsaCredentialSpec: "{}"}
  initContainers:
    - name: init
      image: d
"""
POD_SC = ("spec", "securityContext")


def containers() -> dict[str, Container]:
    obj = one(INHERITANCE)
    assert obj.pod is not None
    return {c.name: c for c in obj.pod.containers}


@pytest.mark.parametrize("names", [
    ("runAsUser",), ("runAsGroup",), ("runAsNonRoot",), ("seLinuxOptions", "level"), ("seLinuxOptions",),
    ("seccompProfile", "type"), ("seccompProfile", "localhostProfile"), ("appArmorProfile", "type"),
    ("windowsOptions", "runAsUserName"), ("windowsOptions", "gmsaCredentialSpecName"),
])
def test_a_container_without_its_own_value_inherits_the_pods(names: tuple[str, ...]) -> None:
    for name in ("bare", "init"):
        container = containers()[name]
        setting = container.effective(*names)
        assert setting.path == (*POD_SC, *names)
        assert setting.value == one(INHERITANCE).get((*POD_SC, *names))
        assert setting.is_set


@pytest.mark.parametrize("names", [
    ("privileged",), ("readOnlyRootFilesystem",), ("allowPrivilegeEscalation",), ("fsGroup",),
    ("capabilities", "add"), ("procMount",),
])
def test_fields_kubernetes_does_not_inherit(names: tuple[str, ...]) -> None:
    container = containers()["bare"]
    setting = container.effective(*names)
    assert setting.value is None and not setting.is_set
    assert setting.path == ("spec", "containers", 0, "securityContext", *names)


def test_a_containers_own_value_wins_even_when_false_or_zero() -> None:
    own = containers()["own"]
    container_sc = ("spec", "containers", 1, "securityContext")
    assert own.effective("runAsUser") == own.own("runAsUser")
    assert own.effective("runAsUser").value == 0
    assert own.effective("runAsUser").path == (*container_sc, "runAsUser")
    assert own.effective("runAsNonRoot").value is False
    # an explicit null is unset: the pod's value applies
    assert own.effective("runAsGroup").value == 3000
    assert own.effective("windowsOptions", "runAsUserName").value == "own-user"


@pytest.mark.parametrize("names", [
    ("seLinuxOptions", "level"), ("seLinuxOptions", "type"), ("seccompProfile", "localhostProfile"),
    ("appArmorProfile", "localhostProfile"),
])
def test_objects_inherited_as_a_whole(names: tuple[str, ...]) -> None:
    """A container's seLinuxOptions, seccompProfile or appArmorProfile replaces the pod's entirely: a
    field it leaves out is unset, not the pod's."""
    setting = containers()["own"].effective(*names)
    assert setting.value is None
    assert setting.path == ("spec", "containers", 1, "securityContext", *names)


def test_windows_options_merge_field_by_field_with_the_gmsa_fields_together() -> None:
    named = containers()
    # a container setting only runAsUserName still gets the pod's GMSA credential spec
    assert named["own"].effective("windowsOptions", "gmsaCredentialSpecName").value == "pod-gmsa"
    assert named["own"].effective("windowsOptions", "hostProcess").value is False
    # a container setting one GMSA field takes both from itself
    gmsa = named["gmsa"]
    assert gmsa.effective("windowsOptions", "gmsaCredentialSpecName").value is None
    assert gmsa.effective("windowsOptions", "gmsaCredentialSpec").value == "{}"
    assert gmsa.effective("windowsOptions", "runAsUserName").value == "pod-user"


def test_pod_level_fields_annotations_and_windows() -> None:
    obj = one("""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          annotations: {on-the-deployment: "1"}
        spec:
          template:
            metadata:
              annotations: {container.apparmor.security.beta.kubernetes.io/app: runtime/default}
            spec:
              hostNetwork: yes
              os: {name: windows}
              containers: [{name: app, image: a}]
        """)
    pod = obj.pod
    assert pod is not None
    assert pod.field("hostNetwork").value is True
    assert pod.field("hostNetwork").path == ("spec", "template", "spec", "hostNetwork")
    assert pod.field("hostPID").value is None
    assert pod.annotations == {"container.apparmor.security.beta.kubernetes.io/app": "runtime/default"}
    assert pod.is_windows


# --- List kinds -----------------------------------------------------------------------------------

LIST = """
apiVersion: v1
kind: List
metadata: {}
items:
  - apiVersion: v1
    kind: Pod
    metadata:
      name: first
      namespace: team
    spec:
      hostPID: true
      containers: [{name: a, image: a}]
  - not an object
  - apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: second
    spec:
      template:
        spec:
          hostPID: true
          containers: [{name: b, image: b}]
"""


@pytest.mark.parametrize("kind", ["List", "PodList", "DeploymentList"])
def test_list_items_are_objects_with_their_own_spans(kind: str) -> None:
    first, second = objects(LIST.replace("kind: List", f"kind: {kind}"))
    assert (first.kind, first.ref.name, first.ref.namespace, first.root, first.ref.item) == (
        "Pod", "first", "team", ("items", 0), 0)
    assert (second.kind, second.ref.name, second.root, second.ref.item) == (
        "Deployment", "second", ("items", 2), 2)
    assert str(first.ref) == "Pod team/first" and str(second.ref) == "Deployment second"
    # paths are relative to the item; spans are in the file
    assert first.get(("spec", "hostPID")) is True
    assert first.span(("spec", "hostPID")).start_line == 11
    assert second.pod is not None
    assert second.span(second.pod.field("hostPID").path).start_line == 21
    assert first.present(("spec", "hostPID")) and not first.present(("spec", "hostIPC"))
    # an absent key of an item points inside that item, never at the List
    assert first.span(("spec", "hostIPC")).start_line == 10
    assert first.nearest(("spec", "hostIPC")) == ("spec",)
    assert second.span(("spec", "nothing", "here")).start_line == 18


def test_a_list_kind_without_items_is_an_object_and_plain_yaml_is_not() -> None:
    assert [o.kind for o in objects("apiVersion: v1\nkind: PodList\nmetadata: {}\n")] == ["PodList"]
    assert objects("just: yaml\n") == []
    assert objects("- a\n- b\n") == []
    assert objects("apiVersion: 1\nkind: Pod\n") == []  # apiVersion must be a string
    assert objects("apiVersion: v1\nkind: ''\n") == []


# --- where an absent key points -------------------------------------------------------------------

ABSENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: with-context
          image: a
          securityContext:
            privileged: false
        - image: b
          name: without-context
        - image: c
"""


def covered(obj: K8sObject, path: tuple[str | int, ...]) -> tuple[int, int, str]:
    span = obj.span(path)
    return span.start_line, span.start_column, obj.document.source.text[span.start_offset:span.end_offset]


def test_an_absent_key_points_at_its_nearest_present_ancestor() -> None:
    obj = one(ABSENT)
    containers = ("spec", "template", "spec", "containers")
    # present: the key and its scalar value
    assert covered(obj, (*containers, 0, "securityContext", "privileged")) == (12, 13, "privileged: false")
    # the securityContext is there, the field is not: its `securityContext:` key
    assert covered(obj, (*containers, 0, "securityContext", "runAsNonRoot")) == (11, 11, "securityContext")
    # no securityContext: the container's `name:` entry, wherever it is in the mapping
    assert covered(obj, (*containers, 1, "securityContext", "runAsNonRoot")) == (
        14, 11, "name: without-context")
    # no name: the container's first entry
    assert covered(obj, (*containers, 2, "securityContext", "privileged")) == (15, 11, "image: c")
    # nothing of the path: the object's `kind:`
    assert covered(obj, ("status", "phase")) == (2, 1, "kind: Deployment")
    assert obj.nearest((*containers, 1, "securityContext", "runAsNonRoot")) == (*containers, 1)


def test_stable_path_names_list_items_by_what_identifies_them() -> None:
    obj = one("""
        apiVersion: v1
        kind: Pod
        metadata: {name: web, namespace: shop}
        spec:
          containers:
            - name: app
              securityContext: {capabilities: {add: [NET_ADMIN, 7, true]}}
              volumeMounts:
                - {name: data, mountPath: /a}
                - {name: data, mountPath: /b}
            - image: unnamed
        """)
    app = ("spec", "containers", 0)
    assert obj.stable_path((*app, "securityContext", "capabilities", "add", 0)) == ("spec", "containers", (
        "name", "app"), "securityContext", "capabilities", "add", ("value", "NET_ADMIN"))
    assert obj.stable_path((*app, "securityContext", "capabilities", "add", 1))[-1] == ("value", 7)
    assert obj.stable_path((*app, "securityContext", "capabilities", "add", 2))[-1] == 2  # a boolean
    assert obj.stable_path((*app, "volumeMounts", 1, "readOnly"))[-2:] == (("name", "data", "/b"), "readOnly")
    # an item without a name, and an index past the end of the list, stay indexes
    assert obj.stable_path(("spec", "containers", 1, "image")) == ("spec", "containers", 1, "image")
    assert obj.stable_path(("spec", "containers", 5, "image")) == ("spec", "containers", 5, "image")
    assert obj.ref.identity == ("Pod", "shop", "web") and obj.root == obj.ref.root == ()


def test_format_path() -> None:
    assert format_path(("spec", "containers", 0, "securityContext", "privileged")) == (
        "spec.containers[0].securityContext.privileged")
    assert format_path(("items", 3)) == "items[3]"
    assert format_path(()) == ""


def test_related_finds_the_first_object_the_namespace_rules_allow() -> None:
    found = objects("""
        apiVersion: v1
        kind: Pod
        metadata: {name: web, namespace: shop}
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: robot, namespace: other}
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: robot}
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: robot, namespace: shop}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: robot}
        """)
    stream = Stream(found)
    pod, other, anywhere, shop, role = found
    for obj in found:
        obj.stream = stream
    assert pod.related("ServiceAccount", "robot") is anywhere  # the first that may share its namespace
    assert pod.related("ServiceAccount", "robot", namespaced=False) is other
    assert shop.related("ServiceAccount", "robot") is anywhere
    assert other.related("ServiceAccount", "robot") is other
    assert pod.related("ClusterRole", "robot", namespaced=False) is role
    assert pod.related("Role", "robot") is None and pod.related("ServiceAccount", "web") is None
    assert stream.misses == [("Role", "robot", True), ("ServiceAccount", "web", True)]
    assert stream.first(pod, "Role", "robot", True) is None and len(stream.misses) == 2


def test_only_kinds_that_are_looked_up_are_kept() -> None:
    pod, account = objects("""
        apiVersion: v1
        kind: Pod
        metadata: {name: web}
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: web}
        """)
    stream = Stream([pod, account])
    assert len(stream) == 2 and pod.related("ServiceAccount", "web") is None  # pod.stream not set
    pod.stream = stream
    assert pod.related("ServiceAccount", "web") is account
    with pytest.raises(ValueError, match="RELATED_KINDS"):
        account.related("Pod", "web")
    pod.release()
    account.release()
    assert pod.data == {} and account.data["kind"] == "ServiceAccount"


def test_an_object_alone_finds_itself() -> None:
    (account,) = objects("""
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: robot}
        """)
    assert account.stream is None
    assert account.related("ServiceAccount", "robot") is account


def test_duplicate_keys_are_each_objects_own_with_the_repeated_keys_span() -> None:
    first, second = objects("""
        apiVersion: v1
        kind: List
        items:
          - {apiVersion: v1, kind: ConfigMap, metadata: {name: a}, data: {k: 1, k: 2}}
          - apiVersion: v1
            kind: ConfigMap
            metadata: {name: b}
            kind: ConfigMap
        """)
    ((path, span),) = first.duplicate_keys()
    assert path == ("data", "k") and (span.start_line, span.start_column, span.end_column) == (4, 73, 74)
    ((path, span),) = second.duplicate_keys()
    assert path == ("kind",) and (span.start_line, span.start_column, span.end_column) == (8, 5, 9)


def test_span_in_value_finds_text_written_once_in_the_value() -> None:
    obj = one("""
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: demo}
        data:
          app.conf: |
            user = admin
            password = hunter2
            user = admin
        """)
    span = obj.span_in_value(("data", "app.conf"), "password = hunter2")
    assert span is not None and (span.start_line, span.start_column, span.end_column) == (7, 5, 23)
    assert obj.span_in_value(("data", "app.conf"), "user = admin") is None  # twice: which one is unclear
    assert obj.span_in_value(("data", "app.conf"), "token") is None
    assert obj.span_in_value(("data", "other"), "user") is None
