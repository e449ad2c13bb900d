"""Seccomp profile files (the OCI/Docker JSON format), wherever they are met: whether the runtimes can
load them, whether their system-call names exist, and whether they confine what the runtimes' default
profile confines. Docker's default profile (moby/profiles) is the reference of a safe profile: it
gives no finding."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from typing import Any

from klint.document import FieldPath
from klint.k8s import as_list
from klint.profiles import ProfileDocument, ProfileRule
from klint.profiles.seccomp import (
    ACTIONS,
    ALLOWING_ACTIONS,
    ARCHITECTURES,
    ARG_KEYS,
    CAPABILITIES,
    ERRNO_ACTIONS,
    FILTER_KEYS,
    FLAGS,
    KIND,
    OPERATORS,
    RULE_ARCHES,
    RULE_KEYS,
    SeccompProfile,
    SyscallRule,
    is_seccomp_profile,
    parse_kernel_version,
    syscall_table,
)
from klint.rule import Severity, Violation
from klint.rules.common import yaml_scalar

SECCOMP_SPEC = "https://github.com/opencontainers/runtime-spec/blob/main/config-linux.md#seccomp"
MOBY_PROFILES = "https://github.com/moby/profiles/blob/main/seccomp/default.json"
SECCOMP_DOC = "https://kubernetes.io/docs/tutorials/security/seccomp/"

# What allowing each system call risks; the runtimes' default profile blocks them all (or allows them
# only to a container granted the capability that they need anyway).
DANGEROUS_SYSCALLS = {
    "mount": "mounts file systems: over the container's own paths, or the host's through a bind",
    "umount": "unmounts file systems, uncovering what the runtime masked (/proc/kcore, ...)",
    "umount2": "unmounts file systems, uncovering what the runtime masked (/proc/kcore, ...)",
    "fsopen": "the new mount API: the same powers as mount",
    "fsmount": "the new mount API: the same powers as mount",
    "fsconfig": "the new mount API: the same powers as mount",
    "fspick": "the new mount API: the same powers as mount",
    "move_mount": "the new mount API: the same powers as mount",
    "open_tree": "the new mount API: clones mount trees",
    "mount_setattr": "the new mount API: changes mount flags (read-only, nosuid)",
    "pivot_root": "changes the root mount, a step in many escapes",
    "unshare": "creates namespaces, user namespaces included: the entry to most kernel exploits of "
               "namespaced code (CVE-2022-0185, CVE-2024-1086)",
    "setns": "joins other namespaces, the host's if a file descriptor to one leaks in",
    "clone": "with namespace flags (CLONE_NEWUSER, ...), creates namespaces as unshare does",
    "clone3": "creates namespaces with flags seccomp cannot inspect (they sit in a struct); the default "
              "profile returns ENOSYS (errnoRet 38) so that the C library falls back to clone",
    "bpf": "loads eBPF programs: kernel memory reads, and a large kernel attack surface",
    "perf_event_open": "kernel profiling: information leaks and a history of kernel bugs",
    "kexec_load": "loads a new kernel to boot into",
    "kexec_file_load": "loads a new kernel to boot into",
    "init_module": "loads kernel modules: code in the kernel",
    "finit_module": "loads kernel modules: code in the kernel",
    "delete_module": "unloads kernel modules (security modules included)",
    "open_by_handle_at": "opens files by handle, outside the container's mounts: the Shocker escape",
    "keyctl": "the kernel keyring, not namespaced: reads other containers' keys, and kernel bugs",
    "add_key": "the kernel keyring, not namespaced: reads other containers' keys, and kernel bugs",
    "request_key": "the kernel keyring, not namespaced: reads other containers' keys, and kernel bugs",
    "userfaultfd": "pauses the kernel on page faults, the usual tool to win kernel race conditions",
    "swapon": "adds swap devices to the node",
    "swapoff": "removes the node's swap devices",
    "reboot": "reboots the node (or its PID namespace) and loads kexec kernels",
    "iopl": "raw I/O port access: the hardware, under the kernel",
    "ioperm": "raw I/O port access: the hardware, under the kernel",
    "clock_settime": "sets the node's clock, which is not namespaced: breaks TLS, tokens and logs",
    "clock_settime64": "sets the node's clock, which is not namespaced: breaks TLS, tokens and logs",
    "settimeofday": "sets the node's clock, which is not namespaced: breaks TLS, tokens and logs",
    "stime": "sets the node's clock, which is not namespaced: breaks TLS, tokens and logs",
    "io_uring_setup": "io_uring: a large kernel attack surface whose operations seccomp cannot filter",
    "io_uring_enter": "io_uring: a large kernel attack surface whose operations seccomp cannot filter",
    "io_uring_register": "io_uring: a large kernel attack surface whose operations seccomp cannot filter",
}
# An unprivileged process can create a user namespace, and then every other kind inside it: the flag
# that `clone`/`unshare` rules must keep out. The other CLONE_NEW* flags need CAP_SYS_ADMIN, which the
# kernel checks (and a container granted it is gated by `includes.caps`).
CLONE_NEWUSER = 0x10000000


REJECTS = "; the runtime rejects the profile"


def quoted(value: Any) -> str:
    return json.dumps(value) if isinstance(value, str) else yaml_scalar(value)


def did_you_mean(value: Any, choices: tuple[str, ...] | frozenset[str]) -> str:
    if not isinstance(value, str):
        return ""
    import difflib  # only for a misspelling: start-up time

    close = difflib.get_close_matches(value.upper() if value.upper() in choices else value, list(choices),
                                      n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


class SeccompProfileInvalid(ProfileRule):
    """A seccomp profile that the container runtime cannot load, or reads otherwise than it looks.

    ## What it checks
    Every seccomp profile file (JSON with `defaultAction` and `syscalls` or `architectures`,
    recognised by content wherever it is met), and the `spec` of every Security Profiles
    Operator `SeccompProfile` object (which all the seccomp rules check too), field by field,
    against what runc, crun and containerd accept (the OCI runtime specification and moby's
    profile format):

    - `defaultAction` and each rule's `action`: one of `SCMP_ACT_KILL`,
      `SCMP_ACT_KILL_PROCESS`, `SCMP_ACT_KILL_THREAD`, `SCMP_ACT_TRAP`, `SCMP_ACT_ERRNO`,
      `SCMP_ACT_TRACE`, `SCMP_ACT_ALLOW`, `SCMP_ACT_LOG`, `SCMP_ACT_NOTIFY`;
    - `defaultErrnoRet` and `errnoRet`: a non-negative integer, with an `SCMP_ACT_ERRNO` or
      `SCMP_ACT_TRACE` action only;
    - `architectures`, and `archMap` entries' `architecture` and `subArchitectures`: the
      `SCMP_ARCH_*` names libseccomp knows;
    - `flags`: the `SECCOMP_FILTER_FLAG_*` names of the specification;
    - each rule: a non-empty `names` list of strings (or the old format's `name`), `args`
      with an `index` from 0 to 5, integer `value`/`valueTwo` and an `SCMP_CMP_*` `op`;
    - `includes`/`excludes`: `arches` as the runtimes name a node's architecture (`amd64`,
      `arm64`, `s390x`, ...), `caps` as `CAP_*` names, `minKernel` as `MAJOR.MINOR`;
    - keys the format does not have (a misspelt `architecture` is silently ignored), and keys
      written twice (the runtime reads the last).

    Each finding points at the value at fault, with a suggestion for a near miss.

    ## Why
    The runtime loads the profile when the container starts, on the node: an unknown action,
    architecture or operator makes the pod fail there (`CreateContainerError`) instead of at
    review, and a misspelt key or condition silently changes which rules apply.

    ## Failing example
    ```json
    {
      "defaultAction": "SCMP_ACT_ERRNO",
      "architectures": ["SCMP_ARCH_X86_64"],
      "syscalls": [
        {"names": ["read", "write"], "action": "SCMP_ACT_ALOW"}
      ]
    }
    ```

    ## Passing example
    ```json
    {
      "defaultAction": "SCMP_ACT_ERRNO",
      "architectures": ["SCMP_ARCH_X86_64"],
      "syscalls": [
        {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"}
      ]
    }
    ```

    ## Fix
    No automatic fix: correct the value (the message suggests the closest valid one).
    """

    code = "KL801"
    name = "seccomp-profile-invalid"
    topic = "profiles_seccomp"
    severity = Severity.HIGH
    profile_kind = KIND
    references = (SECCOMP_SPEC, MOBY_PROFILES)

    def check_profile(self, profile: ProfileDocument) -> Iterator[Violation]:
        assert isinstance(profile, SeccompProfile)
        yield from profile_problems(profile)


def profile_problems(profile: SeccompProfile) -> Iterator[Violation]:
    """Why the runtimes cannot load the profile as written (also used to judge a Localhost profile)."""
    data = profile.data
    for duplicate in profile.duplicate_keys() if not profile.prefix else ():  # an object's: duplicate-key
        yield Violation(duplicate, f"key {quoted(duplicate[-1])} is written twice; the runtime reads only "
                                   "the last")
    yield from unknown_keys(data, (), profile.keys, "profile")
    default = data.get("defaultAction")
    yield from action_problems(default, ("defaultAction",), "defaultAction")
    yield from errno_problems(data, "defaultErrnoRet", default, ())
    yield from name_list(data, ("architectures",), ARCHITECTURES, "architecture")
    yield from name_list(data, ("flags",), FLAGS, "seccomp flag")
    archmap = data.get("archMap")
    if archmap is not None and not isinstance(archmap, list):
        yield rejected(("archMap",), "archMap must be a list of {architecture, subArchitectures}")
    for index, entry in enumerate(as_list(archmap)):
        path: FieldPath = ("archMap", index)
        if not isinstance(entry, dict):
            yield rejected(path, "an archMap entry must be an object {architecture, subArchitectures}")
            continue
        yield from unknown_keys(entry, path, ("architecture", "subArchitectures"), "archMap entry")
        arch = entry.get("architecture")
        if arch not in ARCHITECTURES:
            yield rejected((*path, "architecture") if "architecture" in entry else path,
                           f"unknown architecture {quoted(arch)}{did_you_mean(arch, ARCHITECTURES)}")
        yield from name_list(entry, (*path, "subArchitectures"), ARCHITECTURES, "architecture")
    for key in ("listenerPath", "listenerMetadata"):
        if key in data and not isinstance(data[key], str):
            yield rejected((key,), f"{key} must be a string")
    syscalls = data.get("syscalls")
    if syscalls is not None and not isinstance(syscalls, list):
        yield rejected(("syscalls",), "syscalls must be a list of rules")
    for index, entry in enumerate(as_list(syscalls)):
        if not isinstance(entry, dict):
            yield rejected(("syscalls", index), "a syscalls entry must be an object with names and action")
            continue
        yield from rule_problems(SyscallRule(("syscalls", index), entry))


def rejected(path: FieldPath, problem: str) -> Violation:
    """A problem that makes the runtime refuse the profile (and the container not start)."""
    return Violation(path, problem + REJECTS)


def unknown_keys(data: dict[str, Any], path: FieldPath, known: tuple[str, ...],
                 what: str) -> Iterator[Violation]:
    for key in data:
        if key not in known:
            close = did_you_mean(key, known)
            yield Violation((*path, key), f"unknown {what} key {quoted(key)}{close}; the runtime ignores it")


def action_problems(action: Any, path: FieldPath, what: str) -> Iterator[Violation]:
    if action not in ACTIONS:
        hint = did_you_mean(action, ACTIONS)
        yield rejected(path, f"unknown seccomp action {quoted(action)} in {what}{hint}")


def errno_problems(data: dict[str, Any], key: str, action: Any, path: FieldPath) -> Iterator[Violation]:
    if key not in data:
        return
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**32:
        yield rejected((*path, key), f"{key} must be a non-negative integer (an errno), not {quoted(value)}")
    elif action in ACTIONS and action not in ERRNO_ACTIONS:
        yield rejected((*path, key), f"{key} applies only to SCMP_ACT_ERRNO and SCMP_ACT_TRACE, not {action}")


def name_list(data: dict[str, Any], path: FieldPath, known: tuple[str, ...], what: str,
              effect: str = REJECTS[2:]) -> Iterator[Violation]:
    """A list of names from `known` at `path` (absent or null: nothing to check); `effect` says what an
    unknown name does."""
    value = data.get(str(path[-1]))
    if value is None:
        return
    if not isinstance(value, list):
        yield rejected(path, f"{path[-1]} must be a list of {what} names")
        return
    for index, item in enumerate(value):
        if not isinstance(item, str):
            yield rejected((*path, index), f"{what} names are strings, not {quoted(item)}")
        elif item not in known:
            yield Violation((*path, index), f"unknown {what} {quoted(item)}{did_you_mean(item, known)}; "
                                            f"{effect}")


def rule_problems(rule: SyscallRule) -> Iterator[Violation]:
    data, path = rule.data, rule.path
    yield from unknown_keys(data, path, RULE_KEYS, "syscalls rule")
    names = data.get("names")
    if "names" in data and not (isinstance(names, list) and names):
        yield rejected((*path, "names"), "names must be a non-empty list of system-call names")
    elif "names" not in data and "name" not in data:
        yield rejected(path, "a syscalls rule needs names (or name, in the old format)")
    if data.get("names") and data.get("name"):
        yield rejected((*path, "name"), "a syscalls rule has either names or name (the old format), not both")
    for name_path, name in rule.names():
        if not isinstance(name, str) or not name:
            yield rejected(name_path, f"a system-call name must be a non-empty string, not {quoted(name)}")
    yield from action_problems(data.get("action"), (*path, "action") if "action" in data else path,
                               "a syscalls rule")
    yield from errno_problems(data, "errnoRet", data.get("action"), path)
    args = data.get("args")
    if args is not None and not isinstance(args, list):
        yield rejected((*path, "args"), "args must be a list of {index, value, valueTwo, op}")
    for index, arg in enumerate(as_list(args)):
        arg_path = (*path, "args", index)
        if not isinstance(arg, dict):
            yield rejected(arg_path, "an argument condition must be an object {index, value, valueTwo, op}")
            continue
        yield from unknown_keys(arg, arg_path, ARG_KEYS, "argument")
        position = arg.get("index")
        if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position <= 5:
            yield rejected((*arg_path, "index") if "index" in arg else arg_path,
                           f"argument index must be 0 to 5, not {quoted(position)}")
        for key in ("value", "valueTwo"):
            value = arg.get(key)
            if key in arg and (isinstance(value, bool) or not isinstance(value, int)
                               or not 0 <= value < 2**64):
                yield rejected((*arg_path, key),
                               f"{key} must be an unsigned 64-bit integer, not {quoted(value)}")
        op = arg.get("op")
        if op not in OPERATORS:
            yield rejected((*arg_path, "op") if "op" in arg else arg_path,
                           f"unknown comparison {quoted(op)}{did_you_mean(op, OPERATORS)}")
    for key in ("includes", "excludes"):
        if key not in data:
            continue
        condition = data[key]
        if not isinstance(condition, dict):
            yield rejected((*path, key), f"{key} must be an object {{arches, caps, minKernel}}")
            continue
        yield from unknown_keys(condition, (*path, key), FILTER_KEYS, key)
        effect = "the rule never applies" if key == "includes" else "the rule is never excluded by it"
        yield from name_list(condition, (*path, key, "arches"), RULE_ARCHES, "architecture", effect)
        yield from name_list(condition, (*path, key, "caps"), tuple(sorted(CAPABILITIES)), "capability",
                             effect)
        if "minKernel" in condition and parse_kernel_version(condition["minKernel"]) is None:
            yield rejected((*path, key, "minKernel"), f"minKernel must be a kernel version such as \"4.8\", "
                                                      f"not {quoted(condition['minKernel'])}")


class SeccompUnknownSyscall(ProfileRule):
    """A seccomp profile names a system call that does not exist (a typo).

    ## What it checks
    Every system-call name in a seccomp profile's rules (`names`, or the old format's `name`):
    it must be a system call of at least one architecture that libseccomp knows. The table
    ships with klint (libseccomp 2.6.0, from its header and library; see
    `lint/profiles/generate_syscalls.py`), so nothing is looked up at run time. A name that
    exists on some architecture but not on the profile's (`chown32` in an x86-64 profile) is
    not reported: the runtime skips it there, and shared profiles list them on purpose.

    The message suggests the closest known name ("did you mean").

    ## Why
    The runtimes skip a name libseccomp cannot resolve, without an error: a misspelt name in
    an allow-list leaves the call blocked (the workload fails at run time with `EPERM`), and in
    a deny rule it leaves the call open.

    ## Failing example
    ```json
    {
      "defaultAction": "SCMP_ACT_ERRNO",
      "syscalls": [
        {"names": ["read", "wirte", "exit_group"], "action": "SCMP_ACT_ALLOW"}
      ]
    }
    ```

    ## Passing example
    ```json
    {
      "defaultAction": "SCMP_ACT_ERRNO",
      "syscalls": [
        {"names": ["read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW"}
      ]
    }
    ```

    ## Fix
    No automatic fix: correct the name (the message suggests the closest one).
    """

    code = "KL802"
    name = "seccomp-unknown-syscall"
    topic = "profiles_seccomp"
    severity = Severity.MEDIUM
    profile_kind = KIND
    references = (SECCOMP_SPEC, "https://github.com/seccomp/libseccomp")

    def check_profile(self, profile: ProfileDocument) -> Iterator[Violation]:
        assert isinstance(profile, SeccompProfile)
        table = syscall_table()
        for rule in profile.rules():
            for path, name in rule.names():
                if not isinstance(name, str) or not name or name in table.names:
                    continue
                close = table.suggestion(name)
                hint = f" (did you mean {close}?)" if close else ""
                yield Violation(path, f"unknown system call {quoted(name)}{hint}; the runtime skips it, so "
                                      f"this {rule_effect(rule.action)} does not apply to it")


def rule_effect(action: Any) -> str:
    return "allow" if action in ALLOWING_ACTIONS else "rule"


class SeccompDefaultAllow(ProfileRule):
    """A seccomp profile allows every system call it does not list (a deny-list or audit-only profile).

    ## What it checks
    A seccomp profile's `defaultAction`: `SCMP_ACT_ALLOW` (every call not listed is allowed:
    a deny-list) and `SCMP_ACT_LOG` (every call is allowed and logged: an audit profile) fail.
    Any action that refuses the call passes (`SCMP_ACT_ERRNO`, `SCMP_ACT_KILL_PROCESS`, ...).

    ## Why
    A deny-list only blocks the calls its author thought of: every system call added to the
    kernel since (and every alias of a listed one, `clone3` for `clone`, the new mount API for
    `mount`) is open. The runtimes' default profiles are allow-lists for that reason. A
    `SCMP_ACT_LOG` default is useful to record what a workload needs, not to run it.

    ## Failing example
    ```json
    {
      "defaultAction": "SCMP_ACT_ALLOW",
      "syscalls": [
        {"names": ["mount", "ptrace"], "action": "SCMP_ACT_ERRNO"}
      ]
    }
    ```

    ## Passing example
    ```json
    {
      "defaultAction": "SCMP_ACT_ERRNO",
      "syscalls": [
        {"names": ["read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW"}
      ]
    }
    ```

    ## Fix
    No automatic fix: list the calls the workload needs with `SCMP_ACT_ALLOW` (record them
    with the `SCMP_ACT_LOG` profile, or start from the runtime's default profile) and set
    `defaultAction` to `SCMP_ACT_ERRNO`.
    """

    code = "KL803"
    name = "seccomp-default-allow"
    topic = "profiles_seccomp"
    severity = Severity.HIGH
    profile_kind = KIND
    references = (SECCOMP_DOC, MOBY_PROFILES)

    def check_profile(self, profile: ProfileDocument) -> Iterator[Violation]:
        assert isinstance(profile, SeccompProfile)
        action = profile.data.get("defaultAction")
        advice = "; set it to SCMP_ACT_ERRNO and allow what the workload needs"
        if action == "SCMP_ACT_ALLOW":
            yield Violation(("defaultAction",), "defaultAction SCMP_ACT_ALLOW allows every system call the "
                                                f"profile does not list (a deny-list){advice}")
        elif action == "SCMP_ACT_LOG":
            yield Violation(("defaultAction",), "defaultAction SCMP_ACT_LOG allows (and only logs) every "
                                                f"system call the profile does not list{advice}")


class SeccompDangerousSyscall(ProfileRule):
    """A seccomp profile allows a system call that the runtimes' default profile blocks.

    ## What it checks
    The rules of an allow-list profile (its `defaultAction` refuses calls) whose action lets
    the call run (`SCMP_ACT_ALLOW`, `SCMP_ACT_LOG`), for the system calls the runtimes'
    default profile blocks. Conditions are read as the runtimes read them:

    - a rule that `includes` capabilities applies only to a container granted them, as the
      default profile allows `mount` with `CAP_SYS_ADMIN`: it passes (granting the capability
      is the finding, of `dangerous-capabilities`); `excludes` and `arches` conditions do not
      make a rule safe;
    - `clone` and `unshare` pass when the rule's `args` keep `CLONE_NEWUSER` out of the flags
      argument (an `SCMP_CMP_MASKED_EQ` with the bit in the mask and not in the value, as the
      default profile's mask of every `CLONE_NEW*` flag, or an `SCMP_CMP_EQ` to flags without
      it): an unprivileged process can create a user namespace, and every other kind inside
      it, while the other flags alone need `CAP_SYS_ADMIN`, which the kernel checks.

    `ptrace` is not reported: the default profile allows it from Linux 4.8 (`minKernel`),
    where a tracer can no longer change a call after seccomp checked it, and a container's
    processes can trace only each other.

    With a deny-list default (`SCMP_ACT_ALLOW`, `SCMP_ACT_LOG`) every call is open and the
    finding is `seccomp-default-allow`'s. The option `runtime-default` (a path to your
    runtime's default profile) compares with that profile instead of the built-in list: a
    call it allows freely passes, one it allows only with `args` passes when the rule has
    `args` too, and any other allowed call fails.

    The calls, and what allowing each risks:

    - `mount`, `umount`, `umount2` and the new mount API (`fsopen`, `fsmount`, `fsconfig`,
      `fspick`, `move_mount`, `open_tree`, `mount_setattr`): mounts over the container's
      paths or the host's, and uncovers what the runtime masked (`/proc/kcore`, ...);
    - `pivot_root`: changes the root mount, a step in many escapes;
    - `unshare`, `clone` with `CLONE_NEWUSER`, `clone3`: creates user namespaces, the entry
      to most exploits of namespaced kernel code (CVE-2022-0185, CVE-2024-1086); `clone3`'s
      flags sit in a struct seccomp cannot inspect (the default profile makes it fail with
      `ENOSYS`, errnoRet 38, so that the C library falls back to `clone`);
    - `setns`: joins other namespaces, the host's if a file descriptor to one leaks in;
    - `bpf`, `perf_event_open`: kernel memory reads and a large kernel attack surface;
    - `kexec_load`, `kexec_file_load`, `reboot`: boots another kernel, reboots the node;
    - `init_module`, `finit_module`, `delete_module`: loads or unloads kernel code;
    - `open_by_handle_at`: opens host files outside the container's mounts (the Shocker
      escape);
    - `keyctl`, `add_key`, `request_key`: the kernel keyring, which is not namespaced;
    - `userfaultfd`: the usual tool to win kernel race conditions;
    - `swapon`, `swapoff`: changes the node's swap;
    - `iopl`, `ioperm`: raw I/O port access to the hardware;
    - `clock_settime`, `clock_settime64`, `settimeofday`, `stime`: sets the node's clock,
      which is not namespaced (TLS, tokens and logs depend on it);
    - `io_uring_setup`, `io_uring_enter`, `io_uring_register`: a large kernel attack surface
      whose operations seccomp cannot filter.

    ## Why
    A `Localhost` profile replaces the runtime's default one: each call above that it allows
    is kernel attack surface or a container-escape step that `RuntimeDefault` would have
    closed. Profiles recorded from a workload, or copied from a tutorial, often allow them by
    accident.

    ## Failing example
    ```json
    {
      "defaultAction": "SCMP_ACT_ERRNO",
      "syscalls": [
        {"names": ["read", "write", "mount", "unshare"], "action": "SCMP_ACT_ALLOW"}
      ]
    }
    ```

    ## Passing example
    ```json
    {
      "defaultAction": "SCMP_ACT_ERRNO",
      "syscalls": [
        {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
        {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
        {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
         "args": [{"index": 0, "value": 2114060288, "op": "SCMP_CMP_MASKED_EQ"}]}
      ]
    }
    ```

    ## Fix
    No automatic fix: remove the call from the allow rule, or make the rule conditional as
    the default profile does (`includes.caps`, `args`).
    """

    code = "KL804"
    name = "seccomp-dangerous-syscall"
    topic = "profiles_seccomp"
    severity = Severity.HIGH
    profile_kind = KIND
    references = (MOBY_PROFILES, "https://docs.docker.com/engine/security/seccomp/")
    options = {"runtime-default": ""}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        path = self.config["runtime-default"]
        self.runtime = runtime_allowances(path) if path else None  # ValueError: a usage error

    def check_profile(self, profile: ProfileDocument) -> Iterator[Violation]:
        assert isinstance(profile, SeccompProfile)
        if profile.data.get("defaultAction") in ALLOWING_ACTIONS:
            return
        for rule in profile.rules():
            if rule.action not in ALLOWING_ACTIONS or as_list(rule.includes.get("caps")):
                continue
            for path, name in rule.names():
                if isinstance(name, str) and self.blocked(rule, name):
                    risk = f": {DANGEROUS_SYSCALLS[name]}" if name in DANGEROUS_SYSCALLS else ""
                    default = (f"the runtime default profile {self.config['runtime-default']}"
                               if self.runtime is not None else "the runtime's default profile")
                    yield Violation(path, f"allows {name}, which {default} blocks{risk}")

    def blocked(self, rule: SyscallRule, name: str) -> bool:
        """Whether the runtime's default profile blocks `name` where `rule` allows it."""
        if self.runtime is not None:
            free, with_args = self.runtime
            return not (name in free or (name in with_args and rule.args()))
        if name not in DANGEROUS_SYSCALLS:
            return False
        return not (name in ("clone", "unshare") and keeps_namespaces_out(rule, name))


