"""The fix builders (klint.edits): exact text of each edit in each YAML style, and refusals."""

from __future__ import annotations

import pytest
from fixhelpers import build, edited, refusal
from helpers import dedent

from klint.document import parse_documents
from klint.edits import (
    add_list_item,
    combine,
    document_style,
    remove_field,
    remove_list_item,
    render_scalar,
    set_field,
)
from klint.fix import Applicability
from klint.source import Source

C0 = ("spec", "containers", 0)
SC = (*C0, "securityContext")
PRIV = (*SC, "privileged")
DROP = (*SC, "capabilities", "drop")

POD = """
apiVersion: v1
kind: Pod
metadata:
  name: web  # the name
spec:
  hostNetwork: true  # why
  containers:
  - name: app
    image: nginx
"""


# --- set_field ---------------------------------------------------------------------------------


def test_set_replaces_a_scalar_and_keeps_the_comment_after_it() -> None:
    text = POD.replace("    image: nginx\n", "    securityContext:\n      privileged: yes   # on purpose\n")
    assert edited(text, set_field, PRIV, False) == dedent(POD.replace(
        "    image: nginx\n", "    securityContext:\n      privileged: false   # on purpose\n"))


def test_set_creates_missing_parents_at_the_files_indentation() -> None:
    assert edited(POD, set_field, PRIV, False) == dedent("""
        apiVersion: v1
        kind: Pod
        metadata:
          name: web  # the name
        spec:
          hostNetwork: true  # why
          containers:
          - name: app
            image: nginx
            securityContext:
              privileged: false
        """)


def test_set_follows_four_space_indentation_and_indented_sequences() -> None:
    text = """
    apiVersion: apps/v1
    kind: Deployment
    metadata:
        name: web
    spec:
        template:
            spec:
                containers:
                    -   name: app
                        image: nginx
                    -   name: sidecar
                        image: envoy
    """
    assert edited(text, set_field, ("spec", "template", "spec", "containers", 0, "securityContext",
                                    "capabilities", "drop"), ["ALL"]) == dedent("""
    apiVersion: apps/v1
    kind: Deployment
    metadata:
        name: web
    spec:
        template:
            spec:
                containers:
                    -   name: app
                        image: nginx
                        securityContext:
                            capabilities:
                                drop:
                                    -   ALL
                    -   name: sidecar
                        image: envoy
    """)


def test_set_puts_a_pod_security_key_after_the_last_of_its_kind_else_before_the_containers() -> None:
    assert edited(POD, set_field, ("spec", "securityContext", "runAsNonRoot"), True) == dedent("""
        apiVersion: v1
        kind: Pod
        metadata:
          name: web  # the name
        spec:
          hostNetwork: true  # why
          securityContext:
            runAsNonRoot: true
          containers:
          - name: app
            image: nginx
        """)
    text = POD.replace("  hostNetwork: true  # why\n", "  restartPolicy: Never\n  # the app\n") \
        + "  volumes: []\n"
    assert edited(text, set_field, ("spec", "automountServiceAccountToken"), False) == dedent(text).replace(
        "  # the app\n", "  automountServiceAccountToken: false\n  # the app\n")


def test_set_puts_a_containers_security_context_after_what_it_runs() -> None:
    text = POD.replace("    image: nginx\n", "    image: nginx\n    ports:\n    - containerPort: 80\n"
                                              "      # http\n    resources: {}\n")
    assert edited(text, set_field, PRIV, False) == dedent(text).replace(
        "      # http\n", "      # http\n    securityContext:\n      privileged: false\n")


def test_new_keys_follow_the_files_quoting_of_keys() -> None:
    text = POD.replace("  name: web", '  "name": web').replace("  hostNetwork", '  "hostNetwork"') \
        .replace("  containers:", '  "containers":') \
        .replace("  - name: app\n    image: nginx", '  - "name": app\n    "image": nginx')
    assert edited(text, set_field, PRIV, False) == \
        dedent(text) + '    "securityContext":\n      "privileged": false\n'



def test_set_inserts_before_comments_that_follow_the_mapping() -> None:
    text = """
    apiVersion: v1
    kind: Pod
    metadata: {name: web}
    spec:
      containers:
      - name: app
        image: nginx

        # the sidecar
      - name: sidecar
    """
    assert edited(text, set_field, PRIV, False) == dedent("""
    apiVersion: v1
    kind: Pod
    metadata: {name: web}
    spec:
      containers:
      - name: app
        image: nginx
        securityContext:
          privileged: false

        # the sidecar
      - name: sidecar
    """)


