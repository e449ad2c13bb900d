"""Manifests' references to profile files: a `Localhost` seccomp or AppArmor profile must be named so
that the kubelet can find it, and, when the profiles are at hand (`--seccomp-root`, `--apparmor-dir`),
must exist there and be valid."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from functools import cache
from typing import Any

from klint.document import FieldPath, InputError, parse_documents
from klint.edits import remove_field, set_field
from klint.fix import Applicability
from klint.k8s import K8sObject, PodSpec
from klint.profiles.apparmor import profile_names
from klint.profiles.seccomp import SeccompProfile, is_seccomp_profile
from klint.rule import PodRule, Severity, Violation
from klint.rules.confinement.apparmor import APPARMOR_ANNOTATION, APPARMOR_DOC
from klint.rules.confinement.common import annotation_path, field_name, string_annotations
from klint.rules.confinement.seccomp import SECCOMP_CONTAINER_ANNOTATION, SECCOMP_DOC, SECCOMP_POD_ANNOTATION
from klint.rules.profiles_seccomp import REJECTS, profile_problems
from klint.source import Source, SourceDecodeError

KUBELET_SECCOMP_ROOT = "/var/lib/kubelet/seccomp"
SPO_API = "security-profiles-operator.x-k8s.io"


def path_problem(relative: str) -> str | None:
    """Why the API server rejects a `localhostProfile` path (validateLocalDescendingPath, as on Linux)."""
    if relative.startswith("/"):
        return "must be a relative path (under the kubelet's seccomp root, /var/lib/kubelet/seccomp)"
    if ".." in relative.split("/"):
        return "must not contain '..'"
    return None


@cache
def seccomp_file_problem(path: str) -> str | None:
    """Why the profile file at `path` cannot be loaded by the runtime, or None when it can."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as err:
        return f"cannot be read ({err.strerror or err})"
    try:
        json.loads(data)
    except ValueError as err:
        return f"is not valid JSON ({err})"
    try:
        documents = list(parse_documents(Source.from_bytes(path, data)))
    except (InputError, SourceDecodeError) as err:
        return f"cannot be read ({err})"
    if len(documents) != 1 or not is_seccomp_profile(documents[0].data):
        return "is not a seccomp profile (no defaultAction and syscalls)"
    profile = SeccompProfile(documents[0])
    for violation in profile_problems(profile):
        if violation.message.endswith(REJECTS):
            span = profile.span(violation.path)
            return f"is not a valid seccomp profile ({span.start_line}:{span.start_column}: " \
                   f"{violation.message.removesuffix(REJECTS)})"
    return None


def seccomp_references(pod: PodSpec) -> Iterator[tuple[FieldPath, str | None, Any, str | None]]:
    """Each `Localhost` seccomp profile of the pod: (path to point at, container, the relative path
    named, what names it)."""
    for who, container, setting in pod.own_settings("seccompProfile"):
        profile = setting.value
        if isinstance(profile, dict) and profile.get("type") == "Localhost":
            path = (*setting.path, "localhostProfile" if "localhostProfile" in profile else "type")
            yield path, container.name if container else None, profile.get("localhostProfile"), \
                f"{who} ({field_name(pod, container, path)})"
    for key, value in string_annotations(pod, SECCOMP_POD_ANNOTATION):
        if key == SECCOMP_POD_ANNOTATION and value.startswith("localhost/"):
            yield annotation_path(pod, key), None, value[len("localhost/"):], f"annotation {key}"
    for key, value in string_annotations(pod, SECCOMP_CONTAINER_ANNOTATION):
        if value.startswith("localhost/"):
            yield (annotation_path(pod, key), key[len(SECCOMP_CONTAINER_ANNOTATION):],
                   value[len("localhost/"):], f"annotation {key}")


