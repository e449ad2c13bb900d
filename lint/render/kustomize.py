"""Kustomizations built with `kustomize build` or `kubectl kustomize` (whichever is on PATH)."""

from __future__ import annotations

import os

from klint.engine import Problem
from klint.render import KUSTOMIZATION_FILES, Render

INSTALL_HINT = "building a kustomization needs kustomize or kubectl on PATH"


def build(directory: str) -> Render | list[Problem]:
    names = [name for name in KUSTOMIZATION_FILES if os.path.isfile(os.path.join(directory, name))]
    return [Problem(os.path.join(directory, names[0] if names else KUSTOMIZATION_FILES[0]), 1, 1,
                    "kustomizations are not rendered yet")]
