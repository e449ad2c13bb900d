"""Locating the nodes a fix edits, and refusing those it cannot edit alone: anchored or aliased
nodes (the edit would change every place that shares them), keys a `<<` merge brought in, explicit
`? key`s."""

from __future__ import annotations

from ruamel.yaml.nodes import MappingNode, Node

from klint.document import FieldPath
from klint.edits.nodes import walk
from klint.edits.positions import Positions
from klint.edits.refused import Refused

# (path, key node, value node) of each step from the document's root
Chain = list[tuple[FieldPath, Node | None, Node]]


# Each document's chains, by path (a refusal kept as its exception): the fixes of a document walk the
# same prefixes again and again (every fix of a container passes through its pod and itself).
_CHAINS: dict[int, tuple[object, Node, dict[FieldPath, Chain | Refused]]] = {}  # by id(document)


class Locator(Positions):
    def chain(self, path: FieldPath) -> Chain:
        """(path, key node, value node) from the document root to the longest present prefix of
        `path`, refusing anchored or aliased nodes and keys that a `<<` merge brought in. (The list
        is shared: it must not be changed.)"""
        cached = _CHAINS.get(id(self.document))
        if cached is None or cached[0] is not self.document or cached[1] is not self.document.root:
            _CHAINS.clear()  # fixes are built document by document: keeping others would keep them alive
            cached = _CHAINS[id(self.document)] = (self.document, self.document.root, {})
        chains = cached[2]
        found = chains.get(path)
        if found is None:
            try:
                found = self._chain(path)
            except Refused as err:
                found = err
            chains[path] = found
        if isinstance(found, Refused):
            raise Refused(str(found))
        return found

    def _chain(self, path: FieldPath) -> Chain:
        """The chain of `path`: its parent's, with one step more when the parent is present."""
        if not path:
            self.check_node(self.document.root, ())
            return [((), None, self.document.root)]
        above = self.chain(path[:-1])
        if len(above) < len(path):  # a prefix is missing: so is the path
            return above
        entry = self.document.entries.get(path)
        if entry is None:
            return above
        parent = above[-1][2]
        if isinstance(parent, MappingNode) and not any(k is entry.key for k, _ in parent.value):
            raise Refused(f"{self.named(path)} comes from a `<<` merge")
        if entry.key is not None:
            if entry.value.start_mark.index < entry.key.end_mark.index:
                raise Refused(f"{self.named(path)} is an alias (*)")
            self.colon_after(entry.key)  # refuses an explicit `? key`
        self.check_node(entry.value, path)
        return [*above, (path, entry.key, entry.value)]

    def check_node(self, node: Node, path: FieldPath) -> None:
        if self.anchored(node):
            raise Refused(f"{self.named(path)} is anchored (&) or aliased (*): "
                          "the edit would change every place that shares it")

    def check_subtree(self, node: Node) -> None:
        """Text about to be deleted must define no anchor that an alias may refer to."""
        if self.text.find("&", node.start_mark.index, node.end_mark.index) >= 0 \
                and any(self.anchored(current) for current in walk(node)):
            raise Refused("the text to delete defines an anchor (&) that aliases may use")

    def anchored(self, node: Node) -> bool:
        """Whether the node's properties (`&anchor`, `!tag`) include an anchor. The C composer
        keeps no anchors on nodes, so they are read from the text."""
        text, i = self.text, node.start_mark.index
        while i < len(text) and text[i] in "&!":
            if text[i] == "&":
                return True
            while i < len(text) and text[i] not in " \t\r\n":
                i += 1
            while i < len(text) and text[i] in " \t\r\n":
                i += 1
        return False
