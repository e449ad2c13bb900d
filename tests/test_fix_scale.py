"""`--fix` at scale: the fixes of one mapping compose in one pass (removing its last key while others
insert keys under it), lines inserted at one place into nested mappings go together, and a file of
many pods settles in a few passes (behaviour, not timing: bench/fix_scale.py measures)."""

from __future__ import annotations

from helpers import dedent

from klint.config import Settings
from klint.document import parse_documents
from klint.edits import remove_field
from klint.fix import Applicability, Edit
from klint.fixer import FixOutcome, apply_edits, fix_source
from klint.k8s import objects_of
from klint.source import Source

ROOT_USER = dedent("""
    apiVersion: v1
    kind: Pod
    metadata:
      name: p
    spec:
      containers:
      - name: c
        image: nginx
        securityContext:
          runAsUser: 0
    """)

ROOT_USER_FIXED = dedent("""
    apiVersion: v1
    kind: Pod
    metadata:
      name: p
    spec:
      securityContext:
        seccompProfile:
          type: RuntimeDefault
        runAsNonRoot: true
      automountServiceAccountToken: false
      containers:
      - name: c
        image: nginx
        securityContext:
          readOnlyRootFilesystem: true
          capabilities:
            drop:
            - ALL
          allowPrivilegeEscalation: false
    """)


def fix_all(text: str) -> FixOutcome:
    settings = Settings()
    return fix_source(Source.from_text("pods.yaml", text), settings.enabled_rules(), settings, unsafe=True)


def test_removing_a_mappings_last_key_composes_with_keys_inserted_under_it() -> None:
    outcome = fix_all(ROOT_USER)
    assert outcome.error is None and not outcome.left_out
    assert outcome.text == ROOT_USER_FIXED  # a block mapping still, never `securityContext: {}` refilled
    assert outcome.passes == 1
    assert not outcome.result.findings


def test_alone_the_emptied_mapping_goes_with_its_key() -> None:
    obj = next(objects_of(next(parse_documents(Source.from_text("p.yaml", ROOT_USER)))))
    path = ("spec", "containers", 0, "securityContext", "runAsUser")
    fix = remove_field(obj, path, Applicability.UNSAFE, "remove runAsUser")
    assert fix is not None and len(fix.edits) == 1
    edit = fix.edits[0]
    assert apply_edits(ROOT_USER, [edit]).endswith("    image: nginx\n")
    assert edit.refill is not None
    inserted = Edit(edit.refill.offset, edit.refill.offset, "      runAsNonRoot: true\n")
    assert apply_edits(ROOT_USER, [edit.refill.instead, inserted]).endswith(
        "    securityContext:\n      runAsNonRoot: true\n")


def test_lines_inserted_at_one_place_into_nested_mappings_go_deepest_first() -> None:
    text = "spec:\n  a:\n    b: 1\n"
    edits = [Edit(len(text), len(text), "z: 3\n"), Edit(len(text), len(text), "  y: 2\n"),
             Edit(len(text), len(text), "    x: 1\n")]
    assert apply_edits(text, edits) == text + "    x: 1\n  y: 2\nz: 3\n"


def pods(count: int) -> str:
    return "---\n".join(
        f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: pod-{i}\nspec:\n  containers:\n"
        f"  - name: app\n    image: nginx:1.27\n    securityContext:\n      runAsUser: 0\n"
        f"  - name: sidecar\n    image: busybox\n    securityContext:\n      privileged: true\n"
        for i in range(count))


def test_a_file_of_many_pods_settles_in_a_few_passes() -> None:
    outcome = fix_all(pods(120))
    assert outcome.error is None and not outcome.left_out
    assert not outcome.result.findings
    assert outcome.passes <= 2
    assert outcome.text.count("securityContext: {}") == 0
    assert outcome.text.count("    securityContext:\n      readOnlyRootFilesystem: true\n") == 120
    assert outcome.text.count("      privileged: false\n") == 120
    assert outcome.text.count("  automountServiceAccountToken: false\n") == 120


def test_fixes_that_each_create_one_missing_mapping_create_it_once_in_one_pass() -> None:
    text = dedent("""
        apiVersion: v1
        kind: Pod
        metadata:
          name: p
        spec:
          automountServiceAccountToken: false
          securityContext:
            seccompProfile:
              type: RuntimeDefault
          containers:
          - name: c
            image: nginx
        """)
    expected = text.replace("      type: RuntimeDefault\n",
                            "      type: RuntimeDefault\n    runAsNonRoot: true\n") + (
        "    securityContext:\n"
        "      allowPrivilegeEscalation: false\n"
        "      capabilities:\n"
        "        drop:\n"
        "        - ALL\n"
        "      readOnlyRootFilesystem: true\n")
    for final in ("\n", "\r\n", ""):  # at the end of a text without a final line break too
        source = text.replace("\n", "\r\n") if final == "\r\n" else text.rstrip("\n") if not final else text
        outcome = fix_all(source)
        assert outcome.error is None and not outcome.left_out and not outcome.result.findings
        assert outcome.passes == 1
        wanted = expected.replace("\n", "\r\n") if final == "\r\n" else expected.rstrip("\n") if not final \
            else expected
        assert outcome.text == wanted


