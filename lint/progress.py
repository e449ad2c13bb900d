"""A progress bar on a terminal's standard error, for runs long enough to want one."""

from __future__ import annotations

import time
from typing import TextIO

DELAY = 2.0  # seconds of a run before the bar shows: short runs print nothing
INTERVAL = 0.1  # seconds between redraws
WIDTH = 30


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or odd stream
        return False


class Progress:
    """`progress(done, total)` redraws one line, `[#####.....] 120/1000 inputs`, with carriage
    returns and spaces only (no escape sequences); `close()` erases it before the report."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.start = time.monotonic()
        self.drawn_at = 0.0
        self.width = 0  # of the line drawn, 0 when none is

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.start < DELAY or (now - self.drawn_at < INTERVAL and done < total):
            return
        self.drawn_at = now
        filled = WIDTH * done // max(total, 1)
        line = f"[{'#' * filled}{'.' * (WIDTH - filled)}] {done}/{total} inputs"
        self.stream.write("\r" + line.ljust(self.width))
        self.stream.flush()
        self.width = len(line)

    def close(self) -> None:
        if self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0


def progress_for(stream: TextIO, wanted: bool) -> Progress | None:
    """A bar on `stream` when it is a terminal and the user did not turn it off; else none."""
    return Progress(stream) if wanted and is_terminal(stream) else None
