"""SARIF 2.1.0 output: every log the tests produce is validated against the OASIS schema (when
../shared is present) and always against GitHub code scanning's ingestion rules."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import sarif_om
from click.testing import CliRunner
from report_helpers import (
    BROKEN,
    CONFIG_MAP,
    HELM_TEMPLATE,
    HOST_IPC_POD,
    PRIVILEGED_DEPLOYMENT,
    repo,
    run,
    with_findings,
)

from klint import __version__
from klint.cli import main
from klint.config import Settings
from klint.engine import Suppression
from klint.fix import Applicability, Edit, Fix
from klint.reporters import Report, renderer
from klint.reporters.sarif import DESCRIPTION_LIMIT, descriptor, sarif_json
from klint.rule import Rule, Severity

PROJECT = Path(__file__).resolve().parents[1]
SCHEMA = PROJECT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"


def check(log: dict[str, Any]) -> dict[str, Any]:
    """Validate a SARIF log: the OASIS schema when available, GitHub's ingestion rules always."""
    check_schema(log)
    check_github(log)
    return log


def check_schema(log: dict[str, Any]) -> None:
    if SCHEMA.is_file():
        import jsonschema

        schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
        jsonschema.Draft4Validator(schema).validate(log)


def check_github(log: dict[str, Any]) -> None:
    """What GitHub code scanning needs from an upload (docs: "SARIF support for code scanning")."""
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1  # klint writes one run; GitHub accepts up to 20
    run_ = log["runs"][0]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "klint" and driver["version"] == __version__
    assert driver["informationUri"].startswith("https://")
    assert run_["columnKind"] == "unicodeCodePoints"
    rules = driver["rules"]
    assert len({rule["id"] for rule in rules}) == len(rules)
    for rule in rules:
        assert re.fullmatch(r"KL\d{3}", rule["id"])
        assert 0 < len(rule["shortDescription"]["text"]) <= DESCRIPTION_LIMIT
        assert 0 < len(rule["fullDescription"]["text"]) <= DESCRIPTION_LIMIT
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert rule["helpUri"].startswith("https://")
        properties = rule["properties"]
        assert "security" in properties["tags"] and len(properties["tags"]) <= 20
        assert properties["precision"] in ("very-high", "high", "medium", "low")
        severity = properties["security-severity"]
        assert isinstance(severity, str) and re.fullmatch(r"\d+\.\d", severity)
        assert 0.1 <= float(severity) <= 10.0
    bases = run_.get("originalUriBaseIds", {})
    for base in bases.values():
        assert base["uri"].startswith("file:///") and base["uri"].endswith("/")
    for result in run_["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        assert result["message"]["text"]
        (location,) = result["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        assert not re.match(r"^[a-z][a-z0-9+.-]*:|^/", artifact["uri"]), artifact  # relative
        assert artifact["uriBaseId"] in bases
        region = location["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert (region["endLine"], region["endColumn"]) >= (region["startLine"], region["startColumn"])
        fingerprints = result["partialFingerprints"]
        assert all(re.fullmatch(r"[0-9a-f]{32}:\d+", value) for value in fingerprints.values())


def sarif(report: Report) -> dict[str, Any]:
    return check(json.loads(renderer("sarif")(report, False)))


def results(log: dict[str, Any]) -> list[dict[str, Any]]:
    return log["runs"][0]["results"]


def region(result: dict[str, Any]) -> dict[str, Any]:
    return result["locations"][0]["physicalLocation"]["region"]


def uri(result: dict[str, Any]) -> str:
    return result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]


# --- the whole example set, and the rules -----------------------------------------------------------


def test_examples_validate_with_one_result_per_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(PROJECT)
    report = run("examples")
    log = sarif(report)
    assert len(results(log)) == len(report.findings) > 0
    assert [r["ruleId"] for r in results(log)] == [f.rule.code for f in report.findings]
    assert all(uri(r).startswith("examples/") for r in results(log))
    assert log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == PROJECT.as_uri() + "/"
    assert log["runs"][0]["invocations"] == [{"executionSuccessful": True}]


def test_the_oasis_schema_check_is_active(monkeypatch: pytest.MonkeyPatch) -> None:
    if not SCHEMA.is_file():
        pytest.skip(f"{SCHEMA} is absent: only GitHub's ingestion rules are checked")
    import jsonschema

    monkeypatch.chdir(PROJECT)
    log = sarif(run("examples"))
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    with pytest.raises(jsonschema.ValidationError):
        check_schema(log)


def test_driver_lists_every_enabled_rule_with_its_docs(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    repo(tmp_path, monkeypatch, {"pod.yaml": HOST_IPC_POD})
    settings = Settings()
    log = sarif(run("pod.yaml", settings=settings))
    rules = {rule["id"]: rule for rule in log["runs"][0]["tool"]["driver"]["rules"]}
    assert list(rules) == [rule.code for rule in settings.enabled_rules()]
    privileged = rules["KL101"]
    assert privileged["name"] == "privileged-container"
    assert privileged["shortDescription"]["text"] == "Containers must not run in privileged mode."
    full = privileged["fullDescription"]["text"]
    assert full.startswith("`securityContext.privileged` of every container, init container and ephemeral "
                           "container. It fails when the value is true")  # docstring lines unwrapped
    assert full.endswith("exempts no image: suppress the finding where it is meant.")
    assert privileged["help"]["markdown"].startswith(
        "Containers must not run in privileged mode.\n\n## What it checks\n`securityContext.privileged` of "
        "every container, init container and ephemeral container.\nIt fails when")
    assert "\n## Why\nA privileged container gets every capability" in privileged["help"]["markdown"]
    assert "## References\n- https://" in privileged["help"]["markdown"]
    assert privileged["helpUri"] == "https://github.com/klint-dev/klint/blob/main/docs/rules.md#kl101-privileged-container"
    assert privileged["defaultConfiguration"] == {"level": "error"}
    assert privileged["properties"] == {"tags": ["security", "pss-baseline", "privileges"],
                                        "precision": "very-high", "security-severity": "9.5"}
    assert rules["KL001"]["properties"]["tags"] == ["security", "input"]  # no PSS level
    assert rules["KL306"]["properties"]["tags"] == ["security", "pss-restricted", "confinement"]


def test_select_narrows_the_rules_and_keeps_indexes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    repo(tmp_path, monkeypatch, {"pod.yaml": HOST_IPC_POD})
    log = sarif(run("pod.yaml", settings=Settings(select=("host-ipc", "KL101"))))
    assert [rule["id"] for rule in log["runs"][0]["tool"]["driver"]["rules"]] == ["KL101", "KL203"]
    (result,) = results(log)
    assert (result["ruleId"], result["ruleIndex"]) == ("KL203", 1)


def test_configured_severity_sets_levels_and_security_severity(monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Path) -> None:
    repo(tmp_path, monkeypatch, {"pod.yaml": HOST_IPC_POD})
    log = sarif(run("pod.yaml", settings=Settings(select=("KL203",), severity={"KL203": Severity.LOW})))
    rule = next(r for r in log["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "KL203")
    assert rule["defaultConfiguration"] == {"level": "note"}
    assert rule["properties"]["security-severity"] == "3.0"
    assert results(log)[0]["level"] == "note"


def test_descriptions_are_clipped_to_github_limits() -> None:
    long: Any = type("LongRule", (Rule,), {"__doc__": "word " * 400 + "\n\n## What it checks\n" + "x " * 900})
    long.code, long.name, long.severity = "KL999", "long-rule", Severity.LOW  # set after: not registered
    data = sarif_json(descriptor(long(), Severity.LOW))
    assert len(data["shortDescription"]["text"]) <= DESCRIPTION_LIMIT
    assert len(data["fullDescription"]["text"]) <= DESCRIPTION_LIMIT
    assert data["shortDescription"]["text"].endswith("word…")
    assert "KL999" not in Rule.registry


# --- results: locations, columns, logical locations -------------------------------------------------


def test_result_location_region_snippet_and_object(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    repo(tmp_path, monkeypatch, {"deploy/web.yaml": PRIVILEGED_DEPLOYMENT})
    (result,) = results(sarif(run("deploy", settings=Settings(select=("KL101",)))))
    assert result["ruleId"] == "KL101" and result["level"] == "error"
    assert result["message"]["text"] == ('container "app" runs privileged (securityContext.privileged: '
                                         "true); set it to false [Deployment prod/web]")
    location = result["locations"][0]
    assert location["physicalLocation"]["artifactLocation"] == {"uri": "deploy/web.yaml",
                                                                "uriBaseId": "%SRCROOT%"}
    assert location["physicalLocation"]["region"] == {
        "startLine": 13, "startColumn": 13, "endLine": 13, "endColumn": 29,
        "snippet": {"text": "privileged: true"}}
    assert location["logicalLocations"] == [{
        "name": "web", "kind": "resource", "fullyQualifiedName": "prod/Deployment/web",
        "properties": {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "prod", "name": "web",
                       "container": "app"}}]
    assert result["properties"] == {"field": "spec.template.spec.containers[0].securityContext.privileged"}


def test_columns_count_code_points_after_non_ascii_text(monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path) -> None:
    # U+1D518 is one code point but two UTF-16 code units; "é" and "日本" are one code unit each.
    line = 'spec: {note: "café 日本 \U0001d518\U0001d518", hostIPC: true, containers: [{name: a, image: x}]}'
    text = f"\ufeffapiVersion: v1\r\nkind: Pod\r\nmetadata: {{name: ü}}\r\n{line}\r\n"
    (tmp_path / "pod.yaml").write_bytes(text.encode("utf-8"))
    repo(tmp_path, monkeypatch, {})
    (result,) = results(sarif(run("pod.yaml", settings=Settings(select=("host-ipc",)))))
    column = line.index("hostIPC") + 1  # Python indexes code points
    assert region(result) == {"startLine": 4, "startColumn": column, "endLine": 4,
                              "endColumn": column + len("hostIPC: true"),
                              "snippet": {"text": "hostIPC: true"}}
    assert len(line[:column - 1].encode("utf-16-le")) // 2 == column - 1 + 2  # UTF-16 would differ


def test_uris_are_relative_to_the_git_root_from_a_subdirectory(monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Path) -> None:
    repo(tmp_path, monkeypatch, {"team a+b/ünï#1.yaml": HOST_IPC_POD, "team a+b/c:d.yaml": HOST_IPC_POD},
         cwd="team a+b")
    log = sarif(run(".", settings=Settings(select=("host-ipc",))))
    assert [uri(r) for r in results(log)] == ["team%20a+b/c%3Ad.yaml", "team%20a+b/%C3%BCn%C3%AF%231.yaml"]
    assert log["runs"][0]["originalUriBaseIds"] == {"%SRCROOT%": {"uri": tmp_path.as_uri() + "/"}}


def test_without_git_the_current_directory_is_the_root(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(HOST_IPC_POD.replace("\n    ", "\n").lstrip(), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    log = sarif(run("pod.yaml", settings=Settings(select=("host-ipc",))))
    assert uri(results(log)[0]) == "pod.yaml"
    assert log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.as_uri() + "/"


def test_a_file_outside_the_root_gets_an_absolute_uri(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    repo(tmp_path / "outside", monkeypatch, {"pod.yaml": HOST_IPC_POD})
    (tmp_path / "work").mkdir()
    repo(tmp_path / "work", monkeypatch, {})
    report = run(str(tmp_path / "outside" / "pod.yaml"), settings=Settings(select=("host-ipc",)))
    log = json.loads(renderer("sarif")(report, False))
    check_schema(log)  # not check_github: GitHub cannot show a file outside the repository
    artifact = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": (tmp_path / "outside" / "pod.yaml").as_uri()}


# --- input errors, skipped files, fixes, suppressions -----------------------------------------------


def test_input_errors_are_tool_execution_notifications(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    repo(tmp_path, monkeypatch, {"broken.yaml": BROKEN, "pod.yaml": HOST_IPC_POD,
                                 "chart/templates/pod.yaml": HELM_TEMPLATE})
    report = run(".", settings=Settings(select=("host-ipc",)))
    log = sarif(report)
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is True
    error, skipped = invocation["toolExecutionNotifications"]
    (problem,) = report.problems
    assert error["level"] == "error" and error["message"]["text"] == problem.message
    assert error["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "broken.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": problem.line, "startColumn": problem.column}}
    assert skipped["level"] == "note" and "raw Helm template" in skipped["message"]["text"]
    assert skipped["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "chart/templates/pod.yaml", "uriBaseId": "%SRCROOT%"}
    assert [uri(r) for r in results(log)] == ["pod.yaml"]  # the other files are still linted


def test_fixes_carry_replacements_by_line_and_column(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    repo(tmp_path, monkeypatch, {"web.yaml": PRIVILEGED_DEPLOYMENT})
    report = run("web.yaml", settings=Settings(select=("KL101",)))
    text = report.results[0].source.text  # type: ignore[union-attr]
    value = text.index("true")
    line_end = text.index("\n", value)
    fix = Fix("set privileged: false", (
        Edit(value, value + 4, "false"),  # replace
        Edit(line_end, line_end, "\n  # reviewed"),  # insert
        Edit(0, len("apiVersion: apps/v1\n"), ""),  # delete
    ), Applicability.UNSAFE)
    (result,) = results(sarif(with_findings(report, {"fix": fix})))
    (sarif_fix,) = result["fixes"]
    assert sarif_fix["description"] == {"text": "set privileged: false"}
    assert sarif_fix["properties"] == {"applicability": "unsafe"}
    (change,) = sarif_fix["artifactChanges"]
    assert change["artifactLocation"] == {"uri": "web.yaml", "uriBaseId": "%SRCROOT%"}
    assert change["replacements"] == [
        {"deletedRegion": {"startLine": 13, "startColumn": 25, "endLine": 13, "endColumn": 29},
         "insertedContent": {"text": "false"}},
        {"deletedRegion": {"startLine": 13, "startColumn": 29, "endLine": 13, "endColumn": 29},
         "insertedContent": {"text": "\n  # reviewed"}},
        {"deletedRegion": {"startLine": 1, "startColumn": 1, "endLine": 2, "endColumn": 1}},
    ]
    assert apply_replacements(text, change["replacements"]) == apply_edits(text, fix.edits)


def apply_replacements(text: str, replacements: list[dict[str, Any]]) -> str:
    """Apply SARIF replacements whose regions are 1-based lines and code-point columns."""
    starts = [0] + [i + 1 for i, char in enumerate(text) if char == "\n"]

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column - 1

    edits = [Edit(offset(r["deletedRegion"]["startLine"], r["deletedRegion"]["startColumn"]),
                  offset(r["deletedRegion"]["endLine"], r["deletedRegion"]["endColumn"]),
                  r.get("insertedContent", {}).get("text", "")) for r in replacements]
    return apply_edits(text, tuple(edits))


def apply_edits(text: str, edits: tuple[Edit, ...]) -> str:
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        text = text[:edit.start] + edit.text + text[edit.end:]
    return text


def test_a_fix_without_edits_is_not_a_sarif_fix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    repo(tmp_path, monkeypatch, {"web.yaml": PRIVILEGED_DEPLOYMENT})
    report = run("web.yaml", settings=Settings(select=("KL101",)))
    display = Fix("grant the capabilities it needs instead", (), Applicability.DISPLAY)
    assert "fixes" not in results(sarif(with_findings(report, {"fix": display})))[0]


@pytest.mark.parametrize(("suppression", "expected"), [
    (Suppression(True, "CNI needs it"), [{"kind": "inSource", "justification": "CNI needs it"}]),
    (Suppression(False), [{"kind": "external"}]),
])
def test_suppressed_findings_carry_suppressions(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                suppression: Suppression, expected: list[Any]) -> None:
    repo(tmp_path, monkeypatch, {"web.yaml": PRIVILEGED_DEPLOYMENT})
    report = run("web.yaml", settings=Settings(select=("KL101",)))
    assert "suppressions" not in results(sarif(report))[0]
    assert results(sarif(with_findings(report, {"suppressed": suppression})))[0]["suppressions"] == expected


# --- fingerprints -----------------------------------------------------------------------------------


def fingerprints(log: dict[str, Any]) -> list[str]:
    return [result["partialFingerprints"]["klint/v2"] for result in results(log)]


def test_fingerprints_survive_moved_lines_and_a_new_sidecar(monkeypatch: pytest.MonkeyPatch,
                                                            tmp_path: Path) -> None:
    repo(tmp_path, monkeypatch, {"web.yaml": PRIVILEGED_DEPLOYMENT, "pod.yaml": HOST_IPC_POD})
    before = sarif(run(".", settings=Settings(select=("KL101", "KL203"))))
    moved = PRIVILEGED_DEPLOYMENT.replace("containers:\n", "containers:\n            - name: sidecar\n"
                                          "              image: envoy:1.31\n"
                                          "              securityContext: {privileged: true}\n")
    (tmp_path / "web.yaml").write_text("# a comment\n" + CONFIG_MAP.replace("\n    ", "\n").lstrip()
                                       + "---\n" + moved.replace("\n    ", "\n").lstrip(), encoding="utf-8")
    after = sarif(run(".", settings=Settings(select=("KL101", "KL203"))))
    lines = [[region(r)["startLine"] for r in results(log)] for log in (before, after)]
    assert lines[0] != lines[1]
    assert set(fingerprints(before)) < set(fingerprints(after))
    assert len(set(fingerprints(after))) == 3  # the privileged sidecar is a new alert


def test_fingerprints_tell_identical_findings_apart(monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    repo(tmp_path, monkeypatch, {"twice.yaml": HOST_IPC_POD + "---" + HOST_IPC_POD,
                                 "other.yaml": HOST_IPC_POD})
    other, first, second = fingerprints(sarif(run(".", settings=Settings(select=("KL203",)))))
    assert first.split(":")[0] == second.split(":")[0] and (first[-2:], second[-2:]) == (":1", ":2")
    assert other.split(":")[0] != first.split(":")[0]  # the file is part of the identity


# --- the serializer ---------------------------------------------------------------------------------


def test_serializer_uses_schema_names_and_leaves_out_unset_and_default_values() -> None:
    region_ = sarif_om.Region(start_line=3, start_column=1, snippet=sarif_om.ArtifactContent(text="x"))
    # no charOffset: -1 is sarif-om's "unset"
    assert sarif_json(region_) == {"startLine": 3, "startColumn": 1, "snippet": {"text": "x"}}
    run_ = sarif_om.Run(tool=sarif_om.Tool(driver=sarif_om.ToolComponent(name="t")), results=[])
    # language and newlineSequences are defaults; an empty list of results is kept (it means "none")
    assert sarif_json(run_) == {"tool": {"driver": {"name": "t"}}, "results": []}
    assert sarif_json(sarif_om.ReportingConfiguration(level="warning")) == {}
    assert sarif_json(sarif_om.ReportingConfiguration(level="error", enabled=False)) == {
        "enabled": False, "level": "error"}
    assert sarif_json({"a-b": [1, 2.5, True, None]}) == {"a-b": [1, 2.5, True, None]}


def test_serializer_keeps_result_level_because_absent_means_the_rules_level() -> None:
    result = sarif_om.Result(message=sarif_om.Message(text="m"), level="warning", rule_index=0)
    assert sarif_json(result) == {"message": {"text": "m"}, "level": "warning", "ruleIndex": 0}


@pytest.mark.parametrize("value", [object(), Path("x"), Severity.LOW, {1: "a"}, b"bytes", float("nan")])
def test_serializer_rejects_what_json_cannot_hold_instead_of_a_repr(value: object) -> None:
    with pytest.raises(TypeError):
        sarif_json(sarif_om.PropertyBag(tags=[value]))


# --- command line ----------------------------------------------------------------------------------


def test_cli_writes_sarif_to_a_file_and_text_to_stdout(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    repo(tmp_path, monkeypatch, {"pod.yaml": HOST_IPC_POD})
    (tmp_path / "old.sarif").write_text("stale", encoding="utf-8")
    outcome = CliRunner().invoke(main, ["pod.yaml", "--select", "host-ipc", "--output", "sarif:old.sarif",
                                        "--output", "sarif:new.sarif"])
    assert outcome.exit_code == 1, outcome.output
    assert "KL203 host-ipc" in outcome.output and "Found 1 finding" in outcome.output
    for name in ("old.sarif", "new.sarif"):
        log = check(json.loads((tmp_path / name).read_text(encoding="utf-8")))
        assert [r["ruleId"] for r in results(log)] == ["KL203"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".git", "new.sarif", "old.sarif", "pod.yaml"]


def test_cli_format_sarif(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    repo(tmp_path, monkeypatch, {"pod.yaml": HOST_IPC_POD})
    outcome = CliRunner().invoke(main, ["--format", "sarif", "--select", "host-ipc", "pod.yaml"])
    assert outcome.exit_code == 1
    assert [r["ruleId"] for r in results(check(json.loads(outcome.output)))] == ["KL203"]


@pytest.mark.parametrize("spec", ["klint.sarif", "xml:out.xml", "sarif:"])
def test_cli_rejects_a_bad_output_spec(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, spec: str) -> None:
    repo(tmp_path, monkeypatch, {"pod.yaml": HOST_IPC_POD})
    outcome = CliRunner().invoke(main, ["pod.yaml", "--output", spec])
    assert outcome.exit_code == 2 and "FORMAT:FILE" in outcome.output


def test_cli_reports_an_unwritable_output(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    repo(tmp_path, monkeypatch, {"pod.yaml": HOST_IPC_POD})
    outcome = CliRunner().invoke(main, ["pod.yaml", "--output", "sarif:missing/dir/k.sarif",
                                        "--output", "json:k.json"])
    assert outcome.exit_code == 2
    assert "cannot write the sarif report to missing/dir/k.sarif" in outcome.output
    assert json.loads((tmp_path / "k.json").read_text())["findings"]  # the next report is still written
