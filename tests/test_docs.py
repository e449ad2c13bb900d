"""docs/rules.md is generated from the rules, and every rule's documentation holds what it promises."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import lint

from klint import registry
from klint.docs import TOOLS, missing_sections, render
from klint.rule import Rule

DOCS = Path(__file__).resolve().parent.parent / "docs" / "rules.md"
RULES = registry.all_rules()


def test_rules_md_is_up_to_date() -> None:
    assert DOCS.read_text(encoding="utf-8") == render(), (
        "docs/rules.md is stale: run `python -m klint.docs > docs/rules.md`")


def test_every_rule_has_a_section_with_the_anchor_sarif_links_to() -> None:
    text = render()
    for rule in RULES:
        assert f"\n## {rule.code} {rule.name}\n" in text
        assert f"(#{rule.code.lower()}-{rule.name})" in text


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.name)
def test_documentation_has_every_section(rule: type[Rule]) -> None:
    assert missing_sections(rule) == []


def example(rule: type[Rule], title: str) -> str:
    """The section's example: a manifest (`yaml`) or a profile file (`json`, `apparmor`)."""
    match = re.search(r"```(?:yaml|json|apparmor)\n(.*?)```", rule.section(title), re.S)
    assert match, f"{rule.name}: no example block in {title!r}"
    return match.group(1)


def findings(rule: type[Rule], title: str) -> list[str]:
    """The rule's findings on an example; a rule about suppressions runs with every rule beside it,
    as it needs findings to suppress."""
    selection = ("KL",) if rule.opt_in else (rule.code,)
    return [f.message for f in lint(example(rule, title), *selection) if f.rule.code == rule.code]


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.name)
def test_failing_example_fails_and_passing_example_passes(rule: type[Rule]) -> None:
    assert findings(rule, "Failing example"), "the failing example has no finding"
    assert findings(rule, "Passing example") == [], "the passing example has findings"


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.name)
def test_fix_section_states_the_safety(rule: type[Rule]) -> None:
    fix = rule.section("Fix")
    assert re.search(r"\b(Safe|safe|Unsafe|unsafe|No automatic fix|no automatic fix|[Dd]isplay)", fix), fix


def test_equivalents_name_known_tools() -> None:
    for rule in RULES:
        assert set(rule.equivalents) <= set(TOOLS), rule.name
