"""Helpers for the report format tests: a throwaway git repository of manifests, linted as `klint` does.

    def test_x(tmp_path, monkeypatch):
        repo(tmp_path, monkeypatch, {"deploy/pod.yaml": POD})   # writes files, adds .git, cd's there
        report = run("deploy")                                   # Report, as the CLI builds it
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from helpers import dedent

from klint import runner
from klint.config import Settings
from klint.reporters import Report

HOST_IPC_POD = """
    apiVersion: v1
    kind: Pod
    metadata:
      name: debug
      namespace: dev
    spec:
      hostIPC: true
      containers:
        - name: shell
          image: busybox:1.36
"""

PRIVILEGED_DEPLOYMENT = """
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
      namespace: prod
    spec:
      template:
        spec:
          containers:
            - name: app
              image: nginx:1.27
              securityContext:
                privileged: true
"""

CONFIG_MAP = """
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: settings
    data:
      mode: fast
"""

BROKEN = "apiVersion: v1\nkind: Pod\nmetadata: {name: [unclosed\n"

HELM_TEMPLATE = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Values.name }}\n"


def repo(root: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str], cwd: str = ".") -> Path:
    """Write dedented `files` under `root`, make it a git work tree (a `.git` directory) and enter `cwd`."""
    (root / ".git").mkdir(parents=True)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text), encoding="utf-8", newline="")
    monkeypatch.chdir(root / cwd)
    return root


def run(*paths: str, settings: Settings | None = None) -> Report:
    settings = settings or Settings()
    rules = settings.enabled_rules()
    results = [outcome.result for outcome in runner.run(paths, settings, rules)]
    return Report(results, rules, settings)


def with_findings(report: Report, change: dict[str, Any]) -> Report:
    """The report with every finding changed (e.g. {"suppressed": Suppression(...)})."""
    results = [dataclasses.replace(r, findings=[dataclasses.replace(f, **change) for f in r.findings])
               for r in report.results]
    return dataclasses.replace(report, results=results)
