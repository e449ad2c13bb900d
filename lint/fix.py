"""Fixes are text edits on the original (decoded, BOM-less) text, never a re-serialization."""

from __future__ import annotations

import enum
from dataclasses import dataclass


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


@dataclass(frozen=True)
class Fix:
    description: str
    edits: tuple[Edit, ...]
    applicability: Applicability