def test_removing_every_item_of_a_list_in_one_pass_removes_its_key() -> None:
    text = dedent("""
        apiVersion: v1
        kind: Pod
        metadata:
          name: p
        spec:
          automountServiceAccountToken: false
          securityContext:
            runAsNonRoot: true
            seccompProfile:
              type: RuntimeDefault
            seLinuxOptions:
              type: spc_t
              user: system_u
          containers:
          - name: c
            image: nginx
            securityContext:
              allowPrivilegeEscalation: false
              readOnlyRootFilesystem: true
              capabilities:
                add:
                - NET_ADMIN  # for the vpn
                - SYS_ADMIN
                drop: [ALL]
        """)
    outcome = fix_all(text)
    assert outcome.error is None and not outcome.left_out and not outcome.result.findings
    assert outcome.passes == 1
    assert outcome.text == text.replace(
        "    seLinuxOptions:\n      type: spc_t\n      user: system_u\n", "").replace(
        "        add:\n        - NET_ADMIN  # for the vpn\n        - SYS_ADMIN\n", "")


def test_a_removal_that_empties_nested_mappings_composes_with_keys_inserted_into_each() -> None:
    text = dedent("""
        apiVersion: v1
        kind: Pod
        metadata:
          name: p
        spec:
          automountServiceAccountToken: false
          securityContext:
            runAsNonRoot: true
            seccompProfile:
              type: RuntimeDefault
          containers:
          - name: c
            image: nginx
            securityContext:
              capabilities:
                add:
                - NET_ADMIN  # for the vpn
        """)
    outcome = fix_all(text)
    assert outcome.error is None and not outcome.left_out and not outcome.result.findings
    assert outcome.passes == 1
    assert outcome.text.endswith(
        "    securityContext:\n      capabilities:\n        drop:\n        - ALL\n"
        "      readOnlyRootFilesystem: true\n      allowPrivilegeEscalation: false\n")


HOST_PATHS = dedent("""
    apiVersion: apps/v1
    kind: DaemonSet
    metadata:
      name: agent
    spec:
      selector:
        matchLabels: {app: agent}
      template:
        metadata:
          labels: {app: agent}
        spec:
          automountServiceAccountToken: false
          containers:
          - name: agent
            image: agent:1.0
            volumeMounts:
            - name: config
              mountPath: /etc/agent
            - name: proc
              mountPath: /host/proc
            - name: sys
              mountPath: /host/sys
            - name: run
              mountPath: /run/agent
          volumes:
          - name: config
            configMap:
              name: agent
          - name: proc
            hostPath:
              path: /proc
          - name: sys
            hostPath:
              path: /sys
          - name: run
            hostPath:
              path: /run/agent
    """)


def test_host_path_volumes_and_their_mounts_are_removed_in_one_pass() -> None:
    settings = Settings(select=("host-path",))
    outcome = fix_source(Source.from_text("ds.yaml", HOST_PATHS), settings.enabled_rules(), settings, True)
    assert outcome.error is None and not outcome.left_out and not outcome.result.findings
    assert outcome.passes == 1 and len(outcome.fixed) == 3
    assert outcome.text == HOST_PATHS.replace(
        "        - name: proc\n          mountPath: /host/proc\n"
        "        - name: sys\n          mountPath: /host/sys\n"
        "        - name: run\n          mountPath: /run/agent\n", "").replace(
        "      - name: proc\n        hostPath:\n          path: /proc\n      - name: sys\n        hostPath:\n"
        "          path: /sys\n      - name: run\n        hostPath:\n          path: /run/agent\n", "")
    only_host = HOST_PATHS.replace("        - name: config\n          mountPath: /etc/agent\n", "").replace(
        "      - name: config\n        configMap:\n          name: agent\n", "")
    outcome = fix_source(Source.from_text("ds.yaml", only_host), settings.enabled_rules(), settings, True)
    assert outcome.passes == 1 and not outcome.result.findings
    assert outcome.text.endswith("        image: agent:1.0\n")  # both lists emptied: their keys go


def test_comment_lines_between_removed_items_stay() -> None:
    text = HOST_PATHS.replace("\n        - name: proc\n",
                              "\n        # the host's processes\n        - name: proc\n").replace(
        "\n      - name: sys\n", "\n      # the host's sysfs\n      - name: sys\n")
    settings = Settings(select=("host-path",))
    outcome = fix_source(Source.from_text("ds.yaml", text), settings.enabled_rules(), settings, True)
    assert outcome.passes == 1 and not outcome.result.findings
    assert "        # the host's processes\n" in outcome.text and "      # the host's sysfs\n" in outcome.text
    assert "hostPath" not in outcome.text and "/host/" not in outcome.text


def test_fixes_that_each_create_one_flow_mapping_in_json_create_it_once_in_one_pass() -> None:
    text = ('{\n  "kind": "Pod",\n  "apiVersion": "v1",\n  "metadata": {\n    "name": "p"\n  },\n'
            '  "spec": {\n    "containers": [\n      {\n        "name": "c",\n        "image": "nginx"\n'
            '      }\n    ]\n  }\n}\n')
    outcome = fix_all(text)
    assert outcome.error is None and not outcome.left_out and not outcome.result.findings
    assert outcome.passes == 1
    assert outcome.text == text.replace(
        '"image": "nginx"\n',
        '"image": "nginx",\n        "securityContext": {"allowPrivilegeEscalation": false, '
        '"capabilities": {"drop": ["ALL"]}, "readOnlyRootFilesystem": true}\n').replace(
        "    ]\n  }\n}",
        '    ],\n    "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}, '
        '"runAsNonRoot": true},\n'
        '    "automountServiceAccountToken": false\n  }\n}')
