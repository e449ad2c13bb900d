"""Property tests of `--fix`: manifests generated in many styles (indent widths 2 and 4, indented and
flush sequences, block and flow collections, comments everywhere, CRLF, BOM, quoting, multiple
documents, List items, JSON, a missing final newline, missing security contexts), fixed, and checked:
the output parses into the same objects, its data is the input's with exactly the expected changes,
every line the fixes did not touch is unchanged (comments included), and a second fix is a no-op.
"""

from __future__ import annotations

import copy
import difflib
import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fixhelpers import edited, fix_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klint.config import Settings
from klint.document import parse_documents
from klint.edits import add_list_item, render_scalar, set_field
from klint.fixer import differences, fix_source
from klint.k8s import objects_of
from klint.source import Source

C0 = ("spec", "containers", 0)
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

HOST_FIELDS = ("hostNetwork", "hostPID", "hostIPC")
TARGETS = ("privileged", *HOST_FIELDS)
# Spellings of a boolean-ish value: what the API server reads as true is fixed, the rest left alone.
VALUES = ("true", "false", "yes", "on", "True", "off", '"true"', "'yes'")


@dataclass(frozen=True)
class Style:
    indent: int
    seq_indented: bool
    comments: bool
    quote: str  # how the generator quotes image names: "", "'" or '"'


class Emitter:
    """Writes YAML lines in one style, with numbered comments so that each can be traced."""

    def __init__(self, draw: Callable[[Any], Any], style: Style) -> None:
        self.draw = draw
        self.style = style
        self.lines: list[str] = []
        self.comment_count = 0

    def comment(self) -> str:
        if not self.style.comments or not self.draw(st.booleans()):
            return ""
        self.comment_count += 1
        return f"  # c{self.comment_count}"

    def line(self, column: int, text: str, trailing: bool = True) -> None:
        if self.style.comments and self.draw(st.integers(0, 4)) == 0:
            self.comment_count += 1
            self.lines.append(" " * column + f"# own {self.comment_count}")
        self.lines.append(" " * column + text + (self.comment() if trailing else ""))

    def container(self, column: int, name: str) -> None:
        """A container as a list item whose dash is at `column`."""
        privileged = self.draw(st.sampled_from((None, *VALUES)))
        if self.draw(st.integers(0, 4)) == 0:  # a flow container
            context = "" if privileged is None else f", securityContext: {{privileged: {privileged}}}"
            self.line(column, f"- {{name: {name}, image: nginx{context}}}")
            return
        inner = column + 2
        entries: list[Callable[[bool], None]] = [
            lambda first: self.entry(inner, first, f"name: {name}"),
            lambda first: self.entry(inner, first, f"image: {self.style.quote}nginx:1.27{self.style.quote}"),
        ]
        context = self.draw(st.sampled_from(("absent", "block", "flow", "null", "helm", "root")))
        if context != "absent":
            entries.append(lambda first: self.security_context(inner, first, privileged, context))
        if self.draw(st.booleans()):
            entries.append(lambda first: self.block_scalar(inner, first))
        order = self.draw(st.permutations(range(len(entries))))
        for position, index in enumerate(order):
            entries[index](position == 0)

    def entry(self, column: int, first: bool, text: str) -> None:
        """A mapping entry of a list item (the first one shares the dash's line)."""
        if first:
            self.line(column - 2, "- " + text)
        else:
            self.line(column, text)

    def security_context(self, column: int, first: bool, privileged: str | None, kind: str) -> None:
        if kind == "helm":  # an empty flow mapping on the line below its key, as Helm charts render it
            self.entry(column, first, "securityContext:")
            self.line(column + self.style.indent, "{}")
        elif kind == "root":  # a mapping whose only key a fix removes
            self.entry(column, first, "securityContext:")
            self.line(column + self.style.indent, "runAsUser: 0")
        elif kind == "null" or (kind == "block" and privileged is None):
            self.entry(column, first, "securityContext:" + ("" if kind == "block" else " ~"))
        elif kind == "flow":
            inner = "" if privileged is None else f"privileged: {privileged}, "
            self.entry(column, first, f"securityContext: {{{inner}runAsUser: 1000}}")
        else:
            self.entry(column, first, "securityContext:")
            self.line(column + self.style.indent, f"privileged: {privileged}")
            self.line(column + self.style.indent, "runAsUser: 1000")

    def block_scalar(self, column: int, first: bool) -> None:
        self.entry(column, first, "command:")
        dash = column + (self.style.indent if self.style.seq_indented else 0)
        self.line(dash, "- sh", trailing=False)
        self.line(dash, "- |", trailing=False)
        self.lines.append(" " * (dash + 2) + "echo one")
        self.lines.append(" " * (dash + 2) + "echo two")

    def pod_spec(self, column: int) -> None:
        entries: list[Callable[[], None]] = []
        for field in HOST_FIELDS:
            value = self.draw(st.sampled_from((None, *VALUES)))
            if value is not None:
                entries.append(functools.partial(self.line, column, f"{field}: {value}"))
        entries.append(lambda: self.containers(column))
        for index in self.draw(st.permutations(range(len(entries)))):
            entries[index]()

    def containers(self, column: int) -> None:
        self.line(column, "containers:")
        dash = column + (self.style.indent if self.style.seq_indented else 0)
        for number in range(self.draw(st.integers(1, 2))):
            self.container(dash, f"c{number}")

    def document(self, number: int) -> None:
        i = self.style.indent
        kind = self.draw(st.sampled_from(("Pod", "Deployment", "ConfigMap", "List")))
        if kind == "List":
            self.line(0, "apiVersion: v1")
            self.line(0, "kind: List")
            self.line(0, "items:")
            dash = i if self.style.seq_indented else 0
            self.line(dash, "- apiVersion: v1")
            self.line(dash + 2, "kind: Pod")
            self.line(dash + 2, f"metadata: {{name: p{number}}}")
            self.line(dash + 2, "spec:")
            self.pod_spec(dash + 2 + i)
            return
        self.line(0, f"apiVersion: {'apps/v1' if kind == 'Deployment' else 'v1'}")
        self.line(0, f"kind: {kind}")
        self.line(0, "metadata:")
        self.line(i, f"name: d{number}")
        if kind == "ConfigMap":
            self.line(0, "data: {enabled: \"yes\"}")
        elif kind == "Pod":
            self.line(0, "spec:")
            self.pod_spec(i)
        else:
            self.line(0, "spec:")
            self.line(i, "template:")
            self.line(2 * i, "spec:")
            self.pod_spec(3 * i)


