"""The tool calls of a reply: each round's text, then one folded card per call.

A card is one line (`⚙ docs.lookup(word="tui") ✓ 0.42 s`); Enter or a click unfolds it to
the arguments and the result. Everything here came from the model or a tool: it goes
through `strip_control` and is shown as `Text`/`Content`, never as markup.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.events import Click
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import Worker

from tui_chat.core.sanitize import single_line, strip_control
from tui_chat.core.tool_turns import ToolCall, ToolRound
from tui_chat.ui.worker_errors import pass_failure_to_app

ARGS_CELLS = 60
"""The arguments on a folded card are cut at about this many cells."""
RESULT_LINES = 40
RESULT_BYTES = 4096
"""An unfolded card shows at most this much of a result; the session file has it whole."""
_BACKTICKS = re.compile(r"`+")


def one_line_arguments(call: ToolCall) -> str:
    """`path="notes.md", seconds=5`: the arguments on one line, cut at ARGS_CELLS cells."""
    parsed = call.parsed_arguments()
    if parsed is None:
        text = call.arguments
    else:
        text = ", ".join(
            f"{key}={json.dumps(without_control(value), ensure_ascii=False)}"
            for key, value in parsed.items()
        )
    text = single_line(text)
    if cell_len(text) <= ARGS_CELLS:
        return text
    cut = ""
    for char in text:
        if cell_len(cut + char) > ARGS_CELLS - 1:
            break
        cut += char
    return cut + "…"


def without_control(value: Any) -> Any:
    """A parsed JSON value with control sequences taken out of its strings (JSON can carry
    them escaped: "\\u001b[2J"), for the one-line view."""
    if isinstance(value, str):
        return strip_control(value)
    if isinstance(value, list):
        return [without_control(v) for v in value]
    if isinstance(value, dict):
        return {strip_control(str(k)): without_control(v) for k, v in value.items()}
    return value


def call_state(call: ToolCall) -> tuple[str, str]:
    """(what the card says about how the call went, its style)."""
    if call.status == "ok":
        seconds = f" {call.seconds:.2f} s" if call.seconds is not None else ""
        return f"✓{seconds}", "green"
    if call.status == "denied":
        return "✗ denied", "red"
    if call.status == "error":
        return "✗ error", "red"
    if call.status == "stopped":
        return "■ stopped", "yellow"
    if call.status == "running":
        return "… running", "dim"
    return "… waiting", "dim"


def card_line(call: ToolCall, unfolded: bool = False) -> Text:
    """The folded card: `⚙ fs.read_file(path="notes.md") ✗ denied`."""
    state, style = call_state(call)
    line = Text("▾ " if unfolded else "▸ ", style="dim")
    line.append("⚙ ")
    line.append(single_line(call.display_label), style="bold")
    line.append(f"({one_line_arguments(call)})")
    line.append(" ")
    line.append(state, style=style)
    return line


def cut_result(text: str) -> tuple[str, int]:
    """(what is shown of a result, how many lines are left out): at most RESULT_LINES
    lines and RESULT_BYTES bytes."""
    lines = text.split("\n")
    shown: list[str] = []
    size = 0
    for line in lines[:RESULT_LINES]:
        size += len(line.encode()) + 1
        if size > RESULT_BYTES:
            if not shown:  # one huge line: cut it
                shown.append(line.encode()[:RESULT_BYTES].decode(errors="ignore"))
            break
        shown.append(line)
    return "\n".join(shown), len(lines) - len(shown)


def fenced(text: str, language: str = "") -> str:
    """`text` as a fenced code block whose fence no backtick run inside can close."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"


class ToolCard(Vertical, can_focus=True):
    """One call: a line, unfolded (Enter, click) to its arguments and result."""

    DEFAULT_CSS = """
    ToolCard {
        height: auto;
        padding: 0 1;
        &:focus { background: $secondary 15%; }
        .card-line { height: auto; }
        .card-detail { height: auto; padding: 0 0 0 2; display: none; }
        &.-unfolded .card-detail { display: block; }
        .card-label { color: $text-muted; height: auto; }
        .card-more { color: $text-muted; height: auto; }
        .card-text { height: auto; }
        Markdown { margin: 0; padding: 0; }
    }
    """

    BINDINGS = [
        Binding("enter", "fold", "Fold or unfold", id="tool_card.toggle", show=False),
    ]

    def __init__(self, call: ToolCall) -> None:
        super().__init__(classes="tool-card")
        self.call = call
        self.unfolded = False
        self._line = Static(card_line(call), classes="card-line", markup=False)
        self._detail = Vertical(classes="card-detail")
        self._shown_result: str | None = None
        """The result the detail was built for (None: not built yet)."""

    def compose(self) -> ComposeResult:
        yield self._line
        yield self._detail

    def show_call(self, call: ToolCall) -> None:
        """The call changed (it ran, was denied, stopped): redraw the line, and the detail
        when it is open and the result changed."""
        self.call = call
        self._line.update(card_line(call, self.unfolded))
        if self.unfolded and self._shown_result != call.result + call.status:
            self.run_worker(
                self._build_detail(), group="detail", exclusive=True, exit_on_error=False
            )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        pass_failure_to_app(self, event)

    async def action_fold(self) -> None:
        await self.set_unfolded(not self.unfolded)

    async def on_click(self, event: Click) -> None:
        """A click on the card's line folds or unfolds it; one in the unfolded part only
        focuses the card (the user may be selecting text there)."""
        event.stop()
        self.focus()
        if event.widget is self._line or event.widget is self:
            await self.set_unfolded(not self.unfolded)

    async def set_unfolded(self, unfolded: bool) -> None:
        self.unfolded = unfolded
        if unfolded and self._shown_result != self.call.result + self.call.status:
            await self._build_detail()
        self.set_class(unfolded, "-unfolded")
        self._line.update(card_line(self.call, unfolded))

    async def _build_detail(self) -> None:
        call = self.call
        self._shown_result = call.result + call.status
        await self._detail.remove_children()
        await self._detail.mount_all(detail_widgets(call))


