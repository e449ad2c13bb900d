"""Removing a mapping entry or a list item, with the collections it empties, and how such a
removal composes with the other fixes of a pass (`Refill`, `Emptying`)."""

from __future__ import annotations

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from klint.document import FieldPath, decode_scalar, key_string
from klint.edits.locate import Chain
from klint.edits.refused import Refused
from klint.edits.splice import Splicer
from klint.fix import Edit, Emptying, Refill

# A collection's Emptying is known for its parent's too (removing every key of seLinuxOptions and the
# last other key of its securityContext in one pass) when the parent has at most this many children:
# a larger one is hardly emptied in one pass, and building its removal for every removal below it
# would take a look at all its text each time.
NESTED_EMPTYING = 4


class Removal(Splicer):
    emptyings = True  # whether removals say how their collection goes (`Emptying`)
    def remove(self, path: FieldPath) -> None:
        if path not in self.document.entries:
            return
        chain = self.chain(path)
        (_, _, parent), (_, key, value) = chain[-2:]
        assert isinstance(parent, MappingNode) and key is not None
        self.check_subtree(value)
        if sum(1 for k, _ in parent.value if isinstance(k, ScalarNode)
               and key_string(decode_scalar(k)) == path[-1]) > 1:
            raise Refused(f"the key {path[-1]} appears more than once")
        self.remove_child(chain)

    def remove_item(self, path: FieldPath) -> None:
        if path not in self.document.entries:
            return
        chain = self.chain(path)
        assert isinstance(chain[-2][2], SequenceNode)
        self.check_subtree(chain[-1][2])
        self.remove_child(chain)

    def remove_child(self, chain: Chain) -> None:
        """Remove the chain's last node from its collection. A collection that it empties goes too,
        with its key, and so on up (no `add: []`, `seLinuxOptions: {}` left behind), but for the
        object's own keys (`spec`) and list items, which become `{}` or `[]` instead."""
        top = len(chain) - 1
        while self.removable(chain[top - 1]) and len(chain[top - 1][2].value) == 1:
            top -= 1
        (_, collection_key, collection), (_, key, node) = chain[top - 1:top + 1]
        assert isinstance(collection, (MappingNode, SequenceNode))
        index = next(i for i, child in enumerate(collection.value)
                     if (child[0] is key if isinstance(collection, MappingNode) else child is node))
        emptying = self.emptying(chain[:top + 1], index)
        if collection.flow_style:
            self.remove_flow(collection, index)
        elif len(collection.value) == 1:
            self.collapse(collection_key, collection, "{}" if isinstance(collection, MappingNode) else "[]")
        elif isinstance(collection, SequenceNode):
            dash = self.dash_before(node)
            start = self.line_start(dash)
            if self.text[start:dash].strip(" "):
                raise Refused("the list item does not start its own line")
            self.delete_lines(start, self.line_end(node), node, self.emptied_refill(chain[top:]), emptying)
        elif key is None:
            raise AssertionError("a mapping entry without a key")
        elif self.text[self.line_start(key.start_mark.index):key.start_mark.index].strip(" "):
            # The key shares its line with what precedes it (`- hostNetwork: true`): keep the
            # line's beginning and pull the next key up into its place.
            if index != 0:
                raise Refused("the key does not start its own line")
            self.edit(key.start_mark.index, collection.value[1][0].start_mark.index, "")
        else:
            self.delete_lines(self.line_start(key.start_mark.index), self.line_end(node), node,
                              self.emptied_refill(chain[top:]), emptying)

    def removable(self, entry: tuple[FieldPath, Node | None, Node]) -> bool:
        """Whether an emptied collection goes with its key: not an object's own key (`spec`), not a
        list item."""
        path = entry[0]
        return len(path) > self.floor and isinstance(path[-1], str)

    def emptying(self, chain: Chain, index: int) -> Emptying | None:
        """How the collection that holds the chain's last node (its child `index`) goes should every
        child of it be deleted in one pass (None when it cannot)."""
        collection = chain[-2][2]
        assert isinstance(collection, (MappingNode, SequenceNode))
        if not self.emptyings or self.document.outline_fixes or collection.flow_style \
                or len(collection.value) < 2:
            return None  # (an outlined fix's edits are never applied: how they compose does not matter)
        wholes = self.shared().wholes  # every child's removal has the same
        offset = collection.start_mark.index
        if (offset, self.floor) not in wholes:
            wholes[offset, self.floor] = self.whole(chain[:-1])
        edits = wholes[offset, self.floor]
        return None if edits is None else Emptying(offset, len(collection.value), index, edits)

    def whole(self, chain: Chain) -> tuple[Edit, ...] | None:
        """The edits that remove the chain's last node, a collection, as removing its only child would
        (None when that is refused)."""
        _, key, collection = chain[-1]
        assert isinstance(collection, (MappingNode, SequenceNode))
        whole = type(self)(self.document, self.floor)
        parent = chain[-2][2] if len(chain) > 1 else None
        whole.emptyings = isinstance(parent, (MappingNode, SequenceNode)) \
            and len(parent.value) <= NESTED_EMPTYING
        try:
            self.check_subtree(collection)
            if self.removable(chain[-1]):
                whole.remove_child(chain)
            else:
                whole.collapse(key, collection, "{}" if isinstance(collection, MappingNode) else "[]")
        except Refused:
            return None
        return tuple(whole.edits)

    def emptied_refill(self, levels: Chain) -> Refill | None:
        """For deleting the lines of a collection emptied by removing the chain's last node (its
        collections below it emptied too): the Refill of each level, outermost first, should other
        fixes insert lines into it."""
        refill = None
        for _, key, collection in reversed(levels[:-1]):
            assert key is not None
            refill = self.refill(key, collection, refill)
        return refill

    def remove_flow(self, collection: Node, index: int) -> None:
        children = collection.value
        start = children[index][0] if isinstance(collection, MappingNode) else children[index]
        end = self.child_end(collection, index)
        if len(children) == 1:
            self.edit(start.start_mark.index, end, "")
        elif index + 1 < len(children):
            following = children[index + 1]
            following = following[0] if isinstance(collection, MappingNode) else following
            self.edit(start.start_mark.index, following.start_mark.index, "")
        else:
            self.edit(self.child_end(collection, index - 1), end, "")

    def collapse(self, key: Node | None, collection: Node, empty: str) -> None:
        """Replace a block collection that loses its only child by `{}` or `[]` (an empty block
        collection does not exist), after its key when it has one: `securityContext: {}`. Where the
        child has lines of its own, the edit can instead delete them when other fixes insert lines
        into the collection in the same pass (`Refill`)."""
        end = self.content_end(collection)
        if key is None:
            self.edit(collection.start_mark.index, end, empty)
            return
        self.edits.append(Edit(self.colon_after(key), end, " " + empty, self.refill(key, collection)))

    def refill(self, key: Node, collection: Node, deeper: Refill | None = None) -> Refill | None:
        """The lines of a block collection's only child, to delete should other lines be inserted into
        it (None where that child does not start a line of its own below its key); `deeper`, the
        Refill of that deletion, for a child that is itself a collection emptied."""
        if not isinstance(collection, (MappingNode, SequenceNode)) or collection.flow_style:
            return None
        try:
            child = collection.value[0][0] if isinstance(collection, MappingNode) else collection.value[0]
            item = isinstance(collection, SequenceNode)
            first = self.dash_before(child) if item else child.start_mark.index
            start, end = self.line_start(first), self.line_end(collection)
            offset = self.insertion_point(collection)
        except Refused:
            return None
        if start <= key.start_mark.index or self.text[start:first].strip(" ") \
                or not (self.text.endswith("\n", 0, end) or end == len(self.text)) \
                or self.uncommented(start, end, collection) != [(start, end)]:  # comment lines stay
            return None
        indent = first - start
        if not self.text.endswith("\n", 0, end):  # the text's last lines, without a final line break:
            start -= 2 if self.text.endswith("\r\n", 0, start) else 1  # the break before them goes
        return Refill(offset, indent, item, Edit(start, end, "", deeper))
