"""A document's own style, which inserted YAML copies."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from klint.document import Document, resolve_plain
from klint.edits.nodes import is_flow


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
        _STYLES.clear()
        _STYLES[id(document)] = (document, True, style)
        return style
    text = document.source.text
    maps: Counter[int] = Counter()
    seqs: Counter[int] = Counter()
    items: Counter[int] = Counter()
    scalars: Counter[int] = Counter()
    quotes: Counter[str] = Counter()
    keys: Counter[str] = Counter()
    plain_strings = 0  # string values written without quotes
    seen: set[int] = set()
    stack: list[Node] = [document.root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, ScalarNode):
            if node.style in ("'", '"'):
                quotes[node.style] += 1
            elif not node.style and isinstance(resolve_plain(node.value), str):
                plain_strings += 1
        elif isinstance(node, MappingNode):
            for key, value in node.value:
                stack.append(value)
                if isinstance(key, ScalarNode):
                    keys[key.style or ""] += 1
                if node.flow_style or value.start_mark.index < key.end_mark.index or is_flow(value):
                    continue
                column = key.start_mark.column
                if isinstance(value, MappingNode) and value.value:
                    maps[value.value[0][0].start_mark.column - column] += 1
                elif isinstance(value, SequenceNode) and text.startswith("-", value.start_mark.index):
                    seqs[value.start_mark.column - column] += 1
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
            if node.flow_style:
                continue
            for item in node.value:
                width = dash_width(text, node, item)
                if width is not None:
                    mapping = isinstance(item, MappingNode) and bool(item.value) and not item.flow_style
                    (items if mapping else scalars)[width] += 1
    map_indent = _most_common(maps, lambda n: n > 0, 2)
    item_indent = _most_common(items, lambda n: n >= 2, _most_common(scalars, lambda n: n >= 2, 2))
    quote = "'" if quotes["'"] > quotes['"'] else '"'
    style = Style(
        newline=_newline(text),
        map_indent=map_indent,
        seq_indent=_most_common(seqs, lambda n: n >= 0, map_indent),
        item_indent=item_indent,
        scalar_item_indent=_most_common(scalars, lambda n: n >= 2, item_indent),
        quote=quote,
        key_quote=next((q for q, _ in keys.most_common(1) if q in ("'", '"')), ""),
        json=_is_json(document),
        value_quote=quote if sum(quotes.values()) > plain_strings else "",
    )
    _STYLES.clear()  # fixes are built document by document: keeping others would keep their text alive
    _STYLES[id(document)] = (document, False, style)
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
