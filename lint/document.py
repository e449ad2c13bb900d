"""YAML/JSON text -> documents: decoded data plus a source map from each value's path to its nodes.

Parsing uses ruamel.yaml's C composer (the `CParser` of `CSafeLoader`): only nodes with marks are
built, never Python objects, and scalars are decoded here the way the Kubernetes API server decodes them
(sigs.k8s.io/yaml on go-yaml v2, i.e. YAML 1.1: `yes`/`on` are booleans, `0777` is octal,
`<<` merge keys expand in place and a later key wins).
"""

from __future__ import annotations

import bisect
import gc
import itertools
import math
import re
import sys
from collections.abc import Generator, ItemsView, Iterator, KeysView, Mapping, ValuesView
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, NamedTuple

from ruamel.yaml.docinfo import DocInfo
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.tag import Tag

from klint.source import Source, Span

try:
    from ruamel.yaml.cyaml import CParser  # CSafeLoader's composer, without its constructor and resolver

    C_COMPOSER = True
except ImportError:  # pragma: no cover - exercised by the fallback test through PureLoader
    C_COMPOSER = False

from ruamel.yaml.loader import SafeLoader as _PureBaseLoader

FieldPath = tuple[str | int, ...]

PLAIN = "!klint/plain"  # the tag we give untagged plain scalars so that we decode them ourselves
STR_TAG = "tag:yaml.org,2002:str"
MERGE_TAG = "tag:yaml.org,2002:merge"
RESOLVABLE_TAGS = frozenset(
    "tag:yaml.org,2002:" + name for name in ("bool", "int", "float", "null", "merge", "timestamp")
)
MAX_DEPTH = 256
# Aliases can make a small text expand enormously ("billion laughs"). The nodes that aliases add (a
# collection met again) are bounded by a multiple of the distinct nodes of the stream, so that neither
# padding (comments, long scalars) nor many small documents buy a bomb more room.
MIN_ALIAS_EXPANSION = 200_000
EXPANSION_PER_NODE = 20
# The C composer recurses on the C stack, some 300 bytes per level of nesting, and crashes the process
# on input nested ~30,000 levels deep (with an 8 MB stack): text that may nest deeper than this is
# measured first (`_check_nesting`, without recursion). Real manifests, even large JSON ones, rarely
# have the 5,000 brackets that it takes to be measured.
C_SAFE_DEPTH = 10_000


# Shared Tag objects: the composer keeps a Tag it is given as is, where a string would cost a new Tag
# per node and a slow string conversion at every comparison.
PLAIN_TAG = Tag(suffix=PLAIN)
_IMPLICIT_TAGS = {
    ScalarNode: Tag(suffix=STR_TAG),
    SequenceNode: Tag(suffix="tag:yaml.org,2002:seq"),
    MappingNode: Tag(suffix="tag:yaml.org,2002:map"),
}
_STR_TAG = _IMPLICIT_TAGS[ScalarNode]


def _resolve(kind: Any, value: Any, implicit: Any) -> Tag:
    """Untagged nodes: plain scalars are decoded later (`decode_scalar`), quoted ones are strings."""
    if kind is ScalarNode and implicit[0]:
        return PLAIN_TAG
    return _IMPLICIT_TAGS[kind]


if C_COMPOSER:
    class _CLoader(CParser):
        """The C composer calls these back for every node: they are kept as cheap as can be."""

        resolve = staticmethod(_resolve)

        def descend_resolver(self, parent: Any, index: Any) -> None:
            pass

        def ascend_resolver(self) -> None:
            pass


