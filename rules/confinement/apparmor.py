"""AppArmor: the profile a pod's containers run with."""

from __future__ import annotations

from collections.abc import Iterator

from klint.edits import set_field
from klint.fix import Applicability
from klint.k8s import K8sObject, PodSpec
from klint.rule import Level, PodRule, Severity, Violation
from klint.rules.common import PSS_DOC
from klint.rules.confinement.common import annotation_path, string_annotations, type_violation

APPARMOR_DOC = "https://kubernetes.io/docs/tutorials/security/apparmor/"
# check_appArmorProfile.go: the annotation and the field, at every policy version.
APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"
APPARMOR_TYPES = ("RuntimeDefault", "Localhost")


class AppArmorUnconfined(PodRule):
    """AppArmor must not be turned off or set to a profile outside the allowed ones.

    ## What it checks
    The AppArmor profile of the pod and of every container, init container and ephemeral
    container, both where Kubernetes reads it today and where it used to:

    - the field `securityContext.appArmorProfile.type` (pod and containers): allowed are
      `RuntimeDefault` and `Localhost`; `Unconfined`, or a profile without a type, fails;
    - the annotations `container.apparmor.security.beta.kubernetes.io/<container>` on the
      pod (template) metadata: allowed are `runtime/default`, `localhost/<profile>` and the
      empty string; `unconfined` or anything else fails.

    Not setting a profile passes: the container runtime then applies its default profile on
    nodes with AppArmor. Pod Security Standards, baseline: check `appArmorProfile`. Upstream
    has one version of this check (v1.0), which reads the field as well as the annotation
    since Kubernetes 1.30 added the field, so every `--pss-version` checks both, as a current
    API server does.

    An explicit `Unconfined` is reported here, at high severity; klint has no "AppArmor not
    set" rule, because an unset profile already means the runtime default.

    ## Why
    AppArmor limits what a container's processes may do with files, mounts, signals and the
    network even when they run as root. `Unconfined` removes that layer, and with it the
    protection against several container escapes.

    ## Failing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
      annotations:
        container.apparmor.security.beta.kubernetes.io/app: unconfined
    spec:
      containers:
        - name: app
          image: nginx:1.27
          securityContext:
            appArmorProfile:
              type: Unconfined
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
          type: RuntimeDefault
      containers:
        - name: app
          image: nginx:1.27
    ```

    ## Fix
    Set the type to `RuntimeDefault` (the annotation to `runtime/default`). Unsafe: a
    workload that needed to run unconfined (a node agent, a nested container runtime) may
    be denied operations. A profile written without a type gets `type: RuntimeDefault`,
    which is safe: the API server rejects such a profile, so nothing runs with it.
    """

    code = "KL301"
    name = "apparmor-unconfined"
    topic = "confinement"
    severity = Severity.HIGH
    pss = Level.BASELINE
    psa_check = "appArmorProfile"
    references = (PSS_DOC, APPARMOR_DOC)
    equivalents = {"trivy": ("KSV002",)}

    def check_pod(self, obj: K8sObject, pod: PodSpec) -> Iterator[Violation]:
        for who, container, setting in pod.own_settings("appArmorProfile"):
            violation = type_violation(obj, who, container, setting, "AppArmor", APPARMOR_TYPES)
            if violation:
                yield violation
        for key, value in string_annotations(pod, APPARMOR_ANNOTATION):
            if value in ("", "runtime/default") or value.startswith("localhost/"):
                continue
            name = key[len(APPARMOR_ANNOTATION):]
            path = annotation_path(pod, key)
            unconfined = value == "unconfined"
            problem = "runs" if unconfined else "sets an AppArmor profile that is not allowed for"
            confinement = " without AppArmor confinement" if unconfined else ""
            yield Violation(
                path,
                f'annotation {key}: {value} {problem} container "{name}"{confinement}; set it to '
                "runtime/default or localhost/<profile>, or remove it",
                container=name,
                fix=set_field(obj, path, "runtime/default", Applicability.UNSAFE,
                              "set the AppArmor annotation to runtime/default") if unconfined else None,
            )
