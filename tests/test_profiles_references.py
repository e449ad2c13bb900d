"""Manifests' Localhost seccomp and AppArmor references (KL821, KL822): the path or name as the API
server and the kubelet read it, and with --seccomp-root / --apparmor-dir the profile files themselves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import apply, lint

from klint.cli import main
from klint.config import ConfigError, from_mapping

SECCOMP = """
apiVersion: v1
kind: Pod
metadata:
  name: web
  annotations:
    seccomp.security.alpha.kubernetes.io/pod: localhost/../escape.json
    container.seccomp.security.alpha.kubernetes.io/app: localhost/
spec:
  securityContext:
    seccompProfile:
      type: Localhost
      localhostProfile: /var/lib/kubelet/seccomp/web.json
  containers:
    - name: app
      image: nginx:1.27
      securityContext:
        seccompProfile:
          type: Localhost
    - name: good
      image: nginx:1.27
      securityContext:
        seccompProfile:
          type: Localhost
          localhostProfile: profiles/web.json
"""


def test_localhost_seccomp_paths_as_the_api_server_reads_them() -> None:
    found = [(f"{f.span.start_line}:{f.span.start_column}", f.container, f.message)
             for f in lint(SECCOMP, "seccomp-localhost-profile")]
    assert [(at, container) for at, container, _ in found] == [
        ("6:5", None), ("7:5", "app"), ("12:7", None), ("18:11", "app")]
    assert "must not contain '..'" in found[0][2]
    assert "has no path" in found[1][2] and "has no path" in found[3][2]
    assert found[2][2] == (
        "pod (securityContext.seccompProfile.localhostProfile): the Localhost seccomp profile "
        '"/var/lib/kubelet/seccomp/web.json" must be a relative path (under the kubelet\'s seccomp root, '
        "/var/lib/kubelet/seccomp)")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    profiles = tmp_path / "seccomp" / "profiles"
    profiles.mkdir(parents=True)
    (profiles / "web.json").write_text(json.dumps(
        {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}))
    (profiles / "bad.json").write_text('{\n  "defaultAction": "SCMP_ACT_DENY",\n  "syscalls": []\n}\n')
    (profiles / "notjson.json").write_text("defaultAction: SCMP_ACT_ERRNO\nsyscalls: []\n")
    (profiles / "other.json").write_text('{"kind": "not a profile"}')
    return tmp_path / "seccomp"


POD = """
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
{containers}
"""


def pod(*profiles: str) -> str:
    return POD.format(containers="\n".join(
        f"    - name: c{index}\n      image: nginx:1.27\n      securityContext:\n        seccompProfile:\n"
        f"          type: Localhost\n          localhostProfile: {profile}"
        for index, profile in enumerate(profiles)))


def test_with_a_seccomp_root_the_file_must_exist_and_be_valid(root: Path) -> None:
    text = pod("profiles/web.json", "profiles/missing.json", "profiles/bad.json", "profiles/notjson.json",
               "profiles/other.json", "profiles")
    messages = [(f.container, f.message.split("profile ", 1)[1])
                for f in lint(text, "KL821", options={"KL821": {"seccomp-root": str(root)}})]
    assert messages == [
        ("c1", f'"profiles/missing.json" is not a file under the seccomp root {root}'),
        ("c2", '"profiles/bad.json" is not a valid seccomp profile (2:3: unknown seccomp action '
               '"SCMP_ACT_DENY" in defaultAction (did you mean SCMP_ACT_ERRNO?))'),
        ("c3", '"profiles/notjson.json" is not valid JSON (Expecting value: line 1 column 1 (char 0))'),
        ("c4", '"profiles/other.json" is not a seccomp profile (no defaultAction and syscalls)'),
        ("c5", f'"profiles" is not a file under the seccomp root {root}'),
    ]
    assert lint(text, "KL821") == []  # without a root only the paths are judged


def test_operator_profiles_resolve_against_the_inputs_objects(root: Path) -> None:
    text = pod("operator/prod/web.json", "operator/prod/other.json") + """---
apiVersion: security-profiles-operator.x-k8s.io/v1beta1
kind: SeccompProfile
metadata:
  name: web
  namespace: prod
spec:
  defaultAction: SCMP_ACT_ERRNO
"""
    options = {"KL821": {"seccomp-root": str(root)}}
    assert [f.container for f in lint(text, "KL821", options=options)] == ["c1"]


APPARMOR = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    metadata:
      annotations:
        container.apparmor.security.beta.kubernetes.io/app: localhost/k8s-web
        container.apparmor.security.beta.kubernetes.io/side: localhost/k8s-wbe
        container.apparmor.security.beta.kubernetes.io/init: localhost/
    spec:
      securityContext:
        appArmorProfile:
          type: Localhost
          localhostProfile: k8s-web//hat
      containers:
        - name: app
          image: nginx:1.27
          securityContext:
            appArmorProfile:
              type: Localhost
              localhostProfile: " "
        - name: side
          image: nginx:1.27
          securityContext:
            appArmorProfile:
              type: Localhost
"""


