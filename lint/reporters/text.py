"""Human-readable output: `path:line:col: SEVERITY CODE name: message [object]`, grouped by file."""

from __future__ import annotations

import click

from klint.engine import Finding
from klint.fix import Applicability
from klint.reporters import Report, describe_finding, printable
from klint.rule import Severity

COLORS = {Severity.CRITICAL: "magenta", Severity.HIGH: "red", Severity.MEDIUM: "yellow", Severity.LOW: "cyan"}


def format_finding(finding: Finding, color: bool, verbose: bool = False) -> str:
    span = finding.span
    severity = finding.severity.name
    if color:
        severity = click.style(severity, fg=COLORS[finding.severity], bold=True)
    location = printable(f"{finding.path}:{span.start_line}:{span.start_column}")
    if color:
        location = click.style(location, bold=True)
    described = printable(describe_finding(finding) + fix_marker(finding))
    if verbose and finding.rendered is not None:
        rendered = finding.rendered
        described += printable(f" (rendered at {rendered.path}:{rendered.span.start_line}:"
                               f"{rendered.span.start_column})")
    return f"{location}: {severity} {finding.rule.code} {finding.rule.name}: {described}"


def fix_marker(finding: Finding) -> str:
    """` [*]`: `--fix` fixes it; ` [unsafe fix]`: `--fix --unsafe-fixes` does; a fix that is only a
    suggestion (or that cannot be applied, and says why) is shown as `[manual fix: ...]`."""
    fix = finding.fix
    if fix is None:
        return ""
    if not fix.applicable:
        return f" [manual fix: {fix.description}]"
    return " [*]" if fix.applicability is Applicability.SAFE else " [unsafe fix]"


def fix_summary(report: Report) -> list[str]:
    """After `--fix`/`--diff`: what was fixed, what was not and why, what `--unsafe-fixes` would add.
    After a plain run: how many findings the fixes would solve."""
    fixes = report.fixes
    if fixes is None:
        safe, unsafe = report.fixable(Applicability.SAFE), report.fixable(Applicability.UNSAFE)
        if not safe and not unsafe:
            return []
        if not safe:
            return [f"[unsafe fix] {unsafe} fixable with `klint --fix --unsafe-fixes`."]
        more = f" ({unsafe} more with `--unsafe-fixes`)" if unsafe else ""
        return [f"[*] {safe} fixable with `klint --fix`{more}."]
    lines = [printable(f"{path}: not fixed, the file is left as it was: {why}")
             for path, why in fixes.failures]
    lines.extend(printable(f"fix left out: {note}") for note in fixes.left_out)
    remaining = len(report.active)
    text = (f"{'Would fix' if fixes.diff else 'Fixed'} {_plural(fixes.fixed, 'finding')} "
            f"({_plural(fixes.files_changed, 'file')} {'would change' if fixes.diff else 'changed'}); "
            f"{remaining} remain")
    if fixes.unsafe_available:
        text += f", {fixes.unsafe_available} of them fixable with `--unsafe-fixes`"
    return [*lines, text + "."]


def render(report: Report, color: bool) -> str:
    lines: list[str] = []
    for result in report.results:
        block = [printable(f"{p.path}:{p.line}:{p.column}: ERROR {p.message}") for p in result.problems]
        if result.skipped:
            block.append(printable(f"{result.path}: skipped: {result.skipped}"))
        block.extend(format_finding(finding, color, report.verbose) for finding in result.findings
                     if finding.suppressed is None)
        if block:
            if lines:
                lines.append("")
            lines.extend(block)
    if lines:
        lines.append("")
    lines.append(summary(report))
    lines.extend(fix_summary(report))
    return "\n".join(lines) + "\n"


def summary(report: Report) -> str:
    findings = report.active
    files = len(report.results)
    # inputs, not paths: a chart's findings are in its templates
    with_findings = sum(1 for result in report.results if any(f.suppressed is None for f in result.findings))
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
