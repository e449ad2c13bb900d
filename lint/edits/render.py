"""Values rendered as YAML text in the document's style."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from klint.document import resolve_plain
from klint.edits.positions import Positions
from klint.edits.refused import Refused

# Strings written without quotes: they must read back as the same string under YAML 1.1 (the API
# server) and 1.2, in block and flow context alike.
_PLAIN = re.compile(r"[A-Za-z_/][A-Za-z0-9_./@+-]*(?: [A-Za-z0-9_./@+-]+)*")


def render_scalar(value: Any, quote: str = '"', json_mode: bool = False) -> str:
    """A scalar as YAML text that decodes (as Kubernetes decodes it) to exactly `value`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            if json_mode:
                raise Refused("JSON cannot hold a NaN or infinite number")
            return ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf")
        return repr(value)
    if not isinstance(value, str):
        raise TypeError(f"cannot render {type(value).__name__} as a YAML scalar")
    if not json_mode and _PLAIN.fullmatch(value) and resolve_plain(value) == value and value != "<<":
        return value
    return _double_quoted(value) if json_mode else quoted(value, quote)


def _double_quoted(value: str) -> str:
    out = json.dumps(value, ensure_ascii=False)
    if out[1:-1].isprintable():
        return out
    return "".join(ch if ch.isprintable() else
                   (f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}") for ch in out)


def quoted(value: str, quote: str) -> str:
    if quote == "'" and value.isprintable():
        return "'" + value.replace("'", "''") + "'"
    return _double_quoted(value)


class Renderer(Positions):
    """Rendering in the document's style."""

    def scalar(self, value: Any) -> str:
        style = self.style
        if style.value_quote and isinstance(value, str) and not style.json:  # as the file writes strings
            return quoted(value, style.value_quote)
        return render_scalar(value, style.quote, style.json)

    def key(self, name: str) -> str:
        """A mapping key, quoted as the file quotes its keys."""
        quote = self.style.key_quote
        return quoted(name, quote) if quote and not self.style.json else self.scalar(name)

    def flow(self, value: Any) -> str:
        if isinstance(value, dict):
            return "{" + ", ".join(f"{self.key(k)}: {self.flow(v)}" for k, v in value.items()) + "}"
        if isinstance(value, list):
            return "[" + ", ".join(self.flow(item) for item in value) + "]"
        return self.scalar(value)

    def block_entry(self, key: str, value: Any, indent: int) -> list[str]:
        head = " " * indent + self.key(key) + ":"
        if isinstance(value, dict) and value and not self.style.json:
            return [head, *self.block_mapping(value, indent + self.style.map_indent)]
        if isinstance(value, list) and value and not self.style.json:
            return [head, *self.block_sequence(value, indent + self.style.seq_indent)]
        return [f"{head} {self.flow(value)}"]

    def block_mapping(self, value: dict[str, Any], indent: int) -> list[str]:
        return [line for k, v in value.items() for line in self.block_entry(k, v, indent)]

    def block_sequence(self, items: list[Any], indent: int, width: int | None = None) -> list[str]:
        """Items with their dashes at `indent`, `width` columns from their content (by default, as
        in the rest of the file)."""
        lines: list[str] = []
        for item in items:
            if isinstance(item, dict) and item:
                gap = width or self.style.item_indent
                inner = self.block_mapping(item, indent + gap)
                lines.append(" " * indent + "-" + " " * (gap - 1) + inner[0][indent + gap:])
                lines.extend(inner[1:])
            else:
                gap = width or self.style.scalar_item_indent
                lines.append(" " * indent + "-" + " " * (gap - 1) + self.flow(item))
        return lines
