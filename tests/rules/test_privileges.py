"""privileged-container (KL101) and allow-privilege-escalation (KL102)."""

from __future__ import annotations

from fixhelpers import fix_text
from helpers import dedent, lint, messages, where

PRIVILEGED = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      initContainers:
        - name: init
          image: busybox:1.36
          securityContext:
            privileged: yes
      containers:
        - name: app
          image: nginx:1.27
          securityContext:
            privileged: false
"""


def test_privileged_fails_on_yaml11_true_in_any_container_list() -> None:
    assert where(PRIVILEGED, "privileged-container") == ["12:13"]
    assert messages(PRIVILEGED, "KL101") == [
        'container "init" runs privileged (securityContext.privileged: true); set it to false']


def test_privileged_names_falco_twin() -> None:
    from klint.rules.privileges import PrivilegedContainer

    assert PrivilegedContainer.equivalents["falco"] == ("Create Privileged Pod",)


APE_FAIL = """
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: unset
      image: nginx:1.27
    - name: allowed
      image: nginx:1.27
      securityContext:
        allowPrivilegeEscalation: true
    - name: ok
      image: nginx:1.27
      securityContext:
        allowPrivilegeEscalation: false
  ephemeralContainers:
    - name: debug
      image: busybox:1.36
      securityContext: {}
"""


def test_allow_privilege_escalation_fails_unless_false() -> None:
    assert where(APE_FAIL, "allow-privilege-escalation") == ["7:7", "12:9", "20:7"]
    assert messages(APE_FAIL, "KL102") == [
        'container "unset" does not set securityContext.allowPrivilegeEscalation, so privilege escalation is '
        "allowed; set it to false",
        'container "allowed" allows privilege escalation (securityContext.allowPrivilegeEscalation: true); '
        "set it to false",
        'container "debug" does not set securityContext.allowPrivilegeEscalation, so privilege escalation is '
        "allowed; set it to false",
    ]


APE_PASS = """
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: app
      image: nginx:1.27
      securityContext:
        allowPrivilegeEscalation: no
"""


def test_allow_privilege_escalation_passes_when_false() -> None:
    assert where(APE_PASS, "allow-privilege-escalation") == []


WINDOWS = """
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  os:
    name: windows
  containers:
    - name: app
      image: mcr.microsoft.com/windows/nanoserver:ltsc2022
"""


def test_allow_privilege_escalation_exempts_windows_pods_from_v1_25() -> None:
    assert where(WINDOWS, "allow-privilege-escalation") == []
    assert where(WINDOWS, "allow-privilege-escalation", pss_version="v1.25") == []
    findings = lint(WINDOWS, "allow-privilege-escalation", pss_version="v1.24")
    assert [f"{f.span.start_line}:{f.span.start_column}" for f in findings] == ["9:7"]
    assert findings[0].fix is None  # the field is not allowed on Windows pods


def test_allow_privilege_escalation_did_not_exist_before_v1_8() -> None:
    assert where(APE_FAIL, "allow-privilege-escalation", pss_version="v1.7") == []
    assert len(where(APE_FAIL, "allow-privilege-escalation", pss_version="v1.8")) == 3


def test_allow_privilege_escalation_is_restricted_only() -> None:
    assert where(APE_FAIL, "allow-privilege-escalation", profile="baseline") == []
    assert len(where(APE_FAIL, "allow-privilege-escalation", profile="restricted")) == 3


def test_allow_privilege_escalation_adding_is_safe_reversing_is_unsafe_and_converges() -> None:
    text = dedent("""
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          containers:
            - name: app
              image: nginx:1.27  # pinned
            - name: side
              image: busybox:1.36
              securityContext:
                allowPrivilegeEscalation: true
        """)
    outcome = fix_text(text, "allow-privilege-escalation", unsafe=False)
    assert outcome.text == dedent("""
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          containers:
            - name: app
              image: nginx:1.27  # pinned
              securityContext:
                allowPrivilegeEscalation: false
            - name: side
              image: busybox:1.36
              securityContext:
                allowPrivilegeEscalation: true
        """)  # the value the author wrote stays without --unsafe-fixes
    assert [f.container for f in outcome.result.findings] == ["side"]
    unsafe = fix_text(text, "allow-privilege-escalation")
    assert unsafe.text == outcome.text.replace("Escalation: true", "Escalation: false")
    assert unsafe.result.findings == []
    assert fix_text(unsafe.text, "allow-privilege-escalation").text == unsafe.text


def test_allow_privilege_escalation_has_no_fix_the_api_server_would_refuse() -> None:
    text = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          containers:
            - name: privileged
              image: nginx:1.27
              securityContext:
                privileged: true
            - name: sysadmin
              image: nginx:1.27
              securityContext:
                capabilities:
                  add: [CAP_SYS_ADMIN]
        """
    assert [finding.fix for finding in lint(text, "allow-privilege-escalation")] == [None, None]
