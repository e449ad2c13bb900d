"""YAML nodes and decoded values."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from klint.document import decode_scalar

_NULL_WORDS = frozenset({"", "~", "null", "Null", "NULL"})


def walk(node: Node) -> Iterator[Node]:
    """The node and every node below it (an alias's node once per place it appears)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, MappingNode):
            stack.extend(v for pair in current.value for v in pair)
        elif isinstance(current, SequenceNode):
            stack.extend(current.value)


def is_flow(node: Node) -> bool:
    return isinstance(node, (MappingNode, SequenceNode)) and bool(node.flow_style)


def is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and not node.style and node.value in _NULL_WORDS \
        and decode_scalar(node) is None


def same_value(a: Any, b: Any) -> bool:
    """Equal values of equal types (True is not 1 here), recursively."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)
