"""Rego policies beside the built-in rules: conftest, admission and Gatekeeper styles, v0 and v1, their
findings (codes, severities, locations) through the ordinary reports, and broken or runaway policies."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from klint import registry
from klint.cli import main

pytest.importorskip("regorus", reason="the rego extra (gordon-to-regorus) is not installed")

from klint.policies import load
from klint.policies.engine import PolicyError

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "policies"

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: app
          image: nginx:latest
"""

NAMESPACE = """\
apiVersion: v1
kind: Namespace
metadata:
  name: team-a
"""


@pytest.fixture(autouse=True)
def _no_policy_rules_left() -> object:
    yield
    registry.use_policy_rules([])


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return str(path)


def klint(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def findings(*args: str) -> list[dict[str, object]]:
    code, out, err = klint("--format", "json", *args)
    assert code in (0, 1), (code, out, err)
    found: list[dict[str, object]] = json.loads(out)["findings"]
    return found


def brief(found: list[dict[str, object]]) -> list[tuple[object, ...]]:
    return [(f["code"], f["severity"], "{line}:{column}".format(**f["location"]["start"]),  # type: ignore[index]
             f["message"]) for f in found]


# --- conftest style --------------------------------------------------------------------------------

def test_conftest_rules_v1_with_fields_exceptions_data_and_a_helper_package(tmp_path: Path) -> None:
    legacy = DEPLOYMENT.replace("name: web", "name: legacy-agent")
    manifest = write(tmp_path, "m.yaml", DEPLOYMENT + "---\n" + legacy)
    found = findings("--policy", str(EXAMPLES / "conftest"),
                     "--data", str(EXAMPLES / "data" / "registries.yaml"), "--select", "main", manifest)
    assert brief(found) == [
        ("main.deny_run_as_root", "high", "2:1",
         "Deployment web: set spec.template.spec.securityContext.runAsNonRoot"),
        ("main.deny_registry", "high", "11:11", "image nginx:latest is not from an allowed registry"),
        ("main.warn_latest_tag", "medium", "11:11", "container app uses the mutable tag latest"),
        # the exception exempts deny_run_as_root for legacy-agent, not the other rules
        ("main.deny_registry", "high", "23:11", "image nginx:latest is not from an allowed registry"),
        ("main.warn_latest_tag", "medium", "23:11", "container app uses the mutable tag latest"),
    ]


def test_rego_v0_deny_and_violation_with_a_field(tmp_path: Path) -> None:
    pod = write(tmp_path, "pod.yaml", """\
        apiVersion: v1
        kind: Pod
        metadata:
          name: debug
        spec:
          hostNetwork: true
          hostPID: true
          containers: [{name: a, image: busybox}]
        """)
    found = findings("--policy", str(EXAMPLES / "conftest" / "legacy.rego"), "--select", "main", pod)
    assert brief(found) == [
        ("main.deny", "high", "2:1", "pod debug uses the host network"),
        ("main.violation", "high", "7:3", "pod shares the host PID namespace"),
    ]


def test_future_keywords_keep_v0_sets_and_namespaces_choose_packages(tmp_path: Path) -> None:
    policy = write(tmp_path, "p.rego", """\
        package team.checks
        import future.keywords.if
        import future.keywords.in

        deny[msg] if {
          some c in input.spec.template.spec.containers
          msg := sprintf("container %s", [c.name])
        }
        """)
    manifest = write(tmp_path, "m.yaml", DEPLOYMENT)
    code, _, err = klint("--policy", policy, "--select", "team", manifest)  # not package main: no rules
    assert code == 2 and "unknown rule 'team'" in err
    for flags in (("--policy-namespace", "team.checks"), ("--all-policy-namespaces",)):
        found = findings("--policy", policy, *flags, "--select", "team", manifest)
        assert brief(found) == [("team.checks.deny", "high", "2:1", "container app")]


def test_admission_policy_unchanged(tmp_path: Path) -> None:
    manifest = write(tmp_path, "ns.yaml", NAMESPACE + "---\n" + NAMESPACE.replace("team-a", "team-b")
                     + "  labels: {team: b}\n")
    found = findings("--policy", str(EXAMPLES / "admission"), "--select", "kubernetes", manifest)
    assert brief(found) == [("kubernetes.admission.deny", "high", "2:1", "all namespaces must have a label")]


def test_admission_input_is_the_request(tmp_path: Path) -> None:
    policy = write(tmp_path, "a.rego", """\
        package kubernetes.admission
        import rego.v1
        deny contains sprintf("%s %s/%s %s %s", [r.operation, r.kind.group, r.kind.version, r.kind.kind,
                                                  r.namespace]) if {
          r := input.request
          r.object.metadata.name == "web"
          r.userInfo == {}
        }
        """)
    found = findings("--policy", policy, "--select", "kubernetes", write(tmp_path, "m.yaml", DEPLOYMENT))
    assert [f["message"] for f in found] == ["CREATE apps/v1 Deployment shop"]


def test_policy_findings_are_selected_ignored_and_reseveritied_like_rules(tmp_path: Path) -> None:
    manifest = write(tmp_path, "m.yaml", DEPLOYMENT)
    policy = ("--policy", str(EXAMPLES / "conftest"))
    everything = findings(*policy, manifest)
    assert {"main.deny_run_as_root", "KL101"} & {f["code"] for f in everything} == {"main.deny_run_as_root"}
    assert any(str(f["code"]).startswith("KL") for f in everything)  # built-in rules still run
    assert {f["code"] for f in findings(*policy, "--select", "main.warn_latest_tag", manifest)} \
        == {"main.warn_latest_tag"}
    ignored = findings(*policy, "--ignore", "main", manifest)
    assert not [f for f in ignored if str(f["code"]).startswith("main")]
    lowered = findings(*policy, "--select", "main", "--severity", "main.deny_run_as_root=low", manifest)
    assert {f["severity"] for f in lowered if f["code"] == "main.deny_run_as_root"} == {"low"}
    code, _, err = klint("--select", "main.deny", manifest)  # without --policy, no such rule
    assert code == 2 and "unknown rule 'main.deny'" in err


def test_sarif_lists_the_policy_rules_and_points_at_the_field(tmp_path: Path) -> None:
    manifest = write(tmp_path, "m.yaml", DEPLOYMENT)
    code, out, _ = klint("--format", "sarif", "--policy", str(EXAMPLES / "conftest"), "--select", "main.warn",
                         manifest)
    assert code == 1
    run = json.loads(out)["runs"][0]
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == ["main.warn_latest_tag"]
    assert run["tool"]["driver"]["rules"][0]["properties"]["tags"] == ["security", "policy"]
    (result,) = run["results"]
    assert result["ruleId"] == "main.warn_latest_tag" and result["level"] == "warning"
    region = result["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"], region["endColumn"]) == (11, 11, 30)


