"""Generates api_fields.json: the fields and types of the Kubernetes API structures that klint
validates (pod specs, security contexts, volumes, containers, RBAC rules), from the models of the
official Python client (PyPI `kubernetes`), which are generated from the API's OpenAPI definitions.

    pip download --no-deps kubernetes==37.0.2 -d /tmp/k8s
    unzip -q /tmp/k8s/kubernetes-*.whl -d /tmp/k8s
    python lint/data/generate_api_fields.py /tmp/k8s/kubernetes/client/models 37.0.2 \
        > lint/data/api_fields.json

Each model file declares `openapi_types` (Python attribute -> type) and `attribute_map` (Python
attribute -> JSON field); they are read with `ast`, without importing the client."""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

# The structures klint validates, by the client's class name, and the API's name for each.
TYPES = {
    "V1PodSpec": "PodSpec", "V1PodSecurityContext": "PodSecurityContext",
    "V1SecurityContext": "SecurityContext", "V1Capabilities": "Capabilities",
    "V1SeccompProfile": "SeccompProfile", "V1AppArmorProfile": "AppArmorProfile",
    "V1SELinuxOptions": "SELinuxOptions", "V1WindowsSecurityContextOptions": "WindowsSecurityContextOptions",
    "V1Sysctl": "Sysctl", "V1Volume": "Volume", "V1HostPathVolumeSource": "HostPathVolumeSource",
    "V1Container": "Container", "V1EphemeralContainer": "EphemeralContainer", "V1VolumeMount": "VolumeMount",
    "V1ResourceRequirements": "ResourceRequirements", "V1PolicyRule": "PolicyRule",
    "RbacV1Subject": "Subject", "V1RoleRef": "RoleRef",
}
# The fields that API validation forbids on a pod with `spec.os.name: windows`: those whose description
# says "cannot be set when spec.os.name is windows", and these, whose type is a structure (the client's
# models drop such fields' descriptions; types.go gives each the same note).
WINDOWS_FORBIDDEN_STRUCTURES = {
    "PodSecurityContext": ["appArmorProfile", "seLinuxOptions", "seccompProfile"],
    "SecurityContext": ["appArmorProfile", "capabilities", "seLinuxOptions", "seccompProfile"],
}
WINDOWS_NOTE = "spec.os.name is windows"
SCALARS = {"bool": "boolean", "str": "string", "int": "integer", "float": "number", "object": "any",
           "datetime": "string", "date": "string"}


def spec(python_type: str) -> str:
    """The client's type as klint's data spells it: boolean, string, integer, number, any, map,
    array:<item>, object:<Name> (a structure klint validates) or object (one it does not)."""
    if python_type in SCALARS:
        return SCALARS[python_type]
    if match := re.fullmatch(r"[Ll]ist\[(.+)\]", python_type):
        return "array:" + spec(match.group(1))
    if python_type.lower().startswith(("dict(", "dict[")):
        return "map"
    return f"object:{TYPES[python_type]}" if python_type in TYPES else "object"


def class_dicts(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        target = getattr(node, "target", None)
        if isinstance(node, ast.AnnAssign) and isinstance(target, ast.Name) and \
                target.id in ("openapi_types", "attribute_map") and node.value is not None:
            found[target.id] = ast.literal_eval(node.value)
    return found["openapi_types"], found["attribute_map"]


def file_of(models: Path, class_name: str) -> Path:
    """The model's module: the generator writes `V1SELinuxOptions` to `v1_se_linux_options.py`."""
    for path in models.glob("*.py"):
        if f"class {class_name}(" in path.read_text(encoding="utf-8"):
            return path
    raise SystemExit(f"no model {class_name} in {models}")


def windows_noted(path: Path, attribute_map: dict[str, str]) -> list[str]:
    """The fields whose declaration's description carries the Windows note."""
    declarations = re.finditer(r"^    (\w+): .*$", path.read_text(encoding="utf-8"), re.MULTILINE)
    return [attribute_map[match.group(1)] for match in declarations
            if WINDOWS_NOTE in match.group(0) and match.group(1) in attribute_map]


def main(models: Path, version: str) -> dict[str, object]:
    types: dict[str, dict[str, str]] = {}
    windows: dict[str, list[str]] = {}
    for class_name, api_name in TYPES.items():
        path = file_of(models, class_name)
        openapi_types, attribute_map = class_dicts(path)
        types[api_name] = {attribute_map[name]: spec(kind) for name, kind in sorted(openapi_types.items())}
        if api_name in WINDOWS_FORBIDDEN_STRUCTURES:
            noted = windows_noted(path, attribute_map)
            windows[api_name] = sorted({*noted, *WINDOWS_FORBIDDEN_STRUCTURES[api_name]})
    return {"source": f"kubernetes (PyPI) {version}: kubernetes/client/models", "types": types,
            "windows_forbidden": windows}


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), sys.argv[2]), indent=1, sort_keys=True))
