"""What a rule is: metadata, documentation (its docstring) and a check that yields violations."""

from __future__ import annotations

import enum
import inspect
import re
from collections.abc import Iterator
from dataclasses import KW_ONLY, dataclass
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:  # `klint --version` and `klint rules` need none of the engine
    from klint.document import FieldPath
    from klint.fix import Fix
    from klint.k8s import Container, K8sObject, PodSpec
    from klint.source import Span

LATEST_PSS_VERSION = (1, 37)
FIRST_PSS_VERSION = (1, 0)
DEFAULT_SECURITY_SEVERITY = {"critical": 9.5, "high": 8.0, "medium": 5.5, "low": 3.0}


class Severity(enum.IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            choices = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {text!r} (choose from {choices})") from None

    @property
    def label(self) -> str:
        return self.name.lower()


class Level(enum.Enum):
    """Pod Security Standards level."""

    BASELINE = "baseline"
    RESTRICTED = "restricted"


class Profile(enum.Enum):
    """The rule sets `--profile` chooses from; each includes the one before it."""

    BASELINE = "baseline"  # Pod Security Standards baseline, and the input rules
    RESTRICTED = "restricted"  # baseline, and Pod Security Standards restricted
    ALL = "all"  # restricted, and every rule beyond the standard (the default)

    @classmethod
    def parse(cls, text: str) -> Profile:
        try:
            return cls(text.strip().lower())
        except ValueError:
            choices = ", ".join(p.value for p in cls)
            raise ValueError(f"unknown profile {text!r} (choose from {choices})") from None

    def includes(self, other: Profile) -> bool:
        order = list(Profile)
        return order.index(other) <= order.index(self)


def parse_pss_version(text: str) -> tuple[int, int]:
    """`v1.N` or `latest`, as the Pod Security Admission `pod-security.kubernetes.io/<mode>-version`
    label spells versions. As upstream, a version newer than the newest klint knows is accepted and
    evaluated as that newest one (see `beyond_known_pss_version`)."""
    text = text.strip()
    if text == "latest":
        return LATEST_PSS_VERSION
    match = re.fullmatch(r"v1\.(0|[1-9][0-9]*)", text)
    if match is None:
        raise ValueError(f"unknown Pod Security Standards version {text!r} "
                         f"(choose from v1.0 to {format_pss_version(LATEST_PSS_VERSION)}, or latest)")
    return min((1, int(match.group(1))), LATEST_PSS_VERSION)


def beyond_known_pss_version(text: str | None) -> bool:
    """Whether a `--pss-version` names a version newer than the newest klint knows."""
    match = re.fullmatch(r"v1\.(0|[1-9][0-9]*)", (text or "").strip())
    return match is not None and int(match.group(1)) > LATEST_PSS_VERSION[1]


def format_pss_version(version: tuple[int, int]) -> str:
    return f"v{version[0]}.{version[1]}"


@dataclass(frozen=True)
class Violation:
    """What a rule reports: the path it is about (relative to the object), a message, and maybe a fix."""

    path: FieldPath
    message: str
    _: KW_ONLY
    container: str | None = None
    fix: Fix | None = None
    span: Span | None = None  # only when the text to point at is not the value at `path`
    # The finding's severity when the rule's varies by finding (a Gatekeeper constraint's
    # enforcementAction); a severity configured for the rule still wins.
    severity: Severity | None = None
    # The API server drops the field at `path` (a rule `explains_fields`: a misspelt or too new key):
    # what other rules find beneath it has no effect, and is not reported.
    dropped: bool = False


DOC_SECTIONS = ("What it checks", "Why", "Failing example", "Passing example", "Fix")
CODE_PATTERN = re.compile(r"KL\d{3}")
NAME_PATTERN = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


class Rule:
    """Base class of every rule; subclasses in `klint.rules` register themselves."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    # SARIF `security-severity` (0.1-10.0); None means the default of the rule's severity.
    security_severity: ClassVar[float | None] = None
    # SARIF/GitHub `precision`: how often a finding is a true positive ("very-high", "high", "medium",
    # "low"). A check of a manifest field is exact; a heuristic (say, an image name) is not.
    precision: ClassVar[str] = "very-high"
    # What the rule is about, in a word (`host`, `confinement`): a SARIF tag that code scanning filters by.
    topic: ClassVar[str | None] = None
    pss: ClassVar[Level | None] = None
    psa_check: ClassVar[str | None] = None  # the upstream Pod Security Admission check ID
    # The Pod Security Standards version whose standard first has this control; with an earlier
    # `--pss-version` the rule does not run (the control did not exist yet).
    min_pss_version: ClassVar[tuple[int, int]] = FIRST_PSS_VERSION
    # Rules about the input itself (how the API server reads it) run in every profile.
    checks_input: ClassVar[bool] = False
    # Rules that run only when selected by name, code or prefix, or turned on by their flag (the
    # findings about suppressions: `--warn-unused-suppressions`), never as part of "every rule".
    opt_in: ClassVar[bool] = False
    # Names of rules whose finding at the same field says all this rule's would, and more (a
    # dangerous capability also fails the baseline allow-list): when both report one field, the
    # engine keeps only theirs. This rule still reports alone when those rules do not run.
    superseded_by: ClassVar[tuple[str, ...]] = ()
    # A rule whose finding at a field explains every other rule's there (a misspelt key reported as
    # the field it meant: the rule that checks that field would only report it missing).
    explains_fields: ClassVar[bool] = False
    # A rule whose messages tell its findings at one field apart (a policy's `deny` results, which
    # often name no field): the message is then part of what identifies a finding (baseline, SARIF).
    identified_by_message: ClassVar[bool] = False
    references: ClassVar[tuple[str, ...]] = ()
    # The same check in other tools, for docs and conformance: tool -> check IDs, where tool is one of
    # "kube-linter", "polaris", "checkov", "trivy" (KSV IDs), "kubescape", "falco".
    equivalents: ClassVar[dict[str, tuple[str, ...]]] = {}
    # Per-rule options settable in config (`rules: {name: {option: value}}`), with their defaults.
    options: ClassVar[dict[str, Any]] = {}

    registry: ClassVar[dict[str, type[Rule]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "code" not in cls.__dict__:  # a base class, or a rule made from a policy (see policies.rules)
            return
        if cls.code in Rule.registry:
            raise TypeError(f"duplicate rule code {cls.code}: {Rule.registry[cls.code].__name__} and "
                            f"{cls.__name__}")
        Rule.registry[cls.code] = cls

    def __init__(self, options: dict[str, Any] | None = None,
                 pss_version: tuple[int, int] = LATEST_PSS_VERSION, profile: Profile = Profile.ALL) -> None:
        self.config = {**self.options, **(options or {})}
        self.pss_version = pss_version  # the Pod Security Standards version to evaluate as (`--pss-version`)
        self.run_profile = profile  # the run's `--profile`: a baseline rule may judge as restricted does

    @classmethod
    def profile(cls) -> Profile:
        """The smallest `--profile` that runs this rule."""
        if cls.pss is Level.BASELINE or cls.checks_input:
            return Profile.BASELINE
        return Profile.RESTRICTED if cls.pss is Level.RESTRICTED else Profile.ALL

    @classmethod
    def anchor(cls) -> str:
        """The rule's heading in docs/rules.md (`## KL101 privileged-container`) as GitHub anchors it."""
        return f"{cls.code.lower()}-{cls.name}"

    @classmethod
    def documentation(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def summary(cls) -> str:
        """The docstring's first line, shown in `klint rules`."""
        return cls.documentation().split("\n", 1)[0]

    @classmethod
    def section(cls, title: str) -> str:
        """One `## title` section of the documentation, without its heading."""
        match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", cls.documentation(), re.M | re.S)
        return match.group(1).strip() if match else ""

    def check(self, obj: K8sObject) -> Iterator[Violation]:
        """The violations in `obj`; the engine calls it only where the rule `applies_to` the object."""
        raise NotImplementedError

    def applies_to(self, obj: K8sObject) -> bool:
        """Whether the rule has something to check in `obj`: only then does it run (and a JUnit report
        show a passed check). Pod Security Standards controls are all about pod specs."""
        return self.pss is None or obj.pod is not None


class KindRule(Rule):
    """A rule about objects of some kinds (`kinds`): `check` runs only for them."""

    kinds: ClassVar[tuple[str, ...]]

    def applies_to(self, obj: K8sObject) -> bool:
        return obj.kind in self.kinds


class PodRule(Rule):
    """A rule about pod specs: `check_pod` runs for each object that has one."""

    def applies_to(self, obj: K8sObject) -> bool:
        return obj.pod is not None

    def check(self, obj: K8sObject) -> Iterator[Violation]:
        if obj.pod is not None:  # always, as `applies_to` says: this tells the type checker
            yield from self.check_pod(obj, obj.pod)

    def check_pod(self, obj: K8sObject, pod: PodSpec) -> Iterator[Violation]:
        raise NotImplementedError


class ContainerRule(PodRule):
    """A rule that looks at each container of a pod spec (all three container lists)."""

    def check_pod(self, obj: K8sObject, pod: PodSpec) -> Iterator[Violation]:
        for container in pod.containers:
            yield from self.check_container(container)

    def check_container(self, container: Container) -> Iterator[Violation]:
        raise NotImplementedError
