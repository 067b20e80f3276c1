"""The find bar: a query box over the open session, with `3/12` and next/previous."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Static


class FindBar(Horizontal):
    """Hidden until opened. It only reports what the user asks for; the screen finds."""

    BINDINGS = [
        Binding("enter,down", "next", "Next match", show=False),
        Binding("shift+enter,up", "previous", "Previous match", show=False),
        Binding("escape", "close", "Close find", show=False),
    ]

    @dataclass
    class Changed(Message):
        """The query changed ("" when cleared)."""

        query: str

    @dataclass
    class Step(Message):
        """Move to the next (+1) or previous (-1) match."""

        step: int

    class Closed(Message):
        """The user closed the bar."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.display = False

    def compose(self) -> ComposeResult:
        yield Static("Find:", classes="label")
        yield Input(placeholder="text in this conversation", id="find-input", compact=True)
        yield Static("", id="find-count")
        yield Static("Enter or ↓ next · Shift+Enter or ↑ previous · Esc close", classes="hint")

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    @property
    def query_text(self) -> str:
        return self.input.value

    def open(self, text: str = "") -> None:
        """Show the bar and focus it; `text` replaces the query when given."""
        self.display = True
        if text:
            self.input.value = text  # posts Input.Changed -> Changed
        self.input.focus()
        self.input.select_all()

    def show_count(self, current: int, total: int) -> None:
        label = "no matches" if total == 0 else f"{current}/{total}"
        if not self.query_text:
            label = ""
        count = self.query_one("#find-count", Static)
        count.update(label)
        count.set_class(total == 0 and bool(self.query_text), "-none")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Step(1))

    def action_next(self) -> None:
        self.post_message(self.Step(1))

    def action_previous(self) -> None:
        self.post_message(self.Step(-1))

    def action_close(self) -> None:
        self.display = False
        self.post_message(self.Closed())
