"""Fixes are text edits on the original (decoded, BOM-less) text, never a re-serialization."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Applicability(enum.Enum):
    SAFE = "safe"  # cannot change how a workload runs in a way a user would not expect
    UNSAFE = "unsafe"  # may break a workload; applied only with --unsafe-fixes
    DISPLAY = "display"  # a suggestion, never applied


@dataclass(frozen=True)
class Edit:
    """Replace text[start:end] with `text` (an insertion when start == end, a deletion when text is '')."""

    start: int
    end: int
    text: str
    # How the edit composes with others of its pass (not part of what it is: edits are equal, and
    # hash, by what they change):
    refill: Refill | None = field(default=None, compare=False)  # for an edit that empties a collection
    emptying: Emptying | None = field(default=None, compare=False)  # for one deleting a child of one


@dataclass(frozen=True)
class Refill:
    """How an edit that empties a block collection (`securityContext: {}` for its last key removed)
    composes with other fixes' lines inserted into that collection in the same pass: the entries (or
    items, `- x`) inserted at `offset` with `indent` columns keep it a block collection, so `instead`
    deletes only the lines of what is removed. (Applied alone, `{}` stays: an empty block collection
    does not exist.)"""

    offset: int
    indent: int
    item: bool  # the collection is a list: the lines inserted are items
    instead: Edit


@dataclass(frozen=True)
class Emptying:
    """For an edit that deletes (part of) child `child` of the `count` children of the block
    collection that starts at `collection`: when a pass's fixes delete every one of them, `whole`
    removes the collection instead (with its key, as removing an only child does), so that no `key:`
    is left holding nothing."""

    collection: int
    count: int
    child: int
    whole: tuple[Edit, ...]


@dataclass(frozen=True)
class Fix:
    description: str
    edits: tuple[Edit, ...]  # non-overlapping, in text order; empty for a DISPLAY fix that says why not
    applicability: Applicability
    # The paths (relative to the object, like Violation.path) whose values the edits change, with
    # their descendants and any parents they create: `--fix` checks that nothing else changed.
    paths: tuple[tuple[str | int, ...], ...] = ()
    refusal: str | None = None  # why a builder could not make the edits (a DISPLAY fix without edits)
    # Edits left out, for a run whose reports show only whether and how a finding is fixable (see
    # `outline`): there are some, but not these.
    outlined: bool = False

    @property
    def applicable(self) -> bool:
        """Something `--fix` can apply (with `--unsafe-fixes` when unsafe)."""
        return (self.outlined or bool(self.edits)) and self.applicability is not Applicability.DISPLAY

    def outline(self) -> Fix:
        """What a report that never shows the edits needs of this fix: its description, applicability
        and whether it applies. Findings are then cheap to keep (and to send from a worker)."""
        if not self.edits:
            return self
        return Fix(self.description, (), self.applicability, outlined=True)
