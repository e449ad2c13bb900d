"""Fix builders for rules: YAML-aware text edits that follow the file's own style.

Rules call these to attach a Fix to a Violation. Paths are relative to the object (as in
Violation.path). Every edit is a splice into the original text: the bytes around it (comments,
key order, quoting, blank lines, CRLF, a missing final newline) are never rewritten. Inserted YAML
copies the document's style: the indentation of nested mappings, whether sequences are indented
under their key, the dash-to-content width of list items, flow (`{}`/`[]`) collections where the
file has them, JSON syntax in JSON files, and the file's preferred quotes for strings that need
quoting (`"yes"`, `"0777"`: the API server would read them as a boolean and a number).

A builder returns None when there is nothing to change. When the change cannot be made safely
as a text edit, it returns a DISPLAY fix without edits whose description says why: the value is
(inside) an anchored or aliased node, so the edit would change every place that shares it; the
key comes from a `<<` merge; the key appears twice; or the text around it has a shape the
builder does not locate with certainty (an explicit `? key`, an alias where text must be inserted).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from klint.document import Document, Path, decode_scalar, key_string, resolve_plain
from klint.fix import Applicability, Edit, Fix, Refill
from klint.k8s import K8sObject, format_path, lookup


def set_field(obj: K8sObject, path: Path, value: Any, applicability: Applicability,
              description: str) -> Fix | None:
    """Set the value at `path` (a scalar, or a small mapping/list), creating missing parent mappings.

    A mapping value is merged into an existing mapping key by key (its other keys stay); any other
    value replaces the existing one."""
    return _build(obj, path, applicability, description, lambda e, p: e.set(p, value))


def remove_field(obj: K8sObject, path: Path, applicability: Applicability, description: str) -> Fix | None:
    """Delete the mapping entry at `path` (key and value, with its line when it has one of its own)."""
    return _build(obj, path, applicability, description, lambda e, p: e.remove(p))


def add_list_item(obj: K8sObject, path: Path, item: Any, applicability: Applicability,
                  description: str) -> Fix | None:
    """Append `item` to the list at `path`, creating the list (and its parents) when absent."""
    return _build(obj, path, applicability, description, lambda e, p: e.append(p, item))


def remove_list_item(obj: K8sObject, path: Path, applicability: Applicability,
                     description: str) -> Fix | None:
    """Delete the list item at `path` (whose last step is its index); the list's key too when the item
    is its only one and the key has siblings, as a person would (no `volumes: []` left behind)."""
    if not path or not isinstance(path[-1], int):
        raise ValueError(f"remove_list_item needs a path ending in an index, got {format_path(path)}")
    items, parent = obj.get(path[:-1]), obj.get(path[:-2])
    if (isinstance(items, list) and len(items) == 1 and len(path) > 1 and isinstance(path[-2], str)
            and isinstance(parent, dict) and len(parent) > 1):  # an emptied mapping would turn `{}`
        return remove_field(obj, path[:-1], applicability, description)
    return _build(obj, path, applicability, description, lambda e, p: e.remove_item(p), changed=path[:-1])


def rename_key(obj: K8sObject, path: Path, new_key: str, applicability: Applicability,
               description: str) -> Fix | None:
    """Rename the mapping key at `path` to `new_key` (a plain identifier), keeping its quoting."""
    entry = obj.document.entries.get((*obj.root, *path))
    if entry is None or entry.key is None or not isinstance(entry.key, ScalarNode):
        return None
    key = entry.key
    if key.anchor is not None or key.style not in (None, "", '"', "'"):
        return _refused(description, "the key is anchored or not a simple scalar")
    quote = key.style or ""
    edit = Edit(key.start_mark.index, key.end_mark.index, f"{quote}{new_key}{quote}")
    return Fix(description, (edit,), applicability, (path, (*path[:-1], new_key)))


def combine(description: str, applicability: Applicability, *fixes: Fix | None) -> Fix | None:
    """One fix made of several builders' fixes (say, two fields of one container). The parts must
    edit disjoint text; when any part was refused, so is the whole, for the same reason."""
    parts = [fix for fix in fixes if fix is not None]
    if not parts:
        return None
    for fix in parts:
        if not fix.edits:
            return _refused(description, fix.description.rpartition(NOT_APPLIED)[2].removesuffix(")"))
    edits = _merge_deletions(sorted((e for fix in parts for e in fix.edits), key=lambda e: (e.start, e.end)))
    if any(b.start < a.end or a.start == b.start for a, b in pairwise(edits)):
        return _refused(description, "its parts edit the same text")
    return Fix(description, tuple(edits), applicability, tuple(p for fix in parts for p in fix.paths))


def _merge_deletions(edits: list[Edit]) -> list[Edit]:
    """Deletions that overlap or meet, as one: removing two blocks that share a line break (the last
    block of a file without a final one takes the break before it) deletes their union."""
    merged: list[Edit] = []
    for edit in edits:
        last = merged[-1] if merged else None
        if last is not None and not last.text and not edit.text and edit.start <= last.end:
            merged[-1] = Edit(last.start, max(last.end, edit.end), "")
        else:
            merged.append(edit)
    return merged


NOT_APPLIED = " (not applied: "


def _refused(description: str, reason: str) -> Fix:
    return Fix(f"{description}{NOT_APPLIED}{reason})", (), Applicability.DISPLAY)


class Refused(Exception):
    """The change cannot be made safely as a text edit; the message says why."""


def _build(obj: K8sObject, path: Path, applicability: Applicability, description: str,
           action: Any, changed: Path | None = None) -> Fix | None:
    editor = _Editor(obj.document)
    try:
        action(editor, (*obj.root, *path))
    except Refused as err:
        return _refused(description, str(err))
    if not editor.edits:
        return None
    edits = tuple(sorted(editor.edits, key=lambda e: (e.start, e.end)))
    return Fix(description, edits, applicability, (path if changed is None else changed,))


# --- style -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Style:
    newline: str  # "\n" or "\r\n"
    map_indent: int  # columns a nested block mapping is indented under its key
    seq_indent: int  # columns a block sequence's dashes are indented under its key (0: not indented)
    item_indent: int  # columns from a dash to its item's content, for mapping items
    scalar_item_indent: int  # the same for other items (`- NET_RAW`): files may write the two apart
    quote: str  # '"' or "'": how strings that must be quoted are quoted
    json: bool  # a JSON document: keys and strings double-quoted, collections in flow style


_STYLES: dict[int, tuple[Document, Style]] = {}


def document_style(document: Document) -> Style:
    """The document's own style (the most common choice where it has one; kubectl's otherwise)."""
    cached = _STYLES.get(id(document))
    if cached is not None and cached[0] is document:
        return cached[1]
    if document.outline_fixes:
        return _outline_style(document)
    text = document.source.text
    maps: Counter[int] = Counter()
    seqs: Counter[int] = Counter()
    items: Counter[int] = Counter()
    scalars: Counter[int] = Counter()
    quotes: Counter[str] = Counter()
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
        elif isinstance(node, MappingNode):
            for key, value in node.value:
                stack.append(value)
                if node.flow_style or value.start_mark.index < key.end_mark.index or _is_flow(value):
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
                width = _item_width(text, node, item)
                if width is not None:
                    mapping = isinstance(item, MappingNode) and bool(item.value) and not item.flow_style
                    (items if mapping else scalars)[width] += 1
    map_indent = _most_common(maps, lambda n: n > 0, 2)
    item_indent = _most_common(items, lambda n: n >= 2, _most_common(scalars, lambda n: n >= 2, 2))
    style = Style(
        newline=_newline(text),
        map_indent=map_indent,
        seq_indent=_most_common(seqs, lambda n: n >= 0, map_indent),
        item_indent=item_indent,
        scalar_item_indent=_most_common(scalars, lambda n: n >= 2, item_indent),
        quote="'" if quotes["'"] > quotes['"'] else '"',
        json=_is_json(document),
    )
    _STYLES.clear()  # fixes are built document by document: keeping others would keep their text alive
    _STYLES[id(document)] = (document, style)
    return style


def _outline_style(document: Document) -> Style:
    """The style when the edits' text is never shown: kubectl's indentation, without the walk of the
    whole document that finds its own. What decides whether a fix applies (JSON or YAML) and where
    its edits go is exact, so a fix applies, or is refused, as with the document's style."""
    return Style(newline=_newline(document.source.text), map_indent=2, seq_indent=2, item_indent=2,
                 scalar_item_indent=2, quote='"', json=_is_json(document))


