"""A large List (`kubectl get -o yaml` of a cluster) is read one item at a time, so that memory stays flat
in its items: the report is the very one that reading it whole gives, and where item-by-item reading
cannot give it (anchors, errors, a List that is not one) the input is read whole again."""

from __future__ import annotations

import gc
from typing import Any

import pytest
from click.testing import CliRunner
from ruamel.yaml.nodes import Node

import klint.document
from klint.cli import main
from klint.config import Settings
from klint.document import ReadWhole, parse_documents
from klint.engine import lint_source
from klint.source import Source

POD = """\
- apiVersion: v1
  kind: Pod
  metadata:
    name: {name}
  spec:
    serviceAccountName: builder
    containers:
    - name: app
      image: nginx:1.27
      securityContext:
        privileged: true
"""


def pods(count: int, indent: str = "") -> str:
    return "".join("".join(indent + line + "\n" for line in POD.format(name=f"web-{n}").splitlines())
                   for n in range(count))


SERVICE_ACCOUNT = """\
- apiVersion: v1
  kind: ServiceAccount
  metadata:
    name: builder
  automountServiceAccountToken: false
"""

LIST = "apiVersion: v1\nkind: List\nitems:\n"
FLOW_POD = ("- {{apiVersion: v1, kind: Pod, metadata: {{name: {name}}}, "
            "spec: {{{spec}, containers: [{containers}]}}}}\n")
JSON_POD = ('        {{"apiVersion": "v1", "kind": "Pod", "metadata": {{"name": "p{n}"}}, '
            '"spec": {{"containers": [{{"name": "c", "image": "i", '
            '"securityContext": {{"privileged": true}}}}]}}}}')

# Lists read item by item, each with what it exercises.
LISTS = {
    # kubectl's order: `items` before `kind`; a ServiceAccount after the pods that use it
    "kubectl": "apiVersion: v1\nitems:\n" + pods(3) + SERVICE_ACCOUNT
               + 'kind: List\nmetadata:\n  resourceVersion: ""\n',
    # suppressions: above the root (every item), on the `items` key (every item), on an item, unused
    "suppressed": "# klint: ignore[KL401] batch jobs\n"
                  + LIST.replace("items:", "items: # klint: ignore[KL306]")
                  + pods(2, "  ") + "  # klint: ignore[KL101,KL604]\n"
                  + pods(1, "  ").replace("securityContext:", "securityContext: # klint: ignore[KL102]"),
    "json": ('{\n    "apiVersion": "v1",\n    "items": [\n'
             + ",\n".join(JSON_POD.format(n=n) for n in range(3))
             + '\n    ],\n    "kind": "List",\n    "metadata": {"resourceVersion": ""}\n}\n'),
    "flow items": LIST + FLOW_POD.format(name="a", spec="hostNetwork: true", containers="{name: c, image: i}")
                  + FLOW_POD.format(name="b", spec="hostPID: true", containers=""),
    # a key written twice in an item, an item that is not an object, Helm's output around the List
    "mixed": ("# Source: chart/templates/first.yaml\n"
              "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: x}\n"
              "---\n# Source: chart/templates/list.yaml\nkind: PodList\napiVersion: v1\nitems:\n" + pods(2)
              + "- just a string\n" + pods(1).replace("name: web-0", "{name: twice, name: again}")
              + "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: all}\n"
                "rules:\n- {apiGroups: ['*'], resources: ['*'], verbs: ['*']}\n"),
}

# Items indented otherwise than each other: a fix's inserted text copies the List's most common
# indentation, a tie broken by the order in which a walk of the whole List meets them (here: by 4).
WIDE_POD = """\
-   apiVersion: v1
    kind: Pod
    metadata:
        name: {name}
    spec:
        containers:
          - name: app
            image: nginx:1.27
            securityContext:
                privileged: true
"""
FLOW = FLOW_POD.format(name="flow", spec="hostPID: true", containers="")
LISTS["styles"] = LIST + pods(1) + FLOW + WIDE_POD.format(name="wide")  # as many indented by 2 as by 4


# Lists that item-by-item reading hands back to whole reading, with why.
READ_WHOLE = {
    "an anchor and alias": LIST + pods(1) + "- &pod " + FLOW_POD.format(
        name="a", spec="hostIPC: true", containers="")[2:] + "- *pod\n",
    "items written twice": LIST + pods(2) + "items: []\n",
    # libyaml 0.1.7 refuses a `:` in a flow scalar: the pure composer reads the input whole
    "refused by libyaml": LIST + pods(2) + FLOW_POD.format(
        name="p", spec="hostPID: true", containers="{name: c, image: i, args: [--addr=127.0.0.1:8080]}"),
    "a YAML error after items": LIST + pods(2) + "metadata: {name: [}\n",
    "not a List": "apiVersion: example.com/v1\nkind: Inventory\nitems:\n" + pods(2),
    "no item an object": LIST + "- a\n- {b: c}\n",
}
REFUSED_BY_THE_READER = ("an anchor and alias", "items written twice", "refused by libyaml",
                         "a YAML error after items")


