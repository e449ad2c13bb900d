"""Whatever the input, linting and fixing end in findings or input errors: never an exception, an
internal error, or a fix that fails its own checks. The inputs are the project's examples, mutated."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klint.config import Settings
from klint.engine import lint_source
from klint.fixer import fix_source
from klint.source import Source

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").rglob("*.yaml"))
TEXTS = [path.read_text() for path in EXAMPLES]
# Characters that change YAML's structure, and a few that test decoding.
PIECES = [" ", "\n", ":", "- ", "{", "}", "[", "]", ",", "&a ", "*a", "<<: ", '"', "'", "|", ">", "#",
          "\t", "yes", "~", "---\n", "\r\n", "\ufeff", "é", "{{ .Values.x }}", "0x1F", "\\"]
SETTINGS = Settings()
RULES = SETTINGS.enabled_rules()


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(TEXTS))
    for _ in range(draw(st.integers(1, 3))):
        position = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            text = text[:position] + draw(st.sampled_from(PIECES)) + text[position:]
        else:
            text = text[:position] + text[position + draw(st.integers(1, 5)):]
    return text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_manifests_lint_and_fix_without_internal_errors(text: str) -> None:
    assert TEXTS, "the examples are missing"
    source = Source.from_text("mutated.yaml", text)
    result = lint_source(source, RULES, SETTINGS)
    assert result.objects or result.problems or result.skipped or result.not_kubernetes  # it was read
    assert not [problem for problem in result.problems if "internal error" in problem.message]
    outcome = fix_source(source, RULES, SETTINGS, unsafe=True)
    assert not [problem for problem in outcome.result.problems if "internal error" in problem.message]
    # a stream with an input error is left as it is, and says so
    assert outcome.error is None or (result.problems and "input error" in outcome.error)
    assert outcome.left_out == []
