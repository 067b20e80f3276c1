"""Rolling summaries: a summary stands in for the oldest messages of a conversation.

A `Summary` records the ids of the messages it stands for (a prefix of the conversation
when it was written). It applies only while those messages are still the start of the
current path: a user who branches off earlier gets the originals again. The originals stay
in the session file; which ones are summarized is derived from the ids.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tui_chat.core.sanitize import single_line, strip_control
from tui_chat.core.session import Message, Session
from tui_chat.core.tokens import message_tokens
from tui_chat.core.tool_turns import ToolCall

DEFAULT_THRESHOLD = 0.7
RESULT_CHARS = 500
"""How much of a tool call's result the summarizer is shown."""
SUMMARY_HEADING = "Summary of the earlier conversation (it stands in for those messages):"
SUMMARY_INSTRUCTIONS = (
    "You summarize conversations so they can continue without the original messages. "
    "Write a compact summary that keeps every fact, decision, name, number, code identifier, "
    "open question and user preference a later answer may need. Write it in the language "
    "the conversation is mostly in. Output only the summary, no preamble."
)


@dataclass
class Summary:
    """A summary of the messages whose ids are `covers` (oldest first)."""

    text: str
    covers: list[str]
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    created_at: float = field(default_factory=time.time)
    model: str | None = None
    edited: bool = False
    """The user changed the text by hand."""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "text": self.text,
            "covers": list(self.covers),
            "created_at": self.created_at,
        }
        if self.model:
            data["model"] = self.model
        if self.edited:
            data["edited"] = True
        return data

    @classmethod
    def from_dict(cls, data: Any) -> Summary | None:
        """A summary from the session file; None when the entry is unusable (a hand-edited
        file must still open)."""
        if not isinstance(data, dict):
            return None
        text, covers = data.get("text"), data.get("covers")
        if not isinstance(text, str) or not isinstance(covers, list) or not covers:
            return None
        if not all(isinstance(c, str) and c for c in covers):
            return None
        created = data.get("created_at")
        return cls(
            text=strip_control(text),
            covers=list(covers),
            id=data["id"]
            if isinstance(data.get("id"), str) and data["id"]
            else uuid.uuid4().hex[:12],
            created_at=float(created) if isinstance(created, int | float) else 0.0,
            model=single_line(data["model"]) if isinstance(data.get("model"), str) else None,
            edited=data.get("edited") is True,
        )


def summaries_from(raw: Any) -> list[Summary]:
    """The `summaries` list of a session file (bad entries left out)."""
    if not isinstance(raw, list):
        return []
    return [s for s in (Summary.from_dict(item) for item in raw) if s is not None]


def session_summaries(session: Session) -> list[Summary]:
    return getattr(session, "summaries", None) or []


def applies(summary: Summary, messages: Sequence[Message]) -> bool:
    """The summarized messages are still the start of the conversation, in order."""
    count = len(summary.covers)
    if count > len(messages) or messages[count - 1].id != summary.covers[-1]:
        return False
    return all(m.id == i for m, i in zip(messages, summary.covers, strict=False))


def active_summary(session: Session) -> Summary | None:
    """The newest summary that applies to the current path (each folds in the ones
    before it), or None."""
    for summary in reversed(session_summaries(session)):
        if applies(summary, session.messages):
            return summary
    return None


def covered_count(session: Session) -> int:
    """How many messages at the start of the current path the active summary stands for."""
    summary = active_summary(session)
    return len(summary.covers) if summary else 0


def next_cut(session: Session, ratio: float = 1.0) -> int | None:
    """Where the next summary should end: the index (in session.messages) before the first
    message it leaves alone, so it covers about the older half of what is not summarized
    yet, cut between turns (before a user message). The newest question and its turn are
    never summarized. None when there is nothing worth summarizing."""
    messages = session.messages
    start = covered_count(session)
    last_user = max((i for i, m in enumerate(messages) if m.role == "user"), default=-1)
    if last_user <= start:
        return None
    tokens = [message_tokens(m, ratio) for m in messages[start:last_user]]
    half = sum(tokens) / 2
    running = 0
    cut = None
    for offset, count in enumerate(tokens):
        running += count
        if running >= half:
            cut = start + offset + 1
            break
    if cut is None:
        return None
    # Move the cut forward to the next turn boundary (a user message), at most to the
    # newest question.
    while cut < last_user and messages[cut].role != "user":
        cut += 1
    return cut if cut > start else None


def summary_request(previous: Summary | None, messages: Sequence[Message]) -> list[dict[str, str]]:
    """The messages of the request that writes the next summary: the previous summary (so
    it is folded in) and the messages to summarize, as one transcript."""
    parts: list[str] = []
    if previous is not None:
        parts.append(f"Summary so far:\n{previous.text}")
    lines = []
    for message in messages:
        if message.role == "system" or not message.content.strip():
            continue
        who = "User" if message.role == "user" else "Assistant"
        for tool_round in message.tool_rounds:
            if tool_round.content.strip():
                lines.append(f"Assistant: {tool_round.content}")
            lines.extend(f"Assistant {call_line(call)}" for call in tool_round.calls)
        lines.append(f"{who}: {message.content}")
    parts.append("Conversation to summarize:\n" + "\n\n".join(lines))
    ask = (
        "Write one summary that replaces both the summary so far and this conversation."
        if previous is not None
        else "Write the summary of this conversation."
    )
    return [
        {"role": "system", "content": SUMMARY_INSTRUCTIONS},
        {"role": "user", "content": "\n\n".join(parts) + "\n\n" + ask},
    ]


def call_line(call: ToolCall) -> str:
    """A tool call as the summarizer reads it: `called docs.lookup(word="tui") -> result`,
    the result cut to RESULT_CHARS (a summary keeps what was found, not whole pages)."""
    arguments = call.parsed_arguments()
    shown = (
        call.arguments
        if arguments is None
        else ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in arguments.items())
    )
    result = call.wire_result()
    if len(result) > RESULT_CHARS:
        result = result[:RESULT_CHARS] + "…"
    return f"called {call.display_label}({shown}) -> {result}"


def system_text_with(system_prompt: str, summary: Summary | None) -> str:
    """The system message a request sends: the prompt, then the summary in force."""
    if summary is None or not summary.text.strip():
        return system_prompt
    block = f"{SUMMARY_HEADING}\n{summary.text.strip()}"
    return f"{system_prompt.rstrip()}\n\n{block}" if system_prompt.strip() else block
