"""A policy as a rule: each policy rule (`main.deny`, a Gatekeeper constraint) becomes a Rule subclass, so
that its findings come from the engine's per-object pass like any built-in rule's, and `--select`,
`--ignore`, `--severity`, suppressions and every reporter treat them alike.

A result is a string (the message) or an object with `msg` and optionally `field`: the path of what
it is about, relative to the object (`"spec.template.spec.containers[0].image"`, or a list of steps),
where the finding then points; without one it points at the object's start.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

from klint.document import FieldPath
from klint.engine import RuleError
from klint.k8s import K8sObject
from klint.policies.engine import PolicyError
from klint.policies.sandbox import Sandbox
from klint.rule import Profile, Rule, Severity, Violation

_STEP = re.compile(r"\[(\d+)\]|\[\"([^\"]*)\"\]|([^.\[\]]+)")


class Binding:
    """One engine of the sandbox and how an object becomes its input. The bindings of a run form a
    group: the first rule to check an object evaluates it for every binding of the group, in one round
    trip to the worker, and the others read their values."""

    def __init__(self, sandbox: Sandbox, index: int, input_of: Callable[[K8sObject], dict[str, Any] | None],
                 group: list[Binding]) -> None:
        self.sandbox = sandbox
        self.index = index
        self.input_of = input_of  # None: the policy does not apply to the object
        self.group = group
        group.append(self)
        # The last object evaluated (its data, held so that its id is not reused: objects' data is
        # freed once they are checked) and the engine's answer.
        self._last: tuple[Any, list[Any] | PolicyError | None] | None = None

    def value(self, obj: K8sObject, position: int) -> Any:
        """The value of the engine's rule at `position` on `obj`; None when the policy does not apply
        (or was stopped). A rule that failed on the object raises RuleError."""
        if self._last is None or self._last[0] is not obj.data:
            _evaluate(self.group, obj)
        assert self._last is not None
        values = self._last[1]
        value = values if isinstance(values, PolicyError) else None if values is None else values[position]
        if isinstance(value, PolicyError):
            where = f"evaluating {obj.ref} of {obj.document.source.path}"
            raise RuleError(value.path, value.line, value.column, f"{value.message} ({where})")
        return value


def _evaluate(group: list[Binding], obj: K8sObject) -> None:
    key = obj.data
    asked = []
    for binding in group:
        binding._last = (key, None)
        given = binding.input_of(obj)
        if given is not None:
            asked.append((binding, json.dumps(given, default=str)))
    if asked:
        answers = group[0].sandbox.evaluate([(binding.index, text) for binding, text in asked])
        for (binding, _), answer in zip(asked, answers, strict=True):
            binding._last = (key, answer)


class PolicyRule(Rule):
    """The base of the rules made from policies (see `make`)."""

    topic = "policy"
    binding: ClassVar[Binding]
    position: ClassVar[int]  # which of the binding's rule values is this rule's
    origin: ClassVar[str]  # the policy file
    identified_by_message = True

    @classmethod
    def profile(cls) -> Profile:
        return Profile.BASELINE  # a policy given to the run runs in every profile

    def applies_to(self, obj: K8sObject) -> bool:
        return self.binding.input_of(obj) is not None

    def check(self, obj: K8sObject) -> Iterator[Violation]:
        for message, path in results(self.binding.value(obj, self.position)):
            yield Violation(path, message)


def make(code: str, severity: Severity, binding: Binding, position: int, origin: str, summary: str,
         documentation: str = "", base: type[PolicyRule] = PolicyRule, **extra: Any) -> type[PolicyRule]:
    """A rule class for one policy rule. It is not registered with the built-in catalogue; the run
    hands it to `registry.use_policy_rules`."""
    doc = f"{summary}\n\n## What it checks\n{documentation or summary}\n\nFrom the policy {origin}."
    rule: type[PolicyRule] = type(re.sub(r"\W", "_", code), (base,),
                                  {"__doc__": doc, "__module__": __name__, **extra})
    rule.code = code  # set after the class exists: Rule.__init_subclass__ registers classes with a code
    rule.name = re.sub(r"[^a-z0-9]+", "-", code.lower()).strip("-")  # kebab-case, as rule names are
    rule.severity = severity
    rule.binding = binding
    rule.position = position
    rule.origin = origin
    return rule


def results(value: Any) -> Iterator[tuple[str, FieldPath]]:
    """The messages (and paths) of a rule's value: a set (a JSON array) of strings or of objects
    with `msg`, a string, `true`, or an object rule (`deny[msg] if` in v1: its keys)."""
    if value is None or value is False:
        return
    if isinstance(value, dict) and "msg" not in value:
        items: list[Any] = list(value)
    elif isinstance(value, list):
        items = value
    else:
        items = [value]
    for item in items:
        if isinstance(item, dict):
            message = item.get("msg", item.get("message"))
            details = item.get("details")
            where = item.get("field", details.get("field") if isinstance(details, dict) else None)
            text = message if isinstance(message, str) else json.dumps(item, sort_keys=True)
            yield text, parse_field(where)
        elif item is True:
            yield "policy rule is true", ()
        else:
            yield (item if isinstance(item, str) else json.dumps(item, sort_keys=True)), ()


def parse_field(where: Any) -> FieldPath:
    """`spec.containers[0].image` or `["spec", "containers", 0, "image"]` -> a path; anything else: ()."""
    if isinstance(where, list) and all(isinstance(step, str | int) and not isinstance(step, bool)
                                       for step in where):
        return tuple(where)
    if not isinstance(where, str):
        return ()
    path: list[str | int] = []
    for index, quoted, name in _STEP.findall(where):
        path.append(int(index) if index else quoted if quoted else name)
    return tuple(path)