def test_set_after_a_block_scalar() -> None:
    text = """
    apiVersion: v1
    kind: Pod
    metadata: {name: web}
    spec:
      containers:
      - name: app
        command:
        - sh
        - -c
        - |
          echo hi

      hostPID: true
    """
    assert edited(text, set_field, PRIV, False) == dedent("""
    apiVersion: v1
    kind: Pod
    metadata: {name: web}
    spec:
      containers:
      - name: app
        command:
        - sh
        - -c
        - |
          echo hi

        securityContext:
          privileged: false
      hostPID: true
    """)


def test_set_keeps_keep_chomped_trailing_lines_in_the_scalar() -> None:
    text = "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n  - name: app\n" \
           "    args: |+\n      x\n\n"
    out = edited(text, set_field, PRIV, False, dedented=False)
    assert out == text + "    securityContext:\n      privileged: false\n"
    data = next(parse_documents(Source.from_text("x", out))).data
    assert data["spec"]["containers"][0]["args"] == "x\n\n"


@pytest.mark.parametrize(("before", "after"), [
    ("securityContext: {runAsUser: 1000}", "securityContext: {runAsUser: 1000, privileged: false}"),
    ("securityContext: {privileged: true}  # c", "securityContext: {privileged: false}  # c"),
])
def test_set_in_flow_mappings(before: str, after: str) -> None:
    text = POD.replace("    image: nginx\n", f"    {before}\n    image: nginx\n")
    assert edited(text, set_field, PRIV, False) == dedent(text).replace(before, after)


def test_set_in_a_flow_container() -> None:
    text = "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers: [{name: app, image: x}]\n"
    assert edited(text, set_field, DROP, ["ALL"], dedented=False) == text.replace(
        "image: x}", "image: x, securityContext: {capabilities: {drop: [ALL]}}}")


@pytest.mark.parametrize(("before", "after"), [
    ("securityContext:\n", "securityContext:\n      privileged: false\n"),
    ("securityContext:   # later\n", "securityContext:   # later\n      privileged: false\n"),
    ("securityContext: null  # c\n", "securityContext:  # c\n      privileged: false\n"),
    ("securityContext: ~\n", "securityContext:\n      privileged: false\n"),
    # an empty flow mapping becomes a block one, on its key's line or below it (as Helm renders it)
    ("securityContext: {}\n", "securityContext:\n      privileged: false\n"),
    ("securityContext: { }  # c\n", "securityContext:  # c\n      privileged: false\n"),
    ("securityContext:\n      {}\n", "securityContext:\n      privileged: false\n"),
])
def test_set_fills_a_null_parent(before: str, after: str) -> None:
    text = POD.replace("    image: nginx\n", f"    image: nginx\n    {before}")
    assert edited(text, set_field, PRIV, False) == dedent(text).replace("  " + before, "  " + after)


def test_set_fills_a_null_value() -> None:
    text = POD.replace("    image: nginx\n", "    securityContext:\n      privileged:\n")
    assert edited(text, set_field, PRIV, False).endswith("      privileged: false\n")


def test_set_keeps_quotes_of_a_quoted_value() -> None:
    text = POD.replace("    image: nginx\n", "    securityContext:\n      seccompProfile:\n"
                                              "        type: 'Unconfined'\n")
    path = (*SC, "seccompProfile")
    assert edited(text, set_field, path, {"type": "RuntimeDefault"}).endswith(
        "        type: 'RuntimeDefault'\n")
    assert edited(text.replace("'", '"'), set_field, path, {"type": "RuntimeDefault"}).endswith(
        '        type: "RuntimeDefault"\n')


def test_set_merges_a_mapping_into_an_existing_one() -> None:
    text = POD.replace("    image: nginx\n", "    securityContext:\n      seccompProfile:\n"
                                              "        type: Unconfined  # was\n      runAsUser: 1000\n")
    out = edited(text, set_field, (*SC, "seccompProfile"), {"type": "RuntimeDefault"})
    assert out == dedent(text).replace("type: Unconfined  # was", "type: RuntimeDefault  # was")


