"""The suppression pass: which findings of one input do not count, and why (`Finding.suppressed`).

Suppressions come from the input itself (comments, see `comments`; annotations, klint's and other
tools', see `annotations`) and from outside it (a baseline, see `baseline`). The engine runs the pass
on each object's findings while its document's source map is alive (a comment covers the mapping
or list item that starts on its line), and once more at the end of the input for file-wide comments
and the baseline; then `--warn-unused-suppressions` reports what suppressed nothing (`report`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from klint import registry
from klint.k8s import K8sObject, ObjectRef
from klint.rule import Rule
from klint.source import Source, Span

if TYPE_CHECKING:
    from klint.config import Settings
    from klint.document import Document
    from klint.engine import Finding

UNUSED_SUPPRESSION = "KL002"
BLANKET_SUPPRESSION = "KL003"
META_RULES = frozenset({UNUSED_SUPPRESSION, BLANKET_SUPPRESSION})


def matches(selector: str, rule: Rule) -> bool:
    """Whether a rule named in a suppression means `rule`: as `--select` names rules, but a prefix
    must be three characters at least, so that `ignore[KL]` is no blanket suppression in disguise."""
    return registry.names(rule, selector, shortest_prefix=3)


@dataclass(eq=False)
class Directive:
    """One suppression written in the input: which rules (None: every rule), for what, and why."""

    rules: tuple[str, ...] | None
    reason: str
    span: Span  # where it is written: the comment, or the annotation's entry
    by: str  # how, for reports: "comment", "annotation", "kube-linter annotation", ...
    form: str  # as written, for messages: "klint: ignore", "klint.dev/ignore", ...
    # klint's own forms are reported when unused; another tool's ignore may be meant for that tool only.
    own: bool = True
    obj: ObjectRef | None = None  # the object an annotation is on
    container: str | None = None  # the container a per-container annotation names
    used: set[str] = field(default_factory=set)  # the selectors that suppressed a finding ("" for all)

    def covers(self, finding: Finding) -> str | None:
        """The selector that suppresses the finding ("" for a blanket suppression), or None."""
        if self.container is not None and finding.container != self.container:
            return None
        if self.rules is None:
            return ""
        return next((selector for selector in self.rules if matches(selector, finding.rule)), None)


def first_match(finding: Finding, directives: Iterable[Directive]) -> Finding:
    """The finding, suppressed by the first directive that covers it (the most specific: its reason
    is the one shown), or as it was. Every directive that covers it counts as used."""
    from klint.engine import Suppression

    first = None
    for directive in directives:
        selector = directive.covers(finding)
        if selector is not None:
            directive.used.add(selector)
            first = first or directive
    if first is None:
        return finding
    return dataclasses.replace(finding, suppressed=Suppression(
        in_source=True, justification=first.reason, by=first.by))


class FileSuppressions:
    """The suppressions of one input, applied as the engine checks its objects."""

    def __init__(self, source: Source, rules: list[Rule], settings: Settings) -> None:
        from klint.suppress import comments

        self.source = source
        self.rules = rules
        self.settings = settings
        self.comments = comments.scan(source, settings.foreign_ignores)
        self.annotations: list[Directive] = []  # met on the objects, in order
        self.objects: dict[int, ObjectRef] = {}  # the first object of each document region

    def check_document(self, document: Document) -> None:
        """Called for each document while its source map is alive: drops comment look-alikes that are
        text inside its scalars (a block scalar holding a script)."""
        self.comments.validate(document)

    def apply(self, obj: K8sObject, findings: list[Finding]) -> list[Finding]:
        """The object's findings, suppressed where its comments and annotations say so (called while
        its source map is alive)."""
        from klint.suppress import annotation

        region = self.comments.region_of(obj.document)
        self.objects.setdefault(region, obj.ref)
        found = annotation.collect(obj, self.settings.foreign_ignores)
        self.annotations.extend(found)
        if not findings or not (found or self.comments.local):
            return findings
        return [first_match(finding, [*self.comments.covering(obj, finding, region), *found])
                for finding in findings]

    def finish(self, findings: list[Finding]) -> tuple[list[Finding], int]:
        """File-wide comments and the baseline, on all the input's findings, then the findings about the
        suppressions themselves. Also returns how many findings the baseline matched."""
        file_wide = self.comments.file_wide
        out = list(findings)
        for index, finding in enumerate(out if file_wide else ()):
            suppressed = first_match(finding, file_wide)  # used, even where another came first
            if finding.suppressed is None:
                out[index] = suppressed
        matched = 0
        baseline = self.settings.baseline
        if baseline is not None:
            out, matched = baseline.apply(out)
        from klint.suppress.report import meta_findings

        out.extend(meta_findings(self, [*self.comments.directives, *self.annotations]))
        return out, matched
