"""What the confinement rules share: versioned allow-lists, fields as messages name them, and
`{type: ...}` profiles (seccompProfile, appArmorProfile)."""

from __future__ import annotations

from collections.abc import Iterator

from klint.document import FieldPath
from klint.edits import set_field
from klint.fix import Applicability
from klint.k8s import Container, K8sObject, PodSpec, Setting
from klint.rule import Violation
from klint.rules.common import container_field, pod_field, yaml_scalar


def allowed_in(table: dict[tuple[int, int], tuple[str, ...]], version: tuple[int, int]) -> set[str]:
    """The union of a versioned allow-list up to `version`."""
    return {item for since, items in table.items() if since <= version for item in items}


def first_allowed(table: dict[tuple[int, int], tuple[str, ...]], item: str) -> tuple[int, int] | None:
    return next((since for since, items in table.items() if item in items), None)


def field_name(pod: PodSpec, container: Container | None, path: FieldPath) -> str:
    """A field as messages name it: relative to its container, or to the pod spec."""
    return container_field(container, path) if container else pod_field(pod, path)


def annotation_path(pod: PodSpec, key: str) -> FieldPath:
    return (*pod.metadata_path, "annotations", key)


def string_annotations(pod: PodSpec, prefix: str) -> Iterator[tuple[str, str]]:
    """Annotations whose key starts with `prefix` (annotation values are strings; the API server
    rejects any other)."""
    for key, value in pod.annotations.items():
        if isinstance(key, str) and key.startswith(prefix) and isinstance(value, str):
            yield key, value


def type_violation(obj: K8sObject, who: str, container: Container | None, setting: Setting, what: str,
                   allowed: tuple[str, ...]) -> Violation | None:
    """The finding for a `{type: ...}` profile (seccompProfile, appArmorProfile) set to a value outside
    `allowed`, or None. Unconfined gets the UNSAFE fix to RuntimeDefault; a profile without a type
    (which the API server rejects, so nothing runs with it) the SAFE one."""
    pod = obj.pod
    assert pod is not None
    profile = setting.value
    if not isinstance(profile, dict) or profile.get("type") in allowed:
        return None
    kind = profile.get("type")
    choices = " or ".join(allowed)
    name = container.name if container else None
    if kind is None:
        path = setting.path
        message = f"{who} sets {field_name(pod, container, path)} without a type; set type: {choices}"
        fix = None if profile else set_field(obj, path, {"type": "RuntimeDefault"}, Applicability.SAFE,
                                             f"set {what} type RuntimeDefault")
        return Violation(path, message, container=name, fix=fix)
    path = (*setting.path, "type")
    field = field_name(pod, container, path)
    if kind == "Unconfined":
        message = f"{who} runs without {what} confinement ({field}: Unconfined); set it to {choices}"
        fix = set_field(obj, path, "RuntimeDefault", Applicability.UNSAFE, f"set {what} type RuntimeDefault")
        return Violation(path, message, container=name, fix=fix)
    return Violation(path, f"{who} sets {what} profile type {yaml_scalar(kind)} ({field}), which is not "
                           f"allowed; set it to {choices}", container=name)
