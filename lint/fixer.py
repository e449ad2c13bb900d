"""`--fix` and `--diff`: apply the findings' fixes to a file's text, re-lint and repeat until nothing
changes, verify the result, and only then write it (atomically) or show it.

Each pass applies the applicable fixes that are independent of each other: their edits do not
touch (except whole lines inserted at one place as different keys of one mapping), and none
changes a path inside what another changes. The others wait for the next pass, when the rules
build them again on the new text. A pass is checked before it is kept: the text still parses into
the same objects, the decoded data changed only at the fixes' paths (and the parents they create),
and the fixed findings are gone. When the pass as a whole fails that check, each fix is tried
alone; those that fail are left out (and reported). At the end the result is verified again
against the original text; if that fails, or the fixes do not settle within MAX_PASSES passes, the
file is left as it was and the failure is reported.
"""

from __future__ import annotations

import bisect
import contextlib
import dataclasses
import difflib
import os
import re
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, BinaryIO

from klint.config import Settings
from klint.document import FieldPath
from klint.edits import same_value
from klint.engine import FileResult, Finding, Problem, lint_source, read_source
from klint.fix import Applicability, Edit, Fix
from klint.k8s import ObjectRef, format_path, lookup
from klint.rule import Rule
from klint.source import Source

MAX_PASSES = 25  # enough for a DaemonSet with a dozen hostPath volumes, removed one per pass

# What identifies a finding from one pass to the next: its identity, which survives the text moving
# and list items before it being removed, and its object, which tells two same-named objects apart
# (the fixes never change the objects or their order).
FindingKey = tuple[ObjectRef, tuple[Any, ...]]


def finding_key(finding: Finding) -> FindingKey:
    return (finding.obj, finding.identity)


def applicabilities(unsafe: bool) -> frozenset[Applicability]:
    return frozenset({Applicability.SAFE, Applicability.UNSAFE} if unsafe else {Applicability.SAFE})


@dataclass
class FixOutcome:
    path: str
    source: Source | None  # the text as read (None when it could not be read)
    text: str  # the fixed text (without BOM); the original when nothing was, or could be, applied
    result: FileResult  # the findings that remain, located in `text`
    fixed: list[Finding] = field(default_factory=list)  # findings whose fixes were applied
    left_out: list[str] = field(default_factory=list)  # fixes that failed their check, and why
    error: str | None = None  # why the file was left untouched although fixes were available
    undecoded: bytes = b""  # given bytes that could not be read as text: standard input passes through
    original: FileResult | None = None  # the findings in the text as read, should the fixed one not be stored
    passes: int = 0  # the passes that applied fixes
    delivered_changed: bool | None = None  # once delivered (the texts released): whether it changed

    @property
    def changed(self) -> bool:
        if self.delivered_changed is not None:
            return self.delivered_changed
        return self.source is not None and self.text != self.source.text

    def release_texts(self) -> None:
        """After delivery the summary needs only counts: a run over thousands of files keeps no texts."""
        self.delivered_changed = self.changed
        self.source, self.text, self.undecoded, self.original = None, "", b"", None

    def output(self) -> bytes:
        """The bytes to store: the fixed text, with the original's encoding and BOM."""
        assert self.source is not None
        return self.source.encode(self.text)


@dataclass
class _State:
    """One version of the text with what is known about it."""

    text: str
    result: FileResult
    documents: dict[int, Any]  # the decoded data of each non-empty document, by its index in the stream
    objects: list[ObjectRef]


@dataclass
class _Group:
    """One fix to apply and the findings it fixes; `fix` may be composed with the other fixes of its
    pass (`_compose`), `alone` is the fix as the rule built it."""

    fix: Fix
    findings: list[Finding]
    alone: Fix | None = None

    def uncomposed(self) -> _Group:
        return self if self.alone is None else _Group(self.alone, self.findings)