@st.composite
def manifests(draw: Callable[[Any], Any]) -> str:
    style = Style(indent=draw(st.sampled_from((2, 4))), seq_indented=draw(st.booleans()),
                  comments=draw(st.booleans()), quote=draw(st.sampled_from(("", "'", '"'))))
    emitter = Emitter(draw, style)
    for number in range(draw(st.integers(1, 3))):
        if number or draw(st.booleans()):
            emitter.lines.append("---" + emitter.comment())
        emitter.document(number)
    newline = draw(st.sampled_from(("\n", "\r\n")))
    text = newline.join(emitter.lines) + (newline if draw(st.booleans()) else "")
    return ("\ufeff" if draw(st.booleans()) else "") + text


@st.composite
def json_manifests(draw: Callable[[Any], Any]) -> str:
    count = draw(st.integers(1, 2))
    containers: list[dict[str, Any]] = [{"name": f"c{n}", "image": "nginx"} for n in range(count)]
    for container in containers:
        if draw(st.booleans()):
            container["securityContext"] = {"privileged": draw(st.booleans())}
    spec: dict[str, Any] = {"containers": containers}
    for field in HOST_FIELDS:
        if draw(st.booleans()):
            spec[field] = draw(st.booleans())
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}
    return json.dumps(pod, indent=draw(st.sampled_from((None, 2, 4))))


def decoded(text: str) -> list[Any]:
    return [document.data for document in parse_documents(Source.from_text("x", text))]