class _PureLoader(_PureBaseLoader):
    """ruamel.yaml's pure-Python composer, reading what it reads otherwise than libyaml and go-yaml as
    they do: a tab also separates tokens where libyaml allows it (`a: 1<TAB>`, `key: x<TAB># note`)
    and within plain scalars, `\\'` is an escape in double quotes, and the nesting is bounded before its
    recursion is (at the depth the builder allows)."""

    max_depth = 0  # the composer reads this from its YAML() front end, which we do not use
    ESCAPE_REPLACEMENTS = {**_PureBaseLoader.ESCAPE_REPLACEMENTS, "'": "'"}

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self.resolver.resolve = _resolve
        self.doc_infos = [DocInfo()]  # where the scanner records %YAML and %TAG directives

    def scan_to_next_token(self) -> None:
        # libyaml's rule: tabs are skipped in flow context, and in block context where no simple key
        # may start (after a value's `:`, a scalar, a `-`), i.e. never as indentation.
        peek, forward = self.reader.peek, self.reader.forward
        if self.reader.index == 0 and peek() == "\ufeff":
            forward()
        while True:
            while peek() == " " or (peek() == "\t" and (self.flow_level or not self.allow_simple_key)):
                forward()
            if peek() == "#":
                while peek() not in _LINE_ENDS:
                    forward()
            if not self.scan_line_break():
                return
            if not self.flow_level:
                self.allow_simple_key = True

    def scan_plain_spaces(self, indent: Any, start_mark: Any) -> Any:
        # as ruamel.yaml's, with tabs as blanks between the words of a plain scalar (as libyaml has
        # them), though never as the indentation of its continuation lines
        peek, forward = self.reader.peek, self.reader.forward
        chunks = []
        length = 0
        while peek(length) in " \t":
            length += 1
        whitespaces = self.reader.prefix(length)
        forward(length)
        if peek() in _LINE_BREAKS:
            line_break = self.scan_line_break()
            self.allow_simple_key = True
            if self.reader.prefix(3) in ("---", "...") and peek(3) in _ENDS_OR_BLANKS:
                return None
            breaks = []
            while peek() in _LINE_BREAKS or peek() == " " \
                    or (peek() == "\t" and self.reader.column >= indent):
                if peek() in " \t":
                    forward()
                else:
                    breaks.append(self.scan_line_break())
                    if self.reader.prefix(3) in ("---", "...") and peek(3) in _ENDS_OR_BLANKS:
                        return None
            if line_break != "\n":
                chunks.append(line_break)
            elif not breaks:
                chunks.append(" ")
            chunks.extend(breaks)
        elif whitespaces:
            chunks.append(whitespaces)
        return chunks

    def compose_sequence_node(self, anchor: Any) -> Any:
        self.check_depth()
        return super().compose_sequence_node(anchor)

    def compose_mapping_node(self, anchor: Any) -> Any:
        self.check_depth()
        return super().compose_mapping_node(anchor)

    def check_depth(self) -> None:
        # the composer counts the root as 1, the builder as 0: the same collection, the same error
        if self.depth > MAX_DEPTH + 1:
            mark = self.parser.peek_event().start_mark
            raise InputError(_too_deep(), mark.line + 1, mark.column + 1)


_LINE_ENDS = "\0\r\n\x85\u2028\u2029"
_LINE_BREAKS = "\r\n\x85\u2028\u2029"
_ENDS_OR_BLANKS = _LINE_ENDS + " \t"


def make_loader(text: str, pure: bool = False) -> Any:
    return _PureLoader(text) if pure or not C_COMPOSER else _CLoader(text)


# A nested block collection starts further right than its parent, after indentation and indicators
# only (`- `, `? `, `: `): a text without a long run of those after a line break cannot nest deeply in
# block style. (The regular expression starts with the line break to be fast.)
_BLOCK_RUN = rf"[ \t?:-]{{{C_SAFE_DEPTH // 4}}}"
_DEEP_BLOCK_LINE = re.compile("\n" + _BLOCK_RUN)
_DEEP_BLOCK_START = re.compile(_BLOCK_RUN)
DOCUMENT_START = re.compile(r"^---(?=[ \t\r\n]|\Z)", re.MULTILINE)  # at column 0 after a LF
OTHER_LINE_BREAKS = ("\x85", "\u2028", "\u2029")  # YAML 1.1 line breaks besides LF and CR


def _may_nest_deeply(text: str) -> bool:
    """Whether the text might nest deeper than C_SAFE_DEPTH (a cheap over-estimate): flow collections
    nest at most once per bracket, block collections at most twice per column."""
    if text.count("[") + text.count("{") > C_SAFE_DEPTH // 2:
        # A `---` line ends every collection (or is an error, in a flow collection or a quoted
        # scalar): count per document, so that a long stream of small ones is not measured.
        bounds = [0, *(match.start() for match in DOCUMENT_START.finditer(text)), len(text)]
        if any(text.count("[", start, end) + text.count("{", start, end) > C_SAFE_DEPTH // 2
               for start, end in itertools.pairwise(bounds)):
            return True
    lone_cr = "\r" in text and text.count("\r") != text.count("\r\n")
    if lone_cr or any(line_break in text for line_break in OTHER_LINE_BREAKS):
        return True  # lines not broken by LF: measure rather than look for long line starts
    return _DEEP_BLOCK_LINE.search(text) is not None or _DEEP_BLOCK_START.match(text) is not None


def _check_nesting(text: str) -> None:
    """Raise InputError where the text nests deeper than C_SAFE_DEPTH; YAML errors are left to the
    composer, which meets them at the same place."""
    parser = _CLoader(text)
    depth = 0
    try:
        while parser.check_event():
            event = parser.get_event()
            if isinstance(event, (MappingStartEvent, SequenceStartEvent)):
                depth += 1
                if depth > C_SAFE_DEPTH:
                    raise InputError(_too_deep(), event.start_mark.line + 1, event.start_mark.column + 1)
            elif isinstance(event, (MappingEndEvent, SequenceEndEvent)):
                depth -= 1
    except YAMLError:
        return
    finally:
        parser.dispose()


