"""AppArmor profile files: profiles that do not enforce, rules that defeat confinement, and the deny
rules of the runtime's default profile that a custom profile leaves out. Docker's default profile
(`docker-default`, moby/profiles) is the reference: it allows `capability,` and `file,` and relies on
the container's capability set and its own `deny` rules, and gives no finding."""

from __future__ import annotations

from collections.abc import Iterator

from klint.profiles import ProfileDocument, ProfileRule
from klint.profiles.apparmor import (
    KIND,
    AppArmorProfile,
    AppArmorRule,
    expand_variables,
    glob_regex,
    literal_prefix,
    path_and_permissions,
    unquote,
)
from klint.rule import Severity, Violation

APPARMOR_DOC = "https://kubernetes.io/docs/tutorials/security/apparmor/"
APPARMOR_LANGUAGE = "https://gitlab.com/apparmor/apparmor/-/wikis/AppArmor_Core_Policy_Reference"
MOBY_TEMPLATE = "https://github.com/moby/profiles/blob/main/apparmor/template.go"

NOT_ENFORCING = {
    "complain": "only logs what it would deny (complain mode)",
    "unconfined": "confines nothing (unconfined mode)",
    "prompt": "asks a user space agent instead of denying (prompt mode)",
}
# What the runtime's default profile denies, by a file its deny rules protect: (path, access, rule).
RUNTIME_DENIES = (
    ("/proc/sys/kernel/core_pattern", "w", "deny @{PROC}/sys/kernel/{?,??,[^s][^h][^m]**} w,"),
    ("/proc/sys/vm/overcommit_memory", "w", "deny @{PROC}/sys/[^k]** w,"),
    ("/proc/sysrq-trigger", "w", "deny @{PROC}/sysrq-trigger rwklx,"),
    ("/proc/kcore", "r", "deny @{PROC}/kcore rwklx,"),
    ("/sys/kernel/security/apparmor/.remove", "w", "deny /sys/kernel/security/** rwklx,"),
    ("/sys/firmware/efi/efivars/x", "w", "deny /sys/firmware/** rwklx,"),
    ("/sys/power/state", "w", "deny /sys/[^f]*/** wklx,"),
    ("/sys/fs/bpf/x", "w", "deny /sys/fs/[^c]*/** wklx,"),
)
# Files whose writing changes a process's confinement (not denied by the runtime default, which
# leaves it to `change_profile` rules): reported when a rule names them.
ATTR_FILES = ("/proc/1/attr/current", "/proc/1/attr/exec", "/proc/self/attr/current",
              "/proc/1/attr/apparmor/current")


class AppArmorNotEnforcing(ProfileRule):
    """An AppArmor profile is in complain or unconfined mode.

    ## What it checks
    The `flags=(...)` of every profile, hat and nested profile of an AppArmor profile file:
    `complain`, `unconfined` and `prompt` fail. (An AppArmor profile file is recognised by a
    profile header at the start of a line, `profile NAME {` or `/path/to/program {`; see the
    README for how directories are walked for them.) The AppArmor rules also check the
    `spec.policy` of Security Profiles Operator `AppArmorProfile` objects, at the policy's
    own lines.

    ## Why
    A container that a manifest puts under `localhost/NAME` looks confined, but a complain
    mode profile only logs what it would deny, and an unconfined one denies nothing: the
    container runs as if it had no AppArmor profile at all.

    ## Failing example
    ```apparmor
    profile web flags=(attach_disconnected,complain) {
      file,
      network,
    }
    ```

    ## Passing example
    ```apparmor
    profile web flags=(attach_disconnected) {
      /srv/www/** r,
      network inet tcp,
    }
    ```

    ## Fix
    No automatic fix: remove `complain` (or `unconfined`) from the flags once the profile
    allows what the workload needs (the complain mode logs show what that is).
    """

    code = "KL811"
    name = "apparmor-not-enforcing"
    topic = "profiles_apparmor"
    severity = Severity.HIGH
    profile_kind = KIND
    references = (APPARMOR_DOC, APPARMOR_LANGUAGE)

    def check_profile(self, profile: ProfileDocument) -> Iterator[Violation]:
        assert isinstance(profile, AppArmorProfile)
        for flag in profile.flags:
            if flag in NOT_ENFORCING:
                yield Violation(("flags",), f"profile {profile.name} has flags {flag}: it "
                                            f"{NOT_ENFORCING[flag]}; remove the flag to enforce it")


