"""The edits of one fix, as splices into the text: whole lines inserted or deleted (comment lines
never deleted), a scalar replaced."""

from __future__ import annotations

from ruamel.yaml.nodes import Node

from klint.document import Document
from klint.edits.locate import Locator
from klint.fix import Edit, Emptying, Refill


class Splicer(Locator):
    def __init__(self, document: Document, floor: int) -> None:
        super().__init__(document, floor)
        self.edits: list[Edit] = []

    def edit(self, start: int, end: int, text: str) -> None:
        self.edits.append(Edit(start, end, text))

    def insert_lines(self, offset: int, lines: list[str]) -> None:
        """Insert whole lines at `offset`: a line start, or the end of a text without a final line
        break (which stays without one)."""
        newline = self.style.newline
        if offset == len(self.text) and not self.text.endswith("\n"):
            self.edit(offset, offset, newline + newline.join(lines))
        else:
            self.edit(offset, offset, newline.join(lines) + newline)

    def delete_lines(self, start: int, end: int, node: Node, refill: Refill | None = None,
                     emptying: Emptying | None = None) -> None:
        """Delete whole lines, those of `node`, but for the comment lines among them: a fix never
        deletes a comment of its own line (a trailing comment goes with its line), unless the lines
        follow a block scalar, whose text the comment lines would join. The last lines of a text
        without a final line break take the line break before them along, so that the text still
        ends without one (unless that line break ends a block scalar, whose value it is part of)."""
        after_scalar = self.block_scalar_ends_at(start)
        spans = [(start, end)] if after_scalar else self.uncommented(start, end, node)
        for start, end in spans:
            if end == len(self.text) and not self.text.endswith("\n") and start > 0 \
                    and not self.block_scalar_ends_at(start):
                start -= 2 if self.text[start - 2:start] == "\r\n" else 1
            self.edits.append(Edit(start, end, "", refill if len(spans) == 1 else None, emptying))

    def put(self, node: Node, text: str) -> None:
        """Replace a scalar's text (an empty value right after its colon gets a space first)."""
        start, end = node.start_mark.index, node.end_mark.index
        if start == end and self.text[start - 1:start] == ":":
            text = " " + text
        self.edit(start, end, text)
