"""Reporters turn a run into text: each format is one module with a `render` function of a whole
report, and the formats that can be written as the results arrive have a `Writer`."""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

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


# The counts of documents and objects a report sums (`count`), for --verbose and JSON.
COUNTED = ("documents", "objects", "not_kubernetes", "profiles")


@dataclass
class Report:
    """A run's results and what the summaries and the exit code need. Built whole (`results`), or as
    the results arrive (`add`); without `keep` it holds only counts, never the results themselves, so
    that a report written as it goes (see `Writer`) stays as small for ten thousand files as for one."""

    results: list[FileResult]
    rules: list[Rule]  # the enabled rules
    settings: Settings  # the run's: configured severities, fail-on
    fixes: FixSummary | None = None  # what --fix / --diff did; None in a plain lint run
    show_fixes: bool = False  # `--show-fixes`: the `full` format shows each fix as a diff
    quiet: bool = False  # `--quiet`: the text formats print the findings without the summary
    verbose: bool = False  # --verbose: text also shows where a finding in a render sits in it
    keep: bool = True  # whether `add` keeps each result in `results` (the whole-run formats need them)
    files: int = field(init=False, default=0)
    files_with_findings: int = field(init=False, default=0)  # inputs with a finding that counts
    suppressed: int = field(init=False, default=0)  # findings suppressed (comments, config, baseline)
    error_count: int = field(init=False, default=0)  # problems: inputs that could not be read
    skipped_count: int = field(init=False, default=0)
    baseline_matched: int = field(init=False, default=0)
    # (path, why) for each input the pure-Python composer read, as libyaml refused it (--verbose)
    fallbacks: list[tuple[str, str]] = field(init=False, default_factory=list)
    _severities: Counter[Severity] = field(init=False, default_factory=Counter)  # of findings that count
    _fixable: Counter[Applicability] = field(init=False, default_factory=Counter)
    _counts: Counter[str] = field(init=False, default_factory=Counter)

    def __post_init__(self) -> None:
        for result in self.results:
            self._tally(result)

    def add(self, result: FileResult) -> None:
        """One more input's result, as the run gives it."""
        self._tally(result)
        if self.keep:
            self.results.append(result)

    def _tally(self, result: FileResult) -> None:
        self.files += 1
        counting = 0
        for finding in result.findings:
            if finding.suppressed is not None:
                self.suppressed += 1
                continue
            counting += 1
            self._severities[finding.severity] += 1
            fix = finding.fix
            if fix is not None and fix.applicable:
                self._fixable[fix.applicability] += 1
        self.files_with_findings += counting > 0
        self.error_count += len(result.problems)
        self.skipped_count += bool(result.skipped)
        self.baseline_matched += result.baseline_matched
        for attribute in COUNTED:
            self._counts[attribute] += getattr(result, attribute)
        if result.fallback:
            self.fallbacks.append((result.path, result.fallback))

    def severity_of(self, rule: Rule) -> Severity:
        return self.settings.severity_of(rule)

    def fixable(self, applicability: Applicability) -> int:
        """Findings that count with a fix of that applicability that `--fix` can apply."""
        return self._fixable[applicability]

    @property
    def counting(self) -> int:
        """How many findings count: not suppressed."""
        return sum(self._severities.values())

    @property
    def findings(self) -> list[Finding]:
        """Every finding, suppressed ones included (SARIF and JSON show those as such); only of the
        results kept."""
        return [finding for result in self.results for finding in result.findings]

    @property
    def active(self) -> list[Finding]:
        """The findings that count: not suppressed (of the results kept)."""
        return [finding for finding in self.findings if finding.suppressed is None]

    def fails(self, fail_on: Severity) -> bool:
        """Whether a finding that counts is at or above `fail_on` (exit code 1)."""
        return any(count for severity, count in self._severities.items() if severity >= fail_on)

    def exit_code(self) -> int:
        """2 when some input could not be read; 1 when a finding that counts (that remains, after
        --fix) is at or above the fail-on severity, or, with --diff or --exit-non-zero-on-fix, when
        fixes changed (or would change) files; else 0."""
        if self.error_count:
            return 2
        changed = self.fixes is not None and self.fixes.fail_on_change and self.fixes.files_changed > 0
        return 1 if changed or self.fails(self.settings.fail_on) else 0

    @property
    def baseline_unmatched(self) -> int:
        """How many of the baseline's findings no finding of this run matched (fixed, or gone)."""
        baseline = self.settings.baseline
        if baseline is None:
            return 0
        return max(0, baseline.size() - self.baseline_matched)

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
        """The sum of one of the results' `COUNTED` numbers."""
        return self._counts[attribute]

    def by_severity(self) -> dict[str, int]:
        return {severity.label: self._severities[severity] for severity in sorted(Severity, reverse=True)}


class Writer(Protocol):
    """A report written as the results arrive: `result` is the text for one input (given once the
    report has it), `end` the rest (the summary) once every input is in and the report finished."""

    def result(self, result: FileResult) -> str: ...

    def end(self) -> str: ...


_LINE_START = re.compile("^", re.MULTILINE)


def nested_json(data: object, depth: int) -> str:
    """`data` as `json.dumps(..., indent=2)` writes it `depth` levels deep inside a document, for
    writers that make a document piece by piece (JSON text has no line break inside a string)."""
    import json

    return _LINE_START.sub("  " * depth, json.dumps(data, indent=2, ensure_ascii=False))


def written(writer: Writer, report: Report) -> str:
    """The whole text a writer writes over a report's results."""
    return "".join(writer.result(result) for result in report.results) + writer.end()


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

# The reports that can be written as the results arrive -> the module of `klint.reporters` and the
# function making their `Writer` of a report (and whether to colour); `statistics` is --statistics.
WRITERS = {"text": "text:text_writer", "concise": "text:concise_writer", "full": "text:full_writer",
           "github": "github:GithubWriter", "json": "json_format:JsonWriter",
           "sarif": "sarif:SarifWriter", "statistics": "text:StatisticsWriter"}


def writer(name: str, report: Report, color: bool) -> Writer:
    """The `Writer` of a format in `WRITERS`, over `report`."""
    from importlib import import_module

    module, _, function = WRITERS[name].partition(":")
    make: Callable[[Report, bool], Writer] = getattr(import_module(f"klint.reporters.{module}"), function)
    return make(report, color)


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
