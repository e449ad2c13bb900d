"""A document's own style, which inserted YAML copies."""

from __future__ import annotations

import weakref
from collections import Counter
from dataclasses import dataclass
from typing import Any

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from klint.document import Document, parse_documents, resolve_plain
from klint.edits.nodes import is_flow
from klint.source import Source


@dataclass(frozen=True)
class Style:
    newline: str  # "\n" or "\r\n"
    map_indent: int  # columns a nested block mapping is indented under its key
    seq_indent: int  # columns a block sequence's dashes are indented under its key (0: not indented)
    item_indent: int  # columns from a dash to its item's content, for mapping items
    scalar_item_indent: int  # the same for other items (`- NET_RAW`): files may write the two apart
    quote: str  # '"' or "'": how strings that must be quoted are quoted
    key_quote: str  # '"' or "'" when the file quotes its keys (most of them), else ""
    json: bool  # a JSON document: keys and strings double-quoted, collections in flow style
    value_quote: str = ""  # '"' or "'" when the file quotes its string values (most of them), else ""


# The style of the document whose fixes are being built, and whether it is the outline one (every
# edit asks for it: even the outline style is worth keeping).
_STYLES: dict[int, tuple[Document, bool, Style]] = {}


def document_style(document: Document) -> Style:
    """The document's own style (the most common choice where it has one; kubectl's otherwise)."""
    cached = _STYLES.get(id(document))
    if cached is not None and cached[0] is document and cached[1] == document.outline_fixes:
        return cached[2]
    if document.outline_fixes:
        style = _outline_style(document)
    elif document.item is not None:
        style = _list_style(document)
    else:
        counts = _StyleCounts(document.source.text)
        counts.walk(document.root)
        style = counts.style(document)
    _STYLES.clear()  # fixes are built document by document: keeping others would keep their text alive
    _STYLES[id(document)] = (document, document.outline_fixes, style)
    return style


class _StyleCounts:
    """How often a document makes each choice of style, counted node by node. (Ties between counts are
    broken by which choice came first, so the order of the walk matters.)"""

    def __init__(self, text: str) -> None:
        self.text = text
        self.maps: Counter[int] = Counter()
        self.seqs: Counter[int] = Counter()
        self.items: Counter[int] = Counter()
        self.scalars: Counter[int] = Counter()
        self.quotes: Counter[str] = Counter()
        self.keys: Counter[str] = Counter()
        self.plain_strings = 0  # string values written without quotes

    def walk(self, root: Node) -> None:
        seen: set[int] = set()
        stack: list[Node] = [root]
        while stack:
            node = stack.pop()
            if id(node) not in seen:
                seen.add(id(node))
                stack.extend(self.visit(node))

    def visit(self, node: Node) -> list[Node]:
        """Count one node's own choices; returns its children, in the order the walk stacks them."""
        text = self.text
        if isinstance(node, ScalarNode):
            if node.style in ("'", '"'):
                self.quotes[node.style] += 1
            elif not node.style and isinstance(resolve_plain(node.value), str):
                self.plain_strings += 1
            return []
        if isinstance(node, MappingNode):
            for key, value in node.value:
                if isinstance(key, ScalarNode):
                    self.keys[key.style or ""] += 1
                if node.flow_style or value.start_mark.index < key.end_mark.index or is_flow(value):
                    continue
                column = key.start_mark.column
                if isinstance(value, MappingNode) and value.value:
                    self.maps[value.value[0][0].start_mark.column - column] += 1
                elif isinstance(value, SequenceNode) and text.startswith("-", value.start_mark.index):
                    self.seqs[value.start_mark.column - column] += 1
            return [value for _, value in node.value]
        if isinstance(node, SequenceNode) and not node.flow_style:
            for item in node.value:
                self.item(node, item)
        return list(node.value)

    def item(self, sequence: SequenceNode, item: Node) -> None:
        width = dash_width(self.text, sequence, item)
        if width is not None:
            mapping = isinstance(item, MappingNode) and bool(item.value) and not item.flow_style
            (self.items if mapping else self.scalars)[width] += 1

    def counters(self) -> list[Counter[Any]]:
        return [self.maps, self.seqs, self.items, self.scalars, self.quotes, self.keys]

    def add(self, other: _StyleCounts) -> None:
        for mine, theirs in zip(self.counters(), other.counters(), strict=True):
            mine.update(theirs)  # the keys new here in the order `other` met them, as a walk would
        self.plain_strings += other.plain_strings

    def style(self, document: Document) -> Style:
        map_indent = _most_common(self.maps, lambda n: n > 0, 2)
        scalar_width = _most_common(self.scalars, lambda n: n >= 2, 2)
        item_indent = _most_common(self.items, lambda n: n >= 2, scalar_width)
        quotes = self.quotes
        quote = "'" if quotes["'"] > quotes['"'] else '"'
        return Style(
            newline=_newline(self.text),
            map_indent=map_indent,
            seq_indent=_most_common(self.seqs, lambda n: n >= 0, map_indent),
            item_indent=item_indent,
            scalar_item_indent=_most_common(self.scalars, lambda n: n >= 2, item_indent),
            quote=quote,
            key_quote=next((q for q, _ in self.keys.most_common(1) if q in ("'", '"')), ""),
            json=_is_json(document),
            value_quote=quote if sum(quotes.values()) > self.plain_strings else "",
        )