def test_a_policy_rule_has_no_docs_anchor_of_klint_to_point_at(tmp_path: Path) -> None:
    manifest = write(tmp_path, "m.yaml", DEPLOYMENT)
    out = klint("--format", "sarif", "--policy", str(EXAMPLES / "conftest"), "--select", "main.warn",
                manifest)[1]
    (descriptor,) = json.loads(out)["runs"][0]["tool"]["driver"]["rules"]
    assert "helpUri" not in descriptor


TWO_DENIALS = """\
    package main
    import rego.v1
    deny contains "no owner label" if { not input.metadata.labels.owner }
    deny contains "no team label" if { not input.metadata.labels.team }
    """


def test_the_messages_of_a_policy_tell_its_findings_apart_in_baseline_and_sarif(tmp_path: Path) -> None:
    policy = write(tmp_path, "labels.rego", TWO_DENIALS)
    manifest = write(tmp_path, "m.yaml", DEPLOYMENT)
    baseline = tmp_path / "baseline.json"
    args = ("--policy", policy, "--select", "main")
    assert klint(*args, "--write-baseline", str(baseline), manifest)[0] == 0
    entries = json.loads(baseline.read_text())["findings"]
    assert sorted(entry["message"] for entry in entries) == ["no owner label", "no team label"]
    assert klint(*args, "--baseline", str(baseline), manifest)[0] == 0
    # one denial replaced by another at the same place: the new one is not in the baseline
    write(tmp_path, "labels.rego", TWO_DENIALS.replace("no team label", "no cost-centre label"))
    code, out, _ = klint(*args, "--baseline", str(baseline), "--format", "concise", manifest)
    assert code == 1 and "no cost-centre label" in out and "no owner label" not in out
    run = json.loads(klint(*args, "--format", "sarif", manifest)[1])["runs"][0]
    prints = [result["partialFingerprints"]["klint/v2"] for result in run["results"]]
    assert len(prints) == 2 and len(set(prints)) == 2


