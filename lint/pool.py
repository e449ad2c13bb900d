"""The runner's worker processes: items worked on by forked workers, the results in item order.

Workers are forked, so they inherit the run as the parent set it up (rules, settings, plugins, policy
engines) and nothing of it is pickled. Only results travel, pickled, and the objects the parent
shares with the workers (the rules) travel as their position in a table that both sides hold, so
that a result refers to the parent's own objects (and a rule class made at run time, a policy's,
needs no pickling)."""

from __future__ import annotations

import functools
import io
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

Result = TypeVar("Result")

# The run's work and shared objects, set before the workers fork (they inherit them).
_work: Callable[[Any], Any] | None = None
_shared: Sequence[object] = []
_positions: dict[int, int] = {}


def available() -> bool:
    """Whether workers can be forked (not on Windows; macOS can)."""
    return hasattr(os, "fork")


def ordered_map(work: Callable[[Any], Result], items: Sequence[Any], workers: int, shared: Sequence[object],
                lost: Callable[[Any, str], Result]) -> Iterator[Result]:
    """`work(item)` for each item, in `workers` processes, yielded in item order. The items are sent
    to the workers (pickled): make them small, positions in what the workers inherit. `lost(item,
    why)` stands for the result of an item that has none: its worker died (killed, out of memory), or
    its result could not be sent back.

    The workers fork now, before the caller does anything else: what it does next in this process
    (say, a chart rendered by Helm's Go library, whose runtime does not survive a fork) is never in
    them."""
    # imported here: a run of one process (most pre-commit runs) never needs them
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    global _work, _shared, _positions
    _work, _shared, _positions = work, shared, {id(obj): position for position, obj in enumerate(shared)}
    # Chunks amortise the round trips; small enough that both workers stay busy to the end.
    chunk = max(1, min(16, len(items) // (workers * 16)))
    executor = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                   initializer=signal.signal, initargs=(signal.SIGINT, signal.SIG_IGN))
    answers = executor.map(_work_on, items, chunksize=chunk)  # submits every item: the workers start
    return _results(executor, answers, items, lost, BrokenProcessPool)


def _results(executor: Any, answers: Iterator[bytes | str], items: Sequence[Any],
             lost: Callable[[Any, str], Result], broken: type[Exception]) -> Iterator[Result]:
    global _work, _shared, _positions
    done = 0
    try:
        for data in answers:
            yield lost(items[done], data) if isinstance(data, str) else _loads(data)
            done += 1
    except broken:
        for item in items[done:]:
            yield lost(item, "the worker process linting it died")
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        _work, _shared, _positions = None, [], {}


def _work_on(item: Any) -> bytes | str:
    """In a worker: the item's result, pickled with the shared objects named by position; or why
    there is none (`work` is expected to catch its own errors: this is the last resort)."""
    assert _work is not None
    buffer = io.BytesIO()
    try:
        _pickler()(buffer).dump(_work(item))
    except Exception as err:  # e.g. a result that cannot be pickled: the other items' results stand
        return f"{type(err).__name__}: {err}"
    return buffer.getvalue()


def _shared_object(position: int) -> object:
    """In the parent, unpickling: the shared object a worker named by its position."""
    return _shared[position]


@functools.cache
def _pickler() -> Callable[[io.BytesIO], Any]:
    import pickle

    class SharedNaming(pickle.Pickler):
        # Called for objects of non-builtin types only (not for each string and number, as
        # persistent_id would be): a third of the cost of pickling a result.
        def reducer_override(self, obj: Any) -> Any:
            position = _positions.get(id(obj))
            return NotImplemented if position is None else (_shared_object, (position,))

    return lambda buffer: SharedNaming(buffer, pickle.HIGHEST_PROTOCOL)


def _loads(data: bytes) -> Any:
    import pickle

    return pickle.loads(data)
