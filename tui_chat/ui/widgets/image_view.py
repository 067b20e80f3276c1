"""One image file in the conversation: a generated image, or a file the user attached.

The picture is as wide as the conversation allows (at most `max_share` of its height, or
`max_rows` for thumbnails), drawn by textual-image in the mode of this run (kitty, sixel or
half-block cells: `TuiChatApp.graphics`, `[images] display`). The file is decoded once, in
a thread, downscaled (ui/render/image_backend); textual-image is imported then, never at
start-up. "off", a missing file or one that is not an image shows one line instead.
Enter (or a click) opens the file in the system viewer (services/image_viewer), or says
where it is when there is none.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer, Vertical
from textual.content import Content
from textual.message import Message as TextualMessage
from textual.widget import Widget
from textual.widgets import Static

from tui_chat.core.sanitize import strip_control
from tui_chat.services.terminal_graphics import TerminalGraphics
from tui_chat.ui.worker_errors import pass_failure_to_app

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage
    from textual.events import Click, Resize
    from textual.worker import Worker

MAX_SHARE = 0.6
"""A generated image takes at most this share of the conversation's height."""
THUMBNAIL_ROWS = 8
THUMBNAIL_SIDE = 256
"""Thumbnails are decoded to at most this many pixels a side."""


def graphics_of(widget: Widget) -> TerminalGraphics:
    """The graphics of this run, with `[images] display` as the config says now."""
    app = widget.app
    graphics: TerminalGraphics = getattr(app, "graphics", None) or TerminalGraphics()
    config = getattr(app, "config", None)
    display = config.images.display if config is not None else "auto"
    if display == "auto" or display == graphics.mode:
        return graphics
    return replace(graphics, mode=display, probed=False)


def advise_tmux(widget: Widget) -> None:
    """Inside tmux, say once per run what would draw images better (the first time one
    is drawn)."""
    from tui_chat.services.terminal_graphics import tmux_advice

    app = widget.app
    if getattr(app, "graphics_advised", True):
        return
    advice = tmux_advice(graphics_of(widget))
    app.graphics_advised = True  # type: ignore[attr-defined]
    if advice:
        app.notify(advice, title="Images in tmux", timeout=20)


class ImageView(Vertical, can_focus=True):
    """An image file with a dim caption; Enter opens it in the system viewer."""

    BINDINGS = [
        Binding("enter", "open_image", "Open it in the image viewer (Tab to it)", show=False),
        Binding("a", "attach_image", "Attach it to your next message", show=False),
        Binding("c", "copy_path", "Copy the file's path", show=False),
    ]

    @dataclass
    class AttachRequested(TextualMessage):
        """`a` on an image: attach its file to the next message (a generated image
        reaches a model only this way)."""

        file: Path

    def __init__(
        self,
        file: Path,
        shown_name: str,
        caption: str = "",
        *,
        max_rows: int | None = None,
        max_share: float = MAX_SHARE,
    ) -> None:
        super().__init__(classes="image-view")
        self.file = file
        self.shown_name = strip_control(shown_name)
        """How the file is named on the line shown instead (`images/…` or its name)."""
        self.caption = strip_control(caption)
        self.max_rows = max_rows
        self.max_share = max_share
        self.picture: Widget | None = None
        self.pixels: tuple[int, int] = (0, 0)
        self.cells: tuple[int, int] = (0, 0)
        """The picture's size in cells (columns, rows) once shown."""
        self._line = Static("", classes="image-line")

    def compose(self) -> ComposeResult:
        yield self._line
        if self.caption:
            yield Static(Content(self.caption), classes="image-caption")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        pass_failure_to_app(self, event)

    def on_mount(self) -> None:
        graphics = graphics_of(self)
        if graphics.mode == "off":
            self.show_line(f"[image: {self.shown_name}]")
        elif not self.file.is_file():
            self.show_line(f"image file missing: {self.shown_name}")
        else:
            self.show_line("◌ loading image…")
            side = THUMBNAIL_SIDE if self.max_rows is not None else None
            self.load(graphics, side)

    def show_line(self, text: str) -> None:
        self._line.update(Content(text))
        self._line.display = True

    @work(thread=True, exit_on_error=False, group="image-load")
    def load(self, graphics: TerminalGraphics, side: int | None) -> None:
        from tui_chat.ui.render.image_backend import PREVIEW_SIDE, load_preview

        try:
            preview = load_preview(self.file, side or PREVIEW_SIDE)
        except (OSError, ValueError, SyntaxError, EOFError):  # PIL's ways to say "not an image"
            self.app.call_from_thread(self.show_line, f"[image: {self.shown_name}] (unreadable)")
            return
        self.app.call_from_thread(self.show_picture, graphics, preview)

    def show_picture(self, graphics: TerminalGraphics, preview: PILImage) -> None:
        from tui_chat.ui.render.image_backend import picture_widget

        if not self.is_attached:
            return
        cell = (graphics.cell_width, graphics.cell_height)
        self.pixels = preview.size
        picture = picture_widget(graphics.mode, preview, cell)
        self.picture = picture
        self.fit_picture()
        self._line.display = False
        self.mount(picture, before=self._line)
        advise_tmux(self)

    def on_resize(self, event: Resize) -> None:
        self.fit_picture()

    def fit_picture(self) -> None:
        """Size the picture to the width there is and the rows it may take."""
        from tui_chat.ui.render.image_backend import fitted_cells

        picture = self.picture
        if picture is None:
            return
        graphics = graphics_of(self)
        columns = self.content_region.width or self.app.size.width
        view = next((a for a in self.ancestors if isinstance(a, ScrollableContainer)), None)
        height = view.size.height if isinstance(view, Widget) and view.size.height else 0
        rows = self.max_rows or max(4, int((height or self.app.size.height) * self.max_share))
        cell = (graphics.cell_width, graphics.cell_height)
        cells = fitted_cells(self.pixels, cell, columns, rows)
        if cells != self.cells:
            self.cells = cells
            picture.styles.width, picture.styles.height = cells

    def on_click(self, event: Click) -> None:
        self.action_open_image()

    def action_attach_image(self) -> None:
        self.post_message(self.AttachRequested(self.file.resolve()))

    def action_copy_path(self) -> None:
        from tui_chat.services.clipboard import copy_text

        copy_text(self.app, str(self.file.resolve()), "the image's path")

    def action_open_image(self) -> None:
        from tui_chat.services.image_viewer import open_in_viewer

        file = self.file.resolve()
        if not file.is_file():
            self.app.notify(f"The image file is missing: {file}", severity="warning")
        elif not open_in_viewer(file, os.environ):
            self.app.notify(f"No image viewer here. The file is {file}", title="Image")
