"""SARIF 2.1.0 output (`--format sarif`), shaped for GitHub code scanning, built with sarif-om.

- One run. `tool.driver.rules` lists every enabled rule, with its docs as `help`.
- Result locations are relative to the repository root (`%SRCROOT%` in `originalUriBaseIds`, see
  `repository_root`); a file outside it gets an absolute `file:` URI.
- Columns count Unicode code points, as klint does (`columnKind: unicodeCodePoints`).
- `partialFingerprints["klint/v2"]` identifies a finding by its file and `Finding.identity`, not by
  line, so an alert survives edits that move it (see `SarifWriter._fingerprint`).
- Fix edits become `fixes` with line/column regions: klint's offsets index the text without its BOM,
  and lines and columns mean the same with or without one.
- Input errors are `toolExecutionNotifications`; the run itself still succeeded.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections import Counter
from importlib.metadata import PackageNotFoundError, metadata
from pathlib import Path
from typing import Any
from urllib.parse import quote

import attr
import sarif_om as sarif

from klint.engine import FileResult, Finding, Problem
from klint.fix import Fix
from klint.reporters import (
    LEVELS,
    Report,
    describe_finding,
    nested_json,
    repository_path,
    repository_root,
    written,
)
from klint.rule import DEFAULT_SECURITY_SEVERITY, Rule, Severity
from klint.source import Source, Span

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


def project_urls() -> dict[str, str]:
    """pyproject.toml's [project.urls], the one place the project's addresses are kept."""
    try:
        entries = metadata("klint").get_all("Project-URL") or []
    except PackageNotFoundError:
        entries = []
    return dict(entry.split(", ", 1) for entry in entries)


# The project's home, and the rule reference (docs/rules.md, one `## KL101 privileged-container`
# heading per rule) that each rule's helpUri points into: the metadata is read once.
_URLS = project_urls()
HOMEPAGE = _URLS.get("Homepage", "")
RULES_DOC = _URLS.get("Documentation", "")
SRCROOT = "%SRCROOT%"
FINGERPRINT = "klint/v2"  # v1 named only containers by name, not other list items
DESCRIPTION_LIMIT = 1024  # GitHub's limit for shortDescription and fullDescription

# A default that means something other than "absent": a result without `level` takes its rule's
# defaultConfiguration.level (SARIF 3.27.10), not sarif-om's default "warning".
ALWAYS_EMITTED = frozenset({(sarif.Result, "level")})


def sarif_json(value: Any) -> Any:
    """sarif-om objects as JSON data: the schema's property names, without unset (None) or default
    values; lists, dicts (property bags) and JSON scalars as they are; anything else is an error
    (never a Python repr in the output)."""
    if attr.has(type(value)):
        out = {}
        for field in attr.fields(type(value)):
            item = getattr(value, field.name)
            if item is None:
                continue
            default = field.default
            if isinstance(default, attr.Factory):  # type: ignore[arg-type]
                default = default.factory()
            if item == default and (type(value), field.name) not in ALWAYS_EMITTED:
                continue
            out[field.metadata["schema_property_name"]] = sarif_json(item)
        return out
    if isinstance(value, list | tuple):
        return [sarif_json(item) for item in value]
    if isinstance(value, dict):
        return {_key(key): sarif_json(item) for key, item in value.items()}
    if value is None or type(value) in (str, int, bool) or (type(value) is float and math.isfinite(value)):
        return value  # exact types: an IntEnum or a str subclass is a mistake to find, not to print
    raise TypeError(f"no SARIF form for {type(value).__name__} {value!r}")


def _key(key: Any) -> str:
    if not isinstance(key, str):
        raise TypeError(f"SARIF property names are strings, got {type(key).__name__}")
    return key


def render(report: Report, color: bool) -> str:
    return written(SarifWriter(report, color), report)


# Where the results go in the log's text: they are rendered as they come, the rest at the end.
_RESULTS = "\0results\0"


class SarifWriter:
    """The log written as the results arrive: each finding becomes its SARIF text while its file's
    source is at hand (the source then goes); the log, the rules and the notifications are written at
    the end, around those texts. The text is `json.dumps(..., indent=2)`'s of the whole log."""

    def __init__(self, report: Report, color: bool) -> None:
        self.report = report
        self.root = repository_root()
        # the enabled rules, then any other rule a finding came from, in the order they come
        self.rule_index = {rule.code: index for index, rule in enumerate(report.rules)}
        self.other_rules: list[Rule] = []
        self.seen: Counter[str] = Counter()  # fingerprints' digests: identical findings counted
        self.results: list[str] = []
        self.errors: list[sarif.Notification] = []  # then the skipped inputs
        self.skipped: list[sarif.Notification] = []

    def result(self, file_result: FileResult) -> str:
        root = self.root
        for finding in file_result.findings:
            if finding.rule.code not in self.rule_index:
                self.rule_index[finding.rule.code] = len(self.rule_index)
                self.other_rules.append(finding.rule)
            fingerprint = self._fingerprint(finding)
            data = sarif_json(result(finding, file_result.source, self.rule_index[finding.rule.code],
                                     fingerprint, root))
            self.results.append(nested_json(data, 4))  # the log's runs[0].results[i]
        self.errors += (problem_notification(problem, root) for problem in file_result.problems)
        if file_result.skipped:
            self.skipped.append(sarif.Notification(
                level="note", message=sarif.Message(text=f"skipped: {file_result.skipped}"),
                locations=[location(file_result.path, None, root)]))
        return ""

    def _fingerprint(self, finding: Finding) -> str:
        """Its file, relative to the repository root, and its identity (what it is about, never where
        it sits). Identical findings (the same object twice in one file) are told apart by occurrence,
        as `hash:N`."""
        identity = json.dumps([repository_path(finding.path, self.root) or finding.path, finding.identity])
        digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
        self.seen[digest] += 1
        return f"{digest}:{self.seen[digest]}"

    def end(self) -> str:
        from klint import __version__

        report, root = self.report, self.root
        root_uri = root.as_uri()
        notifications = [*self.errors, *self.skipped]
        run = sarif.Run(
            tool=sarif.Tool(driver=sarif.ToolComponent(
                name="klint", version=__version__, semantic_version=__version__,
                information_uri=HOMEPAGE or None,
                rules=[descriptor(rule, report.severity_of(rule))
                       for rule in [*report.rules, *self.other_rules]])),
            invocations=[sarif.Invocation(execution_successful=True,
                                          tool_execution_notifications=notifications or None)],
            original_uri_base_ids={SRCROOT: sarif.ArtifactLocation(
                uri=root_uri if root_uri.endswith("/") else root_uri + "/")},
            column_kind="unicodeCodePoints",
            results=[_RESULTS],
        )
        data = sarif_json(sarif.SarifLog(runs=[run], version="2.1.0", schema_uri=SCHEMA_URI))
        ordered = {key: data.pop(key) for key in ("$schema", "version")}
        text = json.dumps({**ordered, **data}, indent=2, ensure_ascii=False) + "\n"
        before, _, after = text.partition('[\n        ' + json.dumps(_RESULTS) + '\n      ]')
        results, self.results = self.results, []  # joined once, in one copy: the log may be large
        if not results:
            return before + "[]" + after
        pieces = [before, "[\n"]
        for item in results:
            pieces += (item, ",\n")
        pieces[-1] = "\n      ]"
        del results
        return "".join([*pieces, after])


