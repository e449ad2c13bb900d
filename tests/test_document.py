"""Parsing: character offsets and spans, the API server's reading of scalars, merge keys, duplicate
keys, bounded aliases and nesting, Helm `# Source:` comments, JSON, and YAML errors."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap

import pytest

from klint.document import Document, Entry, InputError, parse_documents
from klint.source import Source, Span


def documents(text: str, pure: bool = False) -> list[Document]:
    return list(parse_documents(Source.from_text("test.yaml", text), pure=pure))


def one(text: str) -> Document:
    (document,) = documents(textwrap.dedent(text).lstrip("\n"))
    return document


def error(text: str) -> InputError:
    with pytest.raises(InputError) as info:
        documents(text)
    return info.value


def covered(document: Document, span: Span) -> str:
    return document.source.text[span.start_offset:span.end_offset]


# --- offsets, lines and columns ------------------------------------------------------------------

BOM_CRLF_UTF8 = (
    b"\xef\xbb\xbfapiVersion: v1\r\n"
    b"kind: Pod\r\n"
    b"metadata:\r\n"
    b"  name: caf\xc3\xa9\r\n"  # cafe with an e-acute: 2 bytes, 1 character
    b"  labels: {note: \xe6\x97\xa5\xf0\x9f\x98\x80, tier: web}\r\n"  # CJK (3 bytes), an emoji (4)
    b"spec:\r\n"
    b"  hostPID: yes\r\n"
)


@pytest.mark.parametrize("pure", [False, True], ids=["c-composer", "pure-composer"])
def test_offsets_index_the_bom_less_text_and_columns_count_characters(pure: bool) -> None:
    source = Source.from_bytes("x.yaml", BOM_CRLF_UTF8)
    assert source.has_bom and not source.text.startswith("\ufeff")
    (document,) = parse_documents(source, pure=pure)

    # the first key starts at offset 0 and column 1: the BOM is not counted
    assert document.span(("apiVersion",)) == Span(1, 1, 1, 15, 0, 14)
    # a key after a multi-byte value on the same line: its column counts characters, not bytes
    tier = document.span(("metadata", "labels", "tier"))
    assert (tier.start_line, tier.start_column, tier.end_column) == (5, 22, 31)
    assert covered(document, tier) == "tier: web"
    # CRLF: each line break is two characters of the text, lines still count from 1
    host_pid = document.span(("spec", "hostPID"))
    assert (host_pid.start_line, host_pid.start_column) == (7, 3)
    assert (host_pid.end_line, host_pid.end_column) == (7, 15)
    assert covered(document, host_pid) == "hostPID: yes"
    assert host_pid.start_offset == source.text.index("hostPID")
    assert document.data["spec"]["hostPID"] is True
    assert document.data["metadata"]["labels"]["note"] == "\u65e5\U0001f600"


def test_source_positions_and_lines() -> None:
    source = Source.from_text("x.yaml", "\ufeffa: 1\r\nb: \u00e9\r\n\r\nc: 3")
    assert source.has_bom and source.text == "a: 1\r\nb: \u00e9\r\n\r\nc: 3"
    assert source.position(0) == (1, 1)
    assert source.position(source.text.index("b")) == (2, 1)
    assert source.position(source.text.index("c")) == (4, 1)
    assert source.original_text().startswith("\ufeffa: 1")


def test_invalid_utf8_is_a_decode_error_with_its_position() -> None:
    from klint.source import SourceDecodeError

    with pytest.raises(SourceDecodeError) as info:
        Source.from_bytes("x.yaml", b"a: 1\nb: caf\xe9 au lait\n")
    assert (info.value.line, info.value.column) == (2, 7)


def test_spans_of_scalars_mappings_items_and_absent_keys() -> None:
    document = one("""
        apiVersion: v1
        kind: Pod
        spec:
          containers:
            - name: app
              image: nginx
              securityContext:
                privileged: true
            - image: busybox
        """)
    privileged = document.span(("spec", "containers", 0, "securityContext", "privileged"))
    assert covered(document, privileged) == "privileged: true"
    # a mapping value: the key only
    assert covered(document, document.span(("spec", "containers", 0, "securityContext"))) == "securityContext"
    # a list item: its `name:` entry, else its first entry
    assert covered(document, document.span(("spec", "containers", 0))) == "name: app"
    assert covered(document, document.span(("spec", "containers", 1))) == "image: busybox"
    # absent keys: the nearest present ancestor
    path = ("spec", "containers", 0, "securityContext", "runAsNonRoot")
    assert document.nearest(path) == path[:-1]
    assert covered(document, document.span(path)) == "securityContext"
    second = document.span(("spec", "containers", 1, "securityContext", "x"))
    assert covered(document, second) == "image: busybox"
    assert covered(document, document.span(("metadata", "name"))) == "kind: Pod"


def test_an_empty_value_spans_its_key_alone() -> None:
    document = one("spec:\n  securityContext:\n  hostPID: true\n")
    assert document.data["spec"]["securityContext"] is None
    assert covered(document, document.span(("spec", "securityContext"))) == "securityContext"
    assert covered(document, document.span(("spec", "securityContext", "runAsNonRoot"))) == "securityContext"


# --- scalars as the API server reads them (go-yaml v2, YAML 1.1) ---------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("yes", True), ("Yes", True), ("YES", True), ("on", True), ("On", True), ("y", True), ("Y", True),
    ("true", True), ("True", True),
    ("no", False), ("NO", False), ("off", False), ("n", False), ("false", False),
    ('"yes"', "yes"), ("'on'", "on"), ("!!str yes", "yes"), ("!!str 0777", "0777"), ('"true"', "true"),
    ("0777", 0o777), ("0o17", 15), ("0x1F", 31), ("-0x10", -16), ("0b101", 5), ("1_000", 1000),
    ("+12", 12), ("-7", -7), ("0", 0), ("'0777'", "0777"),
    ("0999", 999),  # not octal: Go's ParseInt fails, ParseFloat succeeds, and JSON writes 999
    ("9223372036854775808", 2**63),  # uint64
    ("1.5", 1.5), (".inf", math.inf), ("-.Inf", -math.inf),
    # a whole float reaches the API server as JSON written without a fraction: an integer
    ("1e3", 1000), ("0.0", 0), ("0e0", 0), ("-0.0", 0), ("1000.0", 1000), ("1e21", 1e21),
    ("~", None), ("null", None), ("Null", None), ("", None), ("''", ""),
    ("2024-01-01", "2024-01-01"),  # timestamps stay strings
    ("!!int '12'", 12), ("!!bool 'yes'", True), ("!!null ''", None),
    ("nginx:1.27", "nginx:1.27"), ("1.2.3", "1.2.3"), ("0x", "0x"), ("-x", "-x"),
    ("yes please", "yes please"),
])
def test_scalars_decode_as_the_api_server_decodes_them(text: str, value: object) -> None:
    decoded = one(f"value: {text}\n").data["value"]
    assert decoded == value and type(decoded) is type(value)


def test_nan_and_keys() -> None:
    assert math.isnan(one("a: .nan\n").data["a"])
    # keys become JSON object keys: YAML 1.1 booleans and nulls as JSON spells them
    assert one("y: 1\nno: 2\n~: 3\n1: 4\n").data == {"true": 1, "false": 2, "null": 3, "1": 4}


def test_merge_keys_expand_in_place_as_go_yaml_v2_does() -> None:
    document = one("""
        base: &base {x: 1, z: 2}
        other: &other {z: 3, w: 4}
        before:
          <<: *base
          x: 9
        after:
          x: 9
          <<: *base
        listed:
          <<: [*base, *other]
        """)
    data = document.data
    assert data["before"] == {"x": 9, "z": 2}  # a later key overrides a merged one
    assert data["after"] == {"x": 1, "z": 2}  # merged in place: it overrides the earlier key
    assert data["listed"] == {"x": 1, "z": 2, "w": 4}  # in a list, the first map wins
    assert "<<" not in data["before"]
    assert document.duplicate_keys == []  # overriding a merged key is not a duplicate
    # the source map points at the text that supplies each value
    assert covered(document, document.span(("before", "x"))) == "x: 9"
    assert covered(document, document.span(("before", "z"))) == "z: 2"
    assert document.span(("before", "z")).start_line == 1
    assert covered(document, document.span(("listed", "w"))) == "w: 4"


def test_merge_of_a_scalar_is_an_error() -> None:
    err = error("a: &a 1\nb:\n  <<: *a\n")
    assert "merge" in err.message and (err.line, err.column) == (3, 3)


def test_duplicate_keys_are_recorded_and_the_last_wins() -> None:
    document = one("""
        apiVersion: v1
        kind: Pod
        spec:
          hostPID: false
          hostPID: true
          containers:
            - {name: a, name: b}
        """)
    assert document.data["spec"]["hostPID"] is True
    assert document.data["spec"]["containers"][0]["name"] == "b"
    found = [(d.path, d.key.start_mark.line + 1, d.key.start_mark.column + 1)
             for d in document.duplicate_keys]
    assert found == [(("spec", "hostPID"), 5, 3), (("spec", "containers", 0, "name"), 7, 17)]
    # the source map points at the occurrence that wins
    assert covered(document, document.span(("spec", "hostPID"))) == "hostPID: true"


def test_a_duplicate_key_in_an_anchored_mapping_is_recorded_once() -> None:
    document = one("""
        base: &sc {runAsUser: 1, runAsUser: 2}
        first: *sc
        second: *sc
        """)
    assert [d.path for d in document.duplicate_keys] == [("base", "runAsUser")]
    assert document.data["second"] == {"runAsUser": 2}


def test_keys_equal_after_decoding_are_duplicates() -> None:
    document = one("on: 1\ntrue: 2\n")
    assert document.data == {"true": 2}
    assert [d.path for d in document.duplicate_keys] == [("true",)]


def laughs(levels: int) -> str:
    """A document whose anchors each hold ten of the one before: 10**levels scalars from ~60*levels bytes."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_an_error_not_a_hang() -> None:
    err = error(laughs(10))
    assert "alias" in err.message and err.line >= 1


