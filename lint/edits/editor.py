"""The editor: builds the edits of one fix on one document's text, setting and adding values in
the document's style (see klint.edits for what it promises)."""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml.nodes import CollectionNode, MappingNode, Node, ScalarNode, SequenceNode

from klint.document import FieldPath, decode_scalar, key_string
from klint.edits.nodes import is_null, same_value
from klint.edits.refused import Refused
from klint.edits.removal import Removal
from klint.edits.render import Renderer, quoted
from klint.k8s import lookup, new_key_place

_BLANK_REST = re.compile(r"[ \t]*(#[^\n]*)?(\r?\n|\Z)")


class Editor(Removal, Renderer):
    """The operations (paths are absolute in the document)."""

    def set(self, path: FieldPath, value: Any) -> None:
        present, key, node = self.chain(path)[-1]
        if len(present) == len(path):
            self.replace(path, key, node, value)
            return
        missing = [step for step in path[len(present):] if isinstance(step, str)]
        if len(present) + len(missing) < len(path):
            raise Refused(f"{self.named(path)} needs list items that are not there")
        for step in reversed(missing[1:]):
            value = {step: value}
        if isinstance(node, MappingNode):
            self.insert_entries(present, key, node, {missing[0]: value})
        elif is_null(node):
            self.fill_null(present, key, node, {missing[0]: value})
        else:
            raise Refused(f"{self.named(present)} is not a mapping")

    def append(self, path: FieldPath, item: Any) -> None:
        present, _, node = self.chain(path)[-1]
        if len(present) < len(path) or is_null(node):
            self.set(path, [item])
        elif not isinstance(node, SequenceNode):
            raise Refused(f"{self.named(path)} is not a list")
        elif node.flow_style:
            self.insert_flow(node, [self.flow(item)])
        elif not self.text.startswith("-", node.start_mark.index):
            raise Refused("a list whose first dash is not where expected")
        elif self.unbroken_block_scalar_ends_at(self.line_end(node)):
            raise Refused("the list ends the file with a block scalar and no line break")
        else:
            self.insert_lines(self.insertion_point(node),
                              self.block_sequence([item], node.start_mark.column, self.item_width(node)))

    def replace(self, path: FieldPath, key: Node | None, node: Node, value: Any) -> None:
        if same_value(lookup(self.document.data, path), value):
            return
        if isinstance(value, dict) and isinstance(node, MappingNode):
            self.merge(path, key, node, value)
        elif isinstance(node, ScalarNode) and not isinstance(value, (dict, list)):
            if isinstance(value, str) and node.style in ("'", '"'):
                self.put(node, quoted(value, node.style))  # keep the value quoted as it was
            else:
                self.put(node, self.scalar(value))
        elif is_null(node):
            self.fill_null(path, key, node, value)
        elif isinstance(node, SequenceNode) and isinstance(value, list):
            self.replace_sequence(key, node, value)
        else:
            raise Refused(f"{self.named(path)} holds a value of another shape")

    def merge(self, path: FieldPath, key: Node | None, node: MappingNode, value: dict[str, Any]) -> None:
        missing = {}
        for name, item in value.items():
            child = (*path, name)
            if child in self.document.entries:
                _, key, child_node = self.chain(child)[-1]
                self.replace(child, key, child_node, item)
            else:
                missing[name] = item
        if missing:
            self.insert_entries(path, key, node, missing)

    def insert_entries(self, path: FieldPath, key: Node | None, node: MappingNode,
                       value: dict[str, Any]) -> None:
        if node.flow_style:
            if not node.value and self.block_value_fits(path, key, node):
                # `securityContext: {}` (or Helm's `securityContext:` and `{}` below it) with keys
                # added is a block mapping, as people write it
                assert key is not None
                self.block_value(key, node, value)
                return
            self.insert_flow(node, [f"{self.key(k)}: {self.flow(v)}" for k, v in value.items()])
            return
        indent = node.value[0][0].start_mark.column
        lines = [line for k, v in value.items() for line in self.block_entry(k, v, indent)]
        offset = self.placed(path, node, next(iter(value)))
        if offset is None:
            offset = self.insertion_point(node)
        if self.unbroken_block_scalar_ends_at(offset):
            # A line break after it would join the scalar's value: go before the last entry instead.
            last_key = node.value[-1][0]
            offset = self.line_start(last_key.start_mark.index)
            if self.text[offset:last_key.start_mark.index].strip():
                raise Refused("the mapping ends the file with a block scalar and no line break")
        self.insert_lines(offset, lines)

    def placed(self, path: FieldPath, node: MappingNode, key: str) -> int | None:
        """Where a new key goes among the mapping's entries when people put it elsewhere than at
        the end (`klint.k8s.new_key_place`): a line start (None: at the end)."""
        names = [key_string(decode_scalar(k)) if isinstance(k, ScalarNode) else None for k, _ in node.value]
        place = new_key_place(path[self.floor - 1:], [n for n in names if isinstance(n, str)], key)
        if place is None:
            return None
        where, sibling = place
        index = len(names) - 1 - names[::-1].index(sibling)
        sibling_key, sibling_value = node.value[index]
        if where == "after":
            if index == len(node.value) - 1:
                return None
            if isinstance(sibling_value, (MappingNode, SequenceNode)) and not sibling_value.flow_style:
                return self.insertion_point(sibling_value)
            return self.line_end(sibling_value)
        offset = self.line_start(sibling_key.start_mark.index)
        if self.text[offset:sibling_key.start_mark.index].strip(" "):
            return None  # the key shares its line (`- containers:`)
        while offset > 0:  # the comment lines right above the key, at its column, are about it
            above = self.line_start(offset - 1)
            line = self.text[above:offset]
            content = line.lstrip(" ")
            if not content.startswith("#") or len(line) - len(content) != sibling_key.start_mark.column:
                break
            offset = above
        return offset

    def block_value_fits(self, path: FieldPath, key: Node | None, node: Node) -> bool:
        """Whether an empty flow collection may become a block one: the value of a key in a block
        mapping of a YAML file, alone on its line or after its key (but for a comment)."""
        if key is None or self.style.json or not path:
            return False
        parent = self.document.entries[path[:-1]].value
        if not isinstance(parent, MappingNode) or parent.flow_style:
            return False
        inner = self.text[node.start_mark.index:node.end_mark.index]
        return inner.replace(" ", "") in ("{}", "[]") \
            and _BLANK_REST.match(self.text, node.end_mark.index) is not None

    def block_value(self, key: Node, node: Node, value: Any) -> None:
        """Replace the value after a key (an empty or null one, alone on its line or after the key)
        by a block collection on the lines below the key."""
        if node.end_mark.index > node.start_mark.index:  # `key: null`, `key: {}`: drop the word
            self.edit(self.colon_after(key), node.end_mark.index, "")
        column = key.start_mark.column
        if isinstance(value, dict):
            lines = self.block_mapping(value, column + self.style.map_indent)
        else:
            lines = self.block_sequence(value, column + self.style.seq_indent)
        newline = self.text.find("\n", node.end_mark.index)
        self.insert_lines(len(self.text) if newline < 0 else newline + 1, lines)

    def insert_flow(self, node: Node, parts: list[str]) -> None:
        """Add entries (or items) at the end of a flow mapping (or sequence)."""
        text = self.text
        close = node.end_mark.index - 1
        if text[close:close + 1] not in ("}", "]"):
            raise Refused("a flow collection whose end is not where expected")
        if not node.value:
            self.edit(close, close, ", ".join(parts))
            return
        last = node.value[-1]
        first_of_last = (last[0] if isinstance(node, MappingNode) else last).start_mark
        end = self.child_end(node, len(node.value) - 1)
        line = self.line_start(first_of_last.index)
        if line > node.start_mark.index and not text[line:first_of_last.index].strip():
            separator = "," + self.style.newline + " " * first_of_last.column  # one per line
        else:
            separator = ", "
        self.edit(end, end, separator + separator.join(parts))

    def fill_null(self, path: FieldPath, key: Node | None, node: Node, value: Any) -> None:
        """Replace an empty or null value by a collection."""
        parent = self.document.entries[path[:-1]].value if path else None
        if key is None or not isinstance(parent, CollectionNode):
            raise Refused(f"{self.named(path)} is a null list item")
        if self.style.json or parent.flow_style or not value:
            self.put(node, self.flow(value))
            return
        if self.line_start(node.start_mark.index) != self.line_start(key.start_mark.index) \
                or _BLANK_REST.match(self.text, node.end_mark.index) is None:
            raise Refused("a null value that is not alone on its key's line")
        self.block_value(key, node, value)

    def replace_sequence(self, key: Node | None, node: SequenceNode, value: list[Any]) -> None:
        if node.flow_style:
            self.edit(node.start_mark.index, node.end_mark.index, self.flow(value))
        elif not value:
            self.collapse(key, node, "[]")
        elif not self.text.startswith("-", node.start_mark.index):
            raise Refused("a list whose first dash is not where expected")
        else:
            column = node.start_mark.column
            lines = self.block_sequence(value, column, self.item_width(node))
            lines[0] = lines[0][column:]  # the first dash stays where it is
            end = self.line_end(node)
            text = self.style.newline.join(lines)
            if self.text[end - 1:end] == "\n":
                text += self.style.newline
            self.edit(node.start_mark.index, end, text)
