"""Both hooks of .pre-commit-hooks.yaml through pre-commit itself (`pre-commit try-repo`), on a
temporary git repository of manifests, as a user's `pre-commit run` would run them. pre-commit builds
the hook's environment from this project (pip, from the package registry)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
PRE_COMMIT = Path(sys.executable).parent / "pre-commit"
INSECURE = (PROJECT / "examples/insecure/debug-pod.yaml").read_text()
FIXABLE = """\
apiVersion: v1
kind: Pod
metadata:
  name: web  # a comment that stays
spec:
  automountServiceAccountToken: false
  securityContext:
    runAsNonRoot: true
  containers:
    - name: app
      image: nginx:1.27
      securityContext:
        readOnlyRootFilesystem: true
        capabilities:
          drop: [ALL]
"""


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pre-commit cache for the module's runs."""
    return tmp_path_factory.mktemp("pre-commit-home")


def repository(root: Path, files: dict[str, str]) -> Path:
    root.mkdir()
    for name, text in files.items():
        (root / name).write_text(text)
    git = ["git", "-c", "user.email=test@example.com", "-c", "user.name=test"]
    subprocess.run([*git, "init", "-q"], cwd=root, check=True)
    subprocess.run([*git, "add", "."], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "manifests"], cwd=root, check=True)
    return root


def try_repo(root: Path, home: Path, hook: str) -> subprocess.CompletedProcess[str]:
    assert PRE_COMMIT.exists(), "pre-commit is a test dependency: pip install -e '.[test]'"
    assert shutil.which("git"), "pre-commit needs git"
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    return subprocess.run([str(PRE_COMMIT), "try-repo", str(PROJECT), hook, "--all-files"], cwd=root, env=env,
                          capture_output=True, text=True, check=False, timeout=600)


def test_the_klint_hook_fails_on_findings_and_passes_clean_files(tmp_path: Path, home: Path) -> None:
    insecure = repository(tmp_path / "insecure", {"pod.yaml": INSECURE, "notes.md": "not linted\n"})
    result = try_repo(insecure, home, "klint")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "pod.yaml:7:3: HIGH KL203 host-ipc" in result.stdout
    clean = repository(tmp_path / "clean", {"values.yaml": "replicas: 2\n"})  # YAML, not a Kubernetes object
    result = try_repo(clean, home, "klint")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_klint_fix_hook_rewrites_files_and_keeps_failing_while_findings_remain(tmp_path: Path,
                                                                                  home: Path) -> None:
    root = repository(tmp_path / "fixable", {"pod.yaml": FIXABLE})
    result = try_repo(root, home, "klint-fix")
    assert result.returncode == 1, result.stdout + result.stderr  # the hook changed a file
    fixed = (root / "pod.yaml").read_text()
    assert "allowPrivilegeEscalation: false" in fixed and "# a comment that stays" in fixed
    assert "seccompProfile" in fixed
    result = try_repo(root, home, "klint-fix")
    assert result.returncode == 0, result.stdout + result.stderr  # every finding fixed: the hook passes
    assert (root / "pod.yaml").read_text() == fixed
    # Findings that no safe fix solves: once the safe fixes are in, the hook fails on its exit code
    # alone (klint --fix exits 0 only when no finding remains).
    insecure = repository(tmp_path / "insecure", {"pod.yaml": INSECURE})
    try_repo(insecure, home, "klint-fix")
    safe_fixed = (insecure / "pod.yaml").read_text()
    result = try_repo(insecure, home, "klint-fix")
    assert result.returncode == 1 and "KL203 host-ipc" in result.stdout, result.stdout + result.stderr
    assert (insecure / "pod.yaml").read_text() == safe_fixed