def _too_deep() -> str:
    return f"nesting is deeper than {MAX_DEPTH} levels (or an alias refers to itself)"


# --- scalars, as go-yaml v2 resolves them -------------------------------------------------------

_WORDS: dict[str, Any] = {}
for _words, _value in (
    (("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    (("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
    (("", "~", "null", "Null", "NULL"), None),
    ((".nan", ".NaN", ".NAN"), float("nan")),
    ((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), float("inf")),
    (("-.inf", "-.Inf", "-.INF"), float("-inf")),
):
    for _word in _words:
        _WORDS[_word] = _value

# strconv.ParseInt(s, 0, 64): optional sign, then 0x / 0o / 0b prefixes, a leading 0 means octal.
_GO_INT = re.compile(r"([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)")
_GO_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_TIMESTAMP = re.compile(r"\d{4}-\d\d?-\d\d?([Tt ].*)?")
_INT64 = (-(2**63), 2**64 - 1)
_INT64_DIGITS = len(str(2**64))


_NOT_A_WORD = object()
# What a plain scalar that is not one of `_WORDS` must start with to be other than a string (a number):
# `resolve_plain` reads every other one as its text.
_NUMERIC_START = frozenset("0123456789+-.")


def resolve_plain(text: str) -> Any:
    """Decode an untagged plain scalar as the Kubernetes API server does."""
    word = _WORDS.get(text, _NOT_A_WORD)
    if word is not _NOT_A_WORD:
        return word
    first = text[0]
    if not (first.isdigit() or first in "+-."):
        return text
    if _TIMESTAMP.fullmatch(text):
        return text  # a timestamp becomes its string form in JSON
    plain = text.replace("_", "")
    match = _GO_INT.fullmatch(plain)
    # A decimal of more digits than 2**64 has is out of range, and Python would refuse to convert one
    # of more than 4,300 digits; the other bases convert in linear time.
    if match and not (match[2][0] != "0" and len(match[2]) > _INT64_DIGITS):
        sign, digits = match.groups()
        lowered = digits.lower()
        if lowered.startswith(("0x", "0o", "0b")):
            number = int(digits[2:], {"x": 16, "o": 8, "b": 2}[lowered[1]])
        else:
            number = int(digits, 8) if digits.startswith("0") else int(digits)
        number = -number if sign == "-" else number
        if _INT64[0] <= number <= _INT64[1]:
            return number
    if _GO_FLOAT.fullmatch(plain):
        real = float(plain)
        if math.isinf(real):  # strconv.ParseFloat fails out of range: go-yaml keeps the string
            return text
        # sigs.k8s.io/yaml hands the API server JSON written by encoding/json, which writes a whole float
        # below 1e21 without a fraction (`0.0`, `0e0` -> `0`): an integer field reads it as that integer
        return int(real) if real.is_integer() and abs(real) < 1e21 else real
    return text


def decode_scalar(node: ScalarNode) -> Any:
    tag = node.ctag
    if tag is PLAIN_TAG:
        return resolve_plain(node.value)
    if tag is not _STR_TAG and str(tag) in RESOLVABLE_TAGS:
        return resolve_plain(node.value)  # e.g. `!!int "12"`
    return node.value


def _plain_key(text: str) -> str:
    """A plain scalar key as a JSON object key; most are names, which need no decoding. Names are
    interned: every document repeats them, and the engine keeps each object's data to the end. The
    keys met are remembered (`_PLAIN_KEYS`, up to a bound): inputs use few."""
    key = _PLAIN_KEYS.get(text)
    if key is None:
        name = text[:1].isalpha() and text not in _WORDS
        key = sys.intern(text) if name else key_string(resolve_plain(text))
        if len(_PLAIN_KEYS) < _MAX_PLAIN_KEYS:
            _PLAIN_KEYS[text] = key
    return key


_PLAIN_KEYS: dict[str, str] = {}
_MAX_PLAIN_KEYS = 50_000


def key_string(value: Any) -> str:
    """Mapping keys become JSON object keys: strings, with booleans and nulls spelled as JSON spells them."""
    if isinstance(value, str):
        return value
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    return str(value)


# --- documents ---------------------------------------------------------------------------------


class Entry(NamedTuple):
    """Where a value sits: its mapping key node (None for sequence items and roots) and its value node.
    (A named tuple: documents have one per value, and a tuple is the cheapest to make.)"""

    key: Node | None
    value: Node


class SourceMap(Mapping[FieldPath, Entry]):
    """A document's entries (path -> Entry), found on demand: a lookup walks the nodes from the root,
    indexing the keys of each mapping it passes once. Made whole up front (a path and an entry per
    value) the map took a third of the time of a parse, while a lint looks up a few paths per finding.
    A walk does not see what a `<<` merge brings in, nor the entries under the earlier of two duplicate
    keys: a document with either gets its map made whole (`whole_map`)."""

    __slots__ = ("_found", "_keys", "_root", "_whole")

    def __init__(self, root: Node) -> None:
        self._root = root
        self._found: dict[FieldPath, Entry | None] = {}
        self._keys: dict[int, dict[str, tuple[Node, Node]]] = {}  # by id of a mapping node
        self._whole: dict[FieldPath, Entry] | None = None

    def get(self, path: FieldPath, default: Any = None) -> Any:
        # rules and fix builders ask for the same paths (and their prefixes) again and again
        found = self._found.get(path, _NOT_FOUND)
        if found is _NOT_FOUND:
            found = self._found[path] = self._walk(path)
        return default if found is None else found

    def _walk(self, path: FieldPath) -> Entry | None:
        key: Node | None = None
        node = self._root
        for step in path:
            if node.__class__ is MappingNode:
                if not isinstance(step, str):
                    return None
                keys = self._keys.get(id(node))
                if keys is None:
                    keys = self._keys[id(node)] = {entry_key(k): (k, v) for k, v in node.value}
                pair = keys.get(step)
                if pair is None:
                    return None
                key, node = pair
            elif node.__class__ is SequenceNode:
                if not isinstance(step, int) or not 0 <= step < len(node.value):
                    return None
                key, node = None, node.value[step]
            else:
                return None
        return _new_entry(Entry, (key, node))

    def __getitem__(self, path: FieldPath) -> Entry:
        entry = self.get(path)
        if entry is None:
            raise KeyError(path)
        return entry

    def __contains__(self, path: object) -> bool:
        return isinstance(path, tuple) and self.get(path) is not None

    def whole(self) -> dict[FieldPath, Entry]:
        if self._whole is None:
            self._whole = whole_map(self._root)
        return self._whole

    def __iter__(self) -> Iterator[FieldPath]:
        return iter(self.whole())

    def __len__(self) -> int:
        return len(self.whole())

    def keys(self) -> KeysView[FieldPath]:
        return self.whole().keys()

    def values(self) -> ValuesView[Entry]:
        return self.whole().values()

    def items(self) -> ItemsView[FieldPath, Entry]:
        return self.whole().items()


_NOT_FOUND = object()


def entry_key(node: Node) -> str:
    """The JSON object key of a mapping key node (not a `<<` merge key)."""
    if node.ctag is PLAIN_TAG:
        return _plain_key(node.value)
    return key_string(decode_scalar(node))  # type: ignore[arg-type]


def whole_map(root: Node) -> dict[FieldPath, Entry]:
    """Every entry of a document, as the builder records them (its aliases already charged)."""
    recorder = _Builder(None, record=True)
    recorder.entries[()] = Entry(None, root)
    recorder.build(root, (), 0)
    return recorder.entries


def _source_map(root: Node, builder: _Builder) -> Mapping[FieldPath, Entry]:
    return whole_map(root) if builder.merged or builder.duplicates else SourceMap(root)


@dataclass(frozen=True)
class DuplicateKey:
    path: FieldPath
    key: Node


@dataclass
class Document:
    source: Source
    index: int  # position in the stream, 0-based
    root: Node
    data: Any
    entries: Mapping[FieldPath, Entry]  # a SourceMap, or a dict
    duplicate_keys: list[DuplicateKey] = field(default_factory=list)
    template: str | None = None  # Helm's "# Source: chart/templates/x.yaml"
    fallback: str | None = None  # read by the pure composer, because the C composer refused this (why)
    # A large List read one item at a time (`parse_documents(itemwise=True)`) comes as a document per
    # item, its root the item's node (paths relative to it), `item` its index and `above` the List's
    # root and `items` key; then as the List's own keys, with `items_apart` the number of items.
    item: int | None = None
    above: tuple[Node, ...] = ()
    items_apart: int | None = None
    # The run reports of its findings' fixes only whether and how they apply, never their edits: fix
    # builders may skip what only the edits' text needs (the document's indentation style).
    outline_fixes: bool = False

    @property
    def top(self) -> Node:
        """The document's root as written: a List's, for its items read on their own."""
        return self.above[0] if self.above else self.root

    @property
    def place(self) -> FieldPath:
        """Where the root sits in the document as written: a List item read on its own is below it."""
        return () if self.item is None else ("items", self.item)

    def node_span(self, node: Node) -> Span:
        return self.source.span(node.start_mark.index, node.end_mark.index)

    def entry_span(self, entry: Entry) -> Span:
        """The key of a mapping entry (with its value when that is a scalar); an item's identifying entry."""
        key, value = entry.key, entry.value
        if key is not None:
            # an empty value has no text (and the composers place it differently): the key alone
            has_text = isinstance(value, ScalarNode) and (value.style or value.value)
            end = value.end_mark.index if has_text else key.end_mark.index
            return self.source.span(key.start_mark.index, end)
        if isinstance(value, MappingNode) and value.value:
            pairs = {k.value: (k, v) for k, v in value.value if isinstance(k, ScalarNode)}
            for anchor_key in ("name", "kind"):
                if anchor_key in pairs:
                    return self.entry_span(Entry(*pairs[anchor_key]))
            return self.entry_span(Entry(*value.value[0]))
        return self.node_span(value)

    def nearest(self, path: FieldPath) -> FieldPath:
        """The longest prefix of `path` that is present in the document."""
        while path and path not in self.entries:
            path = path[:-1]
        return path

    def span(self, path: FieldPath) -> Span:
        """The span of the value at `path`, or of its nearest present ancestor when it is absent."""
        return self.entry_span(self.entries[self.nearest(path)])

    def span_in_value(self, path: FieldPath, text: str) -> Span | None:
        """Where `text` stands in the written value at `path` (a line of a block scalar), when it stands
        there once; None when the value is absent or holds it no time or more than once."""
        entry = self.entries.get(path)
        if entry is None or not text:
            return None
        start, end = entry.value.start_mark.index, entry.value.end_mark.index
        found = self.source.text.find(text, start, end)
        if found < 0 or self.source.text.find(text, found + 1, end) >= 0:
            return None
        return self.source.span(found, found + len(text))

    def release(self) -> None:
        """Drop the source map (nodes and entries), most of a document's memory, and keep its data: the
        engine does so once the document's objects are checked, while a later object may still read
        their data (`K8sObject.related`). Spans then cover the whole document."""
        root = ScalarNode(PLAIN_TAG, "", start_mark=self.root.start_mark, end_mark=self.root.end_mark)
        self.root = root
        self.entries = {(): Entry(None, root)}
        self.duplicate_keys = []


class ReadWhole(Exception):
    """A document read one item at a time (`parse_documents(itemwise=True)`) must be read whole."""


class InputError(Exception):
    """A file klint cannot read or parse, with a 1-based position."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


_new_entry = tuple.__new__  # Entry(key, value) without the Python frame of a named tuple's constructor


class _AliasBudget:
    """The nodes of a stream: `distinct` as written, `expanded` as aliases repeat them."""

    def __init__(self) -> None:
        self.distinct = 0
        self.expanded = 0


class _Builder:
    """Converts one composed document to data, and with `record` to its source map (`entries`).

    This visits every node of every input: scalars, the most common, are decoded where they are met
    rather than through `build`. `depth` counts collections; a collection visited again is an alias
    (the composer hands out the anchored node itself), and what it repeats is charged to `aliases`
    (None: a second visit of a document, already charged)."""

    def __init__(self, aliases: _AliasBudget | None, record: bool = False) -> None:
        self.entries: dict[FieldPath, Entry] = {}
        self.record = record
        self.duplicates: list[DuplicateKey] = []
        self.merged = False  # whether a `<<` merge key was met
        self.aliases = aliases
        self.visited: set[int] = set()  # ids of this document's collections (its nodes stay alive)

    def build(self, node: Node, path: FieldPath, depth: int) -> Any:
        """The data of `node`; records the entries of its descendants (not its own)."""
        if isinstance(node, MappingNode):
            return self.build_mapping(node, path, depth)
        if isinstance(node, SequenceNode):
            return self.build_sequence(node, path, depth)
        if isinstance(node, ScalarNode):
            return decode_scalar(node)
        raise InputError(f"unexpected YAML node {type(node).__name__}", *_position(node))

    def enter(self, node: Node, depth: int) -> bool:
        """Account for a collection; whether this is its first visit (not an alias repeating it)."""
        if depth > MAX_DEPTH:
            raise InputError(_too_deep(), *_position(node))
        size = len(node.value) + 1
        aliases = self.aliases
        if id(node) not in self.visited:
            self.visited.add(id(node))
            if aliases is not None:
                aliases.distinct += size
            return True
        if aliases is not None:
            aliases.expanded += size
            if aliases.expanded > MIN_ALIAS_EXPANSION + EXPANSION_PER_NODE * aliases.distinct:
                raise InputError("aliases expand this document beyond a sane size", *_position(node))
        return False

    # The two loops below visit every node of every input: scalars, the most common, are decoded in
    # line (`decode_scalar`'s common cases), entries made as bare tuples (`Entry`'s own constructor is
    # a Python function) and paths only where they are needed.

    def build_sequence(self, node: SequenceNode, path: FieldPath, depth: int) -> list[Any]:
        self.enter(node, depth)
        entries = self.entries if self.record else None
        items: list[Any] = []
        append = items.append
        for index, item in enumerate(node.value):
            if entries is not None:
                entries[path + (index,)] = _new_entry(Entry, (None, item))  # noqa: RUF005 (faster)
            if item.__class__ is ScalarNode:
                tag = item.ctag
                if tag is PLAIN_TAG:
                    text = item.value
                    value = _WORDS.get(text, _NOT_A_WORD)
                    append((text if text[0] not in _NUMERIC_START else resolve_plain(text))
                           if value is _NOT_A_WORD else value)
                else:
                    append(item.value if tag is _STR_TAG else decode_scalar(item))
            else:
                append(self.build(item, path + (index,), depth + 1))  # noqa: RUF005 (faster)
        return items

    def build_mapping(self, node: MappingNode, path: FieldPath, depth: int) -> dict[str, Any]:
        first_visit = self.enter(node, depth)
        entries = self.entries if self.record else None
        out: dict[str, Any] = {}
        # The keys written here, once a key is merged in (it may be overridden); before that, `out`.
        written: set[str] | dict[str, Any] = out
        for key_node, value_node in node.value:
            if key_node.__class__ is not ScalarNode:
                raise InputError("a mapping key must be a scalar", *_position(key_node))
            text = key_node.value
            if key_node.ctag is PLAIN_TAG:
                if text == "<<":
                    written = set(written)
                    self.merge(key_node, value_node, out, path, depth)
                    continue
                key = _PLAIN_KEYS.get(text) or _plain_key(text)
            elif text == "<<" and str(key_node.ctag) == MERGE_TAG:
                written = set(written)
                self.merge(key_node, value_node, out, path, depth)
                continue
            else:
                key = key_string(decode_scalar(key_node))
            if key in written and first_visit:  # once, where it is written, not again at each alias
                self.duplicates.append(DuplicateKey(path + (key,), key_node))  # noqa: RUF005
            if written is not out:
                written.add(key)  # type: ignore[union-attr]
            if entries is not None:
                entries[path + (key,)] = _new_entry(Entry, (key_node, value_node))  # noqa: RUF005
            if value_node.__class__ is ScalarNode:
                tag = value_node.ctag
                if tag is PLAIN_TAG:
                    text = value_node.value
                    value = _WORDS.get(text, _NOT_A_WORD)
                    out[key] = ((text if text[0] not in _NUMERIC_START else resolve_plain(text))
                                if value is _NOT_A_WORD else value)
                else:
                    out[key] = value_node.value if tag is _STR_TAG else decode_scalar(value_node)
            else:
                out[key] = self.build(value_node, path + (key,), depth + 1)  # noqa: RUF005 (faster)
        return out

    def merge(self, key: Node, value: Node, out: dict[str, Any], path: FieldPath, depth: int) -> None:
        # go-yaml v2 merges in place: the merged keys overwrite earlier ones; for a sequence of
        # maps it walks the list backwards so that the first map wins.
        self.merged = True
        if isinstance(value, MappingNode):
            out.update(self.build_mapping(value, path, depth + 1))
        elif isinstance(value, SequenceNode) and all(isinstance(v, MappingNode) for v in value.value):
            for item in reversed(value.value):
                out.update(self.build_mapping(item, path, depth + 1))
        else:
            raise InputError("map merge requires a mapping or a list of mappings", *_position(key))


def _position(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


_HELM_SOURCE = "# Source: "
_HELM_SOURCE_LINE = re.compile(r"# Source: (.+?)[ \t]*\r?$", re.MULTILINE)


def _helm_templates(text: str) -> list[tuple[int, str]]:
    """Where each `# Source: chart/templates/x.yaml` line of Helm's output starts, and its template.
    (The comment is found with `str.find`: an expression starting `^` would be tried at every
    character of the text.)"""
    found = []
    start = text.find(_HELM_SOURCE)
    while start >= 0:
        if start == 0 or text[start - 1] == "\n":
            match = _HELM_SOURCE_LINE.match(text, start)
            if match:
                found.append((start, match.group(1)))
        start = text.find(_HELM_SOURCE, start + 1)
    return found


def parse_documents(source: Source, pure: bool = False, itemwise: bool = False) -> Iterator[Document]:
    """Yield each non-empty document; raise InputError at the first YAML error (earlier documents stand).

    libyaml 0.1.7, the C composer's, refuses some YAML that go-yaml (the API server's) and the pure-Python
    composer read, a `:` inside a plain scalar in a flow collection (`[--addr=127.0.0.1:8080]`) above
    all. Where the C composer refuses a document, the pure one reads the stream again from that document
    on, with the same resolver, builder and limits; its documents say so (`Document.fallback`). The
    input is an error only when the pure composer refuses it too.

    With `itemwise`, a text of ITEMWISE_MIN_CHARS or more that seems to hold a List is read by
    `_ItemwiseReader`: the items of a document's top-level `items` list come one at a time, each as a
    document of its own, then the rest (see `Document.items_apart`), so that memory stays flat in the
    items. Where that reading cannot give what reading it whole gives (an anchor or alias, an error, a
    key written twice) it raises ReadWhole, for the caller to read the input again without `itemwise`."""
    text = source.text
    templates = _helm_templates(text)
    if not pure and C_COMPOSER and _may_nest_deeply(text):
        _check_nesting(text)
    loader = make_loader(text, pure)
    aliases = _AliasBudget()
    if itemwise and not pure and C_COMPOSER and may_hold_large_list(text):
        try:
            yield from _ItemwiseReader(loader).stream(source, aliases, templates)
        finally:
            loader.dispose()
        return
    index = 0
    previous_end = -1  # a `# Source:` comment before the end of the previous document is not this one's
    fallback: str | None = None  # why the C composer refused the text, once the pure one reads it
    try:
        while True:
            # Composing and building make many objects and no reference cycles: the garbage collector
            # would only walk them again and again (a third of the parse time).
            collecting = gc.isenabled()
            gc.disable()
            try:
                try:
                    root = _next_root(loader)
                except InputError as refused:
                    if pure or not C_COMPOSER or fallback is not None:
                        raise
                    loader.dispose()
                    loader = make_loader(text, pure=True)
                    fallback = f"{refused.line}:{refused.column}: {refused.message}"
                    root = _resume(loader, index, previous_end, refused)
                if root is None:
                    break
                builder = _Builder(aliases)
                data = builder.build(root, (), 0)
                entries = _source_map(root, builder)
            finally:
                if collecting:
                    gc.enable()
            if data is not None:  # else an empty document: `---` and comments, or `~`
                template = _template(templates, root.start_mark.index, previous_end)
                yield Document(source, index, root, data, entries, builder.duplicates, template, fallback)
            previous_end = root.end_mark.index
            index += 1
    finally:
        loader.dispose()


def _template(templates: list[tuple[int, str]], start: int, previous_end: int) -> str | None:
    """The template of Helm's output that wrote the document starting at `start`: the last `# Source:`
    comment before it and after the end of the previous document."""
    position = bisect.bisect_right(templates, start, key=itemgetter(0)) - 1
    if position >= 0 and templates[position][0] > previous_end:
        return templates[position][1]
    return None


def _resume(loader: Any, index: int, previous_end: int, refused: InputError) -> Node | None:
    """The root of document `index`, read by the pure composer `loader` from the start of the stream:
    the documents before it are composed again (not built: their aliases are not charged again) and
    must end where the C composer ended them, else the C composer's error stands. So does it when the
    pure composer fails no further into the text."""
    end = -1
    try:
        for _ in range(index):
            root = _next_root(loader)
            if root is None:
                raise refused
            end = root.end_mark.index
        if end != previous_end:
            raise refused
        return _next_root(loader)
    except InputError as err:
        if err is refused or (err.line, err.column) <= (refused.line, refused.column):
            raise refused from None
        raise


def _next_root(loader: Any) -> Node | None:
    """The root node of the next document, or None at the end of the stream."""
    try:
        return loader.get_node() if loader.check_node() else None
    except YAMLError as err:
        raise _input_error(err) from None


def _input_error(err: YAMLError) -> InputError:
    """The InputError for a YAML error, at its position."""
    if not isinstance(err, MarkedYAMLError):
        return InputError(str(err).strip().splitlines()[0])
    mark = err.problem_mark or err.context_mark
    problem = err.problem or err.context or "invalid YAML"
    context = err.context_mark
    if (err.problem and err.context and context is not None and mark is not None
            and (context.line, context.column) != (mark.line, mark.column)):
        # where the construct that went wrong began: often the line to fix (an unclosed `{`)
        problem += f" ({err.context} started at {context.line + 1}:{context.column + 1})"
    if mark is None:
        return InputError(problem)
    return InputError(problem, mark.line + 1, mark.column + 1)


# --- a large List, one item at a time ------------------------------------------------------------

# A document this large with a top-level `items` list is read one item at a time: composed whole, its
# nodes take some 20 times the size of its text.
ITEMWISE_MIN_CHARS = 1_000_000
_ITEMS_KEY = re.compile(r"^[ \t]{0,8}[\"']?items[\"']?[ \t]*:", re.MULTILINE)  # also kubectl's JSON
_LIST_KIND = re.compile(r"^[ \t]{0,8}[\"']?kind[\"']?[ \t]*:[ \t]*[\"']?\w*List\b", re.MULTILINE)


def may_hold_large_list(text: str) -> bool:
    """Whether the text is large and seems to hold a List: a guess, which decides only how it is read."""
    # the expressions are tried at every line: a word they need is looked for first
    return len(text) >= ITEMWISE_MIN_CHARS and "List" in text and _LIST_KIND.search(text) is not None \
        and _ITEMS_KEY.search(text) is not None


def _build(root: Node, aliases: _AliasBudget, depth: int) -> tuple[_Builder, Any, Mapping[FieldPath, Entry]]:
    """The builder, data and source map of a composed node, the garbage collector off (see
    `parse_documents`)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        builder = _Builder(aliases)
        data = builder.build(root, (), depth)
        return builder, data, _source_map(root, builder)
    finally:
        if collecting:
            gc.enable()


def _is_items_key(key: Node) -> bool:
    return key.__class__ is ScalarNode and key.ctag in (PLAIN_TAG, _STR_TAG) and key.value == "items"


class _ItemwiseReader:
    """Composes a stream from the C parser's events into the very nodes the C composer makes, but
    hands out the items of a document's top-level `items` list one by one, keeping none: the List's
    root keeps an empty `items` list. (The C parser's events and its composer do not mix in one
    stream, so the whole stream is read so.) It takes no anchor nor alias (ReadWhole): an item could
    refer to another."""

    def __init__(self, loader: Any) -> None:
        self.get_event = loader.get_event

    def stream(self, source: Source, aliases: _AliasBudget,
               templates: list[tuple[int, str]]) -> Iterator[Document]:
        index = 0
        previous_end = -1
        try:
            self.get_event()  # the stream's start
            while self.get_event().__class__ is not StreamEndEvent:  # a document's start
                root = yield from self.document(source, index, aliases, templates, previous_end)
                self.get_event()  # the document's end
                previous_end = root.end_mark.index
                index += 1
        except (YAMLError, InputError):
            raise ReadWhole from None

    def document(self, source: Source, index: int, aliases: _AliasBudget, templates: list[tuple[int, str]],
                 previous_end: int) -> Generator[Document, None, Node]:
        """Yield the document's items, if it is read item by item, then the document; return its root."""
        event = self.get_event()
        template = _template(templates, event.start_mark.index, previous_end)
        items = 0
        if event.__class__ is not MappingStartEvent:
            root = self.compose(event, 0)
        else:
            root = self.start(event, MappingNode)
            pairs = root.value
            while (event := self.get_event()).__class__ is not MappingEndEvent:
                key = self.compose(event, 1)
                event = self.get_event()
                if items or event.__class__ is not SequenceStartEvent or not _is_items_key(key):
                    pairs.append((key, self.compose(event, 1)))
                    continue
                sequence = self.start(event, SequenceNode)
                pairs.append((key, sequence))
                above = (root, key)
                while (event := self.get_event()).__class__ is not SequenceEndEvent:
                    item = self.compose(event, 2)
                    yield self.item_document(source, index, item, items, above, aliases, template)
                    items += 1
                sequence.end_mark = event.end_mark
                aliases.distinct += items  # as the builder counts the list's items when read whole
            root.end_mark = event.end_mark
        builder, data, entries = _build(root, aliases, 0)
        if items and (builder.duplicates or builder.merged):  # a later `items` or a merge may win
            raise ReadWhole
        if data is not None:
            yield Document(source, index, root, data, entries, builder.duplicates, template,
                           items_apart=items or None)
        return root

    def item_document(self, source: Source, index: int, item: Node, position: int, above: tuple[Node, ...],
                      aliases: _AliasBudget, template: str | None) -> Document:
        builder, data, entries = _build(item, aliases, 2)  # below the List's root and its `items`
        return Document(source, index, item, data, entries, builder.duplicates, template,
                        item=position, above=above)

    def start(self, event: Any, kind: type[MappingNode] | type[SequenceNode]) -> Any:
        if event.anchor is not None:
            raise ReadWhole
        tag = event.tag
        return kind(_IMPLICIT_TAGS[kind] if tag is None or tag == "!" else tag, [], event.start_mark, None,
                    event.flow_style)

    def compose(self, event: Any, depth: int) -> Node:
        """The node that starts with `event`, as the C composer makes it."""
        kind = event.__class__
        if kind is ScalarEvent:
            if event.anchor is not None:
                raise ReadWhole
            tag = event.tag
            if tag is None or tag == "!":
                tag = _resolve(ScalarNode, event.value, event.implicit)
            return ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        if kind is AliasEvent or depth > MAX_DEPTH + 1:
            raise ReadWhole
        get_event = self.get_event
        if kind is MappingStartEvent:
            node = self.start(event, MappingNode)
            pairs = node.value
            while (event := get_event()).__class__ is not MappingEndEvent:
                pairs.append((self.compose(event, depth + 1), self.compose(get_event(), depth + 1)))
        else:
            node = self.start(event, SequenceNode)
            items = node.value
            while (event := get_event()).__class__ is not SequenceEndEvent:
                items.append(self.compose(event, depth + 1))
        node.end_mark = event.end_mark
        return node
