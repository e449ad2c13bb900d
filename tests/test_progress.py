"""The progress bar: on a terminal's standard error only, for runs longer than its delay, erased before
the report."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from test_cli import klint
from test_jobs import make_tree

from klint import progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_bar_shows_after_its_delay_and_is_erased(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    monkeypatch.setattr(progress.time, "monotonic", lambda: clock[0])
    stream = Terminal()
    bar = progress.progress_for(stream, True)
    assert bar is not None
    bar(1, 4)
    assert stream.getvalue() == ""  # a short run shows nothing
    clock[0] += progress.DELAY
    bar(2, 4)
    assert stream.getvalue() == "\r[" + "#" * 15 + "." * 15 + "] 2/4 inputs"
    bar(3, 4)  # too soon to redraw
    bar(4, 4)  # the last is always drawn
    assert stream.getvalue().endswith("\r[" + "#" * 30 + "] 4/4 inputs")
    bar.close()
    assert stream.getvalue().endswith("\r" + " " * len("[" + "#" * 30 + "] 4/4 inputs") + "\r")


def test_no_bar_off_a_terminal_or_when_turned_off() -> None:
    assert progress.progress_for(io.StringIO(), True) is None
    assert progress.progress_for(Terminal(), False) is None


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_the_command_line_draws_it_on_standard_error_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         output_format: str) -> None:
    monkeypatch.chdir(tmp_path)
    tree = make_tree(tmp_path).relative_to(tmp_path)
    plain = klint("--format", output_format, str(tree))
    monkeypatch.setattr(progress, "DELAY", 0.0)
    monkeypatch.setattr(progress, "is_terminal", lambda stream: True)
    code, out, err = klint("--format", output_format, str(tree))
    assert (code, out) == plain[:2]
    assert "29/29 inputs" in err
    assert err[err.rindex("\r") + 1:] == plain[2]  # the bar, erased, then what klint prints anyway
    assert klint("--no-progress", "--format", output_format, str(tree)) == plain
