"""The rule catalogue: one module per topic. Importing this package registers every rule."""

from klint.rules import (
    capabilities,
    confinement,
    host,
    identity,
    input,
    objects,
    privileges,
    profiles_apparmor,
    profiles_references,
    profiles_seccomp,
    serviceaccounts,
    volumes,
)

__all__ = ["capabilities", "confinement", "host", "identity", "input", "objects", "privileges",
           "profiles_apparmor", "profiles_references", "profiles_seccomp", "serviceaccounts", "volumes"]
