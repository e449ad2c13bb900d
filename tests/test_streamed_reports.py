"""Reports written as the results arrive (every format but JUnit, and --statistics): each input's lines
are out before the next input is linted (SARIF's once the log is complete, from texts made as the
results came), the run's results are not held, and the output is the one the whole-report renderers
give (a `--output` file makes the command line use those)."""

from __future__ import annotations

import gc
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from report_helpers import run
from test_jobs import make_tree

from klint import progress, runner
from klint.cli import main
from klint.config import Settings
from klint.engine import FileResult
from klint.reporters import Report, renderer, writer
from klint.reporters.text import render_statistics, summary
from klint.source import Source

POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  hostIPC: true\n  containers: []\n"


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return make_tree(tmp_path).relative_to(tmp_path)


def spy_on_stdout(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What standard output holds when each outcome is handed to the command line."""
    seen: list[str] = []
    real_run = runner.run

    def spying_run(*args: Any, **kwargs: Any) -> Iterator[runner.Outcome]:
        for outcome in real_run(*args, **kwargs):
            sys.stdout.flush()
            captured: io.BytesIO = sys.stdout.buffer  # type: ignore[assignment]  # CliRunner's
            seen.append(captured.getvalue().decode())
            yield outcome

    monkeypatch.setattr(runner, "run", spying_run)
    return seen


@pytest.mark.parametrize("output_format", ["text", "concise", "full", "github", "json"])
def test_each_files_lines_are_written_before_the_next_file_is_linted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, output_format: str) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.yaml").write_text(POD.format(name=name), encoding="utf-8")
    seen = spy_on_stdout(monkeypatch)
    result = CliRunner().invoke(main, ["--select", "host-ipc", "--format", output_format, "--jobs", "1",
                                       "a.yaml", "b.yaml", "c.yaml"])
    assert result.exit_code == 1
    assert seen[0] == ""
    assert "a.yaml" in seen[1] and "b.yaml" not in seen[1]  # a's lines before b is handed over
    assert "b.yaml" in seen[2] and "c.yaml" not in seen[2]
    assert result.stdout.startswith(seen[2])


@pytest.mark.parametrize("args", [["--format", "junit"], ["--format", "text", "--output", "junit:report.xml"],
                                  ["--statistics"], ["--diff"]])
def test_reports_of_the_whole_run_are_written_at_its_end(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("a", "b"):
        (tmp_path / f"{name}.yaml").write_text(POD.format(name=name), encoding="utf-8")
    seen = spy_on_stdout(monkeypatch)
    result = CliRunner().invoke(main, ["--select", "host-ipc", *args, "a.yaml", "b.yaml"])
    assert result.exit_code == 1
    assert seen == ["", ""] and result.output


CASES = [[], ["-q"], ["--warn-unused-suppressions"], ["--color", "always"], ["-v"], ["--fail-on", "critical"],
         ["--select", "KL1", "--exit-zero"], ["--select", "KL101,KL201", "--show-fixes"]]


@pytest.mark.parametrize("output_format", ["text", "concise", "full", "github", "json", "sarif",
                                           "statistics"])
@pytest.mark.parametrize("options", CASES)
def test_a_streamed_report_is_the_whole_runs(tree: Path, output_format: str, options: list[str]) -> None:
    """The same output, summary and exit code as the report rendered once every result is in (which
    an --output report makes the command line build)."""
    shown = ["--statistics"] if output_format == "statistics" else ["--format", output_format]
    args = [*shown, *options, "--jobs", "1", str(tree)]
    streamed = CliRunner().invoke(main, args)
    whole = CliRunner().invoke(main, [*args, "--output", "junit:report.xml"])
    assert (streamed.exit_code, streamed.stdout, streamed.stderr) == (whole.exit_code, whole.stdout,
                                                                       whole.stderr)
    assert streamed.stdout


def test_fixing_streams_the_report_of_the_fixed_files(tree: Path) -> None:
    plain = CliRunner().invoke(main, ["--fix", "--unsafe-fixes", "--jobs", "1", "--output", "junit:r.xml",
                                      str(tree)])
    make_tree(Path.cwd())  # the files as they were
    streamed = CliRunner().invoke(main, ["--fix", "--unsafe-fixes", "--jobs", "1", str(tree)])
    assert "Fixed " in streamed.stdout
    assert (streamed.exit_code, streamed.stdout, streamed.stderr) == (plain.exit_code, plain.stdout,
                                                                       plain.stderr)


def test_a_report_not_kept_holds_no_result_and_counts_as_the_whole_one(tree: Path) -> None:
    settings = Settings(warn_unused_suppressions=True)
    whole = run(str(tree), settings=settings)
    streamed = Report([], whole.rules, settings, keep=False)
    for result in whole.results:
        streamed.add(result)
    assert streamed.results == []
    assert summary(streamed) == summary(whole) and "errors" in summary(whole)
    assert streamed.exit_code() == whole.exit_code() == 2
    assert streamed.by_severity() == whole.by_severity()
    assert render_statistics(whole, False).endswith(writer("statistics", streamed, False).end())
    for output_format in ("text", "json", "sarif"):
        made = writer(output_format, streamed, False)
        assert "".join(map(made.result, whole.results)) + made.end() == renderer(output_format)(whole, False)


def test_the_bar_is_erased_before_lines_are_written_under_it(tree: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "DELAY", 0.0)
    monkeypatch.setattr(progress, "INTERVAL", 0.0)
    monkeypatch.setattr(progress, "is_terminal", lambda stream: True)
    result = CliRunner().invoke(main, ["--format", "concise", "--jobs", "1", str(tree)])
    assert "inputs" in result.stderr
    mixed = result.output  # standard output and error as a terminal shows them
    for line in result.stdout.splitlines():
        if line:
            at = mixed.index(line)
            assert at == 0 or mixed[at - 1] in "\r\n"  # never after the bar's `… 3/29 inputs`


def test_the_sarif_writer_holds_texts_not_results_or_sources(tree: Path) -> None:
    """Each finding's SARIF text is made as its file comes, while its source is at hand: what the
    writer keeps till the end reaches no result and no source text."""
    whole = run(str(tree))
    assert any(result.source is not None for result in whole.results)
    streamed = Report([], whole.rules, whole.settings, keep=False)
    sarif = writer("sarif", streamed, False)
    for result in whole.results:
        streamed.add(result)
        assert sarif.result(result) == ""
    seen: set[int] = set()
    todo = [value for name, value in vars(sarif).items() if name != "report"]
    while todo:
        value = todo.pop()
        if id(value) in seen or isinstance(value, type | type(gc)):
            continue
        seen.add(id(value))
        assert not isinstance(value, FileResult | Source)
        todo += gc.get_referents(value)
    assert sarif.end() == renderer("sarif")(whole, False)
