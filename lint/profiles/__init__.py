"""Profile files: seccomp profiles (JSON) and AppArmor profiles (text), documents of their own kind.

They are recognised by content wherever they are met, parsed here (`seccomp`, `apparmor`) and checked
by their own rules (`ProfileRule`, in `klint.rules.profiles_*`); their findings have the shape of any
other (`klint.engine.Finding`), about a `ProfileDocument` instead of a Kubernetes object.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from klint.document import FieldPath
from klint.k8s import K8sObject, ObjectRef
from klint.rule import Rule, Violation
from klint.source import Source, Span


class ProfileDocument:
    """One profile file (or one JSON document of a stream): what a ProfileRule checks."""

    kind: ClassVar[str]  # "seccomp-profile" or "apparmor-profile": rules check one kind
    source: Source
    ref: ObjectRef  # the kind, and the profile's name, as reports show an object
    template: str | None = None

    def span(self, path: FieldPath) -> Span:
        raise NotImplementedError

    def field(self, path: FieldPath) -> FieldPath:
        """A violation's path as the finding's field (relative to the object, for an operator's)."""
        return path


class ProfileRule(Rule):
    """A rule about a profile file rather than a Kubernetes object."""

    profile_kind: ClassVar[str]  # the ProfileDocument.kind it checks

    def applies_to(self, obj: K8sObject) -> bool:
        return False

    def check_profile(self, profile: ProfileDocument) -> Iterator[Violation]:
        raise NotImplementedError