def expected_data(text: str) -> list[Any]:
    """The input's data as the four fixes should leave it: host namespaces that are true removed,
    privileged containers made unprivileged."""
    documents = list(parse_documents(Source.from_text("x", text)))
    out = []
    for document in documents:
        data = copy.deepcopy(document.data)
        for obj in objects_of(document):
            if obj.pod is None:
                continue
            spec = data
            for step in (*obj.root, *obj.pod.path):
                spec = spec[step]
            for field in HOST_FIELDS:
                if spec.get(field) is True:
                    del spec[field]
            for container in obj.pod.containers:
                context = spec[container.group][container.index].get("securityContext")
                if isinstance(context, dict) and context.get("privileged") is True:
                    context["privileged"] = False
        out.append(data)
    return out


def check_fixed(text: str) -> None:
    outcome = fix_text(text)
    source = Source.from_text("test.yaml", text)
    assert outcome.error is None and not outcome.left_out, (outcome.error, outcome.left_out)
    after = outcome.text
    assert decoded(after) == expected_data(source.text)
    assert outcome.result.findings == []
    assert outcome.output().startswith(b"\xef\xbb\xbf") == text.startswith("\ufeff")
    check_line_breaks(source.text, after)
    # A missing final line break stays missing, unless the line break now last ends a block scalar.
    assert after.endswith("\n") == source.text.endswith("\n") or after.rstrip().endswith("echo two")
    # Only lines that name a fixed field change or go away; no line is added. So every other line,
    # with its comments, quoting and indentation, is still there, in order (and its line break, of
    # the file's kind: check_line_breaks).
    before_lines, after_lines = source.text.splitlines(), after.splitlines()
    matcher = difflib.SequenceMatcher(a=before_lines, b=after_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        assert tag != "insert", after_lines[j1:j2]
        if tag in ("replace", "delete"):
            assert i2 - i1 >= j2 - j1
            for line in before_lines[i1:i2]:  # (in JSON, the entry before a removed last one loses its comma)
                assert any(target in line for target in TARGETS) or line.rstrip(",") in after_lines[j1:j2]
    again = fix_text(after)
    assert again.text == after and not again.fixed


def check_line_breaks(before: str, after: str) -> None:
    """Every line break is one of the file's own kind: no lone `\r` (a CRLF taken as one character),
    no bare `\n` in a CRLF file (mixed line endings), no `\r` in an LF file."""
    lone = re.search(r"\r(?!\n)", after)
    assert lone is None, after[max(0, lone.start() - 40):lone.end() + 40]
    if "\r\n" in before:
        bare = re.search(r"(?<!\r)\n", after)
        assert bare is None, after[max(0, bare.start() - 40):bare.end() + 40]
    else:
        assert "\r" not in after


def test_line_break_checks_see_a_lone_carriage_return_and_a_bare_line_feed() -> None:
    crlf = "a: 1\r\nb: 2\r\n"
    check_line_breaks(crlf, "a: 1\r\n")
    for wrong in ("a: 1\r", "a: 1\r\nb: {}\n", "a: 1\nb: 2\r\n"):
        try:
            check_line_breaks(crlf, wrong)
        except AssertionError:
            continue
        raise AssertionError(f"not caught: {wrong!r}")


@PROPERTY
@given(manifests())
def test_fixes_keep_everything_else(text: str) -> None:
    check_fixed(text)


@PROPERTY
@given(json_manifests())
def test_fixes_in_json(text: str) -> None:
    check_fixed(text)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(manifests())
def test_every_rules_fixes_keep_the_invariants(text: str) -> None:
    """With the whole catalogue: the fixer never fails its own checks, the result keeps the objects
    and changes data only at the paths of the fixes applied, and fixing again changes nothing."""
    configured = Settings()
    rules = configured.enabled_rules()
    source = Source.from_text("test.yaml", text)
    outcome = fix_source(source, rules, configured, unsafe=True)
    assert outcome.error is None and not outcome.left_out, (outcome.error, outcome.left_out)
    check_line_breaks(source.text, outcome.text)
    assert outcome.text.endswith("\n") == source.text.endswith("\n") \
        or outcome.text.rstrip().endswith("echo two")
    before = list(parse_documents(source))
    after = list(parse_documents(Source.from_text("test.yaml", outcome.text)))
    assert [o.ref for d in before for o in objects_of(d)] == [o.ref for d in after for o in objects_of(d)]
    allowed: dict[int, list[tuple[Any, ...]]] = {}
    for finding in outcome.fixed:
        assert finding.fix is not None
        root = ("items", finding.obj.item) if finding.obj.item is not None else ()
        allowed.setdefault(finding.obj.document, []).extend((*root, *p) for p in finding.fix.paths)
    for index, (old, new) in enumerate(zip(before, after, strict=True)):
        for path in differences(old.data, new.data):
            assert any(path[:len(a)] == a or a[:len(path)] == path for a in allowed.get(index, [])), path
    again = fix_source(Source.from_text("test.yaml", outcome.text), rules, configured, unsafe=True)
    assert again.text == outcome.text and not again.fixed


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=12), st.sampled_from(("'", '"')))
def test_rendered_scalars_read_back(value: str, quote: str) -> None:
    """Any string, rendered by the builders, reads back (as Kubernetes reads YAML) as itself."""
    (document,) = parse_documents(Source.from_text("x", f"key: {render_scalar(value, quote)}\n"))
    assert document.data == {"key": value}
    (document,) = parse_documents(Source.from_text("x", f"{{key: [{render_scalar(value, quote)}]}}\n"))
    assert document.data == {"key": [value]}


