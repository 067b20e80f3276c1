"""Small modals for message operations: selecting text to copy, attaching an image."""

from __future__ import annotations

import os
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Button, Input, Static, TextArea

from tui_chat.core.attachments import AttachmentError, check_reference, display_name
from tui_chat.services.clipboard import copy_text
from tui_chat.ui.widgets.huge_text import TextPager, shown_part, size_label


class SelectTextScreen(ModalScreen[None]):
    """A message's text, read-only: select any part with the keyboard or mouse and copy it."""

    BINDINGS = [
        Binding("escape,q", "close", "Close", show=False),
        Binding("y,ctrl+c", "copy", "Copy selection", show=False, priority=True),
    ]

    def __init__(self, text: str, title: str) -> None:
        super().__init__()
        self.text = text
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(id="select-dialog"):
            yield Static(Content(self.title_text), id="select-title")
            if shown_part(self.text) is not None:
                # A TextArea wraps the whole text first (36 s for 40 MB): a huge one is paged.
                yield TextPager(self.text, id="select-text")
                yield Static(
                    f"{size_label(self.text)} · ↑ ↓ PgUp PgDn Home End scroll · y / Ctrl+C "
                    "copy the whole message · Esc close",
                    classes="hint",
                )
                return
            yield TextArea(
                self.text, read_only=True, soft_wrap=True, id="select-text", show_cursor=True
            )
            yield Static(
                "Shift+arrows or the mouse select · y / Ctrl+C copy (all when nothing is "
                "selected) · Esc close",
                classes="hint",
            )

    def on_mount(self) -> None:
        self.query_one("#select-text").focus()

    def action_copy(self) -> None:
        areas = self.query(TextArea)
        selected = areas.first().selected_text if areas else ""
        text = selected or self.text
        what = "the selection" if selected else "the whole message"
        copy_text(self.app, text, f"{what} ({len(text)} characters)")

    def action_close(self) -> None:
        self.dismiss(None)


class PathSuggester(Suggester):
    """Completes file and folder names as a path is typed (first match, sorted)."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        if not value or "://" in value or value.startswith(("'", '"')):
            return None
        expanded = os.path.expanduser(value)
        folder, _, start = expanded.rpartition(os.sep)
        base = Path(folder or ("/" if expanded.startswith(os.sep) else "."))
        try:
            names = sorted(
                entry.name + (os.sep if entry.is_dir() else "")
                for entry in os.scandir(base)
                if entry.name.startswith(start) and not entry.name.startswith(".")
            )
        except OSError:
            return None
        if not names or names[0] == start:
            return None
        return value + names[0][len(start) :]


class AttachScreen(ModalScreen["list[str] | None"]):
    """Attach images by path or URL; the checks of tui_chat.core.attachments run before a path is
    accepted. Returns the full new list of attachments: what the dialog lists when it
    closes, by Done or by Esc (an image attached here is never dropped unsaid)."""

    BINDINGS = [Binding("escape", "close", "Close", show=False)]
    HINT = (
        "Enter attaches · Done attaches what is typed and closes · "
        "Esc closes: the images listed stay attached"
    )

    def __init__(self, attached: list[str]) -> None:
        super().__init__()
        self.attached = list(attached)

    def compose(self) -> ComposeResult:
        with Vertical(id="attach-dialog"):
            yield Static("Attach an image to the next message", id="attach-title")
            yield Input(
                placeholder="path to an image file, or an http(s) URL",
                suggester=PathSuggester(),
                id="attach-input",
            )
            yield Static("", id="attach-error")
            yield Static("", id="attach-list")
            yield Static(Content(self.HINT), id="attach-hint", classes="hint")
            with Horizontal(id="buttons"):
                yield Button("Attach", variant="primary", id="attach")
                yield Button("Remove all", id="clear")
                yield Button("Done", id="done")

    def on_mount(self) -> None:
        self._show_list()
        self.query_one(Input).focus()

    def _show_list(self) -> None:
        names = "  ".join(f"[image: {display_name(a)}]" for a in self.attached)
        self.query_one("#attach-list", Static).update(
            Content(f"Attached: {names}" if names else "Nothing attached yet.")
        )
        self.query_one("#clear", Button).disabled = not self.attached

    def _add_reference(self, close: bool = False) -> None:
        """Attach what is typed (when it passes the checks); then close when asked, or
        when nothing was typed (Enter on an empty line)."""
        field = self.query_one(Input)
        error = self.query_one("#attach-error", Static)
        if not field.value.strip():
            self.dismiss(self.attached)
            return
        try:
            reference = check_reference(field.value)
        except AttachmentError as problem:
            error.update(Content(str(problem)))
            error.display = True
            return
        error.display = False
        if reference not in self.attached:
            self.attached.append(reference)
        field.value = ""
        self._show_list()
        if close:
            self.dismiss(self.attached)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._add_reference()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "attach":
            self._add_reference()
        elif event.button.id == "clear":
            self.attached.clear()
            self._show_list()
        else:
            self._add_reference(close=True)

    def action_close(self) -> None:
        """Esc: close, keeping the images listed; a path typed but not attached is said."""
        typed = self.query_one(Input).value.strip()
        if typed:
            self.notify(
                f"Not attached (Esc closed the dialog first): {typed}",
                severity="warning",
                timeout=6,
                markup=False,
            )
        self.dismiss(self.attached)
