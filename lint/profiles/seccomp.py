"""Seccomp profiles in the OCI/Docker JSON format (moby/profiles `seccomp.Seccomp`, as runc, crun and
containerd read them): recognition, the values each field may take, and the system-call table.

A profile is recognised by content: a JSON object (any document of a stream) with `defaultAction` and
`syscalls` or `architectures`. Both formats are read: `names` lists (current) and one `name` per rule
(old). Positions come from the document's source map, so that a finding sits at the exact key.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from klint.document import Document, FieldPath
from klint.k8s import K8sObject, ObjectRef, as_dict, as_list
from klint.profiles import ProfileDocument
from klint.source import Span

KIND = "seccomp-profile"

ACTIONS = ("SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
           "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY")
ERRNO_ACTIONS = ("SCMP_ACT_ERRNO", "SCMP_ACT_TRACE")  # the actions errnoRet applies to
ALLOWING_ACTIONS = ("SCMP_ACT_ALLOW", "SCMP_ACT_LOG")  # the call runs (LOG only logs it)
ARCHITECTURES = ("SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64",
                 "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPSEL",
                 "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL64N32",
                 "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
                 "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_RISCV64",
                 "SCMP_ARCH_SH", "SCMP_ARCH_SHEB")
FLAGS = ("SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
         "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV")
OPERATORS = ("SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
             "SCMP_CMP_MASKED_EQ")
# `includes.arches`/`excludes.arches` name the node's architecture as moby and containerd spell it
# (Go's GOARCH, mapped: 386 -> x86, mips64le -> mipsel64, ...).
RULE_ARCHES = ("386", "x86", "amd64", "x32", "arm", "arm64", "loong64", "loongarch64", "mips", "mipsle",
               "mips64", "mips64le", "mips64n32", "mipsel64", "mipsel64n32", "mips3l64n32", "ppc", "ppc64",
               "ppc64le", "riscv64", "s390", "s390x")
CAPABILITIES = frozenset("CAP_" + name for name in (
    "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
    "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
    "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
    "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
    "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF",
    "CHECKPOINT_RESTORE"))
# containers/common (podman, CRI-O) profiles also name their errnos (`"defaultErrno": "ENOSYS"`,
# `"errno": "EPERM"`) beside the numbers, for readers: known keys, though runtimes read only the numbers.
TOP_LEVEL_KEYS = ("defaultAction", "defaultErrnoRet", "defaultErrno", "architectures", "archMap", "syscalls",
                  "flags", "listenerPath", "listenerMetadata")
OPERATOR_API = "security-profiles-operator.x-k8s.io"
OPERATOR_KEYS = ("baseProfileName", "disabled")  # what a SeccompProfile object's spec adds
RULE_KEYS = ("names", "name", "action", "errnoRet", "errno", "args", "comment", "includes", "excludes")
ARG_KEYS = ("index", "value", "valueTwo", "op")
FILTER_KEYS = ("arches", "caps", "minKernel")


def operator_profile(obj: K8sObject) -> SeccompProfile | None:
    """A Security Profiles Operator SeccompProfile object's profile (its `spec`)."""
    if obj.kind == "SeccompProfile" and obj.ref.api_version.startswith(OPERATOR_API + "/") \
            and isinstance(obj.data.get("spec"), dict):
        return SeccompProfile(obj.document, obj)
    return None


def is_seccomp_profile(data: Any) -> bool:
    return (isinstance(data, dict) and "defaultAction" in data
            and ("syscalls" in data or "architectures" in data))


@dataclass(frozen=True)
class SyscallRule:
    """One entry of `syscalls`, at `path`."""

    path: FieldPath
    data: dict[str, Any]

    @property
    def action(self) -> Any:
        return self.data.get("action")

    def names(self) -> Iterator[tuple[FieldPath, Any]]:
        """Each system-call name with its path (`names` list, or the old format's `name`)."""
        if isinstance(self.data.get("names"), list):
            for index, name in enumerate(self.data["names"]):
                yield (*self.path, "names", index), name
        if "name" in self.data:
            yield (*self.path, "name"), self.data["name"]

    @property
    def includes(self) -> dict[str, Any]:
        return as_dict(self.data.get("includes"))

    @property
    def excludes(self) -> dict[str, Any]:
        return as_dict(self.data.get("excludes"))

    def args(self) -> list[dict[str, Any]]:
        return [arg for arg in as_list(self.data.get("args")) if isinstance(arg, dict)]


class SeccompProfile(ProfileDocument):
    """A profile file's document, or the `spec` of a Security Profiles Operator SeccompProfile object
    (`base` is where the profile sits in the document, `prefix` where in the object)."""

    kind = KIND

    def __init__(self, document: Document, obj: K8sObject | None = None) -> None:
        self.document = document
        self.source = document.source
        self.template = document.template
        if obj is None:
            self.data: dict[str, Any] = document.data
            self.ref = ObjectRef("", KIND, os.path.basename(self.source.path), None, document.index)
            self.prefix: FieldPath = ()
            self.keys: tuple[str, ...] = TOP_LEVEL_KEYS
        else:
            self.data = obj.data["spec"]
            self.ref = obj.ref
            self.prefix = ("spec",)
            self.keys = TOP_LEVEL_KEYS + OPERATOR_KEYS
        self.base: FieldPath = (*(obj.root if obj else ()), *self.prefix)

    def span(self, path: FieldPath) -> Span:
        return self.document.span((*self.base, *path))

    def field(self, path: FieldPath) -> FieldPath:
        return (*self.prefix, *path)

    def duplicate_keys(self) -> list[FieldPath]:
        """The keys written twice in the profile, relative to it."""
        base = self.base
        return [duplicate.path[len(base):] for duplicate in self.document.duplicate_keys
                if duplicate.path[:len(base)] == base and len(duplicate.path) > len(base)]

    def rules(self) -> Iterator[SyscallRule]:
        for index, entry in enumerate(as_list(self.data.get("syscalls"))):
            if isinstance(entry, dict):
                yield SyscallRule(("syscalls", index), entry)


@dataclass(frozen=True)
class SyscallTable:
    source: str
    names: frozenset[str]
    architectures: dict[str, frozenset[str]]  # libseccomp's name (x86_64) -> system calls

    def suggestion(self, name: str) -> str | None:
        """The known name closest to a misspelt one, if any is close."""
        lowered = name.strip().lower()
        if lowered in self.names:
            return lowered
        import difflib

        close = difflib.get_close_matches(lowered, self.names, n=1, cutoff=0.75)
        return close[0] if close else None


@cache
def syscall_table() -> SyscallTable:
    """The shipped table (made by `generate_syscalls.py`); read once, on first use."""
    with open(os.path.join(os.path.dirname(__file__), "syscalls.json"), encoding="utf-8") as handle:
        data = json.load(handle)
    return SyscallTable(data["source"], frozenset(data["names"]),
                        {arch: frozenset(names) for arch, names in data["architectures"].items()})


def parse_kernel_version(text: Any) -> tuple[int, ...] | None:
    """`minKernel` as moby parses it: `MAJOR.MINOR` or `MAJOR.MINOR.PATCH`."""
    if not isinstance(text, str):
        return None
    parts = text.split(".")
    if not 2 <= len(parts) <= 3 or not all(part.isdigit() for part in parts):
        return None
    return tuple(int(part) for part in parts)
