"""run-as-non-root (KL401), run-as-user-root (KL402), root-group (KL403)."""

from __future__ import annotations

from typing import Any

from fixhelpers import fix_text
from helpers import dedent, messages, where

from klint.config import Settings
from klint.engine import lint_source
from klint.source import Source

NON_ROOT = """
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: unset
      image: nginx:1.27
    - name: nonroot
      image: nginx:1.27
      securityContext:
        runAsNonRoot: true
    - name: root
      image: nginx:1.27
      securityContext:
        runAsNonRoot: false
"""


def test_run_as_non_root_without_pod_level_setting() -> None:
    assert where(NON_ROOT, "run-as-non-root") == ["7:7", "16:9"]
    assert messages(NON_ROOT, "run-as-non-root") == [
        'container "unset" may run as root: neither it nor the pod sets runAsNonRoot; set '
        "securityContext.runAsNonRoot: true (or set it on the pod)",
        'container "root" sets securityContext.runAsNonRoot: false; set it to true',
    ]


def test_run_as_non_root_with_a_non_zero_user_says_why_it_still_fails() -> None:
    text = NON_ROOT.replace("    - name: unset\n      image: nginx:1.27\n",
                            "    - name: unset\n      image: nginx:1.27\n      securityContext:\n"
                            "        runAsUser: 1000\n")
    assert messages(text, "run-as-non-root")[0] == (
        'container "unset" runs as UID 1000 but does not require a non-root user: neither it nor the pod '
        "sets runAsNonRoot, which the restricted standard requires; set securityContext.runAsNonRoot: true "
        "(or set it on the pod)")


POD_TRUE = """
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  template:
    spec:
      securityContext:
        runAsNonRoot: true
      initContainers:
        - name: init
          image: busybox:1.36
      containers:
        - name: app
          image: postgres:17
          securityContext:
            runAsNonRoot: false
"""


def test_run_as_non_root_pod_true_covers_unset_containers_but_not_overrides() -> None:
    assert where(POD_TRUE, "run-as-non-root") == ["17:13"]


POD_FALSE = """
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  securityContext:
    runAsNonRoot: false
  containers:
    - name: app
      image: nginx:1.27
    - name: ok
      image: nginx:1.27
      securityContext:
        runAsNonRoot: true
"""


def test_run_as_non_root_pod_false_is_one_finding_for_its_containers() -> None:
    assert where(POD_FALSE, "run-as-non-root") == ["7:5"]
    assert messages(POD_FALSE, "run-as-non-root") == [
        "pod sets securityContext.runAsNonRoot: false; set it to true"]


USER_NAMESPACE = """
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  hostUsers: false
  securityContext:
    runAsUser: 0
  containers:
    - name: app
      image: nginx:1.27
"""


def test_user_namespaced_pods_are_exempt_from_v1_35_only() -> None:
    assert where(USER_NAMESPACE, "run-as-non-root", "run-as-user-root") == []
    assert where(USER_NAMESPACE, "run-as-non-root", "run-as-user-root", pss_version="v1.35") == []
    assert where(USER_NAMESPACE, "run-as-non-root", pss_version="v1.34") == ["10:7"]
    assert where(USER_NAMESPACE, "run-as-user-root", pss_version="v1.34") == ["8:5"]


def test_run_as_non_root_fix_is_unsafe_and_converges() -> None:
    text = dedent(NON_ROOT)
    assert fix_text(text, "run-as-non-root", unsafe=False).text == text
    outcome = fix_text(text, "run-as-non-root")
    assert outcome.text == text.replace(
        "    - name: unset\n      image: nginx:1.27\n",
        "    - name: unset\n      image: nginx:1.27\n      securityContext:\n        runAsNonRoot: true\n",
    ).replace("runAsNonRoot: false", "runAsNonRoot: true")
    assert outcome.result.findings == []
    assert fix_text(outcome.text, "run-as-non-root").text == outcome.text


