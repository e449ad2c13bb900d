"""Robustness on real-world manifests (../shared/corpus/real, when present): every file is linted
without an internal error, a crash or a hang."""

from __future__ import annotations

from pathlib import Path

import pytest

from klint.config import Settings
from klint.discover import discover
from klint.engine import lint_file

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "real"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"{CORPUS} is not available")


def test_every_real_manifest_lints_without_an_internal_error() -> None:
    settings = Settings()
    rules = settings.enabled_rules()
    files = list(discover([str(CORPUS)]))
    assert len(files) > 1000
    objects = findings = 0
    internal: list[str] = []
    for path in files:
        result = lint_file(path, rules, settings)
        objects += result.objects
        findings += len(result.findings)
        internal.extend(f"{p.path}:{p.line}:{p.column}: {p.message}" for p in result.problems
                        if p.message.startswith("internal error") or "nests too deeply" in p.message)
        for finding in result.findings:
            span = finding.span
            assert 1 <= span.start_line <= span.end_line, finding
            assert 0 <= span.start_offset <= span.end_offset, finding
    assert internal == []
    assert objects > 2000 and findings > 0
