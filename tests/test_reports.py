"""What counts in a report: suppressed findings are listed (JSON, SARIF) but not counted (summaries,
fixable, exit code), in every format alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from report_helpers import HOST_IPC_POD, repo, run, with_findings

from klint.config import Settings
from klint.engine import Suppression
from klint.fix import Applicability
from klint.reporters import Report, renderer
from klint.rule import Severity


@pytest.fixture
def suppressed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Report, Report]:
    repo(tmp_path, monkeypatch, {"pod.yaml": HOST_IPC_POD})
    report = run("pod.yaml", settings=Settings(select=("host-ipc",)))
    assert report.fails(Severity.LOW) and report.exit_code() == 1 and len(report.active) == 1
    return report, with_findings(report, {"suppressed": Suppression(True, "debug pod, deleted nightly")})


def test_suppressed_findings_do_not_count(suppressed: tuple[Report, Report]) -> None:
    _, report = suppressed
    assert not report.fails(Severity.LOW) and report.exit_code() == 0
    assert report.active == [] and len(report.findings) == 1
    assert report.by_severity() == {"critical": 0, "high": 0, "medium": 0, "low": 0}
    assert report.fixable(Applicability.UNSAFE) == 0


def test_text_hides_suppressed_findings(suppressed: tuple[Report, Report]) -> None:
    counted, report = suppressed
    assert "KL203" in renderer("text")(counted, False)
    assert renderer("text")(report, False) == "No findings in 1 file (1 suppressed).\n"


def test_json_lists_suppressed_findings_and_does_not_count_them(suppressed: tuple[Report, Report]) -> None:
    _, report = suppressed
    data = json.loads(renderer("json")(report, False))
    (finding,) = data["findings"]
    assert finding["suppressed"] == {"inSource": True, "justification": "debug pod, deleted nightly",
                                     "by": ""}
    assert data["summary"]["findings"] == 0 and data["summary"]["suppressed"] == 1
    assert data["summary"]["fixable"] == {"safe": 0, "unsafe": 0}
