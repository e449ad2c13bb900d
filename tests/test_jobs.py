"""`--jobs`: worker processes give the same reports, files and exit codes as one process."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest
from helpers import dedent
from test_cli import klint

from klint import runner
from klint.config import Settings
from klint.reporters import FORMATS

POD = """
    apiVersion: v1
    kind: Pod
    metadata:
      name: web-{n}
    spec:
      hostNetwork: {host}
      containers:
        - name: app
          image: nginx:1.27
          securityContext:
            allowPrivilegeEscalation: true  # klint: ignore[KL102] {n}
            runAsUser: 0
"""


def make_tree(root: Path) -> Path:
    """More inputs than the pool's threshold, with every kind of outcome: findings, suppressions used
    and unused, a configuration of its own, a parse error, an undecodable file, a skipped template,
    a clean file."""
    tree = root / "tree"
    for n in range(24):
        (tree / f"team{n % 3}").mkdir(parents=True, exist_ok=True)
        (tree / f"team{n % 3}" / f"pod{n:02}.yaml").write_text(
            dedent(POD.format(n=n, host="true" if n % 2 else "false")), encoding="utf-8")
    (tree / "team1" / ".klint.yaml").write_text("ignore: [KL401]\n", encoding="utf-8")
    (tree / "team0" / "broken.yaml").write_text("a: [b\n", encoding="utf-8")
    (tree / "team0" / "latin1.yaml").write_bytes(b"name: caf\xe9\n")
    (tree / "team2" / "unused.yaml").write_text("# klint: ignore-file[KL101]\nkind: ConfigMap\n",
                                                encoding="utf-8")
    (tree / "team2" / "template.yaml").write_text("image: {{ .Values.image }}\n", encoding="utf-8")
    (tree / "team2" / "clean.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
                                               encoding="utf-8")
    return tree


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return make_tree(tmp_path).relative_to(tmp_path)


@pytest.mark.parametrize("output_format", list(FORMATS))
def test_every_format_is_the_same_with_workers(tree: Path, output_format: str) -> None:
    args = ("--format", output_format, "--warn-unused-suppressions", str(tree))
    one = klint("--jobs", "1", *args)
    assert one[0] == 2 and one[1]  # the parse error
    assert klint("--jobs", "2", *args) == one


def test_baseline_and_statistics_are_the_same_with_workers(tree: Path) -> None:
    code, _, _ = klint("--jobs", "2", "--write-baseline", "baseline.json", str(tree / "team0"))
    assert code == 2
    for args in (("--baseline", "baseline.json"), ("--statistics",), ("--format", "json", "--exit-zero")):
        assert klint("--jobs", "2", *args, str(tree)) == klint("--jobs", "1", *args, str(tree))


def test_fixes_are_the_same_with_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    one, two = make_tree(tmp_path / "one"), make_tree(tmp_path / "two")
    diff = klint("--jobs", "1", "--diff", "--unsafe-fixes", str(one.relative_to(tmp_path)))
    assert diff[1].startswith("--- a/")
    assert klint("--jobs", "2", "--diff", "--unsafe-fixes", str(two.relative_to(tmp_path))) == (
        diff[0], diff[1].replace("one/", "two/"), diff[2].replace("one/", "two/"))
    fixing = ("--fix", "--unsafe-fixes", "--format", "json")
    fixed = klint("--jobs", "1", *fixing, str(one.relative_to(tmp_path)))
    in_two = klint("--jobs", "2", *fixing, str(two.relative_to(tmp_path)))
    assert in_two[1] == fixed[1].replace("one/", "two/")
    files = sorted(path.relative_to(one) for path in one.rglob("*") if path.is_file())
    assert files == sorted(path.relative_to(two) for path in two.rglob("*") if path.is_file())
    assert [(one / f).read_bytes() for f in files] == [(two / f).read_bytes() for f in files]
    original = make_tree(tmp_path / "original")
    assert any((one / f).read_bytes() != (original / f).read_bytes() for f in files)


def test_outcomes_refer_to_the_parents_rules(tree: Path) -> None:
    settings = Settings()
    rules = settings.enabled_rules()
    outcomes = list(runner.run((str(tree),), settings, rules, jobs=2))
    found = [finding for outcome in outcomes for finding in outcome.result.findings]
    assert found and all(any(finding.rule is rule for rule in rules) for finding in found)


def test_a_worker_that_dies_is_an_error_for_its_inputs(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def dying(task: object, shared: object) -> runner.Outcome:
        import os

        os._exit(3)

    monkeypatch.setattr(runner, "_perform", dying)
    settings = Settings()
    outcomes = list(runner.run((str(tree),), settings, settings.enabled_rules(), jobs=2))
    assert len(outcomes) == 29
    assert all(o.result.problems[0].message.endswith("the worker process linting it died") for o in outcomes)


def test_standard_input_and_small_runs_stay_in_process(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool(*args: object) -> None:
        raise AssertionError("a pool was started")

    monkeypatch.setattr(runner.pool, "ordered_map", no_pool)
    assert klint("--jobs", "2", str(tree / "team0" / "pod00.yaml"), "-",
                 stdin=dedent(POD.format(n=1, host="true")))[0] == 1
    shutil.rmtree(tree / "team1")
    shutil.rmtree(tree / "team2")
    assert klint("--jobs", "2", str(tree))[0] == 2  # 10 inputs: below the threshold


def test_policies_run_in_the_workers(tree: Path) -> None:
    policy = Path(__file__).parent.parent / "examples" / "policies" / "conftest"
    args = ("--format", "json", "--policy", str(policy), "--data",
            str(policy.parent / "data" / "registries.yaml"), str(tree))
    one = klint("--jobs", "1", *args)
    assert '"main.' in one[1]
    assert klint("--jobs", "2", *args) == one


@pytest.mark.skipif(shutil.which("helm") is None and importlib.util.find_spec("helm_python") is None,
                    reason="the klint[helm] extra is not installed")
def test_charts_render_in_the_workers(tree: Path) -> None:
    shutil.copytree(Path(__file__).parent / "charts" / "insecure", tree / "chart")
    one = klint("--jobs", "1", "--format", "full", str(tree))
    assert "chart/templates/" in one[1]
    assert klint("--jobs", "2", "--format", "full", str(tree)) == one


def test_an_outcome_that_cannot_be_sent_back_is_an_error_for_its_input(
        tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    perform = runner._perform

    def unpicklable(task: runner._Task, shared: runner._Run) -> runner.Outcome:
        outcome = perform(task, shared)
        if task.path.endswith("pod03.yaml"):
            vars(outcome.result)["skipped"] = lambda: None  # a function: not picklable
        return outcome

    monkeypatch.setattr(runner, "_perform", unpicklable)
    settings = Settings()
    outcomes = list(runner.run((str(tree),), settings, settings.enabled_rules(), jobs=2))
    broken = [o for o in outcomes if o.result.problems and "pickle" in o.result.problems[0].message]
    assert [o.result.path for o in broken] == [str(tree / "team0" / "pod03.yaml")]
    assert sum(1 for o in outcomes if o.result.findings) > 20


@pytest.mark.parametrize(("render", "helm", "in_worker"), [
    ("kustomization.yaml", None, True),  # kustomize or kubectl: a child process of the worker
    ("Chart.yaml", "/usr/local/bin/helm", True),  # a helm binary, likewise
    ("Chart.yaml", None, shutil.which("helm") is not None),  # Helm's Go library: never in a forked worker
])
def test_renders_made_by_child_processes_are_made_in_the_workers(
        tree: Path, monkeypatch: pytest.MonkeyPatch, render: str, helm: str | None, in_worker: bool) -> None:
    import os

    from klint.engine import FileResult, Problem
    from klint.render import RenderOptions

    (tree / "rendered").mkdir()
    (tree / "rendered" / render).write_text("{}\n", encoding="utf-8")

    def where(directory: str, *args: object) -> FileResult:
        return FileResult(directory, problems=[Problem(directory, 1, 1, str(os.getpid()))])

    monkeypatch.setattr(runner, "lint_render", where)
    settings = Settings()
    outcomes = list(runner.run((str(tree),), settings, settings.enabled_rules(), jobs=2,
                               render=RenderOptions(helm=helm)))
    [rendered] = [o.result for o in outcomes if o.result.path.endswith("rendered")]
    assert (rendered.problems[0].message != str(os.getpid())) is in_worker
