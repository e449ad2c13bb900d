"""A whole run: inputs in order, unreadable directories in their place, standard input, fixing in memory."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from helpers import dedent

from klint.config import Settings
from klint.runner import run

POD = """
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      hostNetwork: true
      containers:
        - name: app
          image: nginx:1.27
"""


def test_outcomes_come_in_input_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("a/pod.yaml", "b/locked/pod.yaml", "b/pod.yaml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(dedent(POD), encoding="utf-8")
    scandir = os.scandir

    def failing_scandir(path: str) -> object:  # simulated, so that it runs as root too
        if Path(path) == Path("b/locked"):
            raise PermissionError(13, "Permission denied", path)
        return scandir(path)

    monkeypatch.setattr(os, "scandir", failing_scandir)
    settings = Settings(select=("host-network",))
    outcomes = list(run(("b", "-", "a/pod.yaml"), settings, settings.enabled_rules(),
                        stdin=io.BytesIO(dedent(POD).encode()), stdin_filename="piped.yaml"))
    assert [(o.result.path, o.stdin) for o in outcomes] == [
        (os.path.join("b", "locked"), False), (os.path.join("b", "pod.yaml"), False), ("piped.yaml", True),
        ("a/pod.yaml", False)]
    assert [len(o.result.findings) for o in outcomes] == [0, 1, 1, 1]
    assert outcomes[0].result.problems[0].message == "cannot read directory: Permission denied"
    assert all(o.fix is None for o in outcomes)


def test_fixing_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pod.yaml").write_text(dedent(POD), encoding="utf-8")
    settings = Settings(select=("KL102",))  # allow-privilege-escalation: a safe fix
    (outcome,) = run((), settings, settings.enabled_rules(), fix=True)
    assert outcome.fix is not None and outcome.fix.changed and outcome.result is outcome.fix.result
    assert (tmp_path / "pod.yaml").read_text(encoding="utf-8") == dedent(POD)
