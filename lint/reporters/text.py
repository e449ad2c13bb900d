"""Human-readable output, grouped by file: `text` (`path:line:col: SEVERITY CODE name: message
[object]`), `concise` (`path:line:col: CODE message`, the object only when the message does not name
it) and `full` (a heading, then the offending lines with carets under the finding, and with
`--show-fixes` the fix as a diff). All three end with the same summary."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from klint.engine import FileResult, Finding
from klint.fix import Applicability, Fix
from klint.reporters import Report, describe_finding, describe_object, plural, printable, written
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
    remaining = report.counting
    text = (f"{'Would fix' if fixes.diff else 'Fixed'} {plural(fixes.fixed, 'finding')} "
            f"({plural(fixes.files_changed, 'file')} {'would change' if fixes.diff else 'changed'}); "
            f"{remaining} remain")
    if fixes.unsafe_available:
        text += f", {fixes.unsafe_available} of them fixable with `--unsafe-fixes`"
    return [*lines, text + "."]


def format_concise(finding: Finding, color: bool) -> str:
    """`path:line:col: CODE message`: the object is named only when the message does not say whose."""
    span = finding.span
    location = printable(f"{finding.path}:{span.start_line}:{span.start_column}")
    code = finding.rule.code
    if color:
        location = click.style(location, bold=True)
        code = click.style(code, fg=COLORS[finding.severity], bold=True)
    whose = [f'"{name}"' for name in (finding.obj.name, finding.container) if name]
    named = any(name in finding.message for name in whose)
    described = finding.message if named else describe_finding(finding)
    return f"{location}: {code} {printable(described + fix_marker(finding))}"


def format_full(finding: Finding, color: bool, source_text: str | None, show_fixes: bool) -> str:
    """A heading (`CODE name [severity]`), where (`--> path:line:col`, the object), the lines the
    finding covers with carets under it, and the fix as a diff of those lines (`--show-fixes`)."""
    span = finding.span
    heading = f"{finding.rule.code} {finding.rule.name} [{finding.severity.label}]"
    if color:
        heading = click.style(heading, fg=COLORS[finding.severity], bold=True)
    where = f"{finding.path}:{span.start_line}:{span.start_column}"
    lines = [f"{heading}: {printable(finding.message)}",
             printable(f"  --> {where} ({describe_object(finding)})")]
    if source_text is not None:
        lines.extend(code_frame(source_text, span.start_line, span.start_column, span.end_line,
                                span.end_column, color))
    fix = finding.fix
    if fix is not None:
        lines.append(printable(f"  = fix ({fix.applicability.value}): {fix.description}"))
        if show_fixes and fix.applicable and source_text is not None:
            lines.extend(fix_diff(source_text, fix, color))
    return "\n".join(lines)


def code_frame(text: str, start_line: int, start_column: int, end_line: int, end_column: int,
               color: bool, context: int = 1) -> list[str]:
    """The finding's lines (at most five) and `context` lines around them, numbered, with carets
    under the finding's columns."""
    source = text.splitlines()
    last = min(end_line, start_line + 4, len(source))
    first_shown, last_shown = max(1, start_line - context), min(len(source), last + context)
    width = len(str(last_shown))
    out = []
    for number in range(first_shown, last_shown + 1):
        code = printable(source[number - 1].rstrip("\r"))
        out.append(f"  {number:>{width}} | {code}")
        if start_line <= number <= last:
            begin = start_column if number == start_line else 1 + len(code) - len(code.lstrip())
            end = end_column if number == end_line else len(code) + 1
            carets = "^" * max(1, end - begin)
            if color:
                carets = click.style(carets, fg="red", bold=True)
            out.append(f"  {'':>{width}} | {' ' * (begin - 1)}{carets}")
    return out


def fix_diff(text: str, fix: Fix, color: bool) -> list[str]:
    """The fix as a unified diff of the lines it changes."""
    import difflib

    fixed = text
    for edit in sorted(fix.edits, key=lambda e: e.start, reverse=True):
        fixed = fixed[:edit.start] + edit.text + fixed[edit.end:]
    out = []
    for line in list(difflib.unified_diff(text.splitlines(), fixed.splitlines(), lineterm="", n=1))[2:]:
        line = printable(line)
        if color and line[:1] in "+-":
            line = click.style(line, fg="green" if line[0] == "+" else "red")
        out.append(f"  {line}")
    return out


