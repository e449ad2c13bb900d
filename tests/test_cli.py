"""The command line, end to end: text and JSON output, colour, exit codes, standard input, bad input,
Helm templates and rendered output, non-Kubernetes YAML, `klint rules` and `klint explain`."""

from __future__ import annotations

import builtins
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from klint import registry
from klint.cli import main

# Only the first rules are selected, so that rules added to the catalogue later do not change what
# these tests see.
CORE_RULES = ("--select", "KL001,KL101,KL201,KL202,KL203")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
FIX_MARKER = re.compile(r" \[(\*|unsafe fix)\]$")  # appended to findings that `--fix` can fix

PRIVILEGED_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: debug
  namespace: tools
spec:
  hostIPC: true
  containers:
    - name: shell
      image: busybox:1.36
      securityContext:
        privileged: yes
"""

HOST_NETWORK_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: agent
spec:
  template:
    spec:
      hostNetwork: true
      containers:
        - name: agent
          image: agent:1.0
"""

HARDENED_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: app
      image: nginx:1.27
      securityContext:
        privileged: false
"""

RAW_HELM_TEMPLATE = """\
apiVersion: v1
kind: Pod
metadata:
  name: {{ include "app.fullname" . }}
spec:
  {{- if .Values.hostNetwork }}
  hostNetwork: true
  {{- end }}
  containers:
    - name: app
      image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
"""

# A raw template whose actions all sit in quoted strings: valid YAML, still a template.
QUOTED_HELM_TEMPLATE = """\
apiVersion: v1
kind: Pod
metadata:
  name: "{{ .Release.Name }}-web"
spec:
  hostNetwork: true
  containers:
    - name: app
      image: "{{ .Values.image }}"
"""

RENDERED_HELM_OUTPUT = """\
---
# Source: monitoring/templates/rules.yaml
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: pods
spec:
  groups:
    - name: pods
      rules:
        - alert: PodCrashLooping
          annotations:
            description: '{{ $labels.namespace }}/{{ $labels.pod }} restarts {{ printf "%.2f" $value }} times'
            summary: '{{ with $labels.cluster -}} on {{ . }} {{- end }} a pod is crash looping'
          expr: rate(kube_pod_container_status_restarts_total[5m]) > 0
---
# Source: monitoring/templates/injector.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: injector
data:
  template: |
    {{- if .Values.sidecar.enabled }}
    image: {{ .Values.sidecar.image }}
    {{- end }}
---
# Source: monitoring/templates/exporter.yaml
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: node-exporter
spec:
  template:
    spec:
      hostPID: true
      containers:
        - name: exporter
          image: "quay.io/prometheus/node-exporter:v1.8.0"
"""

NOT_KUBERNETES = """\
# a values file, not a manifest
replicas: 3
image:
  repository: nginx
