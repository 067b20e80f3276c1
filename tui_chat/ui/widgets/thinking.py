"""The thinking pane: the reasoning of the reply being streamed, or of a chosen earlier one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.events import Click
from textual.widgets import Static
from textual.worker import Worker

from tui_chat.core.session import Message
from tui_chat.core.timefmt import short_count
from tui_chat.core.tool_turns import rounds_reasoning
from tui_chat.ui.render.folding import FollowingScroll
from tui_chat.ui.worker_errors import pass_failure_to_app

if TYPE_CHECKING:
    from tui_chat.ui.render.stream_markdown import StreamingMarkdown

KEEP_MIN = 24
"""Rows of a big batch of reasoning mounted at once (see StreamingMarkdown.keep_rows)."""


class ThinkingScroll(FollowingScroll):
    """Scrolling up during a fast stream mounts the reasoning that was deferred."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        pass_failure_to_app(self, event)  # the App has the one handler (worker_errors)

    def release_anchor(self) -> None:
        super().release_anchor()
        pane = self.parent
        body = pane.body if isinstance(pane, ThinkingPane) else None
        if body is not None and body.has_pending:
            from tui_chat.ui.render.stream_markdown import mount_pending

            self.run_worker(
                mount_pending(body, self), group="pending", exclusive=True, exit_on_error=False
            )


class ThinkingPane(Vertical):
    """Collapsible; hidden when the reply it shows has no reasoning."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._title = Static("", classes="title")
        self._scroll = ThinkingScroll(classes="scroll")
        self._body: StreamingMarkdown | None = None
        """Made when reasoning is first shown (`_made_body`): the first screen shows none,
        and needs no Markdown stack."""
        self._live = False
        self.message: Message | None = None
        self.parts_shown = 0
        """How many streamed reasoning parts have been written."""
        self.collapsed = False
        self.user_toggled = False
        """True once the user opened or closed the pane for this reply by hand."""
        self.keep_open = False
        """The user asked for the reasoning to stay open (not folded when the answer
        begins or another reply is shown), for this run of the app."""
        self._live_chars = 0
        self.answer_started = False
        """True once the reply's text began: the reasoning is done."""

    def compose(self) -> ComposeResult:
        yield self._title
        yield self._scroll

    def on_mount(self) -> None:
        self.display = False
        self._scroll.anchor()

    async def show(self, message: Message | None, *, live: bool = False) -> None:
        """Show the reasoning of `message` (streamed later through `write` when `live`)."""
        self._live = False
        self._scroll.unfold_all()
        self.message = message
        self.parts_shown = 0
        self.user_toggled = False
        self._live_chars = 0
        self.answer_started = False
        if live:
            await (await self._made_body()).update("")
            self._live = True
            self.set_collapsed(False)
            self.display = False  # until the first reasoning arrives
        else:
            reasoning = all_reasoning(message) if message else ""
            self.display = bool(reasoning)
            if reasoning or self._body is not None:
                await (await self._made_body()).update(reasoning)
            self.set_collapsed(not self.keep_open)
        self._refresh_title()
        self._scroll.anchor()

    async def show_chosen(self, message: Message) -> None:
        """A reply was chosen (focused): show its reasoning, opened when it has some; the
        streaming reply's reasoning stays while it streams."""
        if self.message is message:
            if self.display and not self.is_live:
                self.set_collapsed(False)
            return
        if message.status == "streaming":
            return
        await self.show(message)
        if all_reasoning(message):
            self.set_collapsed(False)

    async def write(self, text: str) -> None:
        """Append streamed reasoning (paced by the caller, like a reply's text)."""
        if not self._live or not text:
            return
        self.display = True
        self._live_chars += len(text)
        self._refresh_title()
        scroll = self._scroll
        # Deferring needs the view at the end; a collapsed pane shows nothing at all.
        keep = max(KEEP_MIN, 2 * scroll.size.height) if scroll.is_following else 0
        await (await self._made_body()).append_deferring(text, keep)

    def fold_offscreen(self) -> None:
        """Fold the reasoning that scrolled far above (see `folding`)."""
        if self._live and not self.collapsed and self._body is not None:
            self._scroll.fold_offscreen(*self._body.foldable())

    async def finish(self) -> None:
        """The reply ended: leave a full render of the reasoning."""
        if self._live:
            self._live = False
            self._scroll.unfold_all()
            if self._body is not None:
                from tui_chat.ui.render.stream_markdown import finish_streamed

                await self._body.mount_deferred()
                await finish_streamed(self._body)
        if self.message is not None:
            self.display = bool(all_reasoning(self.message))
        self._refresh_title()

    @property
    def body(self) -> StreamingMarkdown | None:
        """The reasoning's Markdown; None until reasoning was first shown."""
        return self._body

    async def _made_body(self) -> StreamingMarkdown:
        """The body, made and mounted the first time it is needed."""
        if self._body is None:
            from tui_chat.ui.render.stream_markdown import StreamingMarkdown

            self._body = StreamingMarkdown(classes="body")
            await self._scroll.mount(self._body)
        return self._body

    @property
    def is_live(self) -> bool:
        return self._live

    def set_collapsed(self, collapsed: bool) -> None:
        self.collapsed = collapsed
        # Not a class on the pane: that would restyle every block of the reasoning.
        self._scroll.display = not collapsed
        self._refresh_title()

    def mark_answer_started(self) -> None:
        """The reply's text began: fold the reasoning away unless the user chose otherwise."""
        if self.answer_started:
            return
        self.answer_started = True
        if not self.user_toggled and not self.keep_open:
            self.set_collapsed(True)
        self._refresh_title()

    def toggle(self) -> None:
        self.user_toggled = True
        self.set_collapsed(not self.collapsed)

    def toggle_shown(self) -> None:
        """Ctrl+T: open or fold the reasoning shown (said when there is none)."""
        if not self.display:
            self.notify("This reply has no reasoning to show.")
            return
        self.toggle()

    def toggle_keep_open(self) -> None:
        """Alt+T: keep the pane open after each reply (or fold it again), for this run."""
        self.keep_open = not self.keep_open
        if self.keep_open:
            self.set_collapsed(False)
            self.notify("The thinking pane now stays open after replies.")
        else:
            self.notify("The thinking pane folds again when an answer begins.")

    def on_click(self, event: Click) -> None:
        if event.widget is self._title:
            self.toggle()

    def _refresh_title(self) -> None:
        arrow = "▶" if self.collapsed else "▼"
        chars = (
            self._live_chars
            if self.is_live
            else len(all_reasoning(self.message) if self.message else "")
        )
        state = "thinking…" if self.is_live and not self.answer_started else "thought"
        who = (self.message.model or "") if self.message else ""
        label = f"{arrow} 💭 {state} · {short_count(chars)} chars"
        if who:
            label += f" · {who}"
        label += "   (ctrl+t)"
        self._title.update(Content(label))


def all_reasoning(message: Message) -> str:
    """A turn's reasoning as the pane shows it: each tool round's, then the final one's."""
    if not message.tool_rounds:
        return message.reasoning
    return rounds_reasoning(message.tool_rounds, message.reasoning)