class AppArmorDangerousRule(ProfileRule):
    """An AppArmor profile allows what defeats its own confinement.

    ## What it checks
    The allow rules (not `deny`) of every profile in an AppArmor profile file:

    - `mount` and `remount` (`umount` passes, as in the runtime's default profile);
    - `pivot_root`;
    - `ptrace` that may trace or read another profile's processes: no `peer=`, or a peer other
      than the profile itself, with `trace` or `read` access (or no access list);
    - `change_profile` to any profile (no `->` target, or one matching `unconfined`);
    - executing programs unconfined: `ux`, `Ux`, `pux`, `cux` and the like;
    - file rules that name `/proc/sys`, `/sys`, `/proc/sysrq-trigger`, `/proc/kcore` or a
      process's `/proc/*/attr/` files with write access (read access for `/proc/kcore`),
      unless a `deny` rule of the profile takes it back.

    Judged against Docker's default profile: `capability,`, `file,`, `umount,`, signals and
    `ptrace` of its own peer pass (a broad `file,` without the default profile's deny rules
    is `apparmor-missing-deny`'s finding).

    ## Why
    Each of these lets a confined process leave its confinement: remount or mount over the
    paths the profile protects, trace and control an unconfined process, switch to another
    profile, run a program outside any profile, or rewrite the kernel's settings and its own
    security attributes.

    ## Failing example
    ```apparmor
    profile web flags=(attach_disconnected) {
      file,
      mount,
      ptrace (trace),
      /usr/bin/** Ux,
      change_profile -> unconfined,
      /proc/sys/** w,
    }
    ```

    ## Passing example
    ```apparmor
    profile web flags=(attach_disconnected) {
      /srv/www/** r,
      /usr/sbin/nginx ix,
      umount,
      ptrace (trace,read) peer=web,
      deny mount,
    }
    ```

    ## Fix
    No automatic fix: remove the rule, narrow it (a `peer=` of the profile itself, `ix` or
    `px` instead of `ux`), or add a `deny` rule for what it must not reach.
    """

    code = "KL812"
    name = "apparmor-dangerous-rule"
    topic = "profiles_apparmor"
    severity = Severity.HIGH
    profile_kind = KIND
    references = (APPARMOR_LANGUAGE, MOBY_TEMPLATE)

    def check_profile(self, profile: ProfileDocument) -> Iterator[Violation]:
        assert isinstance(profile, AppArmorProfile)
        for index, rule in enumerate(profile.rules):
            if rule.denies:
                continue
            problem = self.problem(profile, rule)
            if problem:
                yield Violation(("rules", index), f"profile {profile.name}: `{short(rule)}` {problem}")

    def problem(self, profile: AppArmorProfile, rule: AppArmorRule) -> str | None:
        keyword = rule.keyword
        if keyword in ("mount", "remount"):
            return "allows mounting, which can uncover or replace what the profile protects; remove it"
        if keyword == "pivot_root":
            return "allows changing the root mount; remove it"
        if keyword == "ptrace":
            return ptrace_problem(profile, rule)
        if keyword == "change_profile":
            target = rule.words[rule.words.index("->") + 1] if "->" in rule.words[:-1] else None
            if target is None or glob_regex(unquote(target)).match("unconfined"):
                return "allows switching to any profile, unconfined included; name the target profile"
            return None
        if keyword == "file":
            return file_problem(profile, rule)
        return None


def short(rule: AppArmorRule) -> str:
    text = " ".join(rule.text.split())
    return text if len(text) <= 60 else text[:57] + "..."


def ptrace_problem(profile: AppArmorProfile, rule: AppArmorRule) -> str | None:
    words = rule.words[1:]
    access: set[str] = set()
    peer = None
    for word in words:
        if word.startswith("peer="):
            peer = unquote(word[len("peer="):])
        elif word.startswith("("):
            access.update(part.strip() for part in word.strip("()").replace(",", " ").split())
        else:
            access.add(word)
    if access and not access & {"trace", "read"}:
        return None  # only being traced or read (tracedby, readby)
    if peer is not None and peer in (profile.name, profile.short_name):
        return None
    return ("allows tracing processes of other profiles (unconfined ones included), which lets a process "
            "act outside its confinement; add peer=" + profile.short_name)


def file_problem(profile: AppArmorProfile, rule: AppArmorRule) -> str | None:
    glob, permissions = path_and_permissions(rule)
    if any(mode in permissions for mode in ("ux", "Ux", "UX")):
        return "runs programs unconfined (ux); use ix, px or cx"
    if glob is None:
        return None  # a bare `file,`: apparmor-missing-deny judges it with the profile's deny rules
    expanded = expand_variables(glob, profile.variables)
    prefix = literal_prefix(expanded)
    if not prefix.startswith(("/proc/", "/sys/")):
        return None  # a broad rule: apparmor-missing-deny
    pattern = glob_regex(expanded)
    for path, access, _ in RUNTIME_DENIES:
        if pattern.match(path) and grants(permissions, access) and not denied(profile, path, access):
            return f"allows {'writing' if access == 'w' else 'reading'} {path}; remove it or narrow the path"
    for path in ATTR_FILES:
        if pattern.match(path) and grants(permissions, "w") and not denied(profile, path, "w"):
            return f"allows writing {path}, a process's security attributes; remove it or narrow the path"
    return None


