"""Input the API server would reject or read differently from what the text suggests."""

from __future__ import annotations

from collections.abc import Iterator

from klint.k8s import K8sObject, format_path
from klint.rule import Rule, Severity, Violation


class DuplicateKey(Rule):
    """A mapping repeats a key.

    ## What it checks
    Every mapping of the object, at any depth, for a key that appears more than once
    (merge keys `<<` do not count: overriding a merged key is what they are for).

    ## Why
    With strict field validation the API server rejects the object; without it the last
    occurrence silently wins, so a reviewer may read `privileged: false` in the first
    occurrence while the cluster runs the second. klint lints the value that wins.

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
            privileged: false
            privileged: true
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
            privileged: false
    ```

    ## Fix
    No automatic fix: which occurrence was meant is for a person to decide.
    """

    code = "KL001"
    name = "duplicate-key"
    topic = "input"
    severity = Severity.HIGH
    checks_input = True
    references = ("https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation",)

    def check(self, obj: K8sObject) -> Iterator[Violation]:
        for path, key in obj.duplicate_keys():
            yield Violation(
                path,
                f"key {format_path(path)} appears more than once; the API server rejects this with strict "
                f"field validation and otherwise keeps the last one",
                span=key,
            )
