"""`--fix --unsafe-fixes` settles on manifests written the way real ones are (tests/fixes: comments
between volumes, Helm's empty security contexts, a mapping a fix empties while others add to it, a
tab before a comment; and the examples), in LF and CRLF, with and without a final line break: a
fixed point in a few passes, no fix left out, nothing fixable left, and fixing again changes
nothing. The clean-clone counterpart of tests/test_fix_corpus.py (which needs ../shared); the
exact fixed text is tests/fixes/*.fixed.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_fix_properties import check_line_breaks

from klint.config import Settings
from klint.fixer import FixOutcome, fix_source
from klint.source import Source

PROJECT = Path(__file__).resolve().parent.parent
FIXES = PROJECT / "tests" / "fixes"
FILES = sorted(p for p in FIXES.glob("*.yaml") if not p.name.endswith(".fixed.yaml")) \
    + sorted((PROJECT / "examples" / "insecure").glob("*.yaml"))
MAX_PASSES = 3  # a rule's fix may need the next pass to see what another wrote (AppArmor annotations)


def fix(text: str) -> FixOutcome:
    settings = Settings()
    return fix_source(Source.from_text("test.yaml", text), settings.enabled_rules(), settings, unsafe=True)


def variant(text: str, kind: str) -> str:
    if kind != "lf":
        text = text.replace("\n", "\r\n")
    return text.rstrip("\r\n") if kind == "crlf-without-final-newline" else text


@pytest.mark.parametrize("kind", ["lf", "crlf", "crlf-without-final-newline"])
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_fix_settles(path: Path, kind: str) -> None:
    text = variant(path.read_text(), kind)
    outcome = fix(text)
    assert outcome.error is None and not outcome.left_out, (outcome.error, outcome.left_out)
    assert outcome.passes <= MAX_PASSES
    assert not [f for f in outcome.result.findings if f.fix is not None and f.fix.applicable]
    check_line_breaks(text, outcome.text)
    again = fix(outcome.text)
    assert again.text == outcome.text and not again.fixed


@pytest.mark.parametrize("path", sorted(FIXES.glob("*.fixed.yaml")), ids=lambda p: p.name)
def test_fixed_text(path: Path) -> None:
    original = path.with_name(path.name.replace(".fixed.yaml", ".yaml")).read_text()
    assert fix(original).text == path.read_text()
    assert fix(variant(original, "crlf")).text == variant(path.read_text(), "crlf")


EMPTIED_AT_THE_END = """\
apiVersion: v1
kind: Pod
metadata:
  name: d1
spec:
  containers:
    - name: c0
      image: nginx:1.27
      securityContext:
        runAsUser: 0"""


@pytest.mark.parametrize("kind", ["lf", "crlf"])
def test_a_mapping_emptied_at_the_end_of_a_text_without_a_final_line_break_is_refilled(kind: str) -> None:
    # removing `runAsUser: 0` empties the securityContext that other fixes add to: in one pass, the
    # removal deletes its line (with the line break before it: there is none after) and the mapping
    # stays a block mapping, as anywhere else in a text. It used to remove the mapping, the pass did
    # not parse, and the fixer fell back to a fix a pass: a stream with many fixes ran out of passes.
    text = variant(EMPTIED_AT_THE_END, kind)
    outcome = fix(text)
    assert outcome.error is None and outcome.passes == 1
    assert outcome.text.endswith(variant(
        "      securityContext:\n        readOnlyRootFilesystem: true\n        capabilities:\n"
        "          drop:\n            - ALL\n        allowPrivilegeEscalation: false", kind))
    stream = variant("\n---\n".join(EMPTIED_AT_THE_END.replace("d1", f"d{n}") for n in range(3)), kind)
    many = fix(stream)
    assert many.error is None and many.passes == 1 and not many.left_out