class _Taken:
    """The edits chosen for a pass, in text order. They do not touch (but for insertions at one
    place), so their ends are in order too: the edits a new one may touch are the few just before
    where it would go."""

    def __init__(self) -> None:
        self.spans: list[tuple[int, int]] = []
        self.edits: list[Edit] = []

    def touches(self, edit: Edit) -> bool:
        index = bisect.bisect_right(self.spans, (edit.end, sys.maxsize))
        while index > 0:
            index -= 1
            if self.spans[index][1] < edit.start:
                return False
            if _touch(edit, self.edits[index]):
                return True
        return False

    def add(self, edit: Edit) -> None:
        index = bisect.bisect_right(self.spans, (edit.start, edit.end))
        self.spans.insert(index, (edit.start, edit.end))
        self.edits.insert(index, edit)


class _Changed:
    """The (document, path) pairs that a pass's fixes change, with their prefixes: whether a path is
    inside what another fix changes, or holds it, is a few set look-ups. Fixes may change one path
    when both only delete and their edits do not touch (removing two items of one list); one that
    writes there (a key inserted, or renamed to) must be alone at it, or the key would be written
    twice."""

    def __init__(self) -> None:
        self.paths: set[tuple[int, FieldPath]] = set()
        self.written: set[tuple[int, FieldPath]] = set()  # the paths of fixes that write text there
        self.prefixes: set[tuple[int, FieldPath]] = set()  # the paths' proper prefixes

    def conflicts(self, document: int, path: FieldPath, writes: bool) -> bool:
        here = (document, path)
        return here in self.prefixes or here in self.written or (writes and here in self.paths) or any(
            (document, path[:length]) in self.paths for length in range(len(path)))

    def add(self, document: int, path: FieldPath, writes: bool) -> None:
        self.paths.add((document, path))
        if writes:
            self.written.add((document, path))
        self.prefixes.update((document, path[:length]) for length in range(len(path)))