def test_aliases_within_budget_are_expanded() -> None:
    document = one("""
        env: &env [{name: A, value: "1"}]
        spec:
          containers:
            - {name: a, env: *env}
            - {name: b, env: *env}
        """)
    containers = document.data["spec"]["containers"]
    assert containers[0]["env"] == containers[1]["env"] == [{"name": "A", "value": "1"}]


def test_padding_does_not_raise_the_alias_budget() -> None:
    # the budget comes from the nodes written, not the text: comments and long scalars do not count
    padding = "#" * 99 + "\n"
    err = error(padding * 20_000 + laughs(10))
    assert "alias" in err.message and err.line > 20_000
    err = error("a: b\n---\n" + padding * 20_000 + "---\n" + laughs(10))
    assert "alias" in err.message and err.line > 20_000
    err = error(f"padding: {'x' * 2_000_000}\n" + padding * 1_000 + laughs(10))
    assert "alias" in err.message and err.line > 1_000


def test_many_documents_each_within_the_budget_are_bounded_together() -> None:
    # each expands to some 120,000 nodes, within the budget, but the budget is the stream's: a run of
    # them is refused in the second document
    assert len(documents(laughs(5))) == 1
    err = error("---\n".join([laughs(5)] * 30))
    assert "alias" in err.message and 7 <= err.line <= 12


