"""What a request sends: the conversation after the session's context strategy.

Pure functions over a Session (no I/O): `plan_context` says, for every message, whether the
next request keeps, drops, summarizes or recalls it, with token counts; `build_messages`
is the list the request sends. The work that needs the network (writing a summary, finding
relevant turns by embeddings) happens before, in `tui_chat.core.context.prep`.

Strategies (ChatSettings.context_strategy):
- full: the whole conversation.
- last_turns: the system prompt, the last N exchanges (question and answers) and the new
  question; N = 0 sends the new question alone.
- budget: the system prompt, then the newest messages that fit in the token budget.
- summary: the summary in force stands in for the messages it covers (see summary.py);
  the rest is sent, within the budget.
- recall: the last turns, plus older turns relevant to the new question (scores from
  embeddings); without scores it falls back to budget.

`/image` turns (a question with `image_request` and its reply) are never sent: they are left
out before any strategy counts turns (core/image_turns.py). Whatever the strategy, a
request is one providers accept: failed exchanges (a question whose
reply failed or was stopped before any text, with that reply) are left out, the first
message after the system prompt is a question, and no two questions or two answers follow
each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from tui_chat.core.attachments import payload
from tui_chat.core.context.strategies import (
    RECALL_RECENT_TURNS,
    keep_last_turns,
    keep_within,
    recall,
    with_state,
)
from tui_chat.core.context.summary import (
    DEFAULT_THRESHOLD,
    Summary,
    active_summary,
    system_text_with,
)
from tui_chat.core.context.windows import UNKNOWN_WINDOW, reply_room
from tui_chat.core.image_turns import LEFT_OUT_REASON, image_turn_ids
from tui_chat.core.session import Message, Session
from tui_chat.core.tokens import calibration_ratio, message_tokens, text_tokens
from tui_chat.core.tool_turns import ToolRound, round_messages

State = Literal["system", "kept", "new", "dropped", "summarized", "recalled", "left_out"]


@dataclass(frozen=True)
class Planned:
    """One message and what the next request does with it."""

    role: str
    content: str
    tokens: int
    state: State
    message_id: str | None = None
    score: float | None = None
    """Similarity to the new question (recall)."""
    reason: str | None = None
    """Why the message is not sent, when the strategy is not the reason, e.g. "left out:
    the reply failed" (shown by the context inspector)."""
    attachments: tuple[str, ...] = ()
    """Images the message carries (paths or URLs), sent as image_url parts."""
    tool_rounds: tuple[ToolRound, ...] = ()
    """The tool rounds of a turn (core/tool_turns.py): sent before its final answer, and
    kept, dropped or summarized with it (a call never travels without its results)."""

    @property
    def sent(self) -> bool:
        return self.state in ("system", "kept", "new", "recalled")


@dataclass
class ContextPlan:
    """The next request's conversation, message by message."""

    strategy: str
    """The strategy that was applied (budget when recall had no embeddings)."""
    chosen: str
    """The strategy the session asks for."""
    entries: list[Planned]
    window: int | None
    """The model's context window; None when unknown."""
    budget: int
    """Tokens the conversation may take (window minus reply room, or the session's)."""
    reply_room: int
    summary: Summary | None = None
    notes: list[str] = field(default_factory=list)
    reasoning_field: str | None = None
    """The dialect's `tool_reasoning_field`: the key a tool round's reasoning goes back
    under (DeepSeek's "reasoning_content"); None sends no reasoning."""

    @property
    def messages(self) -> list[dict[str, str]]:
        """The messages as text (images left out): for checks, counts and the inspector."""
        return [{"role": e.role, "content": e.content} for e in self.entries if e.sent]

    def request_messages(self) -> list[dict[str, Any]]:
        """The messages as the request sends them: images become image_url parts (read
        now); an image that is gone becomes a note, so old messages never block a send. A
        turn that called tools is its rounds (assistant with tool_calls, one tool message
        per call) followed by its answer."""
        messages: list[dict[str, Any]] = []
        for entry in self.entries:
            if not entry.sent:
                continue
            if entry.tool_rounds:
                messages.extend(round_messages(entry.tool_rounds, self.reasoning_field))
            messages.append(payload(entry.role, entry.content, entry.attachments, missing="note"))
        return messages

    @property
    def tokens(self) -> int:
        """Estimated prompt tokens of the request."""
        return sum(e.tokens for e in self.entries if e.sent)

    @property
    def effective_window(self) -> int:
        return self.window or UNKNOWN_WINDOW

    @property
    def fits(self) -> bool:
        """The request leaves room for the reply in the context window."""
        return self.tokens + self.reply_room <= self.effective_window

    def count(self, state: State) -> int:
        return sum(1 for e in self.entries if e.state == state)


