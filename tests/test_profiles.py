"""`--profile` and `--pss-version` (and their configuration keys): which rules run, and how the
Pod Security Standards rules evaluate, version by version."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import where

from klint import registry
from klint.cli import main
from klint.config import ConfigError, Settings, from_mapping
from klint.rule import LATEST_PSS_VERSION, Level, Profile, parse_pss_version

DEFAULT_RULES = [rule for rule in registry.all_rules() if not rule.opt_in]  # "every rule" of a run

MANIFEST = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  securityContext:
    sysctls:
      - name: net.ipv4.tcp_rmem
        value: "4096 87380 16777216"
  containers:
    - name: app
      image: nginx:1.27
      livenessProbe:
        httpGet: {host: 10.0.0.1, port: 80}
"""


@pytest.mark.parametrize(("text", "version"), [
    ("latest", LATEST_PSS_VERSION), ("v1.0", (1, 0)), ("v1.19", (1, 19)), ("v1.37", (1, 37)),
    (" v1.25 ", (1, 25)), ("v1.38", LATEST_PSS_VERSION), ("v1.99", LATEST_PSS_VERSION),  # newer: the newest
])
def test_pss_versions_are_spelled_as_the_admission_labels(text: str, version: tuple[int, int]) -> None:
    assert parse_pss_version(text) == version


@pytest.mark.parametrize("text", ["1.30", "v2.0", "v1.05", "v1", "Latest", "", "v1.3x"])
def test_other_pss_versions_are_errors(text: str) -> None:
    with pytest.raises(ValueError, match="unknown Pod Security Standards version"):
        parse_pss_version(text)


def names(settings: Settings) -> set[str]:
    return {rule.name for rule in settings.enabled_rules()}


def test_profiles_nest_and_all_is_the_default() -> None:
    everything = {rule.name for rule in DEFAULT_RULES}
    baseline = names(Settings(profile=Profile.BASELINE))
    restricted = names(Settings(profile=Profile.RESTRICTED))
    assert names(Settings()) == everything
    assert baseline < restricted < everything
    for rule in DEFAULT_RULES:
        in_baseline = rule.pss is Level.BASELINE or rule.checks_input
        assert (rule.name in baseline) == in_baseline, rule.name
        assert (rule.name in restricted) == (in_baseline or rule.pss is Level.RESTRICTED), rule.name
    assert "duplicate-key" in baseline  # the input rules run in every profile
    assert "seccomp-unconfined-anywhere" not in restricted


def test_controls_that_did_not_exist_yet_do_not_run() -> None:
    at = {version: names(Settings(pss_version=version)) for version in [(1, 0), (1, 18), (1, 19), (1, 33),
                                                                          (1, 34), (1, 35)]}
    assert "seccomp-profile" not in at[(1, 18)] and "seccomp-profile" in at[(1, 19)]
    assert "host-probe" not in at[(1, 33)] and "host-probe" in at[(1, 34)]
    assert "proc-mount-user-namespace" not in at[(1, 34)] and "proc-mount-user-namespace" in at[(1, 35)]
    assert "seccomp-unconfined-anywhere" in at[(1, 0)]  # beyond the standard: every version
    for rule in DEFAULT_RULES:
        assert (rule.name in at[(1, 0)]) == (rule.min_pss_version == (1, 0)), rule.name


def test_opt_in_rules_run_only_when_asked_for() -> None:
    assert {"unused-suppression", "blanket-suppression"} == {r.name for r in registry.all_rules() if r.opt_in}
    assert "unused-suppression" not in names(Settings())
    assert {"unused-suppression", "blanket-suppression"} <= names(Settings(warn_unused_suppressions=True))
    assert names(Settings(select=("KL002",))) == {"unused-suppression"}
    assert names(Settings(warn_unused_suppressions=True, ignore=("KL003",))) >= {"unused-suppression"}
    assert "blanket-suppression" not in names(Settings(warn_unused_suppressions=True, ignore=("KL003",)))


def test_rules_receive_the_version() -> None:
    rules = Settings(pss_version=(1, 28)).enabled_rules()
    assert {rule.pss_version for rule in rules} == {(1, 28)}


def test_select_narrows_the_profile() -> None:
    assert names(Settings(select=("KL3",), profile=Profile.BASELINE)) == {
        "apparmor-unconfined", "selinux-options", "proc-mount-unmasked", "seccomp-unconfined",
        "unsafe-sysctl"}


