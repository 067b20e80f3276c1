"""The context inspector: exactly what the next request will send, and the strategy picker."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from tui_chat.core.context.request import ContextPlan
from tui_chat.core.session import Message, Session
from tui_chat.core.settings import STRATEGIES, STRATEGY_LABELS
from tui_chat.core.tokens import calibration_ratio, call_tokens, result_tokens
from tui_chat.services.clipboard import copy_text
from tui_chat.ui.widgets.status import context_fill

STATE_WORDS = {
    "system": "system",
    "kept": "kept",
    "new": "new",
    "dropped": "DROPPED",
    "summarized": "summarized",
    "recalled": "RECALLED",
    "left_out": "LEFT OUT",
}


TOOL_ROW_INDENT = " " * 16
"""Tool call rows start under the role column of their turn's line."""


def inspector_text(
    plan: ContextPlan, model: str, body: dict[str, Any], session: Session | None = None
) -> str:
    """The report the inspector shows (and copies): each message with its role, estimated
    tokens and fate, then the JSON body as the request will carry it. Under a turn that
    called tools (found in `session`), one row per call with what it costs."""
    ratio = calibration_ratio(session.messages) if session is not None else 1.0
    lines = [
        f"Strategy: {STRATEGY_LABELS.get(plan.strategy, plan.strategy)}"
        + (f" (chosen: {plan.chosen})" if plan.chosen != plan.strategy else ""),
        f"Model: {model} · {context_fill(plan)} · budget {plan.budget:,} · "
        f"reply room {plan.reply_room:,} · token counts are estimates (~)",
        f"Sent: {sum(1 for e in plan.entries if e.sent)} messages · dropped "
        f"{plan.count('dropped')} · summarized {plan.count('summarized')} · recalled "
        f"{plan.count('recalled')}"
        + (f" · left out {plan.count('left_out')}" if plan.count("left_out") else ""),
        *plan.notes,
        "",
    ]
    for index, entry in enumerate(plan.entries, start=1):
        preview = " ".join(entry.content.split())[:70]
        score = f" score {entry.score:.2f}" if entry.score is not None else ""
        reason = f"[{entry.reason}] " if entry.reason else ""  # first: seen in 80 columns
        lines.append(
            f"{index:>4} {STATE_WORDS[entry.state]:<10} {entry.role:<9} ~{entry.tokens:>6}"
            f"{score}  {reason}{preview}"
        )
        message = session.get(entry.message_id) if session and entry.message_id else None
        if message is not None:
            lines.extend(tool_rows(message, ratio))
    lines += ["", "Request body:", json.dumps(body, indent=2, ensure_ascii=False)]
    return "\n".join(lines)


def tool_rows(message: Message, ratio: float = 1.0) -> list[str]:
    """`⚙ docs.lookup  call 24 tok · result 310 tok`: each tool call of a turn, with the
    tokens of the call (name and arguments) and of what it returned, as the request sends
    them along with the turn."""
    return [
        f"{TOOL_ROW_INDENT}⚙ {call.display_label}  call {call_tokens(call, ratio)} tok"
        f" · result {result_tokens(call, ratio)} tok"
        for tool_round in message.tool_rounds
        for call in tool_round.calls
    ]


class InspectorScreen(ModalScreen[None]):
    """Read-only report; c copies it."""

    BINDINGS = [
        Binding("escape", "close", "Close", show=False),
        Binding("c", "copy", "Copy", show=False),
    ]

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Content("Context inspector · the next request"), id="heading")
            yield TextArea(self.text, read_only=True, id="report", soft_wrap=False)
            with Horizontal(id="buttons"):
                yield Button("Copy (c)", id="copy", compact=True)
                yield Button("Close (Esc)", id="close", compact=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "copy":
            self.action_copy()
        else:
            self.dismiss(None)

    def action_copy(self) -> None:
        copy_text(self.app, self.text, "the context report")

    def action_close(self) -> None:
        self.dismiss(None)


class StrategyScreen(ModalScreen[str | None]):
    """Pick a context strategy; `message` says why it is asked (won't fit, server refused)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(
        self, current: str, message: str = "", extra: Sequence[tuple[str, str]] = ()
    ) -> None:
        super().__init__()
        self.current = current
        self.message = message
        self.extra = list(extra)

    def compose(self) -> ComposeResult:
        options = [
            Option(Content(("● " if s == self.current else "  ") + STRATEGY_LABELS[s]), id=s)
            for s in STRATEGIES
        ] + [Option(Content("  " + label), id=key) for key, label in self.extra]
        with Vertical(id="dialog"):
            yield Static(Content(self.message or "How much of the conversation to send"))
            yield OptionList(*options, id="strategies")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


def parse_window(text: str) -> int | None:
    """A context window as people write it: 131072, 128k, 1m (tokens); None if it is not
    one (or is implausibly small)."""
    text = text.strip().lower().replace(",", "").replace("_", "")
    multiplier = 1
    if text.endswith("k"):
        text, multiplier = text[:-1], 1_000
    elif text.endswith("m"):
        text, multiplier = text[:-1], 1_000_000
    try:
        value = int(float(text) * multiplier)
    except ValueError:
        return None
    return value if value >= 1_000 else None


class WindowScreen(ModalScreen[int | None]):
    """Ask once for the context window of a model the app does not know."""

    BINDINGS = [Binding("escape", "cancel", "Skip", show=False)]

    def __init__(self, provider_label: str, model: str, assumed: int) -> None:
        super().__init__()
        self.provider_label = provider_label
        self.model = model
        self.assumed = assumed

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(
                Content(
                    f"How many tokens does {self.model} ({self.provider_label}) take? "
                    f"Its context window is not known; tui-chat assumes {self.assumed:,}. "
                    "The answer is saved in the config (model_settings context_window)."
                )
            )
            yield Input(placeholder="e.g. 128k or 131072 — Enter saves, Esc skips", id="window")
            yield Static("", id="window-problem")

    def on_mount(self) -> None:
        self.query_one("#window", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = parse_window(event.value)
        if value is None:
            self.query_one("#window-problem", Static).update(
                Content("A number of tokens, at least 1000 (128k, 131072, 1m).")
            )
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)
