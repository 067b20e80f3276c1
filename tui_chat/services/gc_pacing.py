"""Full garbage collections at moments the user does not notice.

A full (generation 2) collection walks every object the app holds: 100-250 ms once a few
long replies are on screen. Python starts one whenever enough objects have survived, which
during a fast stream is every half second or so, and each is a stall of keys and frames
(the worst key latencies and frame times came from these). Here automatic full collections
are off; one runs once the app has been idle for a moment (no key, no streamed frame), at
least every `MAX_SECONDS`, and every `STREAMING_SECONDS` during a very long stream. The young
generations stay automatic: they take a millisecond or two.

While the app starts, automatic collection is paused altogether (`pause_gc`, from the
command line): starting allocates a few hundred thousand objects that live as long as the
app (modules, classes, parsed CSS, widgets), and the collector walked them again and again,
about a fifth of the time to the first screen, for no garbage worth collecting. It is
resumed (`resume_gc`) once the first screen is up and the warm-up (`tui_chat.ui.warmup`) is
done, after freezing what exists then. Objects are still freed by reference counting all
along.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable

IDLE_SECONDS = 1.5
"""Quiet time (no key, no frame) after which a full collection may run."""
STREAMING_SECONDS = 30.0
MAX_SECONDS = 120.0
NEVER = 1_000_000_000
"""A generation-2 threshold that is never reached."""


class CollectionPacer:
    """Owns full collections while started (see the module docstring)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._saved: tuple[int, int, int] | None = None
        self._last_full = clock()
        self._last_activity = clock()
        self._dirty = False
        self.collections = 0
        """Full collections this pacer ran."""

    @property
    def started(self) -> bool:
        return self._saved is not None

    def start(self) -> None:
        """Take over full collections. What start-up made (modules, styles, the first
        screen) lives as long as the app, so it is frozen out of every later collection."""
        if self._saved is not None:
            return
        gen0, gen1, gen2 = gc.get_threshold()
        self._saved = (gen0, gen1, gen2)
        gc.freeze()
        gc.set_threshold(gen0, gen1, NEVER)
        self._last_full = self._last_activity = self._clock()

    def stop(self) -> None:
        """Give full collections back to Python (when the app ends)."""
        if self._saved is None:
            return
        gc.set_threshold(*self._saved)
        gc.unfreeze()
        self._saved = None

    def note_activity(self) -> None:
        """The user pressed a key or a frame was streamed: not a good moment."""
        self._last_activity = self._clock()
        self._dirty = True

    def is_due(self, streaming: bool) -> bool:
        now = self._clock()
        since_full = now - self._last_full
        if since_full >= (STREAMING_SECONDS if streaming else MAX_SECONDS):
            return True
        return not streaming and self._dirty and now - self._last_activity >= IDLE_SECONDS

    def tick(self, streaming: bool) -> bool:
        """Collect if this is a good moment; True when it did."""
        if self._saved is None or not self.is_due(streaming):
            return False
        gc.collect()
        self.collections += 1
        self._last_full = self._clock()
        self._dirty = False
        return True


_lock = threading.Lock()
_paused = False


def pause_gc() -> None:
    """Stop automatic collection until `resume_gc` (no-op if it is already off)."""
    global _paused
    with _lock:
        if gc.isenabled():
            gc.disable()
            _paused = True


def resume_gc() -> None:
    """Freeze the objects alive now and turn collection back on, if `pause_gc` turned it
    off. Safe to call more than once, from any thread."""
    global _paused
    with _lock:
        if not _paused:
            return
        _paused = False
        gc.freeze()
        gc.enable()


def gc_paused() -> bool:
    """True between `pause_gc` and `resume_gc`."""
    return _paused
