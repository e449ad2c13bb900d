"""Start-up: what each command imports. A pre-commit run lints a file or two, so what a plain lint does
not use is imported only when asked for (timings are in bench/startup.py, not here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# Never needed to lint a file and print text: the version's metadata, the pool, the fixer, the other
# reporters, SARIF's object model, the policies, the renderers, pyproject.toml's parser.
NOT_FOR_A_LINT = ["importlib.metadata", "multiprocessing", "concurrent.futures", "pickle", "klint.fixer",
                  "klint.reporters.json_format", "klint.reporters.sarif", "sarif_om", "attr",
                  "klint.policies", "klint.render.origin", "klint.render.helm", "tomllib", "difflib"]
ENGINE = ["klint.engine", "klint.runner", "klint.config", "klint.reporters.text", *NOT_FOR_A_LINT]


def imported(tmp_path: Path, *args: str) -> set[str]:
    """The modules imported by `klint ARGS` in a fresh interpreter."""
    script = ("import sys, json\nfrom klint.cli import main\nsys.argv = ['klint', *json.loads(sys.argv[1])]\n"
              "try:\n    main()\nexcept SystemExit:\n    pass\n"
              "print(json.dumps(sorted(sys.modules)), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", script, json.dumps(args)], cwd=tmp_path, capture_output=True,
                          text=True, check=True)
    return set(json.loads(done.stderr.splitlines()[-1]))


def test_a_plain_lint_imports_only_what_it_uses(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n"
                                       "  containers: [{name: a, image: nginx:1.27}]\n", encoding="utf-8")
    modules = imported(tmp_path, "pod.yaml")
    assert "klint.engine" in modules
    assert sorted(modules & set(NOT_FOR_A_LINT)) == []


@pytest.mark.parametrize("args", [["--version"], ["rules"], ["explain", "KL101"]])
def test_version_rules_and_explain_load_no_engine(tmp_path: Path, args: list[str]) -> None:
    modules = imported(tmp_path, *args)
    if args == ["--version"]:  # the version's metadata, and nothing that reads manifests
        assert "klint.document" not in modules and "ruamel.yaml" not in modules
        modules.discard("importlib.metadata")
    assert sorted(modules & set(ENGINE)) == []


def klint_output(tmp_path: Path, *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", "from klint.cli import main; main()", *args], cwd=tmp_path,
                          capture_output=True, text=True, check=True)
    return done.stdout


def test_json_and_sarif_still_report_the_version(tmp_path: Path) -> None:
    from importlib.metadata import version

    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
                                      encoding="utf-8")
    assert json.loads(klint_output(tmp_path, "--format", "json", "cm.yaml"))["version"] == version("klint")
    sarif = json.loads(klint_output(tmp_path, "--format", "sarif", "cm.yaml"))
    assert sarif["runs"][0]["tool"]["driver"]["version"] == version("klint")
    assert klint_output(tmp_path, "--version") == f"klint, version {version('klint')}\n"


def test_plugins_are_found_without_importlib_metadata_only_when_none_is_declared(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from klint import plugins

    info = tmp_path / "acme_klint-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-klint\nVersion: 1.0\n",
                                   encoding="utf-8")
    (info / "entry_points.txt").write_text("[console_scripts]\nacme = acme:main\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert plugins.entry_points(plugins.GROUP) == []
    (info / "entry_points.txt").write_text("[klint.rules]\nacme = acme_rules\n", encoding="utf-8")
    (point,) = plugins.entry_points(plugins.GROUP)
    assert (point.name, point.value, point.group) == ("acme", "acme_rules", plugins.GROUP)