def system_prompt_of(session: Session, default_system_prompt: str) -> str:
    """The session's own system prompt, or the config's when it has not set one."""
    prompt = session.settings.system_prompt
    return default_system_prompt if prompt is None else prompt


def strategy_of(session: Session) -> str:
    return session.settings.context_strategy or "full"


def sendable(message: Message) -> bool:
    """Messages a request may carry: not system ones (the session's prompt counts), not
    replies that failed before any text (a retried question is not followed by an empty
    answer). Reasoning is never sent back (providers.md §2.4)."""
    if message.role == "system":
        return False
    if message.role == "assistant":
        return bool(message.content.strip())
    return True


def demo_exchanges(messages: list[Message]) -> set[str]:
    """Ids of the offline demo's canned replies on this path, with the questions they
    answer: older versions put them in sessions that then moved to a real model, which
    must not be told it said them (nor get the question twice in a row)."""
    ids: set[str] = set()
    for index, message in enumerate(messages):
        canned = message.provider == "demo" or (not message.provider and message.model == "demo")
        # The reply being written is not a canned one yet: its question is the one asked.
        if message.role == "assistant" and canned and message.status != "streaming":
            ids.add(message.id)
            if index and messages[index - 1].role == "user":
                ids.add(messages[index - 1].id)
    return ids


DEMO_REASON = "left out: canned text of the offline demo"
_NO_TEXT_REASONS = {
    "error": "left out: the reply failed",
    "stopped": "left out: the reply was stopped before any text",
    "complete": "left out: the reply was empty",
}
TOOL_LOOP_STOPPED = "left out: the tool loop was stopped"
"""A turn that called tools and stopped before its answer (Esc, the round cap, an
error): only Alt+G sends it again (services/tool_loop.py)."""


def failed_reply(message: Message) -> str | None:
    """Why `message` is a reply that ended without any text (failed, stopped, empty), in
    the inspector's words; None for every other message, and for a reply still streaming."""
    if message.role != "assistant" or message.content.strip() or message.status == "streaming":
        return None
    if message.tool_rounds and message.status in ("stopped", "error"):
        return TOOL_LOOP_STOPPED
    return _NO_TEXT_REASONS.get(message.status, _NO_TEXT_REASONS["error"])


def answered_exchanges(messages: list[Message]) -> list[Message]:
    """`messages` without system messages, `/image` turns and failed exchanges (a question
    whose reply ended without text, with that reply): what a summary or recall may draw on."""
    images = image_turn_ids(messages)
    messages = [m for m in messages if m.id not in images]
    left_out: set[int] = set()
    for index, message in enumerate(messages):
        if failed_reply(message) is not None:
            left_out.add(index)
            if index > 0 and messages[index - 1].role == "user":
                left_out.add(index - 1)
    return [m for i, m in enumerate(messages) if i not in left_out and sendable(m)]


