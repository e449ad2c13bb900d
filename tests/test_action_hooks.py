"""The GitHub Action (action.yml) and the pre-commit hooks (.pre-commit-hooks.yaml): their structure
always, and the SchemaStore schemas in ../shared when present."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from klint.reporters import FORMATS

PROJECT = Path(__file__).resolve().parents[1]
SCHEMAS = PROJECT.parent / "shared" / "schemas"


def load(name: str) -> Any:
    return YAML(typ="safe", pure=True).load((PROJECT / name).read_text(encoding="utf-8"))


def schema_errors(document: Any, schema_name: str) -> list[str]:
    import jsonschema

    path = SCHEMAS / schema_name
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    schema = json.loads(path.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [f"{list(error.path)}: {error.message}" for error in validator.iter_errors(document)]


# --- action.yml -------------------------------------------------------------------------------------


def test_action_validates_against_the_schema() -> None:
    assert schema_errors(load("action.yml"), "github-action.json") == []


def test_the_action_schema_check_can_fail() -> None:
    broken = {**load("action.yml"), "runs": {"using": "composite"}}  # no steps
    assert schema_errors(broken, "github-action.json")


def test_action_is_a_composite_that_installs_klint_from_its_own_path() -> None:
    action = load("action.yml")
    assert action["name"] and action["description"]
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    for step in steps:
        assert ("uses" in step) != ("run" in step), step
        if "run" in step:
            assert step["shell"] == "bash"
    scripts = "\n".join(step.get("run", "") for step in steps)
    assert 'pip install --quiet --disable-pip-version-check "$GITHUB_ACTION_PATH"' in scripts
    assert '--output "sarif:$KLINT_SARIF_FILE"' in scripts
    assert '--output "github:$annotations"' in scripts


def test_action_inputs_reach_scripts_only_through_the_environment() -> None:
    """`${{ inputs.x }}` pasted into a script would let an input inject shell code."""
    action = load("action.yml")
    declared = set(action["inputs"])
    assert {"paths", "args", "format", "sarif-file", "annotations"} <= declared
    assert all(name in action["inputs"]["format"]["description"] for name in FORMATS)
    for step in action["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), step["name"]
        used = re.findall(r"inputs\.([\w-]+)", json.dumps(step))
        assert set(used) <= declared
    for name, output in action["outputs"].items():
        assert re.fullmatch(r"\$\{\{ steps\.klint\.outputs\.[\w-]+ \}\}", output["value"]), name
    for spec in action["inputs"].values():
        assert isinstance(spec.get("default", ""), str)  # GitHub passes strings


def run_action_step(tmp_path: Path, **inputs: str) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    """The action's "Run klint" step as the runner runs it: its script in bash, inputs in the environment."""
    (step,) = [step for step in load("action.yml")["runs"]["steps"] if step.get("id") == "klint"]
    klint = Path(sys.executable).parent / "klint"
    outputs = tmp_path / "outputs"
    env = {**os.environ, "KLINT": str(klint), "RUNNER_TEMP": str(tmp_path), "GITHUB_OUTPUT": str(outputs),
           "KLINT_FORMAT": "text", "KLINT_SARIF_FILE": "", "KLINT_ANNOTATIONS": "true", "KLINT_ARGS": "",
           **{f"KLINT_{name.upper()}": value for name, value in inputs.items()}}
    result = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=PROJECT, env=env, capture_output=True,
                            text=True, check=False)
    return result, dict(line.split("=", 1) for line in outputs.read_text().splitlines())


def test_the_action_step_lints_writes_sarif_and_annotates(tmp_path: Path) -> None:
    sarif = tmp_path / "klint.sarif"
    result, outputs = run_action_step(tmp_path, paths="examples/insecure/debug-pod.yaml examples/hardened",
                                      args="--fail-on high --ignore KL303", sarif_file=str(sarif))
    assert result.returncode == 1 and outputs == {"sarif-file": str(sarif), "exit-code": "1"}
    assert "Found " in result.stdout and "KL303" not in result.stdout
    assert "::error file=examples/insecure/debug-pod.yaml,line=7,col=3," in result.stdout  # annotations
    assert json.loads(sarif.read_text())["runs"][0]["results"]


def test_the_action_step_passes_on_clean_manifests_and_never_expands_globs(tmp_path: Path) -> None:
    result, outputs = run_action_step(tmp_path, paths="examples/hardened", annotations="false")
    assert (result.returncode, outputs["exit-code"]) == (0, "0")
    result, _ = run_action_step(tmp_path, paths="examples/*")  # a literal path, not a glob
    assert result.returncode == 2 and "examples/*:1:1: ERROR cannot read file" in result.stdout


def test_the_action_step_splits_args_as_a_shell_does_without_expanding(tmp_path: Path) -> None:
    manifests = tmp_path / "my manifests"
    manifests.mkdir()
    (manifests / "pod.yaml").write_text((PROJECT / "examples/insecure/debug-pod.yaml").read_text())
    result, outputs = run_action_step(tmp_path, paths=f"'{manifests}'", annotations="false",
                                      args="--select 'KL203' --fail-on \"high\"")
    assert outputs["exit-code"] == "1" and "KL203" in result.stdout and "KL402" not in result.stdout
    result, outputs = run_action_step(tmp_path, paths="examples/hardened", args="--select '$(touch x)' $HOME")
    assert outputs["exit-code"] == "2" and "unknown rule '$(touch x)'" in result.stderr
    assert not (PROJECT / "x").exists()
    result, outputs = run_action_step(tmp_path, paths="examples/hardened", args="--select 'KL203")
    assert outputs["exit-code"] == "2" and "cannot split the args input" in result.stderr


def test_the_action_step_annotates_once_and_leaves_sarif_after_a_usage_error(tmp_path: Path) -> None:
    result, _ = run_action_step(tmp_path, paths="examples/insecure/debug-pod.yaml", format="github")
    assert result.stdout.count("::error file=examples/insecure/debug-pod.yaml,line=7,col=3,") == 1
    sarif = tmp_path / "klint.sarif"
    result, outputs = run_action_step(tmp_path, paths="examples", args="--no-such-option",
                                      sarif_file=str(sarif))
    assert outputs["exit-code"] == "2"
    data = json.loads(sarif.read_text())
    assert data["version"] == "2.1.0" and data["runs"][0]["results"] == []


# --- .pre-commit-hooks.yaml -------------------------------------------------------------------------


def test_hooks_validate_against_the_schema() -> None:
    assert schema_errors(load(".pre-commit-hooks.yaml"), "pre-commit-hooks.json") == []


def test_the_hooks_schema_check_can_fail() -> None:
    hooks = load(".pre-commit-hooks.yaml")
    assert schema_errors([{key: v for key, v in hooks[0].items() if key != "entry"}], "pre-commit-hooks.json")


def test_hooks_lint_and_fix_yaml_or_json_files() -> None:
    hooks = {hook["id"]: hook for hook in load(".pre-commit-hooks.yaml")}
    assert set(hooks) == {"klint", "klint-fix"}
    assert hooks["klint"]["entry"] == "klint"
    assert hooks["klint-fix"]["entry"] == "klint --fix"
    scripts = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    for hook in hooks.values():
        assert hook["language"] == "python"  # pre-commit installs this repository with pip
        assert hook["entry"].split()[0] in scripts
        assert hook["types_or"] == ["yaml", "json"]
        assert "types" not in hook  # `types` would need a file to be both
        assert hook["name"] and hook["description"]
