"""Configuration: `.klint.yaml` found upward, `[tool.klint]` in pyproject.toml, `--config`, rule
selection by code, name and prefix, severity overrides, per-rule options, errors, and flags winning."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from klint import config, registry
from klint.cli import main
from klint.config import ConfigError, Settings, from_mapping
from klint.rule import Rule, Severity

MANIFEST = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  hostNetwork: true
  hostPID: true
  containers:
    - name: app
      image: nginx:1.27
      securityContext:
        privileged: true
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def codes(settings: Settings) -> list[str]:
    return [rule.code for rule in settings.enabled_rules()]


# --- finding the file ----------------------------------------------------------------------------

def test_klint_yaml_is_found_from_the_current_directory_upward(tmp_path: Path) -> None:
    found = write(tmp_path / "repo" / ".klint.yaml", "select: [host-pid]\n")
    (tmp_path / "repo" / "deploy" / "prod").mkdir(parents=True)
    settings = config.load(cwd=tmp_path / "repo" / "deploy" / "prod")
    assert settings.origin == str(found)
    assert codes(settings) == ["KL202"]


def test_klint_yml_and_precedence_over_pyproject(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.klint]\nselect = ['host-ipc']\n")
    found = write(tmp_path / ".klint.yml", "select: [host-pid]\n")
    assert config.find_config(tmp_path) == found


def test_pyproject_tool_klint(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", """
        [project]
        name = "x"

        [tool.klint]
        select = ["KL2"]
        ignore = ["host-pid"]
        fail-on = "high"

        [tool.klint.severity]
        host-network = "low"
        """)
    settings = config.load(cwd=tmp_path)
    assert settings.origin == str(tmp_path / "pyproject.toml")
    assert "KL202" not in codes(settings) and {"KL201", "KL203"} <= set(codes(settings))
    assert settings.fail_on is Severity.HIGH
    assert settings.severity_of(registry.find("host-network")) is Severity.LOW  # type: ignore[arg-type]


def test_a_pyproject_without_tool_klint_does_not_stop_the_search(tmp_path: Path) -> None:
    found = write(tmp_path / ".klint.yaml", "ignore: [KL1]\n")
    write(tmp_path / "app" / "pyproject.toml", "[project]\nname = 'app'\n")
    assert config.find_config(tmp_path / "app") == found


def test_no_file_means_defaults(tmp_path: Path) -> None:
    settings = config.load(cwd=tmp_path)
    assert settings == Settings()
    assert codes(settings) == [rule.code for rule in registry.all_rules()
                               if settings.profile.includes(rule.profile()) and not rule.opt_in]


def test_explicit_config_file(tmp_path: Path) -> None:
    named = write(tmp_path / "ci" / "klint-ci.yaml", "select: [KL101]\n")
    write(tmp_path / ".klint.yaml", "select: [host-pid]\n")
    assert codes(config.load(named, cwd=tmp_path)) == ["KL101"]


def test_an_empty_file_is_the_defaults(tmp_path: Path) -> None:
    empty = write(tmp_path / ".klint.yaml", "# nothing configured yet\n")
    assert config.load(empty).select == ()


# --- what it says --------------------------------------------------------------------------------

@pytest.mark.parametrize(("select", "expected"), [
    (["KL101"], ["KL101"]),
    (["kl101"], ["KL101"]),
    (["privileged-container"], ["KL101"]),
    (["host-pid", "KL203"], ["KL202", "KL203"]),
])
def test_select_by_code_and_name(select: list[str], expected: list[str]) -> None:
    assert codes(from_mapping({"select": select}, "test")) == expected


def test_select_and_ignore_by_prefix() -> None:
    selected = codes(from_mapping({"select": ["KL2"]}, "test"))
    assert {"KL201", "KL202", "KL203"} <= set(selected)
    assert all(code.startswith("KL2") for code in selected)
    ignored = codes(from_mapping({"ignore": ["KL2", "duplicate-key"]}, "test"))
    assert not any(code.startswith("KL2") for code in ignored)
    assert "KL001" not in ignored and "KL101" in ignored
    assert codes(from_mapping({"select": "KL101"}, "test")) == ["KL101"]  # one string is a list of one


def test_severity_overrides_by_name_and_code() -> None:
    settings = from_mapping({"severity": {"privileged-container": "low", "KL201": "Critical"}}, "test")
    privileged, host_network = registry.find("KL101"), registry.find("host-network")
    assert privileged is not None and host_network is not None
    assert settings.severity_of(privileged) is Severity.LOW
    assert settings.severity_of(host_network) is Severity.CRITICAL
    assert settings.severity_of(registry.find("host-pid")) is Severity.HIGH  # type: ignore[arg-type]


def test_exclude_globs() -> None:
    assert from_mapping({"exclude": ["vendor", "charts/*/tests/*"]}, "test").exclude == (
        "vendor", "charts/*/tests/*")
    assert from_mapping({"exclude": "vendor"}, "test").exclude == ("vendor",)


class OptionsExample(Rule):
    """A rule class with options; it has no `code`, so it is not registered."""

    name = "options-example"
    options = {"paths": ("/etc",), "limit": 3, "strict": False}


def test_rule_options_are_checked_against_the_rules_defaults() -> None:
    assert config._rule_options(OptionsExample, {"paths": ["/srv", "/data"], "limit": 5}) == {
        "paths": ("/srv", "/data"), "limit": 5}
    with pytest.raises(ConfigError, match="no option 'depth'"):
        config._rule_options(OptionsExample, {"depth": 1})
    with pytest.raises(ConfigError, match="must be a int"):
        config._rule_options(OptionsExample, {"limit": "many"})
    with pytest.raises(ConfigError, match="must be a bool"):
        config._rule_options(OptionsExample, {"strict": "yes please"})


def test_every_registered_rule_accepts_its_own_defaults() -> None:
    for rule in registry.all_rules():
        defaults = {key: list(value) if isinstance(value, tuple) else value
                    for key, value in rule.options.items()}
        settings = from_mapping({"rules": {rule.name: defaults}}, "test")
        assert settings.rule_options[rule.code] == dict(rule.options)
        enabled = {r.code: r for r in from_mapping({"select": [rule.code], "rules": {rule.code: defaults}},
                                                   "test").enabled_rules()}
        if rule.code in enabled:  # (a rule for a later Pod Security Standards version may be off)
            assert enabled[rule.code].config == dict(rule.options)


@pytest.mark.parametrize(("data", "message"), [
    ({"selct": ["KL101"]}, "unknown key 'selct'"),
    ({"select": ["KL999"]}, "unknown rule 'KL999'"),
    ({"ignore": ["no-such-rule"]}, "unknown rule 'no-such-rule'"),
    ({"select": [101]}, "must be a list of strings"),
    ({"severity": {"no-such-rule": "low"}}, "unknown rule 'no-such-rule'"),
    ({"severity": {"KL1": "low"}}, "unknown rule 'KL1'"),  # overrides name one rule, not a prefix
    ({"severity": {"host-pid": "urgent"}}, "unknown severity 'urgent'"),
    ({"severity": ["host-pid"]}, "must be a mapping"),
    ({"rules": {"privileged-container": {"paths": ["/x"]}}}, "no option 'paths'"),
    ({"rules": {"no-such-rule": {}}}, "unknown rule 'no-such-rule'"),
    ({"fail-on": "sometimes"}, "unknown severity"),
    (["select"], "must be a mapping"),
])
def test_mistakes_are_errors(data: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        from_mapping(data, "my.yaml")
    assert str(info.value).startswith("my.yaml: ")


def test_unreadable_config_files_are_errors(tmp_path: Path) -> None:
    broken = write(tmp_path / "broken.yaml", "select: [KL101\nignore: []\n")
    with pytest.raises(ConfigError, match=r"broken\.yaml:2:7: "):
        config.load(broken)
    two = write(tmp_path / "two.yaml", "select: [KL101]\n---\nignore: [KL2]\n")
    with pytest.raises(ConfigError, match="one YAML document"):
        config.load(two)
    with pytest.raises(ConfigError, match="cannot read"):
        config.load(tmp_path / "missing.yaml")
    write(tmp_path / "pyproject.toml", "[tool.klint\n")
    with pytest.raises(ConfigError, match=r"pyproject\.toml"):
        config.load(cwd=tmp_path)


def test_flag_values_replace_or_add_to_the_settings() -> None:
    settings = from_mapping({"select": ["KL101"], "exclude": ["vendor"], "severity": {"host-pid": "low"}},
                            "test")
    flagged = settings.override(select=("host-network, host-pid",), exclude=("generated",),
                                severity=("KL201=critical,host-pid=medium",), fail_on="high")
    assert flagged.select == ("host-network", "host-pid") and flagged.exclude == ("vendor", "generated")
    assert flagged.severity == {"KL202": Severity.MEDIUM, "KL201": Severity.CRITICAL}
    assert flagged.fail_on is Severity.HIGH and flagged.ignore == ()
    assert settings.override() == settings
    with pytest.raises(ConfigError, match="RULE=LEVEL"):
        settings.override(severity=("host-pid",))
    with pytest.raises(ConfigError, match="unknown rule 'KL2'"):
        settings.override(severity=("KL2=low",))


# --- through the command line --------------------------------------------------------------------

def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    write(tmp_path / "pod.yaml", MANIFEST)
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def rules_reported(output: str) -> list[str]:
    return sorted({line.split()[2] for line in output.splitlines() if line.startswith("pod.yaml:")})


@pytest.mark.parametrize(("content", "message"), [
    ("colour: always\n", "unknown key 'colour'"),
    ("select: [KL999]\n", "unknown rule 'KL999'"),
    ("rules:\n  host-pid:\n    allow: true\n", "no option 'allow'"),
    ("select: [KL101\n", ".klint.yaml:2:1"),
])
def test_config_errors_exit_2_with_a_clear_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   content: str, message: str) -> None:
    write(tmp_path / ".klint.yaml", content)
    code, output = run(tmp_path, monkeypatch, "pod.yaml")
    assert code == 2
    assert message in output and "Traceback" not in output and "Usage:" not in output


def test_a_misspelt_configuration_key_names_the_one_meant(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / ".klint.yaml", "selct: [KL101]\n")
    code, output = run(tmp_path, monkeypatch, "pod.yaml")
    assert code == 2 and "unknown key 'selct'; did you mean 'select'?" in output


def test_flags_override_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / ".klint.yaml", """
        select: [host-pid, KL101]
        severity:
          host-network: low
        fail-on: critical
        """)
    code, output = run(tmp_path, monkeypatch, "pod.yaml")
    assert rules_reported(output) == ["KL101", "KL202"] and code == 1  # KL101 is critical

    code, output = run(tmp_path, monkeypatch, "--select", "host-network,host-pid", "pod.yaml")
    assert rules_reported(output) == ["KL201", "KL202"]
    assert "LOW KL201" in output  # the file's severity override still applies
    assert code == 0  # nothing at the file's fail-on: critical

    code, output = run(tmp_path, monkeypatch, "--select", "host-network", "--fail-on", "low", "pod.yaml")
    assert code == 1

    code, output = run(tmp_path, monkeypatch, "--severity", "host-network=high", "--select", "KL201",
                       "pod.yaml")
    assert "HIGH KL201" in output

    code, output = run(tmp_path, monkeypatch, "--ignore", "KL101", "pod.yaml")
    assert rules_reported(output) == ["KL202"]


def test_config_flag_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / ".klint.yaml", "select: [host-pid]\n")
    write(tmp_path / "strict.yaml", "select: [host-network]\n")
    code, output = run(tmp_path, monkeypatch, "--config", "strict.yaml", "pod.yaml")
    assert rules_reported(output) == ["KL201"]
    code, output = run(tmp_path, monkeypatch, "--config", "missing.yaml", "pod.yaml")
    assert code == 2 and "missing.yaml" in output


def test_exclude_from_the_file_and_the_command_line_add_up(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / ".klint.yaml", "exclude: [vendor]\n")
    write(tmp_path / "vendor" / "pod.yaml", MANIFEST)
    write(tmp_path / "generated" / "pod.yaml", MANIFEST)
    _, output = run(tmp_path, monkeypatch, "--select", "KL101", "--exclude", "generated", ".")
    assert [line.split(":")[0] for line in output.splitlines() if "KL101" in line] == ["./pod.yaml"]


def test_the_readme_example_config_is_valid(tmp_path: Path) -> None:
    """The `.klint.yaml` shown in the README loads, and each of its keys takes effect."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    example = readme.split("# .klint.yaml\n", 1)[1].split("```", 1)[0]
    settings = config.load(cwd=write(tmp_path / ".klint.yaml", example).parent)
    assert settings.fail_on is Severity.HIGH
    assert "KL202" not in codes(settings)  # ignore: [host-pid]
    assert settings.rule_options["KL503"]["public-paths"] == ("/etc/ssl/certs", "/etc/localtime")
