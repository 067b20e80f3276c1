"""`[display]`: how replies are drawn. Read and written here, each problem named at the line
of its key (as `parse_images` does for `[images]`).

`maths = true` (the default) shows LaTeX maths in replies as Unicode text (issue 18); false
shows it as written. A value of the wrong type is an error (the file is refused, as for the
other tables); an unknown key is a warning. `display_table` is what the writer saves: only
what differs from the defaults, so a config without `[display]` stays without one."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import partial
from typing import Any

from tui_chat.config.lines import LineIndex, Problem


@dataclass(frozen=True)
class DisplayConfig:
    """`[display]`."""

    maths: bool = True
    """LaTeX maths in replies and reasoning as Unicode (`α²`, `∑ᵢ₌₁ⁿ`); False: as written."""


_KEYS = {f.name for f in dataclasses.fields(DisplayConfig)}
_DEFAULT = DisplayConfig()


def parse_display(raw: Any, index: LineIndex, problems: list[Problem]) -> DisplayConfig:
    """`[display]`; the built-in values when it has errors (added to `problems`)."""
    if raw is None:
        return DisplayConfig()
    at = partial(index.line, "display")
    if not isinstance(raw, dict):
        problems.append(Problem("'display' must be a table ([display])", at()))
        return DisplayConfig()
    found: list[Problem] = []
    for key in raw:
        if key not in _KEYS:
            found.append(Problem(f"unknown key '{key}' in [display] (ignored)", at(key), True))
    maths = raw.get("maths", _DEFAULT.maths)
    if not isinstance(maths, bool):
        found.append(Problem("[display] maths must be true or false", at("maths")))
    problems.extend(found)
    if any(not problem.warning for problem in found):
        return DisplayConfig()
    return DisplayConfig(maths=maths)


def display_table(display: DisplayConfig) -> dict[str, Any]:
    """`[display]` as a TOML table: only the keys that differ from the defaults."""
    return {
        f.name: getattr(display, f.name)
        for f in dataclasses.fields(DisplayConfig)
        if getattr(display, f.name) != getattr(_DEFAULT, f.name)
    }
