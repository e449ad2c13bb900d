"""baseline-capabilities (KL103), restricted-capabilities (KL104), dangerous-capabilities (KL105), and
how their findings at one key collapse into one."""

from __future__ import annotations

from fixhelpers import fix_text
from helpers import dedent, lint, messages, where

from klint import registry

ADDS = """
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: app
      image: nginx:1.27
      securityContext:
        capabilities:
          drop: [ALL]
          add:
            - NET_BIND_SERVICE
            - CHOWN
            - NET_RAW
            - SYS_ADMIN
            - chown
            - CAP_SYS_PTRACE
"""
# line of each add item: NET_BIND_SERVICE 13, CHOWN 14, NET_RAW 15, SYS_ADMIN 16, chown 17, CAP_SYS_PTRACE 18


def test_baseline_capabilities_compares_exactly() -> None:
    assert where(ADDS, "baseline-capabilities") == ["15:15", "16:15", "17:15", "18:15"]
    assert messages(ADDS, "baseline-capabilities")[0] == (
        'container "app" adds capability NET_RAW (securityContext.capabilities.add[2]), which the '
        'baseline Pod '
        "Security Standard does not allow; remove it (allowed: AUDIT_WRITE, CHOWN, DAC_OVERRIDE, "
        "FOWNER, FSETID, "
        "KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT)")
    assert messages(ADDS, "baseline-capabilities")[2] == (
        'container "app" adds capability "chown" (securityContext.capabilities.add[4]); Pod Security '
        'Admission '
        "compares names exactly, without the CAP_ prefix: write CHOWN")


def test_restricted_capabilities_allows_only_net_bind_service() -> None:
    assert where(ADDS, "restricted-capabilities") == ["14:15", "15:15", "16:15", "17:15", "18:15"]


def test_dangerous_capabilities_reads_names_as_runtimes_do() -> None:
    assert where(ADDS, "dangerous-capabilities") == ["16:15", "18:15"]
    assert messages(ADDS, "dangerous-capabilities")[1] == (
        'container "app" adds capability CAP_SYS_PTRACE (securityContext.capabilities.add[5]): '
        'traces and injects '
        "code into other processes, including in a shared PID namespace; the Pod Security Standards "
        "forbid it "
        "from baseline on: remove it")


def test_one_capability_gets_one_finding_from_the_most_specific_rule() -> None:
    found = [(f"{f.span.start_line}:{f.span.start_column}", f.rule.name) for f in lint(ADDS)
             if f.rule.name.endswith("capabilities")]
    assert found == [
        ("14:15", "restricted-capabilities"),  # CHOWN: baseline allows it, restricted does not
        ("15:15", "baseline-capabilities"),  # NET_RAW
        ("16:15", "dangerous-capabilities"),  # SYS_ADMIN
        ("17:15", "baseline-capabilities"),  # chown: spelt so that PSA does not recognise it
        ("18:15", "dangerous-capabilities"),  # CAP_SYS_PTRACE
    ]


def test_each_rule_still_reports_alone_when_the_others_do_not_run() -> None:
    assert len(where(ADDS, "restricted-capabilities", "baseline-capabilities")) == 5
    assert where(ADDS, "KL104", "KL105") == ["14:15", "15:15", "16:15", "17:15", "18:15"]
    # --profile baseline runs neither restricted- nor dangerous-capabilities
    assert [f.rule.name for f in lint(ADDS, profile="baseline") if "capabilities" in f.rule.name] == [
        "baseline-capabilities"] * 4


def test_superseding_rules_exist() -> None:
    for rule in registry.all_rules():
        for name in rule.superseded_by:
            assert registry.find(name) is not None, (rule.name, name)


DROPS = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: none
          image: nginx:1.27
        - name: some
          image: nginx:1.27
          securityContext:
            capabilities:
              drop: [NET_RAW]
        - name: lower
          image: nginx:1.27
          securityContext:
            capabilities:
              drop: [all]
        - name: all
          image: nginx:1.27
          securityContext:
            capabilities:
              drop: [ALL]
"""


def test_restricted_capabilities_requires_drop_all_spelt_exactly() -> None:
    assert where(DROPS, "restricted-capabilities") == ["9:11", "15:15", "20:22"]
    assert messages(DROPS, "restricted-capabilities") == [
        'container "none" does not drop all capabilities; add ALL to securityContext.capabilities.drop',
        'container "some" does not drop all capabilities; add ALL to securityContext.capabilities.drop',
        'container "lower" drops "all" (securityContext.capabilities.drop[0]); Pod Security '
        'Admission accepts only '
        "the exact spelling: write ALL",
    ]


def test_restricted_capabilities_versions() -> None:
    assert where(DROPS, "restricted-capabilities", pss_version="v1.21") == []
    assert len(where(DROPS, "restricted-capabilities", pss_version="v1.22")) == 3


WINDOWS = """
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  os: {name: windows}
  containers:
    - name: app
      image: mcr.microsoft.com/windows/nanoserver:ltsc2022
"""


def test_restricted_capabilities_exempts_windows_pods_from_v1_25() -> None:
    assert where(WINDOWS, "restricted-capabilities") == []
    findings = lint(WINDOWS, "restricted-capabilities", pss_version="v1.24")
    assert [(f.span.start_line, f.fix) for f in findings] == [(8, None)]


def test_baseline_capabilities_passes_the_allow_list_and_no_adds() -> None:
    text = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          os: {name: windows}
          containers:
            - name: app
              image: nginx:1.27
              securityContext:
                capabilities:
                  add: [AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD,
                        NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT]
            - name: plain
              image: nginx:1.27
        """
    assert where(text, "baseline-capabilities", "dangerous-capabilities") == []


def test_capability_fixes() -> None:
    text = dedent("""
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          containers:
            - name: app
              image: nginx:1.27
              securityContext:
                capabilities:
                  drop: [all]
                  add: [chown, SYS_ADMIN]
        """)
    rules = ("baseline-capabilities", "restricted-capabilities", "dangerous-capabilities")
    safe = fix_text(text, *rules, unsafe=False)
    assert safe.text == text  # respelling a value the author wrote is unsafe
    unsafe = fix_text(text, *rules)
    # both added capabilities go, and with the last one the `add` key
    assert unsafe.text == text.replace("[all]", "[ALL]").replace("\n          add: [chown, SYS_ADMIN]", "")
    assert unsafe.result.findings == []
    again = fix_text(unsafe.text, *rules)
    assert again.text == unsafe.text


def test_drop_all_fix_creates_the_list() -> None:
    text = dedent("""
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          containers:
            - name: app
              image: nginx:1.27
        """)
    outcome = fix_text(text, "restricted-capabilities")
    assert outcome.text == text + (
        "      securityContext:\n"
        "        capabilities:\n"
        "          drop:\n"
        "            - ALL\n")
    assert outcome.result.findings == []
