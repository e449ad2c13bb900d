"""Source text and positions.

Offsets are defined once: they index the decoded text with any leading UTF-8 BOM removed,
counting characters (code points), exactly as the YAML composer's marks do. Lines and
columns in a `Span` are 1-based, as every report shows them.
"""

from __future__ import annotations

import bisect
import codecs
from array import array
from dataclasses import dataclass, field
from itertools import accumulate, islice

BOM = "\ufeff"
_ONE = 1


class SourceDecodeError(ValueError):
    """The bytes are not text klint can read (reported with a line and column)."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


@dataclass(frozen=True)
class Span:
    start_line: int
    start_column: int
    end_line: int
    end_column: int
    start_offset: int
    end_offset: int


@dataclass
class Source:
    """One input: a file or standard input, decoded once."""

    path: str  # as shown in reports
    text: str  # decoded, BOM removed
    has_bom: bool = False
    encoding: str = "utf-8"  # of the bytes read, and so written: "utf-8", "utf-16-le" or "utf-16-be"
    # 8 bytes a line, not a list's 40: a long stream has a million lines
    _line_starts: array[int] = field(default_factory=lambda: array("q"), repr=False)

    @classmethod
    def from_bytes(cls, path: str, data: bytes) -> Source:
        """UTF-8, with or without a BOM, and UTF-16 with its BOM, as kubectl reads files (its
        FileVisitor decodes UTF-16 by its BOM) and go-yaml reads streams; not UTF-32, which
        neither reads."""
        if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
            raise SourceDecodeError("UTF-32 text is not read by kubectl or the API server: save it as UTF-8 "
                                    "(or UTF-16)", 1, 1)
        encoding = "utf-8"
        has_bom = True
        if data.startswith(codecs.BOM_UTF8):
            data = data[3:]
        elif data.startswith(codecs.BOM_UTF16_LE):
            data, encoding = data[2:], "utf-16-le"
        elif data.startswith(codecs.BOM_UTF16_BE):
            data, encoding = data[2:], "utf-16-be"
        else:
            has_bom = False
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as err:
            before = data[: err.start].decode(encoding, errors="replace")
            line = before.count("\n") + 1
            column = len(before) - (before.rfind("\n") + 1) + 1
            name = encoding.upper().replace("-LE", "").replace("-BE", "")
            raise SourceDecodeError(f"not valid {name} ({err.reason})", line, column) from None
        return cls(path, text, has_bom, encoding)

    @classmethod
    def from_text(cls, path: str, text: str) -> Source:
        has_bom = text.startswith(BOM)
        return cls(path, text[1:] if has_bom else text, has_bom)

    def original_text(self, text: str | None = None) -> str:
        """The text as it is stored on disk (with its BOM, if it had one)."""
        body = self.text if text is None else text
        return BOM + body if self.has_bom else body

    def encode(self, text: str | None = None) -> bytes:
        """The bytes to store for the text: in the encoding read, with the BOM read."""
        return self.original_text(text).encode(self.encoding)

    def forget_lines(self) -> None:
        """Drop the table of line starts (rebuilt when needed): a result keeps its text, not the table."""
        self._line_starts = array("q")

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        if not self._line_starts:
            # each line starts after the ones before it and their LFs (summed in C, not line by line)
            lines = self.text.split("\n")
            starts = array("q", [0])
            starts.extend(accumulate(map(_ONE.__add__, map(len, islice(lines, len(lines) - 1)))))
            self._line_starts = starts
        line = bisect.bisect_right(self._line_starts, offset) - 1
        return line + 1, offset - self._line_starts[line] + 1

    def span(self, start: int, end: int) -> Span:
        start_line, start_column = self.position(start)
        end_line, end_column = self.position(end)
        return Span(start_line, start_column, end_line, end_column, start, end)