"""


def write(directory: Path, name: str, text: str | bytes) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    write(tmp_path, "manifests/debug-pod.yaml", PRIVILEGED_POD)
    write(tmp_path, "manifests/agent.yaml", HOST_NETWORK_DEPLOYMENT)
    write(tmp_path, "manifests/web.yaml", HARDENED_POD)
    return tmp_path


def report_lines(output: str) -> list[str]:
    """The text report without what the fix engine adds: fix markers and lines about fixes."""
    return [FIX_MARKER.sub("", line) for line in output.splitlines() if not line.startswith("[")]


def summary(output: str) -> str:
    (line,) = [line for line in output.splitlines() if line.startswith(("Found ", "No findings"))]
    return line


def klint(*args: str, stdin: str | bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def klint_process(*args: str, cwd: Path, env: dict[str, str] | None = None,
                  stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """klint in a child process, its output piped."""
    return subprocess.run([sys.executable, "-c", "from klint.cli import main; main()", *args], cwd=cwd,
                          env={**os.environ, **(env or {})}, input=stdin, capture_output=True, text=True,
                          check=False)


# --- text output -------------------------------------------------------------------------------

def test_text_output_lines_grouping_and_summary(project: Path) -> None:
    code, out, _ = klint(*CORE_RULES, "manifests")
    assert code == 1
    assert report_lines(out) == textwrap.dedent("""\
        manifests/agent.yaml:8:7: HIGH KL201 host-network: pod shares the node's network namespace (hostNetwork: true); set hostNetwork: false or remove it [Deployment agent]

        manifests/debug-pod.yaml:7:3: HIGH KL203 host-ipc: pod shares the node's IPC namespace (hostIPC: true); set hostIPC: false or remove it [Pod tools/debug]
        manifests/debug-pod.yaml:12:9: CRITICAL KL101 privileged-container: container "shell" runs privileged (securityContext.privileged: true); set it to false [Pod tools/debug]

        Found 3 findings (1 critical, 2 high) in 2 of 3 files.
        """).splitlines()  # noqa: E501


def test_text_line_format(project: Path) -> None:
    _, out, _ = klint("manifests/debug-pod.yaml")
    pattern = re.compile(r"(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): "
                         r"(?P<severity>CRITICAL|HIGH|MEDIUM|LOW) (?P<code>KL\d{3}) (?P<name>[a-z0-9-]+): "
                         r"(?P<message>.+) \[(?P<object>[^\]]+)\]")
    lines = [line for line in report_lines(out) if line and line != summary(out)]
    assert lines
    for line in lines:
        match = pattern.match(line)
        assert match, line
        assert match["path"] == "manifests/debug-pod.yaml"
        assert match["object"].startswith("Pod tools/debug")


def test_text_output_escapes_control_characters_from_manifests(project: Path) -> None:
    """A manifest cannot write terminal escapes, fake report lines or reordered text into a report."""
    name = '"evil\\e[31m\\ndone\\u202e"'  # YAML double-quoted escapes: ESC, newline, RLO
    write(project, "manifests/evil.yaml", PRIVILEGED_POD.replace("name: debug", f"name: {name}"))
    _, out, _ = klint("--select", "KL101", "manifests/evil.yaml")
    (line,) = [line for line in out.splitlines() if "KL101" in line]
    assert line.endswith('[Pod tools/evil\\x1b[31m\\ndone\\u202e] [unsafe fix]')
    assert not re.search("[\x00-\x1f\x7f\u202e]", out.replace("\n", ""))


def test_no_findings(project: Path) -> None:
    code, out, _ = klint(*CORE_RULES, "manifests/web.yaml")
    assert (code, out) == (0, "No findings in 1 file.\n")


def test_no_colour_when_piped_or_with_no_color(project: Path) -> None:
    piped = klint_process(*CORE_RULES, "manifests", cwd=project)
    assert piped.returncode == 1 and "KL101" in piped.stdout
    assert not ANSI.search(piped.stdout)
    _, forced, _ = klint(*CORE_RULES, "--color", "always", "manifests")
    assert ANSI.search(forced) and ANSI.sub("", forced) == piped.stdout
    assert not ANSI.search(klint(*CORE_RULES, "--color", "never", "manifests")[1])


def read_terminal(controller: int) -> str:
    """All a child wrote to a pseudo-terminal, until it closed; then the terminal is closed."""
    output = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal closes when the child exits
            break
        if not chunk:
            break
        output += chunk
    os.close(controller)
    return output.decode()


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
@pytest.mark.parametrize(("no_color", "coloured"), [(None, True), ("1", False), ("", True)])
def test_colour_on_a_terminal_unless_no_color(project: Path, no_color: str | None, coloured: bool) -> None:
    import pty

    controller, terminal = pty.openpty()
    env = {key: value for key, value in os.environ.items() if key != "NO_COLOR"}
    if no_color is not None:
        env["NO_COLOR"] = no_color
    child = subprocess.Popen([sys.executable, "-c", "from klint.cli import main; main()", *CORE_RULES,
                              "manifests"], cwd=project, env=env, stdout=terminal, stderr=terminal)
    os.close(terminal)
    text = read_terminal(controller)
    assert child.wait() == 1
    assert "KL101" in text
    assert bool(ANSI.search(text)) is coloured


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_colour_follows_the_stream_the_report_goes_to(project: Path) -> None:
    """With --diff the report goes to standard error: a terminal on stdout does not colour a file."""
    import pty

    controller, terminal = pty.openpty()
    env = {key: value for key, value in os.environ.items() if key != "NO_COLOR"}
    with open(project / "report.txt", "wb") as report:
        child = subprocess.Popen([sys.executable, "-c", "from klint.cli import main; main()", *CORE_RULES,
                                  "--diff", "--unsafe-fixes", "manifests"], cwd=project, env=env,
                                 stdout=terminal, stderr=report)
        os.close(terminal)
        diff = read_terminal(controller)
    assert child.wait() == 1
    assert "+++ " in diff
    text = (project / "report.txt").read_text()
    assert "Would fix" in text and not ANSI.search(text)


# --- JSON output -------------------------------------------------------------------------------

def test_json_schema(project: Path) -> None:
    """The documented shape of `--format json` (README, "JSON output"): these keys and types are
    stable within `schema` klint/report/v1; new keys may be added."""
    write(project, "manifests/broken.yaml", "apiVersion: v1\nkind: [Pod\n")
    code, out, _ = klint(*CORE_RULES, "--format", "json", "manifests")
    assert code == 2  # an input error
    report = json.loads(out)
    assert report["schema"] == "klint/report/v1" and isinstance(report["version"], str)
    assert {"findings", "errors", "skipped", "summary"} <= set(report)

    summary = report["summary"]
    assert {key: summary[key] for key in ("files", "documents", "objects", "notKubernetes", "findings",
                                          "errors", "skipped")} == {
        "files": 4, "documents": 3, "objects": 3, "notKubernetes": 0, "findings": 3, "errors": 1,
        "skipped": 0}
    assert summary["bySeverity"] == {"critical": 1, "high": 2, "medium": 0, "low": 0}

    assert report["errors"] == [{"path": "manifests/broken.yaml", "line": 3, "column": 1,
                                 "message": report["errors"][0]["message"]}]
    assert report["errors"][0]["message"]

    privileged = next(f for f in report["findings"] if f["code"] == "KL101")
    assert {"code", "rule", "severity", "message", "location", "object", "field", "container",
            "fix"} <= set(privileged)
    assert (privileged["rule"], privileged["severity"], privileged["container"]) == (
        "privileged-container", "critical", "shell")
    assert privileged["field"] == "spec.containers[0].securityContext.privileged"
    text = PRIVILEGED_POD
    start = text.index("privileged: yes")
    assert privileged["location"] == {
        "path": "manifests/debug-pod.yaml", "template": None,
        "start": {"line": 12, "column": 9, "offset": start},
        "end": {"line": 12, "column": 24, "offset": start + len("privileged: yes")},
    }
    assert privileged["object"] == {"apiVersion": "v1", "kind": "Pod", "namespace": "tools", "name": "debug",
                                    "document": 0, "item": None}
    assert privileged["fix"] is None or {"applicability", "description", "edits"} <= set(privileged["fix"])


def test_json_location_names_the_helm_template(project: Path) -> None:
    write(project, "rendered.yaml", RENDERED_HELM_OUTPUT)
    _, out, _ = klint(*CORE_RULES, "--format", "json", "rendered.yaml")
    (finding,) = json.loads(out)["findings"]
    assert finding["code"] == "KL202"
    assert finding["location"]["template"] == "monitoring/templates/exporter.yaml"
    assert finding["object"]["document"] == 2


# --- exit codes --------------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "expected"), [
    (("manifests/web.yaml",), 0),
    (("manifests",), 1),
    (("--fail-on", "high", "manifests"), 1),
    (("--fail-on", "critical", "manifests"), 1),
    (("--fail-on", "critical", "manifests/agent.yaml"), 0),  # only a high finding there
    (("--fail-on", "high", "--severity", "host-network=medium", "manifests/agent.yaml"), 0),
    (("--fail-on", "urgent", "manifests"), 2),
    (("--select", "KL999", "manifests"), 2),
    (("--no-such-flag", "manifests"), 2),
    (("manifests/missing.yaml",), 2),
])
def test_exit_codes(project: Path, args: tuple[str, ...], expected: int) -> None:
    code, _, _ = klint(*CORE_RULES, *args)
    assert code == expected


# --- standard input ----------------------------------------------------------------------------

def test_standard_input_named_by_stdin_filename(project: Path) -> None:
    code, out, _ = klint(*CORE_RULES, "-", "--stdin-filename", "rendered/pod.yaml", stdin=PRIVILEGED_POD)
    assert code == 1
    assert out.startswith("rendered/pod.yaml:7:3: HIGH KL203 host-ipc")
    code, out, _ = klint(*CORE_RULES, "-", stdin=HOST_NETWORK_DEPLOYMENT)
    assert out.startswith("-:8:7: HIGH KL201 host-network")
    # bytes with a BOM and CRLF line breaks, as a Windows editor saves them
    windows = b"\xef\xbb\xbf" + PRIVILEGED_POD.replace("\n", "\r\n").encode()
    code, out, _ = klint(*CORE_RULES, "-", stdin=windows)
    assert out.startswith("-:7:3: HIGH KL203 host-ipc")


def test_standard_input_and_files_together(project: Path) -> None:
    _, out, _ = klint(*CORE_RULES, "manifests/agent.yaml", "-", stdin=PRIVILEGED_POD)
    assert "manifests/agent.yaml:8:7" in out and "-:12:9: CRITICAL KL101" in out
    assert summary(out) == "Found 3 findings (1 critical, 2 high) in 2 of 2 files."


# --- bad input ---------------------------------------------------------------------------------

BAD_INPUTS = [
    ("broken.yaml", "apiVersion: v1\nkind: Pod\nspec:\n  containers: [\n", "5:1"),
    ("tabs.yaml", "apiVersion: v1\nkind: Pod\nspec:\n\thostPID: true\n", "4:1"),
    ("latin1.yaml", b"apiVersion: v1\nkind: ConfigMap\ndata:\n  city: M\xfcnchen\n", "4:10"),
    ("bomb.yaml", "a: &a [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{','.join([f'*{chr(97 + i)}'] * 10)}]\n" for i in range(9)), "1:"),
    ("deep.json", '{"a": ' * 50_000 + "1" + "}" * 50_000, "1:"),
    ("comma.json", '{"apiVersion": "v1", "kind": "Pod"\n "spec": {"hostPID": true}}', "2:2"),
]


@pytest.mark.parametrize(("name", "content", "position"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_is_reported_at_its_position_and_the_run_goes_on(
        project: Path, name: str, content: str | bytes, position: str) -> None:
    write(project, f"manifests/{name}", content)
    result = klint_process(*CORE_RULES, "manifests", cwd=project)
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr
    errors = [line for line in result.stdout.splitlines() if ": ERROR " in line]
    assert len(errors) == 1
    assert errors[0].startswith(f"manifests/{name}:{position}")
    assert not errors[0].split(": ERROR ", 1)[1].startswith("internal error")
    # the other files were linted
    assert "manifests/debug-pod.yaml:12:9: CRITICAL KL101" in result.stdout
    assert summary(result.stdout).endswith("in 2 of 4 files; 1 error.")


def test_a_directory_or_missing_file_is_an_error_not_a_crash(project: Path) -> None:
    result = klint_process("manifests/nope.yaml", cwd=project)
    assert result.returncode == 2 and "manifests/nope.yaml:1:1: ERROR cannot read file" in result.stdout
    assert "Traceback" not in result.stderr


def test_missing_paths_are_errors_and_the_others_are_linted(project: Path) -> None:
    code, out, _ = klint(*CORE_RULES, "manifests/nope.yaml", "gone/", "manifests")
    assert code == 2
    assert "manifests/nope.yaml:1:1: ERROR cannot read file: No such file or directory" in out
    assert "gone/:1:1: ERROR cannot read file: No such file or directory" in out
    assert "manifests/debug-pod.yaml:12:9: CRITICAL KL101" in out


def lock(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Take away every permission. A user who can read anything anyway (root, as in many CI
    containers) gets the error an unprivileged user would get, from `open` and `os.scandir`."""
    path.chmod(0)
    if not os.access(path, os.R_OK):
        return
    denied = os.path.abspath(path)

    def guard(real: Any) -> Any:
        def call(target: Any, *args: Any, **kwargs: Any) -> Any:
            if isinstance(target, (str, os.PathLike)) and os.path.abspath(target) == denied:
                raise PermissionError(13, "Permission denied", str(target))
            return real(target, *args, **kwargs)
        return call

    monkeypatch.setattr(builtins, "open", guard(builtins.open))
    monkeypatch.setattr(os, "scandir", guard(os.scandir))


