"""docs/rules.md is generated from the rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from klint import registry
from klint.docs import TOOLS, render
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


# Each rule's sections and examples are checked in test_registry, for plugin rules too.


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.name)
def test_fix_section_states_the_safety(rule: type[Rule]) -> None:
    fix = rule.section("Fix")
    assert re.search(r"\b(Safe|safe|Unsafe|unsafe|No automatic fix|no automatic fix|[Dd]isplay)", fix), fix


def test_equivalents_name_known_tools() -> None:
    for rule in RULES:
        assert set(rule.equivalents) <= set(TOOLS), rule.name
