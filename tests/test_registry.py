"""Every registered rule, whoever added it: a stable code and name, a severity, and documentation whose
failing example really fails the rule and whose passing example really passes it."""

from __future__ import annotations

import re

import pytest

from klint import registry
from klint.config import Settings
from klint.engine import lint_source
from klint.rule import CODE_PATTERN, DOC_SECTIONS, NAME_PATTERN, Level, Rule, Severity
from klint.source import Source

RULES = registry.all_rules()
# a manifest, or for the profile rules a profile file
YAML_BLOCK = re.compile(r"^```(?:yaml|json|apparmor)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def rule_id(rule: type[Rule]) -> str:
    return f"{rule.code}-{rule.name}"


def examples(rule: type[Rule], section: str) -> list[str]:
    return [block for block in YAML_BLOCK.findall(rule.section(section))]


def findings_of(rule: type[Rule], text: str, name: str) -> list[str]:
    """Where `rule` (alone, with its default options; a rule about suppressions with every rule, as it
    needs findings to suppress) reports on `text`: `line:column: message`."""
    settings = Settings(select=("KL",) if rule.opt_in else (rule.code,))
    result = lint_source(Source.from_text(name, text), settings.enabled_rules(), settings)
    assert not result.problems, result.problems
    assert result.skipped is None, result.skipped
    assert result.objects or result.profiles, f"{name}: the example has no Kubernetes object or profile"
    return [f"{f.span.start_line}:{f.span.start_column}: {f.message}" for f in result.findings
            if f.rule.code == rule.code]


def test_the_catalogue_is_not_empty_and_codes_and_names_are_unique() -> None:
    assert {"KL001", "KL101", "KL201", "KL202", "KL203"} <= {rule.code for rule in RULES}
    codes = [rule.code for rule in RULES]
    names = [rule.name for rule in RULES]
    assert len(codes) == len(set(codes))
    assert len(names) == len(set(names))
    assert not set(codes) & set(names)
    assert codes == sorted(codes)


def test_a_duplicate_code_is_refused() -> None:
    with pytest.raises(TypeError, match="duplicate rule code KL101"):
        type("Impostor", (Rule,), {"code": "KL101", "name": "impostor", "severity": Severity.LOW,
                                   "__doc__": "x"})
    assert registry.find("KL101") is not None and registry.find("KL101").__name__ != "Impostor"  # type: ignore[union-attr]


@pytest.mark.parametrize("rule", RULES, ids=rule_id)
def test_metadata(rule: type[Rule]) -> None:
    assert CODE_PATTERN.fullmatch(rule.code), rule.code
    assert NAME_PATTERN.fullmatch(rule.name), rule.name
    assert isinstance(rule.severity, Severity)
    assert rule.pss is None or isinstance(rule.pss, Level)
    if rule.pss is not None:
        assert rule.psa_check, "a Pod Security Standards rule names its upstream check"
    assert all(reference.startswith("https://") for reference in rule.references)
    assert registry.find(rule.code) is rule and registry.find(rule.name) is rule


def test_every_built_in_rule_names_its_topic() -> None:  # a SARIF tag, which code scanning filters by
    built_in = [rule for rule in RULES if rule.__module__.startswith("klint.rules.")]
    assert [rule.code for rule in built_in if not rule.topic] == []


@pytest.mark.parametrize("rule", RULES, ids=rule_id)
def test_documentation_sections(rule: type[Rule]) -> None:
    documentation = rule.documentation()
    summary = rule.summary()
    assert summary and not summary.startswith("#") and summary.endswith("."), summary
    titles = re.findall(r"^## (.+)$", documentation, re.MULTILINE)
    missing = [title for title in DOC_SECTIONS if title not in titles]
    assert not missing, f"{rule.code} lacks the sections {missing}"
    for title in DOC_SECTIONS:
        assert rule.section(title), f"{rule.code}: section {title!r} is empty"
    assert examples(rule, "Failing example"), "the failing example is a ```yaml block"
    assert examples(rule, "Passing example"), "the passing example is a ```yaml block"


@pytest.mark.parametrize("rule", RULES, ids=rule_id)
def test_the_failing_example_fails(rule: type[Rule]) -> None:
    for number, example in enumerate(examples(rule, "Failing example")):
        assert findings_of(rule, example, f"{rule.name}-failing-{number}.yaml"), (
            f"{rule.code}: the failing example #{number + 1} does not trigger the rule")


@pytest.mark.parametrize("rule", RULES, ids=rule_id)
def test_the_passing_example_passes(rule: type[Rule]) -> None:
    for number, example in enumerate(examples(rule, "Passing example")):
        assert findings_of(rule, example, f"{rule.name}-passing-{number}.yaml") == [], (
            f"{rule.code}: the passing example #{number + 1} triggers the rule")


def test_select_by_code_name_and_prefix() -> None:
    assert registry.select("KL101") == registry.select("privileged-container") == [registry.find("KL101")]
    assert registry.select(" kl101 ") == [registry.find("KL101")]
    by_prefix = registry.select("KL2")
    assert by_prefix and all(rule.code.startswith("KL2") for rule in by_prefix)
    assert registry.select("KL") == list(RULES)
    assert registry.select("K") == [] and registry.select("nothing") == []
    assert registry.find("KL2") is None  # find() wants one exact rule
