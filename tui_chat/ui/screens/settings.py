"""The settings of the current session: provider, model, system prompt, sampling, thinking,
JSON mode and extra request fields. Problems are shown under each field as the user types;
what the provider's dialect will do with the settings (values it ignores, drops or changes)
is shown before saving."""

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

from tui_chat.config.provider import DEMO_PROVIDER
from tui_chat.config.writer import ConfigEditError, set_defaults
from tui_chat.core.context.request import build_messages
from tui_chat.core.sanitize import strip_control
from tui_chat.core.session import Session
from tui_chat.core.setting_kinds import SettingError, parse_table, table_text
from tui_chat.core.settings import STRATEGIES, STRATEGY_LABELS, ChatSettings
from tui_chat.providers.dialects import Dialect, dialect_for
from tui_chat.ui.screens.model_picker import ModelPickerScreen
from tui_chat.ui.worker_errors import ForwardsWorkerErrors

if TYPE_CHECKING:
    from tui_chat.ui.app import TuiChatApp

CUSTOM = "\0custom"
"""The persona Select's value for a system prompt that is not one of the saved personas."""
THINKING_CHOICES = [("Provider default", "default"), ("On", "on"), ("Off", "off")]
NUMBER_FIELDS = (
    "temperature",
    "top_p",
    "max_tokens",
    "thinking_budget",
    "context_turns",
    "context_budget",
    "summary_threshold",
    "summary_model",
)
NUMBER_HINTS = {
    "context_turns": "last turns / recall (blank: 4 / 2)",
    "context_budget": "tokens (blank: window − reply)",
    "summary_threshold": "of the window (blank: 0.7)",
    "summary_model": "same provider (blank: this model)",
    "temperature": "0 to 2 (blank: provider default)",
    "top_p": "0 to 1 (blank: provider default)",
    "max_tokens": "per reply (blank: provider default)",
    "thinking_budget": "tokens (blank: provider default)",
}


