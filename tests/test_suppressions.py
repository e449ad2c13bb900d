"""Suppressions: comments, annotations (klint's and other tools'), baselines, per-path configuration,
and what they do to reports, fixes and the exit code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import dedent

from klint.cli import main
from klint.config import Settings
from klint.engine import Finding, lint_source
from klint.source import Source

AGENT = """
    apiVersion: apps/v1
    kind: DaemonSet
    metadata:
      name: agent
    spec:
      template:
        spec:
          hostNetwork: true
          hostPID: true
          containers:
            - name: app
              image: agent:1.0
              securityContext:
                privileged: true
"""


def lint(text: str, *rules: str, warn: bool = False, dedented: bool = True, path: str = "agent.yaml",
         **settings: object) -> list[Finding]:
    chosen = Settings(select=rules, warn_unused_suppressions=warn, **settings)  # type: ignore[arg-type]
    source = Source.from_text(path, dedent(text) if dedented else text)
    result = lint_source(source, chosen.enabled_rules(), chosen)
    assert not result.problems, result.problems
    return result.findings


def active(findings: list[Finding]) -> list[str]:
    return sorted(f.rule.name for f in findings if f.suppressed is None)


def suppressed(findings: list[Finding]) -> dict[str, tuple[str, str]]:
    return {f.rule.name: (f.suppressed.by, f.suppressed.justification) for f in findings if f.suppressed}


CORE = ("host-network", "host-pid", "privileged-container")


def test_without_suppressions_every_finding_counts() -> None:
    assert active(lint(AGENT, *CORE)) == ["host-network", "host-pid", "privileged-container"]


# --- comments ------------------------------------------------------------------------------------

def test_a_trailing_comment_suppresses_the_rules_it_names_on_its_line_with_its_reason() -> None:
    comment = "# klint: ignore[host-pid] reads the node's processes"
    text = AGENT.replace("hostPID: true", f"hostPID: true  {comment}")
    findings = lint(text, *CORE)
    assert active(findings) == ["host-network", "privileged-container"]
    assert suppressed(findings) == {"host-pid": ("comment", "reads the node's processes")}


def test_a_comment_line_covers_the_next_line_and_rules_by_code_or_name() -> None:
    text = AGENT.replace("          hostPID: true",
                         "          # klint: ignore[KL202, host-network] -- node agent\n"
                         "          hostPID: true")
    findings = lint(text, *CORE)
    assert active(findings) == ["host-network", "privileged-container"]  # hostNetwork is on another line
    assert suppressed(findings)["host-pid"] == ("comment", "node agent")


def test_a_comment_on_the_line_that_opens_a_mapping_or_item_covers_what_is_inside() -> None:
    container = AGENT.replace("            - name: app", "            - name: app  # klint: ignore[KL101]")
    assert active(lint(container, *CORE)) == ["host-network", "host-pid"]
    above_object = "# klint: ignore[host-network,host-pid] the CNI agent\n" + dedent(AGENT)
    assert active(lint(above_object, *CORE, dedented=False)) == ["privileged-container"]


def test_a_blank_line_ends_what_a_comment_line_covers() -> None:
    text = AGENT.replace("          hostPID: true",
                         "          # klint: ignore[host-pid]\n\n          hostPID: true")
    assert "host-pid" in active(lint(text, *CORE))


def test_ignore_document_and_ignore_file() -> None:
    second = dedent(AGENT).replace("name: agent", "name: other")
    text = dedent(AGENT).replace("kind: DaemonSet\n", "kind: DaemonSet\n# klint: ignore-document[KL101]\n")
    stream = text + "---\n" + second
    findings = lint(stream, *CORE, dedented=False)
    assert [(f.obj.name, f.rule.name) for f in findings
            if f.suppressed] == [("agent", "privileged-container")]
    whole = "# klint: ignore-file[KL101] lab cluster only\n" + dedent(AGENT) + "---\n" + second
    findings = lint(whole, *CORE, dedented=False)
    assert [f.obj.name for f in findings if f.suppressed] == ["agent", "other"]
    assert {f.suppressed.justification for f in findings if f.suppressed} == {"lab cluster only"}


def test_a_comment_above_the_first_separator_belongs_to_the_first_document() -> None:
    text = "# klint: ignore-document[host-pid]\n---\n" + dedent(AGENT)
    assert active(lint(text, *CORE, dedented=False)) == ["host-network", "privileged-container"]


def test_bare_ignore_suppresses_every_rule_and_is_reported_with_the_warning() -> None:
    text = AGENT.replace("privileged: true", "privileged: true  # klint: ignore")
    assert active(lint(text, *CORE)) == ["host-network", "host-pid"]
    findings = lint(text, *CORE, warn=True)
    blanket = [f for f in findings if f.rule.name == "blanket-suppression"]
    assert [(f.span.start_line, f.span.start_column) for f in blanket] == [(14, 31)]
    assert blanket[0].message.startswith("`klint: ignore` names no rule")


def test_ignore_without_brackets_names_rules_when_its_first_word_is_rules() -> None:
    text = AGENT.replace("hostPID: true", "hostPID: true  # klint: ignore host-pid needed")
    findings = lint(text, *CORE, warn=True)
    assert suppressed(findings) == {"host-pid": ("comment", "needed")}
    assert "blanket-suppression" not in active(findings)


def test_comment_look_alikes_inside_scalars_suppress_nothing() -> None:
    text = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          hostPID: true
          containers:
            - name: app
              image: busybox:1.36
              args:
                - |
                  echo hi # klint: ignore[host-pid]
              command: ["sh", "-c", "x # klint: ignore-file"]
    """
    assert active(lint(text, "host-pid")) == ["host-pid"]