def test_set_replaces_a_block_list() -> None:
    text = POD.replace("    image: nginx\n", "    securityContext:\n      capabilities:\n        add:\n"
                                              "        - NET_ADMIN  # one\n"
                                              "        - SYS_TIME\n    image: x\n")
    out = edited(text, set_field, (*SC, "capabilities", "add"), ["NET_BIND_SERVICE"])
    assert out == dedent(text).replace("        - NET_ADMIN  # one\n        - SYS_TIME\n",
                                       "        - NET_BIND_SERVICE\n")
    assert edited(text, set_field, (*SC, "capabilities", "add"), []) == dedent(text).replace(
        "add:\n        - NET_ADMIN  # one\n        - SYS_TIME\n", "add: []\n")


def test_set_uses_the_files_newline_and_keeps_a_missing_final_newline() -> None:
    text = dedent(POD).replace("\n", "\r\n").rstrip("\r\n")
    out = edited(text, set_field, PRIV, False, dedented=False)
    assert out == text + "\r\n    securityContext:\r\n      privileged: false"


def test_set_in_json() -> None:
    text = ('{\n  "apiVersion": "v1",\n  "kind": "Pod",\n  "metadata": {"name": "web"},\n  "spec": {\n'
            '    "containers": [\n      {\n        "name": "app",\n        "image": "nginx"\n      }\n    ]\n'
            '  }\n}\n')
    out = edited(text, set_field, DROP, ["ALL"], dedented=False)
    assert out == text.replace('"image": "nginx"\n', '"image": "nginx",\n'
                               '        "securityContext": {"capabilities": {"drop": ["ALL"]}}\n')
    out = edited(text, set_field, ("spec", "securityContext", "runAsUser"), 1000, dedented=False)
    assert out == text.replace('    ]\n', '    ],\n    "securityContext": {"runAsUser": 1000}\n')


def test_set_in_a_list_item_and_a_later_document() -> None:
    text = """
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: c}
    ---
    apiVersion: v1
    kind: List
    items:
    - apiVersion: v1
      kind: Pod
      metadata: {name: a}
      spec:
        containers:
        - name: app
    """
    out = edited(text, set_field, PRIV, False, item=1)
    assert out == dedent(text) + "      securityContext:\n        privileged: false\n"


def test_set_is_none_when_the_value_is_already_there() -> None:
    text = dedent(POD.replace("    image: nginx\n", "    securityContext: {privileged: false}\n"))
    assert build(text, set_field, PRIV, False) is None
    # 1 is not false: types count
    assert build(text.replace("false", "0"), set_field, PRIV, False) is not None


@pytest.mark.parametrize(("text", "reason"), [
    ("  - &app\n    name: app\n  - *app\n", "spec.containers[0] is anchored (&) or aliased (*)"),
    ("  - name: app\n    securityContext: &sc {privileged: true}\n  - name: b\n    securityContext: *sc\n",
     "securityContext is anchored"),
    ("  - <<: *base\n    name: app\n", "spec.containers[0].securityContext comes from a `<<` merge"),
    ("  - name: app\n    securityContext: strict\n", "securityContext is not a mapping"),
])
def test_set_refuses_shared_or_odd_text(text: str, reason: str) -> None:
    full = ("apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nbase: &base\n  securityContext:\n"
            "    privileged: true\nspec:\n  containers:\n" + text)
    assert reason in refusal(full, set_field, PRIV, False)


# --- remove_field ------------------------------------------------------------------------------


def test_remove_deletes_the_line_with_its_comment() -> None:
    assert edited(POD, remove_field, ("spec", "hostNetwork")) == dedent(POD).replace(
        "  hostNetwork: true  # why\n", "")


def test_remove_a_multiline_value_keeps_the_comment_lines_inside_it() -> None:
    text = POD.replace("    image: nginx\n", "    image: nginx\n    securityContext:\n"
                                              "      privileged: true\n      # note\n"
                                              "      runAsUser: 0\n    ports: []\n")
    assert edited(text, remove_field, SC) == dedent(text).replace(
        "    securityContext:\n      privileged: true\n      # note\n      runAsUser: 0\n", "      # note\n")
    fix = build(dedent(text), remove_field, SC)
    assert fix is not None and len(fix.edits) == 2


def test_comment_lines_that_would_join_a_block_scalar_go_with_the_lines_removed() -> None:
    text = POD.replace("    image: nginx\n", "    image: nginx\n    args:\n    - |\n      echo one\n"
                                              "    securityContext:\n      # own\n      privileged: true\n"
                                              "    ports: []\n")
    assert edited(text, remove_field, PRIV) == dedent(text).replace(
        "    securityContext:\n      # own\n      privileged: true\n", "")


