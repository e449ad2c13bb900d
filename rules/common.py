"""What several rule modules share: reference links and how messages name fields."""

from __future__ import annotations

from klint.document import FieldPath
from klint.k8s import Container, PodSpec, format_path
from klint.rule import Profile, Rule

PSS_DOC = "https://kubernetes.io/docs/concepts/security/pod-security-standards/"
SECURITY_CONTEXT_DOC = "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/"
RBAC_GOOD_PRACTICES = "https://kubernetes.io/docs/concepts/security/rbac-good-practices/"
FALCO_K8S_AUDIT_RULES = ("https://github.com/falcosecurity/plugins/blob/main/plugins/k8saudit/rules/"
                         "k8s_audit_rules.yaml")


def container_field(container: Container, path: FieldPath) -> str:
    """A container's field as messages name it: `securityContext.capabilities.add[0]`."""
    return format_path(path[len(container.path):])


def pod_field(pod: PodSpec, path: FieldPath) -> str:
    """A pod spec's field as messages name it: `securityContext.runAsUser`, `volumes[0].hostPath`."""
    return format_path(path[len(pod.path):])


def in_user_namespace(pod: PodSpec, pss_version: tuple[int, int]) -> bool:
    """Whether Pod Security Admission relaxes its user checks for the pod: `hostUsers: false` puts
    it in a user namespace, where UID and GID 0 map to an unprivileged user of the node. Upstream
    applies this from policy version v1.35 (relaxPolicyForUserNamespacePod); before, the relaxation
    sat behind the alpha UserNamespacesPodSecurityStandards feature gate, off by default."""
    return pss_version >= (1, 35) and pod.field("hostUsers").value is False


WINDOWS_RESTRICTED_VERSION = (1, 25)


def restricted_exempts_windows(pod: PodSpec, pss_version: tuple[int, int]) -> bool:
    """Whether the restricted standard's version of a check passes the pod because it runs Windows
    (`spec.os.name: windows`): upstream's restricted seccomp, capabilities and privilege-escalation
    checks do so from policy version v1.25, and at the restricted level they replace their baseline
    twins (`OverrideCheckIDs`; the registry drops an overridden check from the restricted set)."""
    return pod.is_windows and pss_version >= WINDOWS_RESTRICTED_VERSION


def judged_as_restricted(rule: Rule) -> bool:
    """Whether the run evaluates the restricted level (`--profile restricted` or `all`), where a
    baseline check that restricted overrides is evaluated as its restricted twin."""
    return rule.run_profile.includes(Profile.RESTRICTED)


def yaml_scalar(value: object) -> str:
    """A decoded scalar as a message shows it: YAML's spelling of booleans and null, strings quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return f'"{value}"' if isinstance(value, str) else str(value)