class SeccompLocalhostProfile(PodRule):
    """A `Localhost` seccomp profile must name a profile file the kubelet can load.

    ## What it checks
    Each `Localhost` seccomp profile of the pod and its containers: the field
    `securityContext.seccompProfile` (`type: Localhost` with `localhostProfile`) and the
    legacy annotations (`seccomp.security.alpha.kubernetes.io/pod` and
    `container.seccomp.security.alpha.kubernetes.io/<container>` set to
    `localhost/<path>`):

    - the path must be set (not empty), relative (to the kubelet's seccomp root,
      `/var/lib/kubelet/seccomp`) and without `..`;
    - with `--seccomp-root DIR` (or the rule's `seccomp-root` option; a relative directory is
      taken from the current directory), the file must exist under `DIR` and be a profile
      the runtime can load (valid JSON, a seccomp profile, and none of the
      `seccomp-profile-invalid` problems that make the runtime reject it). A Security
      Profiles Operator path (`operator/NAMESPACE/NAME.json`) that is not under `DIR` passes
      when the input defines that `SeccompProfile` object.

    The finding points at the `localhostProfile` value (or the annotation).

    ## Why
    The kubelet reads the file when the container starts: a path it rejects, a file that no
    node has, or one the runtime cannot load makes the pod fail on the node
    (`CreateContainerError`) instead of at review. Pointing klint at the profiles kept in the
    repository turns that into a finding.

    ## Failing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      securityContext:
        seccompProfile:
          type: Localhost
          localhostProfile: /var/lib/kubelet/seccomp/profiles/web.json
      containers:
        - name: app
          image: nginx:1.27
    ```

    ## Passing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      securityContext:
        seccompProfile:
          type: Localhost
          localhostProfile: profiles/web.json
      containers:
        - name: app
          image: nginx:1.27
    ```

    ## Fix
    No automatic fix: write the path relative to the kubelet's seccomp root, and add the
    profile to the nodes (and to the directory given to `--seccomp-root`).
    """

    code = "KL821"
    name = "seccomp-localhost-profile"
    topic = "profiles_references"
    severity = Severity.HIGH
    references = (SECCOMP_DOC, "https://github.com/kubernetes-sigs/security-profiles-operator")
    options = {"seccomp-root": ""}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.root = self.config["seccomp-root"]
        if self.root and not os.path.isdir(self.root):
            raise ValueError(f"the seccomp root {self.root} is not a directory")

    def check_pod(self, obj: K8sObject, pod: PodSpec) -> Iterator[Violation]:
        for path, container, relative, where in seccomp_references(pod):
            problem = self.problem(obj, relative)
            if problem:
                yield Violation(path, f"{where}: the Localhost seccomp profile {problem}",
                                container=container)

    def problem(self, obj: K8sObject, relative: Any) -> str | None:
        if relative is None or relative == "":
            return "has no path (set localhostProfile to a file under the kubelet's seccomp root)"
        if not isinstance(relative, str):
            return None  # the API server rejects it; not a path to check
        invalid = path_problem(relative)
        if invalid:
            return f"{json.dumps(relative)} {invalid}"
        if not self.root:
            return None
        full = os.path.join(self.root, relative)
        if not os.path.isfile(full):
            if operator_profile(obj, relative):
                return None
            return f"{json.dumps(relative)} is not a file under the seccomp root {self.root}"
        why = seccomp_file_problem(os.path.abspath(full))
        return f"{json.dumps(relative)} {why}" if why else None


def operator_profile(obj: K8sObject, relative: str) -> bool:
    """Whether `operator/NAMESPACE/NAME.json` names a Security Profiles Operator SeccompProfile of
    the same input."""
    parts = relative.split("/")
    if len(parts) != 3 or parts[0] != "operator" or not parts[2].endswith(".json"):
        return False
    found = obj.related("SeccompProfile", parts[2][:-len(".json")], namespaced=False)
    return found is not None and found.ref.api_version.startswith(SPO_API) \
        and found.ref.namespace in (None, parts[1])


def apparmor_references(pod: PodSpec) -> Iterator[tuple[FieldPath, str | None, Any, str]]:
    """Each `Localhost` AppArmor profile of the pod: (path, container, profile name, what names it)."""
    for who, container, setting in pod.own_settings("appArmorProfile"):
        profile = setting.value
        if isinstance(profile, dict) and profile.get("type") == "Localhost":
            path = (*setting.path, "localhostProfile" if "localhostProfile" in profile else "type")
            yield path, container.name if container else None, profile.get("localhostProfile"), \
                f"{who} ({field_name(pod, container, path)})"
    for key, value in string_annotations(pod, APPARMOR_ANNOTATION):
        if value.startswith("localhost/"):
            yield (annotation_path(pod, key), key[len(APPARMOR_ANNOTATION):], value[len("localhost/"):],
                   f"annotation {key}")


