"""The question asked before a tool call runs: allow it once, for this session, always, or
deny it (with an optional reason the model is told).

Focus starts on Deny, so a stray Enter never runs anything. Esc stops the whole reply.
The arguments came from the model: shown as plain text, never as markup, in a scrollable
area that cannot be edited.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from tui_chat.core.sanitize import single_line, strip_control
from tui_chat.tools.approval import ApprovalAnswer, ApprovalRequest, Choice


class ToolApprovalScreen(ModalScreen[ApprovalAnswer]):
    """Ask whether a tool call may run; dismissed with the user's ApprovalAnswer."""

    DEFAULT_CSS = """
    ToolApprovalScreen {
        align: center middle;
        background: $background 60%;

        #dialog {
            width: 90%;
            max-width: 100;
            height: auto;
            max-height: 90%;
            padding: 1 2;
            border: thick $warning;
            background: $surface;
        }
        #approval-title { text-style: bold; margin: 0 0 1 0; }
        .approval-info { color: $text-muted; }
        #approval-arguments {
            height: auto;
            max-height: 10;
            margin: 1 0;
            padding: 0 1;
            background: $panel;
        }
        #approval-reason { display: none; margin: 0 0 1 0; }
        #approval-reason.-shown { display: block; }
        /* Two by two: four buttons in a row do not fit 80 columns (Deny was cut off). */
        #approval-buttons {
            layout: grid;
            grid-size: 2;
            grid-columns: 1fr 1fr;
            grid-gutter: 0 1;
            height: auto;
        }
        #approval-buttons Button { width: 100%; }
        #approval-hint { color: $text-muted; margin: 1 0 0 0; }
    }
    """

    AUTO_FOCUS = "#deny"
    """Deny has the focus at first (Enter denies). Not a query in on_mount: the reply that
    asks can be stopped as the modal is pushed, and a modal taken away before it was
    composed mounts without its buttons (the query failed and the app exited)."""

    BINDINGS = [
        Binding("a", "answer('once')", "Allow once", id="approval.allow_once", show=False),
        Binding(
            "s", "answer('session')", "Allow for this session", id="approval.allow_session",
            show=False,
        ),
        Binding(
            "A", "answer('always')", "Always allow this tool", id="approval.allow_always",
            show=False,
        ),
        Binding("d", "deny", "Deny", id="approval.deny", show=False),
        Binding("escape", "escape", "Stop the reply", show=False),
    ]

    def __init__(self, request: ApprovalRequest) -> None:
        super().__init__()
        self.request = request
        self.asking_reason = False
        """Deny was chosen: the reason input is shown."""

    def compose(self) -> ComposeResult:
        request = self.request
        with Vertical(id="dialog"):
            yield Static(
                Text(f"Allow {single_line(request.label)}?"), id="approval-title", markup=False
            )
            yield Static(
                Text(f"Session: {single_line(request.session_title) or 'untitled'}"),
                classes="approval-info",
                markup=False,
            )
            server = single_line(request.server) if request.server else "built-in"
            yield Static(Text(f"Server: {server}"), classes="approval-info", markup=False)
            with VerticalScroll(id="approval-arguments"):
                yield Static(Text(strip_control(request.shown)), markup=False)
            yield Input(placeholder="Why not? (optional, told to the model)", id="approval-reason")
            with Horizontal(id="approval-buttons"):
                yield Button("Allow once (a)", id="once")
                yield Button("Allow for this session (s)", id="session")
                if request.may_always_allow:
                    yield Button("Always allow this tool (A)", id="always")
                yield Button("Deny (d)", variant="error", id="deny")
            yield Static(
                "Enter denies · Esc stops the reply", id="approval-hint", markup=False
            )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "answer" and parameters == ("always",):
            return self.request.may_always_allow
        return True

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "deny":
            self.action_deny()
        elif event.button.id in ("once", "session", "always"):
            self.action_answer(event.button.id)  # type: ignore[arg-type]

    def action_answer(self, choice: Choice) -> None:
        if choice == "always" and not self.request.may_always_allow:
            return
        self.dismiss(ApprovalAnswer(choice))

    def action_deny(self) -> None:
        """Ask for an optional reason first (Enter sends it, Esc sends none)."""
        if self.asking_reason:
            return
        self.asking_reason = True
        reason = self.query_one("#approval-reason", Input)
        reason.add_class("-shown")
        self.query_one("#approval-hint", Static).update(
            "Enter denies with this reason · Esc denies without one"
        )
        reason.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(ApprovalAnswer("deny", strip_control(event.value).strip()))

    def action_escape(self) -> None:
        if self.asking_reason:
            self.dismiss(ApprovalAnswer("deny"))
        else:
            self.dismiss(ApprovalAnswer("stop"))