def descriptor(rule: Rule, severity: Severity) -> sarif.ReportingDescriptor:
    docs = rule.documentation()
    if rule.references:
        docs += "\n\n## References\n" + "\n".join(f"- {ref}" for ref in rule.references)
    tags = ["security", *([f"pss-{rule.pss.value}"] if rule.pss else []), *filter(None, [rule.topic])]
    return sarif.ReportingDescriptor(
        id=rule.code,
        name=rule.name,
        short_description=sarif.MultiformatMessageString(text=_clip(rule.summary())),
        full_description=sarif.MultiformatMessageString(
            text=_clip(_unwrap(rule.section("What it checks")) or rule.summary())),
        help=sarif.MultiformatMessageString(text=docs, markdown=docs),
        help_uri=help_uri(rule),
        default_configuration=sarif.ReportingConfiguration(level=LEVELS[severity]),
        properties={"tags": tags, "precision": rule.precision,
                    "security-severity": security_severity(rule, severity)},
    )


def help_uri(rule: Rule) -> str | None:
    """A built-in rule's section of docs/rules.md (GitHub's anchor of the heading `KL101
    privileged-container`); a plugin's or policy's first reference, which docs/rules.md does not hold."""
    if rule.__module__.startswith("klint.rules."):  # the catalogue's modules, not a plugin's
        return f"{RULES_DOC}#{rule.anchor()}" if RULES_DOC else None
    return next((ref for ref in rule.references if ref.startswith(("https://", "http://"))), None)


def security_severity(rule: Rule, severity: Severity) -> str:
    """GitHub's `security-severity`, "0.1" to "10.0": the rule's own score, unless its severity was
    changed in the configuration, then the default score of the configured severity."""
    score = rule.security_severity if severity is rule.severity else None
    if score is None:
        score = DEFAULT_SECURITY_SEVERITY[severity.label]
    return f"{min(max(score, 0.1), 10.0):.1f}"


