"""invalid-field (KL004): misspelt, misplaced and mistyped fields, against the API's definitions."""

from __future__ import annotations

import pytest
from fixhelpers import fix_text
from helpers import dedent, lint, messages, where

from klint.k8s import api_field_since, api_types, parse_kube_version

POD = """
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: app
      image: nginx:1.27
      securityContext:
        {field}
"""


def pod(field: str) -> str:
    return POD.format(field=field)


def test_the_shipped_definitions_know_the_security_fields() -> None:
    types = api_types()
    assert types["SecurityContext"]["allowPrivilegeEscalation"] == "boolean"
    assert types["SecurityContext"]["seccompProfile"] == "object:SeccompProfile"
    assert types["PodSpec"]["containers"] == "array:object:Container"
    assert "appArmorProfile" in types["PodSecurityContext"]
    assert "privileged" not in types["PodSecurityContext"]


def test_a_misspelt_field_names_what_it_meant_at_the_written_key() -> None:
    text = pod("allowPrivilegedEscalation: false")
    assert where(text, "invalid-field") == ["10:9"]
    assert messages(text, "invalid-field") == [
        "containers[0].securityContext.allowPrivilegedEscalation is not a field of SecurityContext: the API "
        "server drops it (or rejects the object); did you mean allowPrivilegeEscalation?"]


def test_the_missing_field_finding_is_folded_into_the_misspelling() -> None:
    text = pod("allowPrivilegedEscalation: false")
    found = [f.rule.name for f in lint(text, "invalid-field", "allow-privilege-escalation")]
    assert found == ["invalid-field"]
    correct = pod("allowPrivilegeEscalation: true")
    assert [f.rule.name for f in lint(correct, "invalid-field", "allow-privilege-escalation")] == [
        "allow-privilege-escalation"]


def test_the_rename_fix_is_unsafe_and_settles() -> None:
    text = dedent(pod("readOnlyRootFileSystem: true  # hardened"))
    (finding,) = lint(text, "invalid-field")
    assert finding.fix is not None and finding.fix.applicability.value == "unsafe"
    outcome = fix_text(text, "invalid-field", "read-only-root-filesystem")
    assert outcome.text == text.replace("readOnlyRootFileSystem", "readOnlyRootFilesystem")
    assert outcome.result.findings == []
    assert fix_text(text, "invalid-field", unsafe=False).text == text


def test_no_rename_when_the_value_would_not_fit_the_field_meant() -> None:
    # renamed, `privileged: t]rue` would be a string where a boolean goes: rejected, not dropped
    text = dedent(pod("privilege: t]rue"))
    (finding,) = lint(text, "invalid-field")
    assert finding.message.endswith("did you mean privileged?") and finding.fix is None
    outcome = fix_text(text, "invalid-field")
    assert outcome.text == text and outcome.left_out == []


def test_no_rename_when_the_right_spelling_is_also_there() -> None:
    text = pod("runAsNonroot: true\n        runAsNonRoot: true")
    (finding,) = lint(text, "invalid-field")
    assert finding.fix is None


def test_misplaced_fields_say_where_they_belong() -> None:
    text = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      securityContext:
        privileged: true
      containers:
        - name: app
          image: nginx:1.27
          runAsUser: 1000
          resources:
            securityContext: {}
"""
    assert [m.split("; ", 1)[1] for m in messages(text, "invalid-field")] == [
        "privileged belongs in each container's securityContext",
        "runAsUser belongs in the container's securityContext",
        "securityContext belongs in the container itself",
    ]


def test_values_of_the_wrong_type() -> None:
    assert messages(pod('runAsNonRoot: "true"'), "invalid-field") == [
        'containers[0].securityContext.runAsNonRoot is the string "true" where the API expects a boolean '
        "(write it without quotes): the API server rejects the object"]
    assert messages(pod("seccompProfile: RuntimeDefault"), "invalid-field") == [
        'containers[0].securityContext.seccompProfile is the string "RuntimeDefault" where the API expects a '
        "mapping: the API server rejects the object"]
    assert where(pod("privileged: 1"), "invalid-field") == ["10:9"]
    assert where(pod("capabilities: {drop: [ALL, 7]}"), "invalid-field") == ["10:36"]
    assert where(pod("runAsUser: 1000"), "invalid-field") == []
    assert where(pod("runAsUser: null"), "invalid-field") == []  # null is unset


def test_rbac_objects() -> None:
    text = """
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: r
rules:
  - apiGroup: [""]
    resources: [pods]
    verbs: get
