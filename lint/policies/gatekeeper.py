"""Gatekeeper style: ConstraintTemplates (Rego `violation` rules, with `libs`) and their Constraints, as
YAML. A constraint applies to the objects its `match` selects; the template's Rego sees
`input.review` (the object's AdmissionReview request), `input.parameters` (the constraint's) and
`data.inventory` (the run's objects, as Gatekeeper's sync cache holds them).

`enforcementAction: deny` (the default) reports errors; `warn` and `dryrun` report warnings. A CEL
(`K8sNativeValidation`) block is not evaluated: each is reported as such.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from klint.document import Document, FieldPath
from klint.k8s import CLUSTER_SCOPED_KINDS, as_dict, as_list
from klint.policies.engine import Module, PolicyError
from klint.rule import Severity

TEMPLATE_KIND = "ConstraintTemplate"
CONSTRAINT_GROUP = "constraints.gatekeeper.sh"
ACTIONS = {"deny": Severity.HIGH, "warn": Severity.MEDIUM, "dryrun": Severity.MEDIUM}


@dataclass
class Template:
    kind: str  # the constraint kind it defines (`K8sRequiredLabels`)
    path: str
    line: int
    modules: list[Module]  # the Rego, then its libs
    package: str = ""  # filled when the modules are parsed
    summary: str = ""
    uses_inventory: bool = False
    not_evaluated: list[str] = field(default_factory=list)  # engines other than Rego, with their place


@dataclass
class Constraint:
    kind: str
    name: str
    path: str
    line: int
    match: dict[str, Any]
    parameters: Any
    severity: Severity


def _module(document: Document, path: FieldPath, name: str) -> Module | None:
    """The Rego at `path` of a template document, placed where its text sits in the file."""
    text = document.data
    for step in path:
        text = text[step] if isinstance(step, int) and isinstance(text, list) and step < len(text) \
            else as_dict(text).get(step) if isinstance(step, str) else None
    if not isinstance(text, str):
        return None
    entry = document.entries.get(path)
    line_offset = column_offset = 0
    if entry is not None:
        node = entry.value
        start_line, _ = document.source.position(node.start_mark.index)
        if getattr(node, "style", None) in ("|", ">"):  # content starts on the next line, indented
            line_offset = start_line
            body = document.source.text[node.start_mark.index:node.end_mark.index].split("\n")[1:]
            first = next((line for line in body if line.strip()), "")
            column_offset = len(first) - len(first.lstrip(" "))
        else:
            line_offset = start_line - 1
    return Module(name, text, line_offset, column_offset)


def read(document: Document, templates: list[Template], constraints: list[Constraint],
         problems: list[PolicyError]) -> bool:
    """Add the template or constraint a document holds; False when it holds neither."""
    data = document.data
    if not isinstance(data, dict):
        return False
    path = document.source.path
    line = document.span(()).start_line
    api_group = str(data.get("apiVersion", "")).split("/")[0]
    if data.get("kind") == TEMPLATE_KIND and api_group == "templates.gatekeeper.sh":
        spec = as_dict(data.get("spec"))
        kind = as_dict(as_dict(as_dict(spec.get("crd")).get("spec")).get("names")).get("kind")
        if not isinstance(kind, str) or not kind:
            problems.append(PolicyError(path, line, 1, "ConstraintTemplate without spec.crd.spec.names.kind"))
            return True
        metadata = as_dict(data.get("metadata"))
        annotations = as_dict(metadata.get("annotations"))
        title = annotations.get("metadata.gatekeeper.sh/title")
        description = annotations.get("description")
        template = Template(kind, path, line, [], summary=str(title or description or kind).strip())
        for t, target in enumerate(as_list(spec.get("targets"))):
            base: FieldPath = ("spec", "targets", t)
            sources: list[tuple[FieldPath, Any]] = []
            if "rego" in as_dict(target):
                sources.append((base, target))
            for c, code in enumerate(as_list(as_dict(target).get("code"))):
                engine = as_dict(code).get("engine")
                where = (*base, "code", c)
                if engine == "Rego":
                    sources.append(((*where, "source"), as_dict(code).get("source")))
                else:
                    at = document.span(where).start_line
                    template.not_evaluated.append(f"{path}:{at}: {kind}: the {engine} block is not evaluated "
                                                  f"(klint evaluates Rego only)")
            for where, source in sources:
                main = _module(document, (*where, "rego"), f"{path}#{kind}")
                if main is not None and not template.modules:
                    template.modules.append(main)
                for k, _ in enumerate(as_list(as_dict(source).get("libs"))):
                    lib = _module(document, (*where, "libs", k), f"{path}#{kind}.libs[{k}]")
                    if lib is not None:
                        template.modules.append(lib)
        template.uses_inventory = any("data.inventory" in module.text for module in template.modules)
        templates.append(template)
        return True
    if api_group == CONSTRAINT_GROUP and isinstance(data.get("kind"), str):
        spec = as_dict(data.get("spec"))
        action = str(spec.get("enforcementAction") or "deny")
        if action not in ACTIONS:
            problems.append(PolicyError(path, document.span(("spec", "enforcementAction")).start_line, 1,
                                        f"unknown enforcementAction {action!r} (deny, warn or dryrun)"))
            return True
        constraints.append(Constraint(
            kind=data["kind"], name=str(as_dict(data.get("metadata")).get("name") or data["kind"].lower()),
            path=path, line=line, match=as_dict(spec.get("match")), parameters=spec.get("parameters", {}),
            severity=ACTIONS[action]))
        return True
    return False


# --- match -------------------------------------------------------------------------------------------

def _glob(patterns: Iterable[Any], name: str) -> bool:
    """Gatekeeper's namespace and name matching: exact, or a `prefix*` / `*suffix` glob."""
    return any(isinstance(pattern, str) and fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def _selects(selector: Any, labels: dict[str, Any]) -> bool:
    """A Kubernetes label selector (matchLabels, matchExpressions) against `labels`."""
    selector = as_dict(selector)
    for name, value in as_dict(selector.get("matchLabels")).items():
        if labels.get(name) != value:
            return False
    for expression in as_list(selector.get("matchExpressions")):
        expression = as_dict(expression)
        key, operator = expression.get("key"), expression.get("operator")
        values = as_list(expression.get("values"))
        present = isinstance(key, str) and key in labels  # a key that is not a string names no label
        label = labels[key] if isinstance(key, str) and present else None
        if operator == "In" and not (present and label in values):
            return False
        if operator == "NotIn" and present and label in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def _listed(values: Any, value: str) -> bool:
    """A `kinds` entry's apiGroups or kinds: `value` is listed, or `*` is, or the list is empty."""
    values = as_list(values)
    return not values or "*" in values or value in values


def namespace_of(data: dict[str, Any]) -> str | None:
    """The namespace an object is in (a Namespace is its own); None when cluster-scoped or unset."""
    metadata = as_dict(data.get("metadata"))
    if data.get("kind") == "Namespace" and str(data.get("apiVersion")) == "v1":
        return str(metadata.get("name") or "") or None
    namespace = metadata.get("namespace")
    return str(namespace) if namespace else None


def matches(match: dict[str, Any], data: dict[str, Any], namespaces: dict[str, dict[str, Any]]) -> bool:
    """Whether a constraint's `match` selects the object; `namespaces` are the run's Namespace objects'
    labels, for `namespaceSelector` (an object whose Namespace is not in the run is not selected)."""
    api_version = str(data.get("apiVersion", ""))
    group = api_version.rpartition("/")[0]
    kind = str(data.get("kind", ""))
    kinds = [as_dict(entry) for entry in as_list(match.get("kinds"))]
    if kinds and not any(_listed(entry.get("apiGroups"), group) and _listed(entry.get("kinds"), kind)
                         for entry in kinds):
        return False
    metadata = as_dict(data.get("metadata"))
    name = str(metadata.get("name") or "")
    if isinstance(match.get("name"), str) and not _glob([match["name"]], name):
        return False
    namespace = namespace_of(data)
    cluster_scoped = namespace is None and kind in CLUSTER_SCOPED_KINDS
    scope = match.get("scope", "*")
    if (scope == "Cluster" and not cluster_scoped) or (scope == "Namespaced" and cluster_scoped):
        return False
    # Like Gatekeeper, namespace criteria do not apply to objects without a namespace.
    if namespace is not None:
        if "namespaces" in match and not _glob(as_list(match["namespaces"]), namespace):
            return False
        if _glob(as_list(match.get("excludedNamespaces")), namespace):
            return False
    if "labelSelector" in match and not _selects(match["labelSelector"], as_dict(metadata.get("labels"))):
        return False
    if "namespaceSelector" in match:
        if kind == "Namespace":
            labels = as_dict(metadata.get("labels"))
        elif namespace is None or namespace not in namespaces:
            return cluster_scoped
        else:
            labels = namespaces[namespace]
        if not _selects(match["namespaceSelector"], labels):
            return False
    return True


# --- input and data ----------------------------------------------------------------------------------

def review(data: dict[str, Any], operation: str = "CREATE") -> dict[str, Any]:
    """`input.review`: the AdmissionReview request of creating the object, as gator builds it."""
    api_version = str(data.get("apiVersion", ""))
    group, _, version = api_version.rpartition("/")
    metadata = as_dict(data.get("metadata"))
    return {
        "kind": {"group": group, "version": version, "kind": str(data.get("kind", ""))},
        "name": str(metadata.get("name") or ""),
        "namespace": str(metadata.get("namespace") or ""),
        "operation": operation,
        "userInfo": {},
        "uid": "",
        "object": data,
    }


def inventory(objects: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """`data.inventory` from objects: `cluster[apiVersion][kind][name]` for cluster-scoped ones,
    `namespace[ns][apiVersion][kind][name]` for the others, as Gatekeeper's replicated data."""
    cluster: dict[str, Any] = {}
    namespaced: dict[str, Any] = {}
    for data in objects:
        metadata = as_dict(data.get("metadata"))
        name, kind, api_version = metadata.get("name"), data.get("kind"), data.get("apiVersion")
        if not (isinstance(name, str) and isinstance(kind, str) and isinstance(api_version, str)):
            continue
        if kind in CLUSTER_SCOPED_KINDS:
            place = cluster
        else:  # an object without a namespace lands in the one it is applied to: say `default`
            place = namespaced.setdefault(str(metadata.get("namespace") or "default"), {})
        place.setdefault(api_version, {}).setdefault(kind, {})[name] = data
    return {"cluster": cluster, "namespace": namespaced}
