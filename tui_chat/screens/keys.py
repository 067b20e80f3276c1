"""F1: every key the app understands, in one table."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

# Keys handled inside widgets rather than through bindings.
PROMPT_KEYS = [
    ("enter", "Send the message"),
    ("ctrl+j / shift+enter / alt+enter", "New line in the prompt"),
    ("ctrl+v / paste", "Paste (multi-line text keeps its newlines)"),
    ("up / down (in the sidebar)", "Move through sessions; enter opens"),
    ("tab / shift+tab", "Move focus: prompt, messages, sidebar"),
    ("click a reply", "Show its reasoning in the thinking pane"),
]


class KeysScreen(ModalScreen[None]):
    """A table of bindings, generated from the live app so it never goes stale."""

    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close", show=False)]

    def __init__(self, rows: list[tuple[str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Keys", id="heading")
            yield DataTable(id="keys", cursor_type="row", zebra_stripes=True)
            yield Static("esc to close", id="hint")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Key", "Action")
        for key, description in [*self.rows, *PROMPT_KEYS]:
            table.add_row(key, description)
        table.focus()
