"""`--format github`: workflow commands that GitHub Actions turns into annotations."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from report_helpers import (
    BROKEN,
    HELM_TEMPLATE,
    HOST_IPC_POD,
    PRIVILEGED_DEPLOYMENT,
    repo,
    run,
    with_findings,
)

from klint.cli import main
from klint.config import Settings
from klint.engine import Suppression
from klint.reporters import renderer
from klint.reporters.github import command, escape_data, escape_property
from klint.rule import Severity

COMMAND = re.compile(r"::(?P<name>error|warning|notice)(?: (?P<properties>[^:]*))?::(?P<message>.*)")


def unescape(text: str) -> str:
    """What the runner does to a value (toolkit/packages/core: `%3A`, `%2C`, `%0D`, `%0A`, `%25`)."""
    return (text.replace("%3A", ":").replace("%2C", ",").replace("%0D", "\r").replace("%0A", "\n")
            .replace("%25", "%"))


def parse(output: str) -> list[dict[str, str]]:
    """Each line as the runner reads it: the command name, its properties and the message."""
    commands = []
    for line in output.splitlines():
        match = COMMAND.fullmatch(line)
        assert match, line
        properties = dict(item.split("=", 1) for item in (match["properties"] or "").split(",") if item)
        commands.append({"command": match["name"], "message": unescape(match["message"]),
                         **{key: unescape(value) for key, value in properties.items()}})
    return commands


def github(settings: Settings, *paths: str) -> list[dict[str, str]]:
    return parse(renderer("github")(run(*paths, settings=settings), False))


def test_a_finding_is_an_annotation_with_its_span(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    repo(tmp_path, monkeypatch, {"deploy/web.yaml": PRIVILEGED_DEPLOYMENT})
    output = renderer("github")(run("deploy", settings=Settings(select=("KL101",))), False)
    assert output.startswith("::error file=deploy/web.yaml,line=13,col=13,endLine=13,endColumn=29,"
                             "title=KL101 privileged-container::container ")
    (annotation,) = parse(output)
    assert annotation["message"].endswith("set it to false [Deployment prod/web]")


@pytest.mark.parametrize(("severity", "name"), [
    (Severity.CRITICAL, "error"), (Severity.HIGH, "error"), (Severity.MEDIUM, "warning"),
    (Severity.LOW, "notice"),
])
def test_severity_maps_to_the_command(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                      severity: Severity, name: str) -> None:
    repo(tmp_path, monkeypatch, {"pod.yaml": HOST_IPC_POD})
    (annotation,) = github(Settings(select=("host-ipc",), severity={"KL203": severity}), "pod.yaml")
    assert annotation["command"] == name


def test_paths_are_relative_to_the_repository_root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    repo(tmp_path, monkeypatch, {"k8s/dev/pod.yaml": HOST_IPC_POD}, cwd="k8s")
    (annotation,) = github(Settings(select=("host-ipc",)), "dev")
    assert annotation["file"] == "k8s/dev/pod.yaml"


def test_input_errors_and_skipped_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    repo(tmp_path, monkeypatch, {"broken.yaml": BROKEN, "chart/templates/pod.yaml": HELM_TEMPLATE})
    report = run(".", settings=Settings(select=("host-ipc",)))
    (problem,) = report.problems
    error, notice = parse(renderer("github")(report, False))
    assert error == {"command": "error", "file": "broken.yaml", "line": str(problem.line),
                     "col": str(problem.column), "title": "klint: input error", "message": problem.message}
    assert notice["command"] == "notice" and notice["file"] == "chart/templates/pod.yaml"
    assert "raw Helm template" in notice["message"]


def test_suppressed_findings_are_not_annotated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    repo(tmp_path, monkeypatch, {"pod.yaml": HOST_IPC_POD})
    report = run("pod.yaml", settings=Settings(select=("host-ipc",)))
    assert renderer("github")(with_findings(report, {"suppressed": Suppression(True)}), False) == ""


def test_escaping_follows_the_runner() -> None:
    assert escape_data("100% a\r\nb: c, d") == "100%25 a%0D%0Ab: c, d"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    line = command("warning", "50%: x, y", file="dir,1/a:b.yaml", line=3, col=None, title="T: 1, 2")
    assert line == "::warning file=dir%2C1/a%3Ab.yaml,line=3,title=T%3A 1%2C 2::50%25: x, y"
    assert parse(line) == [{"command": "warning", "file": "dir,1/a:b.yaml", "line": "3", "title": "T: 1, 2",
                            "message": "50%: x, y"}]


def test_messages_are_one_line_without_terminal_escapes() -> None:
    """A name from a manifest cannot end the command early, or colour or rewrite the job's log."""
    line = command("error", "pod \"a\nb\x1b[31m\u202e\"", file="a.yaml")
    assert line == '::error file=a.yaml::pod "a\\nb\\x1b[31m\\u202e"'
    assert parse(line)[0]["message"] == 'pod "a\\nb\\x1b[31m\\u202e"'


def test_a_file_name_with_a_comma_round_trips(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    repo(tmp_path, monkeypatch, {"a,b:c%.yaml": HOST_IPC_POD})
    (annotation,) = github(Settings(select=("host-ipc",)), ".")
    assert annotation["file"] == "a,b:c%.yaml"


def test_cli_format_github(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    repo(tmp_path, monkeypatch, {"pod.yaml": HOST_IPC_POD})
    outcome = CliRunner().invoke(main, ["--format", "github", "--select", "host-ipc", "pod.yaml"])
    assert outcome.exit_code == 1
    assert [a["title"] for a in parse(outcome.output)] == ["KL203 host-ipc"]
