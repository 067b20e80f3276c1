"""A stream whose connection drops after text arrived: seen in tmux, the reply said "Could
not reach http://… Check the network and base_url", which is wrong (the server was
reached and answered) and did not say that Alt+G continues the part that arrived."""

from __future__ import annotations

from pathlib import Path

from app_harness import make_app, screen_text, type_and_send, wait_for_replies
from sse_server import FakeOpenAIServer, Script


async def test_a_connection_dropped_mid_reply_says_so_and_offers_to_continue(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    server.enqueue(Script(content=["This reply ", "is cut ", "off here"], cut_after=2))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_and_send(pilot, "question")
        await wait_for_replies(pilot, app)
        reply = app.screen.session.messages[-1]
        assert reply.content == "This reply is cut "
        assert reply.status == "error"
        assert reply.error is not None
        assert "Could not reach" not in reply.error
        assert "dropped mid-reply" in reply.error and "Alt+G continues it" in reply.error
        shown = " ".join(screen_text(app).split())
        assert "dropped mid-reply" in shown and "Alt+G continues it" in shown


async def test_a_connection_that_fails_before_any_text_still_names_base_url(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    server.enqueue(Script(content=["never sent"], cut_after=0))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_and_send(pilot, "question")
        await wait_for_replies(pilot, app)
        reply = app.screen.session.messages[-1]
        assert reply.error is not None and "Could not reach" in reply.error
        assert "Alt+G" not in reply.error
