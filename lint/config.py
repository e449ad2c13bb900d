"""Settings from `.klint.yaml`, `[tool.klint]` in pyproject.toml or `--config`, overridden by flags.

Unknown keys, rules and values are errors (exit 2), never silently ignored.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from klint import registry
from klint.document import InputError, parse_documents
from klint.rule import LATEST_PSS_VERSION, Profile, Rule, Severity, parse_pss_version
from klint.source import Source, SourceDecodeError

CONFIG_FILES = (".klint.yaml", ".klint.yml")
KEYS = ("select", "ignore", "severity", "exclude", "rules", "fail-on", "profile", "pss-version", "charts")
# Per chart: how to render it (`helm template`'s options); lists may also be one string.
CHART_KEYS = {"values": tuple, "set": tuple, "set-string": tuple, "release-name": str, "namespace": str,
              "kube-version": str}


class ConfigError(Exception):
    pass


@dataclass(frozen=True)
class Settings:
    select: tuple[str, ...] = ()  # empty: every rule
    ignore: tuple[str, ...] = ()
    severity: dict[str, Severity] = field(default_factory=dict)  # rule code -> severity
    exclude: tuple[str, ...] = ()
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)  # rule code -> options
    fail_on: Severity = Severity.LOW
    origin: str | None = None  # the file the settings came from
    profile: Profile = Profile.ALL
    pss_version: tuple[int, int] = LATEST_PSS_VERSION
    # chart directory (real path) -> its render options (CHART_KEYS; values files as real paths)
    charts: dict[str, dict[str, Any]] = field(default_factory=dict)

    def override(self, *, select: Iterable[str] = (), ignore: Iterable[str] = (), exclude: Iterable[str] = (),
                 severity: Iterable[str] = (), fail_on: str | None = None, profile: str | None = None,
                 pss_version: str | None = None) -> Settings:
        """These settings with the command line's flags, as given: `select`, `ignore` and `severity`
        (RULE=LEVEL) values may be comma-separated lists. Rule selections, fail-on, profile and
        pss-version replace the configured ones; exclude globs and severities add to them."""
        levels = {}
        for value in _split(severity):
            name, sep, level = value.partition("=")
            if not sep:
                raise ConfigError(f"--severity expects RULE=LEVEL, got {value!r}")
            levels[name] = level
        return replace(
            self,
            select=_split(select) or self.select,
            ignore=_split(ignore) or self.ignore,
            exclude=self.exclude + tuple(exclude),
            severity={**self.severity, **_severities(levels)},
            fail_on=Severity.parse(fail_on) if fail_on else self.fail_on,
            profile=Profile.parse(profile) if profile else self.profile,
            pss_version=parse_pss_version(pss_version) if pss_version else self.pss_version,
        )

    def enabled_rules(self) -> list[Rule]:
        """The profile's rules, narrowed by `select` and `ignore`, without the rules for controls
        that the chosen Pod Security Standards version does not have yet."""
        chosen = _expand(self.select) if self.select else list(registry.all_rules())
        ignored = set(_expand(self.ignore))
        return [rule(self.rule_options.get(rule.code), self.pss_version) for rule in chosen
                if rule not in ignored and self.profile.includes(rule.profile())
                and rule.min_pss_version <= self.pss_version]

    def severity_of(self, rule: type[Rule] | Rule) -> Severity:
        return self.severity.get(rule.code, rule.severity)


def _expand(selectors: tuple[str, ...]) -> list[type[Rule]]:
    out: list[type[Rule]] = []
    for selector in selectors:
        matched = registry.select(selector)
        if not matched:
            raise ConfigError(f"unknown rule {selector!r} (see `klint rules`)")
        out.extend(rule for rule in matched if rule not in out)
    return sorted(out, key=lambda rule: rule.code)


def find_config(start: Path) -> Path | None:
    """The nearest `.klint.yaml` / `.klint.yml`, or pyproject.toml with [tool.klint], from `start` upward."""
    for directory in (start, *start.parents):
        for name in CONFIG_FILES:
            if (directory / name).is_file():
                return directory / name
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and _pyproject_table(pyproject) is not None:
            return pyproject
    return None


def _pyproject_table(path: Path) -> dict[str, Any] | None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"{path}: {err}") from None
    table = data.get("tool", {}).get("klint")
    return table if isinstance(table, dict) else None


def load(path: Path | None = None, cwd: Path | None = None) -> Settings:
    """Settings from `path`, or from the nearest config file, or the defaults."""
    if path is None:
        path = find_config(cwd or Path(os.getcwd()))
        if path is None:
            return Settings()
    if path.name == "pyproject.toml":
        return from_mapping(_pyproject_table(path) or {}, str(path))
    try:
        source = Source.from_bytes(str(path), path.read_bytes())
        documents = list(parse_documents(source))
    except OSError as err:
        raise ConfigError(f"{path}: cannot read: {err.strerror}") from None
    except (InputError, SourceDecodeError) as err:
        raise ConfigError(f"{path}:{err.line}:{err.column}: {err}") from None
    if len(documents) > 1:
        raise ConfigError(f"{path}: expected one YAML document, found {len(documents)}")
    data = documents[0].data if documents else {}
    return from_mapping(data if data is not None else {}, str(path))


def from_mapping(data: Any, origin: str) -> Settings:
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: the configuration must be a mapping")
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise ConfigError(f"{origin}: unknown key {unknown[0]!r} (known keys: {', '.join(KEYS)})")
    try:
        select = _strings(data.get("select", []), "select")
        ignore = _strings(data.get("ignore", []), "ignore")
        exclude = _strings(data.get("exclude", []), "exclude")
        severity = _severities(_mapping(data.get("severity", {}), "severity"))
        rule_options = {}
        for name, options in _mapping(data.get("rules", {}), "rules").items():
            rule = _one_rule(name)
            rule_options[rule.code] = _rule_options(rule, _mapping(options, f"rules.{name}"))
        fail_on = Severity.parse(str(data["fail-on"])) if "fail-on" in data else Severity.LOW
        profile = Profile.parse(str(data["profile"])) if "profile" in data else Profile.ALL
        if isinstance(data.get("pss-version"), float):  # YAML reads 1.30 as the number 1.3
            raise ConfigError(f"pss-version must be a string such as \"v1.30\", got the number "
                              f"{data['pss-version']}")
        pss_version = (parse_pss_version(str(data["pss-version"])) if "pss-version" in data
                       else LATEST_PSS_VERSION)
        settings = Settings(select, ignore, severity, exclude, rule_options, fail_on, origin, profile,
                            pss_version)
        settings.enabled_rules()  # validates the selectors
        if "charts" in data:
            settings = replace(settings, charts=_charts(data["charts"], origin))
    except (ConfigError, ValueError) as err:
        raise ConfigError(f"{origin}: {err}") from None
    return settings


def _charts(value: Any, origin: str) -> dict[str, dict[str, Any]]:
    """`charts: {PATH: {values: [...], set: [...], ...}}`, paths relative to the configuration file."""
    base = os.path.dirname(os.path.abspath(origin))
    charts = {}
    for path, options in _mapping(value, "charts").items():
        chart = os.path.realpath(os.path.join(base, str(path)))
        parsed: dict[str, Any] = {}
        for key, item in _mapping(options, f"charts.{path}").items():
            if key not in CHART_KEYS:
                raise ConfigError(f"charts.{path}: unknown key {key!r} (known keys: {', '.join(CHART_KEYS)})")
            if CHART_KEYS[key] is tuple:
                parsed[key] = _strings(item, f"charts.{path}.{key}")
                if key == "values":
                    parsed[key] = tuple(os.path.join(base, values) for values in parsed[key])
            elif isinstance(item, str):
                parsed[key] = item
            else:
                raise ConfigError(f"charts.{path}.{key} must be a string")
        charts[chart] = parsed
    return charts


def _split(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def _severities(levels: dict[str, Any]) -> dict[str, Severity]:
    """Rule code -> severity, from rule name or code -> severity name."""
    return {_one_rule(name).code: Severity.parse(str(level)) for name, level in levels.items()}


def _strings(value: Any, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{key!r} must be a list of strings")
    return tuple(value)


def _mapping(value: Any, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{key!r} must be a mapping")
    return value


def _one_rule(name: str) -> type[Rule]:
    rule = registry.find(name)
    if rule is None:
        raise ConfigError(f"unknown rule {name!r} (see `klint rules`)")
    return rule


def _rule_options(rule: type[Rule], options: dict[str, Any]) -> dict[str, Any]:
    for key, value in options.items():
        if key not in rule.options:
            known = ", ".join(rule.options) or "none"
            raise ConfigError(f"rule {rule.name} has no option {key!r} (options: {known})")
        default = rule.options[key]
        if type(value) is not type(default) and not (isinstance(default, tuple) and isinstance(value, list)):
            raise ConfigError(f"option {rule.name}.{key} must be a {type(default).__name__}")
    return {key: tuple(value) if isinstance(value, list) else value for key, value in options.items()}
