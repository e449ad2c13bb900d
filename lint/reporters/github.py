"""GitHub Actions workflow commands (`--format github`): each finding becomes an annotation on its
file and lines in the pull request and the run summary.

    ::error file=deploy/web.yaml,line=12,col=11,endLine=12,endColumn=27,title=KL101 privileged-container::…

Paths are relative to the repository root (see `repository_root`), as GitHub wants them. Critical
and high findings are errors, medium ones warnings, low ones notices. Suppressed findings are left out.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from klint.reporters import (
    LEVELS,
    Report,
    describe_finding,
    printable,
    repository_path,
    repository_root,
    written,
)

if TYPE_CHECKING:
    from klint.engine import FileResult

COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(text: str) -> str:
    """The message after `::`: GitHub decodes %25, %0D and %0A."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A `key=value` property: as data, and `:` and `,` too (they end a value)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **properties: str | int | None) -> str:
    message = printable(message)  # one line, and no terminal escapes from a manifest in the log
    fields = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items()
                      if value is not None)
    return f"::{name} {fields}::{escape_data(message)}" if fields else f"::{name}::{escape_data(message)}"


class GithubWriter:
    """The workflow commands of each input as it arrives; nothing at the end (no summary)."""

    def __init__(self, report: Report, color: bool) -> None:
        self.root = repository_root()

    def result(self, result: FileResult) -> str:
        root = self.root
        path = _path(result.path, root)
        # a chart's findings and problems are in its templates, not at the chart's path
        lines = [command("error", problem.message, file=_path(problem.path, root), line=problem.line,
                         col=problem.column,
                         title="klint: input error") for problem in result.problems]
        if result.skipped:
            lines.append(command("notice", result.skipped, file=path, title="klint: skipped"))
        for finding in result.findings:
            if finding.suppressed:
                continue
            span = finding.span
            lines.append(command(
                COMMANDS[LEVELS[finding.severity]], describe_finding(finding),
                file=_path(finding.path, root), line=span.start_line, col=span.start_column,
                endLine=span.end_line,
                endColumn=span.end_column, title=f"{finding.rule.code} {finding.rule.name}"))
        return "".join(line + "\n" for line in lines)

    def end(self) -> str:
        return ""


def render(report: Report, color: bool) -> str:
    return written(GithubWriter(report, color), report)


def _path(path: str, root: Path) -> str:
    return repository_path(path, root) or path
