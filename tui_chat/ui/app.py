"""The Textual app: wires config, store and providers to the chat screen."""

from __future__ import annotations

from collections.abc import Coroutine, Iterable
from typing import TYPE_CHECKING, Any

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.dom import DOMNode
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from tui_chat.config.model import Config, ConfigError
from tui_chat.config.paths import Paths
from tui_chat.config.provider import DEMO_MODEL, DEMO_PROVIDER
from tui_chat.config.watch import ConfigWatcher
from tui_chat.core.session import Session
from tui_chat.core.store.session_store import SessionStore
from tui_chat.providers import ProviderRegistry
from tui_chat.services.changes import SessionChange, SessionChanges
from tui_chat.services.conversation import Conversation
from tui_chat.services.error_log import close_server_log, server_log
from tui_chat.services.gc_pacing import CollectionPacer, resume_gc
from tui_chat.services.image_turns import TurnsInFlight
from tui_chat.services.live_reply import ReplyWorker
from tui_chat.services.replies import ReplyManager
from tui_chat.services.sessions import SessionService
from tui_chat.services.terminal_graphics import TerminalGraphics
from tui_chat.tools.mcp_manager import McpManager
from tui_chat.tools.registry import ToolRegistry
from tui_chat.ui.config_file import ConfigFile
from tui_chat.ui.image_turn_events import image_turns_for
from tui_chat.ui.input_quiet import InputClock
from tui_chat.ui.messages import ReplyEnded, ReplyStarted, SessionChanged
from tui_chat.ui.render import line_breaks
from tui_chat.ui.screens.chat import ChatScreen
from tui_chat.ui.screens.unsaved import SaveGuard, StoreNotice
from tui_chat.ui.tool_runtime import ApprovalAsker
from tui_chat.ui.widgets.messages import AssistantMessage
from tui_chat.ui.worker_errors import report_worker_error

if TYPE_CHECKING:
    # The keys screen and the keymap checks load when first used (F1, the palette, a
    # `[keymap]` in the config): the first screen does without them.
    from tui_chat.ui.screens.keys import KeyEntry

# How often the config file is checked for changes (one stat call).
CONFIG_POLL_SECONDS = 2.0
GC_TICK_SECONDS = 0.5
"""How often the app checks whether a full garbage collection is due (see gc_pacing)."""


