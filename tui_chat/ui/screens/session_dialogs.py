"""Small dialogs for session operations: rename, export to a file, restore from the trash."""

from __future__ import annotations

import time

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from tui_chat.core.session import TITLE_LENGTH
from tui_chat.core.store.trash import KEEP_DAYS, TrashedSession
from tui_chat.core.timefmt import relative_time


class TextPromptScreen(ModalScreen[str | None]):
    """One line of text, prefilled; Enter accepts (dismiss with the text), Esc cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(
        self,
        heading: str,
        value: str,
        *,
        hint: str = "",
        accept_label: str = "OK",
        max_length: int = 0,
    ) -> None:
        super().__init__()
        self.heading = heading
        self.value = value
        self.hint = hint
        self.accept_label = accept_label
        self.max_length = max_length

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Content(self.heading), id="heading")
            yield Input(self.value, id="value", max_length=self.max_length, select_on_focus=True)
            if self.hint:
                yield Static(Content(self.hint), id="hint")
            with Horizontal(id="buttons"):
                yield Button(self.accept_label, variant="primary", id="accept")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._accept()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "accept":
            self._accept()
        else:
            self.dismiss(None)

    def _accept(self) -> None:
        text = self.query_one(Input).value.strip()
        if text:
            self.dismiss(text)
        else:
            self.notify("Type something first (Esc cancels).", severity="warning")

    def action_cancel(self) -> None:
        self.dismiss(None)


class RenameScreen(TextPromptScreen):
    def __init__(self, title: str) -> None:
        super().__init__(
            "Rename the session",
            title,
            hint="Enter renames · Esc cancels",
            accept_label="Rename",
            max_length=TITLE_LENGTH,
        )


class ExportScreen(TextPromptScreen):
    def __init__(self, default_path: str, fmt: str) -> None:
        kind = "Markdown" if fmt == "md" else "JSON"
        super().__init__(
            f"Export the session as {kind} to:",
            default_path,
            hint="Enter writes the file (you are asked before one is replaced) · Esc cancels",
            accept_label="Export",
        )


class TrashScreen(ModalScreen[str | None]):
    """The trash: deleted sessions with when they were deleted; Enter restores one."""

    BINDINGS = [Binding("escape", "cancel", "Close", show=False)]

    def __init__(self, trashed: list[TrashedSession]) -> None:
        super().__init__()
        self.trashed = trashed

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Content("Deleted sessions"), id="heading")
            if self.trashed:
                now = time.time()
                options = [Option(self._prompt(item, now), id=item.id) for item in self.trashed]
                yield OptionList(*options, id="trashed", markup=False)
                hint = f"Enter restores · Esc closes · kept {KEEP_DAYS} days after deletion"
            else:
                yield Static(Content("The trash is empty."), id="empty")
                hint = "Esc closes"
            yield Static(Content(hint), id="hint")

    @staticmethod
    def _prompt(item: TrashedSession, now: float) -> Content:
        deleted = time.strftime("%Y-%m-%d %H:%M", time.localtime(item.deleted_at))
        days_left = item.days_left(now)
        gone = f"gone in {days_left} day{'s' if days_left != 1 else ''}"
        detail = (
            f"deleted {deleted} ({relative_time(item.deleted_at, now)}) · "
            f"{item.message_count} message{'s' if item.message_count != 1 else ''} · "
            f"{gone if days_left else 'gone soon'}"
        )
        return Content.assemble(Content.styled(item.title, "bold"), "\n", (detail, "dim"))

    def on_mount(self) -> None:
        if self.trashed:
            self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
