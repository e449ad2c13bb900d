"""Fix builders for rules: YAML-aware text edits that follow the file's own style.

Rules call these to attach a Fix to a Violation. Paths are relative to the object (as in
Violation.path). Each returns None when the change cannot be made safely as a text edit
(for example when it would edit an anchored or aliased node).
"""

from __future__ import annotations

from typing import Any

from klint.document import Path
from klint.fix import Applicability, Fix
from klint.k8s import K8sObject


def set_field(obj: K8sObject, path: Path, value: Any, applicability: Applicability,
              description: str) -> Fix | None:
    """Set the value at `path` (a scalar, or a small mapping/list), creating missing parent mappings."""
    return None


def remove_field(obj: K8sObject, path: Path, applicability: Applicability, description: str) -> Fix | None:
    """Delete the mapping entry at `path` (key and value, with its line when it has one of its own)."""
    return None


def add_list_item(obj: K8sObject, path: Path, item: Any, applicability: Applicability,
                  description: str) -> Fix | None:
    """Append `item` to the list at `path`, creating the list (and its parents) when absent."""
    return None


def remove_list_item(obj: K8sObject, path: Path, applicability: Applicability,
                     description: str) -> Fix | None:
    """Delete the list item at `path` (whose last step is its index)."""
    return None
