"""Which files to lint: the given files, and manifests found under the given directories."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Iterator

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


def is_excluded(path: str, patterns: Iterable[str]) -> bool:
    """A pattern with a `/` matches the whole path; one without matches any single component
    (as in .gitignore). `*` may cross `/` in whole-path patterns."""
    normalized = path.replace(os.sep, "/").removeprefix("./")
    parts = normalized.split("/")
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if "/" in pattern:
            if fnmatch.fnmatchcase(normalized, pattern.removeprefix("./")):
                return True
        elif any(fnmatch.fnmatchcase(part, pattern) for part in parts):
            return True
    return False


def discover(paths: Iterable[str], exclude: Iterable[str] = ()) -> Iterator[str]:
    """Files to lint, in a stable order. A file named explicitly is always linted (unless excluded);
    directories are walked for manifests, skipping hidden directories and never following a
    symbolic link out of the directory given."""
    exclude = tuple(exclude)
    seen: set[str] = set()
    for given in paths:
        if not os.path.isdir(given):
            if not is_excluded(given, exclude) and given not in seen:
                seen.add(given)
                yield given
            continue
        root_real = os.path.realpath(given)
        found = []
        for directory, dirnames, filenames in os.walk(given):
            dirnames[:] = sorted(
                name for name in dirnames
                if not name.startswith(".") and not os.path.islink(os.path.join(directory, name))
                and not is_excluded(os.path.join(directory, name), exclude))
            for name in filenames:
                if not name.endswith(MANIFEST_SUFFIXES) or name.startswith("."):
                    continue
                path = os.path.join(directory, name)
                if os.path.islink(path) and not _inside(os.path.realpath(path), root_real):
                    continue
                if not is_excluded(path, exclude):
                    found.append(path)
        for path in sorted(found):
            if path not in seen:
                seen.add(path)
                yield path


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)
