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
    patterns = tuple(patterns)
    if not patterns:
        return False
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
        found, errors = _walk(given, exclude)
        found += [(str(error.filename), "", error) for error in errors]
        for path, real, error in sorted(found, key=lambda item: item[0]):
            if error is not None:
                on_error(error)
                continue
            spelled = os.path.abspath(path)
            if spelled not in seen and real not in seen_real:
                seen.add(spelled)
                seen_real.add(real)
                yield path


# a path found by a walk, its real path, and the error met listing it (if it is a directory)
_Found = tuple[str, str, OSError | None]


def _walk(given: str, exclude: tuple[str, ...]) -> tuple[list[_Found], list[OSError]]:
    """The manifests under the directory `given`, each with its real path, and the renders met (not
    walked); and the directories that could not be listed. The directory entries say what is a link
    or a file, so a plain file costs no system call: its real path is its directory's, which is known
    as no link to a directory is followed."""
    found: list[_Found] = []
    errors: list[OSError] = []
    root_real = os.path.realpath(given)
    pending = [(given, root_real)]
    while pending:
        directory, real_directory = pending.pop()
        if directory != given and renders(directory):
            found.append((directory, real_directory, None))  # linted as its render, never file by file
            continue
        try:
            with os.scandir(directory) as listing:
                entries = list(listing)
        except OSError as err:
            errors.append(err)
            continue
        for entry in entries:
            name, path = entry.name, os.path.join(directory, entry.name)
            if name.startswith("."):
                continue
            try:
                is_link = entry.is_symlink()
                if entry.is_dir(follow_symlinks=False):
                    if not is_link and not is_excluded(path, exclude, given):
                        pending.append((path, os.path.join(real_directory, name)))
                    continue
                if not name.lower().endswith(MANIFEST_SUFFIXES + PROFILE_SUFFIXES):
                    continue
                real = os.path.realpath(path) if is_link else os.path.join(real_directory, name)
                if is_link and not _inside(real, root_real):
                    continue
                if not entry.is_file():  # a pipe or device met on the way would block the run
                    continue
            except OSError:  # gone since it was listed
                continue
            if not is_excluded(path, exclude, given):
                found.append((path, real, None))
    return found, errors


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)