def _newline(text: str) -> str:
    first_break = text.find("\n")
    return "\r\n" if first_break > 0 and text[first_break - 1] == "\r" else "\n"


def _is_json(document: Document) -> bool:
    return isinstance(document.root, MappingNode) and bool(document.root.flow_style)


def _item_width(text: str, sequence: SequenceNode, item: Node) -> int | None:
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


# --- rendering values as YAML ------------------------------------------------------------------

# Strings written without quotes: they must read back as the same string under YAML 1.1 (the API
# server) and 1.2, in block and flow context alike.
_PLAIN = re.compile(r"[A-Za-z_/][A-Za-z0-9_./@+-]*(?: [A-Za-z0-9_./@+-]+)*")


def render_scalar(value: Any, quote: str = '"', json_mode: bool = False) -> str:
    """A scalar as YAML text that decodes (as Kubernetes decodes it) to exactly `value`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            if json_mode:
                raise Refused("JSON cannot hold a NaN or infinite number")
            return ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf")
        return repr(value)
    if not isinstance(value, str):
        raise TypeError(f"cannot render {type(value).__name__} as a YAML scalar")
    if not json_mode and _PLAIN.fullmatch(value) and resolve_plain(value) == value and value != "<<":
        return value
    return _double_quoted(value) if json_mode else _quoted(value, quote)


def _double_quoted(value: str) -> str:
    out = json.dumps(value, ensure_ascii=False)
    if out[1:-1].isprintable():
        return out
    return "".join(ch if ch.isprintable() else
                   (f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}") for ch in out)


# --- the editor --------------------------------------------------------------------------------

_NULL_WORDS = frozenset({"", "~", "null", "Null", "NULL"})
_ALIAS_AFTER_KEY = re.compile(r"[ \t]*:[ \t]*\*[^\s,\[\]{}]+")
_COLON = re.compile(r"[ \t]*:")
_BLANK_REST = re.compile(r"[ \t]*(#[^\n]*)?(\n|\Z)")


class _Editor:
    """Builds the edits of one fix on one document's text.

    Positions come from the composer's marks. Two things need care: a block collection's end mark
    lies after the comments and blank lines that follow it (so ends are taken from its last
    scalar), and an alias node carries the marks of the anchored node it stands for (so an alias
    is recognised by starting before the key or item it belongs to)."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.text = document.source.text
        self.edits: list[Edit] = []

    @property
    def style(self) -> Style:
        return document_style(self.document)

    # -- the operations (paths are absolute in the document) --

    def set(self, path: Path, value: Any) -> None:
        present, key, node = self.chain(path)[-1]
        if len(present) == len(path):
            self.replace(path, key, node, value)
            return
        missing = path[len(present):]
        if any(isinstance(step, int) for step in missing):
            raise Refused(f"{format_path(path)} needs list items that are not there")
        for step in reversed(missing[1:]):
            value = {step: value}
        if isinstance(node, MappingNode):
            self.insert_entries(node, {missing[0]: value})
        elif _is_null(node):
            self.fill_null(present, key, node, {missing[0]: value})
        else:
            raise Refused(f"{format_path(present) or 'the document'} is not a mapping")

    def append(self, path: Path, item: Any) -> None:
        present, _, node = self.chain(path)[-1]
        if len(present) < len(path) or _is_null(node):
            self.set(path, [item])
        elif not isinstance(node, SequenceNode):
            raise Refused(f"{format_path(path)} is not a list")
        elif node.flow_style:
            self.insert_flow(node, [self.flow(item)])
        elif not self.text.startswith("-", node.start_mark.index):
            raise Refused("a list whose first dash is not where expected")
        elif self.unbroken_block_scalar_ends_at(self.line_end(node)):
            raise Refused("the list ends the file with a block scalar and no line break")
        else:
            self.insert_lines(self.insertion_point(node),
                              self.block_sequence([item], node.start_mark.column, self.item_width(node)))

    def remove(self, path: Path) -> None:
        if path not in self.document.entries:
            return
        chain = self.chain(path)
        (_, parent_key, parent), (_, key, value) = chain[-2:]
        assert isinstance(parent, MappingNode) and key is not None
        self.check_subtree(value)
        if sum(1 for k, _ in parent.value if isinstance(k, ScalarNode)
               and key_string(decode_scalar(k)) == path[-1]) > 1:
            raise Refused(f"the key {path[-1]} appears more than once")
        pairs = parent.value
        index = next(i for i, (k, _) in enumerate(pairs) if k is key)
        if parent.flow_style:
            self.remove_flow(parent, index)
        elif len(pairs) == 1:
            self.collapse(parent_key, parent, "{}")
        elif self.text[self.line_start(key.start_mark.index):key.start_mark.index].strip(" "):
            # The key shares its line with what precedes it (`- hostNetwork: true`): keep the
            # line's beginning and pull the next key up into its place.
            if index != 0:
                raise Refused("the key does not start its own line")
            self.edit(key.start_mark.index, pairs[1][0].start_mark.index, "")
        else:
            self.delete_lines(self.line_start(key.start_mark.index), self.line_end(value))

    def remove_item(self, path: Path) -> None:
        if path not in self.document.entries:
            return
        chain = self.chain(path)
        (_, sequence_key, sequence), (_, _, item) = chain[-2:]
        assert isinstance(sequence, SequenceNode)
        self.check_subtree(item)
        index = path[-1]
        assert isinstance(index, int)
        if sequence.flow_style:
            self.remove_flow(sequence, index)
        elif len(sequence.value) == 1:
            self.collapse(sequence_key, sequence, "[]")
        else:
            dash = self.dash_before(item)
            start = self.line_start(dash)
            if self.text[start:dash].strip(" "):
                raise Refused("the list item does not start its own line")
            self.delete_lines(start, self.line_end(item))

    # -- locating --

    def chain(self, path: Path) -> list[tuple[Path, Node | None, Node]]:
        """(path, key node, value node) from the document root to the longest present prefix of
        `path`, refusing anchored or aliased nodes and keys that a `<<` merge brought in."""
        entries = self.document.entries
        out: list[tuple[Path, Node | None, Node]] = [((), None, self.document.root)]
        self.check_node(self.document.root, ())
        for length in range(1, len(path) + 1):
            prefix = path[:length]
            entry = entries.get(prefix)
            if entry is None:
                break
            parent = out[-1][2]
            if isinstance(parent, MappingNode) and not any(k is entry.key for k, _ in parent.value):
                raise Refused(f"{format_path(prefix)} comes from a `<<` merge")
            if entry.key is not None:
                if entry.value.start_mark.index < entry.key.end_mark.index:
                    raise Refused(f"{format_path(prefix)} is an alias (*)")
                self.colon_after(entry.key)  # refuses an explicit `? key`
            self.check_node(entry.value, prefix)
            out.append((prefix, entry.key, entry.value))
        return out

    def check_node(self, node: Node, path: Path) -> None:
        if self.anchored(node):
            raise Refused(f"{format_path(path) or 'the document'} is anchored (&) or aliased (*): "
                          "the edit would change every place that shares it")

    def check_subtree(self, node: Node) -> None:
        """Text about to be deleted must define no anchor that an alias may refer to."""
        stack = [node]
        while stack:
            current = stack.pop()
            if self.anchored(current):
                raise Refused("the text to delete defines an anchor (&) that aliases may use")
            if isinstance(current, MappingNode):
                stack.extend(v for pair in current.value for v in pair)
            elif isinstance(current, SequenceNode):
                stack.extend(current.value)

    def anchored(self, node: Node) -> bool:
        """Whether the node's properties (`&anchor`, `!tag`) include an anchor. The C composer
        keeps no anchors on nodes, so they are read from the text."""
        text, i = self.text, node.start_mark.index
        while i < len(text) and text[i] in "&!":
            if text[i] == "&":
                return True
            while i < len(text) and text[i] not in " \t\r\n":
                i += 1
            while i < len(text) and text[i] in " \t\r\n":
                i += 1
        return False

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
            width = _item_width(self.text, sequence, item) if item.start_mark.index >= bound else None
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

    # -- editing --

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

    def delete_lines(self, start: int, end: int) -> None:
        """Delete whole lines; the last lines of a text without a final line break take the line
        break before them along, so that the text still ends without one (unless that line break
        ends a block scalar, whose value it is part of)."""
        if end == len(self.text) and not self.text.endswith("\n") and start > 0 \
                and not self.block_scalar_ends_at(start):
            start -= 2 if self.text[start - 2:start] == "\r\n" else 1
        self.edit(start, end, "")

    def unbroken_block_scalar_ends_at(self, offset: int) -> bool:
        """Whether a block scalar ends the text, without a final line break, at `offset`."""
        return offset == len(self.text) and not self.text.endswith("\n") and self.block_scalar_ends_at(offset)

    def block_scalar_ends_at(self, offset: int) -> bool:
        stack = [self.document.root]
        while stack:
            node = stack.pop()
            if isinstance(node, ScalarNode):
                if node.style in ("|", ">") and node.end_mark.index == offset:
                    return True
            elif isinstance(node, MappingNode):
                stack.extend(v for pair in node.value for v in pair)
            elif isinstance(node, SequenceNode):
                stack.extend(node.value)
        return False

    def put(self, node: Node, text: str) -> None:
        """Replace a scalar's text (an empty value right after its colon gets a space first)."""
        start, end = node.start_mark.index, node.end_mark.index
        if start == end and self.text[start - 1:start] == ":":
            text = " " + text
        self.edit(start, end, text)

    def replace(self, path: Path, key: Node | None, node: Node, value: Any) -> None:
        if same_value(lookup(self.document.data, path), value):
            return
        if isinstance(value, dict) and isinstance(node, MappingNode):
            self.merge(path, node, value)
        elif isinstance(node, ScalarNode) and not isinstance(value, (dict, list)):
            if isinstance(value, str) and node.style in ("'", '"'):
                self.put(node, _quoted(value, node.style))  # keep the value quoted as it was
            else:
                self.put(node, self.scalar(value))
        elif _is_null(node):
            self.fill_null(path, key, node, value)
        elif isinstance(node, SequenceNode) and isinstance(value, list):
            self.replace_sequence(key, node, value)
        else:
            raise Refused(f"{format_path(path)} holds a value of another shape")

    def merge(self, path: Path, node: MappingNode, value: dict[str, Any]) -> None:
        missing = {}
        for name, item in value.items():
            child = (*path, name)
            if child in self.document.entries:
                _, key, child_node = self.chain(child)[-1]
                self.replace(child, key, child_node, item)
            else:
                missing[name] = item
        if missing:
            self.insert_entries(node, missing)

    def insert_entries(self, node: MappingNode, value: dict[str, Any]) -> None:
        if node.flow_style:
            self.insert_flow(node, [f"{self.scalar(k)}: {self.flow(v)}" for k, v in value.items()])
            return
        indent = node.value[0][0].start_mark.column
        lines = [line for k, v in value.items() for line in self.block_entry(k, v, indent)]
        offset = self.insertion_point(node)
        if self.unbroken_block_scalar_ends_at(offset):
            # A line break after it would join the scalar's value: go before the last entry instead.
            last_key = node.value[-1][0]
            offset = self.line_start(last_key.start_mark.index)
            if self.text[offset:last_key.start_mark.index].strip():
                raise Refused("the mapping ends the file with a block scalar and no line break")
        self.insert_lines(offset, lines)

    def insert_flow(self, node: Node, parts: list[str]) -> None:
        """Add entries (or items) at the end of a flow mapping (or sequence)."""
        text = self.text
        close = node.end_mark.index - 1
        if text[close:close + 1] not in ("}", "]"):
            raise Refused("a flow collection whose end is not where expected")
        if not node.value:
            self.edit(close, close, ", ".join(parts))
            return
        last = node.value[-1]
        first_of_last = (last[0] if isinstance(node, MappingNode) else last).start_mark
        end = self.child_end(node, len(node.value) - 1)
        line = self.line_start(first_of_last.index)
        if line > node.start_mark.index and not text[line:first_of_last.index].strip():
            separator = "," + self.style.newline + " " * first_of_last.column  # one per line
        else:
            separator = ", "
        self.edit(end, end, separator + separator.join(parts))

    def remove_flow(self, collection: Node, index: int) -> None:
        children = collection.value
        start = children[index][0] if isinstance(collection, MappingNode) else children[index]
        end = self.child_end(collection, index)
        if len(children) == 1:
            self.edit(start.start_mark.index, end, "")
        elif index + 1 < len(children):
            following = children[index + 1]
            following = following[0] if isinstance(collection, MappingNode) else following
            self.edit(start.start_mark.index, following.start_mark.index, "")
        else:
            self.edit(self.child_end(collection, index - 1), end, "")

    def collapse(self, key: Node | None, collection: Node, empty: str) -> None:
        """Replace a block collection that loses its only child by `{}` or `[]` (an empty block
        collection does not exist), after its key when it has one: `securityContext: {}`. Where the
        child has lines of its own, the edit can instead delete them when other fixes insert lines
        into the collection in the same pass (`Refill`)."""
        end = self.content_end(collection)
        if key is None:
            self.edit(collection.start_mark.index, end, empty)
            return
        self.edits.append(Edit(self.colon_after(key), end, " " + empty, self.refill(key, collection)))

    def refill(self, key: Node, collection: Node) -> Refill | None:
        """The lines of a block collection's only child, to delete should other lines be inserted into
        it (None where that child does not start a line of its own below its key)."""
        if not isinstance(collection, (MappingNode, SequenceNode)) or collection.flow_style:
            return None
        try:
            child = collection.value[0][0] if isinstance(collection, MappingNode) else collection.value[0]
            item = isinstance(collection, SequenceNode)
            first = self.dash_before(child) if item else child.start_mark.index
            start, end = self.line_start(first), self.line_end(collection)
            offset = self.insertion_point(collection)
        except Refused:
            return None
        if start <= key.start_mark.index or self.text[start:first].strip(" ") \
                or not self.text.endswith("\n", 0, end):  # the last line of a text without a line break
            return None
        return Refill(offset, first - start, isinstance(collection, SequenceNode), Edit(start, end, ""))

    def fill_null(self, path: Path, key: Node | None, node: Node, value: Any) -> None:
        """Replace an empty or null value by a collection."""
        parent = self.document.entries[path[:-1]].value if path else None
        if key is None or parent is None:
            raise Refused(f"{format_path(path) or 'the document'} is a null list item")
        if self.style.json or parent.flow_style or not value:
            self.put(node, self.flow(value))
            return
        if self.line_start(node.start_mark.index) != self.line_start(key.start_mark.index) \
                or _BLANK_REST.match(self.text, node.end_mark.index) is None:
            raise Refused("a null value that is not alone on its key's line")
        if node.end_mark.index > node.start_mark.index:  # `key: null` or `key: ~`: drop the word
            self.edit(self.colon_after(key), node.end_mark.index, "")
        column = key.start_mark.column
        if isinstance(value, dict):
            lines = self.block_mapping(value, column + self.style.map_indent)
        else:
            lines = self.block_sequence(value, column + self.style.seq_indent)
        newline = self.text.find("\n", node.end_mark.index)
        self.insert_lines(len(self.text) if newline < 0 else newline + 1, lines)

    def replace_sequence(self, key: Node | None, node: SequenceNode, value: list[Any]) -> None:
        if node.flow_style:
            self.edit(node.start_mark.index, node.end_mark.index, self.flow(value))
        elif not value:
            self.collapse(key, node, "[]")
        elif not self.text.startswith("-", node.start_mark.index):
            raise Refused("a list whose first dash is not where expected")
        else:
            column = node.start_mark.column
            lines = self.block_sequence(value, column, self.item_width(node))
            lines[0] = lines[0][column:]  # the first dash stays where it is
            end = self.line_end(node)
            text = self.style.newline.join(lines)
            if self.text[end - 1:end] == "\n":
                text += self.style.newline
            self.edit(node.start_mark.index, end, text)

    # -- rendering in the document's style --

    def scalar(self, value: Any) -> str:
        style = self.style
        return render_scalar(value, style.quote, style.json)

    def flow(self, value: Any) -> str:
        if isinstance(value, dict):
            return "{" + ", ".join(f"{self.scalar(k)}: {self.flow(v)}" for k, v in value.items()) + "}"
        if isinstance(value, list):
            return "[" + ", ".join(self.flow(item) for item in value) + "]"
        return self.scalar(value)

    def block_entry(self, key: str, value: Any, indent: int) -> list[str]:
        head = " " * indent + self.scalar(key) + ":"
        if isinstance(value, dict) and value and not self.style.json:
            return [head, *self.block_mapping(value, indent + self.style.map_indent)]
        if isinstance(value, list) and value and not self.style.json:
            return [head, *self.block_sequence(value, indent + self.style.seq_indent)]
        return [f"{head} {self.flow(value)}"]

    def block_mapping(self, value: dict[str, Any], indent: int) -> list[str]:
        return [line for k, v in value.items() for line in self.block_entry(k, v, indent)]

    def block_sequence(self, items: list[Any], indent: int, width: int | None = None) -> list[str]:
        """Items with their dashes at `indent`, `width` columns from their content (by default, as
        in the rest of the file)."""
        lines: list[str] = []
        for item in items:
            if isinstance(item, dict) and item:
                gap = width or self.style.item_indent
                inner = self.block_mapping(item, indent + gap)
                lines.append(" " * indent + "-" + " " * (gap - 1) + inner[0][indent + gap:])
                lines.extend(inner[1:])
            else:
                gap = width or self.style.scalar_item_indent
                lines.append(" " * indent + "-" + " " * (gap - 1) + self.flow(item))
        return lines


def _quoted(value: str, quote: str) -> str:
    if quote == "'" and value.isprintable():
        return "'" + value.replace("'", "''") + "'"
    return _double_quoted(value)


def _is_flow(node: Node) -> bool:
    return isinstance(node, (MappingNode, SequenceNode)) and bool(node.flow_style)


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and not node.style and node.value in _NULL_WORDS \
        and decode_scalar(node) is None


def same_value(a: Any, b: Any) -> bool:
    """Equal values of equal types (True is not 1 here), recursively."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)
