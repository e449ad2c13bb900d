"""Kernel confinement: seccomp, AppArmor, SELinux, the /proc mount and sysctls, a module each.

Each Pod Security Standards rule follows its upstream Pod Security Admission check
(kubernetes/kubernetes, staging/src/k8s.io/pod-security-admission/policy/check_*.go), version by
version: `self.pss_version` is the `--pss-version` being evaluated.
"""

from klint.rules.confinement import apparmor, procmount, seccomp, selinux, sysctls

__all__ = ["apparmor", "procmount", "seccomp", "selinux", "sysctls"]
