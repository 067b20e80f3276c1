"""The text side of session search: folding text so a match's position holds in the
original, one session's searchable text (`SearchDoc`) with the lookups a search needs, and
the snippet shown around a match (`snippet_at`). Messages are searchable as read: their
Markdown markup removed (markdown_plain).

See search.py for the index file these documents are kept in.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tui_chat.core.markdown_plain import plain_text
from tui_chat.core.sanitize import strip_control

SNIPPET_CHARS = 60
"""About how much text a result shows around the match."""
SNIPPET_BEFORE = 6
"""Characters shown before the match: a narrow sidebar still shows the match."""
RESULT_CHARS = 2_000
"""How much of each tool result is searchable: enough for what a result is about, while a
fetched page or a read file (tens of KB) does not swell the index."""
SEPARATOR = "\n\x00"
"""Between messages in the joined text: no query (control characters are dropped) spans it."""


def normalize(text: str) -> str:
    """Case-folded text, the same length as `text`, so a match's position is valid in both.

    `str.casefold` can grow a text ("ß" → "ss"); such characters are folded one by one and
    kept as they are when folding would change their length.
    """
    folded = text.casefold()
    if len(folded) == len(text):
        return text if folded == text else folded
    out = []
    for char in text:
        one = char.casefold()
        if len(one) != 1:
            one = char.lower()
            if len(one) != 1:
                one = char
        out.append(one)
    return "".join(out)


def normalize_query(query: str) -> list[str]:
    """The terms of a query: whitespace-separated, each case-folded; control chars dropped."""
    cleaned = "".join(c if c.isprintable() else " " for c in query)
    return [normalize(term) for term in cleaned.split()]


@dataclass(frozen=True)
class SearchDoc:
    """One session as the index holds it: its text folded and joined, and where each
    message begins, so a match position names its message."""

    session_id: str
    title: str
    updated_at: float
    mtime_ns: int
    size: int
    message_ids: tuple[str, ...]
    starts: tuple[int, ...]
    """Where each message begins in `folded`."""
    folded: str
    """Every message's text, case-folded (`normalize`), joined with SEPARATOR."""
    folded_title: str

    @classmethod
    def build(
        cls,
        session_id: str,
        title: str,
        updated_at: float,
        mtime_ns: int,
        size: int,
        messages: Iterable[tuple[str, str]],
        folded: bool = False,
    ) -> SearchDoc:
        """`folded`: the texts are already normalized (read from the index file)."""
        ids: list[str] = []
        starts: list[int] = []
        parts: list[str] = []
        position = 0
        for message_id, text in messages:
            ids.append(message_id)
            starts.append(position)
            clean = text.replace("\x00", "")
            parts.append(clean if folded else normalize(clean))
            position += len(clean) + len(SEPARATOR)
        joined = SEPARATOR.join(parts)
        return cls(
            session_id=session_id,
            title=title,
            updated_at=updated_at,
            mtime_ns=mtime_ns,
            size=size,
            message_ids=tuple(ids),
            starts=tuple(starts),
            folded=joined,
            folded_title=normalize(title),
        )

    def texts(self) -> dict[str, str]:
        """Each message's folded text, by id."""
        return {
            message_id: self.message_text(index)
            for index, message_id in enumerate(self.message_ids)
        }

    def to_line(self, only: set[str] | None = None) -> str:
        """The full line of this session, or (`only`: the ids of the messages that changed)
        a delta line over the previous ones."""
        messages = [
            [message_id, self.message_text(i)]
            for i, message_id in enumerate(self.message_ids)
            if only is None or message_id in only
        ]
        line: dict[str, Any] = {
            "id": self.session_id,
            "title": self.title,
            "updated_at": self.updated_at,
            "mtime_ns": self.mtime_ns,
            "size": self.size,
            "m": messages,
        }
        if only is not None:
            line["delta"] = 1
            line["order"] = list(self.message_ids)
        return json.dumps(line, ensure_ascii=False)

    def live_bytes(self) -> int:
        """About what this session's full line takes in the file."""
        return len(self.folded) + len(self.title) + 64 * len(self.message_ids) + 128

    def _end(self, index: int) -> int:
        if index + 1 < len(self.starts):
            return self.starts[index + 1] - len(SEPARATOR)
        return len(self.folded)

    def find(self, terms: list[str]) -> tuple[str | None, int, int] | None:
        """(message id or None for the title, position, length) of the best match of all
        `terms`, or None when a term is in neither the title nor the messages."""
        for term in terms:
            if term not in self.folded_title and term not in self.folded:
                return None
        first = terms[0]
        position = self.folded.find(first)
        if position < 0:
            return None, 0, 0  # every term in the title (or title + text)
        # Prefer a message that holds every term.
        if len(terms) > 1:
            for index, start in enumerate(self.starts):
                end = self._end(index)
                chunk = self.folded[start:end]
                if all(term in chunk for term in terms):
                    return self.message_ids[index], start + chunk.find(first), len(first)
        index = bisect.bisect_right(self.starts, position) - 1
        return self.message_ids[index], position, len(first)

    def find_all(self, terms: list[str], limit: int) -> list[tuple[str | None, int, int]]:
        """Every match of the first term (up to `limit`), as `find` gives one, in the
        messages that hold every term; `find`'s one match when no message holds them all
        (the terms are spread over the title and messages)."""
        best = self.find(terms)
        if best is None or best[0] is None:
            return [] if best is None else [best]
        first, folded = terms[0], self.folded
        hits: list[tuple[str | None, int, int]] = []
        holds: dict[int, bool] = {}
        position = folded.find(first)
        while position >= 0 and len(hits) < limit:
            index = bisect.bisect_right(self.starts, position) - 1
            if index not in holds:
                chunk = self.message_text(index)
                holds[index] = all(term in chunk for term in terms[1:])
            if holds[index]:
                hits.append((self.message_ids[index], position, len(first)))
            position = folded.find(first, position + len(first))
        return hits or [best]

    def window(self, position: int, length: int) -> tuple[int, int, int]:
        """(message index, from, to) of the text around a match, in that message."""
        index = bisect.bisect_right(self.starts, position) - 1
        start, end = self.starts[index], self._end(index)
        before = max(start, position - SNIPPET_BEFORE)
        after = min(end, position + length + SNIPPET_CHARS)
        return index, before - start, after - start

    def message_text(self, index: int) -> str:
        return self.folded[self.starts[index] : self._end(index)]


