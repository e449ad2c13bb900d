"""How many charts and kustomizations under the given directories render, and how much of each
render maps to template lines.

    .venv/bin/python bench/render_corpus.py ../shared/corpus/real ../shared/corpus/kube-linter

For each directory holding Chart.yaml or kustomization.yaml (as `klint DIR` finds them): whether it
renders (or the first problem), then for charts the templates whose marked render lines up with the
plain one, and the rendered lines (blank ones left out) whose template line is exact, only a range
(said so in findings) or unknown. Also the time the render and mapping took.
"""

from __future__ import annotations

import sys
import time

from klint.discover import discover
from klint.render import RenderOptions, kind_of, render


def main(roots: list[str]) -> None:
    totals = {"inputs": 0, "rendered": 0, "templates": 0, "mapped": 0, "exact": 0, "range": 0, "unknown": 0}
    for path in discover(roots):
        kind = kind_of(path)
        if kind is None:
            continue
        totals["inputs"] += 1
        start = time.perf_counter()
        rendered = render(path, RenderOptions())
        elapsed = time.perf_counter() - start
        if isinstance(rendered, list):
            print(f"{path}: {kind}: not rendered: {rendered[0].message[:160]}")
            continue
        totals["rendered"] += 1
        if kind != "helm":
            print(f"{path}: {kind}: rendered, {rendered.source.text.count(chr(10))} lines, {elapsed:.2f}s")
            continue
        counts = {"exact": 0, "range": 0, "unknown": 0}
        files = rendered.origin.files
        mapped = sum(1 for file in files if file.why_unmapped is None)
        for number, line in enumerate(rendered.source.text.split("\n"), start=1):
            found = rendered.origin.origin(number)
            if found is None or not line.strip():
                continue
            file, output_line = found
            if file.why_unmapped is not None:
                counts["unknown"] += 1
                continue
            column = len(line) - len(line.lstrip()) + 1
            counts["exact" if file.attribute(output_line, column).exact else "range"] += 1
        totals["templates"] += len(files)
        totals["mapped"] += mapped
        for key, value in counts.items():
            totals[key] += value
        print(f"{path}: helm: {mapped} of {len(files)} templates mapped; lines: {counts['exact']} exact, "
              f"{counts['range']} as a range, {counts['unknown']} unknown; {elapsed:.2f}s")
    print("total:", ", ".join(f"{key} {value}" for key, value in totals.items()))


if __name__ == "__main__":
    main(sys.argv[1:] or ["."])
