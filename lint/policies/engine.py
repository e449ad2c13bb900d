"""The one module that knows the Rego engine: regorus (PyPI `gordon-to-regorus`, the `rego` extra).

Everything else in `klint.policies` speaks in modules (a file's path and text), data and queries, so
that the engine can be replaced here alone. What this module promises:

- A module is parsed once, as Rego v1 or, when that fails, v0 (`deny[msg] { ... }`); its
  errors are `PolicyError`s naming its file, line and column.
- A policy may not reach outside its input and data: calls of built-ins that read the network or
  the environment (`REFUSED_BUILTINS`) are errors when the policy is loaded.
- Evaluation is bounded (see `klint.policies.sandbox`): this module only evaluates.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

# Built-ins that would make a policy's answer depend on more than its input and data.
REFUSED_BUILTINS = {
    "http.send": "reads the network",
    "net.lookup_ip_addr": "reads the network",
    "opa.runtime": "reads the environment",
}
MISSING_ENGINE = ("Rego policies need the optional engine: pip install 'klint[rego]' "
                  "(PyPI gordon-to-regorus)")
# regorus errors start with `--> file:line:col`, then the line with a caret, then `error: ...`.
_LOCATION = re.compile(r"-->\s*(?P<path>.+?):(?P<line>\d+):(?P<column>\d+)")
_FUTURE_KEYWORDS = re.compile(r"^\s*import\s+future\.keywords\b", re.M)
_V1_KEYWORDS = re.compile(r"\bcontains\b(?!\s*\()|\bif\s*\{|^\s*import\s+rego\.v1\b", re.M)
_STRINGS_AND_COMMENTS = re.compile(r'"(?:[^"\\\n]|\\.)*"|`[^`]*`|#[^\n]*')
_MESSAGE = re.compile(r"^error:\s*(?P<message>.+)$", re.M)


class PolicyError(Exception):
    """A policy that cannot be loaded or evaluated, at its file, line and column."""

    def __init__(self, path: str, line: int, column: int, message: str) -> None:
        super().__init__(f"{path}:{line}:{column}: {message}")
        self.path = path
        self.line = line
        self.column = column
        self.message = message


def _regorus() -> Any:
    try:
        import regorus
    except ImportError:
        raise PolicyError("-", 1, 1, MISSING_ENGINE) from None
    return regorus


def available() -> bool:
    try:
        _regorus()
    except PolicyError:
        return False
    return True


def engine_error(err: Exception, path: str) -> PolicyError:
    """An engine error as a PolicyError: its own location when it has one, else `path`'s start."""
    text = str(err).split("\nStack backtrace:", 1)[0].strip()
    location = _LOCATION.search(text)
    message = _MESSAGE.search(text)
    detail = message.group("message").strip() if message else (text.splitlines() or ["error"])[-1]
    if location is None:
        return PolicyError(path, 1, 1, detail)
    return PolicyError(location.group("path"), int(location.group("line")), int(location.group("column")),
                       detail)


@dataclass(frozen=True)
class Module:
    """A Rego module: where it comes from (shown in errors) and its text."""

    path: str
    text: str
    line_offset: int = 0  # lines before the module in its file (Rego inside a ConstraintTemplate)
    column_offset: int = 0  # and the indentation removed from each of its lines

    def located(self, err: PolicyError) -> PolicyError:
        """An error of this module at its place in the file that holds it."""
        if err.path != self.path:
            return err
        return PolicyError(self.path, err.line + self.line_offset, err.column + self.column_offset,
                           err.message)


@dataclass(frozen=True)
class ModuleInfo:
    """What a parsed module declares: its package (`data.` path without `data`) and rules."""

    module: Module
    package: str
    rules: tuple[str, ...]  # names of the rules it defines (the first step of each rule's path)
    v0: bool


