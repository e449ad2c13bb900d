"""Which files to lint: the given files, and manifests found under the given directories."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Callable, Iterable, Iterator

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")  # matched case-insensitively (POD.YAML too)
PROFILE_SUFFIXES = (".apparmor",)  # AppArmor profiles (seccomp profiles are .json)
RENDERED_BY = ("Chart.yaml", "kustomization.yaml", "kustomization.yml", "Kustomization")


def renders(directory: str) -> bool:
    """Whether the directory is a Helm chart or a kustomization: its render is the input."""
    return any(os.path.isfile(os.path.join(directory, name)) for name in RENDERED_BY)


def _normalize(path: str) -> str:
    return os.path.normpath(path).replace(os.sep, "/")


def is_excluded(path: str, patterns: Iterable[str], root: str | None = None) -> bool:
    """Whether `path` (found under the directory `root`, or named on the command line) is excluded.
    A pattern without `/` matches any single component of the path below `root` (as in .gitignore:
    where the checkout happens to live does not matter), or of the path as given when it was named;
    one with `/` matches the path relative to `root`, or the path as given, or a directory above it
    in either. `*` may cross `/` in patterns with `/`."""
    candidates = [_normalize(path)]
    if root is not None:
        candidates.append(_normalize(os.path.relpath(path, root)))
    # the path and the directories above it, so that a pattern naming a directory excludes its files
    prefixes = {"/".join(parts[:end]) for parts in (c.split("/") for c in candidates)
                for end in range(1, len(parts) + 1)}
    components = candidates[-1].split("/")
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if "/" in pattern:
            pattern = _normalize(pattern)
            if any(fnmatch.fnmatchcase(prefix, pattern) for prefix in prefixes):
                return True
        elif any(fnmatch.fnmatchcase(part, pattern) for part in components):
            return True
    return False


def _raise(error: OSError) -> None:
    raise error


def discover(paths: Iterable[str], exclude: Iterable[str] = (),
             on_error: Callable[[OSError], None] = _raise) -> Iterator[str]:
    """Files to lint, in a stable order, and the directories of Helm charts and kustomizations (given
    or met while walking: `renders`), whose files are not walked. A file named explicitly is always
    linted (unless excluded); directories are walked for manifests, skipping hidden directories and
    never following a symbolic link out of the directory given. Each real file is linted once, under
    the first name found (a symbolic link and its target inside the directory are the same file). A directory
    that cannot be listed is passed to `on_error`, in its place in the order, so that a run never
    comes back clean without having looked at it."""
    exclude = tuple(exclude)
    seen: set[str] = set()  # names yielded, as absolute paths
    seen_real: set[str] = set()  # the files they resolve to
    for given in paths:
        if not os.path.isdir(given):
            spelled = os.path.abspath(given) if given != "-" else given  # `pod.yaml` is `./pod.yaml`
            if not is_excluded(given, exclude) and spelled not in seen:
                seen.add(spelled)
                if given != "-":
                    seen_real.add(os.path.realpath(given))
                yield given
            continue
        if renders(given):
            spelled, real = os.path.abspath(given), os.path.realpath(given)
            if not is_excluded(given, exclude) and spelled not in seen and real not in seen_real:
                seen.add(spelled)
                seen_real.add(real)
                yield given
            continue
        root_real = os.path.realpath(given)
        found: list[tuple[str, OSError | None]] = []
        errors: list[OSError] = []
        for directory, dirnames, filenames in os.walk(given, onerror=errors.append):
            if directory != given and renders(directory):
                found.append((directory, None))  # linted as its render, never file by file
                dirnames[:] = []
                continue
            dirnames[:] = sorted(
                name for name in dirnames
                if not name.startswith(".") and not os.path.islink(os.path.join(directory, name))
                and not is_excluded(os.path.join(directory, name), exclude, given))
            for name in filenames:
                if not name.lower().endswith(MANIFEST_SUFFIXES + PROFILE_SUFFIXES) or name.startswith("."):
                    continue
                path = os.path.join(directory, name)
                if os.path.islink(path) and not _inside(os.path.realpath(path), root_real):
                    continue
                if not os.path.isfile(path):  # a pipe or device met on the way would block the run
                    continue
                if not is_excluded(path, exclude, given):
                    found.append((path, None))
        found += [(str(error.filename), error) for error in errors]
        for path, error in sorted(found, key=lambda item: item[0]):
            if error is not None:
                on_error(error)
                continue
            spelled, real = os.path.abspath(path), os.path.realpath(path)
            if spelled not in seen and real not in seen_real:
                seen.add(spelled)
                seen_real.add(real)
                yield path


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)
