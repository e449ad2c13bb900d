"""The text formats people know from ruff: concise and full (with --show-fixes), --statistics,
--quiet and --silent, and what a run without lintable files says."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import dedent

from klint import runner
from klint.cli import main
from klint.config import Settings
from klint.reporters import describe_object

AGENT = """
    apiVersion: apps/v1
    kind: DaemonSet
    metadata:
      name: agent
    spec:
      template:
        spec:
          hostNetwork: true
          containers:
            - name: app
              image: agent:1.0
"""


@pytest.fixture(autouse=True)
def manifest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "agent.yaml").write_text(dedent(AGENT))


def klint(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_concise_is_one_short_line_a_finding() -> None:
    code, out, _ = klint("--select", "KL201,KL306", "--format", "concise", "agent.yaml")
    assert code == 1
    assert out.splitlines()[:2] == [
        "agent.yaml:8:7: KL201 pod shares the node's network namespace (hostNetwork: true); set hostNetwork: "
        "false or remove it [DaemonSet agent] [unsafe fix]",
        'agent.yaml:10:11: KL306 container "app" has no seccomp profile (neither it nor the pod sets '
        "securityContext.seccompProfile); set seccompProfile.type: RuntimeDefault or Localhost on the pod or "
        "the container [*]",
    ]
    assert out.splitlines()[-2].startswith("Found 2 findings")


def test_full_shows_the_lines_with_carets_and_with_show_fixes_the_diff() -> None:
    _, out, _ = klint("--select", "KL201", "--format", "full", "agent.yaml")
    assert out.splitlines()[:6] == [
        "KL201 host-network [high]: pod shares the node's network namespace (hostNetwork: true); set "
        "hostNetwork: false or remove it",
        "  --> agent.yaml:8:7 (DaemonSet agent)",
        "  7 |     spec:",
        "  8 |       hostNetwork: true",
        "    |       ^^^^^^^^^^^^^^^^^",
        "  9 |       containers:",
    ]
    assert "  = fix (unsafe): remove hostNetwork: true" in out and "-      hostNetwork: true" not in out
    _, shown, _ = klint("--select", "KL201", "--format", "full", "--show-fixes", "agent.yaml")
    assert "  -      hostNetwork: true" in shown.splitlines()


def test_statistics_counts_per_rule() -> None:
    code, out, _ = klint("--select", "KL201,KL306,KL401", "--statistics", "agent.yaml")
    assert code == 1
    assert out.splitlines() == [
        "1  KL201  host-network     [unsafe fix] 1 fixable",
        "1  KL306  seccomp-profile  [*] 1 fixable",
        "1  KL401  run-as-non-root  [unsafe fix] 1 fixable",
        "Found 3 findings (1 high, 2 medium) in 1 of 1 file.",
    ]


def test_quiet_and_silent() -> None:
    code, out, _ = klint("--select", "KL201", "-q", "agent.yaml")
    assert code == 1 and len(out.splitlines()) == 1 and out.startswith("agent.yaml:8:7: HIGH KL201")
    code, out, _ = klint("--select", "KL201", "--silent", "--output", "json:r.json", "agent.yaml")
    assert code == 1 and out == "" and Path("r.json").is_file()


def test_a_run_without_lintable_files_says_so(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    code, out, err = klint("empty")
    assert code == 0 and "no file to lint in empty" in err and "No findings in 0 files" in out


def test_stdin_filename_alone_reads_standard_input_and_verbose_counts_in_words() -> None:
    code, out, err = klint("--select", "KL201", "--stdin-filename", "rendered.yaml", "-v",
                           stdin=dedent(AGENT))
    assert code == 1 and out.startswith("rendered.yaml:8:7: HIGH KL201")
    assert "1 file, 1 document, 1 object" in err and "1 rule," in err


def test_rules_text_is_the_table() -> None:
    assert klint("rules", "--format", "text")[1] == klint("rules")[1]


def test_the_object_is_named_once_the_container_only_where_the_message_does_not() -> None:
    settings = Settings(select=("KL306",))
    (outcome,) = runner.run(("agent.yaml",), settings, settings.enabled_rules())
    (finding,) = outcome.result.findings
    assert finding.container == "app" and describe_object(finding) == "DaemonSet agent"
    unnamed = dataclasses.replace(finding, message="no seccomp profile")  # as a plugin's message may be
    assert describe_object(unnamed) == "DaemonSet agent container app"


def test_quiet_lists_one_line_a_finding_or_error_without_blank_lines() -> None:
    Path("bad.yaml").write_text("kind: [\n")
    Path("other.yaml").write_text(dedent(AGENT).replace("name: agent", "name: other"))
    code, out, _ = klint("--select", "KL201", "-q", "agent.yaml", "bad.yaml", "other.yaml")
    lines = out.splitlines()
    assert code == 2 and len(lines) == 3 and "" not in lines
    assert lines[1].startswith("bad.yaml:2:1: ERROR")


def test_statistics_is_a_table_not_a_machine_format() -> None:
    code, _, err = klint("--statistics", "--format", "sarif", "agent.yaml")
    assert code == 2 and "--statistics prints a table, not sarif" in err


def test_statistics_after_fix_says_what_was_fixed() -> None:
    code, out, _ = klint("--select", "KL201,KL306", "--statistics", "--fix", "agent.yaml")
    assert out.splitlines() == [
        "1  KL201  host-network  [unsafe fix] 1 fixable",
        "Found 1 finding (1 high) in 1 of 1 file.",
        "Fixed 1 finding (1 file changed); 1 remain, 1 of them fixable with `--unsafe-fixes`.",
    ]
    assert code == 1
