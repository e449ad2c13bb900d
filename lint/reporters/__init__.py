"""Reporters turn a finished run into text; each format is one module with a `render` function."""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from klint.rule import Rule, Severity

if TYPE_CHECKING:  # the command line imports FORMATS: none of the engine
    from klint.config import Settings
    from klint.engine import FileResult, Finding, Problem
    from klint.fix import Applicability
    from klint.fixer import FixSummary

# Control characters, and the bidirectional overrides that reorder what a terminal shows: names and
# values come from the manifests, which must not write escape sequences or fake lines into a report.
UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]")


def printable(text: str) -> str:
    """`text` with each unprintable character escaped as Python writes it (`\\x1b`, `\\u202e`)."""
    return UNPRINTABLE.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)


@dataclass
class Report:
    results: list[FileResult]
    rules: list[Rule]  # the enabled rules
    settings: Settings  # the run's: configured severities, fail-on
    fixes: FixSummary | None = None  # what --fix / --diff did; None in a plain lint run
    show_fixes: bool = False  # `--show-fixes`: the `full` format shows each fix as a diff
    quiet: bool = False  # `--quiet`: the text formats print the findings without the summary
    verbose: bool = False  # --verbose: text also shows where a finding in a render sits in it

    def severity_of(self, rule: Rule) -> Severity:
        return self.settings.severity_of(rule)

    def fixable(self, applicability: Applicability) -> int:
        """Findings that count with a fix of that applicability that `--fix` can apply."""
        return sum(1 for f in self.active if f.fix is not None
                   and f.fix.applicable and f.fix.applicability is applicability)

    @property
    def findings(self) -> list[Finding]:
        """Every finding, suppressed ones included (SARIF and JSON show those as such)."""
        return [finding for result in self.results for finding in result.findings]

    @property
    def active(self) -> list[Finding]:
        """The findings that count: not suppressed. Summaries, fixes and the exit code use these."""
        return [finding for finding in self.findings if finding.suppressed is None]

    def fails(self, fail_on: Severity) -> bool:
        """Whether a finding that counts is at or above `fail_on` (exit code 1)."""
        return any(finding.severity >= fail_on for finding in self.active)

    def exit_code(self) -> int:
        """2 when some input could not be read; 1 when a finding that counts (that remains, after
        --fix) is at or above the fail-on severity, or, with --diff or --exit-non-zero-on-fix, when
        fixes changed (or would change) files; else 0."""
        if self.problems:
            return 2
        changed = self.fixes is not None and self.fixes.fail_on_change and self.fixes.files_changed > 0
        return 1 if changed or self.fails(self.settings.fail_on) else 0

    @property
    def suppressed(self) -> int:
        return len(self.findings) - len(self.active)

    @property
    def baseline_unmatched(self) -> int:
        """How many of the baseline's findings no finding of this run matched (fixed, or gone)."""
        baseline = self.settings.baseline
        if baseline is None:
            return 0
        return max(0, baseline.size() - sum(result.baseline_matched for result in self.results))

    @property
    def all_rules(self) -> list[Rule]:
        """The enabled rules, then any other rule a finding came from (none in a normal run)."""
        codes = {rule.code for rule in self.rules}
        extra = {f.rule.code: f.rule for f in self.findings if f.rule.code not in codes}
        return [*self.rules, *extra.values()]

    @property
    def problems(self) -> list[Problem]:
        return [problem for result in self.results for problem in result.problems]

    @property
    def skipped(self) -> list[FileResult]:
        return [result for result in self.results if result.skipped]

    def count(self, attribute: str) -> int:
        return sum(getattr(result, attribute) for result in self.results)

    def by_severity(self) -> dict[str, int]:
        counts = Counter(finding.severity for finding in self.active)
        return {severity.label: counts[severity] for severity in sorted(Severity, reverse=True)}


Renderer = Callable[[Report, bool], str]


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def renderer(name: str) -> Renderer:
    """The render function of a format; imported on demand to keep start-up fast."""
    from importlib import import_module

    module, _, function = FORMATS[name].partition(":")
    render: Renderer = getattr(import_module(f"klint.reporters.{module}"), function or "render")
    return render


def describe_object(finding: Finding) -> str:
    """The object a finding is about: `Deployment prod/web container app, from chart/templates/web.yaml`;
    the container only when the message does not name it already (`container "app" ...`)."""
    where = f"{finding.obj}"
    if finding.container and f'container "{finding.container}"' not in finding.message:
        where += f" container {finding.container}"
    if finding.template:
        where += f", from {finding.template}"
    return where


def describe_finding(finding: Finding) -> str:
    """A finding's message and the object it is about, as every report shows them (with, in a render,
    how sure the template line is and which value it takes)."""
    note = f" ({finding.note})" if finding.note else ""
    return f"{finding.message} [{describe_object(finding)}]{note}"


# Format name -> the module of `klint.reporters` that renders it (and its function, when not `render`).
FORMATS = {"text": "text", "concise": "text:render_concise", "full": "text:render_full",
           "json": "json_format", "sarif": "sarif", "github": "github", "junit": "junit"}

# SARIF result levels; GitHub annotations use the same three tiers.
LEVELS = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning",
          Severity.LOW: "note"}


def repository_root(start: Path | None = None) -> Path:
    """The directory report paths are made relative to, for GitHub: the nearest one from `start` (the
    current directory) upward that holds `.git` (a directory, or a file in worktrees and submodules),
    else `start` itself. Found without running git."""
    start = Path.cwd() if start is None else start
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return start


def repository_path(path: str, root: Path) -> str | None:
    """A reported path (relative to the current directory, or absolute) relative to `root`, with `/`
    separators; None when the file is outside `root`. Standard input (`-`) is no file: kept as is."""
    if path == "-":
        return path
    absolute = Path(os.path.abspath(path))
    for candidate, base in ((absolute, root), (absolute.resolve(), root.resolve())):
        if candidate.is_relative_to(base):
            return candidate.relative_to(base).as_posix()
    return None
