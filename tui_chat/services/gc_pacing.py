"""Full garbage collections at moments the user does not notice.

A full (generation 2) collection walks every object the app holds: 100-250 ms once a few
long replies are on screen, 0.4-0.85 s once a 10k-token reply is. Python starts one
whenever enough objects have survived, which during a fast stream is every half second or
so, and each is a stall of keys and frames. Here automatic full collections are off, and
the pacer runs them itself:

- Only at an idle moment: no reply streaming or still settling (its deferred blocks being
  mounted), and no key, click or frame for `IDLE_SECONDS`. Not every `STREAMING_SECONDS`
  during a stream any more: that forced collection was the freeze of issue 19. An idle app
  still collects at least every `MAX_SECONDS`. The young generations stay automatic: they
  take a millisecond or two, and free most garbage anyway.
- After an idle collection the survivors are frozen (`gc.freeze`): the long replies on
  screen, the widgets, the styles live on, so later collections walk only what is new, a
  few milliseconds instead of hundreds. Frozen objects are never collected, so once the
  frozen (permanent) generation has grown by `DEEP_OBJECTS` since the last deep
  collection, the next idle moment unfreezes everything, collects and freezes again. The
  garbage hidden there is bounded by about that many objects.
- Safety valves, so memory cannot run away in an endless stream or an endless burst of
  keys: a collection runs anyway when the resident memory has grown by `RSS_GROWTH_BYTES`
  since the last full collection (read from /proc/self/statm, a few microseconds), or when
  the app has had no idle moment for `BUSY_SECONDS`.

While the app starts, automatic collection is paused altogether (`pause_gc`, from the
command line): starting allocates a few hundred thousand objects that live as long as the
app (modules, classes, parsed CSS, widgets), and the collector walked them again and again,
about a fifth of the time to the first screen, for no garbage worth collecting. It is
resumed (`resume_gc`) once the first screen is up and the warm-up (`tui_chat.ui.warmup`) is
done, after freezing what exists then. Objects are still freed by reference counting all
along.

For the same span the GIL changes hands sooner (`START_SWITCH_INTERVAL`): Textual writes
each frame from a thread of its own, and the main thread goes on at once with the work that
waited for the first frame (the warm-up, the footer's keys, the status line's context
fill); the writer waited up to Python's 5 ms for the GIL, and the first frame with it.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
from collections.abc import Callable

IDLE_SECONDS = 1.5
"""Quiet time (no key, no frame) after which a full collection may run."""
MAX_SECONDS = 120.0
"""An idle app collects at least this often."""
BUSY_SECONDS = 120.0
"""Busy (streaming, settling, keys) this long without an idle moment: collect anyway."""
RSS_GROWTH_BYTES = 512 * 1024 * 1024
"""Resident memory grown this much since the last full collection: collect anyway."""
DEEP_OBJECTS = 1_000_000
"""Objects frozen since the last deep collection that make the next idle one deep."""
NEVER = 1_000_000_000
"""A generation-2 threshold that is never reached."""


def _statm_rss() -> int:
    with open("/proc/self/statm", "rb") as statm:
        return int(statm.read().split()[1]) * _PAGE


def _rusage_rss() -> int:
    """The peak, not the current size (all getrusage knows); it only grows, which is
    enough for a valve on growth."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, else KiB


try:
    _PAGE = os.sysconf("SC_PAGE_SIZE")
    _statm_rss()
    read_rss: Callable[[], int] = _statm_rss
    """The resident memory of this process in bytes (cheap enough for every tick)."""
except (OSError, ValueError, AttributeError, IndexError):
    read_rss = _rusage_rss


class CollectionPacer:
    """Owns full collections while started (see the module docstring)."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        rss: Callable[[], int] | None = None,
    ) -> None:
        self._clock = clock
        self._rss = rss or read_rss
        self._saved: tuple[int, int, int] | None = None
        self._last_full = self._last_activity = self._last_idle = clock()
        self._rss_at_full = 0
        self._frozen_at_deep = 0
        self._dirty = False
        self.collections = 0
        """Full collections this pacer ran."""
        self.deep_collections = 0
        """Of those, the ones that unfroze everything first."""
        self.forced = 0
        """Of those, the ones a safety valve ran while the app was busy."""

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
        self._last_full = self._last_activity = self._last_idle = self._clock()
        self._rss_at_full = self._rss()
        self._frozen_at_deep = gc.get_freeze_count()

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

    def due(self, streaming: bool) -> str | None:
        """Which collection is due now: "deep", "idle", "forced" or None. `streaming`:
        a reply streams or is still settling."""
        now = self._clock()
        if not streaming and now - self._last_activity >= IDLE_SECONDS:
            self._last_idle = now
            if self._dirty or now - self._last_full >= MAX_SECONDS:
                grown = gc.get_freeze_count() - self._frozen_at_deep
                return "deep" if grown > DEEP_OBJECTS else "idle"
            return None
        if now - max(self._last_idle, self._last_full) >= BUSY_SECONDS:
            return "forced"
        if self._rss() - self._rss_at_full > RSS_GROWTH_BYTES:
            return "forced"
        return None

    def tick(self, streaming: bool) -> bool:
        """Collect if this is a good moment (or a valve says so); True when it did."""
        if self._saved is None:
            return False
        kind = self.due(streaming)
        if kind is None:
            return False
        if kind == "deep":
            gc.unfreeze()
        gc.collect()
        gc.freeze()  # the survivors are out of every later collection (until a deep one)
        if kind == "deep":
            self._frozen_at_deep = gc.get_freeze_count()
            self.deep_collections += 1
        elif kind == "forced":
            self.forced += 1
        self.collections += 1
        self._last_full = self._clock()
        self._rss_at_full = self._rss()
        self._dirty = False
        return True


START_SWITCH_INTERVAL = 0.0005
"""Seconds a thread holds the GIL while another waits for it, from `pause_gc` to
`resume_gc` (Python's default: 0.005): the first frame reaches the terminal about 1 ms
after it is drawn rather than 5-6 ms (measured in a pty)."""

_lock = threading.Lock()
_paused = False
_switch_interval: float | None = None
"""The GIL switch interval `pause_gc` replaced, until `resume_gc` puts it back."""


def pause_gc() -> None:
    """Stop automatic collection until `resume_gc` (no-op if it is already off), and hand
    the GIL over sooner meanwhile (`START_SWITCH_INTERVAL`)."""
    global _paused, _switch_interval
    with _lock:
        if gc.isenabled():
            gc.disable()
            _paused = True
        if _switch_interval is None:
            _switch_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(START_SWITCH_INTERVAL, _switch_interval))


def resume_gc() -> None:
    """Freeze the objects alive now and turn collection back on, if `pause_gc` turned it
    off, and give the GIL its switch interval back. Safe to call more than once, from any
    thread."""
    global _paused, _switch_interval
    with _lock:
        if _switch_interval is not None:
            sys.setswitchinterval(_switch_interval)
            _switch_interval = None
        if not _paused:
            return
        _paused = False
        gc.freeze()
        gc.enable()


def gc_paused() -> bool:
    """True between `pause_gc` and `resume_gc`."""
    return _paused
