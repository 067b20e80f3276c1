"""When the user last pressed a key, and waiting for a pause in the typing.

Some work after a reply ends cannot be cut into slices: laying out a long reply that
streaming had folded away, or showing the blocks it deferred, is one layout of thousands of
widgets (100-200 ms for a 10,000-token reply). A key pressed meanwhile waits for all of it.
So that work waits until no key came for `QUIET_SECONDS` (the user is reading, not typing),
unless someone needs it done now (the user scrolled up, another reply starts).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from textual.app import App

QUIET_SECONDS = 0.3
POLL_SECONDS = 0.05
"""How often a wait checks whether it was hurried."""


class InputClock:
    """The app's record of the last key (set from `App.on_event`)."""

    def __init__(self) -> None:
        self.key_at = 0.0
        """time.monotonic() of the last key."""

    def note_key(self) -> None:
        self.key_at = time.monotonic()

    async def quiet(self, hurried: Callable[[], bool] = lambda: False) -> None:
        """Return once no key came for QUIET_SECONDS, or as soon as `hurried()` is true."""
        while not hurried():
            wait = self.key_at + QUIET_SECONDS - time.monotonic()
            if wait <= 0:
                return
            await asyncio.sleep(min(wait, POLL_SECONDS))


def input_clock(app: App[object]) -> InputClock:
    """The app's InputClock (a widget knows its app only as a Textual App)."""
    clock = getattr(app, "input_clock", None)
    return clock if isinstance(clock, InputClock) else _NO_KEYS


_NO_KEYS = InputClock()
"""For an app without one (a widget tested on its own): no key ever came."""