def test_run_as_non_root_is_set_once_on_the_pod_when_nobody_sets_it() -> None:
    text = dedent("""
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
                - name: sidecar
                  image: envoy:1.31
        """)
    (first, second) = lint_findings(text)
    assert first.fix is second.fix and first.fix is not None
    assert first.fix.description == (
        "set the pod's securityContext.runAsNonRoot: true (the image must then run as a non-root numeric "
        "user: use a non-root image or set runAsUser)")
    outcome = fix_text(text, "run-as-non-root")
    assert outcome.text == text.replace(
        "    spec:\n      containers:\n",
        "    spec:\n      securityContext:\n        runAsNonRoot: true\n      containers:\n")
    assert outcome.result.findings == [] and outcome.passes == 1


def lint_findings(text: str) -> list[Any]:
    settings = Settings(select=("run-as-non-root",))
    return lint_source(Source.from_text("t.yaml", text), settings.enabled_rules(), settings).findings


RUN_AS_USER = """
apiVersion: batch/v1
kind: CronJob
metadata:
  name: backup
spec:
  schedule: "@daily"
  jobTemplate:
    spec:
      template:
        spec:
          securityContext:
            runAsUser: 0
          containers:
            - name: app
              image: busybox:1.36
              securityContext:
                runAsUser: 0
            - name: ok
              image: busybox:1.36
              securityContext:
                runAsUser: 1000
"""


def test_run_as_user_root_reports_each_place_that_sets_zero() -> None:
    assert where(RUN_AS_USER, "run-as-user-root") == ["12:13", "17:17"]
    assert messages(RUN_AS_USER, "run-as-user-root") == [
        "pod sets securityContext.runAsUser: 0 (root); set a non-zero UID or remove it",
        'container "app" sets securityContext.runAsUser: 0 (root); set a non-zero UID or remove it',
    ]


def test_run_as_user_root_appeared_in_v1_23() -> None:
    assert where(RUN_AS_USER, "run-as-user-root", pss_version="v1.22") == []
    assert len(where(RUN_AS_USER, "run-as-user-root", pss_version="v1.23")) == 2


def test_run_as_user_ignores_booleans_and_unset() -> None:
    text = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          securityContext:
            runAsGroup: false
          containers:
            - name: app
              image: nginx:1.27
        """
    assert where(text, "run-as-user-root", "root-group") == []


ROOT_GROUP = """
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  securityContext:
    runAsGroup: 0
    fsGroup: 0
    supplementalGroups: [1000, 0]
  containers:
    - name: app
      image: nginx:1.27
      securityContext:
        runAsGroup: 0
"""


def test_root_group_reports_every_group_id_zero() -> None:
    assert where(ROOT_GROUP, "root-group") == ["7:5", "8:5", "9:32", "14:9"]
    assert messages(ROOT_GROUP, "root-group")[2] == (
        "pod adds the root group to its processes (securityContext.supplementalGroups[1]: 0); remove it")


def test_root_group_is_beyond_the_standard_and_skips_windows() -> None:
    assert where(ROOT_GROUP, "root-group", profile="restricted") == []
    windows = ROOT_GROUP.replace("spec:\n", "spec:\n  os: {name: windows}\n", 1)
    assert where(windows, "root-group") == []


def test_root_group_fix_removes_the_zeros() -> None:
    text = dedent(ROOT_GROUP)
    outcome = fix_text(text, "root-group")
    assert outcome.text == dedent("""
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          securityContext:
            supplementalGroups: [1000]
          containers:
            - name: app
              image: nginx:1.27
        """)
    assert outcome.result.findings == []


def test_run_as_user_zero_written_as_a_float_is_root() -> None:
    for zero in ("0.0", "0e0"):
        text = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
                f"  securityContext: {{runAsUser: {zero}}}\n  containers: [{{name: a, image: x}}]\n")
        assert where(text, "run-as-user-root") == ["5:21"], zero