def plan_context(
    session: Session,
    default_system_prompt: str = "",
    *,
    window: int | None = None,
    pending: str | None = None,
    scores: Mapping[str, float] | None = None,
    strategy: str | None = None,
    reasoning_field: str | None = None,
) -> ContextPlan:
    """Plan the next request of `session`.

    `pending`: a question not added to the session yet (the pre-send check). `scores`:
    recall similarity by message id, None when there are none (recall then falls back to
    budget). `strategy`: try another strategy than the session's (the switch offer).
    `reasoning_field`: the dialect's key for a tool round's reasoning (ContextPlan).
    """
    settings = session.settings
    chosen = strategy or strategy_of(session)
    messages = session.messages
    ratio = calibration_ratio(messages)
    room = reply_room(window or UNKNOWN_WINDOW, settings.max_tokens)
    budget = settings.context_budget or max(1, (window or UNKNOWN_WINDOW) - room)
    notes: list[str] = []
    if window is None:
        notes.append(f"The model's context window is not known; assuming {UNKNOWN_WINDOW:,}.")

    summary = active_summary(session) if chosen == "summary" else None
    covered = len(summary.covers) if summary else 0
    system_text = system_text_with(system_prompt_of(session, default_system_prompt), summary)

    entries = _entries(messages, covered, ratio)
    if pending is not None:
        entries.append(Planned("user", pending, text_tokens(pending, ratio), "new"))
    elif entries and entries[-1].role == "user" and entries[-1].state == "kept":
        entries[-1] = with_state(entries[-1], "new")

    system_tokens = text_tokens(system_text, ratio) if system_text.strip() else 0
    applied = chosen
    # The strategies see only the messages that may be sent at all.
    positions = [i for i, e in enumerate(entries) if e.state != "left_out"]
    candidates = [entries[i] for i in positions]
    if chosen == "last_turns":
        keep_last_turns(candidates, settings.context_turns)
    elif chosen in ("budget", "summary"):
        keep_within(candidates, budget - system_tokens)
    elif chosen == "recall":
        if scores is None:
            applied = "budget"
            keep_within(candidates, budget - system_tokens)
        else:
            turns = settings.context_turns
            recall(candidates, scores, RECALL_RECENT_TURNS if turns is None else turns)
            keep_within(candidates, budget - system_tokens)
    elif chosen != "full":
        applied = "full"
    for i, entry in zip(positions, candidates, strict=True):
        entries[i] = entry
    _alternate(entries)
    if system_text.strip():
        entries.insert(0, Planned("system", system_text, system_tokens, "system"))
    return ContextPlan(
        applied, chosen, entries, window, budget, room, summary, notes, reasoning_field
    )


def build_messages(
    session: Session, default_system_prompt: str = "", window: int | None = None
) -> list[dict[str, str]]:
    """The messages the next request of `session` sends (no network work: recall without
    scores falls back to the token budget)."""
    return plan_context(session, default_system_prompt, window=window).messages


def summary_due(plan: ContextPlan, threshold: float | None) -> bool:
    """The rolling summary should be written: the request passes the threshold share of
    the context window."""
    limit = (threshold or DEFAULT_THRESHOLD) * plan.effective_window
    return plan.tokens > limit


def _entries(messages: list[Message], covered: int, ratio: float) -> list[Planned]:
    """A Planned per message of the path (system messages and the reply being written
    aside): summarized, kept, or left out (an `/image` turn, a failed exchange)."""
    entries: list[Planned] = []
    canned = demo_exchanges(messages)
    images = image_turn_ids(messages)
    for index, message in enumerate(messages):
        if message.id in images:
            entries.append(
                Planned(
                    message.role, message.content, 0, "left_out", message.id, reason=LEFT_OUT_REASON
                )
            )
            continue
        if message.id in canned:
            left_out = Planned(message.role, message.content, 0, "left_out", message.id)
            entries.append(with_state(left_out, "left_out", reason=DEMO_REASON))
            continue
        failed = failed_reply(message)
        if failed is not None:
            entries.append(Planned("assistant", "", 0, "left_out", message.id, reason=failed))
            question = entries[-2] if len(entries) > 1 else None
            if question is not None and question.role == "user" and question.state == "kept":
                entries[-2] = with_state(question, "left_out", reason=failed)
            continue
        if not sendable(message):
            continue
        state: State = "summarized" if index < covered else "kept"
        entries.append(
            Planned(
                message.role,
                message.content,
                message_tokens(message, ratio),
                state,
                message.id,
                attachments=tuple(message.attachments),
                tool_rounds=tuple(message.tool_rounds),
            )
        )
    return entries


def _alternate(entries: list[Planned]) -> None:
    """Make the sent messages a body every provider accepts: a question first, then
    questions and answers in turn. A leading answer goes (its question was dropped or
    summarized, or there never was one); of two questions in a row the earlier one, which
    got no reply, goes; of two answers in a row the earlier one goes."""
    last: int | None = None
    for i, entry in enumerate(entries):
        if not entry.sent:
            continue
        if last is None and entry.role == "assistant":
            if any(e.state in ("dropped", "summarized") for e in entries[:i]):
                entries[i] = with_state(entry, "dropped", reason="dropped with its question")
            else:
                entries[i] = with_state(entry, "left_out", reason="left out: no question before it")
            continue
        if last is not None and entries[last].role == entry.role:
            earlier = entries[last]
            reason = (
                "left out: no reply followed it"
                if entry.role == "user"
                else "left out: another reply follows it"
            )
            entries[last] = with_state(earlier, "left_out", earlier.score, reason)
        last = i
