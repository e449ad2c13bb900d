"""A whole run: the inputs found from the paths given, each linted (or fixed in memory), in input order."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

from klint import pool, shares
from klint.config import ConfigError, Configurations, Settings
from klint.discover import discover
from klint.engine import FileResult, Problem, lint_file, lint_read, lint_source, read_source
from klint.fix import Applicability
from klint.rule import Level, Rule, Severity

if TYPE_CHECKING:
    from klint.fixer import FixOutcome
    from klint.render import RenderOptions


@dataclass
class Outcome:
    """One input's result; when fixing, also the fixer's outcome for `fixer.deliver` (which updates
    `result` should the fixed file not be written)."""

    result: FileResult
    fix: FixOutcome | None = None
    stdin: bool = False  # the input was standard input


@dataclass
class _Task:
    """One input to lint (or fix, or render), with the settings and rules it is linted with."""

    path: str
    settings: Settings
    rules: list[Rule]
    chart: str | None = None  # a chart's or kustomization's directory: its render is linted

    @property
    def stdin(self) -> bool:
        return self.path == "-"


@dataclass
class _Run:
    """What every task of a run shares (a forked worker inherits it)."""

    fix: bool
    unsafe: bool
    stdin: BinaryIO | None
    stdin_filename: str
    render: RenderOptions | None
    keep_sources: bool


# Fewer inputs than this are linted in-process: starting workers would cost more than they save.
POOL_THRESHOLD = 16


def default_jobs() -> int:
    """The CPUs this process may run on (a container's or taskset's limit, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run(paths: Sequence[str], settings: Settings, rules: list[Rule], *, fix: bool = False,
        unsafe: bool = False, stdin: BinaryIO | None = None, stdin_filename: str = "-",
        render: RenderOptions | None = None, configs: Configurations | None = None, jobs: int = 1,
        keep_sources: bool = True, progress: Callable[[int, int], None] | None = None) -> Iterator[Outcome]:
    """Lint each input found from `paths` (the current directory when none), or with `fix` compute its
    safe (with `unsafe`, also unsafe) fixes; nothing is written. `-` reads `stdin` (by default the
    process's), reported as `stdin_filename`. Each file is linted with `settings` and `rules`, or with
    what `configs` gives for it (its nearest configuration, its per-file ignores). A chart or
    kustomization directory is rendered (with `render`'s options) and its render linted, never fixed:
    its findings point at the templates. A chart's file (a template, values.yaml) stands for its chart.

    Outcomes come in input order. With `jobs` above 1, the inputs are linted (or fixed) by that many
    worker processes, their outcomes the same as in-process; standard input, and runs of few inputs,
    stay in-process. Without `keep_sources`, results keep no source text (only the reports that quote
    the text need it). `progress(done, total)` is called after each input."""
    shared = _Run(fix, unsafe, stdin, stdin_filename, render, keep_sources)
    tasks = _tasks(paths, settings, rules, configs)
    # Standard input is read here, and charts rendered by Helm's Go library (the helm extra), which
    # does not survive a fork: the workers lint files and make the other renders.
    pooled = {index: task for index, task in enumerate(tasks)
              if isinstance(task, _Task) and not task.stdin
              and (task.chart is None or _fork_safe(task.chart, render))}
    workers = min(jobs, len(pooled))
    parallel: Iterator[Outcome] = iter(())
    if workers > 1 and len(pooled) >= POOL_THRESHOLD and pool.available():
        in_pool = list(pooled.values())  # the workers inherit them: only their positions are sent
        parallel = pool.ordered_map(lambda position: _perform(in_pool[position], shared),
                                    range(len(in_pool)), workers, _named(in_pool),
                                    lambda position, why: _lost(in_pool[position], why))
    else:
        pooled = {}
    # without a pool over the inputs, workers may share a long stream's documents
    sharing = jobs if jobs > 1 and not pooled and not fix and pool.available() else 1
    for index, task in enumerate(tasks):
        if index in pooled:
            yield next(parallel)
        else:
            yield task if isinstance(task, Outcome) else _perform(task, shared, sharing)
        if progress is not None:
            progress(index + 1, len(tasks))


def _tasks(paths: Sequence[str], settings: Settings, rules: list[Rule],
           configs: Configurations | None) -> list[Outcome | _Task]:
    """Each input in order: what to do with it, or its outcome when known already (an input error)."""
    tasks: list[Outcome | _Task] = []
    rendered: set[str] = set()  # charts and kustomizations linted, by real path
    charts: dict[str, str | None] = {}  # the chart holding each directory, if any
    for path in _inputs(paths or (".",), settings.exclude):
        if isinstance(path, FileResult):
            tasks.append(Outcome(path))
            continue
        file_settings, file_rules = settings, rules
        if configs is not None:
            try:
                file_settings, file_rules = configs.for_path(path)
            except ConfigError as err:
                tasks.append(Outcome(FileResult(path, problems=[
                    Problem(path, 1, 1, f"configuration error: {err}")])))
                continue
        directory = path if path != "-" and os.path.isdir(path) else _chart_of(path, charts)
        if directory is not None:  # a chart file named alone lints its chart, once
            if os.path.realpath(directory) not in rendered:
                rendered.add(os.path.realpath(directory))
                tasks.append(_Task(path, file_settings, file_rules, directory))
            continue
        tasks.append(_Task(path, file_settings, file_rules))
    return tasks


def _named(tasks: list[_Task]) -> list[object]:
    """What workers name rather than copy in outcomes: the parent's rules, and the enums' members,
    which would each be unpickled by a call into enum's Python code."""
    rule_lists = {id(task.rules): task.rules for task in tasks}  # most tasks share one
    named: list[object] = list({id(rule): rule for rules in rule_lists.values() for rule in rules}.values())
    return [*named, *Severity, *Applicability, *Level]


def _perform(task: _Task, shared: _Run, workers: int = 1) -> Outcome:
    """One input's outcome, in this process (a long stream's shares by `workers` processes)."""
    outcome = _outcome(task, shared, workers)
    if not shared.keep_sources:
        outcome.result.source = None
    elif outcome.result.source is not None:
        outcome.result.source.forget_lines()  # the reports that quote the text rarely need them
    return outcome


def _lost(task: _Task, why: str) -> Outcome:
    """The outcome of an input without one: its worker died (killed, or out of memory), or its
    outcome could not be sent back."""
    return Outcome(FileResult(task.path, problems=[Problem(task.path, 1, 1,
                                                           f"internal error, please report it: {why}")]))


def _outcome(task: _Task, shared: _Run, workers: int) -> Outcome:
    if task.chart is not None:
        return Outcome(lint_render(task.chart, task.rules, task.settings, shared.render))
    path, rules, settings = task.path, task.rules, task.settings
    data = (shared.stdin or sys.stdin.buffer).read() if task.stdin else None
    name = shared.stdin_filename if task.stdin else path
    render = shared.render
    if task.stdin and render is not None and render.chart_dir is not None:
        return Outcome(lint_piped(name, data or b"", rules, settings, render), stdin=True)
    if shared.fix:
        from klint import fixer  # only fixing needs it: start-up time

        outcome = fixer.fix_file(name, rules, settings, shared.unsafe, data)
        outcome.result.data = None  # the fixer's, not the report's
        return Outcome(outcome.result, outcome, task.stdin)
    if workers > 1 and (len(data) if data is not None else _size(path)) >= shares.SHARE_MIN_CHARS:
        return Outcome(_lint_in_shares(task, name, data, workers), stdin=task.stdin)
    return Outcome(lint_file(name, rules, settings, data), stdin=task.stdin)


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0  # reading it reports why


def _lint_in_shares(task: _Task, name: str, data: bytes | None, workers: int) -> FileResult:
    """A long stream linted in shares by `workers` processes, or whole here when it cannot be cut
    exactly (see `klint.shares`) or a share must be linted whole."""
    source = read_source(name, data)
    if isinstance(source, Problem):
        return FileResult(name, problems=[source])
    rules, settings = task.rules, task.settings
    cut = shares.plan(source, settings, workers)
    if cut is not None:
        parts = list(pool.ordered_map(lambda index: shares.lint_share(source, cut, index, rules, settings),
                                      range(len(cut)), workers, _named([task]), lambda index, why: None))
        result = shares.merge(source, parts, settings)
        if result is not None:
            return result
    return lint_read(source, rules, settings)


def _fork_safe(directory: str, options: RenderOptions | None) -> bool:
    from klint.render import RenderOptions, fork_safe

    return fork_safe(directory, options or RenderOptions())


def _chart_of(path: str, known: dict[str, str | None]) -> str | None:
    if path == "-":
        return None
    from klint.render import chart_of

    return chart_of(path, known)


def lint_render(directory: str, rules: list[Rule], settings: Settings,
                options: RenderOptions | None = None) -> FileResult:
    """A chart's or kustomization's render, linted; its findings and problems at the files that wrote them."""
    from klint.render import RenderOptions, render

    options = _configured(directory, settings, options or RenderOptions())
    try:
        rendered = render(directory, options)
        if isinstance(rendered, list):
            return FileResult(directory, problems=rendered)
        result = lint_source(rendered.source, rules, settings, rendered.origin)
    except RecursionError:
        return FileResult(directory, problems=[Problem(directory, 1, 1, "input nests too deeply to lint")])
    except Exception as err:  # a bug in klint must not hide the other inputs' results
        return FileResult(directory, problems=[Problem(directory, 1, 1,
                                                       f"internal error, please report it: {err!r}")])
    result.problems[:0] = rendered.problems
    return result


def _configured(directory: str, settings: Settings, options: RenderOptions) -> RenderOptions:
    """The command line's render options over the configuration's for this chart (`charts:`): values
    files and assignments add to the configured ones, after them; names and versions replace them."""
    from dataclasses import replace

    from klint.render import RenderOptions

    configured = settings.charts.get(os.path.realpath(directory))
    if not configured:
        return options
    default = RenderOptions()
    return replace(
        options,
        values=configured.get("values", ()) + options.values,
        set=configured.get("set", ()) + options.set,
        set_string=configured.get("set-string", ()) + options.set_string,
        release_name=options.release_name if options.release_name != default.release_name
        else configured.get("release-name", default.release_name),
        namespace=options.namespace if options.namespace != default.namespace
        else configured.get("namespace", default.namespace),
        kube_version=options.kube_version or configured.get("kube-version"))


def lint_piped(name: str, data: bytes, rules: list[Rule], settings: Settings,
               options: RenderOptions) -> FileResult:
    """Piped `helm template` output, its `# Source:` templates found in `chart_dir` and lines mapped."""
    source = read_source(name, data)
    if isinstance(source, Problem):
        return FileResult(name, problems=[source])
    try:
        from klint.render.helm import map_piped

        chart_dir = options.chart_dir or "."
        mapped = map_piped(source, chart_dir, _configured(chart_dir, settings, options))
        if isinstance(mapped, list):
            return FileResult(name, source, problems=mapped)
        result = lint_source(mapped.source, rules, settings, mapped.origin)
        result.problems[:0] = mapped.problems
        return result
    except Exception as err:  # a bug in klint must not hide the other inputs' results
        return FileResult(name, problems=[Problem(name, 1, 1, f"internal error, please report it: {err!r}")])


def _inputs(paths: Iterable[str], exclude: Iterable[str]) -> list[str | FileResult]:
    """The files to lint, in order, with a result in the place of each directory that cannot be listed,
    so that a run never comes back clean without having looked at it."""
    inputs: list[str | FileResult] = []

    def unreadable(err: OSError) -> None:
        path = str(err.filename)
        inputs.append(FileResult(path, problems=[Problem(path, 1, 1, f"cannot read directory: "
                                                                    f"{err.strerror or err}")]))

    for path in discover(paths, exclude, unreadable):
        inputs.append(path)
    return inputs