class _Fixer:
    def __init__(self, source: Source, rules: list[Rule], settings: Settings, unsafe: bool) -> None:
        self.source = source
        self.rules = rules
        self.settings = replace(settings, fix_edits=True)  # fixing needs the edits themselves
        self.allowed = applicabilities(unsafe)
        self.rejected: set[FindingKey] = set()
        self.left_out: list[str] = []
        self.linted: FileResult  # the last text's lint result (set by `state`)

    def state(self, text: str) -> _State | str:
        """The text linted and decoded, or why it is unusable."""
        source = Source(self.source.path, text, self.source.has_bom, self.source.encoding)
        result = self.linted = lint_source(source, self.rules, self.settings, keep_data=True)
        if result.problems:
            problem = result.problems[0]
            return f"the fixed text does not parse ({problem.message} at {problem.line}:{problem.column})"
        if result.skipped:
            return f"the fixed text is skipped ({result.skipped})"
        assert result.data is not None
        return _State(text, result, result.data, [ref for ref, _ in result.checked])

    def choose(self, state: _State) -> list[_Group]:
        """The fixes to apply in one pass: applicable, not rejected before, and independent of each
        other: their edits do not touch, and no fix changes a path inside what another changes
        (removing a list while another fix adds a field to one of its items). Findings that share
        an identical fix (two rules asking for the same edit) share it. Near-linear in the findings:
        edits are kept in text order and paths in sets."""
        chosen: list[_Group] = []
        by_edits: dict[tuple[Edit, ...], _Group] = {}
        taken = _Taken()
        changed = _Changed()
        candidates = [finding for finding in state.result.findings if self.applies(finding)]
        for finding in candidates:
            fix = finding.fix
            assert fix is not None
            twin = by_edits.get(fix.edits)
            if twin is not None:
                twin.findings.append(finding)
                continue
            paths = _fixed_paths(fix, finding)
            writes = any(edit.text for edit in fix.edits)
            if any(taken.touches(edit) for edit in fix.edits) \
                    or any(changed.conflicts(document, path, writes) for document, path in paths):
                continue
            group = _Group(fix, [finding])
            chosen.append(group)
            by_edits[fix.edits] = group
            for edit in fix.edits:
                taken.add(edit)
            for document, path in paths:
                changed.add(document, path, writes)
        return _compose(_postpone_emptying(chosen, candidates))

    def applies(self, finding: Finding) -> bool:
        """Whether `--fix` (with these settings) applies the finding's fix, unless it was left out."""
        fix = finding.fix
        return fix is not None and fix.applicable and fix.applicability in self.allowed \
            and finding.suppressed is None and finding_key(finding) not in self.rejected

    def check(self, before: _State, groups: list[_Group]) -> _State | str:
        """The state after applying the groups' fixes to `before`, or why that is not acceptable."""
        try:
            text = apply_edits(before.text, [edit for group in groups for edit in group.fix.edits])
        except OverlappingEdits:  # composed edits that still meet: the pass falls back to fewer fixes
            return "the fixes' edits overlap"
        after = self.state(text)
        if isinstance(after, str):
            return after
        problem = compare(before, after, groups)
        return after if problem is None else problem

    def run(self) -> FixOutcome:
        source = self.source
        first = self.state(source.text)
        if isinstance(first, str):  # unreadable or skipped input: as lint reports it
            self.linted.data = None
            # findings in the other documents of a stream with an input error wait for it to be mended
            fixable = any(self.applies(finding) for finding in self.linted.findings)
            blocked = bool(self.linted.problems) and fixable
            return FixOutcome(source.path, source, source.text, self.linted,
                              error="it has an input error: fixes wait until every document parses"
                              if blocked else None)
        current = first
        applied: list[_Group] = []
        seen = {source.text}
        passes = 0
        for _ in range(MAX_PASSES):
            chosen = self.choose(current)
            if not chosen:
                break
            following = self.apply_pass(current, chosen)
            if following is None:
                continue  # every fix of the pass was left out; try what remains
            state, kept = following
            if state.text in seen:
                return self.failed(first, "the fixes do not settle: they undo each other")
            seen.add(state.text)
            applied.extend(kept)
            current = state
            passes += 1
        else:
            if self.choose(current):
                return self.failed(first, f"the fixes do not settle within {MAX_PASSES} passes")
        if applied:
            problem = compare(first, current, applied)
            if problem is not None:
                return self.failed(first, f"verification failed: {problem}")
        fixed = [finding for group in applied for finding in group.findings]
        return FixOutcome(source.path, source, current.text, current.result, fixed, self.left_out,
                          original=first.result, passes=passes)

    def apply_pass(self, current: _State, chosen: list[_Group]) -> tuple[_State, list[_Group]] | None:
        """Apply a pass's fixes together; when that fails its check, try each alone, leave out those
        that fail, and apply the others together (or, should they fail together, the first)."""
        state = self.check(current, chosen)
        if not isinstance(state, str):
            return state, chosen
        if len(chosen) == 1:
            self.reject(chosen[0], state)
            return None
        accepted: list[tuple[_Group, _State]] = []
        for group in chosen:
            group = group.uncomposed()
            alone = self.check(current, [group])
            if isinstance(alone, str):
                self.reject(group, alone)
            else:
                accepted.append((group, alone))
        if not accepted:
            return None
        groups = _compose([group for group, _ in accepted])
        together = self.check(current, groups) if len(groups) > 1 else accepted[0][1]
        if isinstance(together, str):
            return accepted[0][1], groups[:1]  # the others are tried again in the next pass
        return together, groups

    def reject(self, group: _Group, reason: str) -> None:
        self.rejected.update(finding_key(finding) for finding in group.findings)
        first = group.findings[0]
        self.left_out.append(f"{first.rule.code} {first.rule.name} at {first.field_path or 'the object'} "
                             f"({first.obj}): {group.fix.description}: {reason}")

    def failed(self, first: _State, reason: str) -> FixOutcome:
        return FixOutcome(self.source.path, self.source, self.source.text, first.result, [], self.left_out,
                          reason)


def compare(before: _State, after: _State, groups: list[_Group]) -> str | None:
    """Why `after` is not an acceptable result of applying the groups' fixes to `before` (None: it
    is). For the final check, `before` is the original and the groups come from every pass."""
    if after.objects != before.objects:
        return "the objects changed (kinds, names or order)"
    if after.documents.keys() != before.documents.keys():
        return "the documents changed (an empty one filled, or one emptied)"
    allowed: dict[int, list[FieldPath]] = {}
    for group in groups:
        for finding in group.findings:
            for document, path in _fixed_paths(group.fix, finding):
                allowed.setdefault(document, []).append(path)
    for index, old in before.documents.items():
        for path in differences(old, after.documents[index]):
            if not _covered(path, allowed.get(index, []), old, after.documents[index]):
                return f"document {index + 1} changed at {_show(path)}, which no fix is about"
    remaining = {finding_key(finding) for finding in after.result.findings}
    for group in groups:
        for finding in group.findings:
            if finding_key(finding) in remaining:
                return f"the {finding.rule.name} finding at {finding.field_path} is still there"
    return None


