"""Conformance of klint's rules with other tools' own test fixtures, in `../shared/corpus`.

    .venv/bin/python bench/conformance.py [--shared PATH]

For every check of Polaris (`test/checks`), kube-linter (`tests/checks`) and Checkov
(`tests/kubernetes`) that a klint rule names in its `equivalents`, lint the check's fixtures with
only those rules (profile `all`, the latest Pod Security Standards version) and compare with what the
fixture expects:

- Polaris: per file. `success*.yaml` must give no finding, `failure*.yaml` at least one.
- kube-linter: per object. Objects named `dont-fire*` must not fire, the others must (only objects the
  rules apply to). Where `expected-from-bats.json` counts fewer reports than that convention implies,
  the file is compared by its count of firing objects instead.
- Checkov: per resource (`Kind.namespace.name`) where `expected-from-tests.json` lists them. Else per
  object by the file names' verdicts (`-PASSED`, `-FAILED2`) when those add up to the test's
  passed/failed counts, else per folder by the counts: then the disagreed cases are the fewest objects
  that explain the difference. Objects of kinds the Checkov check skips, and pod specs without a
  list of containers (Checkov: UNKNOWN), are left out of the counts.

A disagreement is not a failure of the script: tests/test_conformance.py holds the explained ones.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from klint.config import Settings
from klint.document import parse_documents
from klint.engine import lint_file
from klint.k8s import ObjectRef, objects_of
from klint.registry import all_rules
from klint.rule import Profile
from klint.source import Source

TOOLS = ("polaris", "kube-linter", "checkov")
DEFAULT_SHARED = Path(__file__).resolve().parents[1].parent / "shared"

# Mappings in the rules' `equivalents` left out of the comparison, and why.
UNCOMPARED = {
    # Graph checks judge a RoleBinding/ClusterRoleBinding by the role it binds, with the two in
    # different files of the fixture; klint's rule judges the Role/ClusterRole itself.
    ("checkov", "CKV2_K8S_2"): "judges bindings across files; klint judges the role",
    ("checkov", "CKV2_K8S_3"): "judges bindings across files; klint judges the role",
}
# The kinds Checkov's pod checks run on: its container checks (base_container_check.py) also take
# DeploymentConfig and PodTemplate, the others (DockerSocketVolume, RootContainers, Seccomp, ...) not.
CHECKOV_POD_KINDS = frozenset({
    "Pod", "Deployment", "DaemonSet", "StatefulSet", "ReplicaSet", "ReplicationController", "Job", "CronJob",
})
CHECKOV_CONTAINER_KINDS = CHECKOV_POD_KINDS | {"DeploymentConfig", "PodTemplate"}
CHECKOV_CONTAINER_CHECKS = frozenset({
    "CKV_K8S_16", "CKV_K8S_20", "CKV_K8S_22", "CKV_K8S_25", "CKV_K8S_26", "CKV_K8S_37", "CKV_K8S_39",
})


@dataclass(frozen=True)
class Disagreement:
    tool: str
    check: str
    file: str  # relative to the tool's corpus folder
    obj: str  # the object, or "" for a whole file or folder
    expected: str
    klint: str
    note: str = ""  # what helps explain it (the objects of a count that differ from their file names)

    @property
    def where(self) -> str:
        """The file's name and the object, as tests/test_conformance.py lists the explained ones."""
        return f"{Path(self.file).name} {self.obj}".strip()

    @property
    def verdict(self) -> str:
        return f"expected {self.expected}, klint {self.klint}"

    def __str__(self) -> str:
        where = f"{self.file} {self.obj}".strip()
        return f"{self.tool} {self.check}: {where}: {self.verdict}{self.note}"


@dataclass
class CheckResult:
    tool: str
    check: str
    rules: tuple[str, ...]  # klint rule codes
    cases: int = 0
    agreed: int = 0
    unparsable: int = 0
    disagreements: list[Disagreement] = field(default_factory=list)

    @property
    def disagreed(self) -> int:
        return self.cases - self.agreed

    def compare(self, file: str, obj: str, expected: bool, fired: bool) -> None:
        """One case whose expectation is whether the check fires."""
        self.cases += 1
        if expected == fired:
            self.agreed += 1
        else:
            self.disagreements.append(Disagreement(self.tool, self.check, file, obj,
                                                   _verdict(expected), _verdict(fired)))


def _verdict(fired: bool) -> str:
    return "fail" if fired else "pass"


def mapping(tool: str) -> dict[str, tuple[str, ...]]:
    """The tool's check IDs -> the codes of the klint rules naming them in `equivalents`."""
    out: dict[str, list[str]] = {}
    for rule in all_rules():
        for check in rule.equivalents.get(tool, ()):
            if (tool, check) not in UNCOMPARED:
                out.setdefault(check, []).append(rule.code)
    return {check: tuple(codes) for check, codes in sorted(out.items())}


