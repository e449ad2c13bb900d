"""source -> documents -> objects -> findings, for one input at a time (a pure function of its text)."""

from __future__ import annotations

import contextlib
import gc
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ruamel.yaml.nodes import ScalarNode

from klint.config import Settings
from klint.document import Document, FieldPath, InputError, ReadWhole, parse_documents
from klint.fix import Fix
from klint.k8s import RELATED_KINDS, K8sObject, ObjectRef, Stream, format_path, is_list, objects_of
from klint.profiles import ProfileDocument, ProfileRule
from klint.profiles.apparmor import AppArmorSyntaxError
from klint.profiles.recognise import apparmor_profiles, document_profile, object_profiles
from klint.rule import KindRule, PodRule, Rule, Severity
from klint.source import Source, SourceDecodeError, Span
from klint.suppress import FileSuppressions

if TYPE_CHECKING:
    from klint.render.origin import OriginMap

# A Go template action on Helm's own objects and functions. Rendered output keeps `{{ }}` only as
# data: alert templates (`{{ $labels.pod }}`, `{{ with ... }}`) and, in block scalars, whole templates
# (Istio's sidecar injection template uses `.Values`), so only a one-line scalar using one marks a
# chart template that was not rendered.
_CHART_ACTION = re.compile(
    r"\{\{[^}]*?(?:\.Values\b|\.Release\b|\.Chart\b|\.Capabilities\b|\.Files\b|\binclude\s|\btpl\s"
    r"|\btoYaml\s)")
HELM_HINT = "raw Helm template: lint the rendered output instead (helm template CHART | klint -)"
# Strategic-merge patch directives: a kustomize patch is a partial object, only whole in the build.
_PATCH_DIRECTIVES = ("$patch", "$retainKeys", "$setElementOrder/", "$deleteFromPrimitiveList/")
_PATCH_DIRECTIVE = re.compile(rf"^[ \t-]*(?:{'|'.join(map(re.escape, _PATCH_DIRECTIVES))})", re.MULTILINE)
_ANY_PATCH_DIRECTIVE = re.compile("|".join(map(re.escape, _PATCH_DIRECTIVES)))
PATCH_HINT = "kustomize patch (a partial object): lint the kustomization that applies it (klint DIR)"


@dataclass(frozen=True)
class Suppression:
    """Why a finding is suppressed: reports still show it (SARIF `suppressions`), but it does not count."""

    in_source: bool  # True: a comment in the manifest; False: outside it (configuration, baseline)
    justification: str = ""
    by: str = ""  # the form that suppressed it: "comment", "annotation", "polaris annotation", "baseline"


@dataclass(frozen=True)
class Location:
    path: str
    span: Span


@dataclass(frozen=True)
class Finding:
    rule: Rule
    severity: Severity
    message: str
    path: str  # the file read (or the --stdin-filename)
    span: Span
    obj: ObjectRef
    field: FieldPath  # what the finding is about, relative to the object (may be absent from the text)
    # What the finding is about, never where it sits, so that it survives edits elsewhere: rule code,
    # object (`ObjectRef.identity`), field (`K8sObject.stable_path`) and container, and the message of
    # a rule `identified_by_message`. Two identical objects in one input share it; the fixer tells them
    # apart by `obj`, SARIF by occurrence.
    identity: tuple[Any, ...]
    container: str | None = None
    fix: Fix | None = None
    template: str | None = None  # Helm's `# Source:` template that produced the object
    suppressed: Suppression | None = None  # set by the suppression pass; None: the finding counts
    # In a chart or kustomization, `path` and `span` are the template's; this is the rendered position.
    rendered: Location | None = None
    note: str | None = None  # e.g. how sure the template line is, which value it takes

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
    baseline_matched: int = 0  # findings suppressed by the baseline (`--baseline`)
    profiles: int = 0  # of which seccomp or AppArmor profiles, checked by the profile rules
    # Each object linted, in order, with the codes of the rules that apply to it (JUnit test cases).
    checked: list[tuple[ObjectRef, tuple[str, ...]]] = field(default_factory=list)
    fallback: str | None = None  # why the C composer refused the input that the pure one read
    data: dict[int, Any] | None = None  # with keep_data (for --fix): each document's data, by index


def is_chart_values(path: str) -> bool:
    """A chart's values file (`values.yaml`, `values-prod.yaml` beside its Chart.yaml): data that templates
    read, never a template, though its strings may hold template actions for `tpl`."""
    directory, name = os.path.split(path)
    return name.startswith("values") and name.endswith((".yaml", ".yml")) \
        and os.path.isfile(os.path.join(directory, "Chart.yaml"))


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


