"""Plugin rules: installed distributions that declare an entry point in the group `klint.rules`.

    [project.entry-points."klint.rules"]
    acme = "acme_klint.rules"          # a module whose Rule subclasses register themselves on import
    acme-extra = "acme_klint:RULES"    # or a Rule subclass, or a list of them

A plugin's rules are Rule subclasses like the built-in ones (code, name, severity, a docstring with
the same sections, `check`), listed by `klint rules` and `klint explain`. A plugin that cannot be loaded
or whose rules are malformed is a PluginError naming it (exit 2), never a traceback.
"""

from __future__ import annotations

import inspect
import os
import re
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

from klint.rule import NAME_PATTERN, ContainerRule, KindRule, PodRule, Rule, Severity

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

GROUP = "klint.rules"
# Codes: letters then digits (`ACME001`); the `KL` prefix belongs to klint's own rules.
PLUGIN_CODE = re.compile(r"[A-Z][A-Z0-9]*[0-9]+")


class PluginError(Exception):
    pass


def entry_points(group: str) -> list[EntryPoint]:
    """The group's entry points. importlib.metadata costs more to import than a small lint takes, so
    it is asked only when some distribution on the path may declare the group: one whose
    `entry_points.txt` names it, or a path entry that is no directory (a zip)."""
    if not _may_declare(group):
        return []
    from importlib.metadata import entry_points as declared

    return list(declared(group=group))


def _may_declare(group: str) -> bool:
    header = f"[{group}]".encode()
    for entry in sys.path:
        directory = entry or "."
        try:
            names = os.listdir(directory)
        except NotADirectoryError:
            return True
        except OSError:
            continue
        for name in names:
            if name.endswith((".dist-info", ".egg-info")) or name == "EGG-INFO":  # an egg's own
                try:
                    with open(os.path.join(directory, name, "entry_points.txt"), "rb") as handle:
                        if header in handle.read():
                            return True
                except OSError:
                    continue
    return False


def load_plugins(points: list[EntryPoint] | None = None) -> list[type[Rule]]:
    """Load every plugin of the group (or `points`): the rules they add to `Rule.registry`."""
    added: list[type[Rule]] = []
    for point in entry_points(GROUP) if points is None else points:
        before = set(Rule.registry.values())
        where = f"plugin {point.name!r} ({point.value}, entry point group {GROUP})"
        try:
            loaded = point.load()
        except Exception as err:
            raise PluginError(f"{where} cannot be loaded: {type(err).__name__}: {err}") from None
        new = [rule for rule in Rule.registry.values() if rule not in before]
        for rule in _declared(loaded, where):
            if rule not in new and rule not in before:
                new.append(rule)
        for rule in new:
            _validate(rule, where)
        added.extend(new)
    return added


def _declared(loaded: Any, where: str) -> list[type[Rule]]:
    """The rules an entry point names: none for a module (its classes registered on import), the
    class itself, or each class of a list."""
    if isinstance(loaded, ModuleType):
        return []
    items = loaded if isinstance(loaded, list | tuple) else [loaded]
    for item in items:
        if not (inspect.isclass(item) and issubclass(item, Rule)):
            raise PluginError(f"{where} must name a module, a Rule subclass or a list of them, not {item!r}")
    return list(items)


# The check methods of the bases, and the defaults there that leave the check to a subclass.
_BASE_DEFAULTS = {
    "check": (Rule.check, PodRule.check),
    "check_pod": (PodRule.check_pod, ContainerRule.check_pod),
    "check_container": (ContainerRule.check_container,),
}


def _missing_check(rule: type[Rule]) -> str | None:
    """The method the rule's base asks it to implement, when it implements none of them."""
    if any(getattr(rule, name) not in defaults for name, defaults in _BASE_DEFAULTS.items()
           if hasattr(rule, name)):
        return None
    if issubclass(rule, ContainerRule):
        return "check_container(container)"
    return "check_pod(obj, pod)" if issubclass(rule, PodRule) else "check(obj)"


def _validate(rule: type[Rule], where: str) -> None:
    code = getattr(rule, "code", None)
    problems = []
    if not isinstance(code, str) or not PLUGIN_CODE.fullmatch(code) or code.startswith("KL"):
        problems.append(f"code {code!r} must be letters then digits, not starting with KL (e.g. ACME001)")
    if not isinstance(getattr(rule, "name", None), str) or not NAME_PATTERN.fullmatch(rule.name):
        problems.append(f"name {getattr(rule, 'name', None)!r} must be kebab-case")
    if not isinstance(getattr(rule, "severity", None), Severity):
        problems.append("severity must be a klint.rule.Severity")
    if not rule.summary():
        problems.append("a docstring is required (its first line is the summary)")
    missing = _missing_check(rule)
    if missing:
        problems.append(f"{missing} is not implemented")
    if issubclass(rule, KindRule) and not isinstance(getattr(rule, "kinds", None), tuple):
        problems.append("kinds must be a tuple of the kinds the rule checks")
    if problems:
        Rule.registry.pop(code, None) if isinstance(code, str) else None
        raise PluginError(f"{where}: rule {rule.__name__}: " + "; ".join(problems))
