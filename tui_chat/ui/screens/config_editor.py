"""The providers screen: list, add (from a preset or blank), edit, remove, set the default,
test, and save the config file; open it in $EDITOR; reload it.

Edits change a draft `Config` (the config_writer functions return new ones); nothing reaches
the file until Save, which validates, keeps `config.toml.bak` and asks first when that would
lose comments or replace a file changed or broken on disk.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Static
from textual.worker import Worker

from tui_chat.config.model import Config
from tui_chat.config.provider import PLACEHOLDER_KEY, KeyLookup, ProviderConfig
from tui_chat.config.watch import FileStamp
from tui_chat.config.writer import (
    ConfigEditError,
    is_hand_written,
    remove_provider,
    set_default_provider,
)
from tui_chat.core.sentences import join_sentences
from tui_chat.providers.models import test_provider
from tui_chat.ui.screens.config_save import save_config_interactive
from tui_chat.ui.screens.confirm import ConfirmScreen
from tui_chat.ui.screens.provider_form import ProviderFormScreen
from tui_chat.ui.worker_errors import pass_failure_to_app

if TYPE_CHECKING:
    from tui_chat.ui.app import TuiChatApp
    from tui_chat.ui.config_file import ConfigChange


def key_text(provider: ProviderConfig, lookup: KeyLookup, short: bool = False) -> str:
    """Where the key comes from and whether it was found, the key masked. `short` for the
    table: "$VAR", "command" or "in file" instead of the whole source."""
    if lookup.key == PLACEHOLDER_KEY:
        return "none needed"
    if short:
        sources = [f"${provider.api_key_env}"] if provider.api_key_env else []
        if provider.api_key_cmd:
            sources.append("command")
        source = "in file" if provider.api_key else " / ".join(sources)
    else:
        source = provider.key_source()
    if not lookup.checked:
        return f"{source} (not run yet)"
    if lookup.found:
        return f"{source} ✓ {lookup.masked}"
    return f"{source} ✗ not found"


def short_url(url: str, limit: int = 32) -> str:
    """A base URL for the table: without its scheme, shortened in the middle if long."""
    text = url.split("://", 1)[-1]
    if len(text) <= limit:
        return text
    half = (limit - 1) // 2
    return f"{text[:half]}…{text[-(limit - 1 - half) :]}"


class ConfigEditorScreen(Screen[None]):
    """The providers in the config, editable; see the module docstring."""

    BINDINGS = [
        Binding("a", "add", "Add", id="config.add", tooltip="Add a provider"),
        Binding("e", "edit", "Edit", id="config.edit_provider", tooltip="Edit the provider"),
        Binding("x,delete", "remove", "Remove", id="config.remove", tooltip="Remove it"),
        Binding(
            "d", "set_default", "Default", id="config.set_default", tooltip="Make it the default"
        ),
        Binding("t", "test", "Test", id="config.test", tooltip="Test it (GET /models)"),
        Binding("ctrl+s", "save", "Save", id="config.save", tooltip="Save config.toml"),
        Binding(
            "o", "open_in_editor", "$EDITOR", id="config.open_editor", tooltip="Open in $EDITOR"
        ),
        Binding("r", "reload", "Reload", id="config.reload", tooltip="Read the file again"),
        Binding(
            "m", "app.mcp_servers", "MCP", id="config.mcp_servers",
            tooltip="MCP servers: state, tools, restart",
        ),
        Binding("escape", "close", "Close", id="config.close", tooltip="Close"),
    ]

    app: TuiChatApp

    def __init__(self) -> None:
        super().__init__()
        self.draft: Config | None = None
        self.stamp: FileStamp | None = None
        self.dirty = False
        self.hand_written = False
        self._saving = False
        self.tests: dict[str, tuple[str, str]] = {}
        """Provider name -> (short result for the table, the whole result)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="editor"):
            yield Static("", id="heading")
            yield Static("", id="editor-banner")
            yield DataTable(id="providers", cursor_type="row", zebra_stripes=True)
            yield Static("", id="detail")
            with Horizontal(id="actions"):
                for label, action in (
                    ("Add", "add"),
                    ("Edit", "edit"),
                    ("Remove", "remove"),
                    ("Default", "set_default"),
                    ("Test", "test"),
                    ("Save", "save"),
                    ("$EDITOR", "open_in_editor"),
                    ("Reload", "reload"),
                    ("Close", "close"),
                ):
                    yield Button(
                        label,
                        id=f"do-{action.replace('_', '-')}",
                        name=action,
                        compact=True,
                        variant="primary" if action == "save" else "default",
                    )
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("", "Name", "Base URL", "Key", "Default model", "Test")
        self._take(self.app.config)
        table.focus()
        self.app.config_file.changed.subscribe(self, self._config_changed, immediate=True)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        pass_failure_to_app(self, event)  # the App has the one handler (worker_errors)

    def _take(self, config: Config) -> None:
        """Start editing `config` as the file now has it."""
        self.draft = config
        self.stamp = self.app.config_watcher.stamp
        self.dirty = False
        self.hand_written = is_hand_written(self.app.paths.config_file)
        self.refresh_all()

    # -- showing --------------------------------------------------------------------------

    @property
    def config(self) -> Config:
        assert self.draft is not None
        return self.draft

    def refresh_all(self, select: str | None = None) -> None:
        config = self.config
        path = self.app.paths.config_file
        self.query_one("#heading", Static).update(
            Content(
                f"Providers · {path}" + ("  (unsaved changes: Ctrl+S saves)" if self.dirty else "")
            )
        )
        banner: list[str] = []
        if self.app.config_error is not None:
            banner.append(
                join_sentences(
                    f"⚠ The file has a problem: {self.app.config_error}",
                    "Fix it in $EDITOR (o), or Save to replace it (kept as config.toml.bak).",
                )
            )
        elif not config.exists:
            banner.append("No config file yet: these are the built-in presets. Save writes them.")
        elif self.hand_written:
            banner.append(
                "This file was written by hand: saving rewrites it without its comments (you "
                "are asked first; the old file is kept as config.toml.bak)."
            )
        shown = self.query_one("#editor-banner", Static)
        shown.update(Content("\n".join(banner)))
        shown.display = bool(banner)
        shown.set_class(self.app.config_error is not None, "-error")

        table = self.query_one(DataTable)
        keep = select or self.selected_name
        table.clear()
        for name, provider in config.providers.items():
            lookup = self.app.registry.peek_key(provider)
            table.add_row(
                "★" if name == config.default_provider else "",
                Text(name),
                Text(short_url(provider.base_url)),
                Text(key_text(provider, lookup, short=True)),
                Text(provider.model),
                Text(self.tests.get(name, ("", ""))[0]),
                key=name,
            )
        names = list(config.providers)
        if keep in names:
            table.move_cursor(row=names.index(keep))
        self.refresh_detail()

    @property
    def selected_name(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        except Exception:
            return None
        return str(key.value) if key.value is not None else None

    def refresh_detail(self) -> None:
        name = self.selected_name
        detail = self.query_one("#detail", Static)
        provider = self.config.providers.get(name) if name else None
        if provider is None:
            detail.update("")
            return
        lookup = self.app.registry.peek_key(provider)
        key = (
            key_text(provider, lookup)
            if lookup.found or not lookup.checked
            else (f"{provider.key_source()}: {lookup.problem}")
        )
        lines = [
            f"{provider.display_name} · {provider.base_url}",
            f"dialect {provider.dialect} · timeout {provider.timeout:g} s · models: "
            f"{', '.join(provider.models) or '(none listed)'}",
            f"Key: {key}",
        ]
        result = self.tests.get(provider.name)
        if result:
            lines.append(f"Test: {result[1]}")
        detail.update(Content("\n".join(lines)))

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self) -> None:
        self.refresh_detail()

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_edit()

    @on(Button.Pressed, "#actions Button")
    async def _button(self, event: Button.Pressed) -> None:
        if event.button.name:
            await self.run_action(event.button.name)

    def _config_changed(self, change: ConfigChange) -> None:
        """The app reloaded the config (or failed to): follow it unless there are edits."""
        if self._saving or not self.is_mounted:
            return
        if not self.dirty:
            self._take(self.app.config)
            return
        self.refresh_all()
        self.notify(
            "The config file changed on disk. Your edits are kept; Save will ask before "
            "replacing the file.",
            title="Providers",
            severity="warning",
        )

    def _changed(self, config: Config, select: str | None = None) -> None:
        self.draft = config
        self.dirty = True
        self.refresh_all(select)

    # -- actions --------------------------------------------------------------------------

    def action_add(self) -> None:
        self.app.push_screen(ProviderFormScreen(self.config), self._form_done)

    def action_edit(self) -> None:
        name = self.selected_name
        if name is not None:
            self.app.push_screen(ProviderFormScreen(self.config, name), self._form_done)

    def _form_done(self, config: Config | None) -> None:
        if config is None:
            return
        added = [n for n in config.providers if n not in self.config.providers]
        self._changed(config, added[0] if added else None)

    @work(exclusive=True, group="config-ask", exit_on_error=False)
    async def action_remove(self) -> None:
        name = self.selected_name
        if name is None:
            return
        question = f"Remove the provider '{name}'? (Nothing is written until you save.)"
        if not await self.app.push_screen_wait(ConfirmScreen(question, "Remove", "Keep")):
            return
        try:
            self._changed(remove_provider(self.config, name))
        except ConfigEditError as error:
            self.notify(error.problem, title="Not removed", severity="error")

    def action_set_default(self) -> None:
        name = self.selected_name
        if name is not None and name != self.config.default_provider:
            self._changed(set_default_provider(self.config, name), name)

    def action_test(self) -> None:
        name = self.selected_name
        provider = self.config.providers.get(name) if name else None
        if provider is None:
            return
        self.tests[provider.name] = ("…", "⟳ testing…")
        self.refresh_all()
        self.run_worker(
            self._test(provider), group=f"test {provider.name}", exclusive=True, exit_on_error=False
        )

    async def _test(self, provider: ProviderConfig) -> None:
        lookup = await asyncio.to_thread(self.app.registry.lookup_key, provider)
        if lookup.key is None:
            self.tests[provider.name] = ("✗ no key", f"✗ No key: {lookup.problem}")
        else:
            result = await test_provider(provider, lookup.key)
            if result.ok:
                ms = f"{result.latency_s * 1000:.0f} ms"
                self.tests[provider.name] = (f"✓ {ms}", f"✓ {ms} · {result.detail}")
            else:
                status = f" {result.error.status}" if result.error and result.error.status else ""
                self.tests[provider.name] = (f"✗{status}", f"✗ {result.detail}")
        if self.is_mounted:
            self.refresh_all()

    @work(exclusive=True, group="config-ask", exit_on_error=False)
    async def action_save(self) -> None:
        if not self.dirty and self.config.exists and self.app.config_error is None:
            self.notify("Nothing to save.", title="Providers")
            return
        self._saving = True
        try:
            saved = await save_config_interactive(self.app, self.config, self.stamp)
        finally:
            self._saving = False
        if saved:
            self._take(self.app.config)

    async def _discard_edits(self, doing: str) -> bool:
        if not self.dirty:
            return True
        question = f"You have unsaved changes. Discard them and {doing}?"
        discard = await self.app.push_screen_wait(ConfirmScreen(question, "Discard", "Keep"))
        return bool(discard)

    @work(exclusive=True, group="config-ask", exit_on_error=False)
    async def action_open_in_editor(self) -> None:
        if await self._discard_edits("open the file"):
            self.dirty = False
            self.app.action_open_config_in_editor()
            self._take(self.app.config)

    @work(exclusive=True, group="config-ask", exit_on_error=False)
    async def action_reload(self) -> None:
        if await self._discard_edits("read the file again"):
            self.dirty = False
            self.app.config_file.reload()
            self._take(self.app.config)

    @work(exclusive=True, group="config-ask", exit_on_error=False)
    async def action_close(self) -> None:
        if await self._discard_edits("close"):
            self.dismiss(None)
