"""Seccomp profile files: recognised by content, checked by the KL80x rules, each finding at the exact
JSON key; Docker's default profile and moby's fixtures (../shared, when present) give no finding."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import dedent, lint, where

from klint.config import Settings
from klint.engine import lint_file
from klint.profiles.seccomp import syscall_table

MOBY = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "moby-profiles"


def findings(text: str, *rules: str, **kwargs: object) -> list[tuple[str, str, str]]:
    """(code, line:column, message) of each finding on a profile written as `profile.json`."""
    return [(f.rule.code, f"{f.span.start_line}:{f.span.start_column}", f.message)
            for f in lint(text, *rules, path="profile.json", **kwargs)]  # type: ignore[arg-type]


def at(text: str, needle: str, occurrence: int = 1) -> str:
    """line:column of the `occurrence`-th `needle` in the dedented snippet."""
    offset = -1
    for _ in range(occurrence):
        offset = dedent(text).index(needle, offset + 1)
    before = dedent(text)[:offset]
    return f"{before.count(chr(10)) + 1}:{offset - before.rfind(chr(10))}"


INVALID = """
{
  "defaultAction": "SCMP_ACT_EROR",
  "defaultErrnoRet": -1,
  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_AMD64"],
  "archMap": [{"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARMV7"]}],
  "flags": ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOGS"],
  "architecture": ["SCMP_ARCH_X86_64"],
  "syscalls": [
    {"names": ["read"], "action": "SCMP_ACT_ALLOW", "errnoRet": 1},
    {"names": [], "action": "SCMP_ACT_ALLOW"},
    {"names": ["write"], "action": "SCMP_ACT_ALOW"},
    {"names": ["socket"], "action": "SCMP_ACT_ALLOW",
     "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQUAL"},
              {"index": 0, "value": -2, "op": "SCMP_CMP_EQ"}]},
    {"names": ["chroot"], "action": "SCMP_ACT_ALLOW",
     "includes": {"caps": ["CAP_SYS_CHROOTS"], "arches": ["amd65"], "minKernel": "four"}, "exclude": {}},
    "read"
  ]
}
"""


def test_invalid_fields_are_reported_at_their_values() -> None:
    found = findings(INVALID, "seccomp-profile-invalid")
    assert [where for _, where, _ in found] == [
        "2:3", "3:3", "4:41", "5:74", "6:42", "7:3", "9:53", "10:6", "11:26", "13:16", "13:40", "14:28",
        "16:28", "16:59", "16:69", "16:91", "17:5"]
    text = "\n".join(message for _, _, message in found)
    for expected in ('unknown seccomp action "SCMP_ACT_EROR" in defaultAction (did you mean '
                     'SCMP_ACT_ERRNO?)',
                     'unknown architecture "SCMP_ARCH_AMD64"', 'unknown architecture "SCMP_ARCH_ARMV7"',
                     'unknown seccomp flag "SECCOMP_FILTER_FLAG_LOGS" (did you mean '
                     'SECCOMP_FILTER_FLAG_LOG?)',
                     'unknown profile key "architecture" (did you mean architectures?); the runtime '
                     'ignores it',
                     "errnoRet applies only to SCMP_ACT_ERRNO and SCMP_ACT_TRACE, not SCMP_ACT_ALLOW",
                     "names must be a non-empty list", "(did you mean SCMP_ACT_ALLOW?)",
                     "argument index must be 0 to 5, not 6", 'unknown comparison "SCMP_CMP_EQUAL"',
                     "value must be an unsigned 64-bit integer, not -2",
                     'unknown capability "CAP_SYS_CHROOTS" (did you mean CAP_SYS_CHROOT?)',
                     'unknown architecture "amd65" (did you mean amd64?)',
                     'minKernel must be a kernel version',
                     'unknown syscalls rule key "exclude" (did you mean excludes?)',
                     "a syscalls entry must be an object"):
        assert expected in text, expected


def test_a_key_written_twice_is_invalid() -> None:
    text = '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [], "defaultAction": "SCMP_ACT_ALLOW"}'
    second = at(text, '"defaultAction"', 2)
    assert [(code, where) for code, where, _ in findings(text, "KL801")] == [("KL801", second)]


def test_typos_in_syscall_names_suggest_the_closest_name() -> None:
    text = """
    {
      "defaultAction": "SCMP_ACT_ERRNO",
      "architectures": ["SCMP_ARCH_X86_64"],
      "syscalls": [
        {"names": ["read", "wirte", "chown32", "EXIT_GROUP", "zzzzzzzz"], "action": "SCMP_ACT_ALLOW"},
        {"name": "ptarce", "action": "SCMP_ACT_ERRNO"}
      ]
    }
    """
    skipped = "; the runtime skips it, so this allow does not apply to it"
    assert findings(text, "seccomp-unknown-syscall") == [
        ("KL802", at(text, '"wirte"'), 'unknown system call "wirte" (did you mean write?)' + skipped),
        ("KL802", at(text, '"EXIT_GROUP"'), 'unknown system call "EXIT_GROUP" (did you mean exit_group?)'
                                            + skipped),
        ("KL802", at(text, '"zzzzzzzz"'), 'unknown system call "zzzzzzzz"' + skipped),
        ("KL802", at(text, '"name"'), 'unknown system call "ptarce" (did you mean ptrace?); the runtime '
                                      "skips it, so this rule does not apply to it"),
    ]


def test_the_syscall_table_is_per_architecture() -> None:
    table = syscall_table()
    assert "libseccomp" in table.source
    assert "chown32" in table.architectures["x86"] and "chown32" not in table.architectures["x86_64"]
    assert "arch_prctl" in table.architectures["x86_64"]
    assert {"listmount", "mseal", "io_uring_setup", "clone3"} <= table.names


@pytest.mark.parametrize(("action", "expected"), [
    ("SCMP_ACT_ALLOW", ["2:3"]), ("SCMP_ACT_LOG", ["2:3"]), ("SCMP_ACT_ERRNO", []),
    ("SCMP_ACT_KILL_PROCESS", []),
])
def test_deny_list_and_audit_defaults_are_flagged(action: str, expected: list[str]) -> None:
    text = (f'{{\n  "defaultAction": "{action}",\n'
            '  "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ERRNO"}]\n}')
    assert where(text, "seccomp-default-allow", path="p.json") == expected


DANGEROUS = """
{
  "defaultAction": "SCMP_ACT_ERRNO",
  "syscalls": [
    {"names": ["read", "mount", "bpf", "io_uring_setup"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["setns"], "action": "SCMP_ACT_LOG"},
    {"names": ["unshare"], "action": "SCMP_ACT_ERRNO"},
    {"names": ["umount2"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
    {"names": ["keyctl"], "action": "SCMP_ACT_ALLOW", "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
    {"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64"]}},
    {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
     "args": [{"index": 0, "value": 2114060288, "op": "SCMP_CMP_MASKED_EQ"}]},
    {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
     "args": [{"index": 0, "value": 2048, "op": "SCMP_CMP_MASKED_EQ"}]},
    {"names": ["unshare"], "action": "SCMP_ACT_ALLOW",
     "args": [{"index": 0, "value": 512, "op": "SCMP_CMP_EQ"}]},
    {"names": ["clone"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["s390x"]},
     "args": [{"index": 1, "value": 2114060288, "op": "SCMP_CMP_MASKED_EQ"}]},
    {"names": ["clone3"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "5.3"}}
  ]
}
"""


def test_dangerous_allows_are_flagged_unless_a_condition_confines_them() -> None:
    found = findings(DANGEROUS, "seccomp-dangerous-syscall")
    assert [(where, message.split(",")[0]) for _, where, message in found] == [
        (at(DANGEROUS, '"mount"'), "allows mount"), (at(DANGEROUS, '"bpf"'), "allows bpf"),
        (at(DANGEROUS, '"io_uring_setup"'), "allows io_uring_setup"),
        (at(DANGEROUS, '"setns"'), "allows setns"),
        (at(DANGEROUS, '"keyctl"'), "allows keyctl"), (at(DANGEROUS, '"clone"', 2), "allows clone"),
        (at(DANGEROUS, '"clone3"'), "allows clone3"),
    ]
    assert "the Shocker" not in found[0][2] and "mounts file systems" in found[0][2]


def test_a_deny_list_profile_gets_only_the_default_finding() -> None:
    text = '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_LOG"}]}'
    assert [code for code, _, _ in findings(text, "KL8")] == ["KL803"]


def test_comparing_with_the_users_runtime_default(tmp_path: Path) -> None:
    runtime = tmp_path / "runtime.json"
    runtime.write_text(json.dumps({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
        {"names": ["read", "mount"], "action": "SCMP_ACT_ALLOW"},
        {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
         "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]},
        {"names": ["bpf"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_BPF"]}},
    ]}))
    text = """
    {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
      {"names": ["read", "mount", "bpf", "getpid"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["personality"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}
    ]}
    """
    options = {"KL804": {"runtime-default": str(runtime)}}
    assert [where for _, where, _ in findings(text, "KL804", options=options)] == [
        at(text, '"bpf"'), at(text, '"getpid"'), at(text, '"personality"')]


def test_a_profile_inside_a_stream_and_yaml_lookalikes() -> None:
    assert findings('{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": []}', "KL803")
    # not a profile: no syscalls or architectures, or a Kubernetes object
    assert findings('{"defaultAction": "SCMP_ACT_ALLOW"}', "KL8") == []
    assert findings("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n"
                    "  defaultAction: SCMP_ACT_ALLOW\n  syscalls: x\n", "KL8") == []


def test_findings_name_the_profile_like_an_object() -> None:
    [finding] = lint('{"defaultAction": "SCMP_ACT_LOG", "syscalls": []}', "KL803", path="dir/audit.json")
    assert (finding.obj.kind, finding.obj.name, finding.field_path) == ("seccomp-profile", "audit.json",
                                                                         "defaultAction")
    assert finding.identity == ("KL803", ("seccomp-profile", None, "audit.json"), ("defaultAction",), None)


needs_moby = pytest.mark.skipif(not MOBY.is_dir(), reason=f"{MOBY} is not available")


@needs_moby
@pytest.mark.parametrize("name", ["seccomp/default.json", "seccomp/fixtures/example.json",
                                  "seccomp/fixtures/default-old-format.json",
                                  "seccomp/fixtures/conditional_include.json"])
def test_docker_profiles_give_no_finding(name: str) -> None:
    settings = Settings()
    result = lint_file(str(MOBY / name), settings.enabled_rules(), settings)
    assert result.problems == [] and result.profiles == 1
    assert [f"{f.rule.code} {f.span.start_line}: {f.message}" for f in result.findings] == []


def test_security_profiles_operator_objects_are_linted_as_profiles() -> None:
    text = """
    apiVersion: security-profiles-operator.x-k8s.io/v1beta1
    kind: SeccompProfile
    metadata:
      name: web
      namespace: prod
    spec:
      defaultAction: SCMP_ACT_ERRNO
      baseProfileName: runc-v1.2.0
      syscalls:
        - action: SCMP_ACT_ALLOW
          names: [read, wirte, mount]
        - action: SCMP_ACT_ALOW
          names: [exit]
      syscall: []
    ---
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: not-a-profile}
    data: {defaultAction: SCMP_ACT_ALLOW, syscalls: "[]"}
    """
    found = lint(text, "KL8")
    assert [(f.rule.code, f"{f.span.start_line}:{f.span.start_column}", f.field_path) for f in found] == [
        ("KL802", "11:21", "spec.syscalls[0].names[1]"), ("KL804", "11:28", "spec.syscalls[0].names[2]"),
        ("KL801", "12:7", "spec.syscalls[1].action"), ("KL801", "14:3", "spec.syscall")]
    assert {str(f.obj) for f in found} == {"SeccompProfile prod/web"}


def test_every_architectures_names_are_in_the_table() -> None:
    table = syscall_table()
    assert len(table.architectures) == 23
    for arch, names in table.architectures.items():
        assert names <= table.names and len(names) > 300, arch


def test_the_errno_names_of_containers_common_profiles_are_known_keys() -> None:
    text = """
    {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "defaultErrno": "ENOSYS", "syscalls": [
      {"names": ["bdflush"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "errno": "EPERM"}]}
    """
    assert findings(text, "KL801") == []
