"""The config as typed, frozen objects: `Config` (everything the file says, with defaults
filled in) and `ConfigError` (a file that cannot be used). Reading a file is
tui_chat.config.parse; writing one is tui_chat.config.writer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tui_chat.config.display_config import DisplayConfig
from tui_chat.config.images_config import ImagesConfig
from tui_chat.config.lines import Problem
from tui_chat.config.presets import PRESETS
from tui_chat.config.provider import ProviderConfig
from tui_chat.config.tools_config import McpServerConfig, ToolsConfig
from tui_chat.core.settings import FIELDS, ChatSettings


class ConfigError(Exception):
    """A config file that cannot be used, with where and what went wrong."""

    def __init__(
        self, path: Path, problem: str, line: int | None = None, problems: Sequence[Problem] = ()
    ) -> None:
        self.path = path
        self.problem = problem
        self.line = line
        self.problems = tuple(problems) or (Problem(problem, line),)
        """Everything found in the file (warnings too), in line order: `config check`
        lists them all, so one run finds every mistake."""
        more = sum(1 for p in self.problems if not p.warning) - 1
        also = f" (and {more} more: `tui-chat config check` lists them)" if more > 0 else ""
        super().__init__(f"{_where(path, line)}: {problem}{also}")


@dataclass(frozen=True)
class Config:
    """Everything the config file says, with defaults filled in."""

    path: Path
    default_provider: str = "dashscope"
    """Provider for new sessions."""
    providers: Mapping[str, ProviderConfig] = field(default_factory=lambda: dict(PRESETS))
    theme: str | None = None
    """A Textual theme name, e.g. "textual-dark", "nord", "gruvbox"."""
    defaults: ChatSettings = field(default_factory=ChatSettings)
    """Per-session settings new sessions start with."""
    personas: Mapping[str, str] = field(default_factory=dict)
    """Saved system prompts by name, to pick from."""
    exists: bool = False
    """False when the file was missing and built-in defaults are in use."""
    warnings: tuple[str, ...] = ()
    """Problems that do not stop the app (unknown keys, a readable key file)."""
    problems: tuple[Problem, ...] = field(default=(), compare=False, repr=False)
    """The same warnings with their lines, in line order (for `tui-chat config check`)."""
    keymap: Mapping[str, str] = field(default_factory=dict)
    """`[keymap]`: binding id → keys ("ctrl+k" or "f7,ctrl+k"), as written (entries with
    bad keys are kept for saving, and warned about; `keymap.usable_keymap` leaves them
    out). Which ids exist is checked by the app."""
    tools: ToolsConfig = field(default_factory=ToolsConfig)
    """`[tools]`: round cap, tools that run without asking, run_shell, caps."""
    mcp_servers: Mapping[str, McpServerConfig] = field(default_factory=dict)
    """`[mcp_servers.NAME]` tables, by name."""
    images: ImagesConfig = field(default_factory=ImagesConfig)
    """`[images]`: display mode and `/image` defaults."""
    display: DisplayConfig = field(default_factory=DisplayConfig)
    """`[display]`: how replies are drawn (maths as Unicode or as written)."""

    @property
    def system_prompt(self) -> str:
        """The system prompt new sessions start with: the default persona's text, else
        `[defaults] system_prompt` (or the older top-level `system_prompt`)."""
        if self.defaults.persona:
            return self.personas.get(self.defaults.persona, "")
        return self.defaults.system_prompt or ""

    def provider(self, name: str) -> ProviderConfig | None:
        return self.providers.get(name)

    def key_variables(self) -> frozenset[str]:
        """Every variable named as a provider's `api_key_env`, here or in the presets: an
        `api_key_cmd` runs without them (`keys.key_command_environ`)."""
        providers = [*self.providers.values(), *PRESETS.values()]
        return frozenset(p.api_key_env for p in providers if p.api_key_env)

    def session_settings(self) -> ChatSettings:
        """The settings new sessions start with: what `[defaults]` holds that a session
        keeps, with the persona resolved to its system prompt and `context_free` as the
        "last_turns" strategy with no earlier turns. Provider and model are left for the
        caller to fill in. (`auto_title` stays a stored default: app behaviour, not a
        request setting.)"""
        d = self.defaults
        values = {s.name: getattr(d, s.name) for s in FIELDS if s.toml_key and s.stored}
        if d.context_free and d.context_strategy is None:
            values.update(context_strategy="last_turns", context_turns=0)
        return ChatSettings(**{**values, "system_prompt": self.system_prompt})


def _where(path: Path, line: int | None) -> str:
    return f"{path}:{line}" if line else str(path)
