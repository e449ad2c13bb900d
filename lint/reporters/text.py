"""Human-readable output: `path:line:col: SEVERITY CODE name: message [object]`, grouped by file."""

from __future__ import annotations

import click

from klint.engine import Finding
from klint.reporters import Report
from klint.rule import Severity

COLORS = {Severity.CRITICAL: "magenta", Severity.HIGH: "red", Severity.MEDIUM: "yellow", Severity.LOW: "cyan"}


def format_finding(finding: Finding, color: bool) -> str:
    span = finding.span
    severity = finding.severity.name
    if color:
        severity = click.style(severity, fg=COLORS[finding.severity], bold=True)
    where = f"{finding.obj}"
    if finding.container:
        where += f" container {finding.container}"
    if finding.template:
        where += f", from {finding.template}"
    location = f"{finding.path}:{span.start_line}:{span.start_column}"
    if color:
        location = click.style(location, bold=True)
    return f"{location}: {severity} {finding.rule.code} {finding.rule.name}: {finding.message} [{where}]"


def render(report: Report, color: bool) -> str:
    lines: list[str] = []
    for result in report.results:
        block = [f"{p.path}:{p.line}:{p.column}: ERROR {p.message}" for p in result.problems]
        if result.skipped:
            block.append(f"{result.path}: skipped: {result.skipped}")
        block.extend(format_finding(finding, color) for finding in result.findings)
        if block:
            if lines:
                lines.append("")
            lines.extend(block)
    if lines:
        lines.append("")
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


def summary(report: Report) -> str:
    findings = report.findings
    files = len(report.results)
    with_findings = sum(1 for result in report.results if result.findings)
    if findings:
        levels = ", ".join(f"{count} {label}" for label, count in report.by_severity().items() if count)
        text = (f"Found {_plural(len(findings), 'finding')} ({levels}) in {with_findings} of "
                f"{_plural(files, 'file')}")
    else:
        text = f"No findings in {_plural(files, 'file')}"
    extras = []
    if report.problems:
        extras.append(_plural(len(report.problems), "error"))
    if report.skipped:
        extras.append(f"{_plural(len(report.skipped), 'file')} skipped")
    return text + (f"; {', '.join(extras)}" if extras else "") + "."


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
