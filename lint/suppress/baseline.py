"""Baselines: `--write-baseline FILE` records the findings that count today; `--baseline FILE` then
suppresses those (kind "external"), so that only new findings count.

A finding is recorded by what it is about, never by where it sits (`Finding.identity`: rule, object
kind, namespace and name, field with list items named, container, and a policy's message) and its
file, with a count for identical ones: moved lines, reordered documents and a new sidecar do not
bring old findings back, and a second identical finding beyond the count is new. The file is sorted
JSON, one finding a line, and says which klint wrote it; paths are relative to the baseline's
directory."""

from __future__ import annotations

import dataclasses
import json
import os
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from klint.engine import Finding

SCHEMA = "klint/baseline/v1"
# "message" only for the rules identified by it (policies); written only when set
KEYS = ("path", "rule", "kind", "namespace", "name", "field", "container", "message")
Key = tuple[str | None, ...]


class BaselineError(Exception):
    pass


def _step(step: Any) -> str:
    """One step of a stable field path as text: a key, or a list item by what identifies it."""
    if isinstance(step, str):
        return "." + step
    if isinstance(step, int):
        return f"[{step}]"
    kind, *values = step  # ("name", name[, mountPath]) or ("value", value), see k8s.item_identity
    if kind == "name":
        return f"[name={values[0]}" + (f",mountPath={values[1]}]" if len(values) > 1 else "]")
    return f"[{kind}={values[0]}]"


def field_text(stable_path: tuple[Any, ...]) -> str:
    return "".join(_step(step) for step in stable_path).lstrip(".")


@dataclass(frozen=True)
class Baseline:
    path: str  # the baseline file
    counts: dict[str, Counter[Key]]  # file (relative to the baseline's directory) -> finding -> count

    @property
    def directory(self) -> str:
        return os.path.dirname(os.path.abspath(self.path))

    def relative(self, path: str) -> str:
        """A reported path as the baseline records it."""
        if path == "-":
            return path
        return os.path.relpath(os.path.abspath(path), self.directory).replace(os.sep, "/")

    def size(self) -> int:
        return sum(sum(counter.values()) for counter in self.counts.values())

    def apply(self, findings: list[Finding]) -> tuple[list[Finding], int]:
        """The findings (of one input, each at its own file: a render's are at their templates) with
        those in the baseline suppressed (each entry once per count), and how many entries matched.
        Pure: the baseline itself is not consumed."""
        from klint.engine import Suppression

        left: dict[str, Counter[Key]] = {}
        out, matched = [], 0
        suppression = Suppression(in_source=False, justification=f"in the baseline {self.path}",
                                  by="baseline")
        for finding in findings:
            if finding.suppressed is None:
                file = self.relative(finding.path)
                if file not in left:
                    left[file] = Counter(self.counts.get(file, Counter()))
                key = entry_key(finding)[1:]
                if left[file][key] > 0:
                    left[file][key] -= 1
                    matched += 1
                    finding = dataclasses.replace(finding, suppressed=suppression)
            out.append(finding)
        return out, matched


def entry_key(finding: Finding, relative: str | None = None) -> Key:
    code, (kind, namespace, name), stable_path, container, *message = finding.identity
    return (relative if relative is not None else finding.path, code, kind, namespace, name,
            field_text(stable_path), container, *(message or [None]))


def load(path: str) -> Baseline:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as err:
        raise BaselineError(f"{path}: cannot read the baseline: {err.strerror or err}") from None
    except (ValueError, UnicodeDecodeError) as err:
        raise BaselineError(f"{path}: not a klint baseline (invalid JSON: {err})") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA \
            or not isinstance(data.get("findings"), list):
        raise BaselineError(f"{path}: not a klint baseline (expected \"schema\": \"{SCHEMA}\")")
    counts: dict[str, Counter[Key]] = {}
    for number, entry in enumerate(data["findings"], 1):
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str) \
                or not isinstance(entry.get("rule"), str) or not isinstance(entry.get("count", 1), int):
            raise BaselineError(f"{path}: finding {number} of the baseline is malformed")
        key = tuple(entry.get(name) for name in KEYS[1:])
        counts.setdefault(entry["path"], Counter())[key] += entry.get("count", 1)
    return Baseline(path, counts)


def of(path: str, findings: list[Finding]) -> Baseline:
    """The baseline of `findings` (those that count), to be written at `path`."""
    counts: dict[str, Counter[Key]] = {}
    base = Baseline(path, counts)
    for finding in findings:
        file, *key = entry_key(finding, base.relative(finding.path))
        counts.setdefault(str(file), Counter())[tuple(key)] += 1
    return base


def render(baseline: Baseline, version: str) -> str:
    """The baseline file's text: sorted, one finding a line."""
    entries = [((file, *key), count) for file, counter in baseline.counts.items()
               for key, count in counter.items()]

    def order(entry: tuple[Key, int]) -> tuple[str, ...]:
        return tuple("" if part is None else part for part in entry[0])

    lines = []
    for key, count in sorted(entries, key=order):
        entry = {name: part for name, part in zip(KEYS, key, strict=True)
                 if name != "message" or part is not None} | {"count": count}
        lines.append("    " + json.dumps(entry, ensure_ascii=False))
    body = ",\n".join(lines)
    return (f'{{\n  "schema": "{SCHEMA}",\n  "klint": {json.dumps(version)},\n  "findings": ['
            + (f"\n{body}\n  " if lines else "") + "]\n}\n")
