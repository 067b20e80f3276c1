"""The main screen: sidebar, conversation, thinking pane, prompt and status line."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.dom import DOMNode
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import Worker

from tui_chat.core.sanitize import strip_control
from tui_chat.core.session import Message, Session
from tui_chat.core.store.session_store import SessionLoadError, SessionSummary
from tui_chat.providers import ProviderUnavailable
from tui_chat.services.replies import LiveReply
from tui_chat.ui.context_guard import CONTEXT_BINDINGS, ContextGuard
from tui_chat.ui.key_wait import KeyWait
from tui_chat.ui.messages import ReplyEnded, ReplyStarted, SessionChanged
from tui_chat.ui.render.footer import ChatFooter
from tui_chat.ui.render.lean_screen import LeanScreen
from tui_chat.ui.screens.chat_messages import MESSAGE_BINDINGS, MessageActions
from tui_chat.ui.screens.unsaved import unsaved_line
from tui_chat.ui.settings_flow import SessionSettingsFlow
from tui_chat.ui.widgets.find_bar import FindBar
from tui_chat.ui.widgets.messages import AssistantMessage, MessageView
from tui_chat.ui.widgets.prompt import PromptInput
from tui_chat.ui.widgets.prompt_area import PromptArea
from tui_chat.ui.widgets.session_list import SessionList
from tui_chat.ui.widgets.session_palette import SessionSearchProvider
from tui_chat.ui.widgets.sidebar import Sidebar
from tui_chat.ui.widgets.status import StatusLine
from tui_chat.ui.widgets.thinking import ThinkingPane
from tui_chat.ui.worker_errors import pass_failure_to_app

if TYPE_CHECKING:
    from tui_chat.ui.app import TuiChatApp
    from tui_chat.ui.config_file import ConfigChange

# How often streamed text is moved to the screen: often enough to look live, rarely enough
# that a fast provider does not make the app re-render for every token.
FRAME_SECONDS = 1 / 20
FRAME_SHARE = 0.5
"""When frames get slow (a big reply, a big terminal), they are spaced out so that drawing
the stream takes at most this share of the time; the rest is left for the user's keys."""
INPUT_QUIET_SECONDS = 0.08
"""After a key press, the next frame of a stream waits this long, so the key is drawn at
once rather than behind a frame."""


