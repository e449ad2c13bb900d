"""Generates api_fields.json: the fields and types of the Kubernetes API structures that klint
validates (pod specs, security contexts, volumes, containers, RBAC rules), from the models of the
official Python client (PyPI `kubernetes`), which are generated from the API's OpenAPI definitions:
the newest release gives each field's type, one release per Kubernetes minor version (1.12 to the
newest) gives the version in which each field appeared.

    for v in 8.0.2 9.0.1 10.1.0 11.0.0 12.0.1 17.17.0 18.20.0 19.15.0 20.13.0 21.7.0 22.6.0 \
             23.6.0 24.2.0 25.3.0 26.1.0 27.2.0 28.1.0 29.0.0 30.1.0 31.0.0 32.0.1 33.1.0 \
             34.1.0 35.0.0 36.0.3 37.0.2; do
        pip download -q --no-deps --only-binary=:all: kubernetes==$v -d /tmp/k8s/wheels/$v
        unzip -q /tmp/k8s/wheels/$v/*.whl 'kubernetes/client/models/*' -d /tmp/k8s/$v
    done
    python lint/data/generate_api_fields.py /tmp/k8s > lint/data/api_fields.json

Each model file declares `openapi_types` (`swagger_types` before client 10; Python attribute ->
type) and `attribute_map` (Python attribute -> JSON field); they are read with `ast`, without
importing the client."""

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
    "RbacV1Subject": "Subject", "V1RoleRef": "RoleRef", "V1ObjectMeta": "ObjectMeta",
}
# The same structures' class names in older clients.
FORMER_NAMES = {"RbacV1Subject": ["V1Subject"]}
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
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in ("openapi_types", "swagger_types", "attribute_map"):
            found["attribute_map" if target.id == "attribute_map" else "types"] = ast.literal_eval(value)
    return found["types"], found["attribute_map"]


def model_files(models: Path) -> dict[str, Path]:
    """Each model's module by class name (`V1SELinuxOptions` is in `v1_se_linux_options.py`)."""
    files = {}
    for path in models.glob("*.py"):
        for match in re.finditer(r"^class (\w+)\(", path.read_text(encoding="utf-8"), re.MULTILINE):
            files[match.group(1)] = path
    return files


def kube_version(client_version: str) -> tuple[int, int]:
    """The Kubernetes version a client release is generated from: 1.N for client N from 17 on,
    1.(N + 4) for the releases before (client 12 is Kubernetes 1.16)."""
    major = int(client_version.split(".")[0])
    return (1, major) if major >= 17 else (1, major + 4)


def structures(models: Path) -> tuple[dict[str, dict[str, str]], dict[str, list[str]]]:
    """The structures one client release has (field -> type), and the fields of each whose
    description carries the Windows note."""
    files = model_files(models)
    types: dict[str, dict[str, str]] = {}
    windows: dict[str, list[str]] = {}
    for class_name, api_name in TYPES.items():
        found = [files[name] for name in (class_name, *FORMER_NAMES.get(class_name, ())) if name in files]
        if not found:
            continue  # not in this release yet (SeccompProfile before 1.19, AppArmorProfile before 1.30)
        openapi_types, attribute_map = class_dicts(found[0])
        types[api_name] = {attribute_map[name]: spec(kind) for name, kind in sorted(openapi_types.items())}
        if api_name in WINDOWS_FORBIDDEN_STRUCTURES:
            noted = windows_noted(found[0], attribute_map)
            windows[api_name] = sorted({*noted, *WINDOWS_FORBIDDEN_STRUCTURES[api_name]})
    return types, windows


def windows_noted(path: Path, attribute_map: dict[str, str]) -> list[str]:
    """The fields whose declaration's description carries the Windows note."""
    declarations = re.finditer(r"^    (\w+): .*$", path.read_text(encoding="utf-8"), re.MULTILINE)
    return [attribute_map[match.group(1)] for match in declarations
            if WINDOWS_NOTE in match.group(0) and match.group(1) in attribute_map]


def main(clients: Path) -> dict[str, object]:
    """`clients` holds one directory per client release, named by its version."""
    releases = sorted((path for path in clients.iterdir() if (path / MODELS).is_dir()),
                      key=lambda path: kube_version(path.name))
    parsed = [structures(path / MODELS) for path in releases]
    versions = [kube_version(path.name) for path in releases]
    types, windows = parsed[-1]  # the newest release's
    # since: the first version from which a field is in every release; the oldest release's fields
    # are left out (they are older than any version klint evaluates as)
    since: dict[str, dict[str, str]] = {}
    for api_name, fields in types.items():
        for field in fields:
            lacking = [index for index, (release, _) in enumerate(parsed)
                       if field not in release.get(api_name, {})]
            if lacking:  # the release after the last one without it
                since.setdefault(api_name, {})[field] = "{}.{}".format(*versions[lacking[-1] + 1])
    oldest = "{}.{}".format(*versions[0])
    return {"source": f"kubernetes (PyPI) {', '.join(path.name for path in releases)}: "
                      "kubernetes/client/models", "types": types, "windows_forbidden": windows,
            "since": since, "oldest": oldest}


MODELS = Path("kubernetes/client/models")

if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1])), indent=1, sort_keys=True))
