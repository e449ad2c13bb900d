"""Findings about the suppressions themselves (`--warn-unused-suppressions`, or the rules selected):
a klint suppression that suppressed nothing (unused-suppression), and one that names no rule
(blanket-suppression). Other tools' ignores are never reported: they may be meant for that tool."""

from __future__ import annotations

from typing import TYPE_CHECKING

from klint import registry
from klint.suppress import BLANKET_SUPPRESSION, UNUSED_SUPPRESSION, Directive, matches

if TYPE_CHECKING:
    from klint.engine import Finding
    from klint.k8s import ObjectRef
    from klint.rule import Rule
    from klint.suppress import FileSuppressions


def meta_findings(suppressions: FileSuppressions, directives: list[Directive]) -> list[Finding]:
    if not directives:  # most inputs: no need to look for the rules
        return []
    enabled = {rule.code: rule for rule in suppressions.rules}
    unused, blanket = enabled.get(UNUSED_SUPPRESSION), enabled.get(BLANKET_SUPPRESSION)
    if unused is None and blanket is None:
        return []
    out = []
    for directive in directives:
        if not directive.own:
            continue
        obj = directive.obj or suppressions.objects.get(
            suppressions.comments.region_at(directive.span.start_offset)) or next(
            iter(suppressions.objects.values()), None)
        if obj is None:
            continue  # an input without objects: nothing to suppress, nothing to say
        for rule, selector, message in _problems(directive, unused, blanket, suppressions.rules):
            out.append(_finding(suppressions, rule, obj, directive, selector, message))
    return out


def _problems(directive: Directive, unused: Rule | None, blanket: Rule | None, enabled: list[Rule]
              ) -> list[tuple[Rule, str, str]]:
    form = f"`{directive.form}`"
    if directive.rules is None:
        found = []
        if blanket is not None:
            found.append((blanket, "", f"{form} names no rule and hides every finding here: name the rules"))
        if unused is not None and not directive.used:
            found.append((unused, "", f"unused suppression: {form} suppresses nothing"))
        return found
    if unused is None:
        return []
    found = []
    for selector in directive.rules:
        if selector in directive.used:
            continue
        if not any(matches(selector, rule) for rule in enabled):
            if not registry.select(selector):
                found.append((unused, selector, f"{form} names an unknown rule {selector!r}"))
            continue  # a rule that did not run in this run may well have something to suppress
        found.append((unused, selector, f"unused suppression: {form} has no {selector} finding to suppress"))
    return found


def _finding(suppressions: FileSuppressions, rule: Rule, obj: ObjectRef, directive: Directive,
             selector: str, message: str) -> Finding:
    from klint.engine import Finding

    return Finding(
        rule=rule, severity=suppressions.settings.severity_of(rule), message=message,
        path=suppressions.source.path, span=directive.span, obj=obj, field=(),
        identity=(rule.code, obj.identity, ("suppression", directive.form, selector), directive.container),
        container=directive.container)