class ChatScreen(
    MessageActions,
    LeanScreen,
):
    """Shows one session at a time; the only writer of what the user sends."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+n", "new_session", "New", id="session.new"),
        Binding("escape", "stop", "Stop", id="reply.stop"),
        Binding("ctrl+r", "retry", "Retry", id="reply.retry"),
        Binding("ctrl+t", "toggle_thinking", "Thinking", id="view.thinking"),
        Binding(
            "alt+t",
            "keep_thinking_open",
            "Keep thinking open",
            id="view.keep_thinking",
            show=False,
            priority=True,  # Alt+T would type a "t" in the prompt
        ),
        Binding("ctrl+b", "toggle_sidebar", "Sidebar", id="view.sidebar"),
        Binding("ctrl+s", "focus_sessions", "Sessions", id="view.sessions", show=False),
        Binding("f2", "session_settings", "Session settings", id="session.settings", show=False),
        Binding("f3", "choose_model", "Choose model", id="session.model", show=False),
        Binding("f4", "switch_provider", "Switch provider", id="session.provider", show=False),
        *MESSAGE_BINDINGS,
        # The session keys act on the open session, or on the sidebar's cursor row while the
        # list has focus. F6/F7 are the prompt's (TextArea: select line / select all).
        Binding("f9", "rename_session", "Rename the session", id="session.rename", show=False),
        Binding(
            "shift+f9", "duplicate_session", "Duplicate the session", id="session.duplicate",
            show=False,
        ),
        Binding("f10", "pin_session", "Pin or unpin the session", id="session.pin", show=False),
        Binding(
            "f8", "delete_session", "Delete the session (to the trash)", id="session.delete",
            show=False,
        ),
        Binding(
            "shift+f8", "restore_session", "Restore a deleted session (trash)",
            id="session.restore", show=False,
        ),
        Binding(
            "f12", "export_session('md')", "Export the session as Markdown",
            id="session.export", show=False,
        ),
        Binding(
            "shift+f12", "export_session('json')", "Export the session as JSON",
            id="session.export_json", show=False,
        ),
        # priority: a terminal sends Alt+S with the letter, which the prompt would type.
        Binding(
            "alt+s", "search_sessions", "Search all sessions", id="session.search",
            show=False, priority=True,
        ),
        *CONTEXT_BINDINGS,
    ]

    COMMANDS = {SessionSearchProvider}

    KEY_OWNERS: ClassVar[tuple[type[Widget], ...]] = (PromptArea,)
    """Widgets of this screen whose BINDINGS are chat keys too: listed in F1, the command
    palette and the `[keymap]` check, reachable by slash commands (see `key_nodes`)."""

    app: TuiChatApp

    @classmethod
    def key_classes(cls) -> tuple[type[DOMNode], ...]:
        """The screen class and its key-owning widget classes: the chat keys before the
        screen exists (the keymap check at start, `config check`)."""
        return (cls, *cls.KEY_OWNERS)

    def key_nodes(self) -> list[DOMNode]:
        """The screen and its mounted key-owning widgets, in that order."""
        return [self, *(widget for owner in self.KEY_OWNERS for widget in self.query(owner))]

    def action_owner(self, action: str) -> DOMNode | None:
        """Who has `action_<action>`: this screen, one of its key-owning widgets, else the
        app; None when nobody does (slash commands and the palette run actions here)."""
        for node in (*self.key_nodes(), self.app):
            if callable(getattr(node, f"action_{action}", None)):
                return node
        return None

    def __init__(self) -> None:
        super().__init__()
        self.session: Session | None = None
        self._pump_timer: Timer | None = None
        """The next frame of the stream, while one is due."""
        self._input_at = 0.0
        """When the user last pressed a key (time.monotonic())."""
        self._live: LiveReply | None = None
        """The streaming reply of the shown session, if any."""
        self._live_widget: AssistantMessage | None = None
        self._following: LiveReply | None = None
        """A reply `_follow_live` is setting up: it handles the reply's end itself."""
        self._init_message_actions()
        self.key_wait = KeyWait(self, status_changed=self._refresh_status)
        """Provider checks before a request, and the key commands awaited per session."""
        self.context_guard = ContextGuard(self)
        """The context questions: inspector, strategy, will it fit, the summary shown."""
        self.settings_flow = SessionSettingsFlow(self)
        """F2, F3, F4: session settings, model and provider of the shown session."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield Sidebar(id="sidebar")
            with Vertical(id="chat"):
                yield Static("", id="banner")
                yield FindBar(id="find")
                yield MessageView(id="messages")
                yield ThinkingPane(id="thinking")
                yield PromptArea(id="prompt-area")
                yield StatusLine(id="status")
        yield ChatFooter()

    # -- start-up --------------------------------------------------------------------------

    async def on_mount(self) -> None:
        self.app.claim_keys()  # the keymap was applied before the prompt was made
        self.app.config_file.changed.subscribe(self, self._config_changed, immediate=True)
        summaries = self.sidebar.list_at_start()
        opened = False
        if summaries:
            opened = await self.open_session(summaries[0].id, quiet=True)
        if not opened:
            await self.show_session(self.app.new_session())
        self.prompt.focus()
        self.call_after_refresh(self.app.first_screen_shown)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        pass_failure_to_app(self, event)  # the App has the one handler (worker_errors)

    # -- widgets ---------------------------------------------------------------------------

    @property
    def sidebar(self) -> Sidebar:
        return self.query_one(Sidebar)

    @property
    def sessions(self) -> SessionList:
        return self.query_one(SessionList)

    @property
    def view(self) -> MessageView:
        return self.query_one(MessageView)

    @property
    def thinking(self) -> ThinkingPane:
        return self.query_one(ThinkingPane)

    @property
    def prompt(self) -> PromptInput:
        return self.query_one(PromptInput)

    @property
    def prompt_area(self) -> PromptArea:
        return self.query_one(PromptArea)

    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    # -- showing sessions ------------------------------------------------------------------

    async def open_session(self, session_id: str, quiet: bool = False) -> bool:
        """Show a saved session (or the live one, if its reply is still streaming)."""
        if self.session is not None and self.session.id == session_id:
            return True
        live = self.app.replies.live.get(session_id)
        if live is not None:
            session = live.session
        else:
            try:
                session = self.app.store.load(session_id)
            except SessionLoadError as problem:
                if not quiet:
                    self.notify(
                        f"{problem.path}: {problem.problem}",
                        title="Cannot open this session",
                        severity="error",
                    )
                return False
        await self.show_session(session)
        return True

    async def show_session(self, session: Session) -> None:
        self.session = session
        self._live = self._live_widget = None
        live = self.app.replies.live.get(session.id)
        if live is not None:
            live.sync()
        await self.view.show_session(session)
        self.session_shown()
        await self.context_guard.show_summary(session)
        if live is not None:
            await self._follow_live(live)
        else:
            await self.thinking.show(session.last_reply)
            self._pause_pump()
        self.sessions.set_current(session.id)
        self._refresh_banner()
        self._refresh_status()

    async def _follow_live(self, live: LiveReply) -> None:
        """Follow a streaming reply: show what arrived so far, then new parts reach the
        widgets on the frame timer. Counts are taken before each await, so parts that
        arrive meanwhile are written by the next flush, never skipped.

        A quick reply can end before it is followed: an action run by a key binding
        (Ctrl+R) runs outside this screen's message loop, so `on_reply_ended` may come
        while the reply's widget is being mounted, or while this sets up. It is ended
        here then, once followed (it stayed "streaming" forever before)."""
        self._following = live
        try:
            await self._set_up_following(live)
        finally:
            self._following = None
        if self._live is live and self.app.replies.live.get(live.session.id) is not live:
            await self._end_live(live)

    async def _set_up_following(self, live: LiveReply) -> None:
        self._pause_pump()
        widget = self.view.reply_widget(live.message.id)
        self._live, self._live_widget = live, widget
        if widget is not None:
            shown = widget.parts_shown = len(live.text_parts)
            await widget.show_text("".join(live.text_parts[:shown]))
            widget.start_stream()
        await self.thinking.show(live.message, live=True)
        shown = self.thinking.parts_shown = len(live.reasoning_parts)
        await self.thinking.write("".join(live.reasoning_parts[:shown]))
        if live.text_parts:
            self.thinking.mark_answer_started()
        self.view.anchor()
        self.status.show(live.session, live.provider_label, live.is_demo, live.progress())
        self._resume_pump()

    async def on_message_window_changed(self, event: MessageView.Changed) -> None:
        """Paging or a jump (un)mounted messages (see MessageWindow): the streaming reply's
        widget may be gone, or new and then brought up to date to stream on."""
        if event.replaced and self.session is not None and not self.view.query("#summary-block"):
            await self.context_guard.show_summary(self.session)
        live = self._live
        widget = self.view.reply_widget(live.message.id) if live is not None else None
        if live is None or widget is self._live_widget:
            return
        self._live_widget = widget
        if widget is not None:
            shown = widget.parts_shown = len(live.text_parts)
            await widget.show_text("".join(live.text_parts[:shown]))
            widget.start_stream()

    # -- the frame pump ----------------------------------------------------------------------
    # One frame at a time: the next is scheduled once the last is on screen, after a gap
    # that grows with what the frame cost (see FRAME_SHARE) and after a key (see
    # INPUT_QUIET_SECONDS).

    def _resume_pump(self) -> None:
        if self._pump_timer is None:
            self._schedule_frame(FRAME_SECONDS)

    def _pause_pump(self) -> None:
        if self._pump_timer is not None:
            self._pump_timer.stop()
            self._pump_timer = None

    def _schedule_frame(self, delay: float) -> None:
        self._pause_pump()
        self._pump_timer = self.set_timer(delay, self._frame, name="stream frame")

    def note_input(self) -> None:
        """The user pressed a key: let it reach the screen before the next frame."""
        self._input_at = time.monotonic()

    async def _frame(self) -> None:
        started = time.monotonic()
        self.app.gc_pacer.note_activity()
        await self._pump()
        if self._pump_timer is not None and self._live is not None:
            self.call_after_refresh(self._frame_shown, started, self._pump_timer)

    def _frame_shown(self, started: float, timer: Timer) -> None:
        if timer is not self._pump_timer:
            return  # paused or rescheduled meanwhile
        now = time.monotonic()
        cost = now - started
        gap = max(FRAME_SECONDS - cost, cost * (1 - FRAME_SHARE) / FRAME_SHARE)
        gap = max(gap, self._input_at + INPUT_QUIET_SECONDS - now)
        self._schedule_frame(gap)

    async def _pump(self) -> None:
        """Move what arrived since the last frame to the screen."""
        live = self._live
        if live is None or self.session is not live.session:
            self._pause_pump()
            return
        widget = self._live_widget
        await self._flush(live, widget)
        self.view.fold_offscreen(self.view, *(widget.body.foldable() if widget is not None else []))
        self.thinking.fold_offscreen()
        self.status.show(live.session, live.provider_label, live.is_demo, live.progress())

    async def _flush(self, live: LiveReply, widget: AssistantMessage | None) -> None:
        """Write the parts of `live` that are not on screen yet (to its `widget`)."""
        count = len(live.text_parts)
        if widget is not None and count > widget.parts_shown:
            text = "".join(live.text_parts[widget.parts_shown : count])
            widget.parts_shown = count
            # While the view follows, only about the last two screens of a big batch are
            # mounted at once (see StreamingMarkdown.keep_rows).
            keep = 2 * self.view.size.height if self.view.is_following else 0
            await widget.write(text, keep_rows=keep)
            self.thinking.mark_answer_started()
        thinking = self.thinking
        count = len(live.reasoning_parts)
        if count > thinking.parts_shown:
            text = "".join(live.reasoning_parts[thinking.parts_shown : count])
            thinking.parts_shown = count
            await thinking.write(text)

    # -- replies ---------------------------------------------------------------------------

    @on(PromptInput.Submitted)
    async def send(self, event: PromptInput.Submitted) -> None:
        # Slash commands run here; "//" sends "/".
        raw = await self.prompt_area.before_send(event.text)
        if raw is None:
            return
        session = self.session
        if session is None:
            return
        if self.key_wait.waiting(session.id):
            self.notify("The key is still being fetched: Esc cancels.", severity="warning")
            return
        if self.app.replies.is_streaming(session.id):
            self.notify("A reply is still streaming: Esc stops it.", severity="warning")
            return
        text = strip_control(raw).strip("\n")
        if self.attachments_problem():
            return
        if not self.key_wait.provider_ready(session):  # no key, or the provider is gone: said
            return
        problem = self.app.replies.problem_before_sending(session, text)
        if problem:  # e.g. JSON mode without the word "json": say so now, not after a 400
            self.notify(problem, title="Not sent", severity="warning", timeout=12)
            return
        if not self.context_guard.fits(session, text):  # offers another strategy; the text stays
            return
        if self.app.replies.key_pending(session):  # its api_key_cmd runs in a worker
            await self.key_wait.send_after_key(session, text)
            return
        user_message = await self.add_user_message(session, text)
        if await self._start_reply(session):
            self.prompt.clear()  # only once the words are on disk
            self.message_sent()
        else:
            await self.undo_user_message(session, user_message)
            self.app.store.refresh_unsaved(session)

    async def _start_reply(self, session: Session, continue_reply: Message | None = None) -> bool:
        try:
            live = self.app.replies.start(session, continue_reply)
        except ProviderUnavailable as exc:
            self.key_wait.refuse(f"{exc.problem} Your text is still in the prompt.")
            return False
        except OSError as exc:
            self.notify(
                f"Could not save the session, nothing was sent: {exc}. Your text is still in "
                "the prompt.",
                title="Save failed",
                severity="error",
            )
            return False
        widget = self.view.reply_widget(live.message.id)
        if widget is None:
            await self.view.add_message(live.message)
        else:  # continued: the rest streams into the reply that is there
            widget.refresh_note()
        self.sessions.upsert(SessionSummary.of(session))
        self.sessions.set_current(session.id)
        await self._follow_live(live)
        return True

    def on_reply_started(self, event: ReplyStarted) -> None:
        self.sessions.set_live(set(self.app.replies.live))
        if event.notice:
            self.notify(event.notice, timeout=8)
        self._refresh_banner()

    async def on_reply_ended(self, event: ReplyEnded) -> None:
        if self.app.session_service.auto_title_on:
            title = self.app.session_service.auto_title(event.session_id, lambda: self.session)
            self.run_worker(title, group="auto-title", exit_on_error=False)
        self.sessions.set_live(set(self.app.replies.live))
        self.sessions.upsert(event.summary)
        following = self._following
        if following is not None and following.message.id == event.message_id:
            return  # ended while being followed: _follow_live ends it
        live = self._live
        if live is None or live.message.id != event.message_id:
            return  # a reply of a session that is not shown (or not followed yet)
        await self._end_live(live)

    async def _end_live(self, live: LiveReply) -> None:
        """The followed reply has ended: its last words at once, then the widgets stop
        streaming. Claimed first (`_live` cleared), so it is ended once."""
        widget = self._live_widget
        self._live = self._live_widget = None
        self._pause_pump()
        await self._flush(live, widget)
        if widget is not None:
            await widget.finish()
        if widget is None or not widget.settling:  # else once it has settled
            self.view.unfold_all()  # folding is for streaming; at rest every message is laid out
        if self.session is live.session and live.session.summaries:
            await self.context_guard.show_summary(live.session)
        await self.thinking.finish()
        self._refresh_status()
        reply = widget.message if widget else None
        if reply is not None and reply.status == "error":
            self.notify(reply.error or "The reply failed.", severity="error", timeout=10)
        too_long = live.error_kind == "context_length" or (
            reply is not None and reply.finish_reason == "model_context_window_exceeded"
        )
        if too_long and self.session is live.session:
            self.context_guard.length_failed(live.session)

    # -- actions ---------------------------------------------------------------------------

    async def action_new_session(self) -> None:
        if self.session is not None and not self.session.messages:
            self.prompt.focus()
            return
        await self.show_session(self.app.new_session())
        self.prompt.focus()

    async def action_stop(self) -> None:
        if self.session is not None and await self.key_wait.cancel(self.session):
            return
        if self.session is not None and self.app.replies.stop(self.session.id):
            return
        if self.cancel_message_state():  # an edit in progress, a selected message
            return
        if not self.prompt.has_focus:
            self.prompt.focus()

    async def action_retry(self) -> None:
        """Retry a failed reply, or regenerate one (the old reply stays an alternative)."""
        await self.action_regenerate()

    def action_toggle_thinking(self) -> None:
        thinking = self.thinking
        if not thinking.display:
            self.notify("This reply has no reasoning to show.")
            return
        thinking.toggle()

    def action_keep_thinking_open(self) -> None:
        """Keep the thinking pane open after each reply (or fold it again), for this run."""
        thinking = self.thinking
        thinking.keep_open = not thinking.keep_open
        if thinking.keep_open:
            thinking.set_collapsed(False)
            self.notify("The thinking pane now stays open after replies.")
        else:
            self.notify("The thinking pane folds again when an answer begins.")

    def action_toggle_sidebar(self) -> None:
        sidebar = self.query_one("#sidebar")
        sidebar.display = not sidebar.display

    def action_focus_sessions(self) -> None:
        self.query_one("#sidebar").display = True
        self.sessions.focus()

    # The session keys: the sidebar's (see tui_chat.ui.widgets.session_commands).

    def action_rename_session(self) -> None:
        self.sidebar.commands.rename()

    async def action_duplicate_session(self) -> None:
        await self.sidebar.commands.duplicate()

    async def action_pin_session(self) -> None:
        await self.sidebar.commands.pin()

    def action_delete_session(self) -> None:
        self.sidebar.commands.delete()

    async def action_restore_session(self) -> None:
        await self.sidebar.commands.restore()

    def action_export_session(self, fmt: str = "md") -> None:
        self.sidebar.commands.export(fmt)

    def action_search_sessions(self) -> None:
        self.sidebar.focus_search()

    def action_clear_session_search(self) -> None:
        self.sidebar.clear_search()

    @on(AssistantMessage.Selected)
    async def reply_selected(self, event: AssistantMessage.Selected) -> None:
        message = event.reply.message
        if self.thinking.message is message:
            if self.thinking.display and not self.thinking.is_live:
                self.thinking.set_collapsed(False)
            return
        if message.status == "streaming":
            return
        await self.thinking.show(message)
        if message.reasoning:
            self.thinking.set_collapsed(False)

    # -- lines -----------------------------------------------------------------------------

    def _refresh_banner(self) -> None:
        banner = self.query_one("#banner", Static)
        lines: list[str] = []
        config_problem = self.app.config_file.banner()
        if config_problem:
            lines.append(config_problem)
        provider_line = (
            self.settings_flow.service.provider_banner(self.session) if self.session else None
        )
        if provider_line:
            lines.append(provider_line)
        unsaved = self.app.store.unsaved()
        if unsaved:
            lines.append(unsaved_line(unsaved))
        banner.update(Content("\n".join(lines)))
        banner.display = bool(lines)
        banner.set_class(self.app.config_error is not None or bool(unsaved), "-error")

    def _refresh_status(self) -> None:
        session = self.session
        if session is None:
            return
        view = self.app.registry.describe(session.provider)  # runs no key command
        waiting = self.key_wait.note(session.id)
        self.status.show(session, view.label, view.is_demo, waiting=waiting)

    # -- session settings and the config ---------------------------------------------------

    def _config_changed(self, change: ConfigChange) -> None:
        """The app's config was reloaded or saved (or failed to reload)."""
        self._refresh_banner()
        self._refresh_status()

    def action_session_settings(self) -> None:
        self.settings_flow.open_settings()

    def action_choose_model(self) -> None:
        self.settings_flow.choose_model()

    def action_switch_provider(self) -> None:
        self.settings_flow.choose_provider()

    def action_inspect_context(self) -> None:
        self.context_guard.inspect()

    def action_context_strategy(self) -> None:
        self.context_guard.choose_strategy()

    async def on_summary_block_edited(self) -> None:
        await self.context_guard.summary_edited()

    @on(SessionChanged)
    def _session_changed(self, event: SessionChanged) -> None:
        """The one refresh after a change to a session: its sidebar row, and the status
        line and banner when it is the one shown."""
        change = event.change
        self.sidebar.show_change(change)
        if self.session is not None and change.session.id == self.session.id:
            self._refresh_status()
            self._refresh_banner()
