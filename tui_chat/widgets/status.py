"""The status line: provider, model, tokens of the last reply and the session, speed."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from tui_chat.session import Message, Session
from tui_chat.timefmt import short_count
from tui_chat.tokens import estimate_tokens


def reply_speed(message: Message) -> str | None:
    """Tokens per second of a finished reply, '~' when estimated."""
    if not message.duration_seconds or message.duration_seconds <= 0:
        return None
    if message.usage and message.usage.completion_tokens:
        return f"{message.usage.completion_tokens / message.duration_seconds:.0f} tok/s"
    tokens = estimate_tokens(message.content) + estimate_tokens(message.reasoning)
    return f"~{tokens / message.duration_seconds:.0f} tok/s"


def settings_marks(session: Session) -> str:
    """The session settings worth seeing at a glance: thinking switched, JSON mode."""
    settings = session.settings
    marks = []
    if settings.thinking != "default":
        marks.append(f"thinking {settings.thinking}")
    if settings.json_mode:
        marks.append("JSON")
    return " · ".join(marks)


class StatusLine(Static):
    """One line under the prompt; says plainly when the offline demo is answering."""

    def show(
        self,
        session: Session,
        provider_label: str,
        is_demo: bool,
        live: str | None = None,
    ) -> None:
        parts: list[str] = []
        if is_demo:
            parts.append("⚠ OFFLINE DEMO (no API key)")
        else:
            marks = settings_marks(session)
            parts.append(f"{provider_label} · {session.model}" + (f" · {marks}" if marks else ""))
        reply = session.last_reply
        if live:
            parts.append(live)
        elif reply is not None:
            if reply.usage:
                parts.append(
                    f"last {short_count(reply.usage.prompt_tokens)} in"
                    f" / {short_count(reply.usage.completion_tokens)} out"
                )
            if reply.first_token_seconds is not None:
                parts.append(f"TTFT {reply.first_token_seconds:.2f}s")
            speed = reply_speed(reply)
            if speed:
                parts.append(speed)
        total = session.total_usage()
        if total.total_tokens:
            parts.append(
                f"session {short_count(total.prompt_tokens)} in"
                f" / {short_count(total.completion_tokens)} out"
            )
        self.set_class(is_demo, "-demo")
        self.update(Content(" │ ".join(parts)))