def test_large_legitimate_alias_use_is_expanded() -> None:
    # more nodes than the minimum budget, from a document whose own text is large enough: after other
    # documents and padding, and as one of many documents that each use aliases a little
    env = "".join(f"  - {{name: VARIABLE_{i}, value: \"value-{i}\"}}\n" for i in range(1_000))
    uses = "".join(f"  - {{name: c{i}, env: *env}}\n" for i in range(70))
    big = f"env: &env\n{env}containers:\n{uses}"
    small = "env: &e [{name: A, value: '1'}, {name: B, value: '2'}]\nuses: [*e, *e, *e, *e, *e]\n"
    text = "# " + "x" * 1_000 + "\n" + "---\n".join([small] * 500 + [big] + [small] * 500)
    parsed = documents(text)
    assert len(parsed) == 1001
    containers = parsed[500].data["containers"]
    assert len(containers) == 70 and containers[69]["env"][999] == {"name": "VARIABLE_999",
                                                                    "value": "value-999"}
    assert parsed[-1].data["uses"][4] == [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]


def test_a_released_document_keeps_its_data_and_spans_the_whole_document() -> None:
    text = "# header\nkind: Pod\nspec:\n  hostPID: true\n"
    (document,) = documents(text)
    document.release()
    assert document.data == {"kind": "Pod", "spec": {"hostPID": True}}
    assert covered(document, document.span(("spec", "hostPID"))) == text.removeprefix("# header\n")


