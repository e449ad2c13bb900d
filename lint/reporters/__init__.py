"""Reporters turn a finished run into text; each format is one module with a `render` function."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from klint.engine import Finding, FileResult, Problem
from klint.rule import Rule, Severity


@dataclass
class Report:
    results: list[FileResult]
    rules: list[Rule]  # the enabled rules

    @property
    def findings(self) -> list[Finding]:
        return [finding for result in self.results for finding in result.findings]

    @property
    def problems(self) -> list[Problem]:
        return [problem for result in self.results for problem in result.problems]

    @property
    def skipped(self) -> list[FileResult]:
        return [result for result in self.results if result.skipped]

    def count(self, attribute: str) -> int:
        return sum(getattr(result, attribute) for result in self.results)

    def by_severity(self) -> dict[str, int]:
        counts = Counter(finding.severity for finding in self.findings)
        return {severity.label: counts[severity] for severity in sorted(Severity, reverse=True)}


Renderer = Callable[[Report, bool], str]


def renderer(name: str) -> Renderer:
    """The render function of a format; imported on demand to keep start-up fast."""
    from importlib import import_module

    return import_module(f"klint.reporters.{FORMATS[name]}").render  # type: ignore[no-any-return]


FORMATS = {"text": "text", "json": "json_format"}
