"""The Textual app: wires config, store and providers to the chat screen."""

from __future__ import annotations

from collections.abc import Iterable

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.screen import ModalScreen, Screen

from tui_chat.config import DEMO_PROVIDER, Config, ConfigError
from tui_chat.config_watch import ConfigWatcher
from tui_chat.paths import Paths
from tui_chat.providers import ProviderRegistry
from tui_chat.providers.demo import DEMO_MODEL
from tui_chat.replies import ReplyManager
from tui_chat.screens.chat import ChatScreen
from tui_chat.screens.chat_sessions import session_system_commands
from tui_chat.screens.config_file import ConfigFileActions
from tui_chat.screens.confirm import ConfirmScreen
from tui_chat.screens.keys import KeysScreen
from tui_chat.session import Session
from tui_chat.store import SessionStore
from tui_chat.widgets.session_list import SessionList

# How often the config file is checked for changes (one stat call).
CONFIG_POLL_SECONDS = 2.0


class TuiChatApp(ConfigFileActions, App[None]):
    """Chat with OpenAI-compatible models in the terminal."""

    TITLE = "tui-chat"
    CSS_PATH = [
        "app.tcss",
        "screens/chat.tcss",
        "screens/modals.tcss",
        "screens/settings.tcss",
        "screens/model_picker.tcss",
        "screens/config_editor.tcss",
        "screens/chat_messages.tcss",
        "screens/sessions.tcss",
    ]
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
        Binding("f1", "keys", "Keys", id="app.keys"),
        Binding(
            "f5",
            "edit_config",
            "Providers",
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
        self.paths = paths
        self.config = config
        self.config_error = config_error
        self.config_kept = False
        """True when config_error comes from a reload: the last good config is in use."""
        self.config_watcher = watcher or ConfigWatcher(paths.config_file)
        self.config_poll_seconds = CONFIG_POLL_SECONDS
        self.store = store
        self.registry = registry
        self.chat_screen: ChatScreen | None = None
        self.replies = ReplyManager(self, store, registry, self._post_to_chat)
        if config.theme:
            self._requested_theme = config.theme
        else:
            self._requested_theme = None

    def get_default_screen(self) -> ChatScreen:
        self.chat_screen = ChatScreen()
        return self.chat_screen

    def _post_to_chat(self, message: Message) -> None:
        if self.chat_screen is not None:
            self.chat_screen.post_message(message)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and self.chat_screen is not None:
            self.chat_screen.note_input()  # a streaming reply lets the key be drawn first
        await super().on_event(event)

    def on_mount(self) -> None:
        self.set_interval(self.config_poll_seconds, self.poll_config, name="config watch")
        if not self.registry.describe(None).is_demo:
            # Importing the SDK takes longer than starting the app: do it once the screen is up.
            self.set_timer(0.3, self._preload_sdk)
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
        from tui_chat.screens.config_editor import ConfigEditorScreen

        if isinstance(screen, ChatScreen):
            yield SystemCommand("session: New", "Start a new session", screen.action_new_session)
            yield SystemCommand(
                "reply: Stop", "Stop the reply that is streaming", screen.action_stop
            )
            yield SystemCommand(
                "reply: Retry", "Retry a failed, stopped or cut-off reply", screen.action_retry
            )
            yield SystemCommand(
                "view: Toggle thinking",
                "Open or close the thinking pane",
                screen.action_toggle_thinking,
            )
            yield SystemCommand(
                "view: Toggle sidebar", "Show or hide the sessions", screen.action_toggle_sidebar
            )
            yield SystemCommand(
                "view: Sessions", "Move to the session list", screen.action_focus_sessions
            )
            yield SystemCommand(
                "session: Settings",
                "Provider, model, system prompt, temperature, thinking, JSON mode",
                screen.action_session_settings,
            )
            yield SystemCommand(
                "session: Choose model",
                "Pick the model for this session from the provider's list",
                screen.action_choose_model,
            )
            yield SystemCommand(
                "session: Switch provider",
                "Move this session to another provider",
                screen.action_switch_provider,
            )
            yield from session_system_commands(screen)
        if isinstance(screen, ConfigEditorScreen):
            # Its own actions: they ask before dropping unsaved edits.
            yield SystemCommand(
                "config: Open in $EDITOR",
                "Edit config.toml in your editor; it is checked and reloaded after",
                screen.action_open_in_editor,
            )
            yield SystemCommand("config: Reload", "Read config.toml again", screen.action_reload)
        elif not isinstance(screen, ModalScreen):
            yield SystemCommand(
                "config: Edit providers",
                "List, add, edit, test and remove providers; save the config",
                self.action_edit_config,
            )
            yield SystemCommand(
                "config: Open in $EDITOR",
                "Edit config.toml in your editor; it is checked and reloaded after",
                self.action_open_config_in_editor,
            )
            yield SystemCommand(
                "config: Reload", "Read config.toml again", self.action_reload_config
            )
        yield SystemCommand("app: Keys", "Every key tui-chat understands", self.action_keys)
        yield from super().get_system_commands(screen)

    def _preload_sdk(self) -> None:
        def load() -> None:
            import openai  # noqa: F401

        self.run_worker(load, thread=True, exit_on_error=False, name="preload openai")

    def new_session(self) -> Session:
        """A fresh, unsaved session on the default provider, with the config's defaults
        ([defaults], the default persona). Runs no key command."""
        view = self.registry.describe(None)
        return Session(
            provider=DEMO_PROVIDER if view.is_demo else view.name,
            model=DEMO_MODEL if view.is_demo else view.model,
            settings=self.config.session_settings(),
        )

    @property
    def demo_reason(self) -> str:
        """Why the offline demo answers (for the banner of a demo session)."""
        return self.registry.describe(None).notice or "the offline demo was chosen in the config."

    def key_rows(self) -> list[tuple[str, str]]:
        """(key, description) for every binding the user can press on the chat screen,
        then those of the providers screen."""
        from tui_chat.screens.config_editor import ConfigEditorScreen

        rows: list[tuple[str, str]] = []
        seen: set[str] = set()
        for prefix, bindings in (
            ("", ChatScreen.BINDINGS),
            ("", self.BINDINGS),
            ("Sidebar: ", [b for b in SessionList.BINDINGS if isinstance(b, Binding) and b.id]),
            ("Providers screen: ", ConfigEditorScreen.BINDINGS),
        ):
            for binding in bindings:
                if not isinstance(binding, Binding) or (prefix, binding.key) in seen:
                    continue
                seen.add((prefix, binding.key))
                keys = " / ".join(
                    self.get_key_display(Binding(k, "")) for k in binding.key.split(",")
                )
                said = binding.tooltip or binding.description or binding.action
                rows.append((keys, prefix + said))
        rows.append(("ctrl+p (palette)", "Command palette: every command"))
        return rows

    def action_keys(self) -> None:
        if isinstance(self.screen, KeysScreen):
            self.screen.dismiss()
            return
        self.push_screen(KeysScreen(self.key_rows()))

    async def action_quit(self) -> None:
        if not self.replies.live:
            self.exit()
            return
        count = len(self.replies.live)

        async def answered(quit_now: bool | None) -> None:
            if quit_now:
                await self.replies.stop_all()
                self.exit()

        await self.push_screen(
            ConfirmScreen(
                f"A reply is still arriving in {count} session(s).\n\n"
                "Quit anyway? What has arrived is kept and marked as stopped.",
                confirm_label="Quit",
                cancel_label="Keep streaming",
            ),
            answered,
        )

    async def on_unmount(self) -> None:
        await self.replies.stop_all()
        await self.registry.aclose()
        self.store.close()
