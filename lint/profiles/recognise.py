"""Which documents are profiles, recognised by content wherever they are met."""

from __future__ import annotations

from collections.abc import Callable

from ruamel.yaml.nodes import Node, ScalarNode

from klint.document import Document
from klint.k8s import K8sObject
from klint.profiles import ProfileDocument
from klint.profiles.apparmor import APPARMOR_SUFFIX, AppArmorSyntaxError, looks_like_apparmor, parse
from klint.profiles.seccomp import OPERATOR_API, SeccompProfile, is_seccomp_profile, operator_profile
from klint.source import Source


def document_profile(document: Document) -> ProfileDocument | None:
    """The profile a parsed YAML/JSON document is, if any (it is then not a Kubernetes object)."""
    if is_seccomp_profile(document.data):
        return SeccompProfile(document)
    return None


def object_profiles(obj: K8sObject) -> list[ProfileDocument]:
    """The profiles a Kubernetes object holds: a Security Profiles Operator SeccompProfile's spec, an
    AppArmorProfile's `spec.policy` text. AppArmorSyntaxError (at an offset of the file) when the
    policy does not parse."""
    seccomp = operator_profile(obj)
    if seccomp is not None:
        return [seccomp]
    if obj.kind != "AppArmorProfile" or not obj.ref.api_version.startswith(OPERATOR_API + "/"):
        return []
    policy = obj.get(("spec", "policy"))
    if not isinstance(policy, str) or not obj.present(("spec", "policy")):
        return []
    entry = obj.document.entries[(*obj.root, "spec", "policy")]
    source = obj.document.source
    locate = block_scalar_offsets(source, entry.value, policy)
    try:
        profiles = parse(Source(source.path, policy))
    except AppArmorSyntaxError as err:
        raise AppArmorSyntaxError(err.message, locate(err.offset)) from None
    for profile in profiles:
        profile.embedded = (source, locate)
        profile.prefix = ("spec", "policy")
        profile.ref = obj.ref
        profile.template = obj.document.template
    return list(profiles)


def block_scalar_offsets(source: Source, node: Node, value: str) -> Callable[[int], int]:
    """Where each offset of a scalar's value sits in the file: line for line in a literal block
    scalar (`|`); anywhere else, the scalar's start."""
    start = node.start_mark.index
    if not isinstance(node, ScalarNode) or node.style != "|":
        return lambda offset: start
    text = source.text
    position = text.find("\n", start) + 1  # the first line of the block
    lines = value.split("\n")
    content = next((line for line in text[position:].split("\n") if line.strip()), "")
    indent = len(content) - len(content.lstrip(" "))
    line_starts = []
    for _ in lines:
        line_starts.append(position)
        end = text.find("\n", position)
        position = end + 1 if end >= 0 else len(text)

    def locate(offset: int) -> int:
        line = value.count("\n", 0, offset)
        column = offset - (value.rfind("\n", 0, offset) + 1)
        if line >= len(line_starts):
            return node.end_mark.index
        return min(line_starts[line] + indent + column, len(text))

    return locate


def apparmor_profiles(source: Source) -> list[ProfileDocument] | None:
    """The profiles of an AppArmor profile file (recognised by a profile header at the start of a
    line), or None for any other text; AppArmorSyntaxError at its first syntax error. A `*.apparmor`
    file without a profile (an abstraction, tunables) has none."""
    if not looks_like_apparmor(source.text):
        return [] if source.path.lower().endswith(APPARMOR_SUFFIX) else None
    return list(parse(source))