def messages_of(data: dict[str, Any], only: str | None = None) -> list[tuple[str, str]]:
    """(id, searchable text) of every message in a session dict (all branches), or of the
    one with id `only`: the content as read (Markdown markup removed: `plain_text`), after
    the turn's tool rounds (`tool_rounds_text`), before the prompts an image model
    actually used (`revised_prompts_text`; an `/image` question's content is its prompt)."""
    out: list[tuple[str, str]] = []
    raw = data.get("messages")
    if not isinstance(raw, list):
        return out
    for message in raw:
        if not isinstance(message, dict):
            continue
        message_id = message.get("id")
        content = message.get("content")
        if not isinstance(message_id, str) or (only is not None and message_id != only):
            continue
        text = content if isinstance(content, str) else ""
        if isinstance(content, list):  # content parts, should a format use them
            text = " ".join(
                p.get("text", "") for p in content if isinstance(p, dict) and "text" in p
            )
        text = plain_text(text)
        rounds = tool_rounds_text(message.get("tool_rounds"))
        revised = revised_prompts_text(message.get("images"))
        text = f"{rounds}\n{text}" if rounds else text
        out.append((message_id, f"{text}\n{revised}" if revised else text))
    return out


def revised_prompts_text(images: Any) -> str:
    """The revised prompts of an `/image` reply's images, as the session file has them
    (each once: several images of one request often share it)."""
    if not isinstance(images, list):
        return ""
    prompts = (_text(i.get("revised_prompt")) for i in images if isinstance(i, dict))
    return "\n".join(dict.fromkeys(p for p in prompts if p))


def tool_rounds_text(rounds: Any) -> str:
    """The searchable text of a turn's tool rounds, as the session file has them: each
    round's text, then per call its label, arguments and the start of its result."""
    if not isinstance(rounds, list):
        return ""
    parts: list[str] = []
    for tool_round in rounds:
        if not isinstance(tool_round, dict):
            continue
        parts.append(plain_text(_text(tool_round.get("content"))))
        calls = tool_round.get("calls")
        for call in calls if isinstance(calls, list) else ():
            if isinstance(call, dict):
                parts.append(_text(call.get("label")) or _text(call.get("name")))
                parts.append(_text(call.get("arguments")))
                parts.append(_text(call.get("result"))[:RESULT_CHARS])
    return "\n".join(p for p in parts if p)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def snippet_at(
    doc: SearchDoc, original: str | None, position: int, length: int
) -> tuple[str, int, int]:
    """The text around a match on one line as the session file has it (the index only
    keeps it case-folded; the folded text when the file no longer matches), and where
    the match is in it."""
    index, start, end = doc.window(position, length)
    folded = doc.message_text(index)
    text = folded
    if original is not None:
        original = original.replace("\x00", "")
        if len(original) == len(folded) and normalize(original) == folded:
            text = original
    at = position - doc.starts[index]
    before = _flat(text[start:at]).lstrip()
    match = _flat(text[at : at + length])
    after = _flat(text[at + length : end]).rstrip()
    room = max(0, SNIPPET_CHARS * 2 - len(before) - len(match))
    more = end < len(text) or len(after) > room
    head = ("…" if start > 0 else "") + before
    tail = after[:room].rstrip() + ("…" if more else "")
    return head + match + tail, len(head), len(head) + len(match)


def original_text(data: dict[str, Any] | None, message_id: str) -> str | None:
    """A message's searchable text as the session file has it (None: not there)."""
    for found_id, text in messages_of(data or {}, only=message_id):
        if found_id == message_id:
            return text
    return None


def _flat(text: str) -> str:
    """`text` on one line: control characters dropped, each run of whitespace one space."""
    return re.sub(r"\s+", " ", strip_control(text))