def test_only_a_trailing_comment_goes_with_its_line_never_one_in_a_block_scalar() -> None:
    text = POD.replace("  hostNetwork: true  # why\n", "  hostNetwork: true\t# tab comment\n  # standalone\n")
    assert edited(text, remove_field, ("spec", "hostNetwork")) == dedent(text).replace(
        "  hostNetwork: true\t# tab comment\n", "")
    scalar = POD.replace("    image: nginx\n", "    image: nginx\n    args:\n    - |\n"
                                                "      # a line of the script\n      run\n    - x\n")
    assert edited(scalar, remove_list_item, (*C0, "args", 0)) == dedent(scalar).replace(
        "    - |\n      # a line of the script\n      run\n", "")


def test_remove_the_first_key_after_a_dash() -> None:
    text = POD.replace("  - name: app\n    image: nginx\n", "  - image: nginx  # c\n    name: app\n")
    assert edited(text, remove_field, (*C0, "image")) == dedent(text).replace("image: nginx  # c\n    ", "")


def test_remove_the_only_key_removes_the_mapping_it_empties() -> None:
    text = POD.replace("    image: nginx\n",
                       "    image: nginx\n    securityContext:\n      privileged: true  # c\n")
    assert edited(text, remove_field, PRIV) == dedent(POD)
    nested = POD.replace("  hostNetwork: true  # why\n", "  securityContext:\n    seLinuxOptions:\n"
                                                        "      type: spc_t  # c\n")
    assert edited(nested, remove_field, ("spec", "securityContext", "seLinuxOptions", "type")) == \
        dedent(POD).replace("  hostNetwork: true  # why\n", "")
    annotations = POD.replace("  name: web  # the name\n",
                              "  name: web  # the name\n  annotations:\n    a: b\n")
    assert edited(annotations, remove_field, ("metadata", "annotations", "a")) == dedent(POD)


def test_remove_the_only_key_of_a_list_item_or_of_the_object_leaves_an_empty_mapping() -> None:
    text = POD.replace("  - name: app\n    image: nginx\n", "  - securityContext:\n      privileged: true\n")
    assert edited(text, remove_field, (*C0, "securityContext")) == dedent(text).replace(
        "securityContext:\n      privileged: true\n", "{}\n")
    alone = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostPID: true  # c\n"
    assert edited(alone, remove_field, ("spec", "hostPID"), dedented=False) == alone.replace(
        "spec:\n  hostPID: true", "spec: {}")


@pytest.mark.parametrize(("before", "after"), [
    ("{privileged: true, runAsUser: 0}", "{runAsUser: 0}"),
    ("{runAsUser: 0, privileged: true}", "{runAsUser: 0}"),
    ("{runAsUser: 0, privileged: true, x: 1}", "{runAsUser: 0, x: 1}"),
])
def test_remove_in_flow_mappings(before: str, after: str) -> None:
    text = POD.replace("    image: nginx\n", f"    securityContext: {before}\n")
    assert edited(text, remove_field, PRIV) == dedent(text).replace(before, after)


def test_remove_the_only_key_of_a_flow_mapping_removes_it() -> None:
    text = POD.replace("    image: nginx\n", "    image: nginx\n    securityContext: {privileged: true}\n")
    assert edited(text, remove_field, PRIV) == dedent(POD)
    inner = POD.replace("    image: nginx\n",
                        "    image: nginx\n    securityContext: {capabilities: {add: [A]}, x: 1}\n")
    assert edited(inner, remove_list_item, (*SC, "capabilities", "add", 0)) == dedent(inner).replace(
        "{capabilities: {add: [A]}, x: 1}", "{x: 1}")


def test_remove_in_json() -> None:
    text = '{\n  "apiVersion": "v1",\n  "kind": "Pod",\n  "metadata": {"name": "x"},\n  "spec": {\n' \
           '    "hostPID": true,\n    "containers": [{"name": "a"}],\n    "hostIPC": true\n  }\n}'
    out = edited(text, remove_field, ("spec", "hostPID"), dedented=False)
    assert out == text.replace('"hostPID": true,\n    ', "")
    out = edited(text, remove_field, ("spec", "hostIPC"), dedented=False)
    assert out == text.replace(',\n    "hostIPC": true', "")


def test_remove_crlf() -> None:
    text = dedent(POD).replace("\n", "\r\n")
    assert edited(text, remove_field, ("spec", "hostNetwork"), dedented=False) == text.replace(
        "  hostNetwork: true  # why\r\n", "")


