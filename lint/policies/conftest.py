"""conftest and admission styles: `.rego` files whose `deny`, `violation` and `warn` rules (optionally
suffixed, `deny_run_as_root`) judge one object.

- conftest: `input` is the object. Packages `main` (or `--policy-namespace`, or every package with
  `--all-policy-namespaces`); `exception` rules exempt `deny_NAME` / `violation_NAME` rules as conftest does
  (the name `""` exempts `deny` and `violation`).
- admission: a package whose modules read `input.request` gets an AdmissionReview `request` instead,
  as the API server would send it to OPA (`kubernetes.admission` is evaluated by default, beside
  `main`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from klint.k8s import K8sObject, as_dict
from klint.policies.engine import ModuleInfo
from klint.policies.sandbox import EngineSpec
from klint.rule import Severity

DEFAULT_NAMESPACES = ("main", "kubernetes.admission")
RESULT_RULE = re.compile(r"(deny|violation|warn)(_[A-Za-z0-9_]+)?")
ADMISSION_INPUT = re.compile(r"\binput\.request\b")


@dataclass(frozen=True)
class PolicyRuleSpec:
    """One rule to report: `code` (`main.deny`), its severity and the file that defines it."""

    code: str
    package: str
    rule: str
    severity: Severity
    origin: str
    position: int  # of its value among the engine's rules


def object_input(obj: K8sObject) -> dict[str, Any]:
    return obj.data


def admission_input(obj: K8sObject) -> dict[str, Any]:
    """The AdmissionReview `request` of creating `obj`."""
    group, _, version = obj.ref.api_version.rpartition("/")
    metadata = as_dict(obj.data.get("metadata"))
    return {"request": {
        "uid": "",
        "kind": {"group": group, "version": version, "kind": obj.kind},
        "resource": {"group": group, "version": version, "resource": obj.kind.lower() + "s"},
        "name": str(metadata.get("name") or ""),
        "namespace": str(metadata.get("namespace") or ""),
        "operation": "CREATE",
        "userInfo": {},
        "object": obj.data,
        "oldObject": None,
        "dryRun": True,
    }}


def plan(infos: Sequence[ModuleInfo], namespaces: Sequence[str], all_namespaces: bool,
         data: dict[str, Any]) -> list[tuple[EngineSpec, Callable[[K8sObject], dict[str, Any]],
                                             list[PolicyRuleSpec], dict[str, list[int]]]]:
    """The engines to build, one per input style, each with its rules to report and, per rule,
    the positions of the `exception` values that can exempt it."""
    wanted = set(namespaces or DEFAULT_NAMESPACES)
    packages: dict[str, list[ModuleInfo]] = {}
    for info in infos:
        packages.setdefault(info.package, []).append(info)
    modules = [info.module for info in infos]
    styles: dict[bool, tuple[list[str], list[PolicyRuleSpec], dict[str, list[int]]]] = {}
    files: dict[bool, set[str]] = {}  # the files of each style's packages, to name it
    for package, members in sorted(packages.items()):
        if not all_namespaces and package not in wanted:
            continue
        admission = any(ADMISSION_INPUT.search(info.module.text) for info in members)
        queries, specs, exemptions = styles.setdefault(admission, ([], [], {}))
        files.setdefault(admission, set()).update(info.module.path for info in members)
        names = sorted({rule for info in members for rule in info.rules})
        exception = None
        if "exception" in names:
            exception = len(queries)
            queries.append(f"data.{package}.exception")
        for name in names:
            if not RESULT_RULE.fullmatch(name):
                continue
            origin = next(info.module.path for info in members if name in info.rules)
            code = f"{package}.{name}"
            severity = Severity.MEDIUM if name.startswith("warn") else Severity.HIGH
            specs.append(PolicyRuleSpec(code, package, name, severity, origin, len(queries)))
            if exception is not None and not name.startswith("warn"):
                exemptions[code] = [exception]
            queries.append(f"data.{package}.{name}")
    out: list[tuple[EngineSpec, Callable[[K8sObject], dict[str, Any]], list[PolicyRuleSpec],
                    dict[str, list[int]]]] = []
    for admission, (queries, specs, exemptions) in sorted(styles.items()):
        if not specs:
            continue
        paths = sorted(files[admission])
        named = ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
        engine = EngineSpec(modules, queries, data, name=named)
        out.append((engine, admission_input if admission else object_input, specs, exemptions))
    return out


def exempted(rule: str, values: list[Any]) -> bool:
    """Whether conftest `exception` values (sets of rule-name lists) exempt `rule` (`deny_foo`)."""
    suffix = rule.split("_", 1)[1] if "_" in rule else ""
    for value in values:
        for item in value if isinstance(value, list) else []:
            names = item if isinstance(item, list) else [item]
            if suffix in names:
                return True
    return False
