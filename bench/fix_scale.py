"""`--fix --unsafe-fixes` against plain linting on one file of many pods (the fixer must stay near-linear).

    .venv/bin/python bench/fix_scale.py [--pods 500 1000 2000 10000] [--files FILE ...]

For each size, writes one stream of N synthetic Pods (every container with fixable findings; a third
with a `securityContext:` whose only key is `runAsUser: 0`, which a fix removes while others insert keys
under it), then times, in this process, linting it (every rule) and fixing it in memory with unsafe
fixes (each the best of a few runs, taken in turns), and prints both, their ratio, the fixer's passes and the
findings fixed. Timings vary with the machine's load: compare the ratios of one run. `--files`
measures given files the same way instead (say, every file of ../shared/corpus/real), and
`--slowest N` prints only the N with the highest ratio.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from typing import TypeVar

from klint.config import Settings
from klint.engine import lint_source
from klint.fixer import fix_source
from klint.source import Source

T = TypeVar("T")
U = TypeVar("U")


def pods(count: int) -> str:
    documents = []
    for i in range(count):
        if i % 3 == 0:
            context = "    securityContext:\n      runAsUser: 0\n"
        elif i % 3 == 1:
            context = ("    securityContext:\n      privileged: true\n"
                       "      capabilities:\n        add: [NET_ADMIN]\n")
        else:
            context = ""
        documents.append(
            f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: pod-{i}\n  labels:\n    app: web-{i % 7}\n"
            f"spec:\n  hostNetwork: {'true' if i % 5 == 0 else 'false'}\n  containers:\n"
            f"  - name: app\n    image: nginx:1.27\n{context}"
            f"  - name: sidecar\n    image: busybox:1.36\n    args: [sleep, infinity]\n")
    return "---\n".join(documents)


def best_of(lint: Callable[[], T], fix: Callable[[], U]) -> tuple[float, T, float, U]:
    """The shortest of several runs of each, taken in turns so that both meet the same load (at
    least 3 rounds, and 0.3 s in all: a file linted in a millisecond is timed over many), with the
    results."""
    best_lint = best_fix = math.inf
    total, rounds = 0.0, 0
    while rounds < 3 or (total < 0.3 and rounds < 200):
        started = time.perf_counter()
        linted = lint()
        middle = time.perf_counter()
        fixed = fix()
        ended = time.perf_counter()
        best_lint, best_fix = min(best_lint, middle - started), min(best_fix, ended - middle)
        total, rounds = total + ended - started, rounds + 1
    return best_lint, linted, best_fix, fixed


def measure(name: str, text: str) -> tuple[float, str]:
    """The fix/lint ratio of one text, and a line saying what was measured."""
    settings = Settings()
    rules = settings.enabled_rules()
    source = Source.from_text(name, text)
    lint_time, linted, fix_time, outcome = best_of(lambda: lint_source(source, rules, settings),
                                                   lambda: fix_source(source, rules, settings, unsafe=True))
    size = len(source.text) / 1e6
    ratio = fix_time / lint_time
    return ratio, (f"{name} ({size:.2f} MB): lint {lint_time:7.3f} s ({len(linted.findings)} findings), "
                   f"fix {fix_time:7.3f} s ({ratio:4.1f}x lint), {outcome.passes} passes, "
                   f"{len(outcome.fixed)} fixed, {len(outcome.result.findings)} left"
                   + (f", failed: {outcome.error}" if outcome.error else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, nargs="+", default=[500, 1000, 2000, 10000])
    parser.add_argument("--files", nargs="+", default=[])
    parser.add_argument("--slowest", type=int, default=0)
    args = parser.parse_args()
    if not args.files:
        for count in args.pods:
            print(measure(f"{count:>6} pods", pods(count))[1], flush=True)
        return
    results = []
    for path in args.files:
        with open(path, encoding="utf-8", errors="replace") as stream:
            results.append(measure(path, stream.read()))
    results.sort(reverse=True)
    for _, line in results[:args.slowest or len(results)]:
        print(line)
    ratios = [ratio for ratio, _ in results]
    median = sorted(ratios)[len(ratios) // 2]
    print(f"{len(ratios)} files: fix/lint ratio max {max(ratios):.1f}x, median {median:.1f}x")


if __name__ == "__main__":
    main()