class TuiChatApp(App[None]):
    """Chat with OpenAI-compatible models in the terminal."""

    TITLE = "tui-chat"
    CSS_PATH = [
        "tcss/app.tcss",
        "tcss/chat.tcss",
        "tcss/modals.tcss",
        "tcss/settings.tcss",
        "tcss/model_picker.tcss",
        "tcss/config_editor.tcss",
        "tcss/chat_messages.tcss",
        "tcss/sessions.tcss",
        "tcss/chat_input.tcss",
    ]
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
        Binding("f1", "keys", "Keys", id="app.keys"),
        Binding(
            "f5",
            "edit_config",
            "Edit providers",
            id="config.edit",
            show=False,
            tooltip="Edit providers (the config file)",
        ),
    ]

    def __init__(
        self,
        paths: Paths,
        config: Config,
        config_error: ConfigError | None,
        store: SessionStore,
        registry: ProviderRegistry,
        watcher: ConfigWatcher | None = None,
    ) -> None:
        super().__init__()
        line_breaks.install()  # CJK lines break between characters (two assignments)
        self.paths = paths
        self.config = config
        self.gc_pacer = CollectionPacer()
        self.input_clock = InputClock()
        """When the last key came: big layouts wait for a pause in the typing."""
        self.config_error: ConfigError | None = config_error
        self.config_kept = False
        """True when config_error comes from a reload: the last good config is in use."""
        self.config_watcher = watcher or ConfigWatcher(paths.config_file)
        self.config_poll_seconds = CONFIG_POLL_SECONDS
        self.store = store
        self.registry = registry
        self.chat_screen: ChatScreen | None = None
        self.keymap: dict[str, str] = {}
        """The `[keymap]` entries in force (those that name a binding)."""
        self._keys_claimed = False
        """`claim_keys` has given some node's keys away (then it runs on each change)."""
        self.changes = SessionChanges(store, self._announce_change)
        """The one way a session is saved and its change announced (services/changes.py)."""
        self.conversation = Conversation(self.changes)
        """What changes a session's conversation (services/conversation.py)."""
        self.mcp_log = server_log(paths.log_file)
        """Where MCP servers' stderr goes: the log file, never the screen."""
        self.mcp = McpManager(config.mcp_servers, self.mcp_log)
        """The MCP servers: none starts until a session that uses it sends."""
        self.tools = ToolRegistry(config, self.mcp)
        """The tools replies may offer (built-ins, MCP servers' tools)."""
        self.ask_approval = ApprovalAsker(self)
        self.replies = ReplyManager(
            store,
            registry,
            self.changes,
            tools=self.tools,
            always_allowed=self.tools.always_allowed,
            ask_approval=self.ask_approval,
            run_in_worker=self.run_reply_worker,
            notify=lambda *args, **kwargs: self.notify(*args, **kwargs),  # looked up per call
            on_started=lambda session_id, notice: self.post_to_chat(
                ReplyStarted(session_id, notice)
            ),
            on_ended=lambda session_id, message_id: self.post_to_chat(
                ReplyEnded(session_id, message_id)
            ),
        )
        self.images = image_turns_for(self)
        """`/image` turns in flight (services/image_turns.py)."""
        self.session_service = SessionService(
            store,
            self.changes,
            TurnsInFlight(self.replies, self.images),
            registry,
            lambda: self.config,
        )
        """Rename, duplicate, pin, trash, restore, export, auto-title (services/sessions.py)."""
        self.save_guard = SaveGuard(self)
        self.config_file = ConfigFile(self)
        """Applies, watches, reloads and edits config.toml; `config_file.changed` tells
        the screens."""
        self.graphics = TerminalGraphics("off" if config.images.display == "off" else "halfblock")
        """How images are drawn: the CLI sets what it detected before the screen starts
        (services/terminal_graphics); half-block cells when nothing was probed (tests)."""
        self.graphics_advised = False
        """The tmux advice on images was given (once per run; see image_view)."""
        self._warmed_up = False
        self._requested_theme: str | None = config.theme or None

    def get_default_screen(self) -> ChatScreen:
        self.chat_screen = ChatScreen()
        return self.chat_screen

    def post_to_chat(self, message: Message) -> None:
        if self.chat_screen is not None:
            self.chat_screen.post_message(message)

    def _announce_change(self, change: SessionChange) -> None:
        self.post_to_chat(SessionChanged(change))

    def run_reply_worker(self, work: Coroutine[Any, Any, None], name: str) -> ReplyWorker:
        """Each reply streams in a worker of the app: it goes on when the user switches
        sessions, and a bug in it cannot close the app."""
        return self.run_worker(work, name=name, group="completion", exit_on_error=False)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            self.input_clock.note_key()  # a streaming reply lets the key be drawn first
        if isinstance(event, events.Key | events.MouseDown | events.MouseScrollUp):
            self.gc_pacer.note_activity()
        await super().on_event(event)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one handler of failed workers: the App's own, and those every screen and
        widget passes up (see tui_chat.ui.worker_errors)."""
        if event.state is WorkerState.ERROR:
            report_worker_error(self, event.worker)

    def _collect_garbage(self) -> None:
        self.gc_pacer.tick(streaming=bool(self.replies.live) or self._reply_settling())

    def _reply_settling(self) -> bool:
        """A reply that just ended still mounts its deferred blocks: a full collection now
        would stall them (see gc_pacing)."""
        chat = self.chat_screen
        if chat is None or not chat.is_mounted:
            return False
        try:
            view = chat.view
        except NoMatches:
            return False
        return any(isinstance(node, AssistantMessage) and node.settling for node in view.children)

    def on_mount(self) -> None:
        self.save_guard.start()
        self.set_interval(GC_TICK_SECONDS, self._collect_garbage, name="garbage collection")
        self.set_interval(self.config_poll_seconds, self.config_file.poll, name="config watch")
        self.apply_keymap()
        if self._requested_theme:
            if self._requested_theme in self.available_themes:
                self.theme = self._requested_theme
            else:
                self.notify(f"Unknown theme '{self._requested_theme}' in the config.")
        for warning in self.config.warnings:
            self.notify(warning, title="Config", severity="warning", timeout=10)
        if self.config_error is not None:
            self.notify(str(self.config_error), title="Config error", severity="error", timeout=15)
        elif not self.config.exists:
            self.notify(
                f"No config file yet; using built-in presets. Create {self.paths.config_file} "
                "(see config.example.toml) to add providers.",
                title="Config",
                timeout=8,
            )

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        from tui_chat.ui.palette_commands import palette_commands  # when the palette opens

        commands = palette_commands(self, screen)
        yield from commands
        # Textual's own Keys and Quit would sit beside `app: Keys` and `app: Quit`.
        ours = {c.title.removeprefix("app: ") for c in commands if c.title.startswith("app: ")}
        yield from (c for c in super().get_system_commands(screen) if c.title not in ours)

    # -- key bindings and the keymap -------------------------------------------------------

    def key_entries(self, screen: ChatScreen | None = None) -> list[KeyEntry]:
        """Every chat screen and app binding with an id, with the keys in force."""
        from tui_chat.ui.screens.keys import bindings_of, catalogue, merged_bindings

        chat = screen or self.chat_screen
        return catalogue(
            bindings_of(chat.key_nodes() if chat is not None else ChatScreen.key_classes()),
            merged_bindings(self),
            self.keymap,
        )

    def apply_keymap(self) -> None:
        """Use the config's `[keymap]` (at start and after each reload). Entries naming no
        binding are left out and said; a key taken from another binding is said too."""
        if not self.config.keymap and not self.keymap:
            return  # nothing to apply and nothing to take back (the usual start)
        from tui_chat.ui.screens.keymap_report import keymap_in_force
        from tui_chat.ui.screens.keys import merged_bindings

        keymap, problems = keymap_in_force(self.config.keymap, merged_bindings(self))
        self.keymap = keymap
        self.claim_keys()
        self.set_keymap(keymap)
        for _binding_id, problem in problems:
            self.notify(
                f"{self.config.path}: {problem}",
                title="Config",
                severity="warning",
                timeout=12,
                markup=False,
            )

    def claim_keys(self) -> None:
        """Make the keys the keymap gives run their binding here, on the chat screen and
        in its prompt, whatever else binds them (see `give_way`)."""
        if not self.keymap and not self._keys_claimed:
            return  # no keymap, now or before: every node has its own bindings as declared
        from tui_chat.ui.screens.keys import claimed_keys, give_way
        from tui_chat.ui.widgets.prompt import TYPING_KEYS, PromptInput

        self._keys_claimed = True
        claimed = claimed_keys(self.keymap)
        nodes: list[DOMNode] = [self]
        if self.chat_screen is not None:
            nodes.extend(self.chat_screen.key_nodes())
            typing = {k: v for k, v in claimed.items() if k not in TYPING_KEYS}
            for prompt in self.chat_screen.query(PromptInput):
                give_way(prompt, typing)  # it keeps the keys it types with
        for node in nodes:
            give_way(node, claimed)
        # No refresh_bindings here: set_keymap does it, and so does the chat screen
        # when it focuses the prompt.

    def first_screen_shown(self) -> None:
        """The chat screen has been drawn once: warm up what the first message needs (the
        SDK, unless the default provider is the offline demo) while no reply streams, then
        let the garbage collector run again (the command line pauses it for the start; see
        tui_chat.services.gc_pacing). The pacer starts here rather than on mount: its start
        counts every object made so far (`gc.get_freeze_count`, about 6 ms), which the
        first frame need not wait for."""
        self.gc_pacer.start()  # no-op when started already
        if self._warmed_up:
            return
        from tui_chat.ui import warmup  # after the first screen, like all it imports

        self._warmed_up = True
        steps = warmup.STEPS
        default = self.registry.describe(None)
        if default.is_demo or default.problem is not None:
            steps = tuple(s for s in steps if s not in warmup.SDK_STEPS)
        replies = self.replies
        warmup.start(steps, on_done=resume_gc, keep_going=lambda: not replies.live)

    def new_session(self) -> Session:
        """A fresh, unsaved session on the default provider, with the config's defaults
        ([defaults], the default persona). Runs no key command. It is an offline demo
        session (marked so) only when the config asks for the demo or no provider has a
        key: a newcomer sees the app work; anyone with a key is never answered by it."""
        view = self.registry.describe(None)
        demo = view.is_demo or (view.problem is not None and not self.registry.has_any_key())
        session = Session(
            provider=DEMO_PROVIDER if demo else view.name,
            model=DEMO_MODEL if demo else view.model,
            settings=self.config.session_settings(),
        )
        session.demo = demo
        return session

    def action_edit_config(self) -> None:
        self.config_file.open_providers_screen()

    def action_mcp_servers(self) -> None:
        from tui_chat.ui.screens.mcp_servers import McpServersScreen

        if not isinstance(self.screen, McpServersScreen):
            self.push_screen(McpServersScreen())

    def action_reload_config(self) -> None:
        self.config_file.reload()

    def action_open_config_in_editor(self) -> None:
        self.config_file.edit_in_editor()

    def action_keys(self) -> None:
        from tui_chat.ui.screens.keys import KeysScreen

        if isinstance(self.screen, KeysScreen):
            self.screen.dismiss()
            return
        from tui_chat.ui.screens.key_help import app_help_sections

        self.push_screen(KeysScreen(app_help_sections(self)))

    async def action_quit(self) -> None:
        from tui_chat.ui.quit_guard import QuitGuard

        await QuitGuard(self).quit()

    async def on_store_notice(self, notice: StoreNotice) -> None:
        await self.save_guard.handle(notice.event)

    async def on_unmount(self) -> None:
        self.save_guard.stop()
        self.gc_pacer.stop()
        await self.replies.stop_all()
        await self.images.stop_all()  # provider tasks stay on their replies: polled again
        await self.mcp.stop_all()
        close_server_log(self.mcp_log)
        await self.registry.aclose()
        self.store.close()