def _fixed_paths(fix: Fix, finding: Finding) -> list[tuple[int, FieldPath]]:
    """(document index, path in the document) of what a fix changes: its paths, else the finding's."""
    obj = finding.obj
    return [(obj.document, (*obj.root, *path)) for path in fix.paths or (finding.field,)]


def differences(old: Any, new: Any, path: FieldPath = ()) -> Iterator[FieldPath]:
    """The paths where two decoded documents differ (a list that changed length differs as a whole)."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in old.keys() | new.keys():
            if key not in old or key not in new:
                yield (*path, key)
            else:
                yield from differences(old[key], new[key], (*path, key))
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            yield from differences(a, b, (*path, index))
    elif not same_value(old, new):
        yield path


def _covered(path: FieldPath, allowed: list[FieldPath], old: Any, new: Any) -> bool:
    """A difference at or under a fixed path, a parent that was missing or null and now holds it, or
    one that held nothing but fixed paths and is gone (emptied by the fixes, it was removed)."""
    below = [fixed[len(path):] for fixed in allowed if fixed[:len(path)] == path]
    if any(not rest for rest in below):
        return True
    if below and lookup(old, path) is None:
        return True
    parent = lookup(new, path[:-1]) if path else None
    return bool(below) and isinstance(parent, dict) and path[-1] not in parent \
        and _holds_only(lookup(old, path), below)


def _holds_only(value: Any, paths: list[FieldPath]) -> bool:
    """Whether everything in a value is at or under one of the (relative) paths."""
    if any(not path for path in paths):
        return True
    if not paths or not isinstance(value, (dict, list)):
        return False
    children = value.items() if isinstance(value, dict) else enumerate(value)
    return all(_holds_only(child, [path[1:] for path in paths if path[0] == key]) for key, child in children)


def _show(path: FieldPath) -> str:
    return format_path(path) or "its root"


def _postpone_emptying(chosen: list[_Group], candidates: list[Finding]) -> list[_Group]:
    """A fix that empties a block collection waits for the pass in which the fixes that insert lines
    into it are applied (those that touch another fix of this one are not), so that the two compose
    and it stays a block collection; unless nothing else would be applied."""
    inserted = _inserted([edit for finding in candidates if finding.fix is not None
                          for edit in finding.fix.edits])
    if not inserted:
        return chosen
    now = _inserted([edit for group in chosen for edit in group.fix.edits])
    kept = [group for group in chosen
            if not any(_refill_for(edit, inserted) != _refill_for(edit, now) for edit in group.fix.edits)]
    return kept or chosen


def _inserted(edits: list[Edit]) -> set[tuple[int, int, bool]]:
    """(offset, indent, item) of the whole lines the edits insert: mapping entries, or list items."""
    inserted = set()
    for edit in edits:
        lines = _whole_lines(edit)  # at the end of a text without a final line break too
        if lines is not None:
            entry = _ENTRY_HEAD.match(lines)
            if entry:
                inserted.add((edit.start, len(entry["indent"]), False))
            item = _ITEM_HEAD.match(lines)
            if item:
                inserted.add((edit.start, len(item["indent"]), True))
    return inserted


def _compose(groups: list[_Group]) -> list[_Group]:
    """The fixes of a pass that edit one collection, as one edit:

    - fixes that together delete every child of a block collection remove it (`Emptying`);
    - lines that fixes insert into a block collection that another fix empties keep it a block
      collection: that fix then deletes the lines of what it removes rather than the collection
      (`Refill`);
    - fixes that each create the same missing mapping at one place (`securityContext:` with one
      field, in block or flow style) create it once, with every field under it.

    So the pass parses and the fixes settle together."""
    while _merge_emptied(groups):
        pass
    _merge_flow_mappings(groups)
    inserted = _inserted([edit for group in groups for edit in group.fix.edits])
    if not inserted:
        return groups
    for group in groups:
        fix = group.fix
        edits = tuple(_refill_for(edit, inserted) or edit for edit in fix.edits)
        if edits != fix.edits:
            group.alone, group.fix = group.alone or fix, dataclasses.replace(fix, edits=edits)
    _merge_new_mappings(groups)
    return groups


# id(group) -> the group's edits replaced by others (none: dropped)
_Replacements = dict[int, dict[Edit, tuple[Edit, ...]]]


def _replace_edits(groups: list[_Group], replaced: _Replacements) -> None:
    for group in groups:
        edits = replaced.get(id(group))
        if edits:
            group.alone = group.alone or group.fix
            group.fix = dataclasses.replace(group.fix, edits=tuple(
                new for edit in group.fix.edits for new in edits.get(edit, (edit,))))


def _merge_emptied(groups: list[_Group]) -> bool:
    """Deletions of every child of one block collection become the first one's removal of the
    collection (whose own Emptying may merge next); whether any did."""
    deletions: dict[int, list[tuple[_Group, Edit]]] = {}
    for group in groups:
        for edit in group.fix.edits:
            if edit.emptying is not None:
                deletions.setdefault(edit.emptying.collection, []).append((group, edit))
    replaced: _Replacements = {}
    for parts in deletions.values():
        emptying = parts[0][1].emptying
        assert emptying is not None
        if len({edit.emptying.child for _, edit in parts if edit.emptying}) == emptying.count:
            for number, (group, edit) in enumerate(parts):
                replaced.setdefault(id(group), {})[edit] = () if number else emptying.whole
    _replace_edits(groups, replaced)
    return bool(replaced)


def _merge_new_mappings(groups: list[_Group]) -> None:
    """Insertions at one place that begin with the same `key:` line of a new block mapping (`_touch`
    lets them meet when their fields differ) become the first one's, with all their fields."""
    first_of: dict[tuple[int, str], tuple[_Group, Edit, list[str]]] = {}
    merged: _Replacements = {}
    for group in groups:
        for edit in group.fix.edits:
            head = _new_mapping_head(edit)
            if head is None:
                continue
            key = (edit.start, head)
            body = (_whole_lines(edit) or "")[len(head):]
            if key not in first_of:
                first_of[key] = (group, edit, [body])
                continue
            owner, first, bodies = first_of[key]
            bodies.append(body)
            text = _as_inserted(first, head + "".join(bodies))
            merged.setdefault(id(owner), {})[first] = (Edit(first.start, first.end, text),)
            merged.setdefault(id(group), {})[edit] = ()
    _replace_edits(groups, merged)


