"""Building the `messages` list a request sends: pure functions over a Session."""

from __future__ import annotations

from tui_chat.session import Message, Session


def build_messages(session: Session, default_system_prompt: str = "") -> list[dict[str, str]]:
    """The system prompt (if any), then the conversation's user and assistant turns.

    The system prompt is the session's own (`settings.system_prompt`, "" meaning none) or,
    when the session has not set one, `default_system_prompt` (the config's).
    Reasoning is never sent back: no dialect needs it without tool calls (providers.md §2.4).
    Replies that failed before any text arrived are left out, so a retried question is not
    followed by an empty answer.
    """
    messages: list[dict[str, str]] = []
    system_prompt = session.settings.system_prompt
    if system_prompt is None:
        system_prompt = default_system_prompt
    if system_prompt.strip():
        messages.append({"role": "system", "content": system_prompt})
    for message in session.messages:
        if _is_sendable(message):
            messages.append({"role": message.role, "content": message.content})
    return messages


def _is_sendable(message: Message) -> bool:
    if message.role == "system":
        return False  # the session's system prompt is the one that counts
    if message.role == "assistant":
        return bool(message.content.strip())
    return True
