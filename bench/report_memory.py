"""Peak memory of a whole `klint` run by report format, as the number of files grows: the reports
written as the results arrive (text, full, github, --statistics, json) should stay flat.

    .venv/bin/python bench/report_memory.py [--files 1000 10000] [--real ../shared/corpus/real]
                                            [--other ../base/.venv/bin/klint] [--repeats 3]
                                            [--formats text json] [--jobs 1]

Each figure is the best of `--repeats` runs of the peak resident memory of the largest process
(klint --jobs 1 by default, its output to /dev/null). With `--other`, that klint (another checkout's) runs
interleaved with this one, and the ratio this/other is printed: a paired comparison on a noisy machine.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from scale import ENV, add_corpus_arguments, corpora  # the corpora and environment of scale.py

REPORTS = {"text": [], "full": ["--format", "full"], "github": ["--format", "github"],
           "statistics": ["--statistics"], "json": ["--format", "json"]}


def peak_mib(command: list[str]) -> float:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    _, _, usage = os.wait4(process.pid, 0)
    return usage.ru_maxrss / 1024


def measure(label: str, directory: Path, klints: list[str], args: argparse.Namespace) -> None:
    print(f"{label}:", flush=True)
    for name in args.formats:
        best = {klint: float("inf") for klint in klints}
        for _ in range(args.repeats):  # interleaved
            for klint in klints:
                command = [klint, "--jobs", args.jobs, *REPORTS[name], str(directory)]
                best[klint] = min(best[klint], peak_mib(command))
        figures = "  ".join(f"{best[klint]:6.1f} MiB" for klint in klints)
        ratio = f"  ratio {best[klints[0]] / best[klints[1]]:.2f}" if len(klints) > 1 else ""
        print(f"  {name:<12} {figures}{ratio}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_corpus_arguments(parser)
    parser.add_argument("--other", help="another klint executable to compare with, run interleaved")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each command (3)")
    parser.add_argument("--formats", nargs="*", choices=list(REPORTS), default=list(REPORTS),
                        help="the reports to measure (all)")
    parser.add_argument("--jobs", default="1", help="klint's --jobs (1)")
    args = parser.parse_args()
    klints = [str(Path(sys.executable).parent / "klint"), *([args.other] if args.other else [])]
    print("columns: " + "  ".join(klints), flush=True)
    for label, directory in corpora(args):
        measure(label, directory, klints, args)


if __name__ == "__main__":
    main()
