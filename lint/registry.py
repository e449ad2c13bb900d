"""The rule catalogue: every Rule subclass defined in `klint.rules` or by a plugin (entry-point group
`klint.rules`), the rules made from the run's policies, and how users name rules."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from klint.rule import Rule

_policy_rules: tuple[type[Rule], ...] = ()  # the run's (see `use_policy_rules`)


@cache
def catalogue() -> tuple[type[Rule], ...]:
    """The built-in and plugin rules."""
    import klint.rules  # noqa: F401  (importing the catalogue registers its rules)
    from klint.plugins import load_plugins

    load_plugins()
    return tuple(sorted(Rule.registry.values(), key=lambda rule: rule.code))


def all_rules() -> tuple[type[Rule], ...]:
    """The built-in and plugin rules, then the run's policy rules."""
    return catalogue() + _policy_rules


def use_policy_rules(rules: Iterable[type[Rule]]) -> None:
    """The rules made from this run's policies (replacing any earlier run's), so that `--select`,
    `--ignore`, `--severity` and the configuration name them as they name built-in rules."""
    global _policy_rules
    _policy_rules = tuple(sorted(rules, key=lambda rule: rule.code))


def names(rule: type[Rule] | Rule, selector: str, shortest_prefix: int = 2) -> bool:
    """Whether `selector` names the rule: its code, its kebab-case name, or a prefix of its code
    (`KL1`, compared in any case) of at least `shortest_prefix` characters."""
    wanted = selector.strip()
    upper = wanted.upper()
    return (rule.name == wanted or rule.code in (wanted, upper)
            or (len(upper) >= shortest_prefix and rule.code.upper().startswith(upper)))


def select(selector: str) -> list[type[Rule]]:
    """Rules named by a code, a kebab-case name or a code prefix (`KL1`); [] when nothing matches."""
    return [rule for rule in all_rules() if names(rule, selector)]


def find(selector: str) -> type[Rule] | None:
    """One rule by its exact code or name."""
    wanted = selector.strip()
    for rule in all_rules():
        if rule.name == wanted or rule.code in (wanted, wanted.upper()):
            return rule
    return None
