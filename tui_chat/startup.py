"""The cyclic garbage collector while the app starts.

Starting allocates a few hundred thousand objects that live as long as the app (modules,
classes, parsed CSS, widgets). Python's collector counts allocations, so it runs many times
during the start and walks all of them again on each full pass: about a fifth of the time
to the first screen, for no garbage worth collecting. The command line pauses it before the
app starts; it is resumed once the first screen is up and the warm-up (`tui_chat.warmup`)
is done, after freezing what exists then, so later full passes skip the start-up objects.
Nothing else changes: objects are still freed by reference counting all along.
"""

from __future__ import annotations

import gc
import threading

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
