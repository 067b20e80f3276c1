"""The settings of the current session: provider, model, system prompt, sampling, thinking,
JSON mode, extra request fields and tools (tui_chat.ui.widgets.tools_choice). Problems are
shown under each field as the user types; what the provider's dialect will do with the
settings (values it ignores, drops or changes) is shown before saving."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static, Switch, TextArea
from textual.worker import Worker

from tui_chat.config.provider import DEMO_PROVIDER
from tui_chat.config.writer import ConfigEditError, set_defaults
from tui_chat.core.context.request import build_messages
from tui_chat.core.sanitize import strip_control
from tui_chat.core.session import Session
from tui_chat.core.setting_kinds import Choice, Flag, Prompt, SettingError, Table, parse_table
from tui_chat.core.settings import DEFAULTS_FIELDS, FIELDS, ChatSettings, SettingField
from tui_chat.providers.dialects import Dialect, dialect_for
from tui_chat.ui.screens.config_save import save_config_interactive
from tui_chat.ui.screens.model_picker import ModelPickerScreen
from tui_chat.ui.widgets.tools_choice import ToolsChoice
from tui_chat.ui.worker_errors import pass_failure_to_app

if TYPE_CHECKING:
    from tui_chat.ui.app import TuiChatApp

CUSTOM = "\0custom"
"""The persona Select's value for a system prompt that is not one of the saved personas."""
OWN_CONTROLS = ("provider", "model", "persona")
"""Fields whose control this screen builds itself: their choices come from the config."""


def _choice_select(setting: SettingField, kind: Choice, value: str | None) -> Select[str]:
    """A choice's Select: each choice by its label; unset is the choice None stands for,
    else (where unset is not a choice) the blank, with the hint as its prompt."""
    options = [(Content(kind.labels.get(choice, choice)), choice) for choice in kind.choices]
    shown = value if value is not None else kind.none_means
    blank = kind.unset is None and kind.none_means is None
    return Select(
        options,
        value=Select.NULL if shown is None else shown,
        allow_blank=blank,
        prompt=setting.help or "Select",
        id=setting.name,
        compact=True,
    )


def _chosen(kind: Choice, value: object) -> str | None:
    """What a choice's Select says, as the setting's value."""
    return value if isinstance(value, str) and value != kind.none_means else kind.unset


