"""Kustomizations built offline: findings at the resource or patch line that writes the value."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from klint.cli import main
from klint.render import kustomize

KUSTOMIZE = Path(__file__).parent / "kustomize"
needs_kustomize = pytest.mark.skipif(kustomize._builder() is None,
                                     reason="neither kustomize nor kubectl (the klint[kustomize] extra)")


def findings(*args: str) -> tuple[int, list[dict[str, Any]], dict[str, Any]]:
    result = CliRunner().invoke(main, ["--format", "json", *args])
    report = json.loads(result.output)
    return result.exit_code, report["findings"], report


def at(finding: dict[str, Any]) -> str:
    location = finding["location"]
    path = os.path.relpath(location["path"], KUSTOMIZE)
    return f"{finding['code']} {path}:{location['start']['line']}:{location['start']['column']}"


@needs_kustomize
def test_an_overlay_points_at_the_patch_that_writes_the_value_and_the_base_for_the_rest() -> None:
    code, found, report = findings("--select", "KL101,KL201", str(KUSTOMIZE / "overlay"))
    assert code == 1
    assert [at(f) for f in found] == ["KL201 base/deployment.yaml:14:7",
                                      "KL101 overlay/privileged.yaml:11:13"]
    assert [f["object"]["name"] for f in found] == ["prod-web", "prod-web"]  # as built: namePrefix
    assert all(f["rendered"]["path"] == str(KUSTOMIZE / "overlay") for f in found)
    assert report["summary"]["files"] == 1


@needs_kustomize
def test_walking_builds_each_kustomization_and_never_lints_a_patch_alone() -> None:
    code, found, report = findings("--select", "KL101,KL201", str(KUSTOMIZE))
    assert code == 1
    assert report["summary"]["files"] == 2 and report["skipped"] == []
    assert sorted(at(f) for f in found) == ["KL101 overlay/privileged.yaml:11:13",
                                            "KL201 base/deployment.yaml:14:7",
                                            "KL201 base/deployment.yaml:14:7"]


@needs_kustomize
def test_a_value_no_file_writes_points_at_the_kustomization(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n"
                                       "  containers:\n    - name: c\n      image: busybox\n")
    (tmp_path / "kustomization.yaml").write_text(
        "resources:\n  - pod.yaml\npatches:\n  - target:\n      kind: Pod\n    patch: |-\n"
        "      - op: add\n        path: /spec/hostPID\n        value: true\n")
    code, found, _ = findings("--select", "KL202", str(tmp_path))
    assert code == 1
    assert [(f["location"]["path"], f["location"]["start"]["line"]) for f in found] == [
        (str(tmp_path / "kustomization.yaml"), 1)]
    assert found[0]["note"] == f"set by a transformer or patch of the kustomization; the object comes " \
                               f"from {tmp_path / 'pod.yaml'}"


kustomize_hint = "kustomize patch (a partial object): lint the kustomization that applies it (klint DIR)"


def test_a_patch_file_named_alone_is_skipped_with_a_hint(tmp_path: Path) -> None:
    patch = tmp_path / "delete.yaml"
    patch.write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n$patch: delete\n")
    code, _, report = findings(str(patch))
    assert code == 0
    assert report["skipped"] == [{"path": str(patch), "reason": kustomize_hint}]


def test_without_a_builder_a_kustomization_is_an_input_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kustomize, "_builder", lambda: None)
    code, _, report = findings(str(KUSTOMIZE / "base"))
    assert code == 2
    assert report["errors"][0]["message"] == kustomize.INSTALL_HINT


@needs_kustomize
def test_a_build_error_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources:\n  - missing.yaml\n")
    code, _, report = findings(str(tmp_path))
    assert code == 2
    assert report["errors"][0]["path"] == str(tmp_path / "kustomization.yaml")
    assert "missing.yaml" in report["errors"][0]["message"]


def test_a_remote_resource_is_an_error_never_fetched(tmp_path: Path) -> None:
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "kustomization.yaml").write_text(
        "resources:\n  - https://example.com/deploy.yaml\n")
    (tmp_path / "kustomization.yaml").write_text(
        "resources:\n  - base\n  - github.com/org/repo//deploy?ref=v1\n")
    code, _, report = findings(str(tmp_path))
    assert code == 2
    why = "klint fetches nothing; vendor it into the repository to lint this kustomization"
    assert sorted((e["path"], e["message"]) for e in report["errors"]) == [
        (str(tmp_path / "base" / "kustomization.yaml"),
         f"remote resource 'https://example.com/deploy.yaml': {why}"),
        (str(tmp_path / "kustomization.yaml"),
         f"remote resource 'github.com/org/repo//deploy?ref=v1': {why}")]
