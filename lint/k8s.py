"""The one module that knows Kubernetes shapes: objects, where a pod spec lives, containers and
the security context each container ends up with."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path as FilePath
from typing import Any, NamedTuple

from klint.document import Document, FieldPath
from klint.source import Span

# Kinds whose pod spec sits at a fixed place.
POD_SPEC_PATHS: dict[str, FieldPath] = {
    "Pod": ("spec",),
    "PodTemplate": ("template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
# Kinds known to carry `spec.template.spec` (workloads of core Kubernetes, OpenShift and Argo Rollouts).
TEMPLATE_KINDS = frozenset({
    "Deployment", "ReplicaSet", "ReplicationController", "StatefulSet", "DaemonSet", "Job",
    "DeploymentConfig", "Rollout",
})
# Any other kind (a CRD) counts when one of these holds a list of containers.
CANDIDATE_POD_SPEC_PATHS: tuple[FieldPath, ...] = (
    ("spec", "template", "spec"),
    ("spec", "jobTemplate", "spec", "template", "spec"),
)
# Kinds of core Kubernetes whose objects have no namespace (`kubectl api-resources --namespaced=false`).
CLUSTER_SCOPED_KINDS = frozenset({
    "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "StorageClass",
    "CSIDriver", "CSINode", "VolumeAttachment", "CustomResourceDefinition", "APIService",
    "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding", "PriorityClass", "RuntimeClass", "IngressClass",
    "CertificateSigningRequest", "FlowSchema", "PriorityLevelConfiguration", "ComponentStatus",
    "PodSecurityPolicy", "ConstraintTemplate",
})
CONTAINER_GROUPS = ("containers", "initContainers", "ephemeralContainers")
# Fields a container inherits from the pod's securityContext when it does not set them itself
# (k8s.io/kubernetes/pkg/securitycontext.DetermineEffectiveSecurityContext).
INHERITED_SECURITY_FIELDS = frozenset({
    "runAsUser", "runAsGroup", "runAsNonRoot", "seLinuxOptions", "seccompProfile", "appArmorProfile",
    "windowsOptions",
})
# Objects a container's own value replaces as a whole (the kubelet's seccomp and AppArmor profiles
# are the container's when it sets one); windowsOptions merges field by field, except that the two
# GMSA fields come together.
WHOLE_INHERITED_FIELDS = frozenset({"seLinuxOptions", "seccompProfile", "appArmorProfile"})
GMSA_FIELDS = frozenset({"gmsaCredentialSpecName", "gmsaCredentialSpec"})


# Where people put a new key (see `new_key_place`): the pod's security settings sit together,
# before its containers; a container's securityContext after what says what it runs.
POD_SECURITY_KEYS = frozenset({
    "securityContext", "hostNetwork", "hostPID", "hostIPC", "hostUsers", "shareProcessNamespace",
    "automountServiceAccountToken", "serviceAccountName", "serviceAccount",
})
CONTAINER_RUN_KEYS = frozenset({"image", "imagePullPolicy", "command", "args", "workingDir", "ports", "env",
                                "envFrom"})


def new_key_place(path: FieldPath, keys: list[str], key: str) -> tuple[str, str] | None:
    """Where a new `key` goes in the mapping at `path` (relative to its object) whose keys are `keys`
    (in text order), as people place it: after the last key of its kind, else a pod's security
    setting before its containers (`initContainers:` or `containers:`, whichever comes first) and a
    container's securityContext after its image, command, args, ports and env. ("after", k) or
    ("before", k); None: at the end of the mapping."""
    if "containers" in keys and key in POD_SECURITY_KEYS:
        same = [k for k in keys if k in POD_SECURITY_KEYS]
        if same:
            return ("after", same[-1])
        return ("before", next(k for k in keys if k in ("initContainers", "containers")))
    container = len(path) >= 2 and path[-2] in CONTAINER_GROUPS and isinstance(path[-1], int)
    if container and key == "securityContext":
        run = [k for k in keys if k in CONTAINER_RUN_KEYS]
        if run:
            return ("after", run[-1])
    return None


def lookup(data: Any, path: FieldPath) -> Any:
    """The value at `path` in decoded data, or None when any step is missing or of the wrong type."""
    for step in path:
        if isinstance(step, int):
            if not isinstance(data, list) or step >= len(data):
                return None
        elif not isinstance(data, dict):
            return None
        data = data[step] if isinstance(step, int) else data.get(step)
    return data


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def format_path(path: FieldPath) -> str:
    """`("spec", "containers", 0, "image")` -> `spec.containers[0].image`."""
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            out += ("." if out else "") + step
    return out


@dataclass(frozen=True)
class ObjectRef:
    """What identifies an object in reports."""

    api_version: str
    kind: str
    name: str
    namespace: str | None
    document: int  # index of the document in its stream
    item: int | None = None  # index in a `kind: List`

    @property
    def root(self) -> FieldPath:
        """Where the object sits in its document."""
        return ("items", self.item) if self.item is not None else ()

    @property
    def identity(self) -> tuple[str, str | None, str]:
        """What identifies the object across edits: kind, namespace and name. Not its apiVersion
        (upgrades change it: extensions/v1beta1 to apps/v1), nor where it sits in the stream."""
        return (self.kind, self.namespace, self.name)

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}" if self.namespace else f"{self.kind} {self.name}"


class K8sObject:
    """A Kubernetes object: a document, or an item of a `*List` document."""

    def __init__(self, document: Document, item: int | None, data: dict[str, Any]) -> None:
        self.document = document
        self.data = data
        metadata = as_dict(data.get("metadata"))
        name = metadata.get("name") or metadata.get("generateName") or ""
        namespace = metadata.get("namespace")
        self.ref = ObjectRef(
            api_version=str(data.get("apiVersion")),
            kind=str(data.get("kind")),
            name=str(name),
            namespace=str(namespace) if namespace else None,
            document=document.index,
            item=item,
        )
        # where the object sits in its document's nodes: a List item read on its own is their root
        self.root = self.ref.root if document.item is None else ()
        # The objects of the same input (file or stream); the engine sets it before any rule runs, so
        # that a rule can look up a related object (a pod's ServiceAccount).
        self.stream: Stream | None = None

    @property
    def kind(self) -> str:
        return self.ref.kind

    def get(self, path: FieldPath) -> Any:
        return lookup(self.data, path)

    def present(self, path: FieldPath) -> bool:
        return (*self.root, *path) in self.document.entries

    def span(self, path: FieldPath) -> Span:
        """The span of `path`, or of its nearest present ancestor when the key is absent."""
        return self.document.span((*self.root, *path))

    def span_in_value(self, path: FieldPath, text: str) -> Span | None:
        """Where `text` stands in the written value at `path`, when it stands there once (else None)."""
        return self.document.span_in_value((*self.root, *path), text)

    def duplicate_keys(self) -> Iterator[tuple[FieldPath, Span]]:
        """Each key written again in a mapping of this object: its path and the span of the repeated
        key (the API server's decoder keeps the last)."""
        for duplicate in self.document.duplicate_keys:
            if duplicate.path[:len(self.root)] == self.root:
                yield duplicate.path[len(self.root):], self.document.node_span(duplicate.key)

    def stable_path(self, path: FieldPath) -> tuple[Any, ...]:
        """`path` with each index of a list present in the data replaced by the item's identity (see
        `item_identity`), so that it still names the same place when items are added or removed
        before it."""
        data: Any = self.data
        steps: list[Any] = []
        for step in path:
            if isinstance(step, int) and isinstance(data, list) and step < len(data):
                data = data[step]
                steps.append(item_identity(data, step))
            else:
                steps.append(step)
                data = data.get(step) if isinstance(data, dict) else None
        return tuple(steps)

    def nearest(self, path: FieldPath) -> FieldPath:
        """The longest present prefix of `path`, relative to this object."""
        return self.document.nearest((*self.root, *path))[len(self.root):]

    def related(self, kind: str, name: str, namespaced: bool = True) -> K8sObject | None:
        """The object of `kind` and `name` in the same input that this object can refer to: for a
        namespaced kind, one in the same namespace (an object without `metadata.namespace` lands
        where it is applied, so it may share any)."""
        stream = self.stream if self.stream is not None else Stream([self])
        return stream.related(self, kind, name, namespaced)

    def release(self) -> None:
        """Drop what ties this object to its source map and to the other objects: reference cycles
        (the stream, the pod spec and its containers), which only the garbage collector frees, and the
        document's nodes (see `Document.release`). The data stays only when a later object may look
        this one up (`RELATED_KINDS`)."""
        self.stream = None
        if self.kind not in RELATED_KINDS:
            self.data = {}
        pod = self.__dict__.pop("pod", None)  # the cached_property's value
        if pod is not None:
            pod.__dict__.pop("containers", None)
        self.document.release()

    @cached_property
    def pod(self) -> PodSpec | None:
        path = pod_spec_path(self.kind, self.data)
        if path is None:
            return None
        return PodSpec(self, path, self.get(path))


# The kinds an object may refer to by name (`K8sObject.related`): a pod's ServiceAccount, a binding's
# role, a pod's SeccompProfile. Only objects of these kinds stay in a stream once checked, so that a
# long stream is not held in memory; a rule (or plugin) that looks up another kind adds it here.
RELATED_KINDS = {"ServiceAccount", "Role", "ClusterRole", "SeccompProfile"}


class Stream:
    """The objects of one input that later objects may look up (of `RELATED_KINDS`), in order,
    indexed by kind and name so that a lookup does not scan them all. The engine adds each
    document's objects before checking them: while later ones are still to come, a lookup that finds
    nothing is recorded in `misses`, as later objects may match."""

    def __init__(self, objects: Iterable[K8sObject] = ()) -> None:
        self.count = 0  # objects added, of any kind
        self._named: dict[tuple[str, str], list[K8sObject]] = {}
        self.misses: list[tuple[str, str, bool]] = []
        for obj in objects:
            self.add(obj)

    def add(self, obj: K8sObject) -> None:
        self.count += 1
        if obj.kind in RELATED_KINDS:
            self._named.setdefault((obj.kind, obj.ref.name), []).append(obj)

    def __len__(self) -> int:
        return self.count

    def related(self, obj: K8sObject, kind: str, name: str, namespaced: bool = True) -> K8sObject | None:
        """The first object in stream order that `obj` can refer to (see `K8sObject.related`)."""
        found = self.first(obj, kind, name, namespaced)
        if found is None:
            self.misses.append((kind, name, namespaced))
        return found

    def first(self, obj: K8sObject, kind: str, name: str, namespaced: bool) -> K8sObject | None:
        """`related`, without recording a miss."""
        if kind not in RELATED_KINDS:
            raise ValueError(f"objects of kind {kind} are not kept for lookups: add it to k8s.RELATED_KINDS")
        for other in self._named.get((kind, name), ()) if isinstance(name, str) else ():
            if not namespaced or None in (obj.ref.namespace, other.ref.namespace) \
                    or obj.ref.namespace == other.ref.namespace:
                return other
        return None


def pod_spec_path(kind: str, data: dict[str, Any]) -> FieldPath | None:
    if kind in POD_SPEC_PATHS:
        path = POD_SPEC_PATHS[kind]
        return path if isinstance(lookup(data, path), dict) else None
    if kind in TEMPLATE_KINDS and isinstance(lookup(data, ("spec", "template", "spec")), dict):
        return ("spec", "template", "spec")
    for path in CANDIDATE_POD_SPEC_PATHS:
        if isinstance(lookup(data, (*path, "containers")), list):
            return path
    return None


def objects_of(document: Document) -> Iterator[K8sObject]:
    """The Kubernetes objects in a document: the document itself, or each item of a `*List`."""
    data = document.data
    if not is_object(data) or document.items_apart is not None:  # a List whose items came apart
        return
    if document.item is not None:
        yield K8sObject(document, document.item, data)
        return
    if is_list(data):
        for index, item in enumerate(data["items"]):
            if is_object(item):
                yield K8sObject(document, index, item)
        return
    yield K8sObject(document, None, data)


def item_identity(item: Any, index: int) -> Any:
    """What identifies a list item across edits: its `name` (containers, volumes, ports, env), with
    its `mountPath` (one volume may be mounted at several paths); a string or number by its value
    (capabilities, hosts); anything else by its index."""
    if isinstance(item, dict) and isinstance(item.get("name"), str):
        mount = item.get("mountPath")
        return ("name", item["name"], mount) if isinstance(mount, str) else ("name", item["name"])
    if isinstance(item, (str, int)) and not isinstance(item, bool):
        return ("value", item)
    return index


def is_list(data: Any) -> bool:
    """A `*List` object, whose items are the objects (a `kind: List` as kubectl writes it)."""
    return is_object(data) and data["kind"].endswith("List") and isinstance(data.get("items"), list)


def is_object(data: Any) -> bool:
    return (isinstance(data, dict) and isinstance(data.get("apiVersion"), str)
            and isinstance(data.get("kind"), str) and bool(data["kind"]))


class Setting(NamedTuple):
    """A field's effective value and the path that supplies it (or, when unset, where it would go).
    (A named tuple: rules ask for several per container, and it is the cheapest to make.)"""

    value: Any
    path: FieldPath

    @property
    def is_set(self) -> bool:
        return self.value is not None


class PodSpec:
    def __init__(self, obj: K8sObject, path: FieldPath, data: dict[str, Any]) -> None:
        self.obj = obj
        self.path = path
        self.data = data
        # asked for by most rules, several times: made once
        self.security_context: dict[str, Any] = as_dict(data.get("securityContext"))
        self.security_context_path: FieldPath = (*path, "securityContext")

    @property
    def metadata_path(self) -> FieldPath:
        return (*self.path[:-1], "metadata")

    @property
    def annotations(self) -> dict[str, Any]:
        return as_dict(lookup(self.obj.data, (*self.metadata_path, "annotations")))

    @property
    def is_windows(self) -> bool:
        return lookup(self.data, ("os", "name")) == "windows"

    def field(self, *names: str | int) -> Setting:
        """A pod-level field (e.g. `field("hostNetwork")`) with its path."""
        return Setting(lookup(self.data, names), (*self.path, *names))

    def own_settings(self, *names: str) -> list[tuple[str, Container | None, Setting]]:
        """A securityContext field everywhere it is written: the pod's, then each container's own
        (Pod Security Admission judges each place that sets a value, not what a container inherits).
        Each comes with who sets it, as messages name it (`pod`, `container "app"`)."""
        pod = Setting(lookup(self.security_context, names), (*self.security_context_path, *names))
        return [("pod", None, pod),
                *((f'container "{c.name}"', c, c.own(*names)) for c in self.containers)]

    @cached_property
    def containers(self) -> list[Container]:
        """containers, initContainers and ephemeralContainers, in that order."""
        out = []
        for group in CONTAINER_GROUPS:
            for index, data in enumerate(as_list(self.data.get(group))):
                if isinstance(data, dict):
                    out.append(Container(self, group, index, data))
        return out


class Container:
    def __init__(self, pod: PodSpec, group: str, index: int, data: dict[str, Any]) -> None:
        self.pod = pod
        self.group = group
        self.index = index
        self.data = data
        self.path: FieldPath = (*pod.path, group, index)
        name = data.get("name")
        self.name = str(name) if name else f"{group}[{index}]"
        # asked for by most rules, several times: made once
        self.security_context: dict[str, Any] = as_dict(data.get("securityContext"))
        self.security_context_path: FieldPath = (*self.path, "securityContext")

    def field(self, *names: str | int) -> Setting:
        return Setting(lookup(self.data, names), (*self.path, *names))

    def own(self, *names: str) -> Setting:
        """A field of the container's own securityContext."""
        return Setting(lookup(self.security_context, names), (*self.security_context_path, *names))

    def effective(self, *names: str) -> Setting:
        """A securityContext field as the container runs with it: its own value, else the pod's
        where Kubernetes inherits it. Unset: the value is None and the path is the container's."""
        own = self.own(*names)
        if own.is_set or names[0] not in INHERITED_SECURITY_FIELDS:
            return own
        own_object = self.security_context.get(names[0])
        if own_object is not None and names[0] in WHOLE_INHERITED_FIELDS:
            return own  # the container's object replaces the pod's, even the fields it leaves unset
        if names[1:2] and names[1] in GMSA_FIELDS and any(
                as_dict(own_object).get(name) is not None for name in GMSA_FIELDS):
            return own  # the GMSA fields come from the container together
        inherited = Setting(lookup(self.pod.security_context, names),
                            (*self.pod.security_context_path, *names))
        return inherited if inherited.is_set else own


# --- the API's own field definitions -------------------------------------------------------------

RBAC_ROLE_KINDS = ("Role", "ClusterRole")
RBAC_BINDING_KINDS = ("RoleBinding", "ClusterRoleBinding")


@cache
def _api_fields() -> dict[str, Any]:
    """`data/api_fields.json`, generated from the API's definitions by `data/generate_api_fields.py`."""
    data: dict[str, Any] = json.loads((FilePath(__file__).parent / "data" / "api_fields.json").read_text(
        encoding="utf-8"))
    return data


def api_types() -> dict[str, dict[str, str]]:
    """The fields of the API structures klint validates, with their types."""
    types: dict[str, dict[str, str]] = _api_fields()["types"]
    return types


@cache  # asked for each structure checked: parsed once
def api_field_since(type_name: str) -> dict[str, tuple[int, int]]:
    """The Kubernetes version in which each field of a structure appeared, for the fields newer than the
    oldest version the data covers (its `oldest`, 1.12); the others are older than that."""
    since: dict[str, str] = _api_fields()["since"].get(type_name, {})
    return {field: parse_kube_version(version) for field, version in since.items()}


def parse_kube_version(text: str) -> tuple[int, int]:
    """A Kubernetes version as `helm --kube-version` takes it (`1.29`, `v1.29`, `v1.29.3`) as its
    major and minor numbers."""
    match = re.fullmatch(r"v?(1)\.(0|[1-9][0-9]*)(\.[0-9]+)?", text.strip())
    if match is None:
        raise ValueError(f"not a Kubernetes version: {text!r} (write it as 1.N, v1.N or v1.N.P)")
    return int(match.group(1)), int(match.group(2))


def format_kube_version(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


def windows_forbidden_fields(type_name: str) -> frozenset[str]:
    """The fields of a security context that API validation rejects on a pod with `spec.os.name:
    windows` (Linux-only settings)."""
    return frozenset(_api_fields()["windows_forbidden"].get(type_name, ()))


def typed_roots(obj: K8sObject) -> Iterator[tuple[FieldPath, str]]:
    """Where the object holds API structures of a known type (`api_types`), and which: its metadata,
    the pod spec (and its template's metadata) of the kinds known to carry the core one (not custom
    resources, whose schemas may differ), the rules of roles, the subjects and role reference of
    bindings."""
    if isinstance(obj.get(("metadata",)), dict):  # every object's, custom resources' too
        yield ("metadata",), "ObjectMeta"
    if obj.pod is not None and (obj.kind in POD_SPEC_PATHS or obj.kind in TEMPLATE_KINDS):
        yield obj.pod.path, "PodSpec"
        template_metadata = (*obj.pod.path[:-1], "metadata")
        if obj.pod.path[-1:] == ("spec",) and isinstance(obj.get(template_metadata), dict):
            yield template_metadata, "ObjectMeta"
    if obj.kind in RBAC_ROLE_KINDS:
        for index, rule in enumerate(as_list(obj.get(("rules",)))):
            if isinstance(rule, dict):
                yield ("rules", index), "PolicyRule"
    if obj.kind in RBAC_BINDING_KINDS:
        for index, subject in enumerate(as_list(obj.get(("subjects",)))):
            if isinstance(subject, dict):
                yield ("subjects", index), "Subject"
        if isinstance(obj.get(("roleRef",)), dict):
            yield ("roleRef",), "RoleRef"