def test_nesting_deeper_than_the_limit_is_an_error() -> None:
    err = error("a: " + "[" * 300 + "]" * 300 + "\n")
    assert "nesting" in err.message and err.line == 1


@pytest.mark.parametrize("text", [
    "a: " + "[" * 100_000 + "]" * 100_000,
    "a: " + "{a: " * 100_000 + "}" * 100_000,
    "- " * 100_000 + "x",
    "? " * 100_000 + "x",
    "a:\n  " + "- " * 100_000 + "x",
    "a:\r  " + "- " * 100_000 + "x",
], ids=["flow-sequences", "flow-mappings", "block-sequences", "complex-keys", "nested-block", "cr-breaks"])
def test_very_deep_nesting_is_an_error_not_a_crash(text: str) -> None:
    assert "nesting is deeper than" in parse_in_child(text)


def test_brackets_are_counted_per_document() -> None:
    # many brackets, but a document start ends (or breaks) every collection: not measured, and the
    # composer stops at the first `---`, 4,000 levels deep
    text = "a: " + "\n--- \n".join(["[" * 4_000] * 25)
    assert parse_in_child(text) == "2:1: did not find expected node content\n"


def parse_in_child(text: str) -> str:
    """The error parsing `text` reports. The C composer recurses on the C stack: run in a child process
    so that a crash fails the test instead of killing the test run."""
    script = textwrap.dedent("""
        import sys
        from klint.document import InputError, parse_documents
        from klint.source import Source
        try:
            list(parse_documents(Source.from_text("deep.yaml", sys.stdin.read())))
        except InputError as err:
            print(f"{err.line}:{err.column}: {err.message}")
        """)
    child = subprocess.run([sys.executable, "-c", script], input=text, capture_output=True, text=True,
                           check=False)
    assert child.returncode == 0, child.stderr[-2000:]
    return child.stdout


def test_many_brackets_without_deep_nesting_parse_normally() -> None:
    items = ", ".join(f'{{"name": "c{i}", "ports": [{i}]}}' for i in range(3000))
    (document,) = documents(f'{{"apiVersion": "v1", "kind": "List", "items": [{items}]}}')
    assert len(document.data["items"]) == 3000
    assert document.data["items"][2999] == {"name": "c2999", "ports": [2999]}


def test_an_anchor_inside_itself_is_an_error() -> None:
    err = error("a: &x\n  b: *x\n")
    assert err.line == 1


# --- streams, Helm output, JSON ------------------------------------------------------------------

HELM_OUTPUT = """\
---
# Source: shop/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: shop
# Source: not/a/template/of/the/next/document.yaml
---
# Source: shop/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
---
# a document added by hand after the chart's output
apiVersion: v1
kind: ConfigMap
metadata:
  name: extra
"""


