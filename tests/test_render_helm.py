"""Helm charts rendered offline: findings at the template line that wrote them (tests/charts/), template
errors at Helm's position, piped output with --chart-dir, and the error without a renderer."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from klint.cli import main
from klint.render import markers
from klint.render.helm import split_sources

CHARTS = Path(__file__).parent / "charts"
HOST_RULES = ("--select", "KL101,KL201,KL202,KL203")
needs_helm = pytest.mark.skipif(shutil.which("helm") is None and not __import__("importlib").util.find_spec(
    "helm_python"), reason="the klint[helm] extra is not installed")


def klint(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), input=stdin)
    return result.exit_code, result.output


def findings(*args: str, stdin: str | None = None) -> tuple[int, list[dict[str, Any]], dict[str, Any]]:
    code, out = klint("--format", "json", *args, stdin=stdin)
    report = json.loads(out)
    return code, report["findings"], report


def at(finding: dict[str, Any]) -> str:
    location = finding["location"]
    path = os.path.relpath(location["path"], CHARTS)
    return f"{finding['code']} {path}:{location['start']['line']}:{location['start']['column']}"


@needs_helm
def test_an_insecure_chart_fails_with_findings_at_template_lines() -> None:
    code, found, report = findings(*HOST_RULES, str(CHARTS / "insecure"))
    assert code == 1
    assert [at(f) for f in found] == [
        "KL101 insecure/charts/agent/templates/daemonset.yaml:18:13",  # subchart, value from its values
        "KL201 insecure/templates/deployment.yaml:17:7",  # inside {{ if }}
        "KL101 insecure/templates/deployment.yaml:23:13",  # toYaml .Values.securityContext | nindent
        "KL202 insecure/templates/hook-job.yaml:11:7",  # a hook
        "KL203 insecure/templates/multi.yaml:8:3",  # two documents from one range
        "KL203 insecure/templates/multi.yaml:8:3",
    ]
    assert report["summary"]["files"] == 1  # the chart is one input; Chart.yaml and values.yaml are not
    assert all("note" not in f or f["note"].startswith("value ") for f in found)  # every line exact
    privileged = found[2]
    values = CHARTS / "insecure" / "values.yaml"
    assert privileged["note"] == f"value .Values.securityContext.privileged ({values}:4)"
    assert privileged["location"]["template"] == "insecure/templates/deployment.yaml"
    assert privileged["rendered"]["path"] == str(CHARTS / "insecure")
    assert privileged["rendered"]["start"]["line"] > 23  # the helpers' labels come before it
    assert privileged["fix"] == {  # a template is never rewritten: the fix says which value to set
        "applicability": "display", "edits": [],
        "description": f"set securityContext.privileged: false (in the chart's values: "
                       f".Values.securityContext.privileged ({values}:4))"}


@needs_helm
def test_helpers_and_nindent_lines_map_to_the_including_line() -> None:
    code, found, _ = findings("--select", "KL601", str(CHARTS / "insecure"))
    assert code == 1
    assert "KL601 insecure/templates/deployment.yaml:15:5" in [at(f) for f in found]


@needs_helm
def test_values_and_set_options_change_the_render(tmp_path: Path) -> None:
    values = tmp_path / "safe.yaml"
    values.write_text("hostNetwork: false\nsecurityContext:\n  privileged: false\n")
    _, found, _ = findings(*HOST_RULES, "-f", str(values), "--set", "agent.privileged=false",
                           str(CHARTS / "insecure"))
    assert [f["code"] for f in found] == ["KL202", "KL203", "KL203"]
    _, found, _ = findings(*HOST_RULES, "--set-string", "image=x", "--set", "hostNetwork=false",
                           str(CHARTS / "insecure"))
    assert "KL201" not in [f["code"] for f in found]


@needs_helm
def test_a_template_error_is_reported_at_helms_position_and_other_inputs_are_linted() -> None:
    code, out = klint(*HOST_RULES, str(CHARTS / "broken"), str(CHARTS / "insecure"))
    assert code == 2
    broken = CHARTS / "broken" / "templates" / "pod.yaml"
    assert (f"{broken}:7:6: ERROR helm: execution error at (broken/templates/pod.yaml:7:6): set allowed: "
            "true to install this chart") in out
    assert "insecure/templates/deployment.yaml:17:7: HIGH KL201" in out


@needs_helm
def test_a_chart_met_while_walking_is_rendered_and_its_files_never_linted_alone(tmp_path: Path) -> None:
    shutil.copytree(CHARTS / "insecure", tmp_path / "charts" / "insecure")
    (tmp_path / "pod.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n"
                                       "  hostPID: true\n  containers: []\n")
    code, found, report = findings(*HOST_RULES, str(tmp_path))
    assert code == 1
    assert report["summary"]["files"] == 2 and report["skipped"] == []
    assert sum(f["location"]["path"].endswith("hook-job.yaml") for f in found) == 1


@needs_helm
def test_chart_files_named_alone_lint_their_chart_once() -> None:
    """As pre-commit names changed files: a template and values.yaml stand for their chart."""
    chart = CHARTS / "insecure"
    code, found, report = findings(*HOST_RULES, str(chart / "values.yaml"),
                                   str(chart / "templates" / "deployment.yaml"),
                                   str(chart / "charts" / "agent" / "templates" / "daemonset.yaml"))
    assert code == 1
    assert report["summary"]["files"] == 2 and report["skipped"] == []  # the chart, and its subchart
    assert len(found) == 7


def test_without_a_renderer_a_chart_is_an_input_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from klint.render import helm

    monkeypatch.setattr(helm, "_sdk", lambda: None)
    monkeypatch.setattr(helm.shutil, "which", lambda name: None)
    code, out = klint(*HOST_RULES, str(CHARTS / "insecure"))
    assert code == 2
    assert (f"{CHARTS / 'insecure' / 'Chart.yaml'}:1:1: ERROR rendering a Helm chart needs Helm: install "
            "the extra (pip install 'klint[helm]') or a helm binary on PATH") in out


def test_a_missing_dependency_is_named(tmp_path: Path) -> None:
    chart = tmp_path / "app"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n"
                                      "  - name: redis\n    version: 1.x\n")
    code, out = klint(str(chart))
    assert code == 2 and "the chart's dependency 'redis' is missing from" in out


@needs_helm
def test_sarif_keeps_the_rendered_position_as_a_related_location() -> None:
    code, out = klint("--format", "sarif", "--select", "KL201", str(CHARTS / "insecure"))
    assert code == 1
    result = json.loads(out)["runs"][0]["results"][0]
    region = result["locations"][0]["physicalLocation"]["region"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(
        "tests/charts/insecure/templates/deployment.yaml")
    assert (region["startLine"], region["startColumn"]) == (17, 7)
    assert "snippet" not in region and "fixes" not in result
    related = result["relatedLocations"][0]
    assert related["physicalLocation"]["artifactLocation"]["uri"].endswith("tests/charts/insecure")
    assert related["physicalLocation"]["region"]["startLine"] == 41  # after the subchart's DaemonSet


@needs_helm
def test_verbose_text_shows_the_rendered_position() -> None:
    code, out = klint("--select", "KL201", "--verbose", str(CHARTS / "insecure"))
    assert code == 1
    assert f"(rendered at {CHARTS / 'insecure'}:41:7)" in out


# --- piped output -----------------------------------------------------------------------------

# `helm template release-name tests/charts/insecure --namespace default` with Helm v4.1.4, captured once.
PIPED = (CHARTS / "insecure.rendered.yaml")


def test_source_comments_are_read_as_helm_template_prints_them() -> None:
    sources = split_sources(PIPED.read_text())
    assert sorted(sources) == ["insecure/charts/agent/templates/daemonset.yaml",
                               "insecure/templates/deployment.yaml", "insecure/templates/hook-job.yaml",
                               "insecure/templates/multi.yaml"]
    assert sources["insecure/templates/multi.yaml"].count("kind: Pod") == 2


@needs_helm
def test_piped_output_with_chart_dir_points_at_template_lines() -> None:
    code, found, _ = findings(*HOST_RULES, "--chart-dir", str(CHARTS / "insecure"), "-",
                              stdin=PIPED.read_text())
    assert code == 1
    assert [at(f) for f in found] == [
        "KL101 insecure/charts/agent/templates/daemonset.yaml:18:13",
        "KL201 insecure/templates/deployment.yaml:17:7",
        "KL101 insecure/templates/deployment.yaml:23:13",
        "KL202 insecure/templates/hook-job.yaml:11:7",
        "KL203 insecure/templates/multi.yaml:8:3",
        "KL203 insecure/templates/multi.yaml:8:3",
    ]
    assert all(f["rendered"]["path"] == "-" for f in found)


@needs_helm
def test_piped_output_rendered_otherwise_names_the_template_without_a_line() -> None:
    text = PIPED.read_text().replace("hostPID: true", "hostPID: true\n      hostIPC: true")
    _, found, _ = findings("--select", "KL203", "--chart-dir", str(CHARTS / "insecure"), "-", stdin=text)
    job = [f for f in found if "hook-job" in f["location"]["path"]]
    assert len(job) == 1 and job[0]["location"]["start"]["line"] == 1
    assert job[0]["note"].startswith("template line unknown: the chart here renders it differently")


def test_piped_output_without_chart_dir_stays_at_the_rendered_position() -> None:
    _, found, _ = findings("--select", "KL201", "-", stdin=PIPED.read_text())
    assert [(f["location"]["path"], f["location"]["template"]) for f in found] == [
        ("-", "insecure/templates/deployment.yaml")]


# --- the marker mapping -------------------------------------------------------------------------


def test_lines_mixing_text_and_control_flow_are_never_a_certain_line() -> None:
    template = markers.Template.parse(
        "a: 1\nimage: {{ if .x }}\n  one\n{{- else }}\n  two\n{{- end }}\nb: 2\n")
    assert [kind.value for kind in template.kinds] == [
        "marked", "opaque", "marked", "neutral", "marked", "neutral", "marked", "neutral"]
    nonce = markers.new_nonce()
    plain = "a: 1\nimage: \n  two\nb: 2\n"
    marked = template.marked(0, nonce)
    rendered = f"a: 1 #{nonce}f0l1\nimage: \n  two #{nonce}f0l5\nb: 2 #{nonce}f0l7\n"
    assert "image: {{ if .x }}\n" in marked
    output = markers.OutputMap.read(template, plain, rendered, 0, nonce)
    assert output.attribute(1, 1) == markers.Attribution(1, 1, True)
    assert output.attribute(2, 1) == markers.Attribution(2, 5, False)  # "image:" is line 2's text
    assert output.attribute(3, 3) == markers.Attribution(2, 5, False)
    assert output.attribute(4, 1) == markers.Attribution(7, 7, True)


def test_markers_are_not_put_where_they_would_change_the_output() -> None:
    template = markers.Template.parse(
        '{{- define "x" }}\nname: a\n{{- end }}\nkey: {{ .a -}}\n---\n{{ include "x" (dict\n  "a" 1) }}\n'
        "c: |\n  text\n")
    assert [kind.value for kind in template.kinds] == [
        "neutral", "neutral", "neutral", "opaque", "neutral", "continued", "marked", "marked", "marked",
        "neutral"]


def write_chart(root: Path, templates: dict[str, str], values: str = "") -> Path:
    (root / "templates").mkdir(parents=True, exist_ok=True)
    (root / "Chart.yaml").write_text(f"apiVersion: v2\nname: {root.name}\nversion: 0.1.0\n")
    (root / "values.yaml").write_text(values)
    for name, text in templates.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  {field}\n  containers:\n" \
      "    - name: c\n      image: busybox\n"


@needs_helm
def test_kube_version_is_what_templates_see(tmp_path: Path) -> None:
    chart = write_chart(tmp_path / "app", {"templates/pod.yaml": POD.format(
        name="p", field='hostPID: {{ semverCompare "<1.20-0" .Capabilities.KubeVersion.Version }}')})
    _, found, _ = findings("--select", "KL202", str(chart))
    assert found == []
    _, found, _ = findings("--select", "KL202", "--kube-version", "1.19.0", str(chart))
    assert [at(f).split(" ")[1].rsplit("/", 1)[-1] for f in found] == ["pod.yaml:6:3"]


@needs_helm
def test_crds_are_included_at_their_own_lines(tmp_path: Path) -> None:
    chart = write_chart(tmp_path / "app", {"crds/pod.yaml": POD.format(name="p", field="hostIPC: true"),
                                           "templates/empty.yaml": ""})
    _, found, _ = findings("--select", "KL203", str(chart))
    assert [(f["location"]["path"], f["location"]["start"]["line"]) for f in found] == [
        (str(chart / "crds" / "pod.yaml"), 6)]


@needs_helm
def test_fix_on_a_chart_rewrites_no_template(tmp_path: Path) -> None:
    chart = tmp_path / "insecure"
    shutil.copytree(CHARTS / "insecure", chart)
    before = {path: path.read_bytes() for path in chart.rglob("*") if path.is_file()}
    code, out = klint("--fix", "--unsafe-fixes", *HOST_RULES, str(chart))
    assert code == 1 and "Fixed 0 findings (0 files changed); 6 remain." in out
    assert before == {path: path.read_bytes() for path in chart.rglob("*") if path.is_file()}


@needs_helm
def test_github_annotations_point_at_templates() -> None:
    code, out = klint("--format", "github", "--select", "KL201", str(CHARTS / "insecure"))
    assert code == 1
    assert "file=tests/charts/insecure/templates/deployment.yaml,line=17,col=7," in out


@needs_helm
def test_output_near_an_unmarkable_line_is_a_range_said_so(tmp_path: Path) -> None:
    chart = write_chart(tmp_path / "app", {"templates/pod.yaml": (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n"
        "  hostPID: {{ if .Values.enabled }}true{{ else }}false{{ end }}\n"
        "  containers:\n    - name: c\n      image: busybox\n")}, values="enabled: true\n")
    _, found, _ = findings("--select", "KL202", str(chart))
    assert [(f["location"]["start"]["line"], f["location"]["end"]["line"], f["note"]) for f in found] == [
        (6, 7, "template line not exact: written by one of lines 6-7")]  # line 7 may begin with a newline


def test_the_helm_binary_is_preferred_and_given_the_options(tmp_path: Path) -> None:
    calls = tmp_path / "calls"
    helm = tmp_path / "helm"
    helm.write_text(f'#!/bin/sh\necho "$@" >> {calls}\ncat {PIPED}\n')
    helm.chmod(0o755)
    values = tmp_path / "v.yaml"
    values.write_text("{}\n")
    _, found, _ = findings("--select", "KL201", "--helm", str(helm), "-f", str(values), "--set", "a=1",
                           "--set-string", "b=2", "--namespace", "prod", "--kube-version", "1.30.0",
                           "--release-name", "r", str(CHARTS / "insecure"))
    first = calls.read_text().splitlines()[0]
    assert first == (f"template r {CHARTS / 'insecure'} --namespace prod --include-crds --values {values} "
                     "--set a=1 --set-string b=2 --kube-version 1.30.0")
    # this fake renders no line markers: the template is certain, its line is not, and says so
    assert [(f["location"]["path"].endswith("templates/deployment.yaml"), f["note"]) for f in found] == [
        (True, "template line not exact: written by one of lines 1-23")]


@needs_helm
def test_the_configuration_gives_each_chart_its_render_options(tmp_path: Path) -> None:
    shutil.copytree(CHARTS / "insecure", tmp_path / "charts" / "insecure")
    (tmp_path / "prod.yaml").write_text("hostNetwork: false\n")
    config = tmp_path / ".klint.yaml"
    config.write_text("charts:\n  charts/insecure:\n    values: prod.yaml\n"
                      "    set: [agent.privileged=false]\n    release-name: prod\n")
    _, found, _ = findings(*HOST_RULES, "--config", str(config), str(tmp_path / "charts"))
    assert [f["code"] for f in found] == ["KL101", "KL202", "KL203", "KL203"]
    assert found[1]["object"]["name"] == "prod-migrate"
    _, found, _ = findings(*HOST_RULES, "--config", str(config), "--set", "hostNetwork=true",
                           str(tmp_path / "charts"))
    assert "KL201" in [f["code"] for f in found]  # the command line's come after the configuration's
    config.write_text("charts:\n  charts/insecure:\n    value: prod.yaml\n")
    code, out = klint("--config", str(config), str(tmp_path))
    assert code == 2 and "charts.charts/insecure: unknown key 'value'" in out


@needs_helm
def test_loops_includes_and_inline_conditions_map_exactly_or_say_so() -> None:
    _, found, _ = findings("--select", "KL101,KL202,KL401", str(CHARTS / "loops"))
    assert [(at(f), f["location"]["end"]["line"], f.get("note")) for f in found] == [
        ("KL401 loops/templates/deploy.yaml:21:11", 21, None),  # the range's second item, container b
        # `hostPID: {{ if }}...{{ end }}` mixes text and control flow: never one certain line
        ("KL202 loops/templates/deploy.yaml:23:11", 28,
         "template line not exact: written by one of lines 23-28"),
        ("KL401 loops/templates/deploy.yaml:24:11", 24, None),  # container a, inside {{ with }}
        ("KL101 loops/templates/deploy.yaml:25:13", 25, None),  # `toYaml .` names no values key
    ]