class _ItemsInReverse:
    """The counts of a List's items, added up as a walk of the whole List meets them: last item first.
    Only each choice's total and the item that last made it are kept, not a count per item."""

    def __init__(self, text: str) -> None:
        self.totals = _StyleCounts(text)
        self.last: list[dict[Any, tuple[int, int]]] = [{} for _ in self.totals.counters()]

    def add(self, position: int, counts: _StyleCounts) -> None:
        for last, total, counter in zip(self.last, self.totals.counters(), counts.counters(), strict=True):
            for rank, (choice, count) in enumerate(counter.items()):
                total[choice] += count
                last[choice] = (position, rank)
        self.totals.plain_strings += counts.plain_strings

    def in_walk_order(self) -> _StyleCounts:
        ordered = _StyleCounts(self.totals.text)
        for last, total, out in zip(self.last, self.totals.counters(), ordered.counters(), strict=True):
            for choice in sorted(last, key=lambda c: (-last[c][0], last[c][1])):
                out[choice] = total[choice]
        ordered.plain_strings = self.totals.plain_strings
        return ordered


# by id of the source: its List's style (the source weakly: a style must not keep a file's text alive)
_LIST_STYLES: dict[int, tuple[weakref.ref[Source], int, Style]] = {}


def _list_style(item: Document) -> Style:
    """The style of the List whose item `item` is, read on its own (see `parse_documents(itemwise=True)`):
    the List is read again item by item, and its counts added up in the order of a walk of it whole."""
    source = item.source
    cached = _LIST_STYLES.get(id(source))
    if cached is not None and cached[0]() is source and cached[1] == item.index:
        return cached[2]
    text = source.text
    items = _ItemsInReverse(text)
    dashes = _StyleCounts(text)
    sequence: SequenceNode | None = None
    rest: Document | None = None
    # As the first reading did: no InputError comes before the List ends, and a ReadWhole that
    # comes there goes to the engine, which lints the input again reading it whole.
    for read in parse_documents(source, itemwise=True):
        if read.index < item.index:
            continue
        if read.item is None:
            rest = read
            break
        root, key = read.above
        sequence = next(value for candidate, value in root.value if candidate is key)
        assert isinstance(sequence, SequenceNode)  # the List's `items`
        counts = _StyleCounts(text)
        counts.walk(read.root)
        items.add(read.item, counts)
        if not sequence.flow_style:
            dashes.item(sequence, read.root)
    assert rest is not None and sequence is not None and rest.index == item.index
    counts = _StyleCounts(text)
    values = [value for _, value in rest.root.value]
    position = next(i for i, value in enumerate(values) if value is sequence)
    counts.visit(rest.root)
    for value in reversed(values[position + 1:]):
        counts.walk(value)
    counts.add(dashes)
    counts.add(items.in_walk_order())
    for value in reversed(values[:position]):
        counts.walk(value)
    style = counts.style(item)
    _LIST_STYLES.clear()
    _LIST_STYLES[id(source)] = (weakref.ref(source), item.index, style)
    return style


def _outline_style(document: Document) -> Style:
    """The style when the edits' text is never shown: kubectl's indentation, without the walk of the
    whole document that finds its own. What decides whether a fix applies (JSON or YAML) and where
    its edits go is exact, so a fix applies, or is refused, as with the document's style."""
    return Style(newline=_newline(document.source.text), map_indent=2, seq_indent=2, item_indent=2,
                 scalar_item_indent=2, quote='"', key_quote="", json=_is_json(document))


def _newline(text: str) -> str:
    first_break = text.find("\n")
    return "\r\n" if first_break > 0 and text[first_break - 1] == "\r" else "\n"


def _is_json(document: Document) -> bool:
    return isinstance(document.top, MappingNode) and bool(document.top.flow_style)


def dash_width(text: str, sequence: SequenceNode, item: Node) -> int | None:
    """Columns from a block sequence item's dash to its content, when the item starts on the line of
    its dash (at the sequence's column)."""
    i = item.start_mark.index - 1
    while i >= 0 and text[i] == " ":
        i -= 1
    width = item.start_mark.index - i
    if i < 0 or text[i] != "-" or item.start_mark.column - width != sequence.start_mark.column:
        return None
    return width


def _most_common(counts: Counter[int], valid: Any, default: int) -> int:
    for value, _ in counts.most_common():
        if valid(value):
            return value
    return default