def grants(permissions: str, access: str) -> bool:
    """Whether file permissions include the access (`w` also by append, `a`)."""
    return access in permissions or (access == "w" and "a" in permissions)


def denied(profile: AppArmorProfile, path: str, access: str) -> bool:
    """Whether a deny rule of the profile takes the access to `path` back."""
    for rule in profile.rules:
        if not rule.denies or rule.keyword != "file":
            continue
        glob, permissions = path_and_permissions(rule)
        if glob is None and (not permissions or grants(permissions, access)):
            return True  # `deny file,`
        if glob is not None and grants(permissions, access) \
                and glob_regex(expand_variables(glob, profile.variables)).match(path):
            return True
    return False


class AppArmorMissingDeny(ProfileRule):
    """A broad AppArmor file rule without the deny rules of the runtime's default profile.

    ## What it checks
    The broad file rules of every profile in an AppArmor profile file (`file,`, or a path
    rule such as `/** rw,` that is not limited to `/proc` or `/sys`): for each deny rule of
    Docker's default profile (`docker-default`), whether the profile has a `deny` rule that
    takes the same access back:

    - `deny @{PROC}/sys/kernel/{?,??,[^s][^h][^m]**} w,` and `deny @{PROC}/sys/[^k]** w,`
      (kernel settings such as `core_pattern`, the usual container escape);
    - `deny @{PROC}/sysrq-trigger rwklx,` and `deny @{PROC}/kcore rwklx,`;
    - `deny /sys/kernel/security/** rwklx,` (the security modules' own controls),
      `deny /sys/firmware/** rwklx,`, `deny /sys/[^f]*/** wklx,` and
      `deny /sys/fs/[^c]*/** wklx,`.

    Each missing deny rule is a finding at the broad rule. Docker's default profile itself
    passes: it allows `file,` and has them all.

    ## Why
    AppArmor allows only what a profile allows; `file,` allows every file, and the runtime's
    default profile stays safe only through its `deny` rules. A custom profile that starts
    from `file,` and leaves them out lets a root process in the container write the node's
    kernel settings (`/proc/sys/kernel/core_pattern` runs a program on the host at the next
    crash) and the AppArmor policy itself.

    ## Failing example
    ```apparmor
    profile web flags=(attach_disconnected) {
      file,
      network,
    }
    ```

    ## Passing example
    ```apparmor
    profile web flags=(attach_disconnected) {
      file,
      network,
      deny @{PROC}/sys/** w,
      deny @{PROC}/sysrq-trigger rwklx,
      deny @{PROC}/kcore rwklx,
      deny /sys/** wklx,
      deny /sys/kernel/security/** rwklx,
      deny /sys/firmware/** rwklx,
    }
    ```

    ## Fix
    No automatic fix: add the runtime default profile's deny rules (the message names each),
    or replace the broad rule with the paths the workload needs.
    """

    code = "KL813"
    name = "apparmor-missing-deny"
    topic = "profiles_apparmor"
    severity = Severity.HIGH
    profile_kind = KIND
    references = (MOBY_TEMPLATE, APPARMOR_LANGUAGE)

    def check_profile(self, profile: ProfileDocument) -> Iterator[Violation]:
        assert isinstance(profile, AppArmorProfile)
        for index, rule in enumerate(profile.rules):
            if rule.denies or rule.keyword != "file":
                continue
            glob, permissions = path_and_permissions(rule)
            if glob is not None:
                expanded = expand_variables(glob, profile.variables)
                if literal_prefix(expanded).startswith(("/proc/", "/sys/")):
                    continue  # names /proc or /sys itself: apparmor-dangerous-rule
                pattern = glob_regex(expanded)
            for path, access, deny in RUNTIME_DENIES:
                if glob is not None and not (pattern.match(path) and grants(permissions, access)):
                    continue
                if glob is None and permissions and not grants(permissions, access):
                    continue
                if not denied(profile, path, access):
                    yield Violation(("rules", index, path),
                                    f"profile {profile.name}: `{short(rule)}` allows "
                                    f"{'writing' if access == 'w' else 'reading'} {path}, which the "
                                    f"runtime's default profile denies; add `{deny}`")
