"""Which documents are profiles, recognised by content wherever they are met."""

from __future__ import annotations

from klint.document import Document
from klint.profiles import ProfileDocument
from klint.profiles.apparmor import APPARMOR_SUFFIX, looks_like_apparmor, parse
from klint.profiles.seccomp import SeccompProfile, is_seccomp_profile
from klint.source import Source


def document_profile(document: Document) -> ProfileDocument | None:
    """The profile a parsed YAML/JSON document is, if any (it is then not a Kubernetes object)."""
    if is_seccomp_profile(document.data):
        return SeccompProfile(document)
    return None


def apparmor_profiles(source: Source) -> list[ProfileDocument] | None:
    """The profiles of an AppArmor profile file (recognised by a profile header at the start of a
    line), or None for any other text; AppArmorSyntaxError at its first syntax error. A `*.apparmor`
    file without a profile (an abstraction, tunables) has none."""
    if not looks_like_apparmor(source.text):
        return [] if source.path.lower().endswith(APPARMOR_SUFFIX) else None
    return list(parse(source))