@dataclass
class Linted:
    """One file's objects the rules apply to, and which of them the rules fired on."""

    objects: list[ObjectRef]
    fired: set[ObjectRef]
    malformed: set[ObjectRef]  # pod specs without a list of containers (Checkov: UNKNOWN)
    unparsable: bool


def lint(path: Path, codes: tuple[str, ...]) -> Linted:
    """Lint one file with only the rules `codes` (profile `all`, the latest standard)."""
    settings = Settings(select=codes, profile=Profile.ALL)
    result = lint_file(str(path), settings.enabled_rules(), settings)
    objects = [ref for ref, applied in result.checked if applied]
    unparsable = bool(result.problems) or result.skipped is not None
    return Linted(objects, {finding.obj for finding in result.findings},
                  set() if unparsable or result.source is None else _malformed(result.source), unparsable)


def _malformed(source: Source) -> set[ObjectRef]:
    return {obj.ref for document in parse_documents(source) for obj in objects_of(document)
            if obj.pod is not None and not (isinstance(obj.pod.data.get("containers"), list)
                                            and obj.pod.data["containers"])}


def _json(path: Path) -> dict[str, Any]:
    """An expectations file; without it, no tests."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"tests": []}
    return data if isinstance(data, dict) else {"tests": []}


def _files(folder: Path, *patterns: str) -> list[Path]:
    return sorted({path for pattern in patterns for path in folder.glob(pattern) if path.is_file()})


# Polaris ------------------------------------------------------------------------------------------

def polaris(corpus: Path) -> Iterator[CheckResult]:
    root = corpus / "polaris"
    for check, codes in mapping("polaris").items():
        result = CheckResult("polaris", check, codes)
        for path in _files(root / "test" / "checks" / check, "success*.y*ml", "failure*.y*ml"):
            linted = lint(path, codes)
            if linted.unparsable:
                result.unparsable += 1
                continue
            result.compare(str(path.relative_to(root)), "", path.name.startswith("failure"),
                           bool(linted.fired))
        yield result


# kube-linter --------------------------------------------------------------------------------------

def kube_linter(corpus: Path) -> Iterator[CheckResult]:
    root = corpus / "kube-linter"
    bats = _json(root / "expected-from-bats.json")
    tests = {test["check"]: test for test in bats["tests"] if "check" in test and "file" in test}
    for check, codes in mapping("kube-linter").items():
        result = CheckResult("kube-linter", check, codes)
        test = tests.get(check)
        if test is not None:
            path = root / test["file"]
            linted = lint(path, codes)
            if linted.unparsable:
                result.unparsable += 1
            else:
                _compare_kube_linter(result, test["file"], linted, test.get("report_count"))
        yield result


def _compare_kube_linter(result: CheckResult, file: str, linted: Linted, count: int | None) -> None:
    should_fire = [ref for ref in linted.objects if not ref.name.startswith("dont-fire")]
    for ref in linted.objects:
        if ref not in should_fire:
            result.compare(file, str(ref), False, ref in linted.fired)
    if count is None or count >= len(should_fire):
        for ref in should_fire:
            result.compare(file, str(ref), True, ref in linted.fired)
        return
    # The convention names fewer objects than fire: compare how many fire.
    fired = sum(ref in linted.fired for ref in should_fire)
    result.cases += 1
    if fired == count:
        result.agreed += 1
    else:
        result.disagreements.append(Disagreement(result.tool, result.check, file, "",
                                                 f"{count} firing", f"{fired} firing"))


# Checkov ------------------------------------------------------------------------------------------

def resource_id(ref: ObjectRef) -> str:
    return f"{ref.kind}.{ref.namespace or 'default'}.{ref.name}"


# A file name's verdict for the check its folder is named after (`pod-FAILED2.yaml`, `-PASS`,
# `rootContainersPASSED`); names with both (`scope-2PASSED-1FAILED`) or UNKNOWN have none.
_HINT = re.compile(r"(PASS|FAIL)")


def hint(path: Path) -> bool | None:
    """True: the file's objects fail; False: they pass; None: no single verdict."""
    found = {match.group(1) for match in _HINT.finditer(path.stem.upper())}
    return None if len(found) != 1 or "UNKNOWN" in path.stem.upper() else found == {"FAIL"}


def checkov(corpus: Path) -> Iterator[CheckResult]:
    root = corpus / "checkov"
    expected = _json(root / "expected-from-tests.json")
    tests = {check["id"]: method for test in expected["tests"] for check in test["checks"]
             for method in test["methods"] if method.get("summary") and method.get("example_dirs")}
    for check, codes in mapping("checkov").items():
        result = CheckResult("checkov", check, codes)
        if check in tests:
            method = tests[check]
            for folder in method["example_dirs"]:
                _compare_checkov(result, root, root / "tests" / "kubernetes" / "checks" / folder, method)
        yield result