def test_a_built_in_rules_baseline_entry_names_no_message(tmp_path: Path) -> None:
    manifest = write(tmp_path, "m.yaml", DEPLOYMENT)
    baseline = tmp_path / "baseline.json"
    klint("--select", "KL502", "--write-baseline", str(baseline), manifest)
    (entry,) = json.loads(baseline.read_text())["findings"]
    assert entry["rule"] == "KL502" and "message" not in entry


# --- broken, refused and runaway policies ----------------------------------------------------------

@pytest.mark.parametrize(("text", "where", "message"), [
    ("package main\ndeny contains msg if {\n  msg := \"a\"\n", ":4:1:", "expecting `}`"),
    ("package main\ndeny[msg] { msg := 1 +  }\n", ":2:", ""),
    ("package main\nimport rego.v1\ndeny contains x if { x := nope(1) }\n", ":3:31:",
     "could not find function nope"),
    ("package main\nimport rego.v1\ndeny contains x if { x := http.send({\"url\": \"http://x\"}) }\n",
     ":3:27:", "http.send is not allowed"),
    ("package main\nimport rego.v1\nwarn contains x if { x := opa.runtime().env.HOME }\n", ":3:27:",
     "opa.runtime is not allowed"),
    # v1 keywords: not read again as v0 (where `contains` and `if` would be names and "a" a finding)
    ("package main\ndeny contains \"a\" if { false } else := \"b\"\n", ":2:32:",
     "else cannot be used with set rules"),
])
def test_a_broken_or_refused_policy_is_an_error_at_its_place(tmp_path: Path, text: str, where: str,
                                                              message: str) -> None:
    policy = write(tmp_path, "bad.rego", text)
    code, out, err = klint("--policy", policy, write(tmp_path, "m.yaml", DEPLOYMENT))
    assert code == 2 and out == ""
    assert err.startswith(f"klint: error: {policy}{where}") and message in err
    assert "Traceback" not in err


def test_a_missing_policy_path_and_flags_without_policy(tmp_path: Path) -> None:
    code, _, err = klint("--policy", str(tmp_path / "nope"), write(tmp_path, "m.yaml", DEPLOYMENT))
    assert code == 2 and "nope:1:1: no such policy file or directory" in err
    code, _, err = klint("--policy-namespace", "x", str(tmp_path))
    assert code == 2 and "need --policy" in err


def test_a_runaway_policy_is_stopped_named_and_the_run_goes_on(tmp_path: Path) -> None:
    loop = write(tmp_path, "loop.rego", """\
        package main
        import rego.v1
        deny contains "slow" if {
          input.kind == "Deployment"
          count([1 | some a in numbers.range(1, 100000); some b in numbers.range(1, 100000)]) > 0
        }
        """)
    # A Gatekeeper template beside it: its engine shares the worker, which is restarted without the other.
    write(tmp_path, "gk/template.yaml", TEMPLATE)
    write(tmp_path, "gk/c.yaml", constraint("no-latest", "kinds: [{apiGroups: [apps], kinds: [Deployment]}]"))
    policies = load([loop, str(tmp_path / "gk")], time_limit=0.5)
    registry.use_policy_rules(policies.rules)
    from klint.config import Settings
    from klint.engine import lint_source
    from klint.source import Source

    settings = Settings(select=("main", "K8sDisallowedTags"))
    source = Source.from_text("m.yaml", DEPLOYMENT + "---\n" + DEPLOYMENT)
    result = lint_source(source, settings.enabled_rules(), settings)
    assert [f.message for f in result.findings] == ["[no-latest] container <app> uses a disallowed tag"] * 2
    (problem,) = result.problems  # once, not once per object
    assert problem.path == loop and "was stopped" in problem.message and "0.5 s" in problem.message
    policies.close()