def _merge_flow_mappings(groups: list[_Group]) -> None:
    """Flow entries inserted at one place under the same key with mappings as values (`, "securityContext":
    {...}` in JSON, which `_touch` lets meet) become the first one's, with all their fields."""
    first_of: dict[tuple[int, str], tuple[_Group, Edit, str, str]] = {}  # group, edit, head, value
    merged: _Replacements = {}
    for group in groups:
        for edit in group.fix.edits:
            entry = _flow_entry(edit)
            if entry is None or not entry["value"].startswith("{"):
                continue
            key = (edit.start, entry["key"])
            if key not in first_of:
                first_of[key] = (group, edit, edit.text[:entry.start("value")], entry["value"])
                continue
            owner, first, head, value = first_of[key]
            inner = entry["value"][1:-1]
            value = value[:-1] + (", " if value != "{}" and inner else "") + inner + "}"
            first_of[key] = (owner, first, head, value)
            merged.setdefault(id(owner), {})[first] = (Edit(first.start, first.end, head + value),)
            merged.setdefault(id(group), {})[edit] = ()
    _replace_edits(groups, merged)


def _flow_entry(edit: Edit) -> re.Match[str] | None:
    """An insertion of one flow mapping entry after its separator (`, key: value`), or None."""
    if edit.start != edit.end:
        return None
    entry = _FLOW_ENTRY.match(edit.text)
    if entry is None:
        return None
    depth, quote = 0, ""
    for char in entry["value"]:  # one entry: no comma outside its brackets and strings
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
        elif char == "," and depth == 0:
            return None
    return entry