def _number_text(value: float | int | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return f"{value:g}" if isinstance(value, float) else str(value)


class SessionSettingsScreen(ForwardsWorkerErrors, ModalScreen[ChatSettings | None]):
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

    # -- building -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        config = self.app.config
        settings = self.original
        providers = [(Content(p.display_name), name) for name, p in config.providers.items()]
        if self.provider_name not in config.providers:
            label = "Offline demo" if self.provider_name == DEMO_PROVIDER else self.provider_name
            providers.insert(0, (Content(label), self.provider_name))
        prompt = settings.system_prompt
        self._initial_prompt = config.system_prompt if prompt is None else prompt
        personas = [(Content("Custom"), CUSTOM)] + [
            (Content(name), name) for name in config.personas
        ]
        with Vertical(id="dialog"):
            yield Static(Content(f"Session settings · {self.session.title}"), id="heading")
            with VerticalScroll(id="form"):
                with Horizontal(classes="row"):
                    yield Label("Provider", classes="label")
                    yield Select(
                        providers,
                        value=self.provider_name,
                        allow_blank=False,
                        id="provider",
                        compact=True,
                    )
                with Horizontal(classes="row"):
                    yield Label("Model", classes="label")
                    yield Button(Content(self.model or "choose…"), id="model", compact=True)
                    yield Static("Enter: pick from the provider's list", classes="field-hint")
                with Horizontal(classes="row"):
                    yield Label("Persona", classes="label")
                    yield Select(
                        personas,
                        value=self._persona_of(self._initial_prompt),
                        allow_blank=False,
                        id="persona",
                        compact=True,
                    )
                yield Label("System prompt", classes="label wide")
                yield TextArea(
                    self._initial_prompt, id="system_prompt", soft_wrap=True, compact=True
                )
                for name, label in (
                    ("temperature", "Temperature"),
                    ("top_p", "top_p"),
                    ("max_tokens", "Max tokens"),
                ):
                    yield from self._number_row(name, label, getattr(settings, name))
                with Horizontal(classes="row"):
                    yield Label("Thinking", classes="label")
                    yield Select(
                        [(Content(t), v) for t, v in THINKING_CHOICES],
                        value=settings.thinking,
                        allow_blank=False,
                        id="thinking",
                        compact=True,
                    )
                yield from self._number_row(
                    "thinking_budget", "Thinking budget", settings.thinking_budget
                )
                with Horizontal(classes="row", id="effort-row"):
                    yield Label("Reasoning effort", classes="label")
                    yield Select([], prompt="provider default", id="reasoning_effort", compact=True)
                with Horizontal(classes="row", id="json-row"):
                    yield Label("JSON mode", classes="label")
                    yield Switch(settings.json_mode, id="json_mode")
                    yield Static(
                        "ask for JSON; shown pretty-printed",
                        classes="field-hint",
                    )
                with Horizontal(classes="row"):
                    yield Label("Context", classes="label")
                    yield Select(
                        [(Content(STRATEGY_LABELS[s]), s) for s in STRATEGIES],
                        value=settings.context_strategy or "full",
                        allow_blank=False,
                        id="context_strategy",
                        compact=True,
                    )
                for name, label in (
                    ("context_turns", "Turns kept"),
                    ("context_budget", "Token budget"),
                    ("summary_threshold", "Summarize at"),
                    ("summary_model", "Summary model"),
                ):
                    yield from self._number_row(name, label, getattr(settings, name))
                yield Label(
                    "Extra request fields (JSON object or TOML lines)", classes="label wide"
                )
                yield TextArea(
                    table_text(settings.extra_body),
                    id="extra_body",
                    compact=True,
                    language=None,
                )
                yield Static("", id="error-extra_body", classes="field-error")
            yield Static("", id="notices")
            yield Static("", id="json-problem")
            with Horizontal(id="buttons"):
                yield Button("Save", variant="primary", id="save", compact=True)
                yield Button("Save as defaults", id="save-defaults", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def _number_row(self, name: str, label: str, value: float | int | str | None) -> ComposeResult:
        with Horizontal(classes="row", id=f"{name}-row"):
            yield Label(label, classes="label")
            yield Input(_number_text(value), id=name, placeholder="unset", compact=True)
            yield Static(NUMBER_HINTS[name], classes="field-hint")
        yield Static("", id=f"error-{name}", classes="field-error")

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
        self.query_one("#effort-row").display = bool(offered) or isinstance(current, str)

    # -- reading the form -----------------------------------------------------------------

    def collect(self) -> tuple[ChatSettings, dict[str, str]]:
        """The settings the form says, and a problem per field that cannot be used."""
        errors: dict[str, str] = {}
        effort = self.query_one("#reasoning_effort", Select).value
        settings = self.original.replace(
            provider=self.provider_name or None,
            model=self.model or None,
            thinking=self.query_one("#thinking", Select).value,
            reasoning_effort=effort if isinstance(effort, str) else None,
            json_mode=self.query_one("#json_mode", Switch).value,
        )
        strategy = self.query_one("#context_strategy", Select).value
        if isinstance(strategy, str):
            settings = settings.replace(context_strategy=None if strategy == "full" else strategy)
        prompt = self.query_one("#system_prompt", TextArea).text
        if prompt != self._initial_prompt:
            settings = settings.replace(system_prompt=strip_control(prompt).strip())
        for name in NUMBER_FIELDS:
            if name == "thinking_budget" and not self.query_one(f"#{name}-row").display:
                continue  # kept as it was: this provider has no budget
            try:
                settings = settings.set_from_text(name, self.query_one(f"#{name}", Input).value)
            except SettingError as problem:
                # "…; using 2." / "…; left unset." describe loading a file; here nothing
                # is saved until the value is fixed.
                errors[name] = str(problem).split(";")[0].rstrip(".") + "."
        try:
            extra = parse_table(self.query_one("#extra_body", TextArea).text)
        except SettingError as problem:
            errors["extra_body"] = str(problem)
        else:
            settings = settings.replace(extra_body=extra)
        return settings, errors

    def recheck(self) -> None:
        """Show each field's problem under it, and what the provider will make of it all."""
        settings, errors = self.collect()
        self._errors = errors
        for name in (*NUMBER_FIELDS, "extra_body"):
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

    @on(Select.Changed, "#thinking")
    @on(Select.Changed, "#context_strategy")
    @on(Select.Changed, "#reasoning_effort")
    @on(Input.Changed)
    @on(Switch.Changed)
    @on(TextArea.Changed, "#extra_body")
    def _changed(self) -> None:
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
        from tui_chat.ui.screens.config_editor import save_config_interactive

        settings = self._valid_settings()
        if settings is None:
            return
        persona = self.query_one("#persona", Select).value
        changes: dict[str, Any] = {
            "temperature": settings.temperature,
            "top_p": settings.top_p,
            "max_tokens": settings.max_tokens,
            "thinking": settings.thinking,
            "thinking_budget": settings.thinking_budget,
            "reasoning_effort": settings.reasoning_effort,
            "json_mode": settings.json_mode,
            "context_strategy": settings.context_strategy,
            "context_turns": settings.context_turns,
            "context_budget": settings.context_budget,
            "summary_threshold": settings.summary_threshold,
            "summary_model": settings.summary_model,
        }
        if isinstance(persona, str) and persona != CUSTOM:
            changes.update(persona=persona, system_prompt="")
        else:
            changes.update(persona=None, system_prompt=settings.system_prompt or "")
        app = self.app
        try:
            config = set_defaults(app.config, **changes)
        except ConfigEditError as error:
            self.notify(error.problem, title="Not saved", severity="error")
            return
        if await save_config_interactive(app, config, app.config_watcher.stamp):
            self.notify("New sessions will start with these settings.", title="Defaults saved")