"""
    assert where(text, "invalid-field") == ["6:5", "8:5"]


def test_custom_resources_and_a_hardened_pod_pass() -> None:
    custom = """
apiVersion: example.com/v1
kind: Runner
metadata:
  name: r
spec:
  template:
    spec:
      extraField: true
      containers:
        - name: app
          image: nginx:1.27
"""
    assert where(custom, "invalid-field") == []
    hardened = """
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  automountServiceAccountToken: false
  securityContext:
    runAsNonRoot: true
    seccompProfile: {type: RuntimeDefault}
  volumes:
    - name: tmp
      emptyDir: {}
  containers:
    - name: app
      image: nginx:1.27
      resources: {limits: {memory: 128Mi}}
      volumeMounts: [{name: tmp, mountPath: /tmp}]
      securityContext:
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities: {drop: [ALL]}
"""
    assert where(hardened, "invalid-field") == []


WINDOWS = """
apiVersion: v1
kind: Pod
metadata:
  name: win
spec:
  os: {name: windows}
  securityContext:
    seccompProfile: {type: Unconfined}
    runAsNonRoot: true
  containers:
    - name: app
      image: mcr.microsoft.com/windows/nanoserver:ltsc2022
      securityContext:
        capabilities: {add: [SYS_ADMIN]}
        windowsOptions: {runAsUserName: ContainerUser}
"""


def test_linux_settings_on_a_windows_pod_are_rejected_by_the_api() -> None:
    assert messages(WINDOWS, "invalid-field") == [
        "securityContext.seccompProfile is a Linux setting: the API server rejects it on a Windows pod "
        "(spec.os.name: windows)",
        "containers[0].securityContext.capabilities is a Linux setting: the API server rejects it on a "
        "Windows pod (spec.os.name: windows)"]
    assert where(WINDOWS.replace("os: {name: windows}", "os: {name: linux}"), "invalid-field") == []


@pytest.mark.parametrize(("profile", "version", "expected"), [
    ("baseline", "v1.25", {"baseline-capabilities", "seccomp-unconfined"}),
    ("restricted", "v1.24", {"baseline-capabilities", "seccomp-unconfined"}),
    ("restricted", "v1.25", set()),  # upstream's restricted twins replace these and pass Windows pods
    ("all", "latest", set()),
])
def test_windows_pods_at_restricted_from_v1_25(profile: str, version: str, expected: set[str]) -> None:
    found = lint(WINDOWS, "baseline-capabilities", "seccomp-unconfined", profile=profile, pss_version=version)
    assert {f.rule.name for f in found} == expected


def test_a_volume_with_two_sources() -> None:
    text = """
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers: [{name: a, image: nginx}]
  volumes:
    - name: v
      emptyDir: {}
      hostPath: {path: /etc}
"""
    found = lint(text, "invalid-field", "restricted-volume-types", "host-path")
    # restricted passes it as upstream does (an allowed source first); host-path still sees the hostPath
    assert sorted((f.rule.name, f.span.start_line) for f in found) == [("host-path", 9), ("invalid-field", 9)]


def test_a_null_container_is_reported_as_the_api_reads_it() -> None:
    text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [null]\n"
    assert messages(text, "invalid-field") == [
        "containers[0] is null: the API server reads it as an empty Container, which its validation rejects"]


NEWER_FIELDS = """
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  hostUsers: false
  os:
    name: windows
  securityContext:
    appArmorProfile:
      type: RuntimeDefault
    runAsUser: 1000
  containers:
    - name: app
      image: nginx:1.27
      securityContext:
        seccompProfile:
          type: RuntimeDefault
