"""`--format junit`: a test suite per file, a test case per object and applicable rule."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from report_helpers import (
    BROKEN,
    CONFIG_MAP,
    HELM_TEMPLATE,
    HOST_IPC_POD,
    PRIVILEGED_DEPLOYMENT,
    repo,
    run,
    with_findings,
)

from klint.cli import main
from klint.config import Settings
from klint.engine import Suppression
from klint.reporters import Report, renderer

RULES = Settings(select=("duplicate-key", "privileged-container", "host-ipc"))


def junit(report: Report) -> ET.Element:
    text = renderer("junit")(report, False)
    assert text.startswith("<?xml version='1.0' encoding='utf-8'?>\n<testsuites")
    root = ET.fromstring(text)
    check_counts(root)
    return root


def check_counts(root: ET.Element) -> None:
    """tests/failures/errors/skipped on every suite and on the root agree with the test cases."""
    for element in (root, *root.iter("testsuite")):
        cases = list(element.iter("testcase"))
        assert element.get("tests") == str(len(cases))
        for tag, attribute in (("failure", "failures"), ("error", "errors"), ("skipped", "skipped")):
            assert element.get(attribute) == str(sum(case.find(tag) is not None for case in cases))


def cases(root: ET.Element) -> dict[tuple[str, str, str], str]:
    """(file, object, rule) -> outcome (passed, failure, error, skipped)."""
    out = {}
    for suite in root.iter("testsuite"):
        for case in suite.iter("testcase"):
            children = [child.tag for child in case]
            out[suite.get("name", ""), case.get("classname", ""), case.get("name", "")] = (
                children[0] if children else "passed")
    return out


def test_one_case_per_object_and_applicable_rule(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    repo(tmp_path, monkeypatch, {"web.yaml": CONFIG_MAP + "---" + PRIVILEGED_DEPLOYMENT})
    assert cases(junit(run("web.yaml", settings=RULES))) == {
        # Pod Security Standards and container rules apply only to objects with a pod spec
        ("web.yaml", "ConfigMap settings", "KL001 duplicate-key"): "passed",
        ("web.yaml", "Deployment prod/web", "KL001 duplicate-key"): "passed",
        ("web.yaml", "Deployment prod/web", "KL101 privileged-container"): "failure",
        ("web.yaml", "Deployment prod/web", "KL203 host-ipc"): "passed",
    }


def test_a_failure_lists_every_finding_of_the_rule(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    two = PRIVILEGED_DEPLOYMENT + """\
            - name: sidecar
              image: envoy:1.31
              securityContext: {privileged: yes}
    """
    repo(tmp_path, monkeypatch, {"web.yaml": two})
    report = run("web.yaml", settings=RULES)
    failure = junit(report).find(".//testcase[@name='KL101 privileged-container']/failure")
    assert failure is not None and failure.get("type") == "critical"
    first, second = report.findings
    assert failure.get("message") == first.message
    assert failure.text == (f"web.yaml:13:13: critical: {first.message}\n"
                            f"web.yaml:16:29: critical: {second.message}")


def test_input_errors_are_errors_and_helm_templates_skipped(monkeypatch: pytest.MonkeyPatch,
                                                            tmp_path: Path) -> None:
    repo(tmp_path, monkeypatch, {"broken.yaml": BROKEN, "chart/templates/pod.yaml": HELM_TEMPLATE,
                                 "pod.yaml": HOST_IPC_POD, "notes.yaml": "just: some yaml\n"})
    report = run(".", settings=RULES)
    root = junit(report)
    assert [suite.get("name") for suite in root.iter("testsuite")] == [  # paths as given, like the text
        "./broken.yaml", "./chart/templates/pod.yaml", "./pod.yaml"]  # notes.yaml: no objects, left out
    error = root.find(".//testcase[@name='input']/error")
    (problem,) = report.problems
    assert error is not None and error.get("type") == "input-error"
    assert error.get("message") == problem.message
    assert error.text == f"./broken.yaml:{problem.line}:{problem.column}: {problem.message}"
    skipped = root.find(".//testcase[@name='lint']/skipped")
    assert skipped is not None and "raw Helm template" in skipped.get("message", "")
    totals = [root.get(name) for name in ("tests", "failures", "errors", "skipped")]
    assert totals == ["5", "1", "1", "1"]


def test_suppressed_findings_are_skipped_cases(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    repo(tmp_path, monkeypatch, {"pod.yaml": HOST_IPC_POD})
    report = with_findings(run("pod.yaml", settings=RULES), {"suppressed": Suppression(True, "debug pod")})
    skipped = junit(report).find(".//testcase[@name='KL203 host-ipc']/skipped")
    assert skipped is not None and skipped.get("message") == "suppressed: debug pod"


def test_text_xml_cannot_hold_is_replaced(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    repo(tmp_path, monkeypatch, {"pod.yaml": HOST_IPC_POD})
    report = with_findings(run("pod.yaml", settings=RULES), {"message": "bell \x07 & <tag> \"q\" 日本"})
    failure = junit(report).find(".//failure")
    assert failure is not None and failure.get("message") == "bell \ufffd & <tag> \"q\" 日本"


def test_cli_writes_junit_next_to_the_text_report(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    repo(tmp_path, monkeypatch, {"pod.yaml": HOST_IPC_POD})
    outcome = CliRunner().invoke(main, ["pod.yaml", "--select", "host-ipc", "--output", "junit:report.xml"])
    assert outcome.exit_code == 1 and "KL203 host-ipc" in outcome.output
    root = ET.parse(tmp_path / "report.xml").getroot()
    check_counts(root)
    assert cases(root) == {("pod.yaml", "Pod dev/debug", "KL203 host-ipc"): "failure"}
