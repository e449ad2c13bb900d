"""source -> documents -> objects -> findings, for one input at a time (a pure function of its text)."""

from __future__ import annotations

import gc
import re
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.nodes import ScalarNode

from klint.config import Settings
from klint.document import Document, InputError, Path, parse_documents
from klint.fix import Fix
from klint.k8s import K8sObject, ObjectRef, Stream, format_path, objects_of
from klint.rule import Rule, Severity
from klint.source import Source, SourceDecodeError, Span

# A Go template action on Helm's own objects and functions. Rendered output keeps `{{ }}` only as
# data: alert templates (`{{ $labels.pod }}`, `{{ with ... }}`) and, in block scalars, whole templates
# (Istio's sidecar injection template uses `.Values`), so only a one-line scalar using one marks a
# chart template that was not rendered.
_CHART_ACTION = re.compile(
    r"\{\{[^}]*?(?:\.Values\b|\.Release\b|\.Chart\b|\.Capabilities\b|\.Files\b|\binclude\s|\btpl\s"
    r"|\btoYaml\s)")
HELM_HINT = "raw Helm template: lint the rendered output instead (helm template CHART | klint -)"


@dataclass(frozen=True)
class Suppression:
    """Why a finding is suppressed: reports still show it (SARIF `suppressions`), but it does not count."""

    in_source: bool  # True: a comment in the manifest; False: outside it (configuration, baseline)
    justification: str = ""


@dataclass(frozen=True)
class Finding:
    rule: Rule
    severity: Severity
    message: str
    path: str  # the file read (or the --stdin-filename)
    span: Span
    obj: ObjectRef
    field: Path  # what the finding is about, relative to the object (may be absent from the text)
    # What the finding is about, never where it sits, so that it survives edits elsewhere: rule code,
    # object (`ObjectRef.identity`), field (`K8sObject.stable_path`) and container. Two identical
    # objects in one input share it; the fixer tells them apart by `obj`, SARIF by occurrence.
    identity: tuple[Any, ...]
    container: str | None = None
    fix: Fix | None = None
    template: str | None = None  # Helm's `# Source:` template that produced the object
    suppressed: Suppression | None = None  # set by the suppression pass; None: the finding counts

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


