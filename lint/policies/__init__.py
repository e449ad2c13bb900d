"""OPA Rego policies, run offline beside the built-in rules: `load` turns policy files into rules.

- conftest and admission styles (`.rego` files): see `klint.policies.conftest`.
- Gatekeeper style (ConstraintTemplate and Constraint YAML): see `klint.policies.gatekeeper`.

Policies are parsed and checked once per run (a broken one is a PolicyError at its file, line and
column), then evaluated per object in a bounded worker (`klint.policies.sandbox`). Only a run given
`--policy` imports any of this, or the engine (the optional `rego` extra).
"""

from __future__ import annotations

import atexit
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from klint.document import InputError, parse_documents
from klint.k8s import K8sObject
from klint.policies import conftest, gatekeeper
from klint.policies.engine import Engine, Module, ModuleInfo, PolicyError
from klint.policies.rules import Binding, PolicyRule, make, results
from klint.policies.sandbox import TIME_LIMIT, EngineSpec, Sandbox
from klint.rule import Violation
from klint.source import Source, SourceDecodeError

REGO_SUFFIXES = (".rego",)
YAML_SUFFIXES = (".yaml", ".yml", ".json")

__all__ = ["Policies", "PolicyError", "load"]


@dataclass
class Policies:
    rules: list[type[PolicyRule]]
    notes: list[str] = field(default_factory=list)  # what is not evaluated (CEL blocks), for stderr
    sandbox: Sandbox | None = None

    def close(self) -> None:
        if self.sandbox is not None:
            self.sandbox.close()


class ConftestRule(PolicyRule):
    """A conftest rule, with the `exception` values that can exempt it."""

    rule_name: ClassVar[str]
    exemptions: ClassVar[list[int]] = []

    def check(self, obj: K8sObject) -> Iterator[Violation]:
        value = self.binding.value(obj, self.position)
        if value is None or conftest.exempted(self.rule_name,
                                              [self.binding.value(obj, i) for i in self.exemptions]):
            return
        for message, path in results(value):
            yield Violation(path, message)


class GatekeeperRule(PolicyRule):
    """A constraint kind: each of its constraints, on the objects it matches; messages name the
    constraint as gator does (`[must-have-owner] ...`), severities follow its enforcementAction."""

    constraints: ClassVar[list[tuple[Binding, gatekeeper.Constraint]]] = []

    def applies_to(self, obj: K8sObject) -> bool:
        return any(binding.input_of(obj) is not None for binding, _ in self.constraints)

    def check(self, obj: K8sObject) -> Iterator[Violation]:
        for binding, constraint in self.constraints:
            for message, path in results(binding.value(obj, 0)):
                yield Violation(path, f"[{constraint.name}] {message}", severity=constraint.severity)


def policy_files(paths: Sequence[str]) -> list[str]:
    """The policy files named by `paths`: files as given, directories walked in name order for
    `.rego` (not `_test.rego`), `.yaml`, `.yml` and `.json` files."""
    files = []
    for path in paths:
        if os.path.isdir(path):
            for directory, subdirectories, names in os.walk(path):
                subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
                for name in sorted(names):
                    if (name.endswith(REGO_SUFFIXES) and not name.endswith("_test.rego")) \
                            or name.endswith(YAML_SUFFIXES):
                        files.append(os.path.join(directory, name))
        elif os.path.exists(path):
            files.append(path)
        else:
            raise PolicyError(path, 1, 1, "no such policy file or directory")
    return files


def _read(path: str) -> Source:
    try:
        with open(path, "rb") as handle:
            return Source.from_bytes(path, handle.read())
    except OSError as err:
        raise PolicyError(path, 1, 1, f"cannot read: {err.strerror or err}") from None
    except SourceDecodeError as err:
        raise PolicyError(path, err.line, err.column, str(err)) from None


def _documents(source: Source) -> list[Any]:
    try:
        return list(parse_documents(source))
    except InputError as err:
        raise PolicyError(source.path, err.line, err.column, err.message) from None


def read_data(paths: Sequence[str]) -> dict[str, Any]:
    """`--data` files (JSON or YAML, each document a mapping) merged into one document."""
    data: dict[str, Any] = {}
    for path in paths:
        for document in _documents(_read(path)):
            if document.data is None:
                continue
            if not isinstance(document.data, dict):
                raise PolicyError(path, document.span(()).start_line, 1, "data must be a mapping")
            _merge(data, document.data)
    return data