def _compare_checkov(result: CheckResult, root: Path, folder: Path, method: dict[str, Any]) -> None:
    """Per resource ID where the test lists them. Otherwise per object by the file names' verdicts
    when those add up to the test's counts, else by the counts alone."""
    kinds = CHECKOV_CONTAINER_KINDS if result.check in CHECKOV_CONTAINER_CHECKS else CHECKOV_POD_KINDS
    objects: list[tuple[Path, ObjectRef, bool]] = []  # (file, object, klint fires)
    for path in _files(folder, "*.yaml", "*.yml", "*.json"):
        linted = lint(path, result.rules)
        result.unparsable += linted.unparsable  # the objects before a YAML error still count
        objects += [(path, ref, ref in linted.fired) for ref in linted.objects if ref not in linted.malformed]
    lists = method["expected"]
    passing = lists.get("passing_resources") or lists.get("expected_passed_resources") or []
    failing = lists.get("failing_resources") or lists.get("expected_failed_resources") or []
    if passing or failing:
        wanted = {**{rid: False for rid in passing}, **{rid: True for rid in failing}}
        for path, ref, fired in objects:
            rid = resource_id(ref)
            if rid in wanted:
                result.compare(str(path.relative_to(root)), rid, wanted.pop(rid), fired)
        for rid, fails in wanted.items():  # an object klint did not lint
            result.compare(str(folder.relative_to(root)), rid, fails, not fails)
        return
    objects = [(path, ref, fired) for path, ref, fired in objects if ref.kind in kinds]
    want = (method["summary"]["passed"], method["summary"]["failed"])
    hints = [hint(path) for path, _, _ in objects]
    if None not in hints and (hints.count(False), hints.count(True)) == want:
        for (path, ref, fired), verdict in zip(objects, hints, strict=True):
            result.compare(str(path.relative_to(root)), resource_id(ref), bool(verdict), fired)
        return
    got = (sum(not fired for _, _, fired in objects), sum(fired for _, _, fired in objects))
    result.cases += sum(want)
    # The fewest objects that can account for the difference in counts.
    wrong = min(sum(want), max(abs(got[0] - want[0]), abs(got[1] - want[1])))
    result.agreed += sum(want) - wrong
    if wrong:  # name the objects where klint differs from their file's name, to help explain it
        odd = [resource_id(ref) for (_, ref, fired), verdict in zip(objects, hints, strict=True)
               if verdict is not None and verdict != fired]
        result.disagreements.append(Disagreement(
            result.tool, result.check, str(folder.relative_to(root)), "",
            f"{want[0]} passed/{want[1]} failed", f"{got[0]} passed/{got[1]} failed",
            f" (unlike their file names: {', '.join(odd)})" if odd else ""))


# Report -------------------------------------------------------------------------------------------

def run(shared: Path) -> list[CheckResult]:
    """Every mapped check of each tool whose corpus folder is present."""
    corpus = shared / "corpus"
    compare = {"polaris": polaris, "kube-linter": kube_linter, "checkov": checkov}
    return [result for tool in TOOLS if (corpus / tool).is_dir() for result in compare[tool](corpus)]


def table(results: list[CheckResult]) -> str:
    rows = [("tool", "check", "klint rules", "cases", "agreed", "disagreed", "unparsable")]
    rows += [(r.tool, r.check, ",".join(r.rules), str(r.cases), str(r.agreed), str(r.disagreed),
              str(r.unparsable)) for r in results]
    for tool in TOOLS:
        mine = [r for r in results if r.tool == tool]
        rows.append((tool, "total", "", str(sum(r.cases for r in mine)), str(sum(r.agreed for r in mine)),
                     str(sum(r.disagreed for r in mine)), str(sum(r.unparsable for r in mine))))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
             for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED,
                        help=f"the shared folder holding corpus/ (default: {DEFAULT_SHARED})")
    args = parser.parse_args(argv)
    if not (args.shared / "corpus").is_dir():
        print(f"{args.shared / 'corpus'}: not found", file=sys.stderr)
        return 0
    results = run(args.shared)
    print(table(results))
    disagreements = [d for r in results for d in r.disagreements]
    print(f"\n{len(disagreements)} disagreement(s)")
    for disagreement in disagreements:
        print(f"- {disagreement}")
    if UNCOMPARED:
        print("\nnot compared:")
        for (tool, check), why in UNCOMPARED.items():
            print(f"- {tool} {check}: {why}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