def detail_widgets(call: ToolCall) -> list[Widget]:
    """An unfolded card: the arguments as indented, highlighted JSON, then the result
    (highlighted when it is JSON), cut at RESULT_LINES lines / RESULT_BYTES bytes."""
    from tui_chat.ui.render.stream_markdown import StreamingMarkdown  # not at start
    from tui_chat.ui.widgets.json_view import pretty_json  # when a card is first unfolded

    widgets: list[Widget] = [Static("arguments", classes="card-label")]
    arguments = strip_control(call.wire_arguments())
    pretty = pretty_json(arguments)
    widgets.append(
        StreamingMarkdown(fenced(pretty, "json"))
        if pretty is not None
        else Static(Text(arguments), classes="card-text", markup=False)
    )
    if call.status == "denied":
        reason = strip_control(call.denial_reason or "").strip()
        said = f"denied: {reason}" if reason else "denied"
        widgets.append(Static(Text(said), classes="card-label", markup=False))
        return widgets
    if call.status in ("pending", "running"):
        return widgets
    widgets.append(Static("result", classes="card-label"))
    result = strip_control(call.wire_result())
    pretty = pretty_json(result)
    shown, left_out = cut_result(pretty if pretty is not None else result)
    widgets.append(
        StreamingMarkdown(fenced(shown, "json"))
        if pretty is not None
        else Static(Text(shown), classes="card-text", markup=False)
    )
    if left_out:
        widgets.append(
            Static(
                f"… {left_out} more lines (whole in the session file)",
                classes="card-more",
                markup=False,
            )
        )
    return widgets


class RoundView(Vertical):
    """One round: its text (Markdown, as a reply's body), then a card per call."""

    DEFAULT_CSS = """
    RoundView { height: auto; }
    """

    def __init__(self, tool_round: ToolRound) -> None:
        super().__init__(classes="tool-round")
        from tui_chat.ui.render.stream_markdown import StreamingMarkdown  # not at start

        self.tool_round = tool_round
        self._text = StreamingMarkdown(tool_round.content or None, classes="round-text")
        self._shown_text = tool_round.content

    def compose(self) -> ComposeResult:
        self._text.display = bool(self.tool_round.content.strip())
        yield self._text
        for call in self.tool_round.calls:
            yield ToolCard(call)

    @property
    def cards(self) -> list[ToolCard]:
        return list(self.query_children(ToolCard))

    async def show_round(self, tool_round: ToolRound) -> None:
        """Bring the view up to date with `tool_round` (calls ran, new calls)."""
        self.tool_round = tool_round
        if tool_round.content != self._shown_text:
            self._shown_text = tool_round.content
            self._text.display = bool(tool_round.content.strip())
            await self._text.update(tool_round.content)
        cards = self.cards
        for card, call in zip(cards, tool_round.calls, strict=False):
            card.show_call(call)
        if len(tool_round.calls) > len(cards):
            await self.mount_all([ToolCard(c) for c in tool_round.calls[len(cards) :]])


class ToolRoundsView(Vertical):
    """A reply's tool rounds, between its meta line and its final answer; while the reply
    streams, also a `⚙ name …` line per call whose arguments are still arriving."""

    DEFAULT_CSS = """
    ToolRoundsView {
        height: auto;
        .streaming-calls { color: $text-muted; height: auto; padding: 0 1; }
    }
    """

    def __init__(self, rounds: Sequence[ToolRound]) -> None:
        super().__init__(classes="tool-rounds")
        self._rounds = list(rounds)
        self._streaming = Static("", classes="streaming-calls", markup=False)
        self.version = -1
        """The `LiveReply.tools_version` shown (-1: none)."""

    def compose(self) -> ComposeResult:
        self.display = bool(self._rounds)
        for tool_round in self._rounds:
            yield RoundView(tool_round)
        self._streaming.display = False
        yield self._streaming

    @property
    def round_views(self) -> list[RoundView]:
        return list(self.query_children(RoundView))

    @property
    def cards(self) -> list[ToolCard]:
        return [card for view in self.round_views for card in view.cards]

    async def show_rounds(
        self, rounds: Sequence[ToolRound], streaming_calls: Sequence[str] = ()
    ) -> None:
        """Bring the view up to date: rounds shown are updated in place (a card keeps its
        folding and focus), new ones mounted, and streaming calls listed."""
        self._rounds = list(rounds)
        views = self.round_views
        for view, tool_round in zip(views, rounds, strict=False):
            await view.show_round(tool_round)
        for view in views[len(rounds) :]:
            await view.remove()
        if len(rounds) > len(views):
            added = [RoundView(r) for r in rounds[len(views) :]]
            await self.mount_all(added, before=self._streaming)
        names = [single_line(name) for name in streaming_calls]
        self._streaming.update(Text("\n".join(f"⚙ {name} …" for name in names)))
        self._streaming.display = bool(names)
        self.display = bool(rounds) or bool(names)
