"""AppArmor profile files: recognised by a profile header, parsed (names, flags, includes, rules),
syntax errors at their line and column, the KL81x rules; Docker's default profile (../shared, when
present) gives no finding."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import dedent

from klint.config import Settings
from klint.discover import discover
from klint.engine import FileResult, lint_file, lint_source
from klint.profiles.apparmor import AppArmorProfile, parse, profile_names
from klint.source import Source

MOBY = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "moby-profiles" / "apparmor"


def run(text: str, *rules: str, path: str = "web.apparmor") -> FileResult:
    settings = Settings(select=rules)
    return lint_source(Source.from_text(path, dedent(text)), settings.enabled_rules(), settings)


def found(text: str, *rules: str) -> list[tuple[str, str, str]]:
    result = run(text, *rules)
    assert result.problems == [], result.problems
    return [(f.rule.code, f"{f.span.start_line}:{f.span.start_column}", f.message) for f in result.findings]


PROFILES = """
# a comment, then tunables
#include <tunables/global>
@{APP}=/srv/app/ /opt/app/
abi <abi/3.0>,

profile web /usr/bin/web flags=(attach_disconnected, complain) {
  #include <abstractions/base>
  include if exists <local/web>
  /srv/{www,static}/** r,   # two trees
  deny network raw,
  audit {
    /var/log/web/* w,
  }

  ^hat {
    /tmp/** rw,
  }
  profile "child profile" {
    capability net_bind_service,
  }
}

/usr/bin/tool {
  owner @{APP}** rw,
}
"""


def parsed(text: str) -> list[AppArmorProfile]:
    return parse(Source.from_text("p.apparmor", dedent(text)))


def test_profiles_their_flags_includes_and_rules_are_parsed() -> None:
    web, hat, child, tool = parsed(PROFILES)
    assert [p.name for p in (web, hat, child, tool)] == [
        "web", "web//hat", "web//child profile", "/usr/bin/tool"]
    assert web.attachment == "/usr/bin/web" and web.flags == ["attach_disconnected", "complain"]
    assert web.includes == ["<abstractions/base>", "<local/web>"]
    assert [(rule.keyword, sorted(rule.qualifiers)) for rule in web.rules] == [
        ("file", []), ("network", ["deny"]), ("file", ["audit"])]
    assert web.rules[0].words == ["/srv/{www,static}/**", "r"]
    assert hat.rules[0].text == "/tmp/** rw" and child.rules[0].keyword == "capability"
    assert tool.variables["APP"] == ["/srv/app/", "/opt/app/"]
    assert web.span(("flags",)).start_line == 6 and web.span(("rules", 2)).start_line == 12


@pytest.mark.parametrize(("text", "position", "message"), [
    ("profile x {\n  capability\n}\n", "2:13", "missing ',' at the end of the rule before '}'"),
    ("profile x {\n  file,\n", "1:1", "profile x is not closed"),
    ("profile x {\n  file,\n}\n}\n", "4:1", "'}' without a profile to close"),
    ("profile x {\n  capabilty,\n}\n", "2:3", "unknown rule 'capabilty'"),
    ("capability,\nprofile x {\n}\n", "1:1", "rule outside a profile"),
    ('profile x {\n  "/tmp r,\n}\n', "2:3", "unterminated quoted string"),
    ("profile x {\n  file,\n  /tmp/** rw\n", "3:13", "missing ',' at the end of the rule"),
])
def test_syntax_errors_are_reported_at_their_line_and_column(text: str, position: str, message: str) -> None:
    result = lint_source(Source.from_text("bad.apparmor", text), [], Settings())
    [problem] = result.problems
    assert f"{problem.line}:{problem.column}" == position
    assert message in problem.message and problem.message.startswith("AppArmor profile: ")


def test_complain_and_unconfined_modes_are_flagged_in_every_profile() -> None:
    text = """
    profile web flags=(complain) {
      file,
      profile inner flags=(attach_disconnected,unconfined) {
      }
    }
    profile fine flags=(attach_disconnected,mediate_deleted) {
    }
    """
    assert [(at, message.split(":")[0]) for _, at, message in found(text, "apparmor-not-enforcing")] == [
        ("1:13", "profile web has flags complain"), ("3:17", "profile web//inner has flags unconfined")]


DANGEROUS = """
profile web {
  mount,
  remount /,
  umount,
  pivot_root,
  ptrace,
  ptrace (read) peer=other,
  ptrace (readby, tracedby),
  ptrace (trace) peer=web,
  change_profile,
  change_profile -> **,
  change_profile -> web//safe,
  /usr/bin/foo Ux,
  /usr/bin/bar pux,
  /usr/bin/baz ix,
  @{PROC}/sys/kernel/** rw,
  /sys/fs/cgroup/** w,
  /proc/sysrq-trigger a,
  /proc/*/attr/current w,
  /sys/power/state w,
  deny /sys/power/** w,
  deny mount /tmp,
}
"""


def test_rules_that_defeat_confinement() -> None:
    lines = [at.split(":")[0] for _, at, _ in found(DANGEROUS, "apparmor-dangerous-rule")]
    assert lines == ["2", "3", "5", "6", "7", "10", "11", "13", "14", "16", "18", "19"]


def test_broad_rules_need_the_runtime_defaults_deny_rules() -> None:
    text = """
    profile web {
      file,
      /** rw,
      /etc/** r,
      deny @{PROC}/sys/** w,
      deny /sys/** wklx,
      deny /sys/kernel/security/** rwklx,
      deny /sys/firmware/** rwklx,
    }
    """
    messages = [(at, message) for _, at, message in found(text, "apparmor-missing-deny")]
    assert [at for at, _ in messages] == ["2:3", "2:3", "3:3", "3:3"]  # `/etc/** r` reaches neither
    assert "allows reading /proc/kcore" in messages[0][1]
    assert "add `deny @{PROC}/kcore rwklx,`" in messages[0][1]
    assert "allows writing /proc/sysrq-trigger" in messages[1][1]
    assert "`/** rw` allows writing /proc/sysrq-trigger" in messages[3][1]
    assert found(text.replace("    }", "  deny @{PROC}/sysrq-trigger rwklx,\n  deny @{PROC}/kcore rwklx,\n}"),
                 "apparmor-missing-deny") == []


def test_yaml_and_json_are_not_taken_for_apparmor() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aa\ndata:\n  p: |\n    profile x {\n    }\n"
    result = run(text, path="cm.yaml")
    assert result.objects == 1 and result.profiles == 0
    assert run('{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": []}', path="p.json").profiles == 1


def test_an_apparmor_file_without_profiles_is_read_and_gives_nothing() -> None:
    result = run("# an abstraction\n/etc/ssl/** r,\n", path="abstractions/ssl.apparmor")
    assert (result.problems, result.findings, result.profiles) == ([], [], 0)


def test_directories_are_walked_for_apparmor_files(tmp_path: Path) -> None:
    (tmp_path / "web.apparmor").write_text("profile web {\n}\n")
    (tmp_path / "notes.txt").write_text("profile notes {\n}\n")
    assert [Path(path).name for path in discover([str(tmp_path)])] == ["web.apparmor"]


def test_profile_names_of_a_directory(tmp_path: Path) -> None:
    (tmp_path / "web").write_text("profile web {\n  ^hat {\n  }\n}\n/usr/bin/tool {\n}\n")
    (tmp_path / "broken").write_text("profile broken {\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x.apparmor").write_text('profile "with space" {\n}\n')
    assert profile_names(str(tmp_path)) == {"web", "web//hat", "/usr/bin/tool", "with space"}


needs_moby = pytest.mark.skipif(not MOBY.is_dir(), reason=f"{MOBY} is not available")


@needs_moby
def test_dockers_default_profile_gives_no_finding() -> None:
    settings = Settings()
    goldens = sorted((MOBY / "testdata").glob("*.golden"))
    assert len(goldens) >= 8
    for golden in goldens:
        result = lint_file(str(golden), settings.enabled_rules(), settings)
        assert result.problems == [] and result.profiles == 1, golden
        assert [f"{f.rule.code} {f.span.start_line}: {f.message}" for f in result.findings] == [], golden


SPO = """
apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
kind: AppArmorProfile
metadata:
  name: web
spec:
  policy: |
    #include <tunables/global>

    profile k8s-web flags=(attach_disconnected,complain) {
      /srv/** r,
      mount,
    }
---
apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
kind: AppArmorProfile
metadata:
  name: broken
spec:
  policy: |
    profile broken {
      capability
    }
"""


def test_security_profiles_operator_policies_are_linted_at_their_lines() -> None:
    result = run(SPO, "KL81", path="spo.yaml")
    assert [(f.rule.code, f"{f.span.start_line}:{f.span.start_column}", f.field_path, str(f.obj))
            for f in result.findings] == [
        ("KL811", "9:21", "spec.policy.flags", "AppArmorProfile web"),
        ("KL812", "11:7", "spec.policy.rules[1]", "AppArmorProfile web")]
    [problem] = result.problems
    assert (problem.line, problem.column) == (21, 17)
    assert problem.message == ("AppArmor profile in AppArmorProfile broken: missing ',' at the end of the "
                               "rule before '}'")
