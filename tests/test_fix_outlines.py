"""Fix outlines: a run whose reports never show a fix's edits keeps only whether and how each fix
applies, and its reports are the same as with the edits."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from test_cli import klint

from klint import runner
from klint.config import Settings
from klint.fix import Applicability, Edit, Fix
from klint.reporters import Report, renderer
from klint.reporters.text import render_statistics

ROOT = Path(__file__).parent.parent
CORPORA = [ROOT / "examples", ROOT / "tests" / "charts" / "insecure.rendered.yaml"]


def test_an_outline_applies_as_its_fix_does() -> None:
    fix = Fix("set x", (Edit(3, 3, "x: 1\n"),), Applicability.UNSAFE, (("x",),))
    outline = fix.outline()
    assert outline.applicable and not outline.edits and outline.applicability is Applicability.UNSAFE
    assert outline.description == fix.description
    refused = Fix("set x (not applied: the key is anchored)", (), Applicability.DISPLAY)
    assert refused.outline() is refused and not refused.applicable


@pytest.mark.parametrize("output_format", ["text", "concise", "full", "github", "junit"])
def test_reports_without_edits_are_the_same_with_outlines(output_format: str) -> None:
    exact = Settings()
    outlined = replace(exact, fix_edits=False)
    reports = []
    for settings in (exact, outlined):
        rules = settings.enabled_rules()
        results = [o.result for o in runner.run([str(path) for path in CORPORA], settings, rules)]
        reports.append(Report(results, rules, settings))
    with_edits, with_outlines = reports
    assert any(f.fix is not None and f.fix.edits for f in with_edits.findings)
    assert all(f.fix is None or not f.fix.edits for f in with_outlines.findings)
    assert renderer(output_format)(with_outlines, False) == renderer(output_format)(with_edits, False)
    assert render_statistics(with_outlines, False) == render_statistics(with_edits, False)


def test_the_command_line_keeps_edits_where_a_report_shows_them(tmp_path: Path) -> None:
    manifest = ROOT / "examples" / "insecure" / "debug-pod.yaml"
    code, out, _ = klint("--format", "full", "--show-fixes", str(manifest))
    assert code == 1 and "@@ " in out  # the diff of each fix
    code, out, _ = klint("--format", "json", str(manifest))
    assert '"edits": [\n          {' in out
    code, out, _ = klint("--diff", "--unsafe-fixes", str(manifest))
    assert out.startswith("--- a/")
