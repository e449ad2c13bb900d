"""An origin map: for each line of a rendered stream, the file (and line of it) that wrote it; and the
relocation of findings and problems from the stream to those files."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from klint.engine import Finding, Location, Problem
from klint.fix import Applicability, Fix
from klint.render.markers import Attribution, OutputMap
from klint.source import Source, Span


@dataclass
class OriginFile:
    path: str  # the file as reported (a real path in the repository)
    name: str  # as the renderer names it (Helm's `# Source:`)
    text: str  # the file's text, for columns
    output: OutputMap | None = None  # a template's output map; None: output lines are the file's lines
    why_unmapped: str | None = None  # why no line of it can be mapped (said in each finding)
    _source: Source | None = field(default=None, repr=False)

    @property
    def source(self) -> Source:
        if self._source is None:
            self._source = Source.from_text(self.path, self.text)
        return self._source

    def attribute(self, line: int, column: int) -> Attribution:
        if self.why_unmapped is not None:
            return Attribution(1, max(1, self.text.count("\n") + (not self.text.endswith("\n"))), False)
        if self.output is None:
            return Attribution(line, line, True)
        return self.output.attribute(line, column)


@dataclass
class OriginMap:
    files: list[OriginFile] = field(default_factory=list)
    # per line of the stream (0-based): (index in `files`, 1-based line of that file's output)
    lines: list[tuple[int, int] | None] = field(default_factory=list)
    # what a template line takes from the values (e.g. "value .Values.securityContext, values.yaml:12")
    # (template path, its lines, the finding's field) -> "value .Values.x (values.yaml:3)"
    describe_values: Callable[[str, str, tuple[str | int, ...]], str | None] | None = None

    # Whether `stream_data` wants the data of the stream's documents, which the engine's parse of the
    # stream keeps for it (a second parse of the stream only for them cost as much as the first).
    wants_stream_data = False

    def stream_data(self, data: dict[int, Any]) -> None:
        """The data of the stream's documents, by index (those before a YAML error that ends it)."""

    def origin(self, line: int) -> tuple[OriginFile, int] | None:
        entry = self.lines[line - 1] if 0 < line <= len(self.lines) else None
        return None if entry is None else (self.files[entry[0]], entry[1])

    def relocate(self, finding: Finding, stream: Source) -> Finding:
        """The finding at the template line that wrote it, its rendered position kept as a second
        location; its fix, which would edit the rendered text, becomes a suggestion."""
        span = finding.span
        fix = _suggestion(finding.fix)
        found = self.origin(span.start_line)
        if found is None:
            return replace(finding, fix=fix)
        file, line = found
        attribution = file.attribute(line, span.start_column)
        rendered_line = stream.text.split("\n", span.start_line)[span.start_line - 1]
        snippet = rendered_line[span.start_column - 1:]
        if span.end_line == span.start_line:
            snippet = snippet[:span.end_column - span.start_column]
        new_span = _template_span(file.source, attribution, snippet)
        notes = []
        if file.why_unmapped is not None:
            notes.append(f"template line unknown: {file.why_unmapped}")
        elif not attribution.exact:
            notes.append(f"template line not exact: {_lines_said(attribution)}")
        values = None
        if self.describe_values is not None and attribution.exact:
            values = self.describe_values(file.path, _lines(file.source, attribution.first, attribution.last),
                                          finding.field)
            if values:
                notes.append(values)
                fix = _suggestion(finding.fix, f"the chart's values: {values.removeprefix('value ')}")
        return replace(finding, path=file.path, span=new_span, fix=fix,
                       rendered=Location(finding.path, span), note="; ".join(notes) or None)

    def relocate_problem(self, problem: Problem) -> Problem:
        found = self.origin(problem.line)
        if found is None:
            return problem
        file, line = found
        attribution = file.attribute(line, problem.column)
        where = "" if attribution.exact else f" ({_lines_said(attribution)})"
        return Problem(file.path, attribution.first, 1,
                       f"in the rendered output{where}: {problem.message}")


def _lines_said(attribution: Attribution) -> str:
    if attribution.first == attribution.last:  # its output differs between the plain and marked renders
        return f"written by line {attribution.first} or text it includes"
    return f"written by one of lines {attribution.first}-{attribution.last}"


def _lines(source: Source, first: int, last: int) -> str:
    return "\n".join(source.text.split("\n")[first - 1:last])


def _suggestion(fix: Fix | None, where: str = "the chart's template or values") -> Fix | None:
    """A fix of rendered text cannot be applied to a template: kept as what to change, by hand."""
    if fix is None:
        return None
    return Fix(f"{fix.description} (in {where})", (), Applicability.DISPLAY)


_KEY = re.compile(r"^\s*(?:-\s+)?([^:\s][^:]*:)")


def _template_span(source: Source, attribution: Attribution, snippet: str) -> Span:
    """Columns on the template line: where the rendered text (or its key) is written there, else the
    line's visible text. A range of lines when the line is not exact."""
    lines = source.text.split("\n")
    first, last = attribution.first, min(attribution.last, len(lines))
    first = min(first, last)
    offsets = [0]
    for text in lines:
        offsets.append(offsets[-1] + len(text) + 1)
    text = lines[first - 1]
    indent = len(text) - len(text.lstrip())
    start, end = offsets[first - 1] + indent, offsets[last - 1] + len(lines[last - 1].rstrip())
    if attribution.exact and first == last:
        wanted = snippet.strip()
        key = _KEY.match(snippet)
        for candidate in (wanted, key.group(1) if key else None):
            if candidate and text.count(candidate) == 1:
                column = text.index(candidate)
                start = offsets[first - 1] + column
                end = (start + len(candidate) if candidate == wanted
                       else offsets[first - 1] + len(text.rstrip()))
                break
    return source.span(start, max(start, end))
