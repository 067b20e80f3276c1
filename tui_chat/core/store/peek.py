"""What the session list needs of a big session file, read without parsing its messages.

Parsing a 50 MB session (one huge pasted message) to list it takes half a second and three
times its size in memory, for a title, a model and a count. This app writes session files
with `json.dumps(indent=1)`, where a JSON string never holds a raw newline: so the top-level
keys before `"messages"` are one short JSON prefix, the keys after the messages are one
suffix, and each message's id and parent id are lines of their own at a fixed indent. Those
are read from a memory map (the file is never copied into memory whole). A file not laid out
that way (hand-edited, compact) gives None, and the caller parses it whole, which also
reports what is wrong with it.
"""

from __future__ import annotations

import json
import mmap
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui_chat.core.session import Session

PEEK_MIN_BYTES = 1_000_000
"""Smaller files are parsed whole: it is quick, and it checks every message."""
HEAD_BYTES = 1 << 20
"""The top-level keys before the messages are looked for in this many first bytes."""
_MESSAGES_START = b'\n "messages": [\n'
_MESSAGES_END = b'\n ],\n "current": '
_ID = re.compile(rb'\n   "id": ("(?:[^"\\\n]|\\.)*"),\n')
_PARENT = re.compile(rb'\n   "parent_id": (null|"(?:[^"\\\n]|\\.)*")')


@dataclass(frozen=True)
class Peeked:
    """A session without its messages (title, model, time, settings), the length of its
    current path, and its top-level keys other than the messages (the store's own keys)."""

    session: Session
    path_length: int
    keys: dict[str, Any]


def peek_session(path: Path) -> Peeked | None:
    """The summary fields of the session file at `path`, or None when it is small or not
    laid out as this app writes it (then parse it whole). Raises OSError."""
    with path.open("rb") as handle:
        if handle.seek(0, 2) < PEEK_MIN_BYTES:
            return None
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            try:
                return _peek(mapped)
            except (ValueError, TypeError, KeyError, RecursionError):
                return None


def _peek(mapped: mmap.mmap) -> Peeked | None:
    start = mapped.find(_MESSAGES_START, 0, HEAD_BYTES)
    end = mapped.rfind(_MESSAGES_END)
    if start < 0 or end < start:
        return None
    head = json.loads(mapped[:start] + b'\n "messages": []}')
    tail = json.loads(b'{"current": ' + mapped[end + len(_MESSAGES_END) :])
    if not isinstance(head, dict) or not isinstance(tail, dict):
        return None
    ids = [json.loads(m) for m in _ID.findall(mapped, start, end + 1)]
    parents = [json.loads(m) for m in _PARENT.findall(mapped, start, end + 1)]
    if len(ids) != len(parents) or len(set(ids)) != len(ids):
        return None
    data = {**head, **tail}
    session = Session.from_dict(data)  # with no messages: title, model, time as when opened
    count = _path_length(dict(zip(ids, parents, strict=True)), data.get("current"))
    if count is None:
        return None
    return Peeked(session, count, data)


def _path_length(parents: dict[str, Any], current: Any) -> int | None:
    """How many messages lead to the current one; None when that is not plain (no current
    message, a missing parent, a cycle): the session then decides, parsed whole."""
    if current is None:
        return 0 if not parents else None
    count, node, seen = 0, current, set()
    while node is not None:
        if node not in parents or node in seen:
            return None
        seen.add(node)
        count += 1
        node = parents[node]
    return count
