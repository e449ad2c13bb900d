"""Bounded policy evaluation: the engines run in a worker process that the run can stop.

The engine offers no step or time limit and holds the interpreter while it evaluates, so a policy
that loops over `numbers.range(1, 1e9)` would hang klint. The worker compiles the engines once, then
answers one job (an engine and an input) per line; the parent waits for each answer at most
`time_limit` seconds, then kills the worker, names the policy that did not finish, and starts a new
worker for the other engines. The worker's address space is also capped (`MEMORY_LIMIT`), so that a
policy that explodes fails alone.

Protocol, one line each way: the setup (the engines) -> `ready`, then `ok` or `error<TAB>{error}` per
engine built and checked; then per job `index<TAB>input-json` -> `ok<TAB>[value-json, ...]<TAB>{position:
error}` (one value per rule of the engine, `null` when undefined or failed) or `error<TAB>{error}`, where
an error is `{"path", "line", "column", "message"}`.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import time
import weakref
from dataclasses import asdict, dataclass, field
from typing import IO, Any

from klint.policies.engine import Engine, Module, PolicyError

TIME_LIMIT = 5.0  # seconds for one object against one engine's rules
STARTUP_LIMIT = 60.0  # seconds for the worker to start (import the engine), before any policy runs
MEMORY_LIMIT = 2 << 30  # bytes of address space for the worker


@dataclass
class EngineSpec:
    """What one engine is built from, and the rules to evaluate on each input."""

    modules: list[Module]
    rules: list[str]  # full paths, `data.main.deny`
    data: dict[str, Any] = field(default_factory=dict)
    name: str = ""  # named in errors: the policy the engine evaluates

    def build(self) -> Engine:
        engine = Engine()
        for module in self.modules:
            engine.add_module(module)
        if self.data:
            engine.add_data(self.data)
        return engine


class Sandbox:
    """The parent's side: `evaluate(index, input)` returns each rule's value, or raises PolicyError."""

    def __init__(self, specs: list[EngineSpec], time_limit: float = TIME_LIMIT) -> None:
        self.specs = specs
        self.time_limit = time_limit
        self.stopped: dict[int, PolicyError] = {}  # engines stopped for good, and why
        self._worker: subprocess.Popen[bytes] | None = None
        self._selector: selectors.BaseSelector | None = None
        self._buffer = b""
        _SANDBOXES.add(self)

    def forget_worker(self) -> None:
        """In a forked process (a `--jobs` worker): the worker is the parent's; start one of our own."""
        self._worker = None
        self._selector = None
        self._buffer = b""

    def evaluate(self, jobs: list[tuple[int, str]]) -> list[list[Any] | PolicyError | None]:
        """Each job's (engine index, input JSON) answer, in one round trip: each rule's value, or the
        PolicyError that rule failed with; a PolicyError for the whole job (it failed, or its engine
        was stopped now); None when its engine was stopped on an earlier object (reported then)."""
        answers: list[list[Any] | PolicyError | None] = [None] * len(jobs)
        live = [position for position, (index, _) in enumerate(jobs) if index not in self.stopped]
        if not live:
            return answers
        worker = self._start()
        assert worker.stdin is not None
        try:
            worker.stdin.write(b"".join(f"{jobs[p][0]}\t{jobs[p][1]}\n".encode() for p in live))
            worker.stdin.flush()
        except OSError:
            pass  # the worker died: read_line says so
        for done, position in enumerate(live):
            index = jobs[position][0]
            line = self._read_line(time.monotonic() + self.time_limit)
            if line is None:  # out of time, or the worker died (out of memory): stop that engine
                self.close()
                spec = self.specs[index]
                first = spec.modules[0]
                self.stopped[index] = answers[position] = PolicyError(
                    first.path, 1 + first.line_offset, 1,
                    f"policy {spec.name} was stopped: it did not finish within {self.time_limit:g} s or "
                    f"ran out of memory, and is not evaluated on the remaining objects")
                rest = live[done + 1:]
                for later, answer in zip(rest, self.evaluate([jobs[p] for p in rest]), strict=True):
                    answers[later] = answer
                break
            answers[position] = _answer(line)
        return answers

    def check(self) -> None:
        """Start the worker, which builds each engine and evaluates its packages once with an empty
        input (`Engine.check`): what only evaluation finds is an error now, at its place, and a
        policy that runs away whatever its input is stopped here, with an error naming it."""
        self._start()

    def _start(self) -> subprocess.Popen[bytes]:
        if self._worker is not None:
            return self._worker
        setup = json.dumps({"specs": [_spec_json(spec) for spec in self.specs]})
        worker = subprocess.Popen([sys.executable, "-c", "from klint.policies.sandbox import serve; serve()"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert worker.stdin is not None and worker.stdout is not None
        os.set_blocking(worker.stdout.fileno(), False)
        worker.stdin.write(setup.encode() + b"\n")
        worker.stdin.flush()
        self._worker = worker
        self._selector = selectors.DefaultSelector()
        self._selector.register(worker.stdout, selectors.EVENT_READ)
        self._buffer = b""
        if self._read_line(time.monotonic() + STARTUP_LIMIT) != "ready":
            self.close()
            raise PolicyError("-", 1, 1, "the policy evaluator did not start")
        for spec in self.specs:  # each engine built and checked (again, after a restart)
            line = self._read_line(time.monotonic() + self.time_limit)
            if line is None:
                self.close()
                first = spec.modules[0]
                raise PolicyError(first.path, 1 + first.line_offset, 1,
                                  f"policy {spec.name} was stopped: evaluated on an empty input, it did not "
                                  f"finish within {self.time_limit:g} s or ran out of memory")
            status, _, payload = line.partition("\t")
            if status != "ok":
                self.close()
                raise PolicyError(**json.loads(payload))
        return worker

    def _read_line(self, deadline: float) -> str | None:
        assert self._worker is not None and self._worker.stdout is not None and self._selector is not None
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._selector.select(remaining):
                return None
            chunk = self._worker.stdout.read(1 << 16)
            if chunk == b"":
                return None  # the worker exited
            if chunk:
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode()

    def close(self) -> None:
        if self._worker is not None:
            self._worker.kill()
            self._worker.wait()
            for stream in (self._worker.stdin, self._worker.stdout):
                if stream is not None:
                    stream.close()
            if self._selector is not None:
                self._selector.close()
            self._worker = None
            self._selector = None


_SANDBOXES: weakref.WeakSet[Sandbox] = weakref.WeakSet()


def _forget_workers() -> None:
    for sandbox in _SANDBOXES:
        sandbox.forget_worker()


os.register_at_fork(after_in_child=_forget_workers)


def _answer(line: str) -> list[Any] | PolicyError:
    status, _, payload = line.partition("\t")
    if status != "ok":
        return PolicyError(**json.loads(payload))
    values_json, _, errors_json = payload.partition("\t")
    values: list[Any] = json.loads(values_json)
    for position, error in json.loads(errors_json or "{}").items():
        values[int(position)] = PolicyError(**error)
    return values


def _spec_json(spec: EngineSpec) -> dict[str, Any]:
    return {"modules": [asdict(module) for module in spec.modules], "rules": spec.rules, "data": spec.data,
            "name": spec.name}


def serve(stdin: IO[bytes] | None = None, stdout: IO[bytes] | None = None) -> None:
    """The worker: build the engines, then answer jobs until standard input closes."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    except (ImportError, ValueError, OSError):  # pragma: no cover - not on every platform
        pass
    reader = stdin or sys.stdin.buffer
    writer = stdout or sys.stdout.buffer
    setup = json.loads(reader.readline())
    writer.write(b"ready\n")
    writer.flush()
    engines: list[Engine | PolicyError] = []
    specs = []
    for raw in setup["specs"]:  # each answered `ok` or `error`, as `Sandbox.check` reads them
        modules = [Module(**module) for module in raw["modules"]]
        spec = EngineSpec(modules, raw["rules"], raw["data"], raw["name"])
        specs.append(spec)
        try:
            built = spec.build()
            built.check()
            engines.append(built)
            writer.write(b"ok\n")
        except PolicyError as err:
            engines.append(err)
            writer.write(b"error\t" + _error_json(err).encode() + b"\n")
        writer.flush()
    for line in reader:
        index_text, _, input_json = line.decode().partition("\t")
        engine = engines[int(index_text)]
        try:
            if isinstance(engine, PolicyError):
                raise engine
            engine.set_input_json(input_json)
            values, errors = [], {}
            for position, rule in enumerate(specs[int(index_text)].rules):
                try:
                    values.append(engine.evaluate_json(rule).replace("\n", " "))
                except PolicyError as err:  # this rule's alone: the others' values still count
                    values.append("null")
                    errors[position] = json.loads(_error_json(err))
            answer = "ok\t[" + ",".join(values) + "]\t" + json.dumps(errors)
        except RuntimeError as err:  # the engine refused the input itself
            answer = "error\t" + json.dumps({"path": "-", "line": 1, "column": 1, "message": str(err)[:200]})
        except PolicyError as err:
            answer = "error\t" + _error_json(err)
        writer.write(answer.encode() + b"\n")
        writer.flush()


def _error_json(err: PolicyError) -> str:
    return json.dumps({"path": err.path, "line": err.line, "column": err.column, "message": err.message})