def _whole_lines(edit: Edit) -> str | None:
    """The whole lines an insertion adds, each with its line break (None: not an insertion of whole
    lines). At the end of a text without a final line break they come as the break, then the lines."""
    if edit.start != edit.end or not edit.text:
        return None
    if edit.text.endswith("\n"):
        return edit.text
    newline = "\r\n" if edit.text.startswith("\r\n") else "\n"
    return edit.text[len(newline):] + newline if edit.text.startswith(newline) else None


def _as_inserted(edit: Edit, lines: str) -> str:
    """Whole lines written as the insertion `edit` writes its own (see `_whole_lines`)."""
    if edit.text.endswith("\n"):
        return lines
    newline = "\r\n" if lines.endswith("\r\n") else "\n"
    return newline + lines[:-len(newline)]


def _new_mapping_head(edit: Edit) -> str | None:
    """The first line of whole lines inserted that start a block mapping (`    securityContext:`, its
    fields on the lines below, indented deeper), or None."""
    lines = _whole_lines(edit)
    match = _MAPPING_HEAD.match(lines) if lines is not None else None
    return match[0] if match else None


def _new_mapping_fields(edit: Edit, head: str) -> set[str] | None:
    """The keys of the fields directly under a new mapping's head, or None when its body is not
    plain entries."""
    body = (_whole_lines(edit) or "")[len(head):]
    first = _ENTRY_HEAD.match(body)
    if first is None:
        return None
    indent = first["indent"]
    if len(indent) <= len(head) - len(head.lstrip(" ")):
        return None
    fields = set()
    for line in body.splitlines(keepends=True):
        if line.startswith(indent) and not line.startswith(indent + " "):
            entry = _ENTRY_HEAD.match(line)
            if entry is None:
                return None
            fields.add(entry["key"])
    return fields


def _refill_for(edit: Edit, inserted: set[tuple[int, int, bool]]) -> Edit | None:
    """The edit to make instead of one that deletes emptied collections, when lines are inserted into
    one of them: the deletion of what is below the deepest of those (None: none is refilled)."""
    instead = None
    refill = edit.refill
    while refill is not None:
        if (refill.offset, refill.indent, refill.item) in inserted:
            instead = refill.instead
        refill = refill.instead.refill
    return instead


def _touch(a: Edit, b: Edit) -> bool:
    """Edits that overlap or meet: applying both in one pass would make their order matter. The
    exceptions: a deletion meeting another edit (text removed before lines inserted, or next to
    other text removed: the order does not matter), and whole lines inserted at one place as entries
    of mappings, under different keys of one mapping (fixes that each add a field to the same
    securityContext) or of mappings that end there nested in each other (a container's field and
    its pod's, at the end of both): `apply_edits` puts the deeper ones first. The same edit made by
    two fixes (removing `{}` to make a block mapping of it) is made once."""
    if a == b:
        return False
    lines, others = _whole_lines(a), _whole_lines(b)
    if a.start == b.start and lines is not None and others is not None:
        first, second = _ENTRY_HEAD.match(lines), _ENTRY_HEAD.match(others)
        if first and second and (first["indent"] != second["indent"] or first["key"] != second["key"]):
            return False
        # the same new mapping created by both, with different fields: `_compose` creates it once
        head = _new_mapping_head(a)
        if head is not None and head == _new_mapping_head(b):
            fields, other_fields = _new_mapping_fields(a, head), _new_mapping_fields(b, head)
            if fields is not None and other_fields is not None and not fields & other_fields:
                return False
    if a.start == a.end == b.start == b.end:  # flow entries under different keys, or merged mappings
        first, second = _flow_entry(a), _flow_entry(b)
        if first and second and (first["key"] != second["key"]
                                 or (first["value"].startswith("{") and second["value"].startswith("{"))):
            return False
    if (a.start < a.end and not a.text) or (b.start < b.end and not b.text):
        return a.start < b.end and b.start < a.end  # a deletion only meeting the other is independent of it
    return a.start <= b.end and b.start <= a.end


_FLOW_ENTRY = re.compile(r",\s*(?P<key>\"[^\"\\]*\"|'[^']*'|[A-Za-z_][\w.-]*)\s*:\s*(?P<value>.*)\Z", re.S)
_ENTRY_HEAD = re.compile(r"(?P<indent> *)(?P<key>[A-Za-z_][\w.-]*):[ \r\n]")
_ITEM_HEAD = re.compile(r"(?P<indent> *)-[ \r\n]")
_MAPPING_HEAD = re.compile(r" *[A-Za-z_][\w.-]*:\r?\n")


