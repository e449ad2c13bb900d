"""Fix builders for rules: YAML-aware text edits that follow the file's own style.

Rules call these to attach a Fix to a Violation. Paths are relative to the object (as in
Violation.path). Every edit is a splice into the original text: the bytes around it (comments,
key order, quoting, blank lines, CRLF, a missing final newline) are never rewritten. Inserted YAML
copies the document's style: the indentation of nested mappings, whether sequences are indented
under their key, the dash-to-content width of list items, flow (`{}`/`[]`) collections where the
file has them, JSON syntax in JSON files, the file's quoting of keys, and the file's preferred
quotes for strings that need quoting (`"yes"`, `"0777"`: the API server would read them as a
boolean and a number).

The parts: `style` (the document's own style), `render` (values as YAML in it), `positions`
(offsets in the text), `locate` (the nodes to edit, and what to refuse), `splice` (edits as
splices into the text), `removal` and `editor` (the operations).

A builder returns None when there is nothing to change. When the change cannot be made safely
as a text edit, it returns a DISPLAY fix without edits whose description says why: the value is
(inside) an anchored or aliased node, so the edit would change every place that shares it; the
key comes from a `<<` merge; the key appears twice; or the text around it has a shape the
builder does not locate with certainty (an explicit `? key`, an alias where text must be inserted).
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from ruamel.yaml.nodes import ScalarNode

from klint.document import FieldPath
from klint.edits.editor import Editor
from klint.edits.nodes import same_value
from klint.edits.refused import Refused
from klint.edits.render import render_scalar
from klint.edits.style import Style, document_style
from klint.fix import Applicability, Edit, Fix
from klint.k8s import K8sObject, format_path

__all__ = ["Refused", "Style", "add_list_item", "combine", "document_style", "remove_field",
           "remove_list_item", "rename_key", "render_scalar", "same_value", "set_field"]


def set_field(obj: K8sObject, path: FieldPath, value: Any, applicability: Applicability,
              description: str) -> Fix | None:
    """Set the value at `path` (a scalar, or a small mapping/list), creating missing parent mappings.

    A mapping value is merged into an existing mapping key by key (its other keys stay); any other
    value replaces the existing one."""
    return _build(obj, path, applicability, description, lambda e, p: e.set(p, value))


def remove_field(obj: K8sObject, path: FieldPath, applicability: Applicability,
                 description: str) -> Fix | None:
    """Delete the mapping entry at `path` (key and value, with its line when it has one of its own);
    the mappings it empties too, up to the object's own keys (no `seLinuxOptions: {}` left behind)."""
    return _build(obj, path, applicability, description, lambda e, p: e.remove(p))


def add_list_item(obj: K8sObject, path: FieldPath, item: Any, applicability: Applicability,
                  description: str) -> Fix | None:
    """Append `item` to the list at `path`, creating the list (and its parents) when absent."""
    return _build(obj, path, applicability, description, lambda e, p: e.append(p, item))


def remove_list_item(obj: K8sObject, path: FieldPath, applicability: Applicability,
                     description: str) -> Fix | None:
    """Delete the list item at `path` (whose last step is its index); the list's key too when the item
    is its only one, as a person would (no `volumes: []` left behind)."""
    if not path or not isinstance(path[-1], int):
        raise ValueError(f"remove_list_item needs a path ending in an index, got {format_path(path)}")
    return _build(obj, path, applicability, description, lambda e, p: e.remove_item(p), changed=path[:-1])


def rename_key(obj: K8sObject, path: FieldPath, new_key: str, applicability: Applicability,
               description: str) -> Fix | None:
    """Rename the mapping key at `path` to `new_key` (a plain identifier), keeping its quoting."""
    entry = obj.document.entries.get((*obj.root, *path))
    if entry is None or entry.key is None or not isinstance(entry.key, ScalarNode):
        return None
    key = entry.key
    if key.anchor is not None or key.style not in (None, "", '"', "'"):
        return _refused(description, "the key is anchored or not a simple scalar")
    quote = key.style or ""
    edit = Edit(key.start_mark.index, key.end_mark.index, f"{quote}{new_key}{quote}")
    return Fix(description, (edit,), applicability, (path, (*path[:-1], new_key)))


def combine(description: str, applicability: Applicability, *fixes: Fix | None) -> Fix | None:
    """One fix made of several builders' fixes (say, two fields of one container). The parts must
    edit disjoint text; when any part was refused, so is the whole, for the same reason."""
    parts = [fix for fix in fixes if fix is not None]
    if not parts:
        return None
    for fix in parts:
        if not fix.edits:
            return _refused(description, fix.refusal or "a part has nothing to apply")
    edits = _merge_deletions(sorted((e for fix in parts for e in fix.edits), key=lambda e: (e.start, e.end)))
    if any(b.start < a.end or a.start == b.start for a, b in pairwise(edits)):
        return _refused(description, "its parts edit the same text")
    return Fix(description, tuple(edits), applicability, tuple(p for fix in parts for p in fix.paths))


def _merge_deletions(edits: list[Edit]) -> list[Edit]:
    """Deletions that overlap, as one: removing two blocks that share a line break (the last block of
    a file without a final one takes the break before it) deletes their union."""
    merged: list[Edit] = []
    for edit in edits:
        last = merged[-1] if merged else None
        if last is not None and not last.text and not edit.text and edit.start < last.end:
            merged[-1] = Edit(last.start, max(last.end, edit.end), "")
        else:
            merged.append(edit)
    return merged


def _refused(description: str, reason: str) -> Fix:
    return Fix(f"{description} (not applied: {reason})", (), Applicability.DISPLAY, refusal=reason)


def _build(obj: K8sObject, path: FieldPath, applicability: Applicability, description: str,
           action: Any, changed: FieldPath | None = None) -> Fix | None:
    editor = Editor(obj.document, len(obj.root) + 1)
    try:
        action(editor, (*obj.root, *path))
    except Refused as err:
        return _refused(description, str(err))
    if not editor.edits:
        return None
    edits = tuple(sorted(editor.edits, key=lambda e: (e.start, e.end)))
    return Fix(description, edits, applicability, (path if changed is None else changed,))