def is_patch(text: str) -> bool:
    # a directive anywhere looked for first, in one pass: the line-start pattern tries every line
    return _ANY_PATCH_DIRECTIVE.search(text) is not None and _PATCH_DIRECTIVE.search(text) is not None


def lint_source(source: Source, rules: list[Rule], settings: Settings,
                origin: OriginMap | None = None, keep_data: bool = False) -> FileResult:
    """A raw Helm template is skipped as a whole: text with `{{` that is not YAML (the actions break it),
    or whose scalars use chart values. A render (`origin` given) is linted whatever it holds, and its
    findings and problems moved to the files that wrote them.

    Each document's objects are checked as soon as it is parsed, and its source map then freed, so
    that a long stream is not held in memory; their data stays in the stream for related lookups."""
    # a render's findings meet the baseline at the templates they are moved to, not in the render
    baseline = settings.baseline if origin is not None else None
    with _collector_off():
        own = settings if baseline is None else replace(settings, baseline=None)
        templated = origin is None and "{{" in source.text and not is_chart_values(source.path)
        wanted = origin is not None and origin.wants_stream_data
        result = _lint_source(source, rules, own, templated, keep_data or wanted)
    if origin is not None:
        if wanted:
            origin.stream_data(result.data or {})
            if not keep_data:
                result.data = None
        result.findings = sorted((origin.relocate(finding, source) for finding in result.findings),
                                 key=Finding.sort_key)
        result.problems = [origin.relocate_problem(problem) for problem in result.problems]
        if baseline is not None:
            result.findings, result.baseline_matched = baseline.apply(result.findings)
    return result