class SessionSettingsScreen(ModalScreen[ChatSettings | None]):
    """Dismisses with the new settings (Save) or None (Cancel / Esc)."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", show=False),
        Binding("ctrl+s", "save", "Save", show=False),
    ]

    app: TuiChatApp

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.original = session.settings
        self.provider_name = session.provider
        self.model = session.model
        self._initial_prompt = ""
        self._errors: dict[str, str] = {}
        self._typed: list[str] = []
        """Fields read from typed text, each with a line for its problem."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        pass_failure_to_app(self, event)  # the App has the one handler (worker_errors)

    # -- building -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        prompt = self.original.system_prompt
        self._initial_prompt = self.app.config.system_prompt if prompt is None else prompt
        with Vertical(id="dialog"):
            yield Static(Content(f"Session settings · {self.session.title}"), id="heading")
            with VerticalScroll(id="form"):
                for setting in FIELDS:
                    if setting.form:
                        yield from self._field_row(setting)
                yield ToolsChoice(self.original, self.app.config, id="tools-choice")
            yield Static("", id="notices")
            yield Static("", id="json-problem")
            with Horizontal(id="buttons"):
                yield Button("Save", variant="primary", id="save", compact=True)
                yield Button("Save as defaults", id="save-defaults", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def _field_row(self, setting: SettingField) -> ComposeResult:
        """One setting's row, its control chosen by the kind of value it holds: a choice
        is a Select, a flag a Switch, free text or a table a text area, the rest an Input
        with its hint. Typed values get a line under them for their problem."""
        name, kind = setting.name, setting.kind
        value: Any = getattr(self.original, name)
        if name == "system_prompt":
            value = self._initial_prompt
        if isinstance(kind, Prompt | Table):
            yield Label(setting.label, classes="label wide")
            yield TextArea(kind.to_text(value), id=name, soft_wrap=True, compact=True)
            if isinstance(kind, Table):
                self._typed.append(name)
                yield Static("", id=f"error-{name}", classes="field-error")
            return
        with Horizontal(classes="row", id=f"{name}-row"):
            yield Label(setting.label, classes="label")
            if name in OWN_CONTROLS:
                yield from self._own_control(setting)
            elif isinstance(kind, Choice):
                yield _choice_select(setting, kind, value)
            elif isinstance(kind, Flag):
                yield Switch(value, id=name)
                yield Static(setting.help, classes="field-hint")
            else:
                yield Input(kind.to_text(value), id=name, placeholder="unset", compact=True)
                yield Static(setting.help, classes="field-hint")
        if not isinstance(kind, Choice | Flag) and name not in OWN_CONTROLS:
            self._typed.append(name)
            yield Static("", id=f"error-{name}", classes="field-error")

    def _own_control(self, setting: SettingField) -> ComposeResult:
        config = self.app.config
        if setting.name == "provider":
            providers = [(Content(p.display_name), key) for key, p in config.providers.items()]
            current = self.provider_name
            if current not in config.providers:
                shown = "Offline demo" if current == DEMO_PROVIDER else current
                providers.insert(0, (Content(shown), current))
            yield Select(
                providers, value=self.provider_name, allow_blank=False, id="provider", compact=True
            )
        elif setting.name == "model":
            yield Button(Content(self.model or "choose…"), id="model", compact=True)
            yield Static(setting.help, classes="field-hint")
        else:  # persona: a saved system prompt, or "Custom"
            personas = [(Content("Custom"), CUSTOM)] + [
                (Content(name), name) for name in config.personas
            ]
            yield Select(
                personas,
                value=self._persona_of(self._initial_prompt),
                allow_blank=False,
                id="persona",
                compact=True,
            )

    def on_mount(self) -> None:
        self._provider_changed_to(self.provider_name, initial=True)
        self.query_one("#provider", Select).focus()

    def _persona_of(self, prompt: str) -> str:
        for name, text in self.app.config.personas.items():
            if text.strip() == prompt.strip() and prompt.strip():
                return name
        return CUSTOM

    # -- the provider's dialect -----------------------------------------------------------

    @property
    def dialect(self) -> Dialect:
        provider = self.app.config.provider(self.provider_name)
        return dialect_for(provider.dialect if provider else None)

    def _provider_changed_to(self, name: str, initial: bool = False) -> None:
        """Show the thinking controls this provider's dialect has; pick its model."""
        self.provider_name = name
        provider = self.app.config.provider(name)
        if not initial:
            if provider is None:
                self.model = self.app.registry.describe(name).model
            elif self.model not in provider.models:
                self.model = provider.model
            self.query_one("#model", Button).label = Content(self.model)
        dialect = self.dialect
        has_budget = bool(dialect.budget_field) or dialect.thinking_switch == "reasoning_object"
        self.query_one("#thinking_budget-row").display = has_budget
        self.query_one("#error-thinking_budget").display = False
        self._offer_efforts(initial)
        self.recheck()

    def _offer_efforts(self, initial: bool = False) -> None:
        """Offer the reasoning efforts this provider takes for this model (none for a
        model the dialect does not know). A chosen value it does not take stays, so it is
        not lost unseen: the notices say it will not be sent, and it can be changed."""
        effort = self.query_one("#reasoning_effort", Select)
        current = effort.value if not initial else self.original.reasoning_effort
        offered = self.dialect.efforts_for(self.model)
        efforts = list(offered)
        if isinstance(current, str) and current not in efforts:
            efforts.append(current)
        effort.set_options([(Content(e), e) for e in efforts])
        if isinstance(current, str):
            effort.value = current
        shown = bool(offered) or isinstance(current, str)
        self.query_one("#reasoning_effort-row").display = shown

    # -- reading the form -----------------------------------------------------------------

    def collect(self) -> tuple[ChatSettings, dict[str, str]]:
        """The settings the form says, and a problem per field that cannot be used."""
        errors: dict[str, str] = {}
        settings = self.original.replace(
            provider=self.provider_name or None, model=self.model or None
        )
        for setting in FIELDS:
            name, kind = setting.name, setting.kind
            if not (setting.form and setting.stored) or name in OWN_CONTROLS:
                continue
            control = self.query_one(f"#{name}")
            if isinstance(control, Select) and isinstance(kind, Choice):
                settings = settings.replace(**{name: _chosen(kind, control.value)})
            elif isinstance(control, Switch):
                settings = settings.replace(**{name: control.value})
            elif isinstance(control, TextArea) and isinstance(kind, Prompt):
                if control.text != self._initial_prompt:
                    settings = settings.replace(**{name: strip_control(control.text).strip()})
            elif isinstance(control, TextArea):
                try:
                    settings = settings.replace(**{name: parse_table(control.text)})
                except SettingError as problem:
                    errors[name] = str(problem)
            elif isinstance(control, Input) and self.query_one(f"#{name}-row").display:
                # (A hidden row is kept as it was: e.g. this provider has no budget.)
                try:
                    settings = settings.set_from_text(name, control.value)
                except SettingError as problem:
                    # "…; using 2." / "…; left unset." describe loading a file; here nothing
                    # is saved until the value is fixed.
                    errors[name] = str(problem).split(";")[0].rstrip(".") + "."
        settings = self.query_one(ToolsChoice).apply_to(settings)
        return settings, errors

    def recheck(self) -> None:
        """Show each field's problem under it, and what the provider will make of it all."""
        settings, errors = self.collect()
        self._errors = errors
        for name in self._typed:
            error = self.query_one(f"#error-{name}", Static)
            error.update(Content(errors.get(name, "")))
            error.display = name in errors
        notices = self._notices(settings)
        shown = self.query_one("#notices", Static)
        shown.update(Content("\n".join(f"ⓘ {notice}" for notice in notices)))
        shown.display = bool(notices)
        trial = copy.copy(self.session)
        trial.settings = settings
        messages = build_messages(trial, self.app.config.system_prompt)
        problem = self.dialect.problem_before_sending(settings, messages)
        warning = self.query_one("#json-problem", Static)
        warning.update(Content(f"⚠ Before sending: {problem}" if problem else ""))
        warning.display = bool(problem)

    def _notices(self, settings: ChatSettings) -> list[str]:
        """What the provider's dialect will change or not send, in its own words."""
        notices: list[str] = []
        view = self.app.registry.describe(self.provider_name)
        if view.is_demo:
            notices.append("The offline demo answers: settings are not sent.")
        elif view.problem:
            notices.append(f"Saving keeps this session's provider: {view.problem}")
        provider = self.app.config.provider(self.provider_name)
        if provider is not None:
            parts = self.dialect.request_kwargs(
                settings, self.model, provider.extra_body_for(self.model)
            )
            notices += parts.notices
        return notices

    # -- events ---------------------------------------------------------------------------

    @on(Select.Changed, "#provider")
    def _provider_selected(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.provider_name:
            self._provider_changed_to(event.value)

    @on(Select.Changed, "#persona")
    def _persona_selected(self, event: Select.Changed) -> None:
        if event.value == CUSTOM or not isinstance(event.value, str):
            return
        text = self.app.config.personas.get(event.value, "")
        area = self.query_one("#system_prompt", TextArea)
        if area.text != text:
            area.text = text

    @on(TextArea.Changed, "#system_prompt")
    def _prompt_changed(self) -> None:
        persona = self.query_one("#persona", Select)
        value = self._persona_of(self.query_one("#system_prompt", TextArea).text)
        if persona.value != value:
            persona.value = value
        self.recheck()

    @on(Select.Changed)
    @on(Input.Changed)
    @on(Switch.Changed)
    @on(TextArea.Changed)
    def _changed(
        self, event: Select.Changed | Input.Changed | Switch.Changed | TextArea.Changed
    ) -> None:
        control = event.control
        if control is not None and control.id in (*OWN_CONTROLS, "system_prompt"):
            return  # their own handlers above
        if self.is_mounted:
            self.recheck()

    @on(Button.Pressed, "#model")
    def _choose_model(self) -> None:
        picker = ModelPickerScreen.for_provider(self.app, self.provider_name, self.model)

        def chosen(model: str | None) -> None:
            if model:
                self.model = model
                self.query_one("#model", Button).label = Content(model)
                self._offer_efforts()
                self.recheck()

        self.app.push_screen(picker, chosen)

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#save-defaults")
    def _save_defaults_pressed(self) -> None:
        self.save_defaults()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)

    def _valid_settings(self) -> ChatSettings | None:
        settings, errors = self.collect()
        if errors:
            self.recheck()
            first = next(iter(errors))
            self.notify(errors[first], title="Not saved", severity="error")
            self.query_one(f"#{first}").focus()
            return None
        return settings

    def action_save(self) -> None:
        settings = self._valid_settings()
        if settings is not None:
            self.dismiss(settings)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @work(exclusive=True, group="save-defaults", exit_on_error=False)
    async def save_defaults(self) -> None:
        """Write these settings as `[defaults]` for new sessions in the config file."""
        settings = self._valid_settings()
        if settings is None:
            return
        persona = self.query_one("#persona", Select).value
        changes: dict[str, Any] = {
            setting.name: getattr(settings, setting.name)
            for setting in DEFAULTS_FIELDS
            if setting.stored
        }
        if isinstance(persona, str) and persona != CUSTOM:
            changes.update(persona=persona, system_prompt="")
        else:
            changes.update(persona=None, system_prompt=settings.system_prompt or "")
        changes.update(self.query_one(ToolsChoice).as_defaults())
        app = self.app
        try:
            config = set_defaults(app.config, **changes)
        except ConfigEditError as error:
            self.notify(error.problem, title="Not saved", severity="error")
            return
        if await save_config_interactive(app, config, app.config_watcher.stamp):
            self.notify("New sessions will start with these settings.", title="Defaults saved")
