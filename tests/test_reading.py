"""Every manifest the API server reads is read: where libyaml 0.1.7 (the C composer's) refuses valid YAML,
the pure-Python composer reads it again; plain numbers, encodings and chart values files as Kubernetes
and Helm see them. Expected data come from go-yaml v2.4.0 (what sigs.k8s.io/yaml decodes with) on the
same texts."""

from __future__ import annotations

import codecs
import math
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from ruamel.yaml.error import YAMLError

from klint.cli import main
from klint.document import MAX_DEPTH, InputError, make_loader, parse_documents, resolve_plain
from klint.source import Source, SourceDecodeError


def data(text: str) -> list[Any]:
    return [document.data for document in parse_documents(Source.from_text("t.yaml", text))]


def fallbacks(text: str) -> list[str | None]:
    return [document.fallback for document in parse_documents(Source.from_text("t.yaml", text))]


def error(text: str) -> tuple[int, int, str]:
    with pytest.raises(InputError) as caught:
        data(text)
    return caught.value.line, caught.value.column, caught.value.message


def c_composer_refuses(text: str) -> bool:
    loader = make_loader(text)
    try:
        while loader.check_node():
            loader.get_node()
    except YAMLError:
        return True
    finally:
        loader.dispose()
    return False


def klint(*args: str, stdin: str | bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


POD = """\
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers: [{name: d, image: nginx:1.27, args: [--addr=127.0.0.1:80], securityContext: {privileged: yes}}]
"""


# --- the pure composer where libyaml 0.1.7 refuses valid YAML ------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("a: [{name: d, image: nginx:1.27}]\n", {"a": [{"name": "d", "image": "nginx:1.27"}]}),
    ("b: [--addr=127.0.0.1:8080]\n", {"b": ["--addr=127.0.0.1:8080"]}),
    ("c: {x: a:b}\n", {"c": {"x": "a:b"}}),
    ("c: {a:b: 1}\n", {"c": {"a:b": 1}}),
    ("c: [a:]\n", {"c": ["a:"]}),
    ('a: "x\\\'y"\n', {"a": "x'y"}),  # go-yaml reads `\'` in double quotes; libyaml 0.1.7 does not
])
def test_what_libyaml_refuses_is_read_as_go_yaml_reads_it(text: str, expected: Any) -> None:
    assert c_composer_refuses(text)
    assert data(text) == [expected]
    fallback = fallbacks(text)[0]
    assert fallback is not None and fallback.startswith("1:")


@pytest.mark.parametrize(("text", "expected"), [
    # tabs where libyaml and go-yaml allow them, and ruamel.yaml's pure scanner did not
    ("a: [x:y]\nb: 1\t\nc: x\t# note\n", {"a": ["x:y"], "b": 1, "c": "x"}),
    ("a: [x:y]\nb:\t[1]\t\nc: x\ty\n", {"a": ["x:y"], "b": [1], "c": "x\ty"}),
    ("a: [x:y]\nb:\n  - 1\t\n  - 2\n", {"a": ["x:y"], "b": [1, 2]}),
    ("a: [x:y]\nb\t: 1\n? c\t\n: d\n", {"a": ["x:y"], "b": 1, "c": "d"}),
    ("---\t\na: [x:y]\n...\t\n", {"a": ["x:y"]}),
    # directives
    ("%YAML 1.1\n---\na: [x:y]\n", {"a": ["x:y"]}),
    ("%TAG !e! tag:example.com,2000:\n---\na: [x:y]\nb: !e!x 1\n", {"a": ["x:y"], "b": "1"}),
    # the same resolver: YAML 1.1 words and numbers, tagged scalars, merge keys
    ("a: [x:y, yes, off, 0777, 0x1F, 1_000, ~, '1']\nb: !!str yes\n<<: {c: 1}\n",
     {"a": ["x:y", True, False, 511, 31, 1000, None, "1"], "b": "yes", "c": 1}),
])
def test_the_pure_composer_reads_as_go_yaml_does(text: str, expected: Any) -> None:
    assert data(text) == [expected]


