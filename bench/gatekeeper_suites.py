"""Run the Gatekeeper library's `suite.yaml` suites as `gator verify` does, with klint's Gatekeeper
support (templates, constraints, match, inventory) and engine, and print how many assertions pass,
with the cause of each failure.

    .venv/bin/python bench/gatekeeper_suites.py [LIBRARY]   # default ../shared/corpus/gatekeeper-library
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from klint.document import parse_documents
from klint.policies import gatekeeper
from klint.policies.engine import PolicyError
from klint.policies.rules import results
from klint.policies.sandbox import EngineSpec
from klint.source import Source

DEFAULT_LIBRARY = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus" / "gatekeeper-library"


@dataclass
class Outcome:
    suite: str
    test: str
    case: str
    assertion: int
    passed: bool
    cause: str = ""


def documents(path: Path) -> list[Any]:
    source = Source.from_bytes(str(path), path.read_bytes())
    return [document for document in parse_documents(source) if document.data is not None]


def load_pair(directory: Path, test: dict[str, Any]) -> tuple[gatekeeper.Template, gatekeeper.Constraint]:
    templates: list[gatekeeper.Template] = []
    constraints: list[gatekeeper.Constraint] = []
    errors: list[PolicyError] = []
    for name in (test["template"], test["constraint"]):
        for document in documents(directory / name):
            gatekeeper.read(document, templates, constraints, errors)
    if errors:
        raise errors[0]
    return templates[0], constraints[0]


def review_of(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The object under review and `input.review`: an AdmissionReview's request as it is (with the
    fields gator fills), any other object as its CREATE request."""
    if data.get("kind") == "AdmissionReview":
        request = dict(data.get("request") or {})
        obj = request.get("object") or request.get("oldObject") or {}
        base = gatekeeper.review(obj, str(request.get("operation") or "CREATE"))
        return obj, {**base, **request}
    return data, gatekeeper.review(data)


def evaluate(template: gatekeeper.Template, constraint: gatekeeper.Constraint, data: dict[str, Any],
             inventory_objects: list[dict[str, Any]]) -> list[str]:
    """The violation messages of one object."""
    obj, review = review_of(data)
    namespaces = {gatekeeper.namespace_of(o) or "": (o.get("metadata") or {}).get("labels") or {}
                  for o in [*inventory_objects, obj] if o.get("kind") == "Namespace"}
    if not gatekeeper.matches(constraint.match, obj, namespaces):
        return []
    inventory = gatekeeper.inventory(inventory_objects)
    spec = EngineSpec(template.modules, [], {"inventory": inventory} if template.uses_inventory else {})
    engine = spec.build()
    engine.check()
    package = engine.modules[0].package
    engine.set_input_json(json.dumps({"review": review, "parameters": constraint.parameters}, default=str))
    value = json.loads(engine.evaluate_json(f"data.{package}.violation"))
    return [message for message, _ in results(value)]


def check(assertion: dict[str, Any], messages: list[str]) -> tuple[bool, str]:
    wanted = assertion.get("violations", "yes")
    pattern = assertion.get("message")
    found = [m for m in messages if pattern is None or re.search(str(pattern), m)]
    if wanted in ("yes", True):
        ok = bool(found)
    elif wanted in ("no", False):
        ok = not found
    else:
        ok = len(found) == int(wanted)
    return ok, "" if ok else f"expected violations {wanted}" + (f" matching {pattern!r}" if pattern else "") \
        + f", got {len(found)}: {messages[:3]}"


def run(library: Path) -> list[Outcome]:
    outcomes = []
    for suite_path in sorted(library.glob("library/**/suite.yaml")):
        directory = suite_path.parent
        suite = documents(suite_path)[0].data
        name = str(directory.relative_to(library / "library"))
        for test in suite.get("tests") or []:
            try:
                template, constraint = load_pair(directory, test)
                if not template.modules:
                    raise PolicyError(template.path, template.line, 1, "no Rego block (CEL only)")
            except PolicyError as err:
                for case in test.get("cases") or []:
                    for number, _ in enumerate(case.get("assertions") or []):
                        outcomes.append(Outcome(name, test["name"], case["name"], number, False,
                                                f"cannot load: {err}"))
                continue
            for case in test.get("cases") or []:
                inventory_objects = [d.data for file in case.get("inventory") or []
                                     for d in documents(directory / file)]
                try:
                    messages = []
                    for document in documents(directory / case["object"]):
                        messages += evaluate(template, constraint, document.data, inventory_objects)
                    error = ""
                except PolicyError as err:
                    messages, error = [], f"evaluation error: {err}"
                for number, assertion in enumerate(case.get("assertions") or []):
                    ok, cause = (False, error) if error else check(assertion, messages)
                    outcomes.append(Outcome(name, test["name"], case["name"], number, ok, cause))
    return outcomes


def main() -> None:
    library = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_LIBRARY
    start = time.perf_counter()
    outcomes = run(library)
    elapsed = time.perf_counter() - start
    passed = sum(outcome.passed for outcome in outcomes)
    cases = {(o.suite, o.test, o.case) for o in outcomes}
    failed_cases = {(o.suite, o.test, o.case) for o in outcomes if not o.passed}
    print(f"assertions: {passed}/{len(outcomes)} passed; "
          f"cases: {len(cases) - len(failed_cases)}/{len(cases)} passed; {elapsed:.2f} s")
    for outcome in outcomes:
        if not outcome.passed:
            print(f"FAIL {outcome.suite} / {outcome.test} / {outcome.case} [{outcome.assertion}]: "
                  f"{outcome.cause}")
    causes = Counter(o.cause.split(":")[0] for o in outcomes if not o.passed)
    if causes:
        print("failure kinds:", dict(causes))


if __name__ == "__main__":
    main()