def test_a_policy_that_runs_away_on_any_input_is_a_load_error(tmp_path: Path) -> None:
    loop = write(tmp_path, "loop.rego", """\
        package main
        import rego.v1
        deny contains "slow" if {
          count([1 | some a in numbers.range(1, 100000); some b in numbers.range(1, 100000)]) > 0
        }
        """)
    stopped = r"was stopped: evaluated on an empty input, it did not finish within 0\.5 s"
    with pytest.raises(PolicyError, match=stopped):
        load([loop], time_limit=0.5)


def test_a_runtime_error_is_a_problem_of_the_object_and_the_others_are_checked(tmp_path: Path) -> None:
    policy = write(tmp_path, "p.rego", """\
        package main
        import rego.v1
        deny contains msg if { msg := sprintf("%d", input.metadata.name) }
        warn contains "checked" if { true }
        """)
    code, out, _ = klint("--policy", policy, "--select", "main", write(tmp_path, "m.yaml", DEPLOYMENT))
    assert code == 2
    assert f"{policy}:3:59: ERROR `sprintf` expects array argument" in out
    assert "main.warn" in out and "checked" in out


# --- Gatekeeper style ------------------------------------------------------------------------------

TEMPLATE = """\
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8sdisallowedtags
spec:
  crd:
    spec:
      names:
        kind: K8sDisallowedTags
  targets:
    - target: admission.k8s.gatekeeper.sh
      code:
        - engine: K8sNativeValidation
          source:
            validations: [{expression: "true"}]
        - engine: Rego
          source:
            rego: |
              package k8sdisallowedtags
              import data.lib.images.tag
              violation[{"msg": msg, "details": {"field": field}}] {
                container := input.review.object.spec.template.spec.containers[i]
                tag(container.image) == input.parameters.tags[_]
                msg := sprintf("container <%v> uses a disallowed tag", [container.name])
                field := sprintf("spec.template.spec.containers[%d].image", [i])
              }
            libs:
              - |
                package lib.images
                tag(image) = t { t := split(image, ":")[1] }
"""


def constraint(name: str, match: str, action: str = "deny") -> str:
    return textwrap.dedent(f"""\
        apiVersion: constraints.gatekeeper.sh/v1beta1
        kind: K8sDisallowedTags
        metadata:
          name: {name}
        spec:
          enforcementAction: {action}
          match:
        """) + textwrap.indent(textwrap.dedent(match), "    ") + "\n  parameters:\n    tags: [latest]\n"


def gatekeeper_findings(tmp_path: Path, constraints: str, manifest: str) -> list[tuple[object, ...]]:
    write(tmp_path, "gk/template.yaml", TEMPLATE)
    write(tmp_path, "gk/constraints.yaml", constraints)
    return brief(findings("--policy", str(tmp_path / "gk"), "--select", "K8sDisallowedTags",
                          write(tmp_path, "m.yaml", manifest)))


def test_gatekeeper_template_constraint_lib_and_field(tmp_path: Path) -> None:
    kinds = "kinds: [{apiGroups: [apps], kinds: [Deployment]}]"
    assert gatekeeper_findings(tmp_path, constraint("no-latest", kinds), DEPLOYMENT) == [
        ("K8sDisallowedTags", "high", "11:11", "[no-latest] container <app> uses a disallowed tag")]


