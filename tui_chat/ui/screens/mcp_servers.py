"""The MCP servers of the config and how each is doing: transport, state, how many tools it
offers, and its last problem; the selected one can be (re)started.

Servers start when a session first uses them, so "off" is the usual state before that.
Refreshed on a timer while open (a server may die, or finish starting). Server names and
problems come from the config and from the servers: shown as plain text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static
from textual.worker import Worker

from tui_chat.core.sanitize import single_line, strip_control
from tui_chat.ui.worker_errors import pass_failure_to_app

if TYPE_CHECKING:
    from tui_chat.ui.app import TuiChatApp

REFRESH_SECONDS = 0.5
COLUMNS = ("Server", "Transport", "State", "Tools", "Last problem")
STATE_STYLES = {"ready": "green", "starting": "yellow", "failed": "red", "dead": "red"}


class McpServersScreen(ModalScreen[None]):
    """A table of the MCP servers (`McpManager.states()`); r restarts the selected one."""

    DEFAULT_CSS = """
    McpServersScreen {
        align: center middle;
        background: $background 60%;
        #dialog {
            width: 90%;
            max-width: 120;
            height: auto;
            max-height: 90%;
            padding: 1 2;
            border: thick $primary;
            background: $surface;
        }
        #mcp-heading { text-style: bold; margin: 0 0 1 0; }
        DataTable { height: auto; max-height: 20; }
        #mcp-problem { color: $error; margin: 1 0 0 0; }
        #mcp-hint { color: $text-muted; margin: 1 0 0 0; }
    }
    """

    BINDINGS = [
        Binding("r", "restart", "Restart", tooltip="Start or restart the selected server"),
        Binding("escape,q", "close", "Close"),
    ]

    app: TuiChatApp

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("MCP servers", id="mcp-heading")
            yield DataTable(cursor_type="row", zebra_stripes=True, id="mcp-table")
            # The selected server's problem, whole: the table's column is cut at 80 columns.
            yield Static("", id="mcp-problem", markup=False)
            yield Static(
                "r starts or restarts the selected server · Esc closes. Servers start when a "
                "session first uses their tools.",
                id="mcp-hint",
            )

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*COLUMNS)
        self.refresh_table()
        self.set_interval(REFRESH_SECONDS, self.refresh_table, name="mcp states")
        table.focus()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        pass_failure_to_app(self, event)

    def _states(self) -> list[Any]:
        mcp = getattr(self.app, "mcp", None)
        return list(mcp.states()) if mcp is not None else []

    def refresh_table(self) -> None:
        """The table as the servers are now; the cursor stays on the same row."""
        table = self.query_one(DataTable)
        states = self._states()
        rows = [row_of(state) for state in states]
        self.query_one("#mcp-heading", Static).update(
            "MCP servers"
            if rows
            else "MCP servers — none in the config (add [mcp_servers.NAME] tables to "
            "config.toml, or run tui-chat mcp import FILE)"
        )
        current = [tuple(table.get_row_at(i)) for i in range(table.row_count)]
        if [tuple(str(c) for c in r) for r in rows] == [
            tuple(str(c) for c in r) for r in current
        ]:
            return
        cursor = table.cursor_row
        table.clear()
        for state, row in zip(states, rows, strict=True):
            table.add_row(*row, key=state.name)
        if rows:
            table.move_cursor(row=min(cursor, len(rows) - 1))
        self.show_problem()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_problem()

    def show_problem(self) -> None:
        """The selected server's last problem in full, under the table."""
        name = self.selected_name()
        state = next((s for s in self._states() if s.name == name), None)
        problem = state.problem if state is not None and state.problem else ""
        label = self.query_one("#mcp-problem", Static)
        label.update(Text(strip_control(problem)))  # it names its server
        label.display = bool(problem)

    def selected_name(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return key.value

    def action_restart(self) -> None:
        name = self.selected_name()
        mcp = getattr(self.app, "mcp", None)
        if name is None or mcp is None:
            return
        self.app.notify(f"Restarting {name}…", title="MCP", markup=False)
        self.run_worker(mcp.restart(name), group=f"restart-{name}", exit_on_error=False)

    def action_close(self) -> None:
        self.dismiss(None)


def row_of(state: Any) -> tuple[Text, Text, Text, Text, Text]:
    """A server's row: name, transport, state, tool count, last problem (or —)."""
    problem = single_line(state.problem) if state.problem else "—"
    return (
        Text(single_line(state.name)),
        Text(single_line(state.transport)),
        Text(state.state, style=STATE_STYLES.get(state.state, "")),
        Text(str(state.tool_count) if state.state == "ready" else "—"),
        Text(problem),
    )