@contextlib.contextmanager
def _collector_off() -> Iterator[None]:
    """Linting makes many objects that live to the end (the stream's data, the findings) and no
    reference cycles once objects are released: the garbage collector would only walk them again and
    again."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _lint_source(source: Source, rules: list[Rule], settings: Settings, templated: bool,
                 keep_data: bool = False) -> FileResult:
    result = FileResult(source.path, source, data={} if keep_data else None)
    try:
        apparmor = apparmor_profiles(source)
    except AppArmorSyntaxError as err:
        line, column = source.position(err.offset)
        return FileResult(source.path, source, documents=1,
                          problems=[Problem(source.path, line, column, f"AppArmor profile: {err.message}")])
    if apparmor is not None:  # an AppArmor profile file: text of its own language, not YAML
        return _lint_profiles(result, apparmor, rules, settings)
    if is_patch(source.text):
        return FileResult(source.path, source, skipped=PATCH_HINT)
    # A large List is read one item at a time unless its data is kept (renders, the fixer), and
    # again whole when it turns out to need it (ReadWhole).
    if not (templated or keep_data):
        try:
            return _lint_documents(result, source, rules, settings, templated, itemwise=True)
        except ReadWhole:
            result = FileResult(source.path, source)
    return _lint_documents(result, source, rules, settings, templated, itemwise=False)


def _lint_documents(result: FileResult, source: Source, rules: list[Rule], settings: Settings,
                    templated: bool, itemwise: bool, share: tuple[int, int] | None = None) -> FileResult:
    """With `share` (offsets of the text's own documents, see `klint.shares`), the other documents only
    add their objects for lookups, and the findings stay in stream order, as the share's part."""
    suppressions = FileSuppressions(source, rules, settings)
    stream = Stream()
    findings: list[list[Finding]] = []  # each object's, in stream order
    # Objects whose rules looked up a related object and found none: one later in the input may match.
    missed: list[tuple[int, K8sObject, list[tuple[str, str, bool]]]] = []
    items_checked = 0  # objects among the items of a List read one at a time
    try:
        for document in parse_documents(source, itemwise=itemwise):
            document.outline_fixes = not settings.fix_edits
            if share is not None and not share[0] <= document.root.start_mark.index < share[1]:
                for obj in objects_of(document):  # another share's: only what lookups may find
                    stream.add(obj)
                    obj.release()
                continue
            if document.items_apart is not None:  # the rest of a List whose items came before
                suppressions.check_document(document)
                if not items_checked or not is_list(document.data):
                    raise ReadWhole  # its items are not the objects after all
                items_checked = 0
                continue
            if templated and uses_chart_values(document):
                return FileResult(source.path, source, skipped=HELM_HINT)
            if not document.item:  # an item after a List's first is of a document already counted
                result.documents += 1
            suppressions.check_document(document)
            result.fallback = result.fallback or document.fallback
            if result.data is not None:
                result.data[document.index] = document.data
            objects = list(objects_of(document))
            if document.item is not None:
                items_checked += len(objects)
            elif not objects:
                result.not_kubernetes += 1
                profile = document_profile(document)
                if profile is not None:
                    result.profiles += 1
                    findings.append(check_profile(profile, rules, settings, result))
            result.objects += len(objects)
            for obj in objects:
                stream.add(obj)
            for obj in objects:
                obj.stream = stream
                stream.misses = []
                applicable = applicable_rules(obj, rules)
                result.checked.append((obj.ref, tuple(rule.code for rule in applicable)))
                found = check_object(obj, applicable, settings, result.problems)
                for profile in _object_profiles(obj, result):  # a Security Profiles Operator object's
                    result.profiles += 1
                    found.extend(check_profile(profile, rules, settings, result))
                findings.append(suppressions.apply(obj, found))
                if stream.misses:
                    missed.append((len(findings) - 1, obj, stream.misses))
            for obj in objects:
                obj.release()
            if objects and not any(obj.kind in RELATED_KINDS for obj in objects):
                document.data = None  # nothing later looks its objects up: memory flat in documents
    except InputError as err:
        if templated and breaks_yaml_as_template(source.text, err.line):
            return FileResult(source.path, source, skipped=HELM_HINT)
        result.problems.append(Problem(source.path, err.line, err.column, err.message))
    late = {(obj.ref.document, obj.ref.root): position for position, obj, misses in missed
            if any(stream.first(obj, *miss) is not None for miss in misses)}
    if late:
        _check_again(source, rules, settings, stream, late, findings, suppressions, result.problems, itemwise)
    result.findings, result.baseline_matched = suppressions.finish(
        [finding for found in findings for finding in found])
    if share is None:
        result.findings.sort(key=Finding.sort_key)
    return result


def _check_again(source: Source, rules: list[Rule], settings: Settings, stream: Stream,
                 late: dict[tuple[int, FieldPath], int], findings: list[list[Finding]],
                 suppressions: FileSuppressions, problems: list[Problem] | None = None,
                 itemwise: bool = False) -> None:
    """Check again, now that the whole stream is known, the objects whose lookups find an object that
    came after them; their source maps were freed, so their documents are parsed again (rare: inputs
    usually define a ServiceAccount or role before what uses it)."""
    last = max(document for document, _ in late)
    for document in parse_documents(source, itemwise=itemwise):
        document.outline_fixes = not settings.fix_edits
        for obj in objects_of(document):
            position = late.get((document.index, obj.ref.root))
            if position is not None:
                obj.stream = stream
                found = check_object(obj, applicable_rules(obj, rules), settings, problems)
                findings[position] = suppressions.apply(obj, found)
                obj.stream = None
        if document.index >= last and document.item is None:  # not before the end of a List's items
            break


def applicable_rules(obj: K8sObject, rules: list[Rule]) -> list[Rule]:
    """The rules that have something to check in `obj`: the only ones that run on it."""
    has_pod = obj.pod is not None
    key = (tuple(rules), obj.kind, has_pod)
    plan = _PLANS.get(key)
    if plan is None:
        plan = _PLANS[key] = _plan(rules, obj.kind, has_pod)
    return [rule for rule, ask in plan if not ask or rule.applies_to(obj)]


# The base classes' `applies_to` read only an object's kind and whether it has a pod spec: for a run's
# rules and one kind, which of them apply is found once (a lint asks of every rule for every object).
_STATIC_APPLIES_TO = {Rule.applies_to, KindRule.applies_to, PodRule.applies_to}
_PLANS: dict[tuple[tuple[Rule, ...], str, bool], list[tuple[Rule, bool]]] = {}


def _plan(rules: list[Rule], kind: str, has_pod: bool) -> list[tuple[Rule, bool]]:
    """The rules that may apply to an object of `kind` (with a pod spec or not), each with whether its
    own `applies_to` must still be asked."""
    if len(_PLANS) > 1000:  # runs use one set of rules: only tests make many
        _PLANS.clear()
    plan = []
    for rule in rules:
        method = type(rule).applies_to
        if method not in _STATIC_APPLIES_TO:
            plan.append((rule, True))
        elif method is KindRule.applies_to:
            if kind in rule.kinds:  # type: ignore[attr-defined]
                plan.append((rule, False))
        elif has_pod or (method is Rule.applies_to and rule.pss is None):
            plan.append((rule, False))
    return plan


def check_object(obj: K8sObject, rules: list[Rule], settings: Settings,
                 problems: list[Problem] | None = None) -> list[Finding]:
    """The findings on `obj` of `rules` (those that apply to it); a rule that fails on it (RuleError)
    adds to `problems`."""
    document: Document = obj.document
    findings = []
    dropped: set[FieldPath] = set()  # fields the API server drops (see Violation.dropped)
    for rule in rules:
        try:
            violations = list(rule.check(obj))
        except RuleError as err:
            if problems is not None and err.problem not in problems:
                problems.append(err.problem)
            continue
        if not violations:  # most rules pass
            continue
        severity = settings.severity_of(rule)
        for violation in violations:
            if violation.dropped and rule.explains_fields:
                dropped.add(violation.path)
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
                fix=violation.fix if violation.fix is None or settings.fix_edits else violation.fix.outline(),
                template=document.template,
                identity=(rule.code, obj.ref.identity, obj.stable_path(violation.path), violation.container,
                          *((violation.message,) if rule.identified_by_message else ())),
            ))
    if not findings:
        return findings
    reported = {(finding.rule.name, finding.field) for finding in findings}
    explained = {finding.field for finding in findings if finding.rule.explains_fields}
    return [finding for finding in findings
            if not any((name, finding.field) in reported for name in finding.rule.superseded_by)
            and (finding.rule.explains_fields or not (
                finding.field in explained
                or (dropped and _beneath(finding.field, dropped))))]