def test_crlf_files() -> None:
    text = dedent(AGENT).replace("hostPID: true", "hostPID: true  # klint: ignore[host-pid] why")
    text = text.replace("\n", "\r\n")
    findings = lint(text, *CORE, dedented=False)
    assert active(findings) == ["host-network", "privileged-container"]
    assert suppressed(findings) == {"host-pid": ("comment", "why")}


def test_trivy_comments_are_read_like_klint_ones() -> None:
    text = AGENT.replace("hostPID: true", "hostPID: true  # trivy:ignore:KSV010")
    assert suppressed(lint(text, *CORE)) == {"host-pid": ("trivy comment", "")}
    assert active(lint(text, *CORE, foreign_ignores=())) == list(CORE)


# --- annotations ---------------------------------------------------------------------------------

def annotated(*annotations: str, where: str = "object") -> str:
    block = "".join(f"\n        {line}" for line in annotations)
    if where == "object":
        return AGENT.replace("  name: agent", "  name: agent\n      annotations:" + block)
    return AGENT.replace("    spec:\n          hostNetwork",
                         "    metadata:\n          annotations:" + block.replace("\n", "\n    ")
                         + "\n        spec:\n          hostNetwork")


def test_klint_annotations_on_the_object_and_on_its_pod_template() -> None:
    for where in ("object", "template"):
        text = annotated('klint.dev/ignore: "host-network, KL202"', "klint.dev/ignore-reason: CNI agent",
                         where=where)
        findings = lint(text, *CORE)
        assert active(findings) == ["privileged-container"], where
        assert suppressed(findings)["host-pid"] == ("annotation", "CNI agent")


def test_a_per_container_annotation_covers_that_container_only() -> None:
    text = annotated("klint.dev/ignore.app: privileged-container")
    assert active(lint(text, *CORE)) == ["host-network", "host-pid"]
    other = annotated("klint.dev/ignore.sidecar: privileged-container")
    assert active(lint(other, *CORE)) == list(CORE)


def test_json_manifests_use_annotations() -> None:
    manifest = {"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "web", "annotations": {"klint.dev/ignore": "host-pid"}},
                "spec": {"hostPID": True, "containers": [{"name": "app", "image": "nginx:1.27"}]}}
    findings = lint(json.dumps(manifest, indent=2), "host-pid", dedented=False, path="pod.json")
    assert suppressed(findings) == {"host-pid": ("annotation", "")}


@pytest.mark.parametrize(("annotation", "tool", "reason"), [
    ('ignore-check.kube-linter.io/host-network: "CNI agent"', "kube-linter", "CNI agent"),
    ('polaris.fairwinds.com/hostNetworkSet-exempt: "true"', "polaris", ""),
    ('checkov.io/skip1: "CKV_K8S_19=CNI agent"', "checkov", "CNI agent"),
])
def test_other_tools_ignore_annotations_map_through_equivalents(annotation: str, tool: str,
                                                                reason: str) -> None:
    findings = lint(annotated(annotation), *CORE)
    assert active(findings) == ["host-pid", "privileged-container"]
    assert suppressed(findings) == {"host-network": (f"{tool} annotation", reason)}
    assert active(lint(annotated(annotation), *CORE, foreign_ignores=())) == list(CORE)


def test_other_tools_ignore_all_annotations_cover_their_mapped_rules() -> None:
    for annotation in ('polaris.fairwinds.com/exempt: "true"', 'kube-linter.io/ignore-all: "generated"'):
        assert active(lint(annotated(annotation), *CORE)) == [], annotation
    assert active(lint(annotated('polaris.fairwinds.com/exempt: "false"'), *CORE)) == list(CORE)


def test_another_tools_unused_ignore_is_never_reported() -> None:
    text = annotated('ignore-check.kube-linter.io/host-ipc: "meant for kube-linter"')
    assert active(lint(text, *CORE, "host-ipc", warn=True)) == list(CORE)


# --- unused suppressions -------------------------------------------------------------------------

