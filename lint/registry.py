"""The rule catalogue: every Rule subclass defined in `klint.rules`, and how users name rules."""

from __future__ import annotations

from functools import cache

from klint.rule import Rule


@cache
def all_rules() -> tuple[type[Rule], ...]:
    import klint.rules  # noqa: F401  (importing the catalogue registers its rules)

    return tuple(sorted(Rule.registry.values(), key=lambda rule: rule.code))


def select(selector: str) -> list[type[Rule]]:
    """Rules named by a code, a kebab-case name or a code prefix (`KL1`); [] when nothing matches."""
    wanted = selector.strip()
    upper = wanted.upper()
    return [rule for rule in all_rules()
            if rule.name == wanted or rule.code == upper or (len(upper) >= 2 and rule.code.startswith(upper))]


def find(selector: str) -> type[Rule] | None:
    """One rule by its exact code or name."""
    wanted = selector.strip()
    for rule in all_rules():
        if rule.name == wanted or rule.code == wanted.upper():
            return rule
    return None
