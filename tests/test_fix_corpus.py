"""`--fix --unsafe-fixes` over a copy of ../shared/corpus/real, and klint's fixes set beside Polaris' own
(`mutated*.yaml` in ../shared/corpus/polaris). Skips when ../shared is absent.

Run as a script for the figures (files changed, fixes applied, verification failures, and the
Polaris comparison, field by field):

    .venv/bin/python tests/test_fix_corpus.py
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from klint.config import Settings
from klint.discover import discover
from klint.document import InputError, parse_documents
from klint.fixer import FixOutcome, deliver, differences, fix_file
from klint.k8s import format_path, lookup, objects_of
from klint.source import Source

SHARED = Path(__file__).resolve().parents[2] / "shared"
REAL = SHARED / "corpus" / "real"
POLARIS = SHARED / "corpus" / "polaris" / "test" / "checks"


@dataclass
class CorpusRun:
    files: int = 0
    changed: int = 0
    fixes: int = 0
    verification_failures: list[str] = field(default_factory=list)  # the fixer's own (file left untouched)
    left_out: list[str] = field(default_factory=list)  # single fixes the fixer's checks rejected
    violations: list[str] = field(default_factory=list)  # this script's independent checks
    by_rule: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def __str__(self) -> str:
        rules = ", ".join(f"{code} {count}" for code, count in sorted(self.by_rule.items()))
        return (f"{self.files} files, {self.changed} changed, {self.fixes} fixes applied ({rules}); "
                f"{len(self.verification_failures)} verification failures, {len(self.left_out)} fixes left out, "
                f"{len(self.violations)} invariant violations; {self.seconds:.1f} s")


def documents(data: bytes) -> list[Any] | None:
    try:
        return list(parse_documents(Source.from_bytes("x", data)))
    except (InputError, ValueError):
        return None


def allowed_paths(outcome: FixOutcome) -> dict[int, list[tuple[Any, ...]]]:
    allowed: dict[int, list[tuple[Any, ...]]] = {}
    for finding in outcome.fixed:
        assert finding.fix is not None
        root = ("items", finding.obj.item) if finding.obj.item is not None else ()
        allowed.setdefault(finding.obj.document, []).extend((*root, *p) for p in finding.fix.paths)
    return allowed


def check_file(path: str, before: bytes, after: bytes, outcome: FixOutcome) -> list[str]:
    """What is wrong with the file as written (independently of the fixer's own verification)."""
    if before == after:
        return []
    if not outcome.changed:
        return [f"{path}: changed although the fixer reported no change"]
    old, new = documents(before), documents(after)
    if new is None:
        return [f"{path}: the fixed file does not parse"]
    assert old is not None
    if [o.ref for d in old for o in objects_of(d)] != [o.ref for d in new for o in objects_of(d)]:
        return [f"{path}: the objects changed"]
    if after.startswith(b"\xef\xbb\xbf") != before.startswith(b"\xef\xbb\xbf"):
        return [f"{path}: the BOM changed"]
    problems = []
    allowed = allowed_paths(outcome)
    for index, (a, b) in enumerate(zip(old, new, strict=True)):
        for changed in differences(a.data, b.data):
            fixed = allowed.get(index, [])
            if not any(changed[:len(p)] == p or (p[:len(changed)] == changed and lookup(a.data, changed) is None)
                       for p in fixed):
                problems.append(f"{path}: document {index + 1} changed at {format_path(changed)}")
    return problems


def fix_corpus(root: Path) -> CorpusRun:
    """Fix a temporary copy of `root` as `klint --fix --unsafe-fixes` does, and check every file written."""
    run = CorpusRun()
    configured = Settings()
    rules = configured.enabled_rules()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as work:
        copy = Path(work) / "corpus"
        shutil.copytree(root, copy, symlinks=True)
        for path in discover([str(copy)]):
            run.files += 1
            before = Path(path).read_bytes()
            outcome = fix_file(path, rules, configured, unsafe=True)
            deliver(outcome, stdin=False, diff=False, out=sys.stdout.buffer)
            after = Path(path).read_bytes()
            name = str(Path(path).relative_to(copy))
            run.changed += outcome.changed
            run.fixes += len(outcome.fixed)
            run.by_rule.update(finding.rule.code for finding in outcome.fixed)
            if outcome.error:
                run.verification_failures.append(f"{name}: {outcome.error}")
            run.left_out.extend(f"{name}: {note}" for note in outcome.left_out)
            run.violations.extend(check_file(name, before, after, outcome))
    run.seconds = time.perf_counter() - start
    return run


@dataclass
class Comparison:
    """One Polaris mutation beside klint's fix of the same failing file."""

    check: str
    case: str
    agree: list[str]  # fields both fixed, to the same value
    disagree: list[str]  # fields both fixed, to different values
    polaris_only: list[str]  # fields only Polaris changed
    klint_only: list[str]  # fields only klint changed


def compare_with_polaris(root: Path) -> list[Comparison]:
    configured = Settings()
    rules = configured.enabled_rules()
    out = []
    for mutated in sorted(root.glob("*/mutated*.yaml")):
        failing = mutated.with_name(mutated.name.replace("mutated", "failure", 1))
        if not failing.exists():
            continue
        original = documents(failing.read_bytes())
        polaris = documents(mutated.read_bytes())
        outcome = fix_file(str(failing), rules, configured, unsafe=True)
        if original is None or polaris is None or outcome.source is None:
            continue
        ours = documents(outcome.output())
        assert ours is not None
        theirs_changed = {p for a, b in zip(original, polaris, strict=False) for p in differences(a.data, b.data)}
        ours_changed = {p for a, b in zip(original, ours, strict=False) for p in differences(a.data, b.data)}
        agree, disagree = [], []
        for path in sorted(theirs_changed & ours_changed, key=str):
            same = lookup(ours[0].data, path) == lookup(polaris[0].data, path)
            (agree if same else disagree).append(format_path(path))
        out.append(Comparison(mutated.parent.name, mutated.name,
                              agree, disagree,
                              sorted(format_path(p) for p in theirs_changed - ours_changed),
                              sorted(format_path(p) for p in ours_changed - theirs_changed)))
    return out


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/corpus/real is absent")
def test_fix_the_real_corpus() -> None:
    run = fix_corpus(REAL)
    print(run)
    assert run.files > 1000 and run.changed > 0
    assert run.violations == []
    assert run.verification_failures == []
    assert run.left_out == []


@pytest.mark.skipif(not POLARIS.is_dir(), reason="../shared/corpus/polaris is absent")
def test_fixes_agree_with_polaris_where_both_fix_a_field() -> None:
    comparisons = compare_with_polaris(POLARIS)
    assert comparisons
    assert [c for c in comparisons if c.disagree] == []
    # the host namespace fixes: Polaris and klint both remove the field
    both = {(c.check, field) for c in comparisons for field in c.agree}
    assert {("hostPIDSet", "spec.hostPID"), ("hostIPCSet", "spec.hostIPC"),
            ("hostNetworkSet", "spec.hostNetwork")} <= both


def main() -> None:
    if POLARIS.is_dir():
        print("Polaris mutations beside klint --fix --unsafe-fixes (fields both fix / differ / only one fixes):")
        for c in compare_with_polaris(POLARIS):
            print(f"  {c.check}/{c.case}: agree {c.agree or '-'}; differ {c.disagree or '-'}; "
                  f"Polaris only {c.polaris_only or '-'}; klint only {c.klint_only or '-'}")
    if REAL.is_dir():
        run = fix_corpus(REAL)
        print(f"\n--fix --unsafe-fixes over a copy of {REAL}: {run}")
        for line in run.verification_failures + run.left_out + run.violations:
            print("  " + line)


if __name__ == "__main__":
    main()
