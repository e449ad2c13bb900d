"""`--fix --unsafe-fixes` over a copy of ../shared/corpus/real, and klint's fixes set beside Polaris' own
(`mutated*.yaml` in ../shared/corpus/polaris). Skips when ../shared is absent.

Run as a script for the figures (files changed, fixes applied, verification failures, and the
Polaris comparison, field by field):

    .venv/bin/python tests/test_fix_corpus.py
"""

from __future__ import annotations

import os
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
                f"{len(self.verification_failures)} verification failures, "
                f"{len(self.left_out)} fixes left out, {len(self.violations)} invariant violations; "
                f"{self.seconds:.1f} s")


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
            created = lookup(a.data, changed) is None  # a missing parent the fix added
            if not any(changed[:len(p)] == p or (p[:len(changed)] == changed and created)
                       for p in allowed.get(index, [])):
                problems.append(f"{path}: document {index + 1} changed at {format_path(changed)}")
    return problems


def fix_corpus(root: Path, every: int = 1) -> CorpusRun:
    """Fix a temporary copy of `root` as `klint --fix --unsafe-fixes` does (every `every`-th file, in
    path order), and check every file written."""
    run = CorpusRun()
    configured = Settings()
    rules = configured.enabled_rules()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as work:
        copy = Path(work) / "corpus"
        shutil.copytree(root, copy, symlinks=True)
        # charts are rendered, never fixed: only files
        for number, path in enumerate(path for path in discover([str(copy)]) if not os.path.isdir(path)):
            if number % every:
                continue
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


EMPTY = "(absent or empty)"


def leaves(data: Any, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], Any]:
    """The document as leaf paths and values, read as Kubernetes reads them: an absent field, null,
    [] and {} are the same; a capabilities.drop list with ALL drops everything, whatever else it names."""
    if isinstance(data, dict) and data:
        return {p: v for key, value in data.items() for p, v in leaves(value, (*path, key)).items()}
    if isinstance(data, list) and data and all(isinstance(item, dict) for item in data):
        return {p: v for index, item in enumerate(data) for p, v in leaves(item, (*path, index)).items()}
    if data in (None, [], {}):
        return {}
    if path[-2:] == ("capabilities", "drop") and any(str(item).upper() == "ALL" for item in data):
        return {path: "ALL"}
    return {path: data}


def changed_leaves(before: Any, after: Any) -> dict[tuple[Any, ...], Any]:
    old, new = leaves(before), leaves(after)
    return {p: new.get(p, EMPTY) for p in old.keys() | new.keys() if old.get(p, EMPTY) != new.get(p, EMPTY)}


def compare_with_polaris(root: Path) -> list[Comparison]:
    """Each Polaris mutation (`mutated.X.yaml`, Polaris' fix of `failure.X.yaml`) beside klint's fix
    of the same file, field by field, as Kubernetes reads the result."""
    configured = Settings()
    rules = configured.enabled_rules()
    out = []
    for mutated in sorted(root.glob("*/mutated*.yaml")):
        failing = mutated.with_name(mutated.name.replace("mutated", "failure", 1))
        original, polaris = documents(failing.read_bytes()), documents(mutated.read_bytes())
        outcome = fix_file(str(failing), rules, configured, unsafe=True)
        assert original is not None and polaris is not None and outcome.source is not None
        ours = documents(outcome.output())
        assert ours is not None and len(ours) == len(original) == len(polaris)
        theirs_changed: dict[tuple[Any, ...], Any] = {}
        ours_changed: dict[tuple[Any, ...], Any] = {}
        for index, (a, b, c) in enumerate(zip(original, polaris, ours, strict=True)):
            theirs_changed.update({(index, *p): v for p, v in changed_leaves(a.data, b.data).items()})
            ours_changed.update({(index, *p): v for p, v in changed_leaves(a.data, c.data).items()})

        def show(path: tuple[Any, ...]) -> str:
            return format_path(path[1:])

        both = sorted(theirs_changed.keys() & ours_changed.keys(), key=str)
        out.append(Comparison(
            mutated.parent.name, mutated.name,
            [show(p) for p in both if theirs_changed[p] == ours_changed[p]],
            [f"{show(p)}: Polaris {theirs_changed[p]!r}, klint {ours_changed[p]!r}"
             for p in both if theirs_changed[p] != ours_changed[p]],
            sorted(show(p) for p in theirs_changed.keys() - ours_changed.keys()),
            sorted(show(p) for p in ours_changed.keys() - theirs_changed.keys())))
    return out


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/corpus/real is absent")
def test_fix_the_real_corpus() -> None:
    # A fifth of the files keeps the test quick; `python tests/test_fix_corpus.py` fixes them all.
    run = fix_corpus(REAL, every=5)
    print(run)
    assert run.files > 200 and run.changed > 0
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
    # klint changes only what its fixes are about: never resources, probes, replicas or pull policies
    for comparison in comparisons:
        assert not any(word in field for field in comparison.klint_only
                       for word in ("resources", "Probe", "replicas", "imagePullPolicy"))


def main() -> None:
    if POLARIS.is_dir():
        print("Polaris mutations beside klint --fix --unsafe-fixes, field by field:")
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
