"""Findings about klint's own suppression comments and annotations (`--warn-unused-suppressions`).

The suppression pass (`klint.suppress`) reports these: the rules here carry their documentation,
severity and codes, and check no object themselves."""

from __future__ import annotations

from klint.k8s import K8sObject
from klint.rule import Rule, Severity
from klint.suppress import BLANKET_SUPPRESSION, UNUSED_SUPPRESSION


class SuppressionRule(Rule):
    severity = Severity.LOW
    checks_input = True
    opt_in = True

    def applies_to(self, obj: K8sObject) -> bool:
        return False


class UnusedSuppression(SuppressionRule):
    """A suppression comment or annotation suppresses nothing.

    ## What it checks
    Every `# klint: ignore[...]`, `ignore-document` and `ignore-file` comment and every
    `klint.dev/ignore` annotation: a rule it names (or, for a bare `ignore`, any rule) must have a
    finding there to suppress; a name that is no rule is reported too. A rule that did not run
    (not selected, or off in this profile) is not reported: it may have something to suppress in
    a run that enables it. Other tools' ignore annotations are never reported (they may be meant
    for that tool alone). Runs with `--warn-unused-suppressions` (or when selected).

    ## Why
    A suppression outlives the finding it was written for: the workload is fixed, or the field
    moves, and the stale comment would silently hide a new finding of the same rule there. Like
    ruff's RUF100, this keeps every exception in the repository one that is still needed.

    ## Failing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      hostNetwork: false  # klint: ignore[host-network] the old CNI needed it
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
      hostNetwork: true  # klint: ignore[host-network] the CNI agent serves the node's network
      containers:
        - name: app
          image: nginx:1.27
    ```

    ## Fix
    No automatic fix: delete the comment, or the rule's name from it, once nothing needs it.
    """

    code = UNUSED_SUPPRESSION
    name = "unused-suppression"
    topic = "suppressions"
    references = ("https://docs.astral.sh/ruff/rules/unused-noqa/",)


class BlanketSuppression(SuppressionRule):
    """A suppression comment names no rule.

    ## What it checks
    `# klint: ignore`, `# klint: ignore-document` and `# klint: ignore-file` without a list of
    rules in brackets. Runs with `--warn-unused-suppressions` (or when selected).

    ## Why
    A bare suppression hides every finding it covers, today's and any that a later change or a
    new rule brings: a privileged container added beside an accepted host path would go unseen.
    Naming the rules keeps the exception to what was reviewed.

    ## Failing example
    ```yaml
    apiVersion: v1
    kind: Pod
    metadata:
      name: web
    spec:
      hostNetwork: true  # klint: ignore
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
      hostNetwork: true  # klint: ignore[host-network] the CNI agent serves the node's network
      containers:
        - name: app
          image: nginx:1.27
    ```

    ## Fix
    No automatic fix: name the rules the suppression is meant for, `# klint: ignore[host-network]`.
    """

    code = BLANKET_SUPPRESSION
    name = "blanket-suppression"
    topic = "suppressions"
