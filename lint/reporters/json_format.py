"""JSON output; the schema is documented in README.md ("JSON output") and versioned by `schema`."""

from __future__ import annotations

import json
from typing import Any

from klint.engine import Finding
from klint.fix import Applicability
from klint.reporters import Report
from klint.source import Span

SCHEMA = "klint/report/v1"


def span_json(span: Span) -> dict[str, Any]:
    return {
        "start": {"line": span.start_line, "column": span.start_column, "offset": span.start_offset},
        "end": {"line": span.end_line, "column": span.end_column, "offset": span.end_offset},
    }


def finding_json(finding: Finding) -> dict[str, Any]:
    obj = finding.obj
    fix = finding.fix
    return {
        "code": finding.rule.code,
        "rule": finding.rule.name,
        "severity": finding.severity.label,
        "message": finding.message,
        "location": {"path": finding.path, "template": finding.template, **span_json(finding.span)},
        "object": {"apiVersion": obj.api_version, "kind": obj.kind, "namespace": obj.namespace,
                   "name": obj.name, "document": obj.document, "item": obj.item},
        "field": finding.field_path,
        "container": finding.container,
        "fixable": fix is not None and fix.applicable,
        "fix": None if fix is None else {
            "applicability": fix.applicability.value,
            "description": fix.description,
            "edits": [{"start": e.start, "end": e.end, "text": e.text} for e in fix.edits],
        },
        "suppressed": None if finding.suppressed is None else {
            "inSource": finding.suppressed.in_source, "justification": finding.suppressed.justification,
            "by": finding.suppressed.by},
        # only in a chart's or kustomization's findings: where it sits in the rendered output, and how
        # sure the template line is (or which value it takes)
        **({} if finding.rendered is None else {
            "rendered": {"path": finding.rendered.path, **span_json(finding.rendered.span)}}),
        **({} if finding.note is None else {"note": finding.note}),
    }


def fixes_json(report: Report) -> dict[str, Any] | None:
    """What --fix / --diff did (null in a plain lint run)."""
    fixes = report.fixes
    if fixes is None:
        return None
    return {
        "mode": "diff" if fixes.diff else "fix",
        "unsafeFixes": fixes.unsafe,
        "fixed": fixes.fixed,
        "filesChanged": fixes.files_changed,
        "unsafeAvailable": fixes.unsafe_available,
        "leftOut": list(fixes.left_out),
        "failures": [{"path": path, "reason": why} for path, why in fixes.failures],
    }


def render(report: Report, color: bool) -> str:
    from klint import __version__

    data = {
        "schema": SCHEMA,
        "version": __version__,
        "findings": [finding_json(finding) for finding in report.findings],
        "errors": [{"path": p.path, "line": p.line, "column": p.column, "message": p.message}
                   for p in report.problems],
        "skipped": [{"path": r.path, "reason": r.skipped} for r in report.skipped],
        "summary": {
            "files": len(report.results),
            "documents": report.count("documents"),
            "objects": report.count("objects"),
            "notKubernetes": report.count("not_kubernetes"),
            "findings": len(report.active),
            "suppressed": report.suppressed,
            "baseline": None if report.settings.baseline is None else {
                "path": report.settings.baseline.path, "findings": report.settings.baseline.size(),
                "unmatched": report.baseline_unmatched},
            "bySeverity": report.by_severity(),
            "errors": len(report.problems),
            "skipped": len(report.skipped),
            "fixable": {"safe": report.fixable(Applicability.SAFE),
                        "unsafe": report.fixable(Applicability.UNSAFE)},
            "fixes": fixes_json(report),
        },
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
