"""Which template line produced each rendered line: templates rendered again with a marker comment at
the end of their lines, and the markers read back from that render.

Helm has no source map. A template line that holds no control flow (`if`, `range`, `end`, ...) is
executed whole or not at all, so a marker appended to it is written exactly when the line's text is,
right after it: the output between two consecutive markers was written by the line of the second one
(or by lines that write nothing of their own: blank lines, control flow, comments, `define` bodies).
A line whose own output cannot be marked (text mixed with control flow, a `-}}` that would trim the
marker's newline, a `block` body) makes the output near it uncertain: it is then reported as the range
of lines it may come from, never as one line. A line is trusted only where the marked render, markers
removed, equals the plain render.
"""

from __future__ import annotations

import bisect
import enum
import re
from dataclasses import dataclass, field

_FLOW = frozenset({"if", "else", "range", "with", "end", "break", "continue", "define", "block"})
_OPENS = frozenset({"if", "range", "with", "define", "block"})
_ASSIGNMENT = re.compile(r"\$\w*\s*:?=")
_WORD = re.compile(r"[\w$.]+")


class Kind(enum.Enum):
    MARKED = "marked"  # carries a marker: its output ends at its marker
    NEUTRAL = "neutral"  # writes nothing of its own where it stands
    CONTINUED = "continued"  # an output action that goes on on the next line (attributed with it)
    OPAQUE = "opaque"  # may write text that no marker bounds


@dataclass(frozen=True)
class _Action:
    start: int
    end: int
    keyword: str  # the first word (`if`, `include`, `.Values.x`), "" for a comment
    trims_right: bool
    output: bool  # may write text


def _actions(text: str) -> tuple[list[_Action], bool]:
    """The `{{ }}` actions of a Go template, in order, and whether the text lexes completely."""
    actions: list[_Action] = []
    n = len(text)
    position = 0
    while True:
        start = text.find("{{", position)
        if start < 0:
            return actions, True
        i = start + 2
        if text.startswith("-", i) and i + 1 < n and text[i + 1] in " \t\r\n":
            i += 1
        while i < n and text[i] in " \t\r\n":
            i += 1
        if text.startswith("/*", i):
            close = text.find("*/", i + 2)
            end = text.find("}}", close + 2) if close >= 0 else -1
            if end < 0:
                return actions, False
            trims = text[end - 1] == "-"
            actions.append(_Action(start, end + 2, "", trims, False))
            position = end + 2
            continue
        k = i
        while k < n:
            char = text[k]
            if char == '"' or char == "'":
                k += 1
                while k < n and text[k] != char and text[k] != "\n":
                    k += 2 if text[k] == "\\" else 1
            elif char == "`":
                k = text.find("`", k + 1)
                if k < 0:
                    return actions, False
            elif char == "}" and text.startswith("}}", k):
                break
            k += 1
        if k >= n:
            return actions, False
        trims = text[k - 1] == "-" and text[k - 2] in " \t\r\n"
        body = text[i:k - 1 if trims else k].strip()
        match = _WORD.match(body)
        keyword = match.group() if match else body[:1]
        output = keyword not in _FLOW and not _ASSIGNMENT.match(body)
        actions.append(_Action(start, k + 2, keyword, trims, output))
        position = k + 2


@dataclass
class Template:
    """One template file's lines, classified, and where markers go."""

    text: str
    kinds: list[Kind]  # per line, 0-based
    loops: list[tuple[int, int]]  # 1-based first and last lines of each `range` block
    lexed: bool

    @classmethod
    def parse(cls, text: str) -> Template:
        actions, lexed = _actions(text)
        lines = text.split("\n")
        if not lexed:  # Helm will not render it either: nothing is marked
            return cls(text, [Kind.OPAQUE] * len(lines), [], False)
        kinds: list[Kind] = []
        loops: list[tuple[int, int]] = []
        stack: list[tuple[str, int]] = []  # open blocks: keyword, 1-based line
        first = 0  # the first action that does not end before the current line
        line_start = 0
        for number, line in enumerate(lines, start=1):
            line_end = line_start + len(line)  # the offset of its newline
            while first < len(actions) and actions[first].end <= line_start:
                first += 1
            touching = []
            for action in actions[first:]:
                if action.start > line_end:
                    break
                touching.append(action)
            in_definition = any(kind in ("define", "block") for kind, _ in stack)
            literal = list(line)
            for action in touching:
                low, high = max(action.start, line_start) - line_start, min(action.end, line_end) - line_start
                literal[low:high] = " " * (high - low)
                if action.start >= line_start:  # met once, on the line where it starts
                    if action.keyword in _OPENS:
                        stack.append((action.keyword, number))
                    elif action.keyword == "end" and stack:
                        keyword, opened = stack.pop()
                        if keyword == "range":
                            loops.append((opened, number))
            in_definition = in_definition or any(kind in ("define", "block") for kind, _ in stack)
            in_block = any(kind == "block" for kind, _ in stack)
            ends_inside = bool(touching) and touching[-1].start < line_end < touching[-1].end
            has_text = bool("".join(literal).strip())
            has_output = has_text or any(action.output for action in touching)
            has_flow = any(action.keyword in _FLOW for action in touching)
            visible = line.rstrip(" \t\r")
            trims_marker = bool(touching) and touching[-1].trims_right \
                and touching[-1].end >= line_start + len(visible)
            if in_definition and not in_block:
                kind = Kind.NEUTRAL  # a definition writes nothing where it stands
            elif not has_output or (visible.startswith("---") and not visible[3:].strip(" \t-")):
                kind = Kind.NEUTRAL
            elif in_block:
                kind = Kind.OPAQUE
            elif ends_inside:
                kind = Kind.CONTINUED if not has_flow and not has_text else Kind.OPAQUE
            elif has_flow or trims_marker:
                kind = Kind.OPAQUE
            else:
                kind = Kind.MARKED
            kinds.append(kind)
            line_start = line_end + 1
        return cls(text, kinds, loops, True)

    def marked(self, file_index: int, nonce: str) -> str:
        """The text with a marker after the last visible character of each MARKED line."""
        out = []
        for number, (line, kind) in enumerate(zip(self.text.split("\n"), self.kinds, strict=True), start=1):
            if kind is Kind.MARKED:
                body = line.rstrip(" \t\r")
                line = f"{body} #{nonce}f{file_index}l{number}{line[len(body):]}"
            out.append(line)
        return "\n".join(out)

    def loop_of(self, line: int) -> tuple[int, int] | None:
        """The outermost `range` block holding the line."""
        spans = [(first, last) for first, last in self.loops if first <= line <= last]
        return (min(s for s, _ in spans), max(e for _, e in spans)) if spans else None


