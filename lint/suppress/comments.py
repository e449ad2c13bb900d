"""Suppression comments: `# klint: ignore[RULE,...] reason` (the line it is on, or the line below a
comment line, and the mapping or list item that starts there), `# klint: ignore-document[...]` and
`# klint: ignore-file[...]`; and Trivy's `# trivy:ignore:KSV012`, read like `klint: ignore`.

Comments are found in the text (the YAML composer drops them), so a look-alike inside a scalar (a
script in a block scalar) is dropped once the document's nodes show it (`validate`)."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ruamel.yaml.nodes import ScalarNode

from klint import registry
from klint.document import DOCUMENT_START, Document
from klint.k8s import K8sObject
from klint.source import Source
from klint.suppress import Directive, foreign

if TYPE_CHECKING:
    from klint.engine import Finding

# A YAML comment starts at the start of a line or after white space.
_COMMENT = re.compile(r"(?:^|(?<=[ \t]))#[ \t]*(klint|trivy):([^\r\n]*)", re.MULTILINE)
_KLINT = re.compile(r"[ \t]*(ignore-file|ignore-document|ignore)(?![\w-])(?:\[([^\]]*)\])?[ \t]*(.*)")
_TRIVY = re.compile(r"ignore:([A-Za-z0-9_-]+)")
_REASON_PUNCTUATION = " \t-:\u2013\u2014"  # `-- why`, `: why`, en and em dashes


@dataclass
class Comments:
    """The suppression comments of one input, indexed by what they cover."""

    source: Source
    directives: list[Directive] = field(default_factory=list)
    by_line: dict[int, list[Directive]] = field(default_factory=dict)  # target line -> directives
    by_region: dict[int, list[Directive]] = field(default_factory=dict)  # document region -> directives
    whole_file: list[Directive] = field(default_factory=list)
    regions: list[int] = field(default_factory=lambda: [0])  # where each document region starts
    invalid: set[int] = field(default_factory=set)  # ids of look-alikes found inside scalars
    _checked: set[int] = field(default_factory=set)

    @property
    def local(self) -> bool:
        """Whether any comment covers less than the whole file."""
        return bool(self.by_line or self.by_region)

    @property
    def file_wide(self) -> list[Directive]:
        return self._valid(self.whole_file)

    def region_of(self, document: Document) -> int:
        return self.region_at(document.root.start_mark.index)

    def region_at(self, offset: int) -> int:
        return bisect.bisect_right(self.regions, offset) - 1

    def validate(self, document: Document) -> None:
        root = document.root
        start, end = root.start_mark.index, root.end_mark.index
        inside = [d for d in self.directives
                  if start < d.span.start_offset < end and id(d) not in self._checked]
        if not inside:
            return
        scalars = [entry.value for entry in document.entries.values() if isinstance(entry.value, ScalarNode)]
        for directive in inside:
            self._checked.add(id(directive))
            offset = directive.span.start_offset
            if any(node.start_mark.index < offset < node.end_mark.index for node in scalars):
                self.invalid.add(id(directive))

    def covering(self, obj: K8sObject, finding: Finding, region: int) -> list[Directive]:
        """The comments that cover the finding: on a line of its own key or of a mapping or list item
        around it, then those for its whole document."""
        found: list[Directive] = []
        if self.by_line:
            for line in sorted(scope_lines(obj, finding), reverse=True):  # the nearest first
                found.extend(self.by_line.get(line, ()))
        found.extend(self.by_region.get(region, ()))
        return self._valid(found)

    def _valid(self, directives: Iterable[Directive]) -> list[Directive]:
        return [d for d in directives if id(d) not in self.invalid]


def scope_lines(obj: K8sObject, finding: Finding) -> set[int]:
    """The finding's line, and the first line of each mapping entry and list item it lies in."""
    lines = {finding.span.start_line}
    entries = obj.document.entries
    path = (*obj.root, *finding.field)
    for end in range(len(path) + 1):
        entry = entries.get(path[:end])
        if entry is not None:
            node = entry.key if entry.key is not None else entry.value
            lines.add(node.start_mark.line + 1)
    for node in obj.document.above:  # a List item read on its own: the List's root and `items` key
        lines.add(node.start_mark.line + 1)
    return lines


def scan(source: Source, tools: Iterable[str]) -> Comments:
    text = source.text
    comments = Comments(source)
    if "klint:" not in text and "trivy:" not in text:
        return comments
    honour_trivy = "trivy" in tools
    per_document: list[Directive] = []
    for match in _COMMENT.finditer(text):
        tool, rest = match.group(1), match.group(2)
        if tool == "klint":
            parsed = _klint(rest)
            if parsed is None:
                continue
            scope, rules, reason = parsed
            form = f"klint: {scope}"
            by, own = "comment", True
        else:
            trivy = _TRIVY.match(rest)
            if not honour_trivy or trivy is None:
                continue
            codes = foreign.rules_for("trivy", trivy.group(1))
            if not codes:
                continue
            scope, rules, reason, form, by, own = "ignore", codes, "", f"trivy:ignore:{trivy.group(1)}", \
                "trivy comment", False
        end = match.end()
        directive = Directive(rules, reason, source.span(match.start(), end), by, form, own)
        comments.directives.append(directive)
        if scope == "ignore-file":
            comments.whole_file.append(directive)
        elif scope == "ignore-document":
            per_document.append(directive)
        else:
            target = _target_line(text, match.start())
            if target is not None:
                comments.by_line.setdefault(target, []).append(directive)
    comments.regions = _regions(text)
    for directive in per_document:
        comments.by_region.setdefault(comments.region_at(directive.span.start_offset), []).append(directive)
    return comments


def _klint(rest: str) -> tuple[str, tuple[str, ...] | None, str] | None:
    """(scope, rules or None for every rule, reason) of the text after `klint:`, or None when it is
    not a suppression. `ignore RULE,RULE reason` (no brackets) names rules too when every name in
    its first word is a rule, so that it does not silently become a suppression of every rule."""
    match = _KLINT.fullmatch(rest.rstrip())
    if match is None:
        return None
    scope, listed, reason = match.groups()
    rules: tuple[str, ...] | None = None
    if listed is not None:
        rules = tuple(name.strip() for name in listed.split(",") if name.strip())
    elif reason:
        first, _, remainder = reason.partition(" ")
        names = tuple(name for name in first.split(",") if name)
        if names and all(registry.select(name) for name in names):
            rules, reason = names, remainder
    return scope, rules, reason.strip().lstrip(_REASON_PUNCTUATION).strip()


def _target_line(text: str, offset: int) -> int | None:
    """The 1-based line a comment at `offset` is about: its own when it follows content; for a comment
    on a line of its own, the next line that is not a comment (None past a blank line)."""
    line_start = text.rfind("\n", 0, offset) + 1
    line = text.count("\n", 0, offset) + 1
    if text[line_start:offset].strip():
        return line
    position = text.find("\n", offset)
    while position != -1:
        line += 1
        following_end = text.find("\n", position + 1)
        following = text[position + 1: following_end if following_end != -1 else len(text)].strip()
        if not following:
            return None
        if not following.startswith("#"):
            return line
        position = following_end
    return None


def _regions(text: str) -> list[int]:
    """Where each document's text begins: at each `---` line that follows content, so that comments
    above a document's first `---` belong to it."""
    starts = [0]
    for match in DOCUMENT_START.finditer(text):
        chunk = text[starts[-1]:match.start()]
        if chunk.startswith("---"):
            chunk = chunk[3:]
        if any(line.strip() and not line.strip().startswith("#") for line in chunk.splitlines()):
            starts.append(match.start())
    return starts
