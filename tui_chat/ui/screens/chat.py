"""The main screen: sidebar, conversation, thinking pane, prompt and status line."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.dom import DOMNode
from textual.widget import Widget
from textual.worker import Worker

from tui_chat.core.session import Message, Session
from tui_chat.core.store.session_store import SessionLoadError
from tui_chat.services.live_reply import LiveReply
from tui_chat.ui.context_guard import ContextGuard
from tui_chat.ui.image_turn_events import ImageTurnEvent
from tui_chat.ui.key_wait import KeyWait
from tui_chat.ui.messages import ReplyEnded, ReplyStarted, SessionChanged
from tui_chat.ui.render.footer import WIDE_COLUMNS, ChatFooter
from tui_chat.ui.render.lean_screen import LeanScreen
from tui_chat.ui.screens.chat_keys import CHAT_KEYS
from tui_chat.ui.screens.reply_follower import ReplyFollower
from tui_chat.ui.settings_flow import SessionSettingsFlow
from tui_chat.ui.widgets.banner import Banner
from tui_chat.ui.widgets.conversation_pane import ConversationPane
from tui_chat.ui.widgets.messages import MessageView
from tui_chat.ui.widgets.prompt import PromptInput
from tui_chat.ui.widgets.prompt_area import PromptArea
from tui_chat.ui.widgets.session_list import SessionList
from tui_chat.ui.widgets.session_search import session_search_provider
from tui_chat.ui.widgets.sidebar import Sidebar
from tui_chat.ui.widgets.status import StatusLine
from tui_chat.ui.widgets.thinking import ThinkingPane
from tui_chat.ui.worker_errors import pass_failure_to_app

if TYPE_CHECKING:
    from tui_chat.ui.app import TuiChatApp
    from tui_chat.ui.config_file import ConfigChange


class ChatScreen(LeanScreen):
    """Shows one session at a time; the only writer of what the user sends."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE_COLUMNS, "-wide")]
    """Textual sets the class on each resize: narrow, the sidebar hides itself and Ctrl+B
    lays it over the conversation (widgets/sidebar_place.py, chat.tcss)."""

    BINDINGS: ClassVar[list[BindingType]] = CHAT_KEYS

    COMMANDS = {session_search_provider}

    KEY_OWNERS: ClassVar[tuple[type[Widget], ...]] = (ConversationPane, PromptArea)
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
        self.history_shown = False
        """The session opened at start has its messages mounted (see `_first_screen_drawn`)."""
        self.follower = ReplyFollower(self, self._followed_reply_ended)
        """The streaming reply of the shown session, and the frame timer that writes it."""
        self.key_wait = KeyWait(self, status_changed=self.refresh_lines)
        """Provider checks before a request, and the key commands awaited per session."""
        self.context_guard = ContextGuard(self)
        """The context questions: inspector, strategy, will it fit, the summary shown."""
        self.settings_flow = SessionSettingsFlow(self)
        """F2, F3, F4: session settings, model and provider of the shown session."""

    def compose(self) -> ComposeResult:
        # The breakpoint classes come with the first Resize, after the first frame: a
        # narrow terminal would see the sidebar beside the conversation for that frame.
        narrow = self.app.size.width < WIDE_COLUMNS
        self.set_class(narrow, "-narrow").set_class(not narrow, "-wide")
        with Horizontal(id="main"):
            yield Sidebar(id="sidebar")
            with ConversationPane(id="chat"):
                yield Banner(id="banner")  # the find bar comes next once used (message_find)
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
            opened = await self.open_session(summaries[0].id, quiet=True, first_screen=True)
        if not opened:
            await self.show_session(self.app.new_session())
        self.prompt.focus()
        self.call_after_refresh(self._first_screen_drawn)

    async def _first_screen_drawn(self) -> None:
        """Mount the history the first screen went without (`show_session`), then warm up
        once that has been drawn too: the warm-up would slow its frame."""
        shown = False
        try:
            shown = await self.view.show_pending()
        finally:  # whatever became of it, the app warms up and the GC runs again
            self.history_shown = True
            if shown:
                self.call_after_refresh(self.app.first_screen_shown)
            else:
                self.app.first_screen_shown()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        pass_failure_to_app(self, event)  # the App has the one handler (worker_errors)

    # -- widgets ---------------------------------------------------------------------------

    @property
    def sidebar(self) -> Sidebar:
        return self.query_one(Sidebar)

    @property
    def conversation_pane(self) -> ConversationPane:
        return self.query_one(ConversationPane)

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

    async def open_session(
        self, session_id: str, quiet: bool = False, first_screen: bool = False
    ) -> bool:
        """Show a saved session (or the live one, if its reply is still streaming or an
        image is being made in it: that object is the one being changed). `first_screen`:
        see `show_session`."""
        if self.session is not None and self.session.id == session_id:
            return True
        live = self.app.replies.live.get(session_id) or self.app.images.live.get(session_id)
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
        await self.show_session(session, first_screen=first_screen)
        return True

    async def show_session(self, session: Session, first_screen: bool = False) -> None:
        """Show `session`. On the `first_screen` of the app its messages are mounted after
        the screen has been drawn (MessageView.show_session's `after_paint`)."""
        await self.follower.finish_ending()
        self.session = session
        self.follower.forget()
        live = self.app.replies.live.get(session.id)
        if live is not None:
            live.sync()
        await self.view.show_session(session, after_paint=first_screen)
        self.conversation_pane.session_shown()
        await self.context_guard.show_summary(session)
        if live is not None:
            await self.follow_live(live)
        else:
            await self.thinking.show(session.last_reply)
            self.follower.pause()
        self.sessions.set_current(session.id)
        self.refresh_lines()
        await self.conversation_pane.images.session_shown(session)  # an /image turn in flight

    async def follow_live(self, live: LiveReply) -> None:
        """Follow a streaming reply of the shown session (see ReplyFollower)."""
        await self.follower.follow(live)

    @on(MessageView.Changed)
    async def _message_window_changed(self, event: MessageView.Changed) -> None:
        """Paging or a jump (un)mounted messages: the summary block and the streaming
        reply's widget may have to be shown again."""
        if event.replaced and self.session is not None and not self.view.query("#summary-block"):
            await self.context_guard.show_summary(self.session)
        await self.follower.window_changed()

    # -- replies ---------------------------------------------------------------------------

    @on(PromptInput.Submitted)
    async def send(self, event: PromptInput.Submitted) -> None:
        # Slash commands run here; "//" sends "/".
        raw = await self.prompt_area.before_send(event.text)
        if raw is not None:
            await self.conversation_pane.send(raw)

    def live_sessions(self) -> set[str]:
        """Sessions with a reply streaming or an image being made (marked in the list)."""
        return set(self.app.replies.live) | set(self.app.images.live)

    @on(ImageTurnEvent)
    async def _image_turn_event(self, event: ImageTurnEvent) -> None:
        self.sessions.set_live(self.live_sessions())
        await self.conversation_pane.images.turn_event(event)

    def on_reply_started(self, event: ReplyStarted) -> None:
        self.sessions.set_live(self.live_sessions())
        if event.notice:
            self.notify(event.notice, timeout=8)

    async def on_reply_ended(self, event: ReplyEnded) -> None:
        if self.app.session_service.auto_title_on:
            title = self.app.session_service.auto_title(event.session_id, lambda: self.session)
            self.run_worker(title, group="auto-title", exit_on_error=False)
        self.sessions.set_live(self.live_sessions())
        await self.follower.reply_ended(event)

    def _followed_reply_ended(self, live: LiveReply, reply: Message | None) -> None:
        """The reply shown has ended: the status line at rest, what went wrong said, and
        find's matches in it highlighted (skipped while it streamed)."""
        self.refresh_lines()
        self.conversation_pane.reply_finished()
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
        if self.session is not None and self.app.images.stop(self.session.id):
            return
        if self.conversation_pane.cancel_message_state():  # an edit, a selected message
            return
        if not self.prompt.has_focus:
            self.prompt.focus()

    async def action_retry(self) -> None:
        """Retry a failed reply, or regenerate one (the old reply stays an alternative)."""
        await self.conversation_pane.action_regenerate()

    def action_toggle_thinking(self) -> None:
        self.thinking.toggle_shown()

    def action_keep_thinking_open(self) -> None:
        """Keep the thinking pane open after each reply (or fold it again), for this run."""
        self.thinking.toggle_keep_open()

    def action_toggle_sidebar(self) -> None:
        self.sidebar.toggle(focus_in=self.sessions, focus_out=self.prompt)

    def action_focus_sessions(self) -> None:
        self.sidebar.show(True)
        self.sessions.focus()

    def on_resize(self, event: events.Resize) -> None:
        self.sidebar.screen_resized(event)

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

    # -- lines -----------------------------------------------------------------------------

    def refresh_lines(self) -> None:
        """Draw the banner and the status line of the shown session at rest again: after
        it is shown, changed (SessionChanged), or the config or a save changed."""
        session = self.session
        self.query_one(Banner).show_for(self.app, session, self.settings_flow.service)
        if session is None:
            return
        view = self.app.registry.describe(session.provider)  # runs no key command
        waiting = self.key_wait.note(session.id)
        self.status.show(session, view.label, view.is_demo, waiting=waiting)

    # -- session settings and the config ---------------------------------------------------

    def _config_changed(self, change: ConfigChange) -> None:
        """The app's config was reloaded or saved (or failed to reload)."""
        self.refresh_lines()

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
        if change.what == "sent" and change.summary is not None and self.session is change.session:
            self.sessions.set_current(change.session.id)  # a new session's first row
        if self.session is not None and change.session.id == self.session.id:
            self.refresh_lines()
