"""JSON output; the schema is documented in README.md ("JSON output") and versioned by `schema`."""

from __future__ import annotations

import json
from typing import Any

from klint.engine import FileResult, Finding
from klint.fix import Applicability
from klint.reporters import Report, nested_json, written
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


class JsonWriter:
    """The report object written as the results arrive: each finding as its input is done; the errors,
    the skipped inputs (few) and the summary at the end. The text is `json.dumps(..., indent=2)`'s."""

    def __init__(self, report: Report, color: bool) -> None:
        self.report = report
        self.started = False  # the header and the opening of "findings"
        self.findings = 0
        self.errors: list[dict[str, Any]] = []
        self.skipped: list[dict[str, Any]] = []

    def _start(self) -> str:
        from klint import __version__

        if self.started:
            return ""
        self.started = True
        head = json.dumps({"schema": SCHEMA, "version": __version__}, indent=2, ensure_ascii=False)
        return head[:-2] + ',\n  "findings": ['

    def result(self, result: FileResult) -> str:
        self.errors += ({"path": p.path, "line": p.line, "column": p.column, "message": p.message}
                        for p in result.problems)
        if result.skipped:
            self.skipped.append({"path": result.path, "reason": result.skipped})
        parts = [self._start()]
        for finding in result.findings:
            parts.append(("\n" if self.findings == 0 else ",\n") + nested_json(finding_json(finding), 2))
            self.findings += 1
        return "".join(parts)

    def end(self) -> str:
        report = self.report
        rest = {
            "errors": self.errors,
            "skipped": self.skipped,
            "summary": {
                "files": report.files,
                "documents": report.count("documents"),
                "objects": report.count("objects"),
                "notKubernetes": report.count("not_kubernetes"),
                "findings": report.counting,
                "suppressed": report.suppressed,
                "baseline": None if report.settings.baseline is None else {
                    "path": report.settings.baseline.path, "findings": report.settings.baseline.size(),
                    "unmatched": report.baseline_unmatched},
                "bySeverity": report.by_severity(),
                "errors": report.error_count,
                "skipped": report.skipped_count,
                "fixable": {"safe": report.fixable(Applicability.SAFE),
                            "unsafe": report.fixable(Applicability.UNSAFE)},
                "fixes": fixes_json(report),
            },
        }
        closing = "\n  ]" if self.findings else "]"
        return self._start() + closing + ",\n" + json.dumps(rest, indent=2, ensure_ascii=False)[2:] + "\n"


def render(report: Report, color: bool) -> str:
    return written(JsonWriter(report, color), report)
