"""A long stream is linted in shares by the workers: the report is the very one that linting it whole
gives, lookups across shares included, and a stream that cannot be cut exactly is linted whole."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from test_cli import klint

from klint import document, pool, runner, shares
from klint.config import Settings
from klint.engine import FileResult, lint_read
from klint.source import Source
from klint.suppress.baseline import Baseline, entry_key

SERVICE_ACCOUNT = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa{m}{namespace}\n" \
                  "automountServiceAccountToken: {mount}\n"
POD = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p{n}{namespace}{annotations}\nspec:\n"
       "  serviceAccountName: sa{m}\n  containers:\n  - name: c\n    image: nginx:1.27\n"
       "    securityContext:\n      privileged: {privileged}\n")
ROLE = ("apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: r{m}{namespace}\n"
        "rules:\n- apiGroups: ['']\n  resources: [secrets]\n  verbs: ['*']\n")
BINDING = ("apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: b{n}{namespace}\n"
           "roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: r{m}}}\n"
           "subjects:\n- {{kind: ServiceAccount, name: sa{m}, namespace: ns}}\n")
DAEMON_SET = ("apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: d{n}\nspec:\n  template:\n    spec:\n"
              "      serviceAccountName: sa{m}\n      hostNetwork: true\n      containers:\n      - name: c\n"
              "        image: busybox\n        volumeMounts: [{{name: v, mountPath: /host}}]\n"
              "      volumes: [{{name: v, hostPath: {{path: /}}}}]\n")
CONFIG_MAP = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm{n}\n  labels: {{名前: 値}}\ndata:\n"
              "  script: |\n    echo the ServiceAccount\n    # not a comment\n")
JSON = ('{{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {{"name": "j{n}"}}, '
        '"spec": {{"template": {{"spec": {{"hostPID": true, "serviceAccountName": "sa{m}", '
        '"containers": [{{"name": "x", "image": "i"}}]}}}}}}}}\n')
FLOW = ("--- {{apiVersion: v1, kind: Pod, metadata: {{name: f{n}}}, spec: {{containers: "
        "[{{name: a, image: nginx, securityContext: {{privileged: true}}}}]}}}}\n")
LIST = ("apiVersion: v1\nkind: List\nitems:\n"
        "- {{apiVersion: v1, kind: ServiceAccount, metadata: {{name: sa{m}}}}}\n"
        "- {{apiVersion: v1, kind: Pod, metadata: {{name: l{n}}}, spec: {{serviceAccountName: sa{m}, "
        "containers: [{{name: a, image: i, securityContext: {{allowPrivilegeEscalation: true}}}}]}}}}\n")
ANNOTATIONS = ("", *(f'\n  annotations:\n    klint.dev/ignore: "{rules}"'
                    for rules in ("privileged", "no-such-rule", "")))
EMPTY = ("# a comment only\n", "", "~\n")
PODS = "".join("---\n" + POD.format(n=n, m=n, namespace="", annotations="", privileged="true")
               for n in range(6))


def a_document(rng: random.Random, n: int, names: int) -> str:
    """One document of a stream whose objects look each other up (ServiceAccounts and roles used
    before and after they are defined), with suppressions, Helm's comments, JSON and flow style."""
    fields: dict[str, Any] = {"n": n, "m": rng.randrange(names), "mount": rng.choice(["true", "false"]),
                              "privileged": rng.choice(["true", "false"]),
                              "annotations": rng.choice(ANNOTATIONS),
                              "namespace": rng.choice(["", "\n  namespace: ns", "\n  namespace: other"])}
    kind = rng.randrange(12)
    if kind == 0:
        return FLOW.format(**fields)
    header = rng.choice(["---\n", "--- \n", "---\n\n", f"---\n# Source: chart/templates/t{n}.yaml\n"])
    body = (SERVICE_ACCOUNT, POD, ROLE, BINDING, DAEMON_SET, CONFIG_MAP, JSON, LIST, "not: kubernetes\n",
            rng.choice(EMPTY), POD)[kind - 1]
    return header + body.format(**fields)


