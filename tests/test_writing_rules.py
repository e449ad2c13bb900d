"""docs/writing-rules.md: its complete rule registers, runs and fixes as the page says."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixhelpers import fix_text
from helpers import dedent, messages, where

from klint import registry
from klint.rule import Rule

PAGE = Path(__file__).resolve().parents[1] / "docs" / "writing-rules.md"


@pytest.fixture
def page_rule() -> Iterator[type[Rule]]:
    """The page's rule, registered for the test (and forgotten after it)."""
    before = dict(Rule.registry)
    (source,) = re.findall(r"^````python\n(.*?)^````$", PAGE.read_text(encoding="utf-8"), re.M | re.S)
    namespace: dict[str, object] = {"__name__": "acme_rules"}
    exec(compile(source, str(PAGE), "exec"), namespace)
    registry.catalogue.cache_clear()
    yield Rule.registry["ACME101"]
    Rule.registry.clear()
    Rule.registry.update(before)
    registry.catalogue.cache_clear()


def test_the_page_rule_reports_and_fixes_what_it_says(page_rule: type[Rule]) -> None:
    failing, passing = (re.findall(r"```yaml\n(.*?)```", page_rule.section(title), re.S)[0]
                        for title in ("Failing example", "Passing example"))
    assert page_rule.name == "service-links" and registry.find("service-links") is page_rule
    assert where(failing, "ACME101") == ["5:1"]  # at `spec`, where the field would go
    assert messages(failing, "ACME101") == [
        "pod gets a variable for every Service of its namespace (enableServiceLinks); "
        "set enableServiceLinks: false"]
    assert where(passing, "ACME101") == []
    assert fix_text(dedent(failing), "ACME101").text == dedent(passing)
    assert fix_text(dedent(failing), "ACME101", unsafe=False).text == dedent(failing)  # an unsafe fix