def test_an_unreadable_file_named_on_the_command_line_is_an_input_error(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    unreadable = write(project, "unread.yaml", PRIVILEGED_POD)
    lock(unreadable, monkeypatch)
    try:
        code, out, _ = klint(*CORE_RULES, "unread.yaml", "manifests/debug-pod.yaml")
    finally:
        unreadable.chmod(0o644)
    assert code == 2
    assert report_lines(out)[0] == "unread.yaml:1:1: ERROR cannot read file: Permission denied"
    assert "manifests/debug-pod.yaml:12:9: CRITICAL KL101" in out


def test_readability_is_not_checked_before_the_run(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each path is read in turn and reported on its own: nothing stops the run up front (this one runs
    as root too)."""
    monkeypatch.setattr(os, "access", lambda *args, **kwargs: False)
    code, out, _ = klint(*CORE_RULES, "manifests", "manifests/web.yaml")
    assert code == 1 and "manifests/debug-pod.yaml:12:9: CRITICAL KL101" in out


def test_an_unreadable_directory_is_an_input_error(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = project / "manifests" / "locked"
    write(locked, "hidden-pod.yaml", PRIVILEGED_POD)
    lock(locked, monkeypatch)
    try:
        code, out, _ = klint(*CORE_RULES, "manifests")
        code_named, out_named, _ = klint(*CORE_RULES, "manifests/locked")
    finally:
        locked.chmod(0o755)
    assert code == 2
    assert "manifests/locked:1:1: ERROR cannot read directory: Permission denied" in out
    assert "manifests/debug-pod.yaml:12:9: CRITICAL KL101" in out
    assert code_named == 2
    assert report_lines(out_named)[0] == ("manifests/locked:1:1: ERROR cannot read directory: "
                                          "Permission denied")


def test_a_directory_that_cannot_be_listed_is_an_input_error(project: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """As above, simulated, so that it runs as root too: the run never comes back clean without
    having looked inside."""
    write(project, "manifests/locked/hidden-pod.yaml", PRIVILEGED_POD)
    scandir = os.scandir

    def failing_scandir(path: str) -> object:
        if Path(path) == Path("manifests/locked"):
            raise PermissionError(13, "Permission denied", path)
        return scandir(path)

    monkeypatch.setattr(os, "scandir", failing_scandir)
    code, out, _ = klint(*CORE_RULES, "--format", "json", "manifests")
    assert code == 2
    assert json.loads(out)["errors"] == [{"path": os.path.join("manifests", "locked"), "line": 1, "column": 1,
                                          "message": "cannot read directory: Permission denied"}]


# --- which files -------------------------------------------------------------------------------

def test_exclude_relative_to_the_directory_given(project: Path) -> None:
    write(project, "manifests/test/t.yaml", PRIVILEGED_POD)
    _, out, _ = klint(*CORE_RULES, "--exclude", "test/*.yaml", "manifests")
    assert "manifests/test" not in out and "manifests/debug-pod.yaml" in out
    _, out, _ = klint(*CORE_RULES, "--exclude", "manifests/test/*.yaml", "manifests")
    assert "manifests/test" not in out and "manifests/debug-pod.yaml" in out


def test_suffixes_in_any_case_and_each_file_once(project: Path) -> None:
    write(project, "upper/POD.YAML", PRIVILEGED_POD)
    os.symlink("POD.YAML", project / "upper" / "alias.Yml")
    _, out, _ = klint(*CORE_RULES, "upper")
    assert "upper/POD.YAML:12:9: CRITICAL KL101" in out
    assert "alias" not in out  # the same file, linted once under the first name
    _, out, _ = klint(*CORE_RULES, "upper", "upper/alias.Yml")  # named explicitly: linted
    assert "upper/alias.Yml:12:9: CRITICAL KL101" in out


@pytest.mark.parametrize("output_format", ["github", "sarif"])
def test_standard_input_is_not_made_a_path_in_the_repository(project: Path, output_format: str) -> None:
    (project / ".git").mkdir()
    result = klint_process(*CORE_RULES, "--format", output_format, "-", cwd=project / "manifests",
                           stdin=PRIVILEGED_POD)
    assert result.returncode == 1
    assert "manifests/-" not in result.stdout
    if output_format == "github":
        assert "::error file=-,line=12,col=9," in result.stdout
    else:
        uris = {location["physicalLocation"]["artifactLocation"]["uri"]
                for run in json.loads(result.stdout)["runs"] for r in run["results"]
                for location in r["locations"]}
        assert uris == {"-"}
    # a name given with --stdin-filename is a path like any other
    result = klint_process(*CORE_RULES, "--format", "github", "-", "--stdin-filename", "pod.yaml",
                           cwd=project / "manifests", stdin=PRIVILEGED_POD)
    assert "::error file=manifests/pod.yaml,line=12,col=9," in result.stdout


def test_the_readme_json_example_is_what_klint_prints() -> None:
    readme = Path(__file__).parent.parent / "README.md"
    example = re.search(r"example, `klint (--format json[^`]*)` prints:\n\n```json\n(.*?)```",
                        readme.read_text(), re.DOTALL)
    assert example is not None
    result = klint_process(*example[1].split(), cwd=readme.parent)
    version = re.compile(r'"version": "[^"]*"')  # a release need not touch the README
    assert version.sub("", result.stdout) == version.sub("", example[2])


# --- Helm, non-Kubernetes YAML -----------------------------------------------------------------

def test_raw_helm_templates_are_skipped_once_with_a_hint(project: Path) -> None:
    write(project, "chart/templates/pod.yaml", RAW_HELM_TEMPLATE)
    write(project, "chart/templates/quoted.yaml", QUOTED_HELM_TEMPLATE)
    code, out, _ = klint(*CORE_RULES, "chart")
    assert code == 0
    assert out == (
        "chart/templates/pod.yaml: skipped: raw Helm template: lint the rendered output instead "
        "(helm template CHART | klint -)\n"
        "\n"
        "chart/templates/quoted.yaml: skipped: raw Helm template: lint the rendered output instead "
        "(helm template CHART | klint -)\n"
        "\n"
        "No findings in 2 files; 2 files skipped.\n")


def test_rendered_helm_output_with_go_templates_in_strings_is_linted(project: Path) -> None:
    code, out, _ = klint(*CORE_RULES, "-", "--stdin-filename", "rendered.yaml", stdin=RENDERED_HELM_OUTPUT)
    assert code == 1
    assert "skipped" not in out
    assert report_lines(out)[0] == (
        "rendered.yaml:36:7: HIGH KL202 host-pid: pod shares the node's process ID namespace "
        "(hostPID: true); "
        "set hostPID: false or remove it [DaemonSet node-exporter, from monitoring/templates/exporter.yaml]")


def test_a_yaml_error_in_rendered_output_with_go_templates_is_an_error_not_skipped(project: Path) -> None:
    """`{{ }}` kept as data (quoted) does not make a broken file a template: its error is reported."""
    broken = RENDERED_HELM_OUTPUT + "---\nkind: Pod\n  bad: indent\n"
    code, out, _ = klint(*CORE_RULES, "-", "--stdin-filename", "rendered.yaml", stdin=broken)
    assert code == 2
    assert "skipped" not in out and "rendered.yaml:36:7: HIGH KL202 host-pid" in out
    assert any(line.startswith("rendered.yaml:") and ": ERROR " in line for line in out.splitlines())


def test_other_templates_that_break_the_yaml_are_skipped(project: Path) -> None:
    write(project, "templates/etcd.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  labels:\n"
                                          "    cell: {{cell}}\n")
    code, out, _ = klint(*CORE_RULES, "templates/etcd.yaml")
    assert code == 0 and "templates/etcd.yaml: skipped: raw Helm template" in out


def test_non_kubernetes_yaml_is_skipped_silently_and_counted_with_verbose(project: Path) -> None:
    write(project, "manifests/values.yaml", NOT_KUBERNETES)
    write(project, "manifests/empty.yaml", "# nothing yet\n")
    code, out, err = klint(*CORE_RULES, "manifests/values.yaml", "manifests/empty.yaml", "manifests/web.yaml")
    assert (code, out, err) == (0, "No findings in 3 files.\n", "")
    code, out, err = klint(*CORE_RULES, "--verbose", "manifests/values.yaml", "manifests/empty.yaml",
                           "manifests/web.yaml")
    assert code == 0 and out == "No findings in 3 files.\n"
    assert "3 files, 2 documents, 1 object, 1 non-Kubernetes documents skipped" in err
    assert "C composer" in err


# --- rules and explain -------------------------------------------------------------------------

def test_rules_table() -> None:
    code, out, _ = klint("rules")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["CODE", "NAME", "SEVERITY", "PSS", "SUMMARY"]
    rows = {line.split()[0]: line.split(maxsplit=4) for line in lines[1:]}
    assert set(rows) == {rule.code for rule in registry.all_rules()}
    assert rows["KL101"][:4] == ["KL101", "privileged-container", "critical", "baseline"]
    assert rows["KL101"][4] == "Containers must not run in privileged mode."


def test_rules_json() -> None:
    code, out, _ = klint("rules", "--format", "json")
    assert code == 0
    listed = json.loads(out)
    assert [rule["code"] for rule in listed] == [rule.code for rule in registry.all_rules()]
    privileged = next(rule for rule in listed if rule["code"] == "KL101")
    assert {key: privileged[key] for key in ("name", "severity", "pss", "psaCheck", "summary")} == {
        "name": "privileged-container", "severity": "critical", "pss": "baseline", "psaCheck": "privileged",
        "summary": "Containers must not run in privileged mode."}
    assert isinstance(privileged["references"], list) and isinstance(privileged["options"], dict)
    assert privileged["equivalents"]["checkov"] == ["CKV_K8S_16"]  # other tools' checks it stands for


@pytest.mark.parametrize("name", ["KL101", "kl101", "privileged-container"])
def test_explain(name: str) -> None:
    code, out, _ = klint("explain", name)
    assert code == 0
    assert out.startswith("KL101 privileged-container (severity critical, Pod Security Standards baseline")
    for section in ("## What it checks", "## Why", "## Failing example", "## Passing example", "## Fix"):
        assert section in out
    assert "https://kubernetes.io/docs/concepts/security/pod-security-standards/" in out


def test_explain_an_unknown_rule() -> None:
    code, _, err = klint("explain", "no-such-rule")
    assert code == 2 and "unknown rule 'no-such-rule'" in err


def test_version_and_help() -> None:
    code, out, _ = klint("--version")
    assert code == 0 and out.startswith("klint, version ")
    code, out, _ = klint("--help")
    assert code == 0 and "rules" in out and "explain" in out


def test_kube_version_names_the_fields_its_api_does_not_have(tmp_path: Path) -> None:
    manifest = tmp_path / "pod.yaml"
    manifest.write_text(textwrap.dedent("""\
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          containers:
            - name: app
              image: nginx:1.27
              securityContext:
                appArmorProfile:
                  type: RuntimeDefault
        """))
    assert klint("--select", "invalid-field", str(manifest))[0] == 0
    code, out, _ = klint("--select", "invalid-field", "--kube-version", "v1.29.2", "--format", "concise",
                         str(manifest))
    assert code == 1
    assert f"{manifest}:10:9: KL004 containers[0].securityContext.appArmorProfile is not a field of " \
           "SecurityContext in Kubernetes 1.29 (it came in 1.30): the API server drops it" in out
    code, _, err = klint("--kube-version", "2.0", str(manifest))
    assert code == 2 and "not a Kubernetes version: '2.0'" in err
