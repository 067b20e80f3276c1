"""Continuing a reply that was stopped or cut off at max tokens.

How: the request is the conversation as usual, which ends with the partial reply as an
assistant message, plus a short user instruction to go on exactly where it stopped. What
streams back is appended to the same reply, so the session keeps one reply with the joined
text (and the usage of both requests added up).

Why not provider-specific prefix completion: DeepSeek can complete an assistant prefix
(`"prefix": true` on the last message), but only on its beta base URL, and other providers
have nothing like it or differ; the instruction works with every OpenAI-compatible model.
The cost is that a model may occasionally repeat a few words at the seam.
"""

from __future__ import annotations

from typing import Any

from tui_chat.core.session import Message

CONTINUE_INSTRUCTION = (
    "Continue exactly where you left off, from the last character of your previous reply. "
    "Do not repeat anything and do not add any preface."
)
CUT_OFF_REASONS = frozenset({"length", "max_tokens"})


def can_continue(message: Message | None) -> bool:
    """A reply with some text that did not finish on its own: stopped by the user, cut off
    at max tokens, or broken off by an error after text arrived; or a tool loop that was
    stopped or capped before its answer (`resumes_tool_loop`)."""
    if resumes_tool_loop(message):
        return True
    if message is None or message.role != "assistant" or not message.content.strip():
        return False
    if message.status in ("stopped", "error"):
        return True
    return message.status == "complete" and message.finish_reason in CUT_OFF_REASONS


def resumes_tool_loop(message: Message | None) -> bool:
    """Continuing `message` resumes its tool loop rather than its text: the turn stopped
    (Esc, or the round cap) after a round of tool calls, before any answer text. The
    request then ends with the turn's rounds and their results, as within the loop."""
    if message is None or message.role != "assistant" or not message.tool_rounds:
        return False
    return message.status in ("stopped", "error") and not message.content.strip()


def continuation_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The request messages for continuing: `messages` (ending with the partial reply) and
    the instruction."""
    return [*messages, {"role": "user", "content": CONTINUE_INSTRUCTION}]
