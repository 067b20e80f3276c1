"""Find in a session: where a query occurs in the messages of the current path.

An occurrence is (message, which occurrence in it), but no object is made for each: a
common letter occurs millions of times in a pasted log, and one object each took seconds
and hundreds of MB on every key typed in the find bar. Only the count per message is kept.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from tui_chat.core.session import Message


@dataclass(frozen=True)
class Match:
    message: Message
    occurrence: int
    """Which occurrence within the message (0-based)."""


class Matches:
    """The occurrences of `pattern` in `messages`, in order, as a sequence of Match."""

    def __init__(self, messages: Iterable[Message] = (), pattern: re.Pattern[str] | None = None):
        self._messages: list[Message] = []
        self._ends: list[int] = []
        """How many occurrences there are up to the end of each of `_messages`."""
        if pattern is None:
            return
        total = 0
        for message in messages:
            found = len(pattern.findall(message.content))
            if found:
                total += found
                self._messages.append(message)
                self._ends.append(total)

    def __len__(self) -> int:
        return self._ends[-1] if self._ends else 0

    def __bool__(self) -> bool:
        return bool(self._ends)

    def __getitem__(self, index: int) -> Match:
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        which = bisect_right(self._ends, index)
        start = self._ends[which - 1] if which else 0
        return Match(self._messages[which], index - start)

    def message_ids(self) -> set[str]:
        """The messages with at least one occurrence."""
        return {message.id for message in self._messages}

    def index_of(self, match: Match) -> int | None:
        """Where the same occurrence of the same message is, if it still is."""
        for which, message in enumerate(self._messages):
            if message is match.message:
                start = self._ends[which - 1] if which else 0
                if start + match.occurrence < self._ends[which]:
                    return start + match.occurrence
        return None
