"""The fixer (klint.fixer) and `--fix` / `--diff` / `--unsafe-fixes` on the command line.

For each rule with a fix: the failing case, its exact fixed text, the fixed text lints clean for
that rule, a second fix is a no-op, and the output is the input with exactly the fix's edits
spliced in (no other byte changes)."""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fixhelpers import fix_text, splice_of
from helpers import dedent, lint

from klint import fixer
from klint.cli import main
from klint.config import Settings
from klint.edits import set_field
from klint.fix import Applicability, Edit, Fix
from klint.fixer import apply_edits, colored_diff, differences, fix_source, unified_diff
from klint.k8s import K8sObject
from klint.rule import Rule, Severity, Violation
from klint.source import Source

PRIVILEGED = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: app
          image: nginx:1.27
          securityContext:
            privileged: yes  # needed? ask the CNI team
            runAsUser: 1000
"""

HOST = """
apiVersion: v1
kind: Pod
metadata:
  name: agent
spec:
  {field}: true   # see ticket 42
  containers:
  - name: agent
    image: agent:1.0
"""


def case_privileged() -> tuple[str, str, str, str]:
    return ("privileged-container", dedent(PRIVILEGED),
            dedent(PRIVILEGED).replace("privileged: yes  #", "privileged: false  #"), "yes")


def cases() -> Iterator[tuple[str, str, str, str]]:
    """(rule, failing text, exact fixed text, the text the edit removes)."""
    yield case_privileged()
    for rule, field in (("host-network", "hostNetwork"), ("host-pid", "hostPID"), ("host-ipc", "hostIPC")):
        text = dedent(HOST.format(field=field))
        line = f"  {field}: true   # see ticket 42\n"
        yield rule, text, text.replace(line, ""), line


@pytest.mark.parametrize(("rule", "failing", "expected", "removed"), list(cases()), ids=lambda v: str(v)[:20])
def test_each_fix(rule: str, failing: str, expected: str, removed: str) -> None:
    (finding,) = lint(failing, rule)
    fix = finding.fix
    assert fix is not None and fix.applicability is Applicability.UNSAFE
    (edit,) = fix.edits
    assert failing[edit.start:edit.end] == removed  # the edit covers exactly the value or the line
    outcome = fix_text(failing, rule)
    assert outcome.text == expected
    assert splice_of(failing, outcome.text, fix)  # nothing outside the edit changed
    assert [f.rule.name for f in outcome.fixed] == [rule]
    assert outcome.result.findings == [] and lint(expected, rule) == []
    again = fix_text(expected, rule)
    assert again.text == expected and not again.fixed and not again.changed


def test_unsafe_fixes_need_unsafe() -> None:
    outcome = fix_text(dedent(PRIVILEGED), unsafe=False)
    assert not outcome.changed and not outcome.fixed
    summary = fixer.FixSummary.of([outcome], diff=False, unsafe=False)
    assert summary.unsafe_available == 1 and summary.fixed == 0


def test_several_fixes_over_several_passes() -> None:
    text = dedent("""
        apiVersion: v1
        kind: Pod
        metadata: {name: a}
        spec:
          hostNetwork: true
          hostPID: true
          hostIPC: true
          containers:
          - name: a
            securityContext: {privileged: true}
          - name: b
            securityContext:
              privileged: true
        ---
        apiVersion: v1
        kind: List
        items:
        - apiVersion: v1
          kind: Pod
          metadata: {name: b}
          spec:
            hostPID: true
            containers: [{name: c, securityContext: {privileged: on}}]
        """)
    outcome = fix_text(text)
    assert outcome.error is None and not outcome.left_out
    assert len(outcome.fixed) == 7 and outcome.result.findings == []
    expected = text.replace("  hostNetwork: true\n  hostPID: true\n  hostIPC: true\n", "")
    expected = expected.replace("    hostPID: true\n", "").replace("privileged: true", "privileged: false")
    assert outcome.text == expected.replace("privileged: on", "privileged: false")


def test_bom_crlf_and_missing_final_newline_survive() -> None:
    body = dedent(HOST.format(field="hostPID")).replace("\n", "\r\n").rstrip("\r\n")
    source = Source.from_bytes("pod.yaml", b"\xef\xbb\xbf" + body.encode())
    settings = Settings(select=("host-pid",))
    outcome = fix_source(source, settings.enabled_rules(), settings, unsafe=True)
    expected = body.replace("  hostPID: true   # see ticket 42\r\n", "")
    assert outcome.output() == b"\xef\xbb\xbf" + expected.encode()


def test_anchored_values_are_not_fixed_and_say_why() -> None:
    text = dedent("""
        apiVersion: v1
        kind: Pod
        metadata: {name: a}
        spec:
          containers:
          - &app
            name: a
            securityContext: {privileged: true}
          initContainers:
          - *app
        """)
    (finding, _) = lint(text, "privileged-container")
    assert finding.fix is not None and finding.fix.applicability is Applicability.DISPLAY
    assert "anchored" in finding.fix.description and not finding.fix.applicable
    outcome = fix_text(text)
    assert not outcome.changed and len(outcome.result.findings) == 2


def test_text_output_says_why_a_fix_is_not_applied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _files(tmp_path, monkeypatch, **{"a.yaml": dedent("""
        apiVersion: v1
        kind: Pod
        metadata: {name: a}
        spec:
          containers:
          - &app
            name: a
            securityContext: {privileged: true}
          initContainers:
          - *app
        """)})
    result = CliRunner().invoke(main, ["--fix", "--unsafe-fixes", *SELECT, "a.yaml"])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].endswith(
        "[manual fix: set securityContext.privileged: false (not applied: spec.containers[0] is anchored (&) "
        "or aliased (*): the edit would change every place that shares it)]")


# --- the fixer's checks, with rules written for these tests -------------------------------------


def _rule(code: str, check: Any) -> Rule:
    """A throwaway rule that does not join the registry (no `code` in its class body)."""
    cls = type(f"Rule{code}", (Rule,), {"check": check, "__doc__": "Test rule."})
    cls.code, cls.name, cls.severity = code, f"test-{code.lower()}", Severity.LOW  # type: ignore[attr-defined]
    return cls()


def _fix_with(text: str, *rules: Rule) -> fixer.FixOutcome:
    return fix_source(Source.from_text("t.yaml", dedent(text)), list(rules), Settings(), unsafe=True)


SIMPLE = """
apiVersion: v1
kind: Pod
metadata: {name: a}
spec:
  hostPID: true
  containers: [{name: a}]