def test_documents_before_the_refused_one_stand_and_the_rest_are_read() -> None:
    text = "a: 1\n---\nb: &x {c: 1}\n---\n---\nd: [e:f, &x {c: 2}, *x]\n---\ng: [h]\n"
    documents = list(parse_documents(Source.from_text("t.yaml", text)))
    assert [(d.index, d.data, d.fallback is not None) for d in documents] == [
        (0, {"a": 1}, False), (1, {"b": {"c": 1}}, False), (3, {"d": ["e:f", {"c": 2}, {"c": 2}]}, True),
        (4, {"g": ["h"]}, True)]
    assert documents[2].fallback is not None and documents[2].fallback.startswith("6:6: found unexpected ':'")


def test_spans_of_the_documents_read_again_are_those_of_the_text() -> None:
    document = next(parse_documents(Source.from_text("t.yaml", POD)))
    span = document.span(("spec", "containers", 0, "securityContext", "privileged"))
    assert (span.start_line, span.start_column, span.end_line, span.end_column) == (5, 92, 5, 107)
    assert POD[span.start_offset:span.end_offset] == "privileged: yes"


@pytest.mark.parametrize(("text", "position"), [
    ("a: [x:y\n", (2, 1)),  # unclosed: the pure composer fails further on, and says where
    ("a: [x:y]\nb: [c, {d: [e\n", (3, 1)),
    ("a: [x:y]\n b: 1\n", (2, 2)),
    ("a: [x:y]\nb: *nope\n", (2, 4)),
])
def test_an_error_only_when_the_pure_composer_refuses_it_too(text: str, position: tuple[int, int]) -> None:
    assert error(text)[:2] == position


def test_where_both_refuse_the_same_place_the_c_composers_error_stands() -> None:
    assert error("a: [b, c\n---\n") == error("a: [b, c\n---\n")
    assert error("a: {b: 1}}\n")[:2] == (1, 10)


def test_the_limits_hold_for_the_pure_composer() -> None:
    bomb = "a: [x:y]\nl0: &l0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]\n" for i in range(1, 9))
    assert error(bomb)[2] == "aliases expand this document beyond a sane size"
    deep = "a: [x:y]\nb: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n"
    assert error(deep)[2].startswith(f"nesting is deeper than {MAX_DEPTH} levels")
    assert error(deep)[:2] == error(deep.replace("x:y", "xy"))[:2]  # where the C composer's builder says
    very_deep = "a: [x:y]\nb: " + "[" * 5000 + "]" * 5000 + "\n"  # no recursion limit reached
    assert error(very_deep)[2].startswith("nesting is deeper")
    fits = "a: [x:y]\nb: " + "[" * MAX_DEPTH + "1" + "]" * MAX_DEPTH + "\n"
    assert data(fits)[0]["b"] == data(fits.replace("x:y", "xy"))[0]["b"]


def test_the_findings_of_a_file_libyaml_refuses_are_reported_and_verbose_names_it(tmp_path: Path,
                                                                                  monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pod.yaml").write_text(POD)
    (tmp_path / "plain.yaml").write_text(POD.replace("nginx:1.27", "nginx").replace("127.0.0.1:80", "x"))
    code, out, err = klint("--select", "KL101", "--verbose", "pod.yaml", "plain.yaml")
    assert code == 1
    assert "pod.yaml:5:92: CRITICAL KL101 privileged-container" in out
    assert "plain.yaml:5:" in out
    assert "klint: pod.yaml: read with the pure-Python composer, as libyaml refused it at 5:38: " \
           "found unexpected ':'" in err
    assert "plain.yaml: read" not in err
    code, out, err = klint("--select", "KL101", "--fix", "--unsafe-fixes", "pod.yaml")
    assert code == 0 and "Fixed 1 finding" in out  # fixed, none remains
    assert (tmp_path / "pod.yaml").read_text() == POD.replace("privileged: yes", "privileged: false")


# --- plain numbers ------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("1" * 5000, "1" * 5000),  # beyond uint64: go-yaml keeps the string
    ("-" + "9" * 5000, "-" + "9" * 5000),
    ("1_" * 3000 + "1", "1_" * 3000 + "1"),
    ("1" * 5000 + ".5", "1" * 5000 + ".5"),
    ("0x" + "f" * 5000, "0x" + "f" * 5000),
    ("0" * 5000 + "17", 15),  # octal
    ("18446744073709551615", 2**64 - 1),
    ("-9223372036854775808", -(2**63)),
    ("1e400", "1e400"),  # strconv.ParseFloat is out of range: a string
    ("-1e400", "-1e400"),
    ("1e-400", 0),  # underflows to 0, which the JSON the API server reads writes as 0
])
def test_plain_numbers_out_of_range_are_strings_as_go_yaml_reads_them(text: str, expected: Any) -> None:
    assert resolve_plain(text) == expected and type(resolve_plain(text)) is type(expected)
    assert math.isinf(resolve_plain(".inf"))


