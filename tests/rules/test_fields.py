"""invalid-field (KL004): misspelt, misplaced and mistyped fields, against the API's definitions."""

from __future__ import annotations

import pytest
from fixhelpers import fix_text
from helpers import dedent, lint, messages, where

from klint.k8s import api_types

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