def _indent(edit: Edit) -> int:
    lines = _whole_lines(edit) or edit.text
    return len(lines) - len(lines.lstrip(" "))


class OverlappingEdits(ValueError):
    pass


def apply_edits(text: str, edits: list[Edit]) -> str:
    """Splice non-overlapping edits into the text (offsets are into the text as given); an edit given
    twice is made once."""
    out = []
    position = len(text)
    edits = list(dict.fromkeys(edits))
    # Lines inserted at one place go deeper-indented first: they end the inner of nested mappings.
    for edit in sorted(edits, key=lambda e: (e.start, e.end, -_indent(e) if e.start == e.end else 0),
                       reverse=True):
        if edit.end > position:
            raise OverlappingEdits(f"overlapping edits at {edit.start}-{edit.end} and {position}")
        out.append(text[edit.end:position])
        out.append(edit.text)
        position = edit.start
    out.append(text[:position])
    return "".join(reversed(out))


def fix_source(source: Source, rules: list[Rule], settings: Settings, unsafe: bool = False) -> FixOutcome:
    """Fix one decoded input (never writes anything)."""
    try:
        return _Fixer(source, rules, settings, unsafe).run()
    except RecursionError:
        message = "input nests too deeply to lint"
    except Exception as err:  # a bug in klint must not stop the other files from being fixed
        message = f"internal error while fixing, please report it: {err!r}"
    result = FileResult(source.path, source, problems=[Problem(source.path, 1, 1, message)])
    return FixOutcome(source.path, source, source.text, result)


def fix_file(path: str, rules: list[Rule], settings: Settings, unsafe: bool = False,
             data: bytes | None = None) -> FixOutcome:
    """Fix a file (or given bytes, e.g. standard input) in memory; `write_atomic` stores the result."""
    source = read_source(path, data)
    if isinstance(source, Problem):
        return FixOutcome(path, None, "", FileResult(path, problems=[source]), undecoded=data or b"")
    return fix_source(source, rules, settings, unsafe)


def write_atomic(path: str, data: bytes) -> None:
    """Replace the file's content in one step: a temporary file in the same directory, renamed over
    it, with the file's permission bits (a new file gets the umask's). A symbolic link stays a link
    to the rewritten file; what is not a regular file (a pipe, /dev/stdout) is simply written to."""
    target = os.path.realpath(path)
    if os.path.exists(target) and not os.path.isfile(target):
        with open(target, "wb") as stream:
            stream.write(data)
        return
    if os.path.exists(target):
        mode = stat.S_IMODE(os.stat(target).st_mode)
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    handle, temporary = tempfile.mkstemp(prefix=".klint-", suffix=".tmp", dir=os.path.dirname(target))
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


_LINES = re.compile(r"[^\n]*\n|[^\n]+")


def unified_diff(path: str, before: str, after: str) -> str:
    """A unified diff (`a/PATH`, `b/PATH`), marking a last line without a line break as git does."""
    name = os.path.normpath(path).replace(os.sep, "/").lstrip("/")
    lines = difflib.unified_diff(_LINES.findall(before), _LINES.findall(after), f"a/{name}", f"b/{name}")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in lines)


_HUNK = re.compile(r"@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")


def colored_diff(diff: str) -> str:
    """A unified diff in git's colours: file headers bold, hunk headers cyan, removed lines red,
    added lines green (each line's colour reset before its line break)."""
    out = []
    removed = added = 0  # lines left in the current hunk: a removed `---` line is no header
    for line in diff.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        hunk = _HUNK.match(body)
        color = None
        if hunk:
            removed, added = int(hunk[1] or 1), int(hunk[2] or 1)
            color = "\x1b[36m"
        elif (removed or added) and body[:1] in ("-", "+", " "):
            removed -= body[:1] != "+"
            added -= body[:1] != "-"
            color = {"-": "\x1b[31m", "+": "\x1b[32m"}.get(body[:1])
        elif body.startswith(("--- ", "+++ ")):
            color = "\x1b[1m"
        out.append(line if color is None else f"{color}{body}\x1b[0m{line[len(body):]}")
    return "".join(out)


