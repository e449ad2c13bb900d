"""Suppression annotations, on the object or on its pod template (for the pods it makes):

- `klint.dev/ignore: "RULE[,RULE...]"`, `klint.dev/ignore.CONTAINER: "RULE[,...]"` (one container)
  and `klint.dev/ignore-reason: "why"`;
- other tools' ignores, mapped to klint's rules (`foreign`): kube-linter's
  `ignore-check.kube-linter.io/CHECK` and `kube-linter.io/ignore-all`, Polaris'
  `polaris.fairwinds.com/CHECK-exempt` and `polaris.fairwinds.com/exempt`, Checkov's
  `checkov.io/skipN: CKV_K8S_N=reason`. JSON manifests, which have no comments, use these."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from klint.document import FieldPath
from klint.k8s import K8sObject, as_dict
from klint.suppress import Directive, foreign

PREFIX = "klint.dev/"
IGNORE = PREFIX + "ignore"
REASON = PREFIX + "ignore-reason"
_CHECKOV_SKIP = re.compile(r"checkov\.io/skip\d+")
_TRUE = "true"


def annotation_paths(obj: K8sObject) -> list[FieldPath]:
    """Where the object's annotations are: its metadata, and its pod template's."""
    paths: list[FieldPath] = [("metadata", "annotations")]
    if obj.pod is not None and obj.pod.metadata_path != ("metadata",):
        paths.append((*obj.pod.metadata_path, "annotations"))
    return paths


def collect(obj: K8sObject, tools: Iterable[str]) -> list[Directive]:
    tools = tuple(tools)
    out: list[Directive] = []
    for path in annotation_paths(obj):
        annotations = as_dict(obj.get(path))
        if annotations:
            out.extend(_directives(obj, path, annotations, tools))
    return out


def _directives(obj: K8sObject, path: FieldPath, annotations: dict[str, object],
                tools: tuple[str, ...]) -> Iterator[Directive]:
    reason = annotations.get(REASON)
    own_reason = reason.strip() if isinstance(reason, str) else ""
    for key, value in annotations.items():
        if not isinstance(value, str):
            continue
        found = _read(key, value, own_reason, tools)
        if found is None:
            continue
        rules, why, by, own, container = found
        yield Directive(rules, why, obj.span((*path, key)), by, key, own, obj.ref, container)


def _read(key: str, value: str, own_reason: str, tools: tuple[str, ...]
          ) -> tuple[tuple[str, ...], str, str, bool, str | None] | None:
    """(rules, reason, by, own, container) of one annotation, or None when it suppresses nothing."""
    if key == IGNORE or key.startswith(IGNORE + "."):
        rules = tuple(name.strip() for name in value.split(",") if name.strip())
        container = key[len(IGNORE) + 1:] or None
        return rules, own_reason, "annotation", True, container
    if "kube-linter" in tools:
        if key.startswith("ignore-check.kube-linter.io/"):
            return _foreign(foreign.rules_for("kube-linter", key.split("/", 1)[1]), value, "kube-linter")
        if key == "kube-linter.io/ignore-all":
            return _foreign(foreign.all_rules_of("kube-linter"), value, "kube-linter")
    if "polaris" in tools and key.startswith("polaris.fairwinds.com/") and value.strip().lower() == _TRUE:
        name = key.split("/", 1)[1]
        if name == "exempt":
            return _foreign(foreign.all_rules_of("polaris"), "", "polaris")
        if name.endswith("-exempt"):
            return _foreign(foreign.rules_for("polaris", name[:-len("-exempt")]), "", "polaris")
    if "checkov" in tools and _CHECKOV_SKIP.fullmatch(key):
        check, _, why = value.partition("=")
        return _foreign(foreign.rules_for("checkov", check), why, "checkov")
    return None


def _foreign(codes: tuple[str, ...], reason: str, tool: str
             ) -> tuple[tuple[str, ...], str, str, bool, str | None] | None:
    if not codes:
        return None  # a check klint does not have: the annotation is for that tool alone
    return codes, reason.strip(), f"{tool} annotation", False, None