class AppArmorLocalhostProfile(PodRule):
    """A `Localhost` AppArmor profile must name a profile loaded on the node.

    ## What it checks
    Each `Localhost` AppArmor profile of the pod and its containers: the field
    `securityContext.appArmorProfile` (`type: Localhost` with `localhostProfile`) and the
    annotations `container.apparmor.security.beta.kubernetes.io/<container>` set to
    `localhost/<name>`:

    - the name must be set (not empty);
    - with `--apparmor-dir DIR` (or the rule's `apparmor-dir` option; a relative directory is
      taken from the current directory), a profile of that name must be defined by a file
      under `DIR` (every AppArmor profile file there is read, whatever its name; hats and
      nested profiles are `parent//child`). The message suggests a close name.

    ## Why
    The kubelet refuses to start a container whose AppArmor profile is not loaded on the node
    (`Cannot enforce AppArmor: profile "x" is not loaded`): a misspelt name, or a profile
    left out of the node's configuration, fails the pod there instead of at review.

    ## Failing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
      annotations:
        container.apparmor.security.beta.kubernetes.io/app: localhost/
    spec:
      containers:
        - name: app
          image: nginx:1.27
    ```

    ## Passing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      securityContext:
        appArmorProfile:
          type: Localhost
          localhostProfile: k8s-web
      containers:
        - name: app
          image: nginx:1.27
    ```

    ## Fix
    No automatic fix: name a profile that the nodes load (and that the directory given to
    `--apparmor-dir` defines).
    """

    code = "KL822"
    name = "apparmor-localhost-profile"
    topic = "profiles_references"
    severity = Severity.HIGH
    references = (APPARMOR_DOC,)
    options = {"apparmor-dir": ""}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.directory = self.config["apparmor-dir"]
        if self.directory and not os.path.isdir(self.directory):
            raise ValueError(f"the AppArmor directory {self.directory} is not a directory")

    def check_pod(self, obj: K8sObject, pod: PodSpec) -> Iterator[Violation]:
        for path, container, name, where in apparmor_references(pod):
            problem = self.problem(name)
            if problem:
                yield Violation(path, f"{where}: the Localhost AppArmor profile {problem}",
                                container=container)

    def problem(self, name: Any) -> str | None:
        if name is None or (isinstance(name, str) and not name.strip()):
            return "has no name (name a profile loaded on the node)"
        if not isinstance(name, str) or not self.directory:
            return None
        names = defined_names(os.path.abspath(self.directory))
        if name in names:
            return None
        import difflib  # only for a misspelling: start-up time

        close = difflib.get_close_matches(name, sorted(names), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]}?)" if close else ""
        return f"{json.dumps(name)} is not defined by any profile in {self.directory}{hint}"


@cache
def defined_names(directory: str) -> frozenset[str]:
    return frozenset(profile_names(directory))


SECCOMP_ANNOTATION_FIELDS_VERSION = (1, 19)  # seccompProfile fields GA; the annotations deprecated
APPARMOR_FIELD_VERSION = (1, 30)  # appArmorProfile field; the annotations deprecated


def annotation_field(value: str) -> dict[str, str] | None:
    """The field value equivalent to a seccomp or AppArmor annotation value, or None."""
    if value in ("runtime/default", "docker/default"):
        return {"type": "RuntimeDefault"}
    if value.startswith("localhost/") and value[len("localhost/"):]:
        return {"type": "Localhost", "localhostProfile": value[len("localhost/"):]}
    return None


