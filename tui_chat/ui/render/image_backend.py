"""textual-image, imported on the first image shown, without its terminal queries.

Importing any textual_image module runs `textual_image/renderable/__init__.py`, which, when
`sys.__stdout__` is a terminal, queries it for sixel and kitty graphics by reading stdin;
`textual_image.widget` then asks for the cell size (`ESC [16t`, read from stdin too). Once
Textual runs, its input thread owns stdin: those reads would time out and could eat a key.
So the import runs with `sys.__stdout__` standing in as a non-terminal (no query at all) and
the cell size our own probe found (services/terminal_graphics) in the environment variables
textual-image reads for it (TEXTUAL_CELL_WIDTH/HEIGHT), which fills its cell-size cache.
Which widget draws an image is ours to choose (the mode), never textual-image's guess.

It costs ~60 ms (PIL), so nothing imports this module's users at start-up
(tests/test_import_hygiene.py FIRST_USE_MODULES).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from textual.widget import Widget

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

MAX_FILE_BYTES = 64 * 2**20
"""Larger files are not decoded (a hostile session file may name any file)."""
PREVIEW_SIDE = 768
"""Images are decoded once and downscaled to at most this many pixels a side: enough for
the conversation's width in kitty or sixel, and each render copies only that."""


class _NotATerminal:
    """What `sys.__stdout__` is while textual-image is imported: not a terminal."""

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        return None


def textual_image_widgets(cell: tuple[int, int]) -> ModuleType:
    """`textual_image.widget`, imported (once) with no terminal query, its cell size
    `cell` (width, height in pixels)."""
    loaded = sys.modules.get("textual_image.widget")
    if loaded is not None:
        return loaded
    keys = ("TEXTUAL_CELL_WIDTH", "TEXTUAL_CELL_HEIGHT")
    saved_env = {key: os.environ.get(key) for key in keys}
    saved_stdout = sys.__stdout__
    try:
        sys.__stdout__ = _NotATerminal()  # type: ignore[assignment,misc]
        os.environ.update(dict(zip(keys, (str(cell[0]), str(cell[1])), strict=True)))
        import textual_image.widget as widgets
    finally:
        sys.__stdout__ = saved_stdout  # type: ignore[misc]
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return widgets


def picture_widget(mode: str, image: PILImage, cell: tuple[int, int]) -> Widget:
    """The textual-image widget that draws `image` in `mode` (kitty, sixel, halfblock)."""
    widgets = textual_image_widgets(cell)
    classes: dict[str, Any] = {
        "kitty": widgets.TGPImage,
        "sixel": widgets.SixelImage,
        "halfblock": widgets.HalfcellImage,
    }
    widget: Widget = classes.get(mode, widgets.HalfcellImage)(image, classes="picture")
    return widget


def load_preview(file: Path, side: int = PREVIEW_SIDE) -> PILImage:
    """The image in `file`, decoded once and downscaled to at most `side` pixels a side
    (RGB, or RGBA when it has transparency). Raises OSError (or PIL's errors, which are
    OSError or ValueError) for a file that is not an image. Runs in a thread."""
    from PIL import Image

    if file.stat().st_size > MAX_FILE_BYTES:
        raise ValueError(f"{file.name}: larger than {MAX_FILE_BYTES // 2**20} MB")
    try:
        opened_file = Image.open(file)
    except Image.DecompressionBombError as error:  # not an OSError: a hostile header
        raise ValueError(str(error)) from error
    with opened_file as opened:
        opened.draft("RGB", (side, side))  # JPEG: decode at a smaller scale directly
        has_alpha = opened.mode in ("RGBA", "LA", "PA") or "transparency" in opened.info
        preview = opened.convert("RGBA" if has_alpha else "RGB")
    preview.thumbnail((side, side))
    return preview


def fitted_cells(
    pixels: tuple[int, int], cell: tuple[int, int], columns: int, rows: int
) -> tuple[int, int]:
    """(columns, rows) that show an image of `pixels` as large as fits in `columns` x
    `rows` cells, keeping its aspect ratio."""
    width, height = max(1, pixels[0]), max(1, pixels[1])
    columns, rows = max(1, columns), max(1, rows)
    shown_rows = round(columns * cell[0] * height / width / cell[1])
    if shown_rows <= rows:
        return columns, max(1, shown_rows)
    return max(1, min(columns, round(rows * cell[1] * width / height / cell[0]))), rows