def test_crlf_files_keep_crlf_with_or_without_a_final_line_break() -> None:
    text = dedent(POD).replace("\n", "\r\n") + "  hostPID: true"
    assert edited(text, remove_field, ("spec", "hostPID"), dedented=False) == dedent(POD).replace(
        "\n", "\r\n").removesuffix("\r\n")
    for empty in ("securityContext: {}", "securityContext: ~", "securityContext:\r\n      {}"):
        text = dedent(POD).replace("\n", "\r\n") + f"    {empty}"
        assert edited(text, set_field, PRIV, False, dedented=False) == dedent(POD).replace("\n", "\r\n") + \
            "    securityContext:\r\n      privileged: false"
        assert edited(text + "\r\n", set_field, PRIV, False, dedented=False) == \
            dedent(POD).replace("\n", "\r\n") + "    securityContext:\r\n      privileged: false\r\n"


def test_remove_is_none_when_absent() -> None:
    assert build(dedent(POD), remove_field, ("spec", "hostPID")) is None


def test_remove_refuses_duplicates_anchors_and_merges() -> None:
    dup = POD.replace("  hostNetwork: true  # why\n", "  hostNetwork: false\n  hostNetwork: true\n")
    assert "appears more than once" in refusal(dup, remove_field, ("spec", "hostNetwork"))
    anchor = POD.replace("hostNetwork: true  # why", "hostNetwork: &on true\n  hostPID: *on")
    assert "anchored (&)" in refusal(anchor, remove_field, ("spec", "hostNetwork"))
    inner = POD.replace("    image: nginx\n", "    securityContext:\n      runAsUser: &uid 0\n"
                                               "  - name: b\n    securityContext: {runAsUser: *uid}\n")
    assert "defines an anchor" in refusal(inner, remove_field, SC)
    merged = POD.replace("spec:\n  hostNetwork: true  # why\n",
                         "base: &b {hostNetwork: true}\nspec:\n  <<: *b\n")
    assert "`<<` merge" in refusal(merged, remove_field, ("spec", "hostNetwork"))


# --- add_list_item / remove_list_item ----------------------------------------------------------


@pytest.mark.parametrize("indent", ["", "  "])
def test_add_to_a_block_list_in_its_style(indent: str) -> None:
    text = POD.replace("    image: nginx\n", f"    securityContext:\n      capabilities:\n        drop:\n"
                                              f"        {indent}- NET_RAW  # c\n    image: nginx\n")
    assert edited(text, add_list_item, DROP, "ALL") == dedent(text).replace(
        "- NET_RAW  # c\n", f"- NET_RAW  # c\n        {indent}- ALL\n")


# A new item copies its siblings: the column of their dashes and the spaces after them, even where
# the file's other lists (here, the containers written `-   name:`) have another style.
FOUR_SPACE_ITEMS = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      -   name: app
          securityContext:
            capabilities:
              drop:
%s
"""
DEPLOYMENT_DROP = ("spec", "template", "spec", "containers", 0, "securityContext", "capabilities", "drop")


@pytest.mark.parametrize("items", [
    "              - NET_RAW",  # flush under its key
    "                - NET_RAW",  # indented under its key
    "              -   NET_RAW",  # wide, like the containers
    "                -  NET_RAW  # odd, but its own\n                -  SYS_TIME",
    "              - NET_RAW\n              -   SYS_TIME",  # the last item, nearest the new one
])
def test_add_copies_the_style_of_the_lists_own_items(items: str) -> None:
    text = FOUR_SPACE_ITEMS % items
    last = items.rsplit("\n", 1)[-1].split("  #")[0]
    new = last.replace("NET_RAW", "ALL").replace("SYS_TIME", "ALL")
    assert edited(text, add_list_item, DEPLOYMENT_DROP, "ALL") == text.lstrip("\n") + new + "\n"


def test_add_copies_the_style_with_four_space_indentation() -> None:
    text = """
    apiVersion: v1
    kind: Pod
    metadata: {name: p}
    spec:
        containers:
            -   name: app
                securityContext:
                    capabilities:
                        drop:
                            - NET_RAW
    """
    assert edited(text, add_list_item, DROP, "ALL") == dedent(text) + "                        - ALL\n"


def test_add_a_mapping_item_like_its_siblings() -> None:
    text = POD.replace("    image: nginx\n",
                       "    image: nginx\n    env:\n    -   name: A\n        value: b\n")
    assert edited(text, add_list_item, (*C0, "env"), {"name": "B", "value": "c"}) == dedent(text) + \
        "    -   name: B\n        value: c\n"


def test_replacing_a_block_list_keeps_its_item_style() -> None:
    text = FOUR_SPACE_ITEMS % "              -   NET_RAW  # one\n              -   SYS_TIME"
    assert edited(text, set_field, DEPLOYMENT_DROP, ["ALL", "NET_RAW"]) == text.lstrip("\n").replace(
        "-   NET_RAW  # one\n              -   SYS_TIME\n", "-   ALL\n              -   NET_RAW\n")


def test_a_new_list_of_strings_follows_the_files_other_lists_of_strings() -> None:
    text = dedent(FOUR_SPACE_ITEMS % "              - NET_RAW") + \
        "      -   name: sidecar\n          image: envoy\n"
    path = ("spec", "template", "spec", "containers", 1, "securityContext", "capabilities", "drop")
    assert edited(text, add_list_item, path, "ALL", dedented=False) == text + \
        "          securityContext:\n            capabilities:\n              drop:\n              - ALL\n"
    # Without lists of strings to follow, the items of the file's other lists are the model.
    widest = text.replace(":\n              - NET_RAW", ": [NET_RAW]")
    assert edited(widest, add_list_item, path, "ALL", dedented=False).endswith(
        "drop:\n              -   ALL\n")


# Lines added at the end of a collection go after the comments below it that belong to its last
# child (indented deeper than its own children, or as deep as a flush list's dashes), and before
# the others: its own trailer, and comments on its parent or on what follows.
TRAILERS = """
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: app
    securityContext:
      capabilities:
        drop:
        %s- NET_RAW
        %s# end of list
      # end of securityContext
  # end of containers
  hostNetwork: true
