"""Helpers for the fix tests: build a fix on a snippet, apply it, run the fixer, compare data.

    from fixhelpers import edited, fixed_by

    assert edited(TEXT, set_field, ("spec", "hostNetwork"), False) == EXPECTED
"""

from __future__ import annotations

from typing import Any

from helpers import dedent

from klint.config import Settings
from klint.document import FieldPath, parse_documents
from klint.fix import Applicability, Fix
from klint.fixer import FixOutcome, apply_edits, differences, fix_source
from klint.k8s import objects_of
from klint.source import Source

MY_RULES = ("privileged-container", "host-network", "host-pid", "host-ipc")


def objects(text: str) -> list[Any]:
    source = Source.from_text("test.yaml", text)
    return [obj for document in parse_documents(source) for obj in objects_of(document)]


def build(text: str, builder: Any, path: FieldPath, *args: Any, item: int = 0) -> Fix | None:
    """The fix a builder makes for the `item`-th object of the text (not dedented)."""
    return builder(objects(text)[item], path, *args, Applicability.UNSAFE, "the fix")


def edited(text: str, builder: Any, path: FieldPath, *args: Any, item: int = 0, dedented: bool = True) -> str:
    """The text (dedented unless told otherwise) after the builder's fix. Also checks that the data
    changed only at the fix's paths, under the object's root."""
    if dedented:
        text = dedent(text)
    fix = build(text, builder, path, *args, item=item)
    assert fix is not None and fix.edits, fix
    out = apply_edits(text, list(fix.edits))
    before = [d.data for d in parse_documents(Source.from_text("a", text))]
    after = [d.data for d in parse_documents(Source.from_text("b", out))]
    assert len(before) == len(after)
    root = objects(text)[item].root
    for old, new in zip(before, after, strict=True):
        for changed in differences(old, new):
            assert any(changed[:len(root) + len(p)] == (*root, *p) or (*root, *p)[:len(changed)] == changed
                       for p in fix.paths), (changed, fix.paths)
    return out


def refusal(text: str, builder: Any, path: FieldPath, *args: Any) -> str:
    """Why the builder refuses (its DISPLAY fix's description)."""
    fix = build(dedent(text), builder, path, *args)
    assert fix is not None and not fix.edits and fix.applicability is Applicability.DISPLAY, fix
    return fix.description


def splice_of(before: str, after: str, fix: Fix) -> bool:
    """Whether `after` is exactly `before` with the fix's edits spliced in: no other byte changed."""
    return apply_edits(before, list(fix.edits)) == after


def fix_text(text: str, *rules: str, unsafe: bool = True, path: str = "test.yaml") -> FixOutcome:
    """Run the fixer on a text (not dedented) with the named rules (default: the four rules this
    suite is about)."""
    settings = Settings(select=rules or MY_RULES)
    return fix_source(Source.from_text(path, text), settings.enabled_rules(), settings, unsafe)