@dataclass(frozen=True)
class TrailedList:
    """A container's `args` list (in one of many item styles) followed by comments at any column."""
    lines: list[str]
    last_item: int  # the index of the list's last line
    key: int  # the column of the container's keys
    dash: int  # the column of the list's dashes
    width: int  # columns from a dash to its item
    final_newline: bool

    def text(self, lines: list[str] | None = None) -> str:
        return "\n".join(self.lines if lines is None else lines) + ("\n" if self.final_newline else "")

    def after_comments(self, depth: int) -> int:
        """The index after the comment lines below the list indented at least `depth` (blank lines
        between them included)."""
        position = self.last_item + 1
        for index in range(self.last_item + 1, len(self.lines)):
            line = self.lines[index]
            if line.strip():
                if not line.lstrip().startswith("#") or len(line) - len(line.lstrip()) < depth:
                    break
                position = index + 1
        return position


@st.composite
def trailed_lists(draw: Callable[[Any], Any]) -> TrailedList:
    indent = draw(st.sampled_from((2, 4)))
    key = indent + 2
    dash = key + draw(st.sampled_from((0, indent)))
    width = draw(st.integers(2, 4))
    lines = ["apiVersion: v1", "kind: Pod", "metadata: {name: p}", "spec:", " " * indent + "containers:",
             " " * indent + "- name: app", " " * key + "args:"]
    lines += [" " * dash + "-" + " " * (width - 1) + f"a{n}" for n in range(draw(st.integers(1, 3)))]
    last_item = len(lines) - 1
    for column in draw(st.lists(st.none() | st.integers(0, dash + width + 2), max_size=4)):
        lines.append("" if column is None else " " * column + "# note")
    if draw(st.booleans()):
        lines.append(" " * indent + "hostNetwork: true")
    return TrailedList(lines, last_item, key, dash, width, draw(st.booleans()))


@PROPERTY
@given(trailed_lists())
def test_new_items_and_keys_follow_their_siblings_and_keep_comments_attached(case: TrailedList) -> None:
    """A new item looks like its siblings and goes after the comments that belong to the last item
    (indented deeper than the dashes), before the list's own trailer and anything less indented. A
    new key of the container goes after the comments that belong to the list (as deep as its
    dashes when it is flush under its key, deeper than the keys otherwise)."""
    text = case.text()
    position = case.after_comments(case.dash + 1)
    item = " " * case.dash + "-" + " " * (case.width - 1) + "new"
    assert edited(text, add_list_item, (*C0, "args"), "new", dedented=False) == \
        case.text([*case.lines[:position], item, *case.lines[position:]])
    position = case.after_comments(case.key if case.dash == case.key else case.key + 1)
    assert edited(text, set_field, (*C0, "workingDir"), "/", dedented=False) == \
        case.text([*case.lines[:position], " " * case.key + "workingDir: /", *case.lines[position:]])