@pytest.mark.parametrize("line_break", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_helm_source_comments_name_the_template_of_their_own_document(line_break: str) -> None:
    found = documents(HELM_OUTPUT.replace("\n", line_break))
    assert [(d.index, d.data["kind"], d.template) for d in found] == [
        (0, "ServiceAccount", "shop/templates/serviceaccount.yaml"),
        (1, "Deployment", "shop/templates/deployment.yaml"),
        (2, "ConfigMap", None),
    ]


def test_document_indexes_count_empty_documents() -> None:
    found = documents("---\n# nothing here\n---\na: 1\n---\n---\nb: 2\n")
    assert [(d.index, d.data) for d in found] == [(1, {"a": 1}), (3, {"b": 2})]


def test_json_manifest() -> None:
    text = '{\n  "apiVersion": "v1",\n  "kind": "Pod",\n  "spec": {"hostNetwork": true, "x": "yes"}\n}\n'
    (document,) = documents(text)
    assert document.data["spec"] == {"hostNetwork": True, "x": "yes"}
    span = document.span(("spec", "hostNetwork"))
    assert (span.start_line, span.start_column) == (4, 12)
    assert covered(document, span) == '"hostNetwork": true'


@pytest.mark.parametrize(("text", "position"), [
    ("a: 1\nb: [1, 2\nc: 3\n", (3, 2)),
    ("a: 1\n  b: 2\n", (2, 4)),
    ("a: *missing\n", (1, 4)),
    ('{"a": 1,, }\n', (1, 9)),
    ("a: 'unterminated\n", (2, 1)),
    ("a:\tb\n\tc: 1\n", (2, 1)),
])
def test_yaml_errors_have_a_line_and_column(text: str, position: tuple[int, int]) -> None:
    err = error(text)
    assert (err.line, err.column) == position
    assert err.message and "Traceback" not in err.message


def test_yaml_errors_say_where_the_construct_that_went_wrong_began() -> None:
    err = error("a: 1\nb: {x: 1,\n  y: 2\nc: 3\n")
    assert (err.line, err.column) == (4, 2)
    assert err.message == "did not find expected ',' or '}' (while parsing a flow mapping started at 2:4)"


def test_documents_before_an_error_are_still_produced() -> None:
    stream = parse_documents(Source.from_text("x.yaml", "a: 1\n---\nb: [\n"))
    assert next(stream).data == {"a": 1}
    with pytest.raises(InputError):
        next(stream)


def test_a_mapping_key_must_be_a_scalar() -> None:
    err = error("? [a, b]\n: 1\n")
    assert "key" in err.message and (err.line, err.column) == (1, 3)


# --- the source map, found on demand -------------------------------------------------------------

SOURCE_MAPS = {
    "lists and nested keys": """
        spec:
          containers:
            - name: app
              env: [{name: A, value: "1"}, {name: B}]
            - name: side
              "quoted": 'x'
          1: one
          true: yes
          ~: null
        """,
    "aliases": """
        base: &base {a: {b: 1}, c: [1, 2]}
        one: *base
        two: [*base, *base]
        """,
    "merge keys": """
        base: &base {a: 1, b: {c: 2}}
        merged:
          <<: *base
          b: {d: 3}
        """,
    "duplicate keys": """
        a: {x: 1}
        a: {z: 2}
        """,
}


def _marks(entry: Entry | None) -> object:
    if entry is None:
        return None
    key, value = entry.key, entry.value
    return (None if key is None else key.start_mark.index, value.start_mark.index, value.end_mark.index)


@pytest.mark.parametrize("text", SOURCE_MAPS.values(), ids=SOURCE_MAPS.keys())
def test_source_map_lookups_find_what_the_whole_map_holds(text: str) -> None:
    from klint.document import whole_map

    document = one(text)
    whole = whole_map(document.root)
    probes = {path + extra for path in whole for extra in ((), ("absent",), (0,), (5,), (-1,))}
    for path in sorted(probes, key=repr):  # lookups first: the whole map is made on first iteration
        assert _marks(document.entries.get(path)) == _marks(whole.get(path)), path
        assert (path in document.entries) == (path in whole), path
    assert [(path, _marks(entry)) for path, entry in document.entries.items()] == \
        [(path, _marks(entry)) for path, entry in whole.items()]
    assert document.entries[()].value is document.root
    with pytest.raises(KeyError):
        document.entries[("absent", 0)]


def test_a_key_merged_in_and_entries_under_a_duplicate_key_are_in_the_source_map() -> None:
    merged = one(SOURCE_MAPS["merge keys"])
    assert merged.span(("merged", "a")).start_line == 1  # where the anchored mapping writes it
    assert ("merged", "b", "c") in merged.entries  # under the merged `b`, overridden in the data
    duplicated = one(SOURCE_MAPS["duplicate keys"])
    assert ("a", "x") in duplicated.entries and duplicated.data == {"a": {"z": 2}}
