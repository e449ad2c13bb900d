"""Security fields that are not what they seem: misspelt, misplaced or of the wrong type, checked
against the API's own definitions (`klint.k8s.api_types`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from klint.document import FieldPath
from klint.edits import rename_key
from klint.fix import Applicability
from klint.k8s import (
    K8sObject,
    api_field_since,
    api_types,
    format_kube_version,
    format_path,
    parse_kube_version,
    typed_roots,
    windows_forbidden_fields,
)
from klint.rule import Rule, Severity, Violation
from klint.rules.common import yaml_scalar

# Where a field written in the wrong structure belongs: structure -> [(the structure that has it, how
# a message names that place)]. The first that has the field wins.
ELSEWHERE = {
    "PodSecurityContext": [("SecurityContext", "each container's securityContext")],
    "SecurityContext": [("PodSecurityContext", "the pod's securityContext")],
    "Container": [("SecurityContext", "the container's securityContext"), ("PodSpec", "the pod spec")],
    "EphemeralContainer": [("SecurityContext", "the container's securityContext"),
                           ("PodSpec", "the pod spec")],
    "ResourceRequirements": [("Container", "the container itself")],
    "PodSpec": [("PodSecurityContext", "the pod's securityContext"), ("Container", "each container")],
}
EXPECTED = {"boolean": "a boolean", "string": "a string", "integer": "an integer", "number": "a number",
            "map": "a mapping", "object": "a mapping"}


def describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {yaml_scalar(value)}"
    if isinstance(value, str):
        return f"the string {yaml_scalar(value)}"
    if isinstance(value, int | float):
        return f"the number {value}"
    return "a list" if isinstance(value, list) else "a mapping"


def expected(spec: str) -> str:
    if spec.startswith("array:"):
        return "a list"
    return EXPECTED.get(spec.partition(":")[0], "a mapping")


def fits(value: Any, spec: str) -> bool:
    """Whether a decoded value has the type the API's definition `spec` gives (null is unset)."""
    kind = spec.partition(":")[0]
    if value is None or kind == "any":
        return True
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":  # 1000.0 is left alone: what the API server makes of it is not for klint to guess
        return isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer()
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "array":
        return isinstance(value, list)
    return isinstance(value, dict)


