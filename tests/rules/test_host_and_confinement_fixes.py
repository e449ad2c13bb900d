"""The fixes of the host and confinement rules, through the real fixer (`--fix --unsafe-fixes`): on
each rule's documented failing example, the exact fixed text; the rule is then clean, and a second
run changes nothing."""

from __future__ import annotations

import re

import pytest
from fixhelpers import fix_text

from klint import registry


def failing_example(name: str) -> str:
    rule = registry.find(name)
    assert rule is not None
    match = re.search(r"```yaml\n(.*?)```", rule.section("Failing example"), re.S)
    assert match
    return match.group(1)


UNMASKED = ("      securityContext:\n        procMount: Unmasked\n", "")
# rule -> the replacements that turn its failing example into the fixed text
CHANGES = {
    "host-process": [("      hostProcess: true\n", "      hostProcess: false\n")],
    "host-path": [("      volumeMounts:\n        - name: logs\n          mountPath: /logs\n", ""),
                  ("  volumes:\n    - name: logs\n      hostPath:\n        path: /var/log\n", "")],
    "host-port": [("          hostPort: 80\n", "")],
    "host-probe": [("          host: 169.254.169.254\n", "")],
    "apparmor-unconfined": [("/app: unconfined", "/app: runtime/default"),
                            ("type: Unconfined", "type: RuntimeDefault")],
    # the mappings they empty go too
    "selinux-options": [("  securityContext:\n    seLinuxOptions:\n      type: spc_t\n", ""),
                        ("      securityContext:\n        seLinuxOptions:\n          user: system_u\n"
                         "          role: system_r\n", "")],
    "proc-mount-unmasked": [UNMASKED],
    "proc-mount-user-namespace": [UNMASKED],
    "seccomp-unconfined": [("type: Unconfined", "type: RuntimeDefault")],
    "seccomp-profile": [("spec:\n",
                         "spec:\n  securityContext:\n    seccompProfile:\n      type: RuntimeDefault\n")],
    "unsafe-sysctl": [("  securityContext:\n    sysctls:\n      - name: kernel.msgmax\n"
                       "        value: \"65536\"\n", "")],
    "seccomp-unconfined-anywhere": [("/pod: unconfined", "/pod: runtime/default")],
}


@pytest.mark.parametrize("name", CHANGES)
def test_fix_of_the_failing_example(name: str) -> None:
    text = expected = failing_example(name)
    for old, new in CHANGES[name]:
        assert old in expected
        expected = expected.replace(old, new)
    outcome = fix_text(text, name)
    assert outcome.text == expected
    assert outcome.result.findings == []
    again = fix_text(outcome.text, name)
    assert again.text == outcome.text and not again.fixed


def test_every_host_and_confinement_rule_with_a_fix_is_covered() -> None:
    mine = {rule.name for rule in registry.all_rules() if rule.topic in ("host", "confinement")}
    assert set(CHANGES) == mine - {"host-network", "host-pid", "host-ipc"}
