"""Whether maths is shown as Unicode or as the LaTeX written: the switch alone, without the
renderer (`stream_maths`), so the config can set it at start without importing the Markdown
stack, which the first screen does not need (about 35 ms of start-up)."""

from __future__ import annotations


class _Switch:
    on = True


_switch = _Switch()


def maths_on() -> bool:
    """Whether maths is shown as Unicode (the parser the renderer uses depends on it)."""
    return _switch.on


def set_maths(on: bool) -> None:
    """Show maths as Unicode (True) or as the LaTeX written (False), from the next parse
    on: the caller renders again what is on screen."""
    _switch.on = on
