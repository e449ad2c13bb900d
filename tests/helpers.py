"""Shared test helpers: lint a YAML snippet with chosen rules and look at what was found where.

    from helpers import lint, where

    FAIL = '''
    apiVersion: v1
    kind: Pod
    ...
    '''
    assert where(FAIL, "host-network") == ["6:3"]          # line:column of each finding's start
    assert where(PASS, "host-network") == []
    assert where(FAIL, "KL301", pss_version="v1.18") == []  # as `--pss-version v1.18` evaluates
"""

from __future__ import annotations

import textwrap
from typing import Any

from klint.config import Settings
from klint.engine import Finding, lint_source
from klint.fix import Fix
from klint.rule import Profile, parse_pss_version
from klint.source import Source


def dedent(text: str) -> str:
    """A triple-quoted snippet as a file: common indentation and the first newline removed."""
    return textwrap.dedent(text).lstrip("\n")


def lint(text: str, *rules: str, pss_version: str = "latest", profile: str = "all",
         options: dict[str, dict[str, Any]] | None = None, path: str = "test.yaml") -> list[Finding]:
    """Findings of the named rules (codes, names or prefixes; none = every rule) on a dedented snippet,
    with the rules chosen exactly as the command line chooses them (`--select`, `--profile`,
    `--pss-version`)."""
    settings = Settings(select=rules, profile=Profile.parse(profile),
                        pss_version=parse_pss_version(pss_version), rule_options=options or {})
    result = lint_source(Source.from_text(path, dedent(text)), settings.enabled_rules(), settings)
    assert not result.problems, result.problems
    return result.findings


def where(text: str, *rules: str, **kwargs: Any) -> list[str]:
    """`line:column` of the start of each finding, in report order."""
    return [f"{f.span.start_line}:{f.span.start_column}" for f in lint(text, *rules, **kwargs)]


def messages(text: str, *rules: str, **kwargs: Any) -> list[str]:
    return [f.message for f in lint(text, *rules, **kwargs)]


def apply(text: str, fix: Fix) -> str:
    """The dedented snippet with one fix's edits applied (edits do not overlap)."""
    out = dedent(text)
    for edit in sorted(fix.edits, key=lambda e: e.start, reverse=True):
        out = out[:edit.start] + edit.text + out[edit.end:]
    return out
