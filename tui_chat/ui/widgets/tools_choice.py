"""The Tools section of the session settings (F2): a switch for tools on or off and a
checklist of what this config offers (the built-ins that exist, each enabled MCP server as
`mcp:NAME`), pre-checked with the session's tools.

Names the session chose that the checklist does not list (one server tool, `docs.lookup`;
a server gone from the config) are listed too, checked, so saving keeps them unless the
user unticks them. Saving leaves a setting unset when it was not changed, so a session
that follows `[defaults]` keeps following it.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalGroup
from textual.content import Content
from textual.widgets import Label, SelectionList, Static, Switch
from textual.widgets.selection_list import Selection

from tui_chat.config.model import Config
from tui_chat.core.settings import ChatSettings
from tui_chat.services.tools_choice import (
    choice_problem,
    chosen_tools,
    tool_choices,
    tools_enabled,
)


class ToolsChoice(VerticalGroup):
    """Tools on/off and which ones, for one session's settings."""

    DEFAULT_CSS = """
    ToolsChoice {
        height: auto;
        SelectionList {
            height: auto;
            max-height: 8;
            margin: 0 0 0 18;
        }
    }
    """

    def __init__(self, settings: ChatSettings, config: Config, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.enabled = tools_enabled(settings, config)
        """Whether tools were on when the form opened."""
        self.chosen = chosen_tools(settings, config)
        """The session's tools when the form opened."""
        names = [*tool_choices(config), *(n for n in self.chosen if n not in tool_choices(config))]
        self.names = tuple(names)
        """Every name in the checklist, in its order."""
        self._problems = {name: choice_problem(name, config) for name in names}

    def compose(self) -> ComposeResult:
        with Horizontal(classes="row", id="tools_enabled-row"):
            yield Label("Tools", classes="label")
            yield Switch(self.enabled, id="tools_enabled")
            yield Static("the model may call the tools ticked below", classes="field-hint")
        selections = [
            Selection(self._prompt(name), name, name in self.chosen) for name in self.names
        ]
        checklist = SelectionList[str](*selections, id="tools", compact=True)
        checklist.disabled = not self.enabled
        yield checklist

    def _prompt(self, name: str) -> Content:
        """The name, and what it stands for when it is not a built-in (plain text: names
        come from the config and the session file)."""
        problem = self._problems.get(name)
        if problem:
            hint = f"not available: {problem}"
        elif name.startswith("mcp:"):
            hint = f"every tool of MCP server {name[4:]}"
        elif "." in name:
            hint = f"one tool of MCP server {name.partition('.')[0]}"
        else:
            return Content(name)
        return Content.assemble(name, (f"  {hint}", "dim"))

    @property
    def checklist(self) -> SelectionList[str]:
        return self.query_one("#tools", SelectionList)

    def ticked(self) -> tuple[str, ...]:
        """The ticked names, in the checklist's order."""
        selected = set(self.checklist.selected)
        return tuple(name for name in self.names if name in selected)

    def apply_to(self, settings: ChatSettings) -> ChatSettings:
        """`settings` with what the section says; a part left as it was stays unset."""
        enabled = self.query_one("#tools_enabled", Switch).value
        ticked = self.ticked()
        if enabled != self.enabled:
            settings = settings.replace(tools_enabled=enabled)
        if set(ticked) != set(self.chosen):
            settings = settings.replace(tools=ticked)
        return settings

    def as_defaults(self) -> dict[str, object]:
        """What the section says as `[defaults]` values ("Save as defaults"): the ticked
        tools spelled out (a session that followed the defaults would otherwise clear
        them), and tools_enabled only when off (on is what unset means)."""
        enabled = self.query_one("#tools_enabled", Switch).value
        return {"tools_enabled": None if enabled else False, "tools": self.ticked()}

    @on(Switch.Changed, "#tools_enabled")
    def _switched(self, event: Switch.Changed) -> None:
        self.checklist.disabled = not event.value