class RuleError(Exception):
    """A rule that could not check an object (a policy that failed on it): reported as a Problem at
    the place it names, while the other rules' findings are kept."""

    def __init__(self, path: str, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.problem = Problem(path, line, column, message)


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
    # Each object linted, in order, with the codes of the rules that apply to it (JUnit test cases).
    checked: list[tuple[ObjectRef, tuple[str, ...]]] = field(default_factory=list)


def uses_chart_values(document: Document) -> bool:
    """Whether a plain or quoted scalar holds a Helm action (`image: "{{ .Values.image }}"`)."""
    for entry in document.entries.values():
        node = entry.value
        if isinstance(node, ScalarNode) and node.style not in ("|", ">") and "{{" in node.value \
                and _CHART_ACTION.search(node.value):
            return True
    return False


def breaks_yaml_as_template(text: str, line: int) -> bool:
    """Whether template actions are what make `text` fail to parse at `line`: at or just before that
    line, an action stands outside quotes or uses chart values. Rendered output keeps `{{ }}` only
    inside quoted or block scalars (alert templates, sidecar templates), so a YAML error elsewhere
    in it is real."""
    for code in text.splitlines()[max(0, line - 2):line]:
        action = code.find("{{")
        if action >= 0 and (not any(quote in code[:action] for quote in "'\"")
                            or _CHART_ACTION.search(code)):
            return True
    return False


def lint_source(source: Source, rules: list[Rule], settings: Settings) -> FileResult:
    """A raw Helm template is skipped as a whole: text with `{{` that is not YAML (the actions break it),
    or whose scalars use chart values.

    Each document's objects are checked as soon as it is parsed, and its source map then freed, so
    that a long stream is not held in memory; their data stays in the stream for related lookups."""
    # Linting makes many objects that live to the end (the stream's data, the findings) and no reference
    # cycles once objects are released: the garbage collector would only walk them again and again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _lint_source(source, rules, settings)
    finally:
        if collecting:
            gc.enable()


def _lint_source(source: Source, rules: list[Rule], settings: Settings) -> FileResult:
    result = FileResult(source.path, source)
    templated = "{{" in source.text
    stream = Stream()
    findings: list[list[Finding]] = []  # each object's, in stream order
    # Objects whose rules looked up a related object and found none: one later in the input may match.
    missed: list[tuple[int, K8sObject, list[tuple[str, str, bool]]]] = []
    try:
        for document in parse_documents(source):
            if templated and uses_chart_values(document):
                return FileResult(source.path, source, skipped=HELM_HINT)
            result.documents += 1
            objects = list(objects_of(document))
            if not objects:
                result.not_kubernetes += 1
            for obj in objects:
                stream.add(obj)
            for obj in objects:
                obj.stream = stream
                stream.misses = []
                result.checked.append((obj.ref, tuple(rule.code for rule in rules if rule.applies_to(obj))))
                findings.append(check_object(obj, rules, settings, result.problems))
                if stream.misses:
                    missed.append((len(findings) - 1, obj, stream.misses))
            for obj in objects:
                obj.release()
    except InputError as err:
        if templated and breaks_yaml_as_template(source.text, err.line):
            return FileResult(source.path, source, skipped=HELM_HINT)
        result.problems.append(Problem(source.path, err.line, err.column, err.message))
    result.objects = len(stream)
    late = {(obj.ref.document, obj.root): position for position, obj, misses in missed
            if any(stream.first(obj, *miss) is not None for miss in misses)}
    if late:
        _check_again(source, rules, settings, stream, late, findings, result.problems)
    result.findings = [finding for found in findings for finding in found]
    result.findings.sort(key=Finding.sort_key)
    return result


def _check_again(source: Source, rules: list[Rule], settings: Settings, stream: Stream,
                 late: dict[tuple[int, Path], int], findings: list[list[Finding]],
                 problems: list[Problem] | None = None) -> None:
    """Check again, now that the whole stream is known, the objects whose lookups find an object that
    came after them; their source maps were freed, so their documents are parsed again (rare: inputs
    usually define a ServiceAccount or role before what uses it)."""
    last = max(document for document, _ in late)
    for document in parse_documents(source):
        for obj in objects_of(document):
            position = late.get((document.index, obj.root))
            if position is not None:
                obj.stream = stream
                findings[position] = check_object(obj, rules, settings, problems)
                obj.stream = None
        if document.index >= last:
            break


def check_object(obj: K8sObject, rules: list[Rule], settings: Settings,
                 problems: list[Problem] | None = None) -> list[Finding]:
    """Each rule's findings on `obj`; a rule that fails on it (RuleError) adds to `problems`."""
    document: Document = obj.document
    findings = []
    for rule in rules:
        severity = settings.severity_of(rule)
        try:
            violations = list(rule.check(obj))
        except RuleError as err:
            if problems is not None and err.problem not in problems:
                problems.append(err.problem)
            continue
        for violation in violations:
            findings.append(Finding(
                rule=rule,
                severity=(severity if violation.severity is None or rule.code in settings.severity
                          else violation.severity),
                message=violation.message,
                path=document.source.path,
                span=violation.span or obj.span(violation.path),
                obj=obj.ref,
                field=violation.path,
                container=violation.container,
                fix=violation.fix,
                template=document.template,
                identity=(rule.code, obj.ref.identity, obj.stable_path(violation.path), violation.container),
            ))
    reported = {(finding.rule.name, finding.field) for finding in findings}
    return [finding for finding in findings
            if not any((name, finding.field) in reported for name in finding.rule.superseded_by)]


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
