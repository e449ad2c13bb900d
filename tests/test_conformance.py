"""klint against Polaris', kube-linter's and Checkov's own fixtures (../shared/corpus, when present),
by bench/conformance.py: every disagreement must be one explained below and in the rule's docs."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from klint import registry

SHARED = Path(__file__).resolve().parents[2] / "shared"
SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "conformance.py"

if not (SHARED / "corpus").is_dir():
    pytest.skip(f"{SHARED / 'corpus'} is not available", allow_module_level=True)


# (tool, check, case, reason). A case is the fixture file or folder, the object (none where the tool's
# convention judges a whole file, or a folder by its counts) and the verdicts, so that a rule that
# starts or stops firing on another object, or the other way on this one, is a new disagreement. Each
# reason is a phrase of the mapped rule's "What it checks" section (line breaks aside), so the docs
# explain every entry.
EXPLAINED = [
    ("polaris", "automountServiceAccountToken", "failure.all_true.yaml: expected fail, klint pass",
     "An explicit `true`, on the pod or its ServiceAccount, passes"),
    ("polaris", "automountServiceAccountToken",
     "failure.pod_true_serviceaccount_false.yaml: expected fail, klint pass",
     "An explicit `true`, on the pod or its ServiceAccount, passes"),
    ("polaris", "automountServiceAccountToken", "success.pod.yaml: expected pass, klint fail",
     "which klint reports at the ServiceAccount"),
    ("polaris", "clusterrolePodExecAttach",
     "success.defaultclusterrole_admin.yaml: expected pass, klint fail",
     "Polaris exempts ClusterRoles named like the built-in `admin`"),
    ("polaris", "clusterrolePodExecAttach",
     "success.defaultclusterrole_clusteradmin.yaml: expected pass, klint fail",
     "Polaris exempts ClusterRoles named like the built-in `admin`, `edit` and `cluster-admin`"),
    ("polaris", "clusterrolePodExecAttach", "success.gce_calico_clusterrole.yaml: expected pass, klint fail",
     "roles named `system:*` or `gce:podsecuritypolicy:calico-sa`; klint does not"),
    ("polaris", "clusterrolePodExecAttach", "success.system_prefix.yaml: expected pass, klint fail",
     "roles named `system:*` or `gce:podsecuritypolicy:calico-sa`; klint does not"),
    ("polaris", "clusterrolebindingClusterAdmin",
     "success.gce_calico_binding.yaml: expected pass, klint fail",
     "Polaris also exempts bindings named `system:*` and `gce:podsecuritypolicy:calico-sa`"),
    ("polaris", "clusterrolebindingClusterAdmin",
     "success.system_prefix_binding.yaml: expected pass, klint fail",
     "Polaris also exempts bindings named `system:*` and `gce:podsecuritypolicy:calico-sa`"),
    ("polaris", "insecureCapabilities", "success.all.yaml: expected pass, klint fail",
     "upstream accepts only `ALL`, and so does klint"),
    ("polaris", "insecureCapabilities", "success.case.yaml: expected pass, klint fail",
     "Polaris (`insecureCapabilities`) also accepts a `drop` list that names each default capability"),
    ("polaris", "insecureCapabilities", "success.pod.yaml: expected pass, klint fail",
     "Polaris (`insecureCapabilities`) also accepts a `drop` list that names each default capability"),
    ("polaris", "insecureCapabilities", "success.yaml: expected pass, klint fail",
     "Polaris (`insecureCapabilities`) also accepts a `drop` list that names each default capability"),
    ("polaris", "rolePodExecAttach", "success.gce_calico_binding.yaml: expected pass, klint fail",
     "roles named `system:*` or `gce:podsecuritypolicy:calico-sa`; klint does not"),
    ("polaris", "rolePodExecAttach", "success.system_prefix_binding.yaml: expected pass, klint fail",
     "roles named `system:*` or `gce:podsecuritypolicy:calico-sa`; klint does not"),
    ("polaris", "rolebindingClusterAdminClusterRole",
     "success.gce_calico_binding.yaml: expected pass, klint fail",
     "Polaris also exempts bindings named `system:*` and `gce:podsecuritypolicy:calico-sa`"),
    ("polaris", "rolebindingClusterAdminClusterRole",
     "success.system_prefix_binding.yaml: expected pass, klint fail",
     "Polaris also exempts bindings named `system:*` and `gce:podsecuritypolicy:calico-sa`"),
    ("polaris", "sensitiveConfigmapContent",
     "failure.key_aws_secret_access_key.yaml: expected fail, klint pass",
     "(Polaris fails on the key alone, placeholder or not)"),
    ("polaris", "sensitiveConfigmapContent", "failure.key_azure_batch_key.yaml: expected fail, klint pass",
     "(Polaris fails on the key alone, placeholder or not)"),
    ("polaris", "sensitiveConfigmapContent",
     "failure.key_oci_cli_key_content.yaml: expected fail, klint pass",
     "(Polaris fails on the key alone, placeholder or not)"),
    ("polaris", "sensitiveContainerEnvVar", "failure.value_private_key.yaml: expected fail, klint pass",
     "Polaris also fails a three-dash look-alike"),
    ("kube-linter", "env-var-secret", "env-var-secret.yml Deployment app: expected fail, klint pass",
     "kube-linter's `env-var-secret` fails any name that contains `SECRET` (`SECRET_BLAH`)"),
    ("kube-linter", "env-var-secret", "env-var-secret.yml DeploymentConfig app: expected fail, klint pass",
     "kube-linter's `env-var-secret` fails any name that contains `SECRET` (`SECRET_BLAH`)"),
    ("checkov", "CKV_K8S_157",
     "clusterrole-failed-1.yaml ClusterRole.test.test-should-fail-1: expected fail, klint pass",
     "CKV_K8S_157 looks for `bind` on rolebindings, where it grants nothing"),
    ("checkov", "CKV_K8S_157", "role-failed-2.yaml Role.test.test-should-fail-2: expected fail, klint pass",
     "klint reports that once, as `rbac-wildcard`"),
    ("checkov", "CKV_K8S_158", "role-failed-2.yaml Role.test.test-should-fail-2: expected fail, klint pass",
     "klint reports that once, as `rbac-wildcard`"),
    ("checkov", "CKV_K8S_23", "example_RootContainers: expected 5 passed/7 failed, klint 2 passed/9 failed",
     "Checkov (CKV_K8S_23) accepts a non-zero `runAsUser` too"),
    ("checkov", "CKV_K8S_27",
     "example_DockerSocketVolume: expected 4 passed/2 failed, klint 2 passed/3 failed",
     "Checkov's CKV_K8S_27 and kube-linter's `docker-sock` look for `/var/run/docker.sock` only"),
    ("checkov", "CKV_K8S_31",
     "cronjob-seccomp-PASSED.yaml CronJob.default.cronjob-passed: expected pass, klint fail",
     "Checkov's CKV_K8S_31 accepts `runtime/default` and `docker/default` annotations"),
    ("checkov", "CKV_K8S_31",
     "pod-seccomp-PASSED.yaml Pod.default.seccomp-passed-metadata-annotations-docker: "
     "expected pass, klint fail",
     "Checkov's CKV_K8S_31 accepts `runtime/default` and `docker/default` annotations"),
    ("checkov", "CKV_K8S_31",
     "pod-seccomp-PASSED2.yaml Pod.default.seccomp-passed-metadata-annotations-runtime: "
     "expected pass, klint fail",
     "Checkov's CKV_K8S_31 accepts `runtime/default` and `docker/default` annotations"),
    ("checkov", "CKV_K8S_31",
     "pod-seccomp-PASSED6.yaml Deployment.default.seccomp-passed-metadata-annotations: "
     "expected pass, klint fail",
     "Checkov's CKV_K8S_31 accepts `runtime/default` and `docker/default` annotations"),
    ("checkov", "CKV_K8S_37", "example_DropCapabilities: expected 2 passed/3 failed, klint 1 passed/4 failed",
     "Checkov (CKV_K8S_37) accept `all`"),
    ("checkov", "CKV_K8S_38", "ServiceAccountTokensFAILED.yaml Pod.default.pod2: expected fail, klint pass",
     "Polaris, Checkov (CKV_K8S_38) and Trivy (KSV036) fail an explicit true as well"),
    ("checkov", "CKV_K8S_49",
     "role-failed-3.yaml ClusterRole.test.test-should-fail-3: expected fail, klint pass",
     "Checkov (CKV_K8S_49) also fails `*` in `apiGroups`"),
]


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("klint_conformance", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


conformance = load_script()


@pytest.fixture(scope="module")
def results() -> list[Any]:
    return conformance.run(SHARED)


def test_every_tool_has_compared_cases(results: list[Any]) -> None:
    for tool in conformance.TOOLS:
        assert sum(result.cases for result in results if result.tool == tool) > 0, tool
        assert sum(result.agreed for result in results if result.tool == tool) > 0, tool


def test_every_disagreement_is_explained(results: list[Any]) -> None:
    found = {(d.tool, d.check, f"{d.where}: {d.verdict}") for result in results for d in result.disagreements}
    explained = {(tool, check, case) for tool, check, case, _ in EXPLAINED}
    assert sorted(found - explained) == [], "new disagreements: fix the rule or explain them"
    assert sorted(explained - found) == [], "explained disagreements that no longer occur: drop them"


def test_every_explanation_is_in_the_rule_docs() -> None:
    for tool, check, case, reason in EXPLAINED:
        rules = [rule for rule in registry.all_rules() if check in rule.equivalents.get(tool, ())]
        docs = [re.sub(r"\s+", " ", rule.section("What it checks")) for rule in rules]
        assert any(reason in doc for doc in docs), (tool, check, case, reason)


def test_no_fixture_is_unparsable(results: list[Any]) -> None:
    assert [(r.tool, r.check) for r in results if r.unparsable] == []


def test_the_script_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert conformance.main(["--shared", str(SHARED)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("tool ") and "disagreement(s)" in out


def test_an_unparsable_fixture_is_counted_not_raised(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    checks = tmp_path / "corpus" / "polaris" / "test" / "checks" / "hostPIDSet"
    checks.mkdir(parents=True)
    (checks / "failure.yaml").write_text("kind: Pod\nspec: [unclosed\n", encoding="utf-8")
    (checks / "success.yaml").write_bytes(b"\xff\xfe\x00broken")
    (result,) = [r for r in conformance.run(tmp_path) if r.check == "hostPIDSet"]
    assert (result.cases, result.unparsable) == (0, 2)
    assert conformance.main(["--shared", str(tmp_path)]) == 0
    assert "hostPIDSet" in capsys.readouterr().out
