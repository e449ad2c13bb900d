"""Which documents are profiles, recognised by content wherever they are met."""

from __future__ import annotations

from klint.document import Document
from klint.profiles import ProfileDocument
from klint.profiles.seccomp import SeccompProfile, is_seccomp_profile


def document_profile(document: Document) -> ProfileDocument | None:
    """The profile a parsed YAML/JSON document is, if any (it is then not a Kubernetes object)."""
    if is_seccomp_profile(document.data):
        return SeccompProfile(document)
    return None
