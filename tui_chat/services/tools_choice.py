"""Which tools a session offers, as `/tools` and the settings screen (F2) show and change
it: the names this config has to offer, a line saying what a session uses, and `/tools`'s
argument (`on`, `off`, `+fetch_url -mcp:docs`) turned into new settings or a problem.

No Textual here: the prompt area and the settings screen say the outcome, and the change
goes through the session settings service like every other setting.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui_chat.config.model import Config
from tui_chat.config.parse_tools import tool_name_problem
from tui_chat.config.tools_config import BUILTIN_TOOLS, DEFAULT_SESSION_TOOLS, session_tools
from tui_chat.core.sanitize import single_line
from tui_chat.core.settings import ChatSettings


def builtin_choices(config: Config) -> tuple[str, ...]:
    """The built-in tools that exist with this config (run_shell only when `[tools]
    run_shell = true`)."""
    return tuple(n for n in BUILTIN_TOOLS if n != "run_shell" or config.tools.run_shell)


def tool_choices(config: Config) -> tuple[str, ...]:
    """What a session may pick: the built-ins, then `mcp:NAME` for each enabled server."""
    servers = tuple(f"mcp:{name}" for name, s in config.mcp_servers.items() if s.enabled)
    return builtin_choices(config) + servers


def chosen_tools(settings: ChatSettings, config: Config) -> tuple[str, ...]:
    """The session's list of tools, whether or not tools are on for it (its own list,
    else `[defaults] tools`, else current_time)."""
    if settings.tools is not None:
        return settings.tools
    return config.defaults.tools if config.defaults.tools is not None else DEFAULT_SESSION_TOOLS


def tools_enabled(settings: ChatSettings, config: Config) -> bool:
    """Tools are on for the session: its own switch, else `[defaults]`, else on."""
    if settings.tools_enabled is not None:
        return settings.tools_enabled
    return config.defaults.tools_enabled is not False


def choice_problem(name: str, config: Config) -> str | None:
    """Why `name` cannot be offered with this config; None when it can."""
    problem = tool_name_problem(name, config.tools, config.mcp_servers)
    if problem is not None:
        return problem
    server = name[4:] if name.startswith("mcp:") else name.partition(".")[0]
    found = config.mcp_servers.get(server)
    if name not in BUILTIN_TOOLS and found is not None and not found.enabled:
        return f"MCP server '{server}' is switched off (enabled = false in [mcp_servers.{server}])"
    return None


def describe_tools(settings: ChatSettings, config: Config) -> str:
    """One line about the session's tools, for `/tools` without an argument."""
    offered = session_tools(settings, config.defaults)
    choices = ", ".join(tool_choices(config))
    if not tools_enabled(settings, config):
        names = ", ".join(chosen_tools(settings, config)) or "none"
        return f"Tools are off for this session (when on: {names}). /tools on switches them on."
    if not offered:
        return f"Tools are on, but none is chosen. Add some with /tools +NAME ({choices})."
    return f"Tools on: {', '.join(offered)}. Available: {choices}."


@dataclass(frozen=True)
class ToolsChange:
    """What `/tools ARG` does: the session's new settings and the line saying so, or (with
    `settings` None) only a line: the tools now, or why nothing changed."""

    said: str
    settings: ChatSettings | None = None
    problem: bool = False


def tools_command(arg: str, settings: ChatSettings, config: Config) -> ToolsChange:
    """`/tools` (show), `/tools on|off`, `/tools +NAME -NAME NAME…` (a bare name adds).
    Added names must be tools this config has; a name that is not there changes nothing
    (every name is checked before any is applied)."""
    words = single_line(arg).split()
    if not words:
        return ToolsChange(describe_tools(settings, config))
    if len(words) == 1 and words[0].lower() in ("on", "off"):
        enabled = words[0].lower() == "on"
        changed = settings.replace(tools_enabled=enabled)
        if not enabled:
            return ToolsChange("Tools off for this session.", changed)
        names = ", ".join(chosen_tools(settings, config)) or "none chosen yet"
        return ToolsChange(f"Tools on for this session: {names}.", changed)
    chosen = list(chosen_tools(settings, config))
    problems: list[str] = []
    for word in words:
        sign, name = (word[0], word[1:]) if word[0] in "+-" else ("+", word)
        if not name:
            problems.append(f"'{word}' needs a tool name after the {sign}")
        elif sign == "-":
            if name in chosen:
                chosen.remove(name)
            else:
                problems.append(f"'{name}' is not among this session's tools")
        else:
            problem = choice_problem(name, config)
            if problem is not None:
                problems.append(problem)
            elif name not in chosen:
                chosen.append(name)
    if problems:
        return ToolsChange("; ".join(problems) + ". Nothing changed.", problem=True)
    changed = settings.replace(tools=tuple(chosen))
    listed = ", ".join(chosen) or "none"
    if not tools_enabled(settings, config):
        return ToolsChange(f"Tools for this session: {listed} (off now: /tools on).", changed)
    return ToolsChange(f"Tools for this session: {listed}.", changed)