def _unwrap(text: str) -> str:
    """Docstring paragraphs as single lines (descriptions are shown as plain text)."""
    return "\n\n".join(" ".join(paragraph.split()) for paragraph in text.split("\n\n"))


def _clip(text: str) -> str:
    if len(text) <= DESCRIPTION_LIMIT:
        return text
    return text[:DESCRIPTION_LIMIT - 1].rsplit(" ", 1)[0] + "…"


def result(finding: Finding, source: Source | None, rule_index: int, fingerprint: str,
           root: Path) -> sarif.Result:
    rendered = finding.rendered
    # in a render, the finding sits in a template: the rendered text is no snippet of it
    where = location(finding.path, finding.span, root, None if rendered else source)
    where.logical_locations = [logical_location(finding)]
    related = None
    if rendered is not None:
        related = [location(rendered.path, rendered.span, root, source)]
        related[0].id = 1
        related[0].message = sarif.Message(text="where it is in the rendered output")
    properties = {"field": finding.field_path}
    if finding.template:
        properties["template"] = finding.template
    if finding.note:
        properties["note"] = finding.note
    return sarif.Result(
        rule_id=finding.rule.code,
        rule_index=rule_index,
        level=LEVELS[finding.severity],
        message=sarif.Message(text=describe_finding(finding)),
        locations=[where],
        related_locations=related,
        partial_fingerprints={FINGERPRINT: fingerprint},
        fixes=[sarif_fix(finding.fix, source, where.physical_location.artifact_location)]
        if finding.fix and finding.fix.edits and source else None,
        suppressions=None if finding.suppressed is None else [sarif.Suppression(
            kind="inSource" if finding.suppressed.in_source else "external",
            justification=finding.suppressed.justification or None)],
        properties=properties,
    )


def location(path: str, span: Span | None, root: Path, source: Source | None = None) -> sarif.Location:
    return sarif.Location(physical_location=sarif.PhysicalLocation(
        artifact_location=artifact_location(path, root),
        region=None if span is None else region(span, source, snippet=True)))


def artifact_location(path: str, root: Path) -> sarif.ArtifactLocation:
    relative = repository_path(path, root)
    if relative is None:
        return sarif.ArtifactLocation(uri=Path(os.path.abspath(path)).as_uri())
    # Percent-encode what a URI path cannot hold (spaces, non-ASCII, `%`, `#`, `?`, and `:`, which
    # would read as a scheme); keep the other characters RFC 3986 allows in a path, such as `+`.
    return sarif.ArtifactLocation(uri=quote(relative, safe="/+@!$&'()*,;=~"), uri_base_id=SRCROOT)


def region(span: Span, source: Source | None, snippet: bool = False) -> sarif.Region:
    text = source.text[span.start_offset:span.end_offset] if source and snippet else ""
    return sarif.Region(start_line=span.start_line, start_column=span.start_column,
                        end_line=span.end_line, end_column=span.end_column,
                        snippet=sarif.ArtifactContent(text=text) if text else None)


def logical_location(finding: Finding) -> sarif.LogicalLocation:
    """The object (and container) a finding is about; `properties` spell out its identity."""
    obj = finding.obj
    name = f"{obj.kind}/{obj.name}"
    identity = {"apiVersion": obj.api_version, "kind": obj.kind, "namespace": obj.namespace,
                "name": obj.name, "container": finding.container}
    return sarif.LogicalLocation(
        name=obj.name, kind="resource",
        fully_qualified_name=f"{obj.namespace}/{name}" if obj.namespace else name,
        properties={key: value for key, value in identity.items() if value is not None})


def sarif_fix(fix: Fix, source: Source, artifact: sarif.ArtifactLocation) -> sarif.Fix:
    return sarif.Fix(
        description=sarif.Message(text=fix.description),
        artifact_changes=[sarif.ArtifactChange(artifact_location=artifact, replacements=[
            sarif.Replacement(deleted_region=region(source.span(edit.start, edit.end), source),
                              inserted_content=sarif.ArtifactContent(text=edit.text) if edit.text else None)
            for edit in fix.edits])],
        properties={"applicability": fix.applicability.value},
    )


def problem_notification(problem: Problem, root: Path) -> sarif.Notification:
    where = location(problem.path, None, root)
    where.physical_location.region = sarif.Region(start_line=problem.line, start_column=problem.column)
    return sarif.Notification(level="error", message=sarif.Message(text=problem.message), locations=[where])
