"""The conversation tree: every message of every branch, and the current path through it.

Regenerating a reply or editing a message does not overwrite: the new version is a sibling
of the old one (same parent), and the current path (`messages`) runs through one of them.
`Session` is a `MessageTree` with a title, settings and a file format.
"""

from __future__ import annotations

from typing import Any

from tui_chat.core.message import Message, new_id


class MessageTree:
    """Messages linked by `parent_id`, and the path the user sees.

    `messages` is the current path. Code outside may still append to or pop from that list
    directly; `_reconcile` takes such changes into the tree before each operation."""

    messages: list[Message]

    def __init__(self, messages: list[Message] | None = None) -> None:
        """A tree holding `messages` as one linear conversation."""
        self.messages = []
        """The current path, oldest first: what the user sees and the model gets."""
        self._nodes: dict[str, Message] = {}
        """Every message of every branch, by id, in the order they were added."""
        self._last_child: dict[str, str] = {}
        """Per parent id ("" for the start), the child last on the current path: flipping
        back to a message brings back the branch that was shown below it."""
        parent_id: str | None = None
        for message in messages or []:
            message.parent_id = parent_id
            self._register(message)
            self.messages.append(message)
            self._last_child[parent_id or ""] = message.id
            parent_id = message.id

    def add_to_path(self, message: Message) -> Message:
        self._reconcile()
        parent = self.messages[-1] if self.messages else None
        message.parent_id = parent.id if parent else None
        self._register(message)
        self.messages.append(message)
        self._last_child[message.parent_id or ""] = message.id
        return message

    def _register(self, message: Message) -> None:
        known = self._nodes.get(message.id)
        if known is not None and known is not message:
            message.id = new_id()  # two messages with one id (a hand-edited file)
        self._nodes[message.id] = message

    def _reconcile(self) -> None:
        parent_id: str | None = None
        for message in self.messages:
            if self._nodes.get(message.id) is not message:
                self._register(message)
            message.parent_id = parent_id
            parent_id = message.id

    def all_messages(self) -> list[Message]:
        """Every message of every branch, in the order they were added."""
        self._reconcile()
        return list(self._nodes.values())

    def get(self, message_id: str) -> Message | None:
        self._reconcile()
        return self._nodes.get(message_id)

    def children(self, parent_id: str | None) -> list[Message]:
        """The messages that follow `parent_id` (None: the first messages), oldest first."""
        self._reconcile()
        return [m for m in self._nodes.values() if m.parent_id == parent_id]

    def alternatives(self, message: Message) -> list[Message]:
        """`message` and its siblings: the other replies to the same question, or the
        edited versions of a user message, oldest first."""
        return self.children(message.parent_id)

    def alternative_position(self, message: Message) -> tuple[int, int]:
        """(1-based index of `message` among its alternatives, how many there are)."""
        siblings = self.alternatives(message)
        ids = [m.id for m in siblings]
        return (ids.index(message.id) + 1 if message.id in ids else 1), max(1, len(ids))

    def alternative_positions(self) -> dict[str, tuple[int, int]]:
        """`alternative_position` of every message at once (one pass over the tree)."""
        positions: dict[str, tuple[int, int]] = {}
        for siblings in self._children_index().values():
            for index, message in enumerate(siblings, 1):
                positions[message.id] = (index, len(siblings))
        return positions

    def path_to(self, message_id: str | None) -> list[Message]:
        """The messages from the start down to `message_id` (inclusive)."""
        self._reconcile()
        path: list[Message] = []
        seen: set[str] = set()
        node = self._nodes.get(message_id) if message_id else None
        while node is not None and node.id not in seen:
            seen.add(node.id)
            path.append(node)
            node = self._nodes.get(node.parent_id) if node.parent_id else None
        path.reverse()
        return path

    def switch_to(self, message_id: str) -> list[Message]:
        """Make the current path run through `message_id`: its ancestors, then below it the
        branch last shown there (or the newest one). Returns the new path."""
        path = self.path_to(message_id)
        if not path:
            return self.messages
        path.extend(self._descend(path[-1]))
        self._set_path(path)
        return self.messages

    def _children_index(self) -> dict[str | None, list[Message]]:
        self._reconcile()
        index: dict[str | None, list[Message]] = {}
        for node in self._nodes.values():
            index.setdefault(node.parent_id, []).append(node)
        return index

    def _descend(self, message: Message) -> list[Message]:
        index = self._children_index()
        below: list[Message] = []
        seen = {message.id}
        node = message
        while True:
            children = index.get(node.id, [])
            if not children:
                return below
            remembered = self._last_child.get(node.id)
            node = next((c for c in children if c.id == remembered), children[-1])
            if node.id in seen:
                return below
            seen.add(node.id)
            below.append(node)

    def _set_path(self, path: list[Message]) -> None:
        self.messages[:] = path  # in place: widgets hold this list
        for message in path:
            self._last_child[message.parent_id or ""] = message.id

    def flip(self, message: Message, step: int) -> Message | None:
        """Show the alternative `step` places from `message` (-1 previous, +1 next), with
        the branch below it. None when there is none that way."""
        siblings = self.alternatives(message)
        ids = [m.id for m in siblings]
        if message.id not in ids:
            return None
        index = ids.index(message.id) + step
        if not 0 <= index < len(siblings):
            return None
        self.switch_to(siblings[index].id)
        return siblings[index]

    def rewind_to(self, message_id: str | None) -> None:
        """Make the current path end at `message_id` (None: empty), keeping every message
        below it in the tree. The next `add` then starts a new branch there."""
        path = self.path_to(message_id)
        self.messages[:] = path

    def subtree(self, message: Message) -> list[Message]:
        """`message` and every message below it, in every branch."""
        index = self._children_index()
        found = [message]
        ids = {message.id}
        for node in found:  # grows while it is walked
            for child in index.get(node.id, []):
                if child.id not in ids:
                    ids.add(child.id)
                    found.append(child)
        return found

    def remove_branch(self, message: Message) -> list[Message]:
        """Remove `message` and everything below it from the tree; returns what went.

        When it was on the current path, the path goes on through a remaining alternative
        (another reply to the same question, another version of the edited message), if any.
        """
        removed = self.subtree(message)
        ids = {m.id for m in removed}
        on_path = any(m.id in ids for m in self.messages)
        if on_path:  # first off the path, or `_reconcile` would take them back
            self.messages[:] = self.messages[
                : next(i for i, m in enumerate(self.messages) if m.id in ids)
            ]
        for node in removed:
            self._nodes.pop(node.id, None)
        self._last_child = {
            k: v for k, v in self._last_child.items() if v not in ids and k not in ids
        }
        if on_path:
            path = self.path_to(message.parent_id)
            siblings = self.children(message.parent_id)
            if siblings:
                remembered = self._last_child.get(message.parent_id or "")
                chosen = next((c for c in siblings if c.id == remembered), siblings[-1])
                path.append(chosen)
                path.extend(self._descend(chosen))
            self._set_path(path)
        return removed

    def branches(self) -> dict[str, str]:
        """Which child each message last showed below it, as a session file keeps it."""
        return {k: v for k, v in self._last_child.items() if k in self._nodes or not k}

    def _load_tree(self, messages: list[Message], current: Any, branches: Any) -> None:
        """Take in the messages of a version 2 file and make `current` the current leaf.
        A parent that is not in the file makes its child start a branch from the start."""
        for message in messages:
            self._register(message)
        for message in self._nodes.values():
            if message.parent_id is not None and message.parent_id not in self._nodes:
                message.parent_id = None
        # A hand-edited file may hold a cycle: cut it where the walk comes back. Each
        # message is walked once (`sound`: known to lead to the start).
        sound: set[str] = set()
        for message in self._nodes.values():
            walk: list[Message] = []
            on_walk: set[str] = set()
            node: Message | None = message
            while node is not None and node.id not in sound:
                walk.append(node)
                on_walk.add(node.id)
                parent_id = node.parent_id
                if parent_id is None:
                    break
                if parent_id in on_walk:
                    node.parent_id = None
                    break
                node = self._nodes[parent_id]
            sound.update(on_walk)
        if isinstance(branches, dict):
            self._last_child = {
                k: v
                for k, v in branches.items()
                if isinstance(k, str) and isinstance(v, str) and v in self._nodes
            }
        leaf = self._nodes.get(current) if isinstance(current, str) else None
        if leaf is not None:
            self._set_path(self.path_to(leaf.id))
        elif self._nodes:
            roots = self.children(None)
            remembered = self._last_child.get("")
            start = next((r for r in roots if r.id == remembered), roots[-1] if roots else None)
            if start is not None:
                self.switch_to(start.id)