def keeps_namespaces_out(rule: SyscallRule, name: str) -> bool:
    """Whether the rule's argument conditions keep CLONE_NEWUSER out of clone/unshare's flags:
    argument 0 (argument 1 in s390's clone, for a rule that only applies there)."""
    flags = CLONE_NEWUSER
    arches = as_list(rule.includes.get("arches"))
    index = 1 if name == "clone" and arches and set(arches) <= {"s390", "s390x"} else 0
    for arg in rule.args():
        if arg.get("index") != index:
            continue
        value, second = arg.get("value", 0), arg.get("valueTwo", 0)
        if not isinstance(value, int) or not isinstance(second, int):
            continue
        if arg.get("op") == "SCMP_CMP_MASKED_EQ" and value & flags == flags and second & flags == 0:
            return True
        if arg.get("op") == "SCMP_CMP_EQ" and value & flags == 0:
            return True
    return False


@cache
def runtime_allowances(path: str) -> tuple[frozenset[str], frozenset[str]]:
    """What a runtime's default profile allows without a capability: freely, and only with `args`."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError) as err:
        raise ValueError(f"cannot read the runtime default profile {path}: {err}") from None
    if not is_seccomp_profile(data):
        raise ValueError(f"{path} is not a seccomp profile (no defaultAction and syscalls)")
    free: set[str] = set()
    with_args: set[str] = set()
    for entry in as_list(data.get("syscalls")):
        rule = SyscallRule((), entry) if isinstance(entry, dict) else None
        if rule is None or rule.action not in ALLOWING_ACTIONS or as_list(rule.includes.get("caps")):
            continue
        names = {name for _, name in rule.names() if isinstance(name, str)}
        (with_args if rule.args() else free).update(names)
    return frozenset(free), frozenset(with_args - free)
