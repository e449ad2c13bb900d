"""A whole run: the inputs found from the paths given, each linted (or fixed in memory), in input order."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

from klint.config import ConfigError, Configurations, Settings
from klint.discover import discover
from klint.engine import FileResult, Problem, lint_file
from klint.rule import Rule

if TYPE_CHECKING:
    from klint.fixer import FixOutcome


@dataclass
class Outcome:
    """One input's result; when fixing, also the fixer's outcome for `fixer.deliver` (which updates
    `result` should the fixed file not be written)."""

    result: FileResult
    fix: FixOutcome | None = None
    stdin: bool = False  # the input was standard input


def run(paths: Sequence[str], settings: Settings, rules: list[Rule], *, fix: bool = False,
        unsafe: bool = False, stdin: BinaryIO | None = None, stdin_filename: str = "-",
        configs: Configurations | None = None) -> Iterator[Outcome]:
    """Lint each input found from `paths` (the current directory when none), or with `fix` compute its
    safe (with `unsafe`, also unsafe) fixes; nothing is written. `-` reads `stdin` (by default the
    process's), reported as `stdin_filename`. Each file is linted with `settings` and `rules`, or with
    what `configs` gives for it (its nearest configuration, its per-file ignores).

    Outcomes come in input order, one input at a time: a process pool over the inputs would go here,
    keeping that order."""
    if fix:
        from klint import fixer  # only fixing needs it: start-up time
    for path in _inputs(paths or (".",), settings.exclude):
        if isinstance(path, FileResult):
            yield Outcome(path)
            continue
        data = (stdin or sys.stdin.buffer).read() if path == "-" else None
        name = stdin_filename if path == "-" else path
        file_settings, file_rules = settings, rules
        if configs is not None:
            try:
                file_settings, file_rules = configs.for_path(path)
            except ConfigError as err:
                yield Outcome(FileResult(name, problems=[Problem(name, 1, 1, f"configuration error: {err}")]))
                continue
        if fix:
            outcome = fixer.fix_file(name, file_rules, file_settings, unsafe, data)
            yield Outcome(outcome.result, outcome, path == "-")
        else:
            yield Outcome(lint_file(name, file_rules, file_settings, data), stdin=path == "-")


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