def new_nonce() -> str:
    import secrets

    return "klint" + secrets.token_hex(4)


@dataclass(frozen=True)
class Attribution:
    first: int  # 1-based template lines
    last: int
    exact: bool  # the output certainly comes from these lines (else: somewhere in them)


@dataclass
class OutputMap:
    """A template's plain output, line by line, with the markers read from its marked output."""

    template: Template
    offsets: list[int] = field(default_factory=list)  # markers' offsets in the plain output
    lines: list[int] = field(default_factory=list)  # their template lines
    line_starts: list[int] = field(default_factory=list)  # offsets of the plain output's lines
    differing: set[int] = field(default_factory=set)  # 0-based output lines that did not match
    mapped: bool = True  # False: the marked render does not line up with the plain one

    @classmethod
    def read(cls, template: Template, plain: str, marked: str, file_index: int, nonce: str) -> OutputMap:
        result = cls(template)
        marker = re.compile(rf" ?#{nonce}f(\d+)l(\d+)")
        plain_lines, marked_lines = plain.split("\n"), marked.split("\n")
        offset = 0
        for plain_line in plain_lines:
            result.line_starts.append(offset)
            offset += len(plain_line) + 1
        if len(plain_lines) != len(marked_lines):
            result.mapped = False
            return result
        for number, (plain_line, marked_line) in enumerate(zip(plain_lines, marked_lines, strict=True)):
            stripped, removed = [], 0
            position = 0
            foreign = False
            for match in marker.finditer(marked_line):
                stripped.append(marked_line[position:match.start()])
                column = match.start() - removed
                removed += match.end() - match.start()
                position = match.end()
                if int(match.group(1)) != file_index or not match.group(0).startswith(" "):
                    foreign = True  # another template's text, included (a checksum, `tpl`)
                    continue
                result.offsets.append(result.line_starts[number] + column)
                result.lines.append(int(match.group(2)))
            stripped.append(marked_line[position:])
            if foreign or "".join(stripped) != plain_line:
                result.differing.add(number)
        return result

    def attribute(self, line: int, column: int) -> Attribution:
        """The template lines that wrote the output at a 1-based line and column."""
        last_line = max(1, len(self.template.kinds) - self.template.text.endswith("\n"))
        if not self.mapped or line - 1 >= len(self.line_starts):
            return Attribution(1, last_line, False)
        offset = self.line_starts[line - 1] + column - 1
        after = bisect.bisect_right(self.offsets, offset)
        previous = self.lines[after - 1] if after > 0 else 0
        if after >= len(self.offsets):
            return Attribution(min(previous + 1, last_line), last_line, False)
        current = self.lines[after]
        first = current
        kinds = self.template.kinds
        while first > 1 and kinds[first - 2] is Kind.CONTINUED:
            first -= 1
        region: set[int] = set(range(previous + 1, first)) if current > previous else set()
        loops = [loop for loop in (self.template.loop_of(previous), self.template.loop_of(current)) if loop]
        if current <= previous and not loops:
            return Attribution(1, last_line, False)
        for low, high in loops:
            region.update(range(low, high + 1))
        region -= set(range(first, current + 1))
        exact = line - 1 not in self.differing and all(
            kinds[number - 1] in (Kind.MARKED, Kind.NEUTRAL) for number in region)
        if exact:
            return Attribution(first, current, True)
        low = previous + 1 if current > previous else min(low for low, _ in loops)
        return Attribution(min(low, current), current, False)
