"""JUnit XML (`--format junit`) for CI systems that show test reports (GitLab, Jenkins, Azure DevOps).

One <testsuite> per input file; in it one <testcase> per object and enabled rule that applies to the
object (`Rule.applies_to`: Pod Security Standards and container rules only to objects with a pod spec),
with the object as classname and the rule as name. A CI thus shows every check that ran, and its
history, not only the failures:
- a <failure> when the rule found something in the object (every finding, one per line);
- <skipped> when all its findings there are suppressed;
- passed otherwise.
An input error is a testcase `input` with an <error>; a file skipped as a whole (a raw Helm template)
is a testcase `lint` with <skipped>. Files without objects or errors (not Kubernetes) are left out.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict

from klint.engine import FileResult, Finding
from klint.k8s import ObjectRef
from klint.reporters import Report
from klint.rule import Rule

# Characters XML 1.0 cannot hold, even escaped; a message quoting a manifest value may contain them.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


def render(report: Report, color: bool) -> str:
    root = ET.Element("testsuites", name="klint")
    rules = report.all_rules
    for result in report.results:
        suite = testsuite(result, rules)
        if len(suite):
            root.append(suite)
    _count(root)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def testsuite(result: FileResult, rules: list[Rule]) -> ET.Element:
    suite = ET.Element("testsuite", name=_text(result.path))
    for problem in result.problems:
        case = ET.SubElement(suite, "testcase", classname=_text(result.path), name="input")
        error = ET.SubElement(case, "error", message=_text(problem.message), type="input-error")
        error.text = _text(f"{problem.path}:{problem.line}:{problem.column}: {problem.message}")
    if result.skipped:
        case = ET.SubElement(suite, "testcase", classname=_text(result.path), name="lint")
        ET.SubElement(case, "skipped", message=_text(result.skipped))
    found: dict[tuple[ObjectRef, str], list[Finding]] = defaultdict(list)
    for finding in result.findings:
        found[finding.obj, finding.rule.code].append(finding)
    checks = {ref: set(codes) for ref, codes in result.checked}
    for ref, code in found:  # the suppression rules' findings: those rules check no object
        checks.setdefault(ref, set()).add(code)
    for ref, codes in checks.items():
        for rule in rules:
            if rule.code in codes:
                case = ET.SubElement(suite, "testcase", classname=_text(str(ref)),
                                     name=f"{rule.code} {rule.name}")
                outcome(case, found.get((ref, rule.code), []))
    _count(suite)
    return suite


def outcome(case: ET.Element, findings: list[Finding]) -> None:
    failing = [finding for finding in findings if finding.suppressed is None]
    if failing:
        failure = ET.SubElement(case, "failure", message=_text(failing[0].message),
                                type=max(finding.severity for finding in failing).label)
        failure.text = _text("\n".join(f"{f.path}:{f.span.start_line}:{f.span.start_column}: "
                                       f"{f.severity.label}: {f.message}" for f in failing))
    elif findings:
        reasons = sorted({f.suppressed.justification for f in findings
                          if f.suppressed and f.suppressed.justification})
        message = "suppressed" + (f": {'; '.join(reasons)}" if reasons else "")
        ET.SubElement(case, "skipped", message=_text(message))


def _count(element: ET.Element) -> None:
    """tests/failures/errors/skipped attributes from the testcases below `element`."""
    cases = list(element.iter("testcase"))
    element.set("tests", str(len(cases)))
    for tag, attribute in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
        element.set(attribute, str(sum(1 for case in cases if case.find(tag) is not None)))
