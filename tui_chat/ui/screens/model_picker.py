"""Filterable pickers: the model for this session (with `GET /models`) and the provider."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker

from tui_chat.config.provider import DEMO_MODEL, PLACEHOLDER_KEY, ProviderConfig
from tui_chat.core.sanitize import one_line
from tui_chat.core.sentences import join_sentences
from tui_chat.providers.models import ModelsError, cached_models, models_for, refresh_models
from tui_chat.ui.worker_errors import pass_failure_to_app

if TYPE_CHECKING:
    from pathlib import Path

    from tui_chat.providers import ProviderRegistry
    from tui_chat.ui.app import TuiChatApp

# The option that takes the typed text as it is (a model the list does not name).
TYPED = "\0typed"


class FilterPicker(ModalScreen[str | None]):
    """A title, a filter box and a list: typing narrows the list, up/down move, Enter
    picks, Esc closes without picking. Dismisses with the picked item's id."""

    BINDINGS = [
        Binding("escape", "cancel", "Close", show=False),
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
        Binding("pagedown", "move(10)", "Page down", show=False),
        Binding("pageup", "move(-10)", "Page up", show=False),
    ]

    allow_typed = False
    """Offer the typed text itself when it names no item exactly."""

    def __init__(
        self, title: str, items: list[tuple[str, str]], current: str | None, hint: str
    ) -> None:
        super().__init__(classes="picker")
        self.title_text = title
        self.items = items
        """(id, label) pairs, in the order shown."""
        self.current = current
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Content(self.title_text), id="heading")
            yield Input(placeholder="Type to filter…", id="filter")
            yield OptionList(id="options")
            yield Static("", id="picker-status")
            yield Static(Content(self.hint), id="hint")

    def on_mount(self) -> None:
        self.set_status("")
        self.refilter()
        self.query_one("#filter", Input).focus()

    @property
    def options(self) -> OptionList:
        return self.query_one("#options", OptionList)

    @property
    def filter_text(self) -> str:
        return self.query_one("#filter", Input).value.strip()

    def set_status(self, text: str, error: bool = False) -> None:
        if not self.is_mounted:
            return  # closed before a fetch finished
        status = self.query_one("#picker-status", Static)
        status.update(Content(text))
        status.display = bool(text)
        status.set_class(error, "-error")

    def set_items(self, items: list[tuple[str, str]]) -> None:
        self.items = items
        if self.is_mounted:
            self.refilter()

    def label(self, item_id: str, text: str) -> Content:
        marker = "● " if item_id == self.current else "  "
        return Content(marker + text)

    def refilter(self) -> None:
        """Show the items matching every word typed; keep the highlighted one if shown."""
        options = self.options
        highlighted = options.highlighted_option
        keep = highlighted.id if highlighted is not None else self.current
        typed = self.filter_text
        words = typed.lower().split()
        shown = [
            (item_id, text)
            for item_id, text in self.items
            if all(w in text.lower() or w in item_id.lower() for w in words)
        ]
        new: list[Option] = [Option(self.label(i, t), id=i) for i, t in shown]
        if self.allow_typed and typed and all(i != typed for i, _ in self.items):
            new.append(Option(Content(f"  Use “{one_line(typed, 60)}”"), id=TYPED))
        options.set_options(new)
        ids = [option.id for option in new]
        options.highlighted = ids.index(keep) if keep in ids else (0 if ids else None)

    @on(Input.Changed, "#filter")
    def _filter_changed(self) -> None:
        self.refilter()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        option = self.options.highlighted_option
        if option is not None and option.id is not None:
            self.pick(option.id)

    @on(OptionList.OptionSelected, "#options")
    def _option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.pick(event.option.id)

    def pick(self, item_id: str) -> None:
        self.dismiss(self.filter_text if item_id == TYPED else item_id)

    def action_move(self, by: int) -> None:
        options = self.options
        if not options.option_count:
            return
        current = options.highlighted if options.highlighted is not None else -1
        options.highlighted = max(0, min(options.option_count - 1, current + by))

    def action_cancel(self) -> None:
        self.dismiss(None)


class ModelPickerScreen(FilterPicker):
    """The models of one provider: those in the config and the last fetched list at once,
    then the provider's `GET /models` (fetched in a worker, cached in the data dir)."""

    allow_typed = True

    def __init__(
        self,
        provider: ProviderConfig | None,
        current: str,
        registry: ProviderRegistry,
        cache_file: Path,
    ) -> None:
        self.provider = provider
        self.registry = registry
        self.cache_file = cache_file
        if provider is None:
            items, title = [(DEMO_MODEL, DEMO_MODEL)], "Model · offline demo"
        else:
            cached = cached_models(cache_file, provider)
            items = [(m, m) for m in models_for(provider, cached)]
            title = f"Model · {provider.display_name}"
        super().__init__(
            title, items, current, "Enter picks · Esc closes · a name not listed can be typed"
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        pass_failure_to_app(self, event)  # the App has the one handler (worker_errors)

    @classmethod
    def for_provider(cls, app: TuiChatApp, name: str, current: str) -> ModelPickerScreen:
        return cls(app.config.provider(name), current, app.registry, app.paths.models_cache_file)

    def on_mount(self) -> None:
        super().on_mount()
        if self.provider is None:
            self.set_status("The offline demo has one model.")
            return
        self.set_status("⟳ Fetching the model list…")
        self.run_worker(self.fetch(self.provider), name="fetch models", exit_on_error=False)

    async def fetch(self, provider: ProviderConfig) -> None:
        """GET /models, then show the list (or say in plain words why not)."""
        lookup = await asyncio.to_thread(self.registry.lookup_key, provider)
        if lookup.key is None:
            self.set_status(
                f"No API key ({lookup.problem}): showing the models in your config.", error=True
            )
            return
        try:
            listed = await refresh_models(provider, lookup.key, self.cache_file)
        except ModelsError as error:
            if error.not_listed:
                self.set_status(
                    "This provider does not list models; showing the ones in your config."
                )
            else:
                self.set_status(
                    join_sentences(
                        f"Could not fetch the model list: {error}",
                        "Showing the models in your config and the last list fetched.",
                    ),
                    error=True,
                )
            return
        except OSError as exc:  # the list came, the cache could not be written
            self.set_status(f"Could not keep the model list in the cache: {exc}", error=True)
            return
        self.set_items([(m, m) for m in models_for(provider, listed)])
        count = len(listed.ids)
        self.set_status(
            f"{count} model{'s' if count != 1 else ''} listed by the provider "
            f"({listed.latency_s * 1000:.0f} ms)."
        )


class ProviderPickerScreen(FilterPicker):
    """The providers in the config, with their default model and whether a key is found."""

    def __init__(self, app: TuiChatApp, current: str) -> None:
        items = [
            (
                name,
                f"{provider.display_name} ({name}) · {provider.model} · "
                f"{key_state(app.registry, provider)}",
            )
            for name, provider in app.config.providers.items()
        ]
        super().__init__(
            "Provider for this session",
            items,
            current,
            "Enter switches (the model becomes the provider's default; F3 picks another) · "
            "Esc closes",
        )


def key_state(registry: ProviderRegistry, provider: ProviderConfig) -> str:
    """ "key ✓", "no key needed", "key: not checked yet" or "no key", without running
    a key command."""
    lookup = registry.peek_key(provider)
    if not lookup.checked:
        return "key from a command (not run yet)"
    if lookup.key == PLACEHOLDER_KEY:
        return "no key needed"
    return "key ✓" if lookup.found else "no key"
