"""Other tools' checks, mapped to klint's rules through each rule's `equivalents`, so that their ignore
annotations and comments suppress the same findings in klint."""

from __future__ import annotations

import re
from functools import cache

from klint import registry

# The tools whose ignores klint honours (`foreign-ignores`, all by default). Kubescape has no form
# in the manifest (its exceptions live in a separate file), so it has none here.
TOOLS = ("kube-linter", "polaris", "checkov", "trivy")


def normalize(tool: str, check: str) -> str:
    """A check ID as the tool's users write it, in one spelling: Trivy's `KSV012`, `KSV-0012`,
    `AVD-KSV-0012` and `ksv012` are one check; Checkov's and Polaris' IDs are compared as written,
    kube-linter's in lower case."""
    check = check.strip()
    if tool == "trivy":
        match = re.fullmatch(r"(?:AVD-)?KSV-?0*(\d+)", check, re.IGNORECASE)
        return f"KSV{int(match.group(1)):03d}" if match else check.upper()
    if tool == "kube-linter":
        return check.lower()
    return check


@cache
def _table(tool: str) -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {}
    for rule in registry.all_rules():
        for check in rule.equivalents.get(tool, ()):
            table.setdefault(normalize(tool, check), []).append(rule.code)
    return {check: tuple(codes) for check, codes in table.items()}


def rules_for(tool: str, check: str) -> tuple[str, ...]:
    """The codes of klint's rules that do what `check` of `tool` does (none: klint has no such check)."""
    return _table(tool).get(normalize(tool, check), ())


def all_rules_of(tool: str) -> tuple[str, ...]:
    """The codes of klint's rules that have an equivalent in `tool` (what "ignore all" means there)."""
    return tuple(sorted({code for codes in _table(tool).values() for code in codes}))
