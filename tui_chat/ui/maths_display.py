"""Maths shown as Unicode or as LaTeX for the running app: `[display] maths` when the config
is read or reloaded, `/maths on|off` until the next reload.

The renderer's parser is chosen per parse (`render.stream_maths`), so switching renders
again every Markdown body on the chat screen that is not streaming (replies, reasoning,
tool-round text): they show the new way at once. A reply streaming meanwhile shows what
arrives next the new way, and is made whole when it ends if its blocks changed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tui_chat.ui.render.maths_switch import maths_on, set_maths

if TYPE_CHECKING:
    from textual.app import App


def show_maths(app: App[Any], on: bool, *, say: bool = False) -> None:
    """Show maths as Unicode (`on`) or as written, rendering again what is on screen when
    it changes; `say` tells the user which it is now."""
    changed = on != maths_on()
    set_maths(on)
    if changed:
        # Here, not at import: the first screen does not need the Markdown stack.
        from tui_chat.ui.render.stream_blocks import is_streaming
        from tui_chat.ui.render.stream_markdown import StreamingMarkdown

        for screen in app.screen_stack:
            for body in screen.query(StreamingMarkdown):
                if not is_streaming(body) and body.source:
                    body.update(body.source)
    if say:
        app.notify("Maths shown as Unicode." if on else "Maths shown as LaTeX, as written.")