class InvalidField(Rule):
    """Security-relevant fields must be spelt, placed and typed as the API defines them.

    ## What it checks
    The pod spec of Pods, pod templates and the built-in workloads (with its security
    contexts, capabilities, seccomp, AppArmor, SELinux and Windows options, containers,
    volumes and resources), every object's metadata (a misspelt `namespace` deploys to the
    default namespace), and the rules, subjects and role reference of RBAC objects,
    against the Kubernetes API's definitions (generated from the API's OpenAPI definitions
    of each Kubernetes version from 1.12 to 1.37, shipped with klint). Each field that the
    structure does not have is a finding, with the field it most likely meant (same letters
    in another case, or a close spelling) or the place where it belongs (`privileged` in the pod's
    `securityContext` belongs in each container's; `securityContext` under `resources`
    belongs to the container). Each value of the wrong type is a finding too
    (`runAsNonRoot: "true"`, a string; `seccompProfile: RuntimeDefault`, a string where a
    mapping goes). On a pod with `spec.os.name: windows`, each Linux setting that API
    validation forbids there is a finding (in the pod's security context: `runAsUser`,
    `runAsGroup`, `fsGroup`, `supplementalGroups`, `sysctls`, `seLinuxOptions`,
    `seccompProfile`, `appArmorProfile` and the like; in a container's: those, `privileged`,
    `allowPrivilegeEscalation`, `capabilities`, `procMount`, `readOnlyRootFilesystem`).
    A volume with more than one source is a finding too, and so is a null item of a list of
    structures (`containers: [null]`: upstream's Pod Security checks would judge an empty
    container there, which klint's do not, since API validation rejects it first). Custom
    resources are not checked: their schemas may differ. Runs in every profile. A misspelt
    field whose meaning is clear takes the place of the missing-field finding of the rule
    that checks the field it meant (`allow-privilege-escalation` for
    `allowPrivilegedEscalation`): one finding, with the rename as its fix.

    The fields are those of the newest version klint knows, unless `--kube-version` (or
    this rule's `kube-version` option) names the version you deploy to: then a field that
    version does not have yet is a finding too (`appArmorProfile` before 1.30, `hostUsers`
    before 1.25, `seccompProfile` before 1.19), since its API server drops it, and the
    Windows checks apply from 1.23, where `spec.os` appeared. What other rules find beneath
    a field the API server drops (AppArmor `Unconfined` in `appArmorProfile` before 1.30) has
    no effect and is not reported. A field behind a feature gate counts from the version
    whose API defines it, whatever the gate. The definitions start at 1.12: for an older
    version, only the fields that appeared after 1.12 are reported.

    ## Why
    Depending on the client, the API server drops an unknown field with at most a warning,
    and rejects a value of the wrong type. `allowPrivilegedEscalation: false` or
    `readOnlyRootFileSystem: true` leave the workload unprotected while the manifest looks
    hardened; a wrong type fails the deploy, not the review.

    ## Failing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      containers:
        - name: app
          image: nginx:1.27
          securityContext:
            allowPrivilegedEscalation: false
    ```

    ## Passing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      containers:
        - name: app
          image: nginx:1.27
          securityContext:
            allowPrivilegeEscalation: false
    ```

    ## Fix
    A misspelt key with one clear meaning, whose right spelling is not also written there
    and whose value has the type of the field meant, is renamed (not into an object's `name`
    or `namespace`: that makes it another object). Unsafe: the value then takes effect (a
    read-only root filesystem, a dropped capability), which changes how the workload runs.
    Misplaced fields and wrong types have no automatic fix: move the field, or write the
    value with its type.
    """

    code = "KL004"
    name = "invalid-field"
    topic = "fields"
    severity = Severity.MEDIUM
    checks_input = True
    explains_fields = True
    references = ("https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation",
                  "https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/")
    options = {"kube-version": ""}  # empty: the newest version the shipped definitions know

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        version = self.config["kube-version"]
        if isinstance(version, float):  # YAML reads 1.30 as the number 1.3
            raise ValueError(f"kube-version must be a string such as \"1.30\", got the number {version}")
        self.kube_version = parse_kube_version(str(version)) if version else None

    def check(self, obj: K8sObject) -> Iterator[Violation]:
        windows = obj.pod is not None and obj.pod.is_windows and not self.too_new("PodSpec", "os")
        for path, type_name in typed_roots(obj):
            # messages name fields as the other rules do: within the pod spec, or from the object
            base = len(path) if type_name == "PodSpec" else 0
            yield from self.check_structure(obj, path, type_name, obj.get(path), base, windows)

    def check_structure(self, obj: K8sObject, path: FieldPath, type_name: str, data: Any,
                        base: int, windows: bool) -> Iterator[Violation]:
        fields = api_types()[type_name]
        dated = self.kube_version is not None
        for key, value in data.items():
            spec = fields.get(key)
            if spec is None:
                yield self.unknown(obj, path, type_name, key, data, base)
            elif dated and self.too_new(type_name, key):
                yield self.too_new_field(path, key, type_name, base)
            elif windows and value is not None and key in windows_forbidden_fields(type_name):
                where = format_path((*path, key)[base:])
                yield Violation((*path, key), f"{where} is a Linux setting: the API server rejects it on a "
                                              "Windows pod (spec.os.name: windows)")
            elif not fits(value, spec):
                yield self.mistyped(path, key, value, spec, base)
            elif ":" in spec:  # a structure or a list, whose contents are checked too (most values are not)
                yield from self.check_value(obj, (*path, key), value, spec, base, windows)
        if type_name == "Volume":
            sources = [key for key in data if key != "name" and key in fields and data[key] is not None]
            if len(sources) > 1:
                # about the volume, not a source: the rules about each source still report theirs
                yield Violation(path, f"{format_path(path[base:])} has more than one source "
                                      f"({', '.join(sources)}): the API server rejects the volume",
                                span=obj.span((*path, sources[1])))

    def too_new(self, type_name: str, key: str) -> bool:
        """Whether the field appeared after the version deployed to (`kube-version`)."""
        if self.kube_version is None:
            return False
        since = api_field_since(type_name).get(key)
        return since is not None and since > self.kube_version

    def too_new_field(self, path: FieldPath, key: str, type_name: str, base: int) -> Violation:
        assert self.kube_version is not None
        since = format_kube_version(api_field_since(type_name)[key])
        return Violation((*path, key), f"{format_path((*path, key)[base:])} is not a field of {type_name} in "
                                       f"Kubernetes {format_kube_version(self.kube_version)} (it came in "
                                       f"{since}): the API server drops it", dropped=True)

    def check_value(self, obj: K8sObject, path: FieldPath, value: Any, spec: str,
                    base: int, windows: bool) -> Iterator[Violation]:
        kind, _, inner = spec.partition(":")
        if kind == "object" and inner and isinstance(value, dict):
            yield from self.check_structure(obj, path, inner, value, base, windows)
        elif kind == "array" and isinstance(value, list):
            structures = inner.startswith("object:")
            nested = ":" in inner
            for index, item in enumerate(value):
                if item is None and structures:
                    # upstream's checks would read an empty structure here; validation rejects it first
                    where, structure = format_path((*path, index)[base:]), inner.partition(":")[2]
                    yield Violation((*path, index), f"{where} is null: the API server reads it as an empty "
                                                    f"{structure}, which its validation rejects")
                elif not fits(item, inner):
                    yield self.mistyped(path, index, item, inner, base)
                elif nested:
                    yield from self.check_value(obj, (*path, index), item, inner, base, windows)

    @staticmethod
    def mistyped(path: FieldPath, step: str | int, value: Any, spec: str, base: int) -> Violation:
        where = format_path((*path, step)[base:])
        quoted = isinstance(value, str) and ((spec == "boolean" and value.lower() in ("true", "false"))
                                             or (spec == "integer" and value.strip().lstrip("-").isdigit()))
        unquote = " (write it without quotes)" if quoted else ""
        return Violation((*path, step), f"{where} is {describe(value)} where the API expects {expected(spec)}"
                                        f"{unquote}: the API server rejects the object")

    @staticmethod
    def unknown(obj: K8sObject, path: FieldPath, type_name: str, key: str, data: dict[str, Any],
                base: int) -> Violation:
        fields = api_types()[type_name]
        written = (*path, key)
        span = obj.span(written)
        dropped = f"{format_path(written[base:])} is not a field of {type_name}: the API server drops it " \
                  "(or rejects the object)"
        import difflib  # only for a misspelling: start-up time

        meant = [name for name in fields if name.lower() == key.lower()] or \
            difflib.get_close_matches(key, list(fields), n=2, cutoff=0.8)
        if len(meant) == 1:
            right = meant[0]
            # no rename when the field meant is written too; when the value would not fit it (the
            # renamed field would be an error of its own: the API server would reject the object); nor
            # into an object's name or namespace (renamed, the manifest is another object)
            renames_object = type_name == "ObjectMeta" and right in ("name", "namespace")
            fix = None if right in data or renames_object or not fits(data[key], fields[right]) else \
                rename_key(obj, written, right, Applicability.UNSAFE, f"rename {key} to {right}")
            # about the field meant, so that the rule checking that field does not report it missing too
            return Violation((*path, right), f"{dropped}; did you mean {right}?", fix=fix, span=span)
        for other, place in ELSEWHERE.get(type_name, ()):
            if key in api_types()[other]:
                return Violation(written, f"{dropped}; {key} belongs in {place}", span=span, dropped=True)
        guess = f"; did you mean {' or '.join(meant)}?" if meant else ""
        return Violation(written, dropped + guess, span=span, dropped=True)
