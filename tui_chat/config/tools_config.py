"""`[tools]` and `[mcp_servers.NAME]` of the config, as typed, frozen values.

Reading them from TOML (with line numbers for problems) is tui_chat.config.parse_tools;
writing ("always allow", `tui-chat mcp import`) is tui_chat.config.writer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tui_chat.core.settings import ChatSettings

BUILTIN_TOOLS: tuple[str, ...] = ("current_time", "read_file", "fetch_url", "run_shell")
DEFAULT_SESSION_TOOLS: tuple[str, ...] = ("current_time",)
"""What a session offers when neither it nor `[defaults] tools` says otherwise."""
DEFAULT_MAX_ROUNDS = 8


@dataclass(frozen=True)
class ToolsConfig:
    """`[tools]`."""

    max_rounds: int = DEFAULT_MAX_ROUNDS
    """Rounds of tool calls one turn may take before the loop stops and says so."""
    allow: tuple[str, ...] = ()
    """Tool labels that run without asking ("read_file", "docs.lookup"); "always allow"
    appends here. run_shell is never allowed this way."""
    run_shell: bool = False
    """run_shell exists only when this is on (and then always asks)."""
    read_file_max_bytes: int = 262_144
    fetch_max_bytes: int = 2_000_000
    fetch_timeout: float = 15.0
    shell_timeout: float = 30.0


@dataclass(frozen=True)
class McpServerConfig:
    """`[mcp_servers.NAME]`: a stdio server (`command`) or a streamable HTTP one (`url`).
    Values may hold `${VAR}` / `${VAR:-default}`, expanded when the server starts (never
    written expanded)."""

    name: str
    command: str | None = None
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    """The only variables a stdio server gets besides the SDK's HOME, LOGNAME, PATH,
    SHELL, TERM and USER: no key of the app leaks into it."""
    cwd: str | None = None
    url: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    enabled: bool = True
    allow: tuple[str, ...] = ()
    """Only these of its tools are offered (empty: all but `deny`)."""
    deny: tuple[str, ...] = ()
    timeout: float = 60.0
    """Seconds one call may take."""
    startup_timeout: float = 30.0

    @property
    def transport(self) -> str:
        return "http" if self.url else "stdio"

    def offers(self, tool: str) -> bool:
        """The server's tool `tool` is offered to the model (allow / deny lists)."""
        if tool in self.deny:
            return False
        return not self.allow or tool in self.allow


def session_tools(settings: ChatSettings, defaults: ChatSettings) -> tuple[str, ...]:
    """The tools a session offers: its own choice, else `[defaults]`, else current_time;
    nothing when tools are switched off for it (or in `[defaults]`)."""
    enabled = settings.tools_enabled
    if enabled is None:
        enabled = defaults.tools_enabled
    if enabled is False:
        return ()
    chosen = settings.tools if settings.tools is not None else defaults.tools
    return DEFAULT_SESSION_TOOLS if chosen is None else chosen
