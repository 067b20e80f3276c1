"""Reading and writing `[images]`: display mode and `/image`'s defaults, each problem named
at the line of its key (as tui_chat.config.parse_tools does for `[tools]`).

A mistake in a value is an error (the file is refused, as for the other tables); an unknown
key is a warning. `images_table` is the table the writer saves: only what differs from the
defaults, so a config without `[images]` stays without one.
"""

from __future__ import annotations

import dataclasses
from functools import partial
from typing import Any

from tui_chat.config.images_config import DISPLAY_MODES, ImagesConfig
from tui_chat.config.lines import LineIndex, Problem
from tui_chat.core.image_command import MAX_SIDE, MIN_SIDE, parse_size
from tui_chat.core.images import MAX_IMAGE_COUNT

_IMAGES_KEYS = {f.name for f in dataclasses.fields(ImagesConfig)}
_DEFAULT = ImagesConfig()


def parse_images(raw: Any, index: LineIndex, problems: list[Problem]) -> ImagesConfig:
    """`[images]`; the built-in values when it has errors (added to `problems`)."""
    if raw is None:
        return ImagesConfig()
    at = partial(index.line, "images")
    if not isinstance(raw, dict):
        problems.append(Problem("'images' must be a table ([images])", at()))
        return ImagesConfig()
    found: list[Problem] = []

    def fail(key: str, problem: str) -> None:
        found.append(Problem(f"[images] {problem}", at(key)))

    for key in raw:
        if key not in _IMAGES_KEYS:
            found.append(Problem(f"unknown key '{key}' in [images] (ignored)", at(key), True))
    values: dict[str, Any] = {}
    display = raw.get("display", _DEFAULT.display)
    if display not in DISPLAY_MODES:
        fail("display", f"display must be one of: {', '.join(DISPLAY_MODES)}")
    else:
        values["display"] = display
    size = raw.get("size")
    if size is not None:
        normal = parse_size(size) if isinstance(size, str) else None
        if normal is None:
            fail(
                "size",
                f'size must be "WIDTHxHEIGHT", each side {MIN_SIDE} to {MAX_SIDE}, '
                'like "1024x1024"',
            )
        values["size"] = normal
    count = raw.get("count", _DEFAULT.count)
    if not _is_int(count) or not 1 <= count <= MAX_IMAGE_COUNT:
        fail("count", f"count must be a whole number from 1 to {MAX_IMAGE_COUNT}")
    else:
        values["count"] = count
    timeout = raw.get("timeout", _DEFAULT.timeout)
    if not isinstance(timeout, int | float) or isinstance(timeout, bool) or timeout <= 0:
        fail("timeout", "timeout must be a positive number of seconds")
    else:
        values["timeout"] = float(timeout)
    problems.extend(found)
    if any(not problem.warning for problem in found):
        return ImagesConfig()
    return ImagesConfig(**values)


def images_table(images: ImagesConfig) -> dict[str, Any]:
    """`[images]` as a TOML table: only the keys that differ from the defaults (empty when
    none do)."""
    table: dict[str, Any] = {}
    for f in dataclasses.fields(ImagesConfig):
        value = getattr(images, f.name)
        if value != getattr(_DEFAULT, f.name):
            table[f.name] = int(value) if isinstance(value, float) and value.is_integer() else value
    return table


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