def stream(seed: int) -> str:
    rng = random.Random(seed)
    count = rng.randrange(10, 60)
    text = "".join(a_document(rng, n, max(2, count // 4)) for n in range(count))
    if seed % 3 == 0:
        text = text[text.index("\n") + 1:]  # the first document without its `---`
    if seed % 4 == 1:
        text = text.replace("\n", "\r\n")
    return text


def summary(result: FileResult) -> tuple[Any, ...]:
    return (result.documents, result.objects, result.not_kubernetes, result.profiles, result.baseline_matched,
            [ref for ref, _ in result.checked], [codes for _, codes in result.checked], result.problems,
            [(f.rule.code, f.severity, f.message, f.span, f.obj, f.field, f.identity, f.container, f.template,
              f.suppressed, None if f.fix is None else (f.fix.applicability, f.fix.description))
             for f in result.findings])


def in_shares(source: Source, settings: Settings, workers: int) -> FileResult | None:
    """The stream linted share by share in this process, as the workers lint them."""
    cut = shares.plan(source, settings, workers)
    assert cut is not None and len(cut) > 1
    rules = settings.enabled_rules()
    return shares.merge(source, [shares.lint_share(source, cut, index, rules, settings)
                                 for index in range(len(cut))], settings)


@pytest.fixture
def any_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shares, "SHARE_MIN_CHARS", 0)
    monkeypatch.setattr(shares, "MAX_SHARES", 100)


def variants(source: Source) -> list[Settings]:
    """Default settings; unused suppressions reported; fixes as outlines; a third of the findings in a
    baseline."""
    whole = lint_read(source, Settings().enabled_rules(), Settings())
    baseline = Baseline("baseline.json", {})
    baseline.counts[baseline.relative(source.path)] = Counter(
        entry_key(finding)[1:] for finding in whole.findings[::3])
    return [Settings(), Settings(warn_unused_suppressions=True), Settings(fix_edits=False),
            Settings(baseline=baseline)]


@pytest.mark.usefixtures("any_size")
@pytest.mark.parametrize("seed", range(12))
def test_shares_give_the_whole_streams_result(seed: int) -> None:
    source = Source("stream.yaml", stream(seed))
    for settings in variants(source):
        whole = lint_read(source, settings.enabled_rules(), settings)
        assert whole.findings and not whole.problems
        for workers in (2, 3, 9):
            merged = in_shares(source, settings, workers)
            assert merged is not None
            assert summary(merged) == summary(whole), (settings, workers)


@pytest.mark.usefixtures("any_size")
def test_a_lookup_reaches_into_later_and_earlier_shares() -> None:
    pods = "".join(f"---\n{POD.format(n=n, m=0, namespace='', annotations='', privileged='false')}"
                   for n in range(20))
    account = SERVICE_ACCOUNT.format(m=0, namespace="", mount="false")
    for text in (pods + "---\n" + account, "---\n" + account + pods):
        source = Source("s.yaml", text)
        whole = lint_read(source, Settings().enabled_rules(), Settings())
        merged = in_shares(source, Settings(), 4)
        assert merged is not None and summary(merged) == summary(whole)
        # the pods follow the ServiceAccount, whichever share it is in: no token finding on them
        assert not tokens(merged)
    alone = Source("s.yaml", pods)  # without it, each pod's token is mounted
    assert len(tokens(lint_read(alone, Settings().enabled_rules(), Settings()))) == 20


def tokens(result: FileResult | None) -> list[str]:
    assert result is not None
    return [f.obj.name for f in result.findings if f.rule.name == "automount-service-account-token"]


@pytest.mark.usefixtures("any_size")
def test_each_worker_reads_its_share_at_its_place() -> None:
    text = stream(5)
    source = Source("s.yaml", text)
    cut = shares.plan(source, Settings(), 3)
    assert cut is not None and len(cut) == 3
    assert cut[0].start == 0 and cut[-1].end == len(text)
    assert all(a.end == b.start and text.startswith("---", b.start) for a, b in itertools.pairwise(cut))
    for index, share in enumerate(cut):
        read = shares.share_text(text, cut, index)
        assert read[share.start:share.end] == text[share.start:share.end]
        assert len(read) <= len(text)
        # every line break where it was, so lines and columns stay the text's
        assert [i for i, c in enumerate(read) if c == "\n"] == \
            [i for i, c in enumerate(text[:len(read)]) if c == "\n"]
        before = read[:share.start]
        # other documents blanked; those that may hold a ServiceAccount or a role kept
        assert "kind: Pod\r\n" in text and "kind: Pod\r" not in before and "not: kubernetes" not in before
        assert before.count("kind: ServiceAccount") == text[:share.start].count("kind: ServiceAccount")


def test_blanked_documents_keep_their_place_and_count() -> None:
    text = "a: 1\n---\nkind: ServiceAccount\n---  # c\n--- {x: 1}\n---\n\n  b: [2]\n---\nc: 3\n"
    cut = [shares.Share(0, text.index("---\nc: 3")), shares.Share(text.index("---\nc: 3"), len(text))]
    read = shares.share_text(text, cut, 1)
    assert read == "~   \n---\nkind: ServiceAccount\n---     \n--- ~     \n---\n\n  ~     \n---\nc: 3\n"
    # nothing after the last document another share may look up
    assert shares.share_text(text, cut, 0) == text[:cut[0].end]


@pytest.mark.usefixtures("any_size")
@pytest.mark.parametrize("reason, text", [
    ("one document", "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n"),
    ("a template", PODS + "---\nimage: {{ .Values.image }}\n"),
    ("a directive", "%YAML 1.1\n" + PODS),
    ("a document end", PODS + "...\n" + PODS),
    ("an anchor", PODS + "---\na: &x 1\nb: *x\n"),
    ("a BOM inside", PODS + "\ufeff---\na: 1\n"),
    ("a lone CR", PODS + "a: 1\rb: 2\n"),
    ("a suppression comment", PODS + "---\nkind: Pod  # klint: ignore[KL101]\n"),
    ("a List", PODS + "---\nkind: PodList\nitems: []\n"),
    ("a patch", PODS + "---\nspec:\n  $patch: delete\n"),
])
def test_streams_that_cannot_be_cut_exactly_are_linted_whole(reason: str, text: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(document, "ITEMWISE_MIN_CHARS", 0)  # a large List is read item by item
    assert shares.plan(Source("s.yaml", text), Settings(), 2) is None, reason
    assert shares.plan(Source("s.yaml", PODS), Settings(), 2) is not None


@pytest.mark.usefixtures("any_size")
def test_a_share_that_meets_an_error_has_the_stream_linted_whole() -> None:
    text = stream(4) + "---\nkind: Pod\nspec: [unclosed\n" + stream(5)
    source = Source("s.yaml", text)
    whole = lint_read(source, Settings().enabled_rules(), Settings())
    assert whole.problems
    cut = shares.plan(source, Settings(), 2)
    assert cut is not None
    parts = [shares.lint_share(source, cut, i, Settings().enabled_rules(), Settings()) for i in range(2)]
    assert shares.merge(source, parts, Settings()) is None
    assert shares.merge(source, [parts[0], None], Settings()) is None  # a worker lost


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "junit"])
def test_a_long_stream_gives_the_same_report_with_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          output_format: str) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(shares, "SHARE_MIN_CHARS", 1)
    started = []
    ordered_map = pool.ordered_map

    def counted(*args: Any) -> Any:
        started.append(args)
        return ordered_map(*args)

    monkeypatch.setattr(runner.pool, "ordered_map", counted)
    Path("stream.yaml").write_text(stream(8) + stream(9), encoding="utf-8")
    Path("broken.yaml").write_text(stream(10) + "---\na: [b\n" + stream(11), encoding="utf-8")
    for path in ("stream.yaml", "broken.yaml"):
        args = ("--format", output_format, "--warn-unused-suppressions", path)
        one = klint("--jobs", "1", *args)
        assert one[0] in (1, 2) and one[1]
        assert klint("--jobs", "2", *args) == one
        text = Path(path).read_text(encoding="utf-8")
        assert klint("--jobs", "2", *args[:-1], "-", stdin=text) == klint("--jobs", "1", *args[:-1], "-",
                                                                         stdin=text)
    assert len(started) == 4  # each stream, as a file and piped, was linted by the workers


