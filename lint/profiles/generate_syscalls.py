"""Regenerate `syscalls.json`, the system-call names klint knows per architecture.

The names come from libseccomp, the library container runtimes (runc, crun) resolve a seccomp
profile's names with: its header `seccomp-syscalls.h` (Debian package `libseccomp-dev`) lists every
name it knows, and its shared library (`libseccomp2`) says on which architectures each name is a
real system call. The shipped table was made from Debian 13's libseccomp 2.6.0-2:

    apt-get download libseccomp2 libseccomp-dev   # from Debian 13 (trixie)
    for deb in *.deb; do dpkg-deb -x "$deb" x; done
    python -m klint.profiles.generate_syscalls x/usr/lib/x86_64-linux-gnu/libseccomp.so.2 \\
        x/usr/include/seccomp-syscalls.h > lint/profiles/syscalls.json

Nothing here runs when klint lints: it reads only the shipped table.
"""

from __future__ import annotations

import ctypes
import json
import re
import sys

# libseccomp's architecture names (seccomp_arch_resolve_name), as SCMP_ARCH_* spells them in lower case.
ARCHITECTURES = ("x86", "x86_64", "x32", "arm", "aarch64", "loongarch64", "m68k", "mips", "mipsel",
                 "mips64", "mipsel64", "mips64n32", "mipsel64n32", "parisc", "parisc64", "ppc", "ppc64",
                 "ppc64le", "s390", "s390x", "riscv64", "sh", "sheb")


def generate(library: str, header: str) -> dict[str, object]:
    seccomp = ctypes.CDLL(library)
    seccomp.seccomp_arch_resolve_name.argtypes = [ctypes.c_char_p]
    seccomp.seccomp_arch_resolve_name.restype = ctypes.c_uint32
    seccomp.seccomp_syscall_resolve_name_arch.argtypes = [ctypes.c_uint32, ctypes.c_char_p]
    seccomp.seccomp_syscall_resolve_name_arch.restype = ctypes.c_int
    version = seccomp.seccomp_version
    version.restype = ctypes.POINTER(ctypes.c_uint * 3)
    major, minor, micro = version().contents
    with open(header, encoding="utf-8") as handle:
        names = sorted(set(re.findall(r"^#define __SNR_(\w+)\s", handle.read(), re.M)))
    table: dict[str, list[str]] = {}
    for arch in ARCHITECTURES:
        token = seccomp.seccomp_arch_resolve_name(arch.encode())
        if token == 0:
            raise SystemExit(f"libseccomp does not know architecture {arch}")
        # A name that is not a system call of the architecture resolves to a negative pseudo-number.
        table[arch] = [name for name in names
                       if seccomp.seccomp_syscall_resolve_name_arch(token, name.encode()) >= 0]
    return {"source": f"libseccomp {major}.{minor}.{micro} (seccomp-syscalls.h and libseccomp.so)",
            "names": names, "architectures": table}


def main() -> None:
    if len(sys.argv) != 3:
        raise SystemExit("usage: python -m klint.profiles.generate_syscalls LIBSECCOMP_SO SECCOMP_SYSCALLS_H")
    table = generate(sys.argv[1], sys.argv[2])
    # one line per list, so that a new libseccomp's additions show as changed lines of their architectures
    architectures = table["architectures"]
    assert isinstance(architectures, dict)
    lines = [f'  "source": {json.dumps(table["source"])},', f'  "names": {json.dumps(table["names"])},',
             '  "architectures": {',
             ",\n".join(f"    {json.dumps(arch)}: {json.dumps(names)}"
                        for arch, names in architectures.items()),
             "  }"]
    sys.stdout.write("{\n" + "\n".join(lines) + "\n}\n")


if __name__ == "__main__":
    main()
