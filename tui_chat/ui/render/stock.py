"""The switch back to stock Textual rendering: `TUI_CHAT_STOCK_RENDER=1`.

With it set, replies and reasoning are plain Textual `Markdown` blocks streamed through
`Markdown.get_stream` (a `MarkdownStream`), the chat screen uses Textual's own compositor and
layout, the footer is Textual's `Footer`, and nothing folds or is deferred: the engine's
private Textual names (see `private_names`) are left alone, except the few a widget
subclass keeps (the anchor of a following scroll, the chat keys' bindings) and the CJK
line breaking of `line_breaks` (behaviour users need, identical for Latin text). After a Textual
upgrade, a bug that goes away with the switch is in the engine; one that stays is not.
Slower on long replies, otherwise the same app.
"""

from __future__ import annotations

import os

STOCK_RENDER_ENV = "TUI_CHAT_STOCK_RENDER"


def stock_render() -> bool:
    """Whether the environment asks for stock Textual rendering (read when a widget of the
    engine is made, so a test can set it for one app)."""
    return os.environ.get(STOCK_RENDER_ENV, "").strip() not in ("", "0")
