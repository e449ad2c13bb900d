"""Without its C extension, klint falls back to ruamel.yaml's pure-Python composer: the same data,
source map and spans, just slower (and `--verbose` says so)."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner
from ruamel.yaml.nodes import ScalarNode

import klint.document
from klint.cli import main
from klint.document import Document, InputError, parse_documents
from klint.source import Source

VARIED = """\
# Source: chart/templates/base.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: "caf\\u00e9-config"   # an escaped character
  labels: {app: web, tier: "front end", 'quoted': 'it''s'}
  annotations:
    note: \u65e5\u672c\u8a9e \U0001f600
    folded: >
      a folded
      paragraph
    literal: |-
      line one
        indented line
    plain: a multi-line
      plain scalar
data:
  empty:
  tilde: ~
  octal: 0777
  flag: yes
  str: !!str yes
  float: 1.5e3
  list: [1, "two", {three: 3}]
---
defaults: &defaults
  image: nginx:1.27
  securityContext: &sc
    privileged: false
    runAsNonRoot: on
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      hostNetwork: false
      hostNetwork: true
      containers:
        - name: app
          <<: *defaults
          securityContext:
            <<: *sc
            privileged: true
        - name: sidecar
          <<: [*defaults, {image: busybox}]
          args:
            - --flag
            - - nested
              - list
...
---
{"apiVersion": "v1", "kind": "List", "items": [
  {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
   "spec": {"containers": [{"name": "c", "image": "i", "securityContext": {"privileged": true}}]}}
]}
"""


def node_marks(node: Any) -> tuple[int, int, int, int, int, int] | None:
    if node is None:
        return None
    start, end = node.start_mark, node.end_mark
    return (start.index, start.line, start.column, end.index, end.line, end.column)


def value_marks(node: Any) -> tuple[int, int, int, int, int, int] | None:
    """An empty plain value has no text: libyaml places it after its `:`, ruamel.yaml's pure parser at
    the next token, and Document.entry_span uses neither."""
    if isinstance(node, ScalarNode) and not node.style and not node.value:
        return None
    return node_marks(node)


def fingerprint(document: Document) -> dict[str, Any]:
    return {
        "index": document.index,
        "template": document.template,
        "data": document.data,
        "entries": {path: (node_marks(entry.key), value_marks(entry.value))
                    for path, entry in document.entries.items()},
        "spans": {path: document.span(path) for path in document.entries},
        "duplicates": [(d.path, node_marks(d.key)) for d in document.duplicate_keys],
    }


@pytest.mark.parametrize("variant", ["lf", "crlf", "bom"])
def test_pure_composer_gives_the_same_documents_as_the_c_composer(variant: str) -> None:
    assert klint.document.C_COMPOSER, "the C extension (ruamel.yaml[libyaml]) is installed with klint"
    text = VARIED.replace("\n", "\r\n") if variant == "crlf" else VARIED
    if variant == "bom":
        text = "\ufeff" + text
    source = Source.from_text("varied.yaml", text)
    c_documents = [fingerprint(d) for d in parse_documents(source)]
    pure_documents = [fingerprint(d) for d in parse_documents(source, pure=True)]
    assert len(c_documents) == 3
    assert [d["template"] for d in c_documents] == ["chart/templates/base.yaml", None, None]
    pod = c_documents[1]["data"]["spec"]["template"]["spec"]
    assert c_documents[1]["duplicates"]
    assert pod["containers"][0]["securityContext"] == {"privileged": True, "runAsNonRoot": True}
    assert pure_documents == c_documents


@pytest.mark.parametrize("text", [
    "a: [1, 2\n", "a: 1\n b: 2\n", "a: *nope\n", "a: " + "[" * 300 + "]" * 300 + "\n",
    "x: &x [*x]\n",
])
def test_both_composers_refuse_the_same_input(text: str) -> None:
    source = Source.from_text("bad.yaml", text)
    for pure in (False, True):
        with pytest.raises(InputError):
            list(parse_documents(source, pure=pure))


def test_without_the_c_extension_klint_says_so_with_verbose(tmp_path: Any,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(klint.document, "C_COMPOSER", False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pod.yaml").write_text("apiVersion: v1\nkind: Pod\nspec:\n  hostPID: true\n")
    result = CliRunner().invoke(main, ["--select", "host-pid", "--verbose", "pod.yaml"])
    assert result.exit_code == 1
    assert "pod.yaml:4:3: HIGH KL202" in result.stdout
    assert "pure-Python composer (C extension not installed)" in result.stderr