def test_a_very_long_integer_is_no_internal_error(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "big.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  big: " + "1" * 5000 + "\n---\n"
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostPID: true\n"
        "  securityContext: {runAsUser: " + "9" * 5000 + "}\n  containers: [{name: d, image: x}]\n")
    code, out, _ = klint("--select", "KL202", "big.yaml")
    assert code == 1 and "big.yaml:11:3: HIGH KL202 host-pid" in out and "ERROR" not in out


# --- encodings ----------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_with_its_bom_is_read_and_fixed_in_its_encoding(tmp_path: Path, monkeypatch: Any,
                                                              encoding: str) -> None:
    monkeypatch.chdir(tmp_path)
    text = POD.replace("\n", "\r\n")
    (tmp_path / "pod.yaml").write_bytes(("\ufeff" + text).encode(encoding))
    code, out, _ = klint("--select", "KL101", "pod.yaml")
    assert code == 1 and "pod.yaml:5:92: CRITICAL KL101" in out
    code, out, _ = klint("--select", "KL101", "--fix", "--unsafe-fixes", "pod.yaml")
    fixed = (tmp_path / "pod.yaml").read_bytes()
    bom = codecs.BOM_UTF16_LE if encoding == "utf-16-le" else codecs.BOM_UTF16_BE
    assert fixed == bom + text.replace("privileged: yes", "privileged: false").encode(encoding)


def test_utf32_is_a_clear_error_and_bad_utf16_is_located() -> None:
    for encoding in ("utf-32-le", "utf-32-be"):
        with pytest.raises(SourceDecodeError, match="UTF-32 text is not read by kubectl"):
            Source.from_bytes("x.yaml", ("\ufeffa: 1\n").encode(encoding))
    broken = codecs.BOM_UTF16_LE + "a: 1\nb: ".encode("utf-16-le") + b"\x00\xd8" + "\n".encode("utf-16-le")
    with pytest.raises(SourceDecodeError) as caught:
        Source.from_bytes("x.yaml", broken)
    assert (caught.value.line, caught.value.column) == (2, 4) and "not valid UTF-16" in str(caught.value)
    source = Source.from_bytes("x.yaml", ("\ufeffa: é\n").encode("utf-16-be"))
    assert (source.text, source.has_bom, source.encoding) == ("a: é\n", True, "utf-16-be")


# --- chart values files -------------------------------------------------------------------------

VALUES = 'image:\n  tag: "{{ .Chart.AppVersion }}"\nnamespace: "{{ .Release.Namespace }}"\n'


def test_a_values_file_beside_chart_yaml_is_not_called_a_template(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "chart").mkdir()
    (tmp_path / "chart" / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 1.0.0\n")
    for name in ("values.yaml", "values-prod.yaml", "values.yml"):
        (tmp_path / "chart" / name).write_text(VALUES)
    (tmp_path / "chart" / "broken-values.yaml").write_text(VALUES)  # not a values file by its name
    (tmp_path / "values.yaml").write_text(VALUES)  # no Chart.yaml beside it: a template, as before
    code, out, _ = klint("--verbose", "chart/values.yaml", "chart/values-prod.yaml", "chart/values.yml",
                         "chart/broken-values.yaml", "values.yaml")
    assert "chart/values" not in out
    assert "chart/broken-values.yaml: skipped: raw Helm template" in out
    assert "\nvalues.yaml: skipped: raw Helm template" in "\n" + out
    (tmp_path / "chart" / "values.yaml").write_text(VALUES + "bad: [\n")
    code, out, _ = klint("chart/values.yaml")  # a chart's file named alone lints its chart: helm reads it
    assert code == 2 and "values.yaml" in out and "ERROR" in out and "skipped" not in out
