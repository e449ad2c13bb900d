"""Renders: a Helm chart or a kustomization turned into one YAML stream, with an origin map back to
the files (template lines) that wrote each line. The engine sees only a source and its origin map.

- `helm.py`: charts on disk (and `--chart-dir` for piped `helm template` output);
- `kustomize.py`: kustomizations;
- `markers.py`: which template line wrote each rendered line;
- `origin.py`: the origin map, and findings moved to the files it names.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a plain lint asks only whether a path is a chart's: none of the rendering
    from klint.engine import Problem
    from klint.render.origin import OriginMap
    from klint.source import Source

CHART_FILE = "Chart.yaml"
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


@dataclass(frozen=True)
class RenderOptions:
    """How charts are rendered (`helm template`'s options) and where piped output's templates live."""

    values: tuple[str, ...] = ()  # values files, in order (later ones win)
    set: tuple[str, ...] = ()
    set_string: tuple[str, ...] = ()
    release_name: str = "release-name"  # `helm template`'s default
    namespace: str = "default"
    kube_version: str | None = None
    helm: str | None = None  # a helm binary to use (else one on PATH, else the helm extra)
    chart_dir: str | None = None  # the chart that piped `helm template` output came from


@dataclass
class Render:
    source: Source
    origin: OriginMap
    problems: list[Problem] = field(default_factory=list)


def kind_of(directory: str) -> str | None:
    """"helm" for a chart's directory, "kustomize" for a kustomization's, else None."""
    if os.path.isfile(os.path.join(directory, CHART_FILE)):
        return "helm"
    if any(os.path.isfile(os.path.join(directory, name)) for name in KUSTOMIZATION_FILES):
        return "kustomize"
    return None


def render(directory: str, options: RenderOptions) -> Render | list[Problem]:
    """The directory's render, or the problems that stopped it."""
    if kind_of(directory) == "helm":
        from klint.render import helm

        return helm.render_chart(directory, options)
    from klint.render import kustomize

    return kustomize.build(directory)


def fork_safe(directory: str, options: RenderOptions) -> bool:
    """Whether a forked worker may render the directory: kustomize, kubectl and a helm binary run as
    child processes, but Helm's Go library (the helm extra) runs in the process, and its runtime does
    not survive a fork (the workers fork before anything renders, so the parent renders those)."""
    if kind_of(directory) != "helm":
        return True
    from klint.render import helm

    return helm.renders_in_subprocess(options)


def chart_of(path: str, known: dict[str, str | None] | None = None) -> str | None:
    """The chart a file belongs to: its Chart.yaml, a values file beside it, or a file under its
    templates/ (or crds/) folder. Its render is what to lint (as pre-commit names changed files).
    `known` remembers the answer for each directory: a run asks for every file it lints."""
    directory = os.path.dirname(path) or "."
    name = os.path.basename(path)
    if name == CHART_FILE or (name.startswith("values") and name.endswith((".yaml", ".yml"))):
        return directory if _holds_chart(directory) else None
    if known is None:
        return _chart_holding(directory)
    if directory not in known:
        known[directory] = _chart_holding(directory)
    return known[directory]


def _chart_holding(directory: str) -> str | None:
    """The chart whose templates/ (or crds/) folder holds `directory`, at any depth."""
    current = directory
    while True:
        parent = os.path.dirname(current) if os.path.basename(current) else ""
        if not parent or parent == current:
            return _chart_above(os.path.abspath(directory))
        if os.path.basename(current) in ("templates", "crds") and _holds_chart(parent):
            return parent
        current = parent


def _chart_above(directory: str) -> str | None:
    """The same walk on an absolute path, for paths given relative to a directory inside the chart."""
    current = directory
    while os.path.dirname(current) != current:
        parent = os.path.dirname(current)
        if os.path.basename(current) in ("templates", "crds") and _holds_chart(parent):
            return os.path.relpath(parent)
        current = parent
    return None


@functools.lru_cache(maxsize=4096)
def _holds_chart(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, CHART_FILE))
