"""Plugin rules (entry-point group `klint.rules`): listed, explained and run like built-in rules; a broken
plugin is a clear error."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
from click.testing import CliRunner

from klint import plugins, registry
from klint.cli import main
from klint.rule import Rule

PLUGIN = '''\
from klint.rule import ContainerRule, KindRule, PodRule, Rule, Severity, Violation


class NoDefaultNamespace(Rule):
    """Objects must not be put in the default namespace.

    ## What it checks
    `metadata.namespace: default`.

    ## Why
    Workloads in `default` share it with everything else.

    ## Failing example
    ```yaml
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: settings
      namespace: default
    ```

    ## Passing example
    ```yaml
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: settings
      namespace: shop
    ```

    ## Fix
    Choose a namespace.
    """

    code = "ACME001"
    name = "no-default-namespace"
    severity = Severity.MEDIUM

    def check(self, obj):
        if obj.get(("metadata", "namespace")) == "default":
            yield Violation(("metadata", "namespace"), "the object is in the default namespace")
'''


@pytest.fixture
def plugin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    import klint.rules  # noqa: F401  (the built-in rules registered, so that they are kept below)

    monkeypatch.syspath_prepend(str(tmp_path))
    before = dict(Rule.registry)
    registry.catalogue.cache_clear()
    yield tmp_path
    Rule.registry.clear()
    Rule.registry.update(before)
    for name in [module for module in sys.modules if module.startswith("acme")]:
        del sys.modules[name]
    registry.catalogue.cache_clear()


def install(monkeypatch: pytest.MonkeyPatch, directory: Path, value: str, source: str = PLUGIN) -> None:
    """A plugin module `acme_rules` and an entry point naming `value`, as an installed plugin has."""
    (directory / "acme_rules.py").write_text(textwrap.dedent(source))
    point = EntryPoint(name="acme", value=value, group=plugins.GROUP)
    monkeypatch.setattr(plugins, "entry_points", lambda group: [point] if group == plugins.GROUP else [])


def klint(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("value", ["acme_rules", "acme_rules:NoDefaultNamespace"])
def test_a_plugin_rule_is_listed_explained_and_run(plugin_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                                   value: str) -> None:
    install(monkeypatch, plugin_dir, value)
    code, out, _ = klint("rules")
    assert code == 0 and any(line.startswith("ACME001  no-default-namespace") for line in out.splitlines())
    code, out, _ = klint("explain", "no-default-namespace")
    assert code == 0 and out.startswith("ACME001 no-default-namespace (severity medium)")
    assert "## Failing example" in out
    manifest = plugin_dir / "cm.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                        "  name: settings\n  namespace: default\n")
    code, out, _ = klint("--select", "ACME", str(manifest))
    assert code == 1
    assert f"{manifest}:5:3: MEDIUM ACME001 no-default-namespace: the object is in the default " \
           "namespace" in out
    code, out, err = klint("--ignore", "no-default-namespace", "--select", "ACME001,KL101", str(manifest))
    assert code == 0, (out, err)


def test_a_plugin_that_cannot_be_imported_is_an_error(plugin_dir: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    install(monkeypatch, plugin_dir, "acme_rules", "raise RuntimeError('no config')\n")
    code, out, err = klint("rules")
    assert code == 2 and out == ""
    assert err == ("klint: error: plugin 'acme' (acme_rules, entry point group klint.rules) cannot be "
                   "loaded: RuntimeError: no config\n")


@pytest.mark.parametrize(("source", "message"), [
    (PLUGIN.replace('"ACME001"', '"KL999"'),
     "code 'KL999' must be letters then digits, not starting with KL"),
    (PLUGIN.replace('"no-default-namespace"', '"NoDefault"'), "name 'NoDefault' must be kebab-case"),
    (PLUGIN.replace('"ACME001"', '"KL101"'), "duplicate rule code KL101"),
    (PLUGIN.replace("    def check(self, obj):", "    def other(self, obj):"),
     "check(obj) is not implemented"),
    (PLUGIN.replace("(Rule)", "(PodRule)").replace("def check(", "def other("),
     "check_pod(obj, pod) is not implemented"),
    (PLUGIN.replace("(Rule)", "(ContainerRule)").replace("def check(", "def other("),
     "check_container(container) is not implemented"),
    (PLUGIN.replace("(Rule)", "(KindRule)"), "kinds must be a tuple of the kinds the rule checks"),
])
def test_a_malformed_plugin_rule_is_an_error(plugin_dir: Path, monkeypatch: pytest.MonkeyPatch, source: str,
                                             message: str) -> None:
    install(monkeypatch, plugin_dir, "acme_rules", source)
    code, _, err = klint(str(plugin_dir))
    assert code == 2 and err.startswith("klint: error: plugin 'acme'") and message in err


def test_an_entry_point_naming_something_else_is_an_error(plugin_dir: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    install(monkeypatch, plugin_dir, "acme_rules:VALUE", PLUGIN + "VALUE = 3\n")
    code, _, err = klint("rules")
    assert code == 2 and "must name a module, a Rule subclass or a list of them, not 3" in err
