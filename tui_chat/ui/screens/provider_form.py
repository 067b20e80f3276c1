"""Add a provider (from a preset or blank) or edit one. The rows come from the provider
field table (tui_chat.config.provider_fields), and are read back through it."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from tui_chat.config.model import Config
from tui_chat.config.presets import PRESETS
from tui_chat.config.provider_fields import BLANK_PROVIDER, PROVIDER_FIELDS, ProviderField
from tui_chat.config.writer import ConfigEditError, add_provider, update_provider
from tui_chat.core.setting_kinds import SettingError

BLANK = "\0blank"
"""The preset Select's value for a provider that starts empty."""


class ProviderFormScreen(ModalScreen[Config | None]):
    """Add a provider (from a preset or blank) or edit one; dismisses with the new draft
    config, or None. Problems are shown in the form and nothing is returned until the
    provider is valid."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", show=False),
        Binding("ctrl+s", "ok", "OK", show=False),
    ]

    def __init__(self, config: Config, name: str | None = None) -> None:
        super().__init__()
        self.config = config
        self.name_before = name
        self.provider = config.providers.get(name) if name else None
        self._auto_name = ""

    def compose(self) -> ComposeResult:
        heading = f"Edit provider · {self.name_before}" if self.provider else "Add a provider"
        shown = self.provider or BLANK_PROVIDER
        with Vertical(id="dialog"):
            yield Static(Content(heading), id="heading")
            with VerticalScroll(id="form"):
                if self.provider is None:
                    presets = [(Content("Blank"), BLANK)] + [
                        (Content(f"{preset.display_name} ({key})"), key)
                        for key, preset in PRESETS.items()
                    ]
                    yield from self._row(
                        "Preset",
                        Select(presets, value=BLANK, allow_blank=False, id="preset", compact=True),
                    )
                for field in PROVIDER_FIELDS:
                    yield from self._field_row(field, field.show(shown))
            yield Static("", id="form-error")
            with Horizontal(id="buttons"):
                yield Button("OK", variant="primary", id="ok", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def _field_row(self, field: ProviderField, text: str) -> ComposeResult:
        if field.control == "table":
            yield Label(field.label, classes="label wide")
            yield TextArea(text, id=field.name, compact=True)
        elif field.control == "choice":
            options = [(Content(choice), choice) for choice in field.choices]
            yield from self._row(
                field.label,
                Select(options, value=text, allow_blank=False, id=field.name, compact=True),
            )
        else:
            control = Input(
                text,
                id=field.name,
                compact=True,
                placeholder=field.hint,
                password=field.control == "secret",
            )
            yield from self._row(field.label, control)

    def _row(self, label: str, widget: Widget) -> ComposeResult:
        with Horizontal(classes="row"):
            yield Label(label, classes="label")
            yield widget

    def on_mount(self) -> None:
        self.query_one("#form-error").display = False
        first = "#preset" if self.provider is None else "#name"
        self.query_one(first).focus()

    def value(self, field: str) -> str:
        """The text of a field's control (a choice's value), stripped."""
        control = self.query_one(f"#{field}")
        if isinstance(control, TextArea):
            return control.text.strip()
        if isinstance(control, Select):
            return str(control.value)
        assert isinstance(control, Input)
        return control.value.strip()

    def _set_value(self, field: str, text: str) -> None:
        control = self.query_one(f"#{field}")
        if isinstance(control, TextArea):
            control.text = text
        elif isinstance(control, Select | Input):
            control.value = text

    @on(Select.Changed, "#preset")
    def _preset_chosen(self, event: Select.Changed) -> None:
        preset = PRESETS.get(str(event.value))
        if preset is None:
            return
        name = self.query_one("#name", Input)
        if not name.value.strip() or name.value.strip() == self._auto_name:
            candidate, number = preset.name, 2
            while candidate in self.config.providers:
                candidate, number = f"{preset.name}-{number}", number + 1
            name.value = self._auto_name = candidate
        for field in PROVIDER_FIELDS:
            if field.from_preset:
                self._set_value(field.name, field.show(preset))

    def fields(self) -> dict[str, Any]:
        """The form as ProviderConfig fields (the name aside); raises ConfigEditError in
        plain words."""
        values: dict[str, Any] = {}
        for field in PROVIDER_FIELDS:
            if field.name == "name":
                continue
            try:
                values[field.name] = field.read(self.value(field.name), self.provider)
            except SettingError as problem:
                raise ConfigEditError(str(problem)) from None
        return values

    def action_ok(self) -> None:
        name = self.value("name")
        try:
            fields = self.fields()
            if self.name_before is None:
                config = add_provider(self.config, name, **fields)
            else:
                config = update_provider(self.config, self.name_before, name=name, **fields)
        except ConfigEditError as error:
            problem = error.problem
            shown = self.query_one("#form-error", Static)
            shown.update(Content(f"⚠ {problem[:1].upper()}{problem[1:]}"))
            shown.display = True
            return
        self.dismiss(config)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        self.action_ok()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
