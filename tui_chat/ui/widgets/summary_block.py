"""The rolling summary in the message view: a distinct, collapsible block placed before the
first message it does not cover; Edit opens the text in a modal and saves it."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message as TextualMessage
from textual.screen import ModalScreen
from textual.widgets import Button, Collapsible, Static, TextArea

from tui_chat.core.context.summary import Summary


class SummaryBlock(Collapsible):
    """Shows one summary; posts `Edited` when the user saved a new text."""

    class Edited(TextualMessage):
        def __init__(self, summary: Summary) -> None:
            super().__init__()
            self.summary = summary

    def __init__(self, summary: Summary) -> None:
        self.summary = summary
        super().__init__(
            Static(Content(summary.text), classes="summary-text"),
            Button("Edit summary", classes="summary-edit", compact=True),
            title=self._heading(),
            collapsed=True,
            classes="summary-block",
            id="summary-block",
        )

    def _heading(self) -> str:
        edited = " · edited" if self.summary.edited else ""
        return f"Summary of {len(self.summary.covers)} earlier messages{edited}"

    @on(Button.Pressed, ".summary-edit")
    def _edit(self, event: Button.Pressed) -> None:
        event.stop()

        def saved(text: str | None) -> None:
            if text is None or text.strip() == self.summary.text.strip():
                return
            self.summary.text = text.strip()
            self.summary.edited = True
            self.query_one(".summary-text", Static).update(Content(self.summary.text))
            self.title = self._heading()
            self.post_message(self.Edited(self.summary))

        self.app.push_screen(SummaryEditScreen(self.summary.text), saved)


class SummaryEditScreen(ModalScreen[str | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", show=False),
        Binding("ctrl+s", "save", "Save", show=False),
    ]

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Edit the summary (it stands in for the earlier messages)")
            yield TextArea(self.text, id="summary-text", soft_wrap=True)
            with Horizontal(id="buttons"):
                yield Button("Save (ctrl+s)", id="save", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.dismiss(None)

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)