@pytest.fixture
def itemwise(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Sets whether Lists of any size are read item by item (True) or every document whole."""
    def choose(on: bool) -> None:
        monkeypatch.setattr(klint.document, "ITEMWISE_MIN_CHARS", 0 if on else 10**15)
    return choose


def reports(path: str, itemwise: Any) -> list[list[tuple[int, str]]]:
    """(exit code, output) of each format, with Lists read item by item, then whole."""
    outputs: list[list[tuple[int, str]]] = []
    for on in (True, False):
        outputs.append([])
        itemwise(on)
        for options in (["--format", "full", "--show-fixes"], ["--format", "json"],
                        ["--format", "concise", "--warn-unused-suppressions", "-v"]):
            result = CliRunner().invoke(main, ["--no-progress", *options, path])
            assert result.exception is None or isinstance(result.exception, SystemExit), result.output
            outputs[-1].append((result.exit_code, result.output))
    return outputs


def items_read_apart(text: str) -> list[int | None]:
    return [document.item for document in parse_documents(Source.from_text("l.yaml", text), itemwise=True)]


@pytest.mark.parametrize("name", LISTS)
def test_a_list_read_item_by_item_reports_what_reading_it_whole_reports(name: str, tmp_path: Any,
                                                                          itemwise: Any) -> None:
    path = tmp_path / "list.yaml"
    path.write_text(LISTS[name])
    itemwise(True)
    assert any(item is not None for item in items_read_apart(LISTS[name]))  # it was read item by item
    item_reports, whole_reports = reports(str(path), itemwise)
    assert item_reports == whole_reports
    assert "KL" in whole_reports[0][1] and '"edits"' in whole_reports[1][1]  # findings and fixes to compare


@pytest.mark.parametrize("name", READ_WHOLE)
def test_what_item_by_item_reading_cannot_give_is_read_whole(name: str, tmp_path: Any, itemwise: Any) -> None:
    path = tmp_path / "list.yaml"
    path.write_text(READ_WHOLE[name])
    item_reports, whole_reports = reports(str(path), itemwise)
    assert item_reports == whole_reports


def test_the_reader_asks_for_whole_reading_of_anchors_errors_and_items_written_twice(itemwise: Any) -> None:
    itemwise(True)
    for name in REFUSED_BY_THE_READER:
        with pytest.raises(ReadWhole):
            items_read_apart(READ_WHOLE[name])


def test_items_come_as_documents_and_the_list_keeps_none(itemwise: Any) -> None:
    itemwise(True)
    text = LISTS["kubectl"]
    documents = list(parse_documents(Source.from_text("l.yaml", text), itemwise=True))
    *items, rest = documents
    assert [d.item for d in items] == [0, 1, 2, 3] and {d.index for d in documents} == {0}
    assert rest.items_apart == 4 and rest.data == {"apiVersion": "v1", "items": [], "kind": "List",
                                                   "metadata": {"resourceVersion": ""}}
    assert [d.data["metadata"]["name"] for d in items] == ["web-0", "web-1", "web-2", "builder"]
    # an item's root is its own node: spans and paths are the item's, its place is under `items`
    second = items[1]
    assert second.place == ("items", 1) and second.entries[()].value is second.root
    assert second.span(("spec", "containers", 0, "securityContext", "privileged")).start_line == 24
    assert [n.start_mark.line + 1 for n in second.above] == [1, 2]


@pytest.fixture
def items_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Each time the reader makes an item's document: how many nodes are alive (after a collection)."""
    alive: list[int] = []
    original = klint.document._ItemwiseReader.item_document

    def counting(self: Any, *args: Any) -> Any:
        gc.collect()
        alive.append(sum(1 for o in gc.get_objects() if isinstance(o, Node)))
        return original(self, *args)

    monkeypatch.setattr(klint.document._ItemwiseReader, "item_document", counting)
    return alive


def lint(text: str, **settings: Any) -> Any:
    chosen = Settings(**settings)
    return lint_source(Source.from_text("l.yaml", text), chosen.enabled_rules(), chosen)


def test_items_already_linted_are_not_kept(itemwise: Any, items_read: list[int]) -> None:
    """Memory stays flat in the items: the nodes alive do not grow with the items linted."""
    itemwise(True)
    result = lint("apiVersion: v1\nkind: List\nitems:\n" + pods(50), fix_edits=False)
    assert len(items_read) == 50 and len(result.findings) >= 50
    growth = (items_read[-1] - items_read[5]) / 44
    assert growth < 3  # an item is some 30 nodes: what stays of each is its document's released root


def test_lists_are_read_whole_when_small_or_for_the_fixer(itemwise: Any, items_read: list[int]) -> None:
    """Below ITEMWISE_MIN_CHARS nothing changes; the fixer, which keeps each document's data to check
    what its edits changed, reads the List whole; the fixes' edits of a lint (JSON, SARIF) are made item
    by item (their style counted over the whole List: the List is read item by item once more)."""
    text = LISTS["kubectl"]
    assert len(text) < klint.document.ITEMWISE_MIN_CHARS
    lint(text, fix_edits=False)
    assert items_read == []
    itemwise(True)
    settings = Settings()
    lint_source(Source.from_text("l.yaml", text), settings.enabled_rules(), settings, keep_data=True)
    assert items_read == []
    lint(text, fix_edits=False)
    assert len(items_read) == 8  # the pods' ServiceAccount comes after them: they are checked again
    del items_read[:]
    lint(text, fix_edits=True)
    assert len(items_read) == 12  # and once more for the List's style
