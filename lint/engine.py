"""source -> documents -> objects -> findings, for one input at a time (a pure function of its text)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from klint.config import Settings
from klint.document import Document, InputError, Path, parse_documents
from klint.fix import Fix
from klint.k8s import K8sObject, ObjectRef, format_path, objects_of
from klint.rule import Rule, Severity
from klint.source import Source, SourceDecodeError, Span

# A Go template action that only an unrendered chart has; rendered output may still hold `{{ }}`
# in strings (alerting rules, dashboards), so `{{` alone is not enough.
_HELM_ACTION = re.compile(
    r"\{\{-?\s*(?:\.Values\b|\.Release\b|\.Chart\b|\.Capabilities\b|\.Files\b|\.Template\b"
    r"|include\s|template\s|define\s|if\s|range\s|with\s|end\s*-?\}\}|toYaml\s|tpl\s)")
HELM_HINT = "raw Helm template: lint the rendered output instead (helm template CHART | klint -)"


@dataclass(frozen=True)
class Finding:
    rule: Rule
    severity: Severity
    message: str
    path: str  # the file read (or the --stdin-filename)
    span: Span
    obj: ObjectRef
    field: Path  # what the finding is about, relative to the object (may be absent from the text)
    container: str | None = None
    fix: Fix | None = None
    template: str | None = None  # Helm's `# Source:` template that produced the object

    @property
    def field_path(self) -> str:
        return format_path(self.field)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.span.start_line, self.span.start_column, self.rule.code, self.message)


@dataclass(frozen=True)
class Problem:
    """Input klint could not read or parse."""

    path: str
    line: int
    column: int
    message: str


@dataclass
class FileResult:
    path: str
    source: Source | None = None
    findings: list[Finding] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: str | None = None  # why the whole input was skipped
    documents: int = 0
    objects: int = 0
    not_kubernetes: int = 0  # documents that are not Kubernetes objects


def is_raw_helm_template(text: str) -> bool:
    return "{{" in text and _HELM_ACTION.search(text) is not None


def lint_source(source: Source, rules: list[Rule], settings: Settings) -> FileResult:
    result = FileResult(source.path, source)
    if is_raw_helm_template(source.text):
        result.skipped = HELM_HINT
        return result
    try:
        for document in parse_documents(source):
            result.documents += 1
            objects = list(objects_of(document))
            if not objects:
                result.not_kubernetes += 1
            for obj in objects:
                result.objects += 1
                result.findings.extend(check_object(obj, rules, settings))
    except InputError as err:
        if "{{" in source.text:
            result.skipped = HELM_HINT
        else:
            result.problems.append(Problem(source.path, err.line, err.column, err.message))
    result.findings.sort(key=Finding.sort_key)
    return result


def check_object(obj: K8sObject, rules: list[Rule], settings: Settings) -> list[Finding]:
    document: Document = obj.document
    findings = []
    for rule in rules:
        severity = settings.severity_of(rule)
        for violation in rule.check(obj):
            findings.append(Finding(
                rule=rule,
                severity=severity,
                message=violation.message,
                path=document.source.path,
                span=violation.span or obj.span(violation.path),
                obj=obj.ref,
                field=violation.path,
                container=violation.container,
                fix=violation.fix,
                template=document.template,
            ))
    return findings


def read_source(path: str, data: bytes | None = None) -> Source | Problem:
    """Decode a file (or given bytes); a Problem when it cannot be read."""
    try:
        if data is None:
            with open(path, "rb") as handle:
                data = handle.read()
        return Source.from_bytes(path, data)
    except OSError as err:
        return Problem(path, 1, 1, f"cannot read file: {err.strerror or err}")
    except SourceDecodeError as err:
        return Problem(path, err.line, err.column, str(err))


def lint_file(path: str, rules: list[Rule], settings: Settings, data: bytes | None = None) -> FileResult:
    source = read_source(path, data)
    if isinstance(source, Problem):
        return FileResult(path, problems=[source])
    try:
        return lint_source(source, rules, settings)
    except RecursionError:
        return FileResult(path, problems=[Problem(path, 1, 1, "input nests too deeply to lint")])
    except Exception as err:  # a bug in klint must not hide the other files' results
        return FileResult(path, problems=[Problem(path, 1, 1, f"internal error, please report it: {err!r}")])