def _beneath(path: FieldPath, fields: set[FieldPath]) -> bool:
    """Whether `path` lies under one of `fields` (one of them is a proper prefix of it)."""
    return any(path[:length] in fields for length in range(len(path)))


def _object_profiles(obj: K8sObject, result: FileResult) -> list[ProfileDocument]:
    """The profiles an object holds; a policy that does not parse is a problem at its line."""
    try:
        return object_profiles(obj)
    except AppArmorSyntaxError as err:
        line, column = obj.document.source.position(err.offset)
        result.problems.append(Problem(obj.document.source.path, line, column,
                                       f"AppArmor profile in {obj.ref}: {err.message}"))
        return []


def _lint_profiles(result: FileResult, profiles: list[ProfileDocument], rules: list[Rule],
                   settings: Settings) -> FileResult:
    result.documents = 1
    findings = []
    for profile in profiles:
        result.profiles += 1
        findings.extend(check_profile(profile, rules, settings, result))
    # an AppArmor file's own `# klint: ignore-file[...]` comments, and the baseline
    assert result.source is not None
    suppressions = FileSuppressions(result.source, rules, settings)
    result.findings, result.baseline_matched = suppressions.finish(findings)
    result.findings.sort(key=Finding.sort_key)
    return result


def check_profile(profile: ProfileDocument, rules: list[Rule], settings: Settings,
                  result: FileResult) -> list[Finding]:
    """The findings of the rules of the profile's kind, in the shape of any other finding."""
    applicable = [rule for rule in rules
                  if isinstance(rule, ProfileRule) and rule.profile_kind == profile.kind]
    codes = tuple(rule.code for rule in applicable)
    if result.checked and result.checked[-1][0] == profile.ref:  # an operator object's, or a file's next
        ref, before = result.checked[-1]
        result.checked[-1] = (ref, tuple(dict.fromkeys(before + codes)))
    else:
        result.checked.append((profile.ref, codes))
    findings = []
    for rule in applicable:
        severity = settings.severity_of(rule)
        for violation in rule.check_profile(profile):
            findings.append(Finding(
                rule=rule,
                severity=severity,
                message=violation.message,
                path=profile.source.path,
                span=violation.span or profile.span(violation.path),
                obj=profile.ref,
                field=profile.field(violation.path),
                template=profile.template,
                identity=(rule.code, profile.ref.identity, profile.field(violation.path), None),
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
    return lint_read(source, rules, settings)


def lint_read(source: Source, rules: list[Rule], settings: Settings) -> FileResult:
    """`lint_source`, where a failure is the input's problem, not the run's."""
    path = source.path
    try:
        return lint_source(source, rules, settings)
    except RecursionError:
        return FileResult(path, problems=[Problem(path, 1, 1, "input nests too deeply to lint")])
    except Exception as err:  # a bug in klint must not hide the other files' results
        return FileResult(path, problems=[Problem(path, 1, 1, f"internal error, please report it: {err!r}")])


def lint_part(source: Source, rules: list[Rule], settings: Settings, share: tuple[int, int]) -> FileResult:
    """The part of a stream's lint that its documents starting in `share` (offsets) give: their
    findings in stream order, other documents only looked up (see `klint.shares`)."""
    with _collector_off():
        return _lint_documents(FileResult(source.path, source), source, rules, settings, templated=False,
                               itemwise=False, share=share)