"""


def at_version(version: str) -> list[str]:
    return [f"{f.span.start_line}:{f.span.start_column} {f.message}"
            for f in lint(NEWER_FIELDS, "invalid-field", options={"KL004": {"kube-version": version}})]


def test_the_definitions_know_when_each_field_appeared() -> None:
    assert api_field_since("SecurityContext")["appArmorProfile"] == (1, 30)
    assert api_field_since("SecurityContext")["seccompProfile"] == (1, 19)
    assert api_field_since("PodSpec")["hostUsers"] == (1, 25)
    assert api_field_since("PodSpec")["os"] == (1, 23)
    assert "privileged" not in api_field_since("SecurityContext")  # older than the data's 1.12


def test_without_a_kube_version_every_field_of_the_newest_api_is_known() -> None:
    assert [m.split(" ", 1)[1].split(":")[0] for m in at_version("")] == [
        "securityContext.appArmorProfile is a Linux setting", "securityContext.runAsUser is a Linux setting",
        "containers[0].securityContext.seccompProfile is a Linux setting"]


def test_a_field_newer_than_the_kube_version_is_dropped_by_its_api_server() -> None:
    assert at_version("v1.29.4") == [
        "10:5 securityContext.appArmorProfile is not a field of PodSecurityContext in Kubernetes 1.29 "
        "(it came in 1.30): the API server drops it",
        "12:5 securityContext.runAsUser is a Linux setting: the API server rejects it on a Windows pod "
        "(spec.os.name: windows)",
        "17:9 containers[0].securityContext.seccompProfile is a Linux setting: the API server rejects it on "
        "a Windows pod (spec.os.name: windows)"]


def test_before_spec_os_existed_a_windows_pod_is_not_told_apart() -> None:
    assert at_version("1.18") == [
        "6:3 hostUsers is not a field of PodSpec in Kubernetes 1.18 (it came in 1.25): the API server drops "
        "it",
        "7:3 os is not a field of PodSpec in Kubernetes 1.18 (it came in 1.23): the API server drops it",
        "10:5 securityContext.appArmorProfile is not a field of PodSecurityContext in Kubernetes 1.18 (it "
        "came in 1.30): the API server drops it",
        "17:9 containers[0].securityContext.seccompProfile is not a field of SecurityContext in Kubernetes "
        "1.18 (it came in 1.19): the API server drops it"]


@pytest.mark.parametrize("version", ["1.29", "v1.29", "v1.29.4"])
def test_kube_versions_are_read_as_helm_writes_them(version: str) -> None:
    assert parse_kube_version(version) == (1, 29)


@pytest.mark.parametrize("version", ["2.1", "1.x", "v1.029", "latest", "1"])
def test_a_malformed_kube_version_is_refused(version: str) -> None:
    with pytest.raises(ValueError, match="not a Kubernetes version"):
        parse_kube_version(version)


def test_a_kube_version_that_yaml_read_as_a_number_is_refused() -> None:
    with pytest.raises(ValueError, match=r'must be a string such as "1\.30", got the number 1\.3'):
        lint(NEWER_FIELDS, "invalid-field", options={"KL004": {"kube-version": 1.30}})


def test_what_lies_under_a_field_the_api_server_drops_is_not_reported() -> None:
    # on 1.29 the appArmorProfile field does not exist: Unconfined there confines nothing less
    text = pod("appArmorProfile:\n          type: Unconfined")
    options = {"KL004": {"kube-version": "1.29"}}
    assert [f.rule.name for f in lint(text, "invalid-field", "apparmor-unconfined", options=options)] == [
        "invalid-field"]
    found = lint(text, "invalid-field", "apparmor-unconfined")
    assert [f.rule.name for f in found] == ["apparmor-unconfined"]


def test_metadata_is_checked_on_every_object_and_in_pod_templates() -> None:
    text = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespce: prod
        spec:
          template:
            metadata:
              lables:
                app: web
            spec:
              containers:
                - name: app
                  image: nginx:1.27
        ---
        apiVersion: example.com/v1
        kind: Widget
        metadata:
          name: w
          annotations: [a]
        """
    found = lint(text, "invalid-field")
    assert [f"{f.span.start_line}:{f.span.start_column} {f.message}" for f in found] == [
        "5:3 metadata.namespce is not a field of ObjectMeta: the API server drops it (or rejects the "
        "object); did you mean namespace?",
        "9:7 spec.template.metadata.lables is not a field of ObjectMeta: the API server drops it (or rejects "
        "the object); did you mean labels?",
        "20:3 metadata.annotations is a list where the API expects a mapping: the API server rejects the "
        "object"]


def test_no_rename_into_an_objects_namespace_which_would_make_it_another_object() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespce: prod\n  lables: {}\n"
    found = {f.message.split(" is ")[0]: f.fix for f in lint(text, "invalid-field")}
    assert found["metadata.namespce"] is None and found["metadata.lables"] is not None