def test_unused_suppressions_point_at_the_comment_or_the_annotation() -> None:
    text = annotated("klint.dev/ignore: host-ipc").replace(
        "hostPID: true", "hostPID: true  # klint: ignore[host-pid, host-network, no-such-rule]")
    findings = [f for f in lint(text, *CORE, "host-ipc", warn=True) if f.rule.name == "unused-suppression"]
    assert [(f.span.start_line, f.span.start_column, f.message) for f in findings] == [
        (6, 5, "unused suppression: `klint.dev/ignore` has no host-ipc finding to suppress"),
        (11, 22, "`klint: ignore` names an unknown rule 'no-such-rule'"),
        (11, 22, "unused suppression: `klint: ignore` has no host-network finding to suppress"),
    ]


def test_a_suppression_of_a_rule_that_did_not_run_is_not_reported_as_unused() -> None:
    text = AGENT.replace("hostPID: true", "hostPID: true  # klint: ignore[host-ipc]")
    assert [f.rule.name for f in lint(text, "host-pid", warn=True)] == ["host-pid"]


def test_a_finding_covered_twice_uses_both_suppressions() -> None:
    text = annotated("klint.dev/ignore: host-pid")
    text = text.replace("hostPID: true", "hostPID: true  # klint: ignore[host-pid]")
    assert [f.rule.name for f in lint(text, "host-pid", warn=True) if f.suppressed is None] == []


# --- the command line: reports, exit codes, fixes, baselines, configuration ----------------------