@pytest.mark.parametrize(("match", "reported"), [
    ("kinds: [{apiGroups: [''], kinds: [Pod]}]", False),
    ("kinds: [{apiGroups: ['*'], kinds: ['*']}]", True),
    ("namespaces: [shop]", True),
    ("namespaces: ['sh*']", True),
    ("namespaces: [prod]", False),
    ("excludedNamespaces: [shop]", False),
    ("labelSelector: {matchLabels: {tier: web}}", True),
    ("labelSelector: {matchLabels: {tier: db}}", False),
    ("labelSelector: {matchExpressions: [{key: tier, operator: In, values: [web, api]}]}", True),
    ("labelSelector: {matchExpressions: [{key: tier, operator: DoesNotExist}]}", False),
    ("namespaceSelector: {matchLabels: {env: prod}}", True),
    ("namespaceSelector: {matchLabels: {env: dev}}", False),
])
def test_gatekeeper_match(tmp_path: Path, match: str, reported: bool) -> None:
    shop = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {env: prod}\n---\n"
    labelled = DEPLOYMENT.replace("  namespace: shop\n", "  namespace: shop\n  labels: {tier: web}\n")
    found = gatekeeper_findings(tmp_path, constraint("c", match), shop + labelled)
    assert bool(found) is reported


def test_gatekeeper_enforcement_actions_and_constraints_of_one_kind(tmp_path: Path) -> None:
    kinds = "kinds: [{apiGroups: [apps], kinds: [Deployment]}]"
    both = constraint("deny-it", kinds) + "---\n" + constraint("warn-it", kinds, "warn") + "---\n" \
        + constraint("dry-it", kinds, "dryrun")
    assert gatekeeper_findings(tmp_path, both, DEPLOYMENT) == [
        ("K8sDisallowedTags", "high", "11:11", "[deny-it] container <app> uses a disallowed tag"),
        ("K8sDisallowedTags", "medium", "11:11", "[dry-it] container <app> uses a disallowed tag"),
        ("K8sDisallowedTags", "medium", "11:11", "[warn-it] container <app> uses a disallowed tag"),
    ]


def test_gatekeeper_cel_block_is_reported_as_not_evaluated(tmp_path: Path) -> None:
    write(tmp_path, "gk/template.yaml", TEMPLATE)
    write(tmp_path, "gk/c.yaml", constraint("c", "kinds: [{apiGroups: [apps], kinds: [Deployment]}]"))
    manifest = write(tmp_path, "m.yaml", DEPLOYMENT)
    code, _, err = klint("--policy", str(tmp_path / "gk"), "--select", "K8s", manifest)
    assert code == 1
    template = tmp_path / "gk" / "template.yaml"
    assert f"klint: note: {template}:13: K8sDisallowedTags: the K8sNativeValidation block is not " \
           "evaluated" in err


def test_gatekeeper_errors_point_into_the_template(tmp_path: Path) -> None:
    broken = TEMPLATE.replace("tag(container.image) ==", "tag(container.image ==", 1)
    write(tmp_path, "gk/template.yaml", broken)
    write(tmp_path, "gk/c.yaml", constraint("c", "kinds: []"))
    code, _, err = klint("--policy", str(tmp_path / "gk"), write(tmp_path, "m.yaml", DEPLOYMENT))
    # the parser notices on the next line, at its first token (`msg`, column 17 of the file)
    assert code == 2 and f"{tmp_path / 'gk' / 'template.yaml'}#K8sDisallowedTags:24:17: expecting `)`" in err
    write(tmp_path, "gk/template.yaml", TEMPLATE.replace("K8sDisallowedTags", "Other"))
    code, _, err = klint("--policy", str(tmp_path / "gk"), write(tmp_path, "m.yaml", DEPLOYMENT))
    assert code == 2 and "no ConstraintTemplate given for kind K8sDisallowedTags (constraint c)" in err


