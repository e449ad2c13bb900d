"""The rule catalogue: one module per topic. Importing this package registers every rule."""

from klint.rules import (
    admission,
    capabilities,
    confinement,
    exposure,
    fields,
    host,
    identity,
    input,
    objects,
    permissions,
    privileges,
    profiles_apparmor,
    profiles_references,
    profiles_seccomp,
    serviceaccounts,
    suppressions,
    volumes,
)

__all__ = ["admission", "capabilities", "confinement", "exposure", "fields", "host", "identity", "input",
           "objects", "permissions", "privileges", "profiles_apparmor", "profiles_references",
           "profiles_seccomp", "serviceaccounts", "suppressions", "volumes"]
