"""A long reply settles (its deferred blocks mounted hidden, a few at a time) without
repainting the screen: nothing on it changes until they are shown all at once. Each slice
used to repaint the whole reply, unchanged: about 20 KB to the terminal every 50 ms for a
second and more after a 10,000-token reply."""

from __future__ import annotations

from pathlib import Path

from app_harness import make_app
from test_stream_render import REPLY, full_render, rendered, streaming_body

from tui_chat.ui.render.deferred import Deferred
from tui_chat.ui.render.probes import capture_terminal_output
from tui_chat.ui.render.stream_markdown import finish_streamed


async def test_hidden_slices_write_nothing_and_the_reply_ends_as_a_full_render(
    tmp_path: Path, server
) -> None:
    text = REPLY * 8
    with capture_terminal_output() as written:
        app = make_app(tmp_path, server)
        async with app.run_test(size=(100, 30)):
            screen = app.screen
            view = screen.query_one("#messages")
            body = await streaming_body(view)
            await body.append_deferring(text[:30], 0)
            await body.append_deferring(text[30:], 30)
            assert body.query_children(Deferred)
            body.set_runway(0)  # the stream ended
            await screen.wait_for_refresh()
            frame = max(len(w) for w in written)  # a frame showing the reply
            written.clear()
            slices = 0
            while await body.mount_deferred(6, hidden=True):
                slices += 1
                await screen.wait_for_refresh()
            await screen.wait_for_refresh()
            assert slices > 5
            assert sum(map(len, written)) < frame  # before: a repaint of the reply per slice
            await body.show_hidden()
            await finish_streamed(body)
            reference = full_render(text)
            await view.mount(reference)
            assert rendered(body) == rendered(reference)