@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def klint(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(dedent(text), encoding="utf-8", newline="")


def test_justified_exceptions_make_the_run_pass(tmp_path: Path) -> None:
    write(tmp_path, {"agent.yaml": annotated('klint.dev/ignore: "host-network,host-pid,privileged-container"',
                                             "klint.dev/ignore-reason: the CNI agent")})
    code, out, _ = klint("--select", ",".join(CORE), "agent.yaml")
    assert code == 0 and out == "No findings in 1 file (3 suppressed).\n"
    code, out, _ = klint("--select", ",".join(CORE), "--format", "sarif", "agent.yaml")
    results = json.loads(out)["runs"][0]["results"]
    expected = [{"kind": "inSource", "justification": "the CNI agent"}]
    assert [result["suppressions"] for result in results] == [expected] * 3


def test_exit_zero(tmp_path: Path) -> None:
    write(tmp_path, {"agent.yaml": AGENT, "broken.yaml": "a: [\n"})
    assert klint("--exit-zero", "agent.yaml")[0] == 0
    assert klint("agent.yaml")[0] == 1
    assert klint("--exit-zero", "agent.yaml", "broken.yaml")[0] == 2  # klint could not read an input


def test_fix_leaves_suppressed_findings_and_their_comments_alone(tmp_path: Path) -> None:
    text = AGENT.replace("privileged: true", "privileged: true  # klint: ignore[KL101] needs the devices")
    write(tmp_path, {"agent.yaml": text})
    klint("--select", "KL101,KL306", "--fix", "--unsafe-fixes", "agent.yaml")
    fixed = (tmp_path / "agent.yaml").read_text()
    assert "privileged: true  # klint: ignore[KL101] needs the devices" in fixed
    assert "type: RuntimeDefault" in fixed  # the finding that counts is fixed


def test_a_comment_on_a_line_that_a_fix_shifts_still_suppresses(tmp_path: Path) -> None:
    comment = "privileged: true  # klint: ignore[KL101]"
    write(tmp_path, {"agent.yaml": AGENT.replace("privileged: true", comment)})
    before = (tmp_path / "agent.yaml").read_text().splitlines()
    klint("--select", "KL101,KL201,KL202", "--fix", "--unsafe-fixes", "agent.yaml")  # removes two lines above
    after = (tmp_path / "agent.yaml").read_text().splitlines()
    line = [comment in line for line in before].index(True)
    assert after[line - 2].strip() == comment
    code, out, _ = klint("--select", "KL101,KL201,KL202", "agent.yaml")
    assert code == 0 and out == "No findings in 1 file (1 suppressed).\n"


def baseline_entries(path: Path) -> list[dict[str, object]]:
    data = json.loads(path.read_text())
    assert data["schema"] == "klint/baseline/v1" and data["klint"]
    return data["findings"]


def test_baseline_records_findings_and_later_runs_report_only_new_ones(tmp_path: Path) -> None:
    write(tmp_path, {"deploy/agent.yaml": AGENT})
    code, _, err = klint("--select", ",".join(CORE), "--write-baseline", "baseline.json", "deploy")
    assert code == 0 and "recorded 3 findings" in err
    entries = baseline_entries(tmp_path / "baseline.json")
    assert [(e["path"], e["rule"], e["name"], e["container"]) for e in entries] == [
        ("deploy/agent.yaml", "KL101", "agent", "app"), ("deploy/agent.yaml", "KL201", "agent", None),
        ("deploy/agent.yaml", "KL202", "agent", None)]
    assert (tmp_path / "baseline.json").read_text().count("\n") == len(entries) + 6  # one finding a line
    assert klint("--select", ",".join(CORE), "--baseline", "baseline.json", "deploy")[0] == 0

    # moved lines, a comment above, and a new sidecar that is privileged too: only the sidecar is new
    moved = dedent(AGENT).replace("hostNetwork: true\n      hostPID: true",
                                  "hostPID: true\n      hostNetwork: true")
    assert moved != dedent(AGENT)
    sidecar = ("        - name: sidecar\n          image: proxy:1.0\n"
               "          securityContext:\n            privileged: true\n")
    moved = "# moved around\n" + moved + sidecar
    (tmp_path / "deploy/agent.yaml").write_text(moved)
    code, out, _ = klint("--select", ",".join(CORE), "--baseline", "baseline.json", "deploy")
    assert code == 1 and out.count("KL101") == 1 and 'container "sidecar"' in out and "(3 suppressed)" in out

    # fixed findings leave the baseline: the run says how many, and a new write drops them
    (tmp_path / "deploy/agent.yaml").write_text(dedent(AGENT).replace("      hostPID: true\n", ""))
    code, out, err = klint("--select", ",".join(CORE), "--baseline", "baseline.json", "--format", "json",
                           "deploy")
    assert code == 0 and "1 of the baseline's findings are gone" in err
    assert json.loads(out)["summary"]["baseline"] == {"path": "baseline.json", "findings": 3, "unmatched": 1}
    klint("--select", ",".join(CORE), "--write-baseline", "baseline.json", "deploy")
    assert len(baseline_entries(tmp_path / "baseline.json")) == 2


def test_baseline_counts_identical_findings(tmp_path: Path) -> None:
    write(tmp_path, {"a.yaml": AGENT})
    klint("--select", "KL101", "--write-baseline", "b.json", "a.yaml")
    (tmp_path / "a.yaml").write_text(dedent(AGENT) + "---\n" + dedent(AGENT))  # the same object twice
    code, out, _ = klint("--select", "KL101", "--baseline", "b.json", "a.yaml")
    assert code == 1 and "Found 1 finding" in out


def test_a_broken_baseline_is_a_usage_error(tmp_path: Path) -> None:
    write(tmp_path, {"a.yaml": AGENT, "b.json": '{"findings": []}'})
    code, _, err = klint("--baseline", "b.json", "a.yaml")
    assert code == 2 and "not a klint baseline" in err
    code, _, err = klint("--baseline", "missing.json", "a.yaml")
    assert code == 2 and "cannot read the baseline" in err


def test_per_file_ignores_and_the_nearest_configuration(tmp_path: Path) -> None:
    write(tmp_path, {
        ".klint.yaml": """
            select: [host-network, host-pid, privileged-container]
            per-file-ignores:
              "agents/*.yaml": [host-network]
        """,
        "agents/cni.yaml": AGENT,
        "apps/web.yaml": AGENT,
        "team/.klint.yaml": "select: [host-pid]\n",
        "team/job.yaml": AGENT,
    })
    _, out, err = klint("-v", "agents", "apps", "team")
    lines = [line for line in out.splitlines() if ": " in line and line.split(":")[0].endswith(".yaml")]
    found = sorted((line.split(":")[0], line.split()[2]) for line in lines)
    assert found == [("agents/cni.yaml", "KL101"), ("agents/cni.yaml", "KL202"),
                     ("apps/web.yaml", "KL101"), ("apps/web.yaml", "KL201"), ("apps/web.yaml", "KL202"),
                     ("team/job.yaml", "KL202")]
    assert "team/.klint.yaml" in err  # --verbose names the configuration files used


def test_a_broken_nested_configuration_is_an_input_error(tmp_path: Path) -> None:
    write(tmp_path, {"a.yaml": AGENT, "team/.klint.yaml": "select: [no-such-rule]\n", "team/b.yaml": AGENT})
    code, out, _ = klint("--select", "KL101", ".")
    assert code == 2 and "team/b.yaml:1:1: ERROR configuration error" in out and "a.yaml:14:" in out


def test_foreign_ignores_can_be_turned_off(tmp_path: Path) -> None:
    write(tmp_path, {"a.yaml": annotated('polaris.fairwinds.com/exempt: "true"')})
    assert klint("--select", ",".join(CORE), "a.yaml")[0] == 0
    assert klint("--select", ",".join(CORE), "--no-foreign-ignores", "a.yaml")[0] == 1
    write(tmp_path, {".klint.yaml": "foreign-ignores: [checkov]\n"})
    assert klint("--select", ",".join(CORE), "a.yaml")[0] == 1