def test_gatekeeper_inventory_holds_the_runs_objects(tmp_path: Path) -> None:
    template = """\
        apiVersion: templates.gatekeeper.sh/v1
        kind: ConstraintTemplate
        metadata: {name: k8suniquename}
        spec:
          crd: {spec: {names: {kind: K8sUniqueName}}}
          targets:
            - target: admission.k8s.gatekeeper.sh
              rego: |
                package k8suniquename
                import rego.v1
                violation contains {"msg": sprintf("%s also names a Service in %s", [name, ns])} if {
                  name := input.review.object.metadata.name
                  some ns, _ in data.inventory.namespace
                  data.inventory.namespace[ns].v1.Service[name]
                  input.review.object.kind == "Deployment"
                }
        ---
        apiVersion: constraints.gatekeeper.sh/v1beta1
        kind: K8sUniqueName
        metadata: {name: unique}
        spec: {match: {kinds: [{apiGroups: [apps], kinds: [Deployment]}]}}
        """
    policy = write(tmp_path, "unique.yaml", template)
    write(tmp_path, "in/a.yaml", DEPLOYMENT)
    write(tmp_path, "in/b.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: other}\n")
    found = findings("--policy", policy, "--select", "K8sUniqueName", str(tmp_path / "in"))
    assert [f["message"] for f in found] == ["[unique] web also names a Service in other"]


# --- the Gatekeeper library, as gator verify runs it ----------------------------------------------

LIBRARY = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "gatekeeper-library"


@pytest.mark.skipif(not LIBRARY.is_dir(), reason="../shared/corpus/gatekeeper-library is absent")
@pytest.mark.parametrize("suite", [
    "general/requiredlabels", "general/allowedrepos", "general/uniqueingresshost", "general/containerlimits",
    "pod-security-policy/privileged-containers", "pod-security-policy/volumes",
    "general/disallowedtags", "pod-security-policy/seccomp",  # v0 that calls the contains() built-in
])
def test_gatekeeper_library_suites(suite: str) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    try:
        import gatekeeper_suites
    finally:
        sys.path.pop(0)
    outcomes = [o for o in gatekeeper_suites.run(LIBRARY) if o.suite == suite]
    assert outcomes and all(o.passed for o in outcomes), [o for o in outcomes if not o.passed]


# --- start-up --------------------------------------------------------------------------------------

def test_no_policy_no_engine_import(tmp_path: Path) -> None:
    manifest = write(tmp_path, "m.yaml", DEPLOYMENT)
    script = ("import sys\nfrom klint.cli import main\ntry:\n    main([" + repr(manifest) + "])\n"
              "except SystemExit:\n    pass\n"
              "print(sorted(m for m in sys.modules if m.startswith(('regorus', 'klint.policies'))))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_a_missing_engine_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "regorus", None)  # import fails as when the extra is not installed
    with pytest.raises(PolicyError, match=r"pip install 'klint\[rego\]'"):
        load([str(EXAMPLES / "admission")])


# --- where the engine and OPA disagree (README, "Known differences from OPA") -----------------------

def evaluate(text: str, rule: str, given: object = None) -> object:
    from klint.policies.engine import Engine, Module

    engine = Engine()
    engine.add_module(Module("p.rego", textwrap.dedent(text)))
    engine.set_input_json(json.dumps(given or {}))
    return json.loads(engine.evaluate_json(rule))


def test_known_difference_a_call_across_a_line_break() -> None:
    # OPA reads `input.a` and `(1 + 1) == 2` as two expressions; regorus reads a call of `input.a`.
    with pytest.raises(PolicyError, match=r"could not find function input\.a"):
        evaluate("""\
            package p
            x if {
              input.a
              (1 + 1) == 2
            }
            """, "data.p.x", {"a": True})


def test_known_difference_sprintf_with_too_few_arguments() -> None:
    # OPA prints `%!v(MISSING)`; regorus stops with an error.
    with pytest.raises(PolicyError, match="no argument specified for format verb"):
        evaluate('package p\nx := sprintf("%v %v", [1])\n', "data.p.x")


def test_known_difference_a_set_rule_with_several_bodies() -> None:
    # OPA reads `deny[m] { ... } { ... }` as two definitions (v0); regorus refuses it when evaluated.
    with pytest.raises(PolicyError, match="else cannot be used with set rules"):
        evaluate("""\
            package p
            deny[m] { input.a; m := "a" } { input.b; m := "b" }
            """, "data.p.deny", {"a": True})
