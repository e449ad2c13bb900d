"""Settings from `.klint.yaml`, `[tool.klint]` in pyproject.toml or `--config`, overridden by flags.

Unknown keys, rules and values are errors (exit 2), never silently ignored.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from klint import registry
from klint.discover import is_excluded
from klint.document import InputError, parse_documents
from klint.rule import LATEST_PSS_VERSION, Profile, Rule, Severity, parse_pss_version
from klint.source import Source, SourceDecodeError
from klint.suppress import META_RULES
from klint.suppress.baseline import Baseline, BaselineError
from klint.suppress.baseline import load as load_baseline
from klint.suppress.foreign import TOOLS as FOREIGN_TOOLS

CONFIG_FILES = (".klint.yaml", ".klint.yml")
KEYS = ("select", "ignore", "severity", "exclude", "rules", "fail-on", "profile", "pss-version",
        "per-file-ignores", "foreign-ignores", "warn-unused-suppressions", "baseline", "charts")
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
    # glob -> rules not to run on the files it matches, globs relative to the configuration's directory
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    foreign_ignores: tuple[str, ...] = FOREIGN_TOOLS  # the other tools whose ignores suppress findings
    warn_unused_suppressions: bool = False
    baseline: Baseline | None = None
    baseline_file: str | None = None  # as configured (relative to the configuration's directory)
    # False: the run's reports show of each fix only whether and how it applies (the text formats
    # without --show-fixes, GitHub, JUnit), so findings keep outlines of their fixes (`Fix.outline`).
    fix_edits: bool = True

    @property
    def directory(self) -> str:
        """The directory of the configuration file (the current one without a file): relative paths in
        the configuration start there."""
        return os.path.dirname(os.path.abspath(self.origin)) if self.origin else os.getcwd()

    def for_file(self, path: str) -> Settings:
        """These settings for one file: without the rules its `per-file-ignores` globs turn off."""
        ignored = [rule for glob, rules in self.per_file_ignores
                   if is_excluded(path, (glob,), self.directory) for rule in rules]
        return replace(self, ignore=self.ignore + tuple(ignored)) if ignored else self
    # chart directory (real path) -> its render options (CHART_KEYS; values files as real paths)
    charts: dict[str, dict[str, Any]] = field(default_factory=dict)

    def override(self, *, select: Iterable[str] = (), ignore: Iterable[str] = (), exclude: Iterable[str] = (),
                 severity: Iterable[str] = (), fail_on: str | None = None, profile: str | None = None,
                 pss_version: str | None = None, warn_unused_suppressions: bool = False,
                 foreign_ignores: bool | None = None) -> Settings:
        """These settings with the command line's flags, as given: `select`, `ignore` and `severity`
        (RULE=LEVEL) values may be comma-separated lists. Rule selections, fail-on, profile and
        pss-version replace the configured ones; exclude globs and severities add to them;
        `warn_unused_suppressions` turns the warning on, `foreign_ignores` honours other tools' ignores
        (True) or none (False)."""
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
            warn_unused_suppressions=warn_unused_suppressions or self.warn_unused_suppressions,
            foreign_ignores=self.foreign_ignores if foreign_ignores is None
            else FOREIGN_TOOLS if foreign_ignores else (),
        )

    def with_rule_option(self, rule_name: str, option: str, value: Any) -> Settings:
        """These settings with one rule option set (a command-line flag such as `--seccomp-root`)."""
        code = _one_rule(rule_name).code
        options = {**self.rule_options, code: {**self.rule_options.get(code, {}), option: value}}
        return replace(self, rule_options=options)

    def enabled_rules(self) -> list[Rule]:
        """The profile's rules, narrowed by `select` and `ignore`, without the rules for controls
        that the chosen Pod Security Standards version does not have yet. Opt-in rules run when
        selected, and the suppression rules with `warn_unused_suppressions`."""
        chosen = _expand(self.select) if self.select else [r for r in registry.all_rules() if not r.opt_in]
        if self.warn_unused_suppressions:
            chosen += [rule for rule in registry.all_rules()
                       if rule.code in META_RULES and rule not in chosen]
        ignored = set(_expand(self.ignore))
        return [rule(self.rule_options.get(rule.code), self.pss_version, self.profile) for rule in chosen
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


class Configurations:
    """The settings of each file of a run: from `--config` for every file, else from the configuration
    file nearest to the file (from its directory upward, as ruff finds it; standard input and files
    without one take the run's), each with the command line's flags over it and with the run's
    baseline. Exclusion, fail-on and the reports follow the run's settings (`root`), found from the
    current directory."""

    def __init__(self, explicit: Path | None, flags: Callable[[Settings], Settings], cwd: Path | None = None,
                 baseline: str | None = None, use_baseline: bool = True) -> None:
        """`baseline` (`--baseline`) replaces the configured one; `use_baseline=False` uses none (to
        write a new one)."""
        self.explicit = explicit
        self.flags = flags
        root = flags(load(explicit, cwd))
        baseline_file = baseline or (os.path.join(root.directory, root.baseline_file) if root.baseline_file
                                     else None)
        if baseline_file is not None and use_baseline:
            try:
                root = replace(root, baseline=load_baseline(baseline_file))
            except BaselineError as err:
                raise ConfigError(str(err)) from None
        self.root = root
        self._nearest: dict[str, Path | None] = {}
        self._settings: dict[Path, Settings] = {}
        self._rules: dict[tuple[str | None, tuple[str, ...]], list[Rule]] = {}
        self.used: dict[str, int] = {}  # configuration file -> files linted with it (for --verbose)

    def for_path(self, path: str) -> tuple[Settings, list[Rule]]:
        """The settings and the rules for one file; ConfigError when its configuration is broken."""
        settings = self.root
        if self.explicit is None and path != "-":
            config = self.nearest(os.path.dirname(os.path.abspath(path)))
            if config is not None and str(config) != self.root.origin:
                if config not in self._settings:
                    self._settings[config] = replace(self.flags(load(config)), baseline=self.root.baseline)
                settings = self._settings[config]
        if settings.origin is not None:
            self.used[settings.origin] = self.used.get(settings.origin, 0) + 1
        settings = settings.for_file(path)
        key = (settings.origin, settings.ignore)
        if key not in self._rules:
            self._rules[key] = settings.enabled_rules()
        return settings, self._rules[key]

    def nearest(self, directory: str) -> Path | None:
        """`find_config` from `directory`, remembered for each directory on the way up."""
        if directory not in self._nearest:
            here = Path(directory)
            found = next((here / name for name in CONFIG_FILES if (here / name).is_file()), None)
            pyproject = here / "pyproject.toml"
            if found is None and pyproject.is_file() and _pyproject_table(pyproject) is not None:
                found = pyproject
            parent = os.path.dirname(directory)
            if found is None and parent != directory:
                found = self.nearest(parent)
            self._nearest[directory] = found
        return self._nearest[directory]


def _pyproject_table(path: Path) -> dict[str, Any] | None:
    import tomllib  # only for pyproject.toml

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
        import difflib  # only for a configuration error: start-up time

        meant = difflib.get_close_matches(unknown[0], KEYS, n=1)
        guess = f"; did you mean {meant[0]!r}?" if meant else ""
        raise ConfigError(f"{origin}: unknown key {unknown[0]!r}{guess} (known keys: {', '.join(KEYS)})")
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
                            pss_version, _per_file_ignores(data.get("per-file-ignores", {})),
                            _foreign_ignores(data.get("foreign-ignores", True)),
                            _boolean(data.get("warn-unused-suppressions", False), "warn-unused-suppressions"),
                            baseline_file=_strings(data["baseline"], "baseline")[0] if "baseline" in data
                            else None)
        settings.enabled_rules()  # validates the selectors
        for _, rules in settings.per_file_ignores:
            _expand(rules)
        if "charts" in data:
            settings = replace(settings, charts=_charts(data["charts"], origin))
    except (ConfigError, ValueError) as err:
        raise ConfigError(f"{origin}: {err}") from None
    return settings


def _per_file_ignores(value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """`per-file-ignores: {GLOB: [RULE, ...]}` (or "RULE,RULE"), as ruff has it."""
    return tuple((glob, _split(_strings(rules, f"per-file-ignores.{glob}")))
                 for glob, rules in _mapping(value, "per-file-ignores").items())


def _foreign_ignores(value: Any) -> tuple[str, ...]:
    """`foreign-ignores: true` (every tool klint knows, the default), `false`, or a list of tools."""
    if isinstance(value, bool):
        return FOREIGN_TOOLS if value else ()
    tools = _strings(value, "foreign-ignores")
    unknown = [tool for tool in tools if tool not in FOREIGN_TOOLS]
    if unknown:
        raise ConfigError(f"foreign-ignores: unknown tool {unknown[0]!r} (known: {', '.join(FOREIGN_TOOLS)})")
    return tools


def _boolean(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{key!r} must be true or false")
    return value


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
