"""The status line's live figures of a streaming reply (services/live_reply.LiveReply)."""

from __future__ import annotations

from tui_chat.core.session import Message, Session
from tui_chat.services.live_reply import LiveReply


def test_a_continued_reply_without_a_measured_ttft_shows_no_ttft() -> None:
    """A tool turn stopped (by Esc or the round cap) before its text never measured its
    first token; continuing it (Alt+G) must not break the status line."""
    live = LiveReply(Session(), Message(role="assistant"), "p", False)
    live.continuing = True
    live.add_text("more")
    progress = str(live.figures())
    assert progress.startswith("streaming ") and "TTFT" not in progress


def test_a_new_reply_shows_its_ttft() -> None:
    live = LiveReply(Session(), Message(role="assistant"), "p", False)
    live.add_text("first")
    assert " · TTFT " in str(live.figures())