def test_fixing_and_small_streams_stay_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool(*args: object) -> None:
        raise AssertionError("a pool was started")

    monkeypatch.chdir(tmp_path)
    Path("stream.yaml").write_text(stream(8), encoding="utf-8")
    monkeypatch.setattr(runner.pool, "ordered_map", no_pool)
    assert klint("--jobs", "2", "stream.yaml")[0] == 1  # below SHARE_MIN_CHARS
    monkeypatch.setattr(shares, "SHARE_MIN_CHARS", 1)
    assert klint("--jobs", "2", "--diff", "--unsafe-fixes", "stream.yaml")[1].startswith("---")
    assert klint("--jobs", "1", "stream.yaml")[0] == 1



@pytest.mark.usefixtures("any_size")
def test_a_kind_spelt_with_escapes_is_looked_up_and_other_escapes_are_blanked() -> None:
    pods = "".join(f"---\n{POD.format(n=n, m=0, namespace='', annotations='', privileged='false')}"
                   for n in range(8))
    for spelt in ('"Servic\\x65Account"', '"Service\\\n  Account"'):  # a letter escaped, a line break
        account = (f"---\napiVersion: v1\nkind: {spelt}\nmetadata: {{name: sa0}}\n"
                   "automountServiceAccountToken: false\n")
        source = Source("s.yaml", pods + account)
        whole = lint_read(source, Settings().enabled_rules(), Settings())
        merged = in_shares(source, Settings(), 4)
        assert merged is not None and summary(merged) == summary(whole) and not tokens(merged)
    pattern = "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n" \
              "data: {pattern: \"^[a-z]\\\\.x\\\\d$\"}\n"
    text = pattern + pods
    cut = shares.plan(Source("s.yaml", text), Settings(), 2)
    assert cut is not None and "ConfigMap" not in shares.share_text(text, cut, 1)