def _merge(into: dict[str, Any], more: dict[str, Any]) -> None:
    for key, value in more.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def load(paths: Sequence[str], *, namespaces: Sequence[str] = (), all_namespaces: bool = False,
         data_files: Sequence[str] = (), objects: Callable[[], Iterable[dict[str, Any]]] | None = None,
         time_limit: float = TIME_LIMIT) -> Policies:
    """The rules of the policies at `paths`. `objects` gives the run's objects when a Gatekeeper
    template reads `data.inventory`."""
    data = read_data(data_files)
    modules: list[Module] = []
    templates: list[gatekeeper.Template] = []
    constraints: list[gatekeeper.Constraint] = []
    errors: list[PolicyError] = []
    for path in policy_files(paths):
        source = _read(path)
        if path.endswith(REGO_SUFFIXES):
            modules.append(Module(path, source.text))
            continue
        for document in _documents(source):
            gatekeeper.read(document, templates, constraints, errors)
    if errors:
        raise errors[0]

    specs: list[EngineSpec] = []
    sandbox = Sandbox(specs, time_limit)
    atexit.register(sandbox.close)
    rules: list[type[PolicyRule]] = []
    group: list[Binding] = []  # every binding: an object is evaluated by all of them at once

    if modules:
        checker = Engine()
        infos: list[ModuleInfo] = [checker.add_module(module) for module in modules]
        for spec, input_of, rule_specs, exemptions in conftest.plan(infos, namespaces, all_namespaces, data):
            binding = Binding(sandbox, len(specs), input_of, group)
            specs.append(spec)
            for rule_spec in rule_specs:
                style = "admission" if input_of is conftest.admission_input else "conftest"
                summary = f"Rego rule {rule_spec.rule} of package {rule_spec.package} ({style} style)"
                rules.append(make(rule_spec.code, rule_spec.severity, binding, rule_spec.position,
                                  rule_spec.origin, summary, base=ConftestRule, rule_name=rule_spec.rule,
                                  exemptions=exemptions.get(rule_spec.code, [])))

    notes = [note for template in templates for note in template.not_evaluated]
    if templates or constraints:
        rules += _gatekeeper_rules(templates, constraints, sandbox, specs, objects, notes, group)
    if specs:
        sandbox.check()  # evaluation errors found without input, and runaway policies, are load errors
    return Policies(rules, notes, sandbox if specs else None)


def _gatekeeper_rules(templates: list[gatekeeper.Template], constraints: list[gatekeeper.Constraint],
                      sandbox: Sandbox, specs: list[EngineSpec],
                      objects: Callable[[], Iterable[dict[str, Any]]] | None,
                      notes: list[str], group: list[Binding]) -> list[type[PolicyRule]]:
    by_kind: dict[str, tuple[gatekeeper.Template, int]] = {}
    inventory: dict[str, Any] | None = None
    namespaces: dict[str, dict[str, Any]] = {}
    if objects is not None and (any(t.uses_inventory for t in templates)
                                or any("namespaceSelector" in c.match for c in constraints)):
        run_objects = list(objects())
        inventory = gatekeeper.inventory(run_objects)
        namespaces = {name: labels for name, labels in _namespace_labels(run_objects)}
    for template in templates:
        if template.kind in by_kind:
            raise PolicyError(template.path, template.line, 1,
                              f"a second ConstraintTemplate for kind {template.kind}")
        if not template.modules:
            if not template.not_evaluated:
                notes.append(f"{template.path}:{template.line}: {template.kind}: no Rego to evaluate")
            continue
        checker = Engine()
        infos = [checker.add_module(module) for module in template.modules]
        template.package = infos[0].package
        data = {"inventory": inventory or {"cluster": {}, "namespace": {}}} if template.uses_inventory else {}
        by_kind[template.kind] = (template, len(specs))
        specs.append(EngineSpec(template.modules, [f"data.{template.package}.violation"], data,
                                name=f"{template.kind} ({template.path})"))
    grouped: dict[str, list[tuple[Binding, gatekeeper.Constraint]]] = {}
    for constraint in constraints:
        found = by_kind.get(constraint.kind)
        if found is None:
            if any(t.kind == constraint.kind for t in templates):
                continue  # its template has no Rego (noted)
            raise PolicyError(constraint.path, constraint.line, 1,
                              f"no ConstraintTemplate given for kind {constraint.kind} "
                              f"(constraint {constraint.name})")
        binding = Binding(sandbox, found[1], _constraint_input(constraint, namespaces), group)
        grouped.setdefault(constraint.kind, []).append((binding, constraint))
    rules: list[type[PolicyRule]] = []
    for kind, members in sorted(grouped.items()):
        template = by_kind[kind][0]
        severity = max(constraint.severity for _, constraint in members)
        names = ", ".join(constraint.name for _, constraint in members)
        rules.append(make(kind, severity, members[0][0], 0, template.path,
                          f"Gatekeeper: {template.summary}", f"{template.summary} (constraints: {names})",
                          base=GatekeeperRule, constraints=members))
        rules[-1].name = kind.lower()
    return rules


def _namespace_labels(objects: Iterable[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for data in objects:
        if data.get("kind") == "Namespace":
            name = gatekeeper.namespace_of(data)
            metadata = data.get("metadata")
            labels = metadata.get("labels") if isinstance(metadata, dict) else None
            if name:
                yield name, labels if isinstance(labels, dict) else {}


def _constraint_input(constraint: gatekeeper.Constraint, namespaces: dict[str, dict[str, Any]]
                      ) -> Callable[[K8sObject], dict[str, Any] | None]:
    def input_of(obj: K8sObject) -> dict[str, Any] | None:
        if not gatekeeper.matches(constraint.match, obj.data, namespaces):
            return None
        return {"review": gatekeeper.review(obj.data), "parameters": constraint.parameters}
    return input_of


def run_objects(paths: Sequence[str], exclude: Sequence[str]) -> Iterator[dict[str, Any]]:
    """The objects of the run's inputs (not standard input, read once by the run), for
    `data.inventory`: a first pass that reads only what a template asks for."""
    from klint.discover import discover
    from klint.engine import read_source
    from klint.k8s import objects_of

    for path in discover(paths or (".",), exclude, lambda err: None):
        if path == "-":
            continue
        source = read_source(path)
        if not isinstance(source, Source):
            continue
        try:
            for document in parse_documents(source):
                for obj in objects_of(document):
                    yield obj.data
                document.release()
        except (InputError, RecursionError):
            continue  # the run reports it