def _file_text(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8-sig") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError):
        return None


def text_of(result: FileResult, path: str, read: dict[str, str | None]) -> str | None:
    """The text a finding's lines are in: the input's, or for a render the template file's (read once
    an input, into `read`)."""
    if result.source is not None and path == result.source.path:
        return result.source.text
    if path not in read:
        read[path] = _file_text(path)
    return read[path]


class TextWriter:
    """The text formats as the results arrive: each input's lines (its errors, why it was skipped, its
    findings that count), a blank line between inputs (not with -q), then the summary (not with -q).
    `format_one` formats a finding, given the text it is in when it `quotes` it (else None: a report
    whose sources were not kept would read each file again)."""

    def __init__(self, report: Report, format_one: Callable[[Finding, str | None], str],
                 blank_between: bool = False, quotes: bool = False) -> None:
        self.report = report
        self.format_one = format_one
        self.blank_between = blank_between
        self.quotes = quotes
        self.started = False  # whether an input's lines were written

    def result(self, result: FileResult) -> str:
        block = [printable(f"{p.path}:{p.line}:{p.column}: ERROR {p.message}") for p in result.problems]
        if result.skipped:
            block.append(printable(f"{result.path}: skipped: {result.skipped}"))
        read: dict[str, str | None] = {}  # template files, for the code frames of a render's findings
        for finding in result.findings:
            if finding.suppressed is None:
                if self.blank_between and block:
                    block.append("")
                block.append(self.format_one(finding, text_of(result, finding.path, read) if self.quotes
                                             else None))
        if not block:
            return ""
        if self.started and not self.report.quiet:  # -q: the findings only, one a line
            block.insert(0, "")
        self.started = True
        return _lines(block)

    def end(self) -> str:
        if self.report.quiet:
            return ""
        return _lines([*([""] if self.started else []), summary(self.report), *fix_summary(self.report)])


def _lines(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


def text_writer(report: Report, color: bool) -> TextWriter:
    return TextWriter(report, lambda finding, _: format_finding(finding, color, report.verbose))


def concise_writer(report: Report, color: bool) -> TextWriter:
    return TextWriter(report, lambda finding, _: format_concise(finding, color))


def full_writer(report: Report, color: bool) -> TextWriter:
    return TextWriter(report, lambda finding, text: format_full(finding, color, text, report.show_fixes),
                      blank_between=True, quotes=True)


def render(report: Report, color: bool) -> str:
    return written(text_writer(report, color), report)


def render_concise(report: Report, color: bool) -> str:
    return written(concise_writer(report, color), report)


def render_full(report: Report, color: bool) -> str:
    return written(full_writer(report, color), report)


class StatisticsWriter:
    """`--statistics`: each rule's count of findings that count, most first, with how many `--fix`
    (`[*]`) or `--fix --unsafe-fixes` can fix; then the summary. Nothing is written before the end:
    only the counts are kept."""

    def __init__(self, report: Report, color: bool) -> None:
        self.report = report
        self.color = color
        # rule code -> [its name, findings, fixable ones, fixable safely], in the order first seen
        self.rules: dict[str, list[Any]] = {}

    def result(self, result: FileResult) -> str:
        for finding in result.findings:
            if finding.suppressed is not None:
                continue
            row = self.rules.setdefault(finding.rule.code, [finding.rule.name, 0, 0, 0])
            row[1] += 1
            fix = finding.fix
            if fix is not None and fix.applicable:
                row[2] += 1
                row[3] += fix.applicability is Applicability.SAFE
        return ""

    def end(self) -> str:
        rows = []
        for code, (name, count, fixable, safe) in sorted(self.rules.items(), key=lambda item: (-item[1][1],
                                                                                             item[0])):
            marker = f"[*] {safe} fixable" if safe else f"[unsafe fix] {fixable} fixable" if fixable else ""
            rows.append((str(count), click.style(code, bold=True) if self.color else code, name, marker))
        widths = [max((len(row[i]) for row in rows), default=0) for i in range(3)]
        lines = ["  ".join([row[0].rjust(widths[0]), row[1].ljust(widths[1]), row[2].ljust(widths[2]),
                            row[3]]).rstrip() for row in rows]
        if not self.report.quiet:
            lines.append(summary(self.report))
            if self.report.fixes is not None:  # after --fix or --diff: what was fixed
                lines.extend(fix_summary(self.report))
        return _lines(lines)


def render_statistics(report: Report, color: bool) -> str:
    return written(StatisticsWriter(report, color), report)


def summary(report: Report) -> str:
    findings, files = report.counting, report.files
    if findings:
        levels = ", ".join(f"{count} {label}" for label, count in report.by_severity().items() if count)
        # inputs, not paths: a chart's findings are in its templates
        text = (f"Found {plural(findings, 'finding')} ({levels}) in {report.files_with_findings} of "
                f"{plural(files, 'file')}")
    else:
        text = f"No findings in {plural(files, 'file')}"
    if report.suppressed:
        text += f" ({report.suppressed} suppressed)"
    extras = []
    if report.error_count:
        extras.append(plural(report.error_count, "error"))
    if report.skipped_count:
        extras.append(f"{plural(report.skipped_count, 'file')} skipped")
    return text + (f"; {', '.join(extras)}" if extras else "") + "."