class DeprecatedProfileAnnotation(PodRule):
    """A seccomp or AppArmor profile is set by a deprecated annotation instead of the field.

    ## What it checks
    The annotations of the pod (template):

    - `seccomp.security.alpha.kubernetes.io/pod` and
      `container.seccomp.security.alpha.kubernetes.io/<container>` (deprecated since
      Kubernetes 1.19, when `securityContext.seccompProfile` became GA; kubelets ignore them
      since 1.25, and only pod creation still copies them into the fields);
    - `container.apparmor.security.beta.kubernetes.io/<container>` (deprecated since 1.30 and
      its `securityContext.appArmorProfile` field).

    Version-aware: with `--pss-version v1.N` (the cluster's version) below 1.19 nothing is
    reported, and the AppArmor annotations only from 1.30. `unconfined` values are left to
    `seccomp-unconfined-anywhere` and `apparmor-unconfined`; annotations for containers the
    pod does not have are not read by anything and are skipped.

    ## Why
    The annotations are on their way out: tools and admission policies that read only the
    fields (Pod Security Admission from v1.19 among them) do not see them, and a future
    release drops the copy into the fields.

    ## Failing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
      annotations:
        seccomp.security.alpha.kubernetes.io/pod: runtime/default
        container.apparmor.security.beta.kubernetes.io/app: localhost/k8s-web
    spec:
      containers:
        - name: app
          image: nginx:1.27
    ```

    ## Passing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      securityContext:
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: app
          image: nginx:1.27
          securityContext:
            appArmorProfile:
              type: Localhost
              localhostProfile: k8s-web
    ```

    ## Fix
    Safe: write the equivalent field (`seccompProfile`, `appArmorProfile`, with `type` and
    `localhostProfile`) where the annotation applies (the pod's or the container's
    `securityContext`); the profile the workload runs with does not change. Once the field is
    there, the annotation is redundant: removing it is unsafe (`--unsafe-fixes`), as it
    changes what the author wrote and what older tooling reads. An annotation that
    contradicts the field gets no fix.
    """

    code = "KL823"
    name = "deprecated-profile-annotation"
    topic = "profiles_references"
    severity = Severity.LOW
    min_pss_version = SECCOMP_ANNOTATION_FIELDS_VERSION
    references = (SECCOMP_DOC, APPARMOR_DOC)

    def check_pod(self, obj: K8sObject, pod: PodSpec) -> Iterator[Violation]:
        by_name = {container.name: container for container in pod.containers}
        for key, value in string_annotations(pod, SECCOMP_POD_ANNOTATION):
            if key == SECCOMP_POD_ANNOTATION:
                yield from self.annotation(obj, pod, key, value, None, "seccompProfile", "1.19")
        for key, value in string_annotations(pod, SECCOMP_CONTAINER_ANNOTATION):
            container = by_name.get(key[len(SECCOMP_CONTAINER_ANNOTATION):])
            if container is not None:
                yield from self.annotation(obj, pod, key, value, container, "seccompProfile", "1.19")
        if self.pss_version < APPARMOR_FIELD_VERSION:
            return
        for key, value in string_annotations(pod, APPARMOR_ANNOTATION):
            container = by_name.get(key[len(APPARMOR_ANNOTATION):])
            if container is not None:
                yield from self.annotation(obj, pod, key, value, container, "appArmorProfile", "1.30")

    def annotation(self, obj: K8sObject, pod: PodSpec, key: str, value: str, container: Any,
                   field: str, since: str) -> Iterator[Violation]:
        if value == "unconfined":
            return
        path = annotation_path(pod, key)
        name = container.name if container is not None else None
        equivalent = annotation_field(value)
        setting = container.own(field) if container is not None else pod.field("securityContext", field)
        target = field_name(pod, container, setting.path)
        message = f"annotation {key} is deprecated since Kubernetes {since}"
        if equivalent is None:
            yield Violation(path, f"{message}; set {target} instead", container=name)
        elif setting.value is None:
            # About the field to write (so that the finding is gone once it is written), shown at the
            # annotation; the annotation then repeats the field, a finding of its own.
            fix = set_field(obj, setting.path, equivalent, Applicability.SAFE, f"set {target}")
            yield Violation(setting.path, f"{message}; set {target} ({inline(equivalent)}) instead",
                            container=name, fix=fix, span=obj.span(path))
        elif setting.value == equivalent:
            fix = remove_field(obj, path, Applicability.UNSAFE, f"remove the annotation {key}")
            yield Violation(path, f"{message} and repeats {target}; remove it", container=name, fix=fix)
        else:
            yield Violation(path, f"{message} and contradicts {target}; remove one", container=name)


def inline(value: dict[str, str]) -> str:
    return "{" + ", ".join(f"{key}: {item}" for key, item in value.items()) + "}"
