"""The main screen: sidebar, conversation, thinking pane, prompt and status line."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.dom import DOMNode
from textual.widget import Widget
from textual.widgets import Static

from tui_chat.core.session import Message, Session
from tui_chat.core.store.session_store import SessionLoadError, SessionSummary
from tui_chat.ui.messages import SessionChanged
from tui_chat.ui.render.footer import ChatFooter
from tui_chat.ui.render.lean_screen import LeanScreen
from tui_chat.ui.replies import LiveReply, ReplyEnded, ReplyStarted
from tui_chat.ui.screens.chat_context import CONTEXT_BINDINGS, ContextActions
from tui_chat.ui.screens.chat_folder import SessionFolderActions
from tui_chat.ui.screens.chat_input import INPUT_BINDINGS, InputActions
from tui_chat.ui.screens.chat_provider import ProviderActions
from tui_chat.ui.screens.chat_sessions import SESSION_BINDINGS, SessionActions
from tui_chat.ui.screens.reply_follower import ReplyFollower
from tui_chat.ui.screens.unsaved import unsaved_line
from tui_chat.ui.widgets.conversation_pane import ConversationPane
from tui_chat.ui.widgets.find_bar import FindBar
from tui_chat.ui.widgets.messages import MessageView
from tui_chat.ui.widgets.prompt import PromptInput
from tui_chat.ui.widgets.session_list import SessionList
from tui_chat.ui.widgets.session_search import SearchResults, SessionSearchInput
from tui_chat.ui.widgets.status import StatusLine
from tui_chat.ui.widgets.thinking import ThinkingPane
from tui_chat.ui.worker_errors import ForwardsWorkerErrors

if TYPE_CHECKING:
    from tui_chat.core.settings import ChatSettings
    from tui_chat.ui.app import TuiChatApp

CHECK_LATER_SESSIONS = 1000
"""With this many sessions in the index, the start shows the index's head at once and
reads and checks the whole list in a thread (see SessionStore.index_head)."""


class ChatScreen(
    InputActions,
    SessionActions,
    SessionFolderActions,
    ContextActions,
    ProviderActions,
    ForwardsWorkerErrors,
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
        *SESSION_BINDINGS,
        *INPUT_BINDINGS,
        *CONTEXT_BINDINGS,
    ]

    KEY_OWNERS: ClassVar[tuple[type[Widget], ...]] = (ConversationPane,)
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
        self.follower = ReplyFollower(self, self._followed_reply_ended)
        """The streaming reply of the shown session, and the frame timer that writes it."""
        self._init_provider_actions()

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            with Vertical(id="sidebar"):
                yield Static("Sessions", id="sidebar-title")
                yield SessionSearchInput(placeholder="Search sessions…", id="session-search")
                yield SearchResults(id="search-results")
                yield SessionList(id="sessions")
            with ConversationPane(id="chat"):
                yield Static("", id="banner")
                yield FindBar(id="find")
                yield MessageView(id="messages")
                yield ThinkingPane(id="thinking")
                yield Static("", id="prompt-info")
                yield from self.compose_prompt()  # the slash command list and the prompt
                yield StatusLine(id="status")
        yield ChatFooter()

    # -- start-up --------------------------------------------------------------------------

    async def on_mount(self) -> None:
        self.app.claim_keys()  # the keymap was applied before the prompt was made
        self.set_interval(30, self.query_one(SessionList).tick)
        summaries, count = self.app.store.index_head()
        if count >= CHECK_LATER_SESSIONS:
            # Reading and checking thousands of sessions takes longer than starting: show
            # the first ones the index names now, the whole checked list once it is ready.
            self.sessions.set_items(summaries)
            self._refresh_sidebar_title(count)
            self.run_worker(
                self._check_sessions, thread=True, name="check sessions", exit_on_error=False
            )
        else:
            summaries, problems = self.app.store.list_sessions()
            self._sessions_listed(summaries, problems)
        opened = False
        if summaries:
            opened = await self.open_session(summaries[0].id, quiet=True)
        if not opened:
            await self.show_session(self.app.new_session())
        self.prompt.focus()
        self.call_after_refresh(self.app.first_screen_shown)

    def _check_sessions(self) -> None:
        summaries, problems = self.app.store.list_sessions()
        self.app.call_from_thread(self._sessions_listed, summaries, problems)

    def _sessions_listed(
        self, summaries: list[SessionSummary], problems: list[SessionLoadError]
    ) -> None:
        self.sessions.set_items(summaries)
        session = self.session
        if session is not None:
            if session.messages and all(s.id != session.id for s in summaries):
                # Sent to while the files were being checked (saved after the check).
                pinned = self.app.store.is_pinned(session.id)
                self.sessions.upsert(SessionSummary.of(session, pinned))
            self.sessions.set_current(session.id)
        self._refresh_sidebar_title()
        if problems:
            shown = "\n".join(f"{p.path.name}: {p.problem}" for p in problems[:5])
            more = f"\n… and {len(problems) - 5} more" if len(problems) > 5 else ""
            self.notify(
                f"{len(problems)} session file(s) could not be read and are not listed:\n"
                f"{shown}{more}",
                title="Unreadable sessions",
                severity="warning",
                timeout=12,
            )

    # -- widgets ---------------------------------------------------------------------------

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
        self.follower.forget()
        live = self.app.replies.live.get(session.id)
        if live is not None:
            live.sync()
        await self.view.show_session(session)
        self.conversation_pane.session_shown()
        await self.show_summary(session)
        if live is not None:
            await self.follow_live(live)
        else:
            await self.thinking.show(session.last_reply)
            self.follower.pause()
        self.sessions.set_current(session.id)
        self._refresh_banner()
        self._refresh_status()

    async def follow_live(self, live: LiveReply) -> None:
        """Follow a streaming reply of the shown session (see ReplyFollower)."""
        await self.follower.follow(live)

    @on(MessageView.Changed)
    async def _message_window_changed(self, event: MessageView.Changed) -> None:
        """Paging or a jump (un)mounted messages: the summary block and the streaming
        reply's widget may have to be shown again."""
        if event.replaced and self.session is not None and not self.view.query("#summary-block"):
            await self.show_summary(self.session)
        await self.follower.window_changed()

    def note_input(self) -> None:
        """The user pressed a key: let it reach the screen before the next frame."""
        self.follower.note_input()

    # -- replies ---------------------------------------------------------------------------

    @on(PromptInput.Submitted)
    async def send(self, event: PromptInput.Submitted) -> None:
        raw = await self.before_send(event.text)  # slash commands run here; "//" sends "/"
        if raw is not None:
            await self.conversation_pane.send(raw)

    def on_reply_started(self, event: ReplyStarted) -> None:
        self.sessions.set_live(set(self.app.replies.live))
        if event.notice:
            self.notify(event.notice, timeout=8)
        self._refresh_banner()

    async def on_reply_ended(self, event: ReplyEnded) -> None:
        self.auto_title_after(event)
        self.sessions.set_live(set(self.app.replies.live))
        self.sessions.upsert(event.summary)
        await self.follower.reply_ended(event)

    def _followed_reply_ended(self, live: LiveReply, reply: Message | None) -> None:
        """The reply shown has ended: the status line at rest, and what went wrong said."""
        self._refresh_status()
        if reply is not None and reply.status == "error":
            self.notify(reply.error or "The reply failed.", severity="error", timeout=10)
        too_long = live.error_kind == "context_length" or (
            reply is not None and reply.finish_reason == "model_context_window_exceeded"
        )
        if too_long and self.session is live.session:
            self.context_length_failed(live.session)

    # -- actions ---------------------------------------------------------------------------

    async def action_new_session(self) -> None:
        if self.session is not None and not self.session.messages:
            self.prompt.focus()
            return
        await self.show_session(self.app.new_session())
        self.prompt.focus()

    async def action_stop(self) -> None:
        if self.session is not None and await self.cancel_key_wait(self.session):
            return
        if self.session is not None and self.app.replies.stop(self.session.id):
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
        sidebar = self.query_one("#sidebar")
        sidebar.display = not sidebar.display

    def action_focus_sessions(self) -> None:
        self.query_one("#sidebar").display = True
        self.sessions.focus()

    @on(SessionList.Selected)
    async def session_selected(self, event: SessionList.Selected) -> None:
        if await self.open_session(event.session_id):
            self.prompt.focus()

    # -- lines -----------------------------------------------------------------------------

    def _refresh_banner(self) -> None:
        banner = self.query_one("#banner", Static)
        lines: list[str] = []
        config_problem = self.app.config_banner()
        if config_problem:
            lines.append(config_problem)
        provider_line = self.provider_banner(self.session) if self.session else None
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
        waiting = self.key_wait_note(session.id)
        self.status.show(session, view.label, view.is_demo, waiting=waiting)

    def _refresh_sidebar_title(self, count: int | None = None) -> None:
        count = len(self.sessions.items) if count is None else count
        self.query_one("#sidebar-title", Static).update(f"Sessions ({count})")

    # -- session settings and the config ---------------------------------------------------

    def config_changed(self) -> None:
        """The app's config was reloaded or saved (or failed to reload)."""
        self._refresh_banner()
        self._refresh_status()

    # The settings screens are imported when first opened: start-up does not wait for them.

    def action_session_settings(self) -> None:
        from tui_chat.ui.screens.settings import SessionSettingsScreen

        if self.session is not None:
            self.app.push_screen(SessionSettingsScreen(self.session), self._settings_chosen)

    def action_choose_model(self) -> None:
        from tui_chat.ui.screens.model_picker import ModelPickerScreen

        session = self.session
        if session is not None:
            picker = ModelPickerScreen.for_provider(self.app, session.provider, session.model)
            self.app.push_screen(picker, self._model_chosen)

    def action_switch_provider(self) -> None:
        from tui_chat.ui.screens.model_picker import ProviderPickerScreen

        if self.session is not None:
            picker = ProviderPickerScreen(self.app, self.session.provider)
            self.app.push_screen(picker, self._provider_chosen)

    def _settings_chosen(self, settings: ChatSettings | None) -> None:
        session = self.session
        if settings is None or session is None:
            return
        if settings.provider and settings.provider != session.provider:
            self.switch_provider(session, settings.provider, settings)  # may be refused
            return
        self._apply_settings(session, settings, "Settings saved for this session.")

    def _model_chosen(self, model: str | None) -> None:
        session = self.session
        if model and session is not None and model != session.model:
            self._apply_settings(session, session.settings.replace(model=model), f"Model: {model}")

    def _provider_chosen(self, name: str | None) -> None:
        session = self.session
        if not name or session is None or name == session.provider:
            return
        self.switch_provider(session, name)  # refused, with why, when it has no key

    def _apply_settings(self, session: Session, settings: ChatSettings, said: str) -> None:
        """Use `settings` for `session` from its next reply on, and save the session (once
        it has messages: an empty new session is saved with its first one)."""
        session.settings = settings
        if session.messages:
            self.run_worker(
                self.app.changes.commit(session, "settings"),
                name="save settings",
                exit_on_error=False,
            )
        else:
            self.app.changes.announce_only(session, "settings")
        self.notify(said, timeout=4)

    @on(SessionChanged)
    def _session_changed(self, event: SessionChanged) -> None:
        """The one refresh after a change to a session: its sidebar row, and the status
        line and banner when it is the one shown."""
        change = event.change
        if change.summary is not None:
            self.sessions.upsert(change.summary)
            if change.what == "sent" and self.session is change.session:
                self.sessions.set_current(change.session.id)  # a new session's first row
            self._refresh_sidebar_title()
        if self.session is not None and change.session.id == self.session.id:
            self._refresh_status()
            self._refresh_banner()