"""


def _set_rule(code: str, path: tuple[str, ...], want: Any, fix_path: tuple[str, ...] | None = None,
              edit: Edit | None = None) -> Rule:
    def check(self: Rule, obj: K8sObject) -> Iterator[Violation]:
        if obj.get(path) != want:
            fix = set_field(obj, path, want, Applicability.SAFE, f"set {path[-1]}")
            if edit is not None:
                fix = Fix("broken", (edit,), Applicability.SAFE, (path,))
            elif fix is not None and fix_path is not None:
                fix = Fix(fix.description, fix.edits, fix.applicability, (fix_path,))
            yield Violation(path, "wrong", fix=fix)
    return _rule(code, check)


def test_a_fix_that_breaks_the_yaml_is_left_out_and_the_others_apply() -> None:
    broken = _set_rule("KL991", ("spec", "x"), 1, edit=Edit(0, 0, "]\n"))
    good = _set_rule("KL992", ("spec", "hostPID"), False)
    outcome = _fix_with(SIMPLE, broken, good)
    assert outcome.error is None and outcome.changed
    assert outcome.text == dedent(SIMPLE).replace("hostPID: true", "hostPID: false")
    (note,) = outcome.left_out
    assert "KL991" in note and "does not parse" in note
    assert [f.rule.code for f in outcome.result.findings] == ["KL991"]


def test_a_fix_that_changes_another_path_is_left_out() -> None:
    sneaky = _set_rule("KL993", ("spec", "hostPID"), False, fix_path=("spec", "other"))
    outcome = _fix_with(SIMPLE, sneaky)
    assert not outcome.changed and "changed at spec.hostPID, which no fix is about" in outcome.left_out[0]


def test_a_fix_that_does_not_remove_its_finding_is_left_out() -> None:
    def check(self: Rule, obj: K8sObject) -> Iterator[Violation]:
        fix = set_field(obj, ("spec", "hostPID"), False, Applicability.SAFE, "set")
        yield Violation(("spec", "hostPID"), "always", fix=fix)
    outcome = _fix_with(SIMPLE, _rule("KL994", check))
    assert not outcome.changed and "is still there" in outcome.left_out[0]


def test_fixes_that_undo_each_other_do_not_settle() -> None:
    on = _set_rule("KL995", ("spec", "hostPID"), True)
    off = _set_rule("KL996", ("spec", "hostPID"), False)
    outcome = _fix_with(SIMPLE, on, off)
    assert outcome.error is not None and "do not settle" in outcome.error
    assert not outcome.changed and outcome.text == dedent(SIMPLE)


def test_twin_fixes_are_applied_once() -> None:
    first = _set_rule("KL997", ("spec", "hostPID"), False)
    second = _set_rule("KL998", ("spec", "hostPID"), False)
    outcome = _fix_with(SIMPLE, first, second)
    assert outcome.text == dedent(SIMPLE).replace("hostPID: true", "hostPID: false")
    assert sorted(f.rule.code for f in outcome.fixed) == ["KL997", "KL998"]


def test_apply_edits_and_differences() -> None:
    assert apply_edits("abcdef", [Edit(4, 5, "E"), Edit(0, 0, ">"), Edit(1, 3, "")]) == ">adEf"
    with pytest.raises(ValueError, match="overlapping"):
        apply_edits("abc", [Edit(0, 2, ""), Edit(1, 3, "")])
    assert sorted(differences({"a": [1, 2], "b": {"c": 1}, "d": 1}, {"a": [1, 3], "b": {}, "d": True})) == [
        ("a", 1), ("b", "c"), ("d",)]
    assert list(differences({"a": [1]}, {"a": [1, 2]})) == [("a",)]


def test_unified_diff_marks_a_missing_final_newline() -> None:
    assert unified_diff("./x.yaml", "a: 1\nb: 2", "a: 1\nb: 3") == (
        "--- a/x.yaml\n+++ b/x.yaml\n@@ -1,2 +1,2 @@\n a: 1\n-b: 2\n\\ No newline at end of file\n"
        "+b: 3\n\\ No newline at end of file\n")


# --- command line ------------------------------------------------------------------------------


def _files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **files: str) -> None:
    monkeypatch.chdir(tmp_path)
    for name, text in files.items():
        Path(name).write_text(text, newline="")


SELECT = ["--select", "privileged-container,host-network,host-pid,host-ipc"]


def test_cli_fix_rewrites_in_place_keeping_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _files(tmp_path, monkeypatch, **{"a.yaml": dedent(PRIVILEGED), "clean.yaml": case_privileged()[2],
                                     "b.yaml": dedent(HOST.format(field="hostPID"))})
    os.chmod("a.yaml", 0o640)
    result = CliRunner().invoke(main, ["--fix", *SELECT, "."])
    assert result.exit_code == 1  # nothing was changed (unsafe fixes) but findings remain
    assert "[unsafe fix]" in result.stdout
    assert "Fixed 0 findings (0 files changed); 2 remain, 2 of them fixable with `--unsafe-fixes`." \
        in result.stdout
    assert Path("a.yaml").read_text() == dedent(PRIVILEGED)

    result = CliRunner().invoke(main, ["--fix", "--unsafe-fixes", *SELECT, "."])
    assert result.exit_code == 0  # every finding fixed, none remains (as with ruff)
    assert result.stdout.endswith("No findings in 3 files.\nFixed 2 findings (2 files changed); 0 remain.\n")
    assert Path("a.yaml").read_text() == case_privileged()[2]
    assert stat.S_IMODE(os.stat("a.yaml").st_mode) == 0o640
    assert sorted(os.listdir(".")) == ["a.yaml", "b.yaml", "clean.yaml"]  # no temporary files left

    result = CliRunner().invoke(main, ["--fix", "--unsafe-fixes", *SELECT, "."])
    assert result.exit_code == 0 and "Fixed 0 findings (0 files changed); 0 remain." in result.stdout


def test_cli_exit_non_zero_on_fix_fails_when_a_file_changed(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    _files(tmp_path, monkeypatch, **{"a.yaml": dedent(PRIVILEGED)})
    arguments = ["--fix", "--unsafe-fixes", "--exit-non-zero-on-fix", *SELECT, "a.yaml"]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 1 and Path("a.yaml").read_text() == case_privileged()[2]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 0  # nothing changed, nothing remains


def test_cli_diff_is_coloured_only_when_asked_or_on_a_terminal(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    _files(tmp_path, monkeypatch, **{"a.yaml": dedent(PRIVILEGED)})
    plain = unified_diff("a.yaml", dedent(PRIVILEGED), case_privileged()[2])
    piped = CliRunner().invoke(main, ["--diff", "--unsafe-fixes", *SELECT, "a.yaml"])
    assert piped.stdout == plain and "\x1b[" not in piped.stdout
    colored = CliRunner().invoke(main, ["--diff", "--unsafe-fixes", "--color=always", *SELECT, "a.yaml"])
    assert colored.stdout == colored_diff(plain) != plain
    assert re.search(r"\n\x1b\[31m- +privileged: yes[^\n]*\x1b\[0m\n", colored.stdout)
    assert re.search(r"\n\x1b\[32m\+ +privileged: false[^\n]*\x1b\[0m\n", colored.stdout)
    assert colored.stdout.startswith("\x1b[1m--- a/a.yaml\x1b[0m\n\x1b[1m+++ b/a.yaml\x1b[0m\n\x1b[36m@@ ")


def test_colored_diff_tells_a_removed_document_marker_from_a_header() -> None:
    diff = unified_diff("x.yaml", "a: 1\n---\nb: 2\n", "a: 1\nb: 2\n")
    assert "\x1b[31m----\x1b[0m\n" in colored_diff(diff)


def test_cli_diff_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _files(tmp_path, monkeypatch, **{"a.yaml": dedent(PRIVILEGED)})
    result = CliRunner().invoke(main, ["--diff", "--unsafe-fixes", *SELECT, "a.yaml"])
    assert result.exit_code == 1
    assert result.stdout == unified_diff("a.yaml", dedent(PRIVILEGED), case_privileged()[2])
    assert "Would fix 1 finding (1 file would change); 0 remain." in result.stderr
    assert Path("a.yaml").read_text() == dedent(PRIVILEGED)


def test_cli_fix_stdin_prints_the_fixed_stream(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    data = b"\xef\xbb\xbf" + dedent(PRIVILEGED).replace("\n", "\r\n").encode()
    result = CliRunner().invoke(main, ["--fix", "--unsafe-fixes", *SELECT, "-"], input=data)
    assert result.exit_code == 0  # all fixed
    assert result.stdout_bytes == data.replace(b"privileged: yes", b"privileged: false")
    assert "Fixed 1 finding" in result.stderr


def test_fixes_after_an_empty_document() -> None:
    """Helm renders an empty template as `---` and its `# Source:` line: documents keep their stream
    index, so the fix is checked against the right document."""
    text = "---\n# Source: chart/templates/empty.yaml\n---\n" + dedent(PRIVILEGED)
    outcome = fix_text(text, "privileged-container")
    assert outcome.left_out == [] and outcome.error is None
    assert outcome.text == text.replace("privileged: yes", "privileged: false")


def test_cli_fix_stdin_passes_input_it_cannot_read_through(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """`klint --fix - < in > out` never empties `out`: bytes that are not UTF-8 come back unchanged."""
    monkeypatch.chdir(tmp_path)
    data = b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: \xff\n"
    result = CliRunner().invoke(main, ["--fix", *SELECT, "-"], input=data)
    assert result.exit_code == 2
    assert result.stdout_bytes == data
    assert "-:4:9: ERROR not valid UTF-8" in result.stderr


def test_cli_marks_fixable_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _files(tmp_path, monkeypatch, **{"a.yaml": dedent(PRIVILEGED)})
    result = CliRunner().invoke(main, [*SELECT, "a.yaml"])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].endswith("[unsafe fix]")
    assert result.stdout.splitlines()[-1] == "[unsafe fix] 1 fixable with `klint --fix --unsafe-fixes`."
    data = json.loads(CliRunner().invoke(main, ["--format", "json", *SELECT, "a.yaml"]).stdout)
    (finding,) = data["findings"]
    assert finding["fixable"] is True and finding["fix"]["applicability"] == "unsafe"
    assert data["summary"]["fixable"] == {"safe": 0, "unsafe": 1} and data["summary"]["fixes"] is None
    data = json.loads(CliRunner().invoke(main, ["--format", "json", "--fix", "--unsafe-fixes", *SELECT,
                                                "a.yaml"]).stdout)
    assert data["findings"] == []
    assert data["summary"]["fixes"] == {"mode": "fix", "unsafeFixes": True, "fixed": 1, "filesChanged": 1,
                                        "unsafeAvailable": 0, "leftOut": [], "failures": []}


def test_cli_reports_a_file_it_cannot_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _files(tmp_path, monkeypatch, **{"a.yaml": dedent(PRIVILEGED)})

    def refuse(path: str, data: bytes) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(fixer, "write_atomic", refuse)
    result = CliRunner().invoke(main, ["--fix", "--unsafe-fixes", *SELECT, "a.yaml"])
    assert result.exit_code == 2
    assert "a.yaml:1:1: ERROR cannot write the fixed file: Permission denied" in result.stdout
    assert "Fixed 0 findings (0 files changed); 1 remain." in result.stdout
    assert "a.yaml:12:13: CRITICAL KL101 privileged-container" in result.stdout  # still in the file


def test_write_atomic_follows_a_symlink(tmp_path: Path) -> None:
    target = tmp_path / "real.yaml"
    target.write_text("old")
    link = tmp_path / "link.yaml"
    link.symlink_to(target)
    fixer.write_atomic(str(link), b"new")
    assert link.is_symlink() and target.read_text() == "new"


def test_write_atomic_creates_a_file_with_the_umasks_mode(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        fixer.write_atomic(str(tmp_path / "new.yaml"), b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "new.yaml").st_mode) == 0o640
    assert os.listdir(tmp_path) == ["new.yaml"]


def test_suppressed_findings_are_not_fixed() -> None:
    import dataclasses

    from klint.engine import Suppression

    source = Source.from_text("t.yaml", dedent(PRIVILEGED))
    configured = Settings(select=("privileged-container",))
    run = fixer._Fixer(source, configured.enabled_rules(), configured, unsafe=True)
    state = run.state(source.text)
    assert not isinstance(state, str) and len(run.choose(state)) == 1
    suppressed = Suppression(in_source=True)
    state.result.findings = [dataclasses.replace(f, suppressed=suppressed) for f in state.result.findings]
    assert run.choose(state) == []


def test_a_key_two_fixes_would_write_is_written_once() -> None:
    # the rename of a misspelt runAsNonroot and run-as-non-root's insert both write runAsNonRoot
    text = dedent("""
        apiVersion: v1
        kind: Pod
        metadata:
          name: p
        spec:
          securityContext:
            runAsNonroot: true
          containers:
            - name: c
              image: nginx
        """)
    outcome = fix_text(text, "invalid-field", "run-as-non-root", "duplicate-key")
    assert outcome.text == text.replace("runAsNonroot", "runAsNonRoot")
    assert outcome.result.findings == [] and outcome.left_out == []


def test_diff_reports_what_remains_at_the_lines_of_the_file_as_it_is(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.yaml").write_text(dedent("""
        apiVersion: v1
        kind: Pod
        metadata:
          name: p
        spec:
          containers:
            - name: c
              image: nginx
              securityContext:
                privileged: true
        """))
    result = CliRunner().invoke(main, ["--diff", "--select", "KL101,KL306", "--format", "concise", "p.yaml"])
    assert "+      type: RuntimeDefault" in result.stdout  # the safe seccomp fix, above privileged
    assert 'p.yaml:10:9: KL101 container "c" runs privileged' in result.stderr


def test_a_stream_with_an_input_error_is_not_fixed_and_says_why(tmp_path: Path) -> None:
    text = ("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: c, image: x}]\n"
            "---\nkind: [\n")
    outcome = fix_text(text, "seccomp-profile")
    assert outcome.text == text and outcome.fixed == []
    assert outcome.error == "it has an input error: fixes wait until every document parses"
    assert [f.rule.name for f in outcome.result.findings] == ["seccomp-profile"]