@dataclass(frozen=True)
class FixSummary:
    """What `--fix` / `--diff` did, for the reporters."""

    diff: bool  # --diff: nothing was written
    unsafe: bool  # --unsafe-fixes
    fixed: int  # findings fixed (or that would be, with --diff)
    files_changed: int
    unsafe_available: int  # remaining findings that --unsafe-fixes would fix
    left_out: tuple[str, ...]  # "path: why" for fixes that failed their check
    failures: tuple[tuple[str, str], ...]  # (path, why) for files left untouched
    # Exit 1 when a file changed (or would: --diff, --exit-non-zero-on-fix); else only findings that
    # remain count, as with ruff (pre-commit sees the changed files anyway).
    fail_on_change: bool = False

    @classmethod
    def of(cls, outcomes: Iterable[FixOutcome], diff: bool, unsafe: bool,
           fail_on_change: bool = False) -> FixSummary:
        summary = cls(diff, unsafe, 0, 0, 0, (), (), fail_on_change)
        for outcome in outcomes:
            summary = summary.add(outcome)
        return summary

    def add(self, outcome: FixOutcome) -> FixSummary:
        """This summary and one more file's outcome, once delivered: the command line sums the files'
        as they come, holding none."""
        unsafe_left = 0 if self.unsafe else sum(
            1 for finding in outcome.result.findings
            if finding.suppressed is None and finding.fix is not None and finding.fix.applicable
            and finding.fix.applicability is Applicability.UNSAFE)
        left_out = tuple(f"{outcome.path}: {why}" for why in outcome.left_out)
        failure = ((outcome.path, outcome.error),) if outcome.error else ()
        return replace(self, fixed=self.fixed + len(outcome.fixed),
                       files_changed=self.files_changed + outcome.changed,
                       unsafe_available=self.unsafe_available + unsafe_left,
                       left_out=self.left_out + left_out if left_out else self.left_out,
                       failures=self.failures + failure if failure else self.failures)


def at_original_lines(remaining: list[Finding], original: list[Finding]) -> list[Finding]:
    """The findings that remain after fixing, each as the text before the fixes has it (where it was
    there: one a fix brought is left as the fixed text has it)."""
    before: dict[FindingKey, list[Finding]] = {}
    for finding in original:
        before.setdefault(finding_key(finding), []).append(finding)
    out = []
    for finding in remaining:
        same = before.get(finding_key(finding))
        out.append(same.pop(0) if same else finding)
    return out


def deliver(outcome: FixOutcome, stdin: bool, diff: bool, out: BinaryIO, color: bool = False) -> None:
    """Where a fixed text goes: with --diff, a diff on `out` (coloured as git colours one, when
    `color`); from standard input, the whole fixed stream on `out`; otherwise the file, rewritten in
    place when it changed. A file that cannot be written is reported as a problem and counts as
    unchanged. The outcome's texts are released: only the findings and the counts remain."""
    _send(outcome, stdin, diff, out, color)
    outcome.release_texts()


def _send(outcome: FixOutcome, stdin: bool, diff: bool, out: BinaryIO, color: bool) -> None:
    if outcome.source is None:
        if stdin and not diff:  # a filter never swallows its input
            out.write(outcome.undecoded)
        return
    if diff:
        if outcome.changed:
            text = unified_diff(outcome.path, outcome.source.text, outcome.text)
            out.write((colored_diff(text) if color else text).encode("utf-8"))
            if outcome.original is not None:  # the file is as it was: report at its lines, not the fix's
                remaining, original = outcome.result.findings, outcome.original.findings
                outcome.result.findings = at_original_lines(remaining, original)
    elif stdin:
        out.write(outcome.output())
    elif outcome.changed:
        try:
            write_atomic(outcome.path, outcome.output())
        except OSError as err:
            outcome.result.problems.append(
                Problem(outcome.path, 1, 1, f"cannot write the fixed file: {err.strerror or err}"))
            outcome.fixed = []
            outcome.text = outcome.source.text
            if outcome.original is not None:  # what remains is what the file, unchanged, still has
                outcome.result.findings = outcome.original.findings