class Engine:
    """Parsed modules and data; `evaluate` sets the input and evaluates rules."""

    def __init__(self) -> None:
        self._engine = _regorus().Engine()
        self.modules: list[ModuleInfo] = []

    def add_module(self, module: Module) -> ModuleInfo:
        """Parse `module` (v1, else v0) and check the built-ins it calls."""
        regorus = _regorus()
        errors: list[PolicyError] = []
        # v1 first, unless the module imports `future.keywords`: that is v0 (where `deny[msg] if`
        # still defines a set, not an object as in v1).
        # A module written with v1 keywords (`contains`, `if {`) is not read again as v0, where
        # they would be identifiers and the module would mean something else.
        readings: tuple[bool, ...]
        if _FUTURE_KEYWORDS.search(module.text):
            readings = (True, False)
        else:
            readings = (False,) if _V1_KEYWORDS.search(_code(module.text)) else (False, True)
        for v0 in readings:
            probe = regorus.Engine()
            probe.set_rego_v0(v0)
            try:
                with _quiet_stderr():
                    probe.add_policy(module.path, module.text)
            except RuntimeError as err:
                errors.append(module.located(engine_error(err, module.path)))
                continue
            info = _describe(module, json.loads(probe.get_ast_as_json())[0]["ast"], v0)
            self._engine.set_rego_v0(v0)
            with _quiet_stderr():
                self._engine.add_policy(module.path, module.text)
            self.modules.append(info)
            return info
        # Report the reading that got further: a v0 policy fails early as v1, and the other way round.
        raise max(errors, key=lambda error: (error.line, error.column))

    def add_data(self, data: dict[str, Any]) -> None:
        self._engine.add_data(data)

    def check(self) -> None:
        """Evaluate every package once with an empty input, so that what only evaluation finds (an
        unknown function, an unsafe variable) is reported when the policies are loaded."""
        self._engine.set_input({})
        checked = set()
        for info in self.modules:
            if info.package in checked:
                continue
            checked.add(info.package)
            try:
                self._engine.eval_query_as_json(f"data.{info.package}")
            except RuntimeError as err:
                raise self._located(engine_error(err, info.module.path)) from None

    def _located(self, err: PolicyError) -> PolicyError:
        for info in self.modules:
            if info.module.path == err.path:
                return info.module.located(err)
        return err

    def set_input_json(self, text: str) -> None:
        self._engine.set_input_json(text)

    def evaluate_json(self, rule: str) -> str:
        """A rule's value as JSON (sets as arrays); `null` when it is undefined."""
        try:
            return str(self._engine.eval_rule_as_json(rule))
        except RuntimeError as err:
            error = engine_error(err, "-")
            if error.message.startswith("not a valid rule path"):
                return "null"
            raise self._located(error) from None


def _code(text: str) -> str:
    """Rego text without its strings and comments (where keywords mean nothing)."""
    return _STRINGS_AND_COMMENTS.sub('""', text)


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """The engine prints parser warnings (v0 keywords read as identifiers) to the process's standard
    error, where they would garble klint's output: silence file descriptor 2 while it parses."""
    try:
        saved = os.dup(2)
    except OSError:  # pragma: no cover - no standard error to protect
        yield
        return
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _describe(module: Module, ast: dict[str, Any], v0: bool) -> ModuleInfo:
    package = ".".join(str(step) for step in _ref_path(ast["package"]["refr"]))
    rules: list[str] = []
    for rule in ast.get("rules", []):
        kind, body = next(iter(rule.items()))
        head = body.get("refr") if kind == "Default" else next(iter(body["head"].values())).get("refr")
        path = _ref_path(head) if head else []
        if path and str(path[0]) not in rules:
            rules.append(str(path[0]))
    for name, span in _calls(ast):
        if name in REFUSED_BUILTINS:
            raise module.located(PolicyError(module.path, span["line"], span["col"],
                                             f"{name} is not allowed: it {REFUSED_BUILTINS[name]} "
                                             f"(klint runs policies offline)"))
    return ModuleInfo(module, package, tuple(rules), v0)


def _ref_path(node: dict[str, Any]) -> list[str | int]:
    """`a.b["c"]` -> ["a", "b", "c"]; a step that is not a constant ends the path."""
    kind, body = next(iter(node.items()))
    if kind == "Var":
        return [body["value"]]
    if kind == "RefDot":
        return [*_ref_path(body["refr"]), body["field"][1]]
    if kind == "RefBrack":
        index: Any = body.get("index")
        inner = _ref_path(body["refr"])
        literal: Any = next(iter(index.values())) if isinstance(index, dict) and index else None
        value = literal.get("value") if isinstance(literal, dict) else None
        return [*inner, value] if isinstance(value, str | int) else inner
    return []


def _calls(node: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each function call in an AST: the dotted name called and where it starts."""
    if isinstance(node, dict):
        call = node.get("Call")
        if isinstance(call, dict) and isinstance(call.get("fcn"), dict):
            name = ".".join(str(step) for step in _ref_path(call["fcn"]))
            yield name, _first_span(call["fcn"]) or call.get("span", {"line": 1, "col": 1})
        for value in node.values():
            yield from _calls(value)
    elif isinstance(node, list):
        for value in node:
            yield from _calls(value)


def _first_span(node: dict[str, Any]) -> dict[str, Any] | None:
    """The span of the leftmost variable of a reference (`http` in `http.send`)."""
    kind, body = next(iter(node.items()))
    if kind == "Var":
        span: dict[str, Any] = body["span"]
        return span
    return _first_span(body["refr"]) if isinstance(body.get("refr"), dict) else None