def test_version_changes_findings() -> None:
    # tcp_rmem is safe from v1.32; the probe host check exists from v1.34.
    assert where(MANIFEST, "unsafe-sysctl", "host-probe", pss_version="v1.31") == ["8:9"]
    assert where(MANIFEST, "unsafe-sysctl", "host-probe", pss_version="v1.33") == []
    assert where(MANIFEST, "unsafe-sysctl", "host-probe") == ["14:19"]


def test_configuration_keys() -> None:
    settings = from_mapping({"profile": "restricted", "pss-version": "v1.28"}, ".klint.yaml")
    assert settings.profile is Profile.RESTRICTED and settings.pss_version == (1, 28)
    with pytest.raises(ConfigError, match="unknown profile 'strict'"):
        from_mapping({"profile": "strict"}, ".klint.yaml")
    with pytest.raises(ConfigError, match=r'must be a string such as "v1\.30", got the number 1\.3'):
        from_mapping({"pss-version": 1.30}, ".klint.yaml")  # a YAML float, not a version


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., tuple[int, str]]:
    """`klint ARGS --format json pod.yaml` in a directory holding MANIFEST (and a .klint.yaml)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pod.yaml").write_text(MANIFEST)

    def invoke(*args: str, config: str | None = None) -> tuple[int, str]:
        if config is not None:
            (tmp_path / ".klint.yaml").write_text(textwrap.dedent(config))
        result = CliRunner().invoke(main, [*args, "--format", "json", "pod.yaml"])
        return result.exit_code, result.output

    return invoke


def codes(output: str) -> list[str]:
    return [finding["rule"] for finding in json.loads(output)["findings"]]


def test_cli_pss_version_and_profile(run: Callable[..., tuple[int, str]]) -> None:
    status, output = run("--select", "unsafe-sysctl,host-probe", "--pss-version", "v1.31")
    assert status == 1 and codes(output) == ["unsafe-sysctl"]
    status, output = run("--select", "unsafe-sysctl,host-probe", "--pss-version", "latest")
    assert codes(output) == ["host-probe"]
    status, output = run("--profile", "baseline")
    assert "seccomp-profile" not in codes(output) and "host-probe" in codes(output)
    status, output = run("--profile", "restricted")
    assert "seccomp-profile" in codes(output) and "read-only-root-filesystem" not in codes(output)


def test_cli_flags_override_the_configuration(run: Callable[..., tuple[int, str]]) -> None:
    config = "profile: baseline\npss-version: v1.31\n"
    _, output = run(config=config)
    assert "unsafe-sysctl" in codes(output) and "seccomp-profile" not in codes(output)
    _, output = run("--profile", "all", "--pss-version", "v1.34", config=config)
    assert "unsafe-sysctl" not in codes(output) and "seccomp-profile" in codes(output)


@pytest.mark.parametrize(("args", "message"), [
    (("--pss-version", "1.30"), "unknown Pod Security Standards version '1.30'"),
    (("--profile", "strict"), "'strict' is not one of 'baseline', 'restricted', 'all'"),
])
def test_cli_bad_values_exit_2(run: Callable[..., tuple[int, str]], args: tuple[str, ...],
                               message: str) -> None:
    status, output = run(*args)
    assert status == 2 and message in output


def test_rules_json_exposes_level_check_version_and_profile() -> None:
    result = CliRunner().invoke(main, ["rules", "--format", "json"])
    rules = {rule["name"]: rule for rule in json.loads(result.output)}
    assert rules["host-probe"]["pss"] == "baseline"
    assert rules["host-probe"]["psaCheck"] == "hostProbesAndHostLifecycle"
    assert rules["host-probe"]["pssMinimumVersion"] == "v1.34"
    assert rules["seccomp-profile"]["pssMinimumVersion"] == "v1.19"
    assert rules["seccomp-profile"]["profile"] == "restricted"
    assert rules["seccomp-unconfined-anywhere"]["pssMinimumVersion"] is None
    assert rules["seccomp-unconfined-anywhere"]["profile"] == "all"


def test_a_newer_pss_version_is_evaluated_as_the_newest_with_a_note(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(MANIFEST)
    result = CliRunner().invoke(main, ["--pss-version", "v1.99", str(tmp_path / "pod.yaml")])
    assert result.exit_code == 1
    note = "--pss-version v1.99 is newer than the newest version klint knows; evaluated as v1.37"
    assert note in result.stderr