"""


@pytest.mark.parametrize("indent", ["", "  "])
def test_add_goes_before_the_lists_own_trailing_comment(indent: str) -> None:
    text = TRAILERS % (indent, indent)
    assert edited(text, add_list_item, DROP, "ALL") == dedent(text).replace(
        "- NET_RAW\n", f"- NET_RAW\n        {indent}- ALL\n")


@pytest.mark.parametrize("indent", ["", "  "])
def test_a_new_key_goes_after_the_trailing_comment_of_a_nested_list(indent: str) -> None:
    text = TRAILERS % (indent, indent)
    add = (*SC, "capabilities", "add")
    assert edited(text, set_field, add, ["NET_BIND_SERVICE"]) == dedent(text).replace(
        "# end of list\n", "# end of list\n        add:\n        - NET_BIND_SERVICE\n")
    # The comment at the keys' column is the trailer of securityContext: a new key goes before it.
    assert edited(text, set_field, PRIV, False) == dedent(text).replace(
        "# end of list\n", "# end of list\n      privileged: false\n")


def test_a_comment_indented_less_than_the_items_stays_out_of_the_list() -> None:
    text = TRAILERS % ("  ", "")  # `# end of list` now at the column of `drop:`: the mapping's
    assert edited(text, add_list_item, DROP, "ALL") == dedent(text).replace(
        "- NET_RAW\n", "- NET_RAW\n          - ALL\n")
    assert edited(text, set_field, (*SC, "capabilities", "add"), ["X"]) == dedent(text).replace(
        "- NET_RAW\n", "- NET_RAW\n        add:\n        - X\n")


def test_trailing_comments_of_the_last_item_and_after_a_blank_line() -> None:
    text = POD.replace("    image: nginx\n", "    env:\n    - name: A\n      value: b\n      # about A\n"
                                              "\n      # more about A\n    # end of env\n"
                                              "  # end of containers\n")
    assert edited(text, add_list_item, (*C0, "env"), {"name": "B", "value": "c"}) == dedent(text).replace(
        "# more about A\n", "# more about A\n    - name: B\n      value: c\n")
    assert edited(text, set_field, (*C0, "workingDir"), "/") == dedent(text).replace(
        "# end of env\n", "# end of env\n    workingDir: /\n")


@pytest.mark.parametrize(("before", "after"), [
    ("[NET_RAW]", "[NET_RAW, ALL]"),
    ("[]", "[ALL]"),
    ("[ NET_RAW, ]", "[ NET_RAW, ALL, ]"),
])
def test_add_to_a_flow_list(before: str, after: str) -> None:
    text = POD.replace("    image: nginx\n",
                       f"    securityContext:\n      capabilities: {{drop: {before}}}\n")
    assert edited(text, add_list_item, DROP, "ALL") == dedent(text).replace(before, after)


def test_add_creates_the_list_and_its_parents() -> None:
    text = POD.replace("    image: nginx\n", "    securityContext:\n      capabilities:\n        add: [X]\n")
    assert edited(text, add_list_item, DROP, "ALL") == dedent(text) + "        drop:\n        - ALL\n"
    assert edited(POD, add_list_item, DROP, "ALL").endswith(
        "    securityContext:\n      capabilities:\n        drop:\n        - ALL\n")
    null = POD.replace("    image: nginx\n", "    securityContext:\n      capabilities:\n        drop:\n")
    assert edited(null, add_list_item, DROP, "ALL") == dedent(null) + "        - ALL\n"


def test_add_a_mapping_item() -> None:
    text = POD.replace("    image: nginx\n", "    image: nginx\n    env:\n    - name: A\n      value: b\n")
    assert edited(text, add_list_item, (*C0, "env"), {"name": "B", "value": "yes"}) == dedent(text) + \
        '    - name: B\n      value: "yes"\n'


def test_add_to_a_one_per_line_json_list() -> None:
    text = '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}, "spec": {"containers": [{\n' \
           '  "name": "a", "securityContext": {"capabilities": {"drop": [\n    "NET_RAW"\n  ]}}}]}}\n'
    assert edited(text, add_list_item, DROP, "ALL", dedented=False) == text.replace(
        '"NET_RAW"\n', '"NET_RAW",\n    "ALL"\n')


def test_remove_list_items() -> None:
    text = POD.replace("    image: nginx\n", "    securityContext:\n      capabilities:\n        add:\n"
                                              "        - SYS_ADMIN  # bad\n        - NET_BIND_SERVICE\n"
                                              "        - NET_ADMIN\n    image: x\n")
    add = (*SC, "capabilities", "add")
    assert edited(text, remove_list_item, (*add, 0)) == dedent(text).replace(
        "        - SYS_ADMIN  # bad\n", "")
    assert edited(text, remove_list_item, (*add, 2)) == dedent(text).replace("        - NET_ADMIN\n", "")
    one = POD.replace("    image: nginx\n", "    securityContext:\n      capabilities:\n        add:\n"
                                             "        - SYS_ADMIN  # bad\n    image: x\n")
    # the only item of the only key of the only key: all three go, with the item's trailing comment
    assert edited(one, remove_list_item, (*add, 0)) == dedent(one).replace(
        "    securityContext:\n      capabilities:\n        add:\n        - SYS_ADMIN  # bad\n", "")
    # the only item of a key with siblings: the key goes too
    two = one.replace("      capabilities:\n", "      capabilities:\n        drop: [ALL]\n")
    assert edited(two, remove_list_item, (*add, 0)) == dedent(two).replace(
        "        add:\n        - SYS_ADMIN  # bad\n", "")
    flow = POD.replace("    image: nginx\n", "    securityContext: {capabilities: {add: [A, B, C]}}\n")
    assert edited(flow, remove_list_item, (*add, 1)) == dedent(flow).replace("[A, B, C]", "[A, C]")
    assert edited(flow, remove_list_item, (*add, 2)) == dedent(flow).replace("[A, B, C]", "[A, B]")


def test_remove_list_item_needs_an_index() -> None:
    with pytest.raises(ValueError, match="index"):
        build(dedent(POD), remove_list_item, C0[:-1])


def test_remove_item_refuses_an_alias_item() -> None:
    text = POD.replace("    image: nginx\n", "    args: [&a x, *a]\n")
    assert "anchored" in refusal(text, remove_list_item, (*C0, "args", 1))


# --- combine, style, rendering -----------------------------------------------------------------


def test_combine_joins_disjoint_fixes_and_refuses_when_a_part_does() -> None:
    text = dedent(POD)
    one = build(text, set_field, PRIV, False)
    two = build(text, remove_field, ("spec", "hostNetwork"))
    both = combine("both", Applicability.UNSAFE, one, two)
    assert both is not None and len(both.edits) == 2 and len(both.paths) == 2
    refused = build(dedent(POD.replace("  - name: app", "  - &a\n    name: app")), set_field, PRIV, False)
    combined = combine("both", Applicability.UNSAFE, two, refused)
    assert combined is not None and not combined.edits and "anchored" in combined.description
    assert refused is not None and refused.refusal is not None and "anchored" in refused.refusal
    assert combined.refusal == refused.refusal
    assert combine("none", Applicability.SAFE, None) is None
    clash = combine("clash", Applicability.SAFE, one, one)
    assert clash is not None and not clash.edits


def test_combine_merges_deletions_that_meet() -> None:
    """The last block of a file without a final line break takes the break before it, which ends the
    block removed just before it: the two deletions are one."""
    text = dedent(POD) + "    args: [x]\nvolumes: [v]"
    args = build(text, remove_field, (*C0, "args"))
    volumes = build(text, remove_field, ("volumes",))
    assert args is not None and volumes is not None
    assert args.edits[0].end > volumes.edits[0].start  # they overlap
    both = combine("both", Applicability.UNSAFE, args, volumes)
    assert both is not None and len(both.edits) == 1 and both.edits[0].text == ""
    edit = both.edits[0]
    assert text[:edit.start] + text[edit.end:] == dedent(POD)


def test_document_style() -> None:
    def style(text: str) -> tuple[int, int, int, int, str, str]:
        s = document_style(next(parse_documents(Source.from_text("x", dedent(text)))))
        return s.map_indent, s.seq_indent, s.item_indent, s.scalar_item_indent, s.quote, repr(s.newline)

    assert style(POD) == (2, 0, 2, 2, '"', repr("\n"))
    assert style("a:\n    b:\n        - 'x'\n        - 'y'\n") == (4, 4, 2, 2, "'", repr("\n"))
    assert style("a: 1\r\n") == (2, 2, 2, 2, '"', repr("\r\n"))
    assert style(FOUR_SPACE_ITEMS % "              - NET_RAW")[2:4] == (4, 2)
    assert style("a:\n-   x\n-   y\n")[2:4] == (4, 4)


@pytest.mark.parametrize(("value", "text"), [
    ("ALL", "ALL"), ("RuntimeDefault", "RuntimeDefault"), ("/var/run/docker.sock", "/var/run/docker.sock"),
    ("yes", '"yes"'), ("on", '"on"'), ("N", '"N"'), ("true", '"true"'), ("null", '"null"'), ("~", '"~"'),
    ("0777", '"0777"'), ("1.5", '"1.5"'), ("1e3", '"1e3"'), ("2024-01-01", '"2024-01-01"'), ("", '""'),
    ("a: b", '"a: b"'), ("- x", '"- x"'), ("#x", '"#x"'), ("x #y", '"x #y"'), ("*a", '"*a"'),
    ("<<", '"<<"'), ("it's", '"it\'s"'), ("line\nbreak", '"line\\nbreak"'), ("\u2028", '"\\u2028"'),
    (True, "true"), (False, "false"), (None, "null"), (1000, "1000"), (0.5, "0.5"),
])
def test_render_scalar(value: object, text: str) -> None:
    assert render_scalar(value) == text


def test_render_scalar_in_single_quotes_and_json() -> None:
    assert render_scalar("yes", "'") == "'yes'"
    assert render_scalar("it's", "'") == "'it''s'"
    assert render_scalar("ALL", json_mode=True) == '"ALL"'


BLOCK_SCALAR_LAST = ("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: c0\n"
                     "    command:\n    - sh\n    - |\n      echo one\n      echo two")


def test_a_block_scalar_ending_the_file_without_a_line_break_keeps_its_value() -> None:
    # A line break after `echo two` would become part of the scalar: insert before the last entry.
    assert edited(BLOCK_SCALAR_LAST, set_field, PRIV, False, dedented=False) == BLOCK_SCALAR_LAST.replace(
        "    command:\n", "    securityContext:\n      privileged: false\n    command:\n")
    refused = build(BLOCK_SCALAR_LAST, add_list_item, (*C0, "command"), "x")
    assert refused is not None and "block scalar" in refused.description
    # Removing the line after it keeps the line break that the scalar's value ends with.
    text = BLOCK_SCALAR_LAST + "\n  hostIPC: true"
    assert edited(text, remove_field, ("spec", "hostIPC"), dedented=False) == BLOCK_SCALAR_LAST + "\n"
    plain = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: []\n  hostIPC: true"
    assert edited(plain, remove_field, ("spec", "hostIPC"), dedented=False) == plain.removesuffix(
        "\n  hostIPC: true")


def test_explicit_keys_are_refused() -> None:
    text = POD.replace("  hostNetwork: true  # why\n", "  ? hostNetwork\n  : true\n")
    assert "explicit `? key`" in refusal(text, remove_field, ("spec", "hostNetwork"))
    assert "explicit `? key`" in refusal(text, set_field, ("spec", "hostNetwork"), False)