def test_localhost_apparmor_names(tmp_path: Path) -> None:
    (tmp_path / "web.apparmor").write_text("profile k8s-web flags=(attach_disconnected) {\n  ^hat {\n }\n}\n")
    plain = [(f.container, f.message.split(": the ", 1)[1])
             for f in lint(APPARMOR, "apparmor-localhost-profile")]
    assert plain == [("init", "Localhost AppArmor profile has no name (name a profile loaded on the node)"),
                     ("app", "Localhost AppArmor profile has no name (name a profile loaded on the node)"),
                     ("side", "Localhost AppArmor profile has no name (name a profile loaded on the node)")]
    options = {"KL822": {"apparmor-dir": str(tmp_path)}}
    found = [(f"{f.span.start_line}:{f.span.start_column}", f.message)
             for f in lint(APPARMOR, "KL822", options=options)]
    assert len(found) == 4
    assert found[0] == ("10:9", "annotation container.apparmor.security.beta.kubernetes.io/side: the "
                                f'Localhost AppArmor profile "k8s-wbe" is not defined by any profile in '
                                f"{tmp_path} (did you mean k8s-web?)")


def test_the_command_line_flags_and_their_errors(root: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(pod("profiles/missing.json"))
    result = CliRunner().invoke(main, ["--seccomp-root", str(root), "--select", "KL821", str(manifest)])
    assert result.exit_code == 1 and "is not a file under the seccomp root" in result.output
    result = CliRunner().invoke(main, ["--seccomp-root", str(tmp_path / "nowhere"), str(manifest)])
    assert result.exit_code == 2 and "is not a directory" in result.output
    result = CliRunner().invoke(main, ["--apparmor-dir", str(manifest), str(manifest)])
    assert result.exit_code == 2


def test_the_roots_can_be_configured(root: Path) -> None:
    settings = from_mapping({"rules": {"seccomp-localhost-profile": {"seccomp-root": str(root)}}}, "x")
    assert settings.rule_options["KL821"] == {"seccomp-root": str(root)}
    with pytest.raises(ConfigError, match="not a directory"):
        from_mapping({"rules": {"apparmor-localhost-profile": {"apparmor-dir": "/nonexistent"}}}, "x")


DEPRECATED = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    metadata:
      annotations:
        seccomp.security.alpha.kubernetes.io/pod: runtime/default
        container.seccomp.security.alpha.kubernetes.io/side: localhost/profiles/side.json
        container.seccomp.security.alpha.kubernetes.io/gone: runtime/default
        container.apparmor.security.beta.kubernetes.io/app: localhost/k8s-web
        container.apparmor.security.beta.kubernetes.io/side: runtime/default
        container.apparmor.security.beta.kubernetes.io/init: unconfined
    spec:
      initContainers:
        - name: init
          image: busybox:1.36
      containers:
        - name: app
          image: nginx:1.27
        - name: side
          image: nginx:1.27
          securityContext:
            appArmorProfile:
              type: Localhost
              localhostProfile: other
"""


def test_deprecated_annotations_point_at_the_annotation_and_write_the_field() -> None:
    found = lint(DEPRECATED, "deprecated-profile-annotation")
    assert [(f"{f.span.start_line}:{f.span.start_column}", f.container,
             f.fix.applicability.value if f.fix else None) for f in found] == [
        ("9:9", None, "safe"), ("10:9", "side", "safe"), ("12:9", "app", "safe"), ("13:9", "side", None)]
    assert found[0].field_path == "spec.template.spec.securityContext.seccompProfile"
    assert "contradicts securityContext.appArmorProfile" in found[3].message
    fixed = apply(DEPRECATED, found[2].fix)  # type: ignore[arg-type]
    assert "          securityContext:\n            appArmorProfile:\n              type: Localhost\n" \
           "              localhostProfile: k8s-web\n" in fixed
    after = lint(fixed, "deprecated-profile-annotation")
    redundant = [f for f in after if f.container == "app"]
    assert [f.fix.applicability.value for f in redundant if f.fix] == ["unsafe"]
    assert "repeats securityContext.appArmorProfile; remove it" in redundant[0].message


def test_deprecated_annotations_follow_the_kubernetes_version() -> None:
    assert lint(DEPRECATED, "KL823", pss_version="v1.18") == []
    assert [f.span.start_line for f in lint(DEPRECATED, "KL823", pss_version="v1.29")] == [9, 10]


def test_the_bundled_profile_examples_as_the_readme_runs_them() -> None:
    project = Path(__file__).resolve().parents[1]
    examples = project / "examples"
    result = CliRunner().invoke(main, [
        "--format", "json", str(examples / "profiles"),
        str(examples / "insecure" / "localhost-profiles.yaml"),
        "--seccomp-root", str(examples / "profiles" / "seccomp"),
        "--apparmor-dir", str(examples / "profiles" / "apparmor")])
    report = json.loads(result.output)
    by_file: dict[str, set[str]] = {}
    for finding in report["findings"]:
        by_file.setdefault(Path(finding["location"]["path"]).name, set()).add(finding["code"])
    assert by_file == {
        "debug.apparmor": {"KL811", "KL812", "KL813"},
        "recorded.json": {"KL801", "KL802", "KL803"},
        "localhost-profiles.yaml": {"KL821", "KL822"},
    }  # web.json and k8s-web.apparmor are clean
    assert report["summary"]["files"] == 5 and report["errors"] == []
