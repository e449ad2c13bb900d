"""Positions in a document's text, from the composer's marks: where a node's own text ends, line
starts and ends, where lines added to a collection go, comment lines and block scalars.

Two things need care: a block collection's end mark lies after the comments and blank lines that
follow it (so ends are taken from its last scalar), and an alias node carries the marks of the
anchored node it stands for (so an alias is recognised by starting before the key or item it
belongs to)."""

from __future__ import annotations

import bisect
import re

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from klint.document import Document, FieldPath
from klint.edits.nodes import walk
from klint.edits.refused import Refused
from klint.edits.style import Style, dash_width, document_style
from klint.fix import Edit
from klint.k8s import format_path

_ALIAS_AFTER_KEY = re.compile(r"[ \t]*:[ \t]*\*[^\s,\[\]{}]+")
_COLON = re.compile(r"[ \t]*:")
_COMMENT_LINE = re.compile(r"^[ \t]*#[^\n]*(?:\n|\Z)", re.M)
class Shared:
    """What the fixes built on one document share: its scalars of more than one line (sorted starts,
    and their ends) and where its block scalars end, found in one walk of its nodes; and the removal
    of each collection whose children fixes remove (`Emptying.whole`, by the collection's offset)."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.wholes: dict[tuple[int, int], tuple[Edit, ...] | None] = {}  # by offset and floor
        nodes = sorted((n for n in walk(document.root) if isinstance(n, ScalarNode)
                        and (n.end_mark.line > n.start_mark.line or n.style in ("|", ">"))),
                       key=lambda n: n.start_mark.index)
        self.block_ends = {n.end_mark.index for n in nodes if n.style in ("|", ">")}
        nodes = [n for n in nodes if n.end_mark.line > n.start_mark.line]
        self.starts = [n.start_mark.index for n in nodes]
        self.ends = [n.end_mark.index for n in nodes]


_SHARED: dict[int, Shared] = {}  # by id(document)


class Positions:
    """Offsets in one document's text."""

    def __init__(self, document: Document, floor: int) -> None:
        self.document = document
        self.text = document.source.text
        self.floor = floor  # the length of the paths of the object's own keys (`spec`): never removed

    def named(self, path: FieldPath) -> str:
        """`path` as a refusal names it: from the root of the document as written."""
        return format_path((*self.document.place, *path)) or "the document"

    @property
    def style(self) -> Style:
        return document_style(self.document)

    def child_end(self, collection: Node, index: int) -> int:
        """Where the text of a collection's child (a mapping entry's value, or an item) ends."""
        if isinstance(collection, MappingNode):
            key, value = collection.value[index]
            if value.start_mark.index < key.end_mark.index:
                match = _ALIAS_AFTER_KEY.match(self.text, key.end_mark.index)
                if match is None:
                    raise Refused("an alias that is not on its key's line")
                return match.end()
            return self.content_end(value)
        item = collection.value[index]
        bound = collection.value[index - 1].end_mark.index if index else collection.start_mark.index
        if item.start_mark.index < bound:
            raise Refused("a list item that is an alias")
        return self.content_end(item)

    def content_end(self, node: Node) -> int:
        """Where the node's own text ends: for a block collection, at the end of its last child, not
        at its end mark (which takes in the comments and blank lines after it); for a block scalar,
        before its closing line breaks."""
        if isinstance(node, (MappingNode, SequenceNode)) and not node.flow_style:
            return self.child_end(node, len(node.value) - 1)
        end = node.end_mark.index
        if isinstance(node, ScalarNode) and node.style in ("|", ">"):
            while end > node.start_mark.index and self.text[end - 1] in "\r\n":
                end -= 1
        return end

    def line_start(self, offset: int) -> int:
        return self.text.rfind("\n", 0, offset) + 1

    def line_end(self, node: Node) -> int:
        """The offset after the line break of the node's last line (the text's end when it has none).
        A block scalar with `|+` keeps its trailing blank lines: they are part of its value."""
        leaf = node
        while isinstance(leaf, (MappingNode, SequenceNode)) and not leaf.flow_style:
            self.child_end(leaf, len(leaf.value) - 1)  # refuses a trailing alias
            last = leaf.value[-1]
            leaf = last[1] if isinstance(leaf, MappingNode) else last
        if isinstance(leaf, ScalarNode) and leaf.style in ("|", ">") \
                and self.text[leaf.end_mark.index - 1:leaf.end_mark.index] == "\n":
            return leaf.end_mark.index
        newline = self.text.find("\n", self.content_end(node))
        return len(self.text) if newline < 0 else newline + 1

    def insertion_point(self, node: MappingNode | SequenceNode) -> int:
        """Where lines added at the end of a block collection go: after its last line, and after the
        comment lines below it that belong to its last child, being indented deeper than the
        collection's children (or as deep as the dashes of a last list written flush under its key).
        So `# end of list` under the items stays at the end of its list, and a comment indented
        less (the parent's trailer, or a note on what follows) stays below the new lines."""
        offset = self.line_end(node)
        if isinstance(node, MappingNode):
            column = node.value[0][0].start_mark.column
            last = node.value[-1][1]
            flush = isinstance(last, SequenceNode) and not last.flow_style \
                and last.start_mark.column == column
        else:
            column, flush = node.start_mark.column, False
        depth = column if flush else column + 1
        text, i = self.text, offset
        while i < len(text):
            end = text.find("\n", i)
            end = len(text) if end < 0 else end + 1
            line = text[i:end].lstrip(" ")
            if line.strip():
                if not line.startswith("#") or end - i - len(line) < depth:
                    break
                offset = end
            i = end
        return offset

    def item_width(self, sequence: SequenceNode) -> int | None:
        """The dash-to-content width of the list's own items (its last that shows one), so that a
        new item looks like its siblings."""
        for index in reversed(range(len(sequence.value))):
            bound = sequence.value[index - 1].end_mark.index if index else sequence.start_mark.index
            item = sequence.value[index]
            width = dash_width(self.text, sequence, item) if item.start_mark.index >= bound else None
            if width is not None:
                return width
        return None

    def colon_after(self, key: Node) -> int:
        """The offset just after the `:` that follows a simple key."""
        match = _COLON.match(self.text, key.end_mark.index)
        if match is None:
            raise Refused("a key that is not a simple `key:` (an explicit `? key`)")
        return match.end()

    def dash_before(self, item: Node) -> int:
        """The offset of the `-` of a block sequence item (on the item's first line)."""
        i = item.start_mark.index - 1
        while i >= 0 and self.text[i] == " ":
            i -= 1
        if i < 0 or self.text[i] != "-":
            raise Refused("the list item's dash is not on its first line")
        return i

    def uncommented(self, start: int, end: int, node: Node) -> list[tuple[int, int]]:
        """The spans of whole lines between `start` and `end` (a line start) that are not comment
        lines; a line starting with `#` inside a scalar of `node` (a block scalar) is no comment."""
        spans: list[tuple[int, int]] = []
        for comment in _COMMENT_LINE.finditer(self.text, start, end):
            if self.in_multiline_scalar(comment.start()):
                continue
            if start < comment.start():
                spans.append((start, comment.start()))
            start = comment.end()
        if start < end:
            spans.append((start, end))
        return spans

    def shared(self) -> Shared:
        cached = _SHARED.get(id(self.document))
        if cached is None or cached.document is not self.document:
            _SHARED.clear()  # fixes are built document by document: keeping others would keep them alive
            cached = _SHARED[id(self.document)] = Shared(self.document)
        return cached

    def in_multiline_scalar(self, offset: int) -> bool:
        """Whether the offset is inside a scalar of more than one line (where `#` starts no comment)."""
        scalars = self.shared()
        index = bisect.bisect_right(scalars.starts, offset) - 1
        return index >= 0 and offset < scalars.ends[index]

    def unbroken_block_scalar_ends_at(self, offset: int) -> bool:
        """Whether a block scalar ends the text, without a final line break, at `offset`."""
        return offset == len(self.text) and not self.text.endswith("\n") and self.block_scalar_ends_at(offset)

    def block_scalar_ends_at(self, offset: int) -> bool:
        return offset in self.shared().block_ends
