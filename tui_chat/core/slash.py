"""Slash commands typed in the prompt: the table of commands and the parser.

No UI here: `parse` turns the prompt's text into a command and its argument (or says
what is wrong in plain words); the prompt area (ui/widgets/prompt_area.py) runs the
action named by the command, on whichever part of the chat screen has it.
A text that starts with `//` is not a command: it is sent with one `/` removed.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

ArgKind = Literal["none", "optional", "required"]


@dataclass(frozen=True)
class SlashCommand:
    """One command: `/name ARGS`, running the chat action `action`."""

    name: str
    action: str
    """The action (without `action_`) the command runs: the chat screen's, one of its
    key-owning widgets' (ChatScreen.KEY_OWNERS) or the app's."""
    help: str
    """One line for the completion list and the help screen."""
    args: str = ""
    """How the argument is written in the help, e.g. `NAME`, `[md|json]`."""
    arg: ArgKind = "none"
    choices: tuple[str, ...] = ()
    """When set, the argument must be one of these (compared without case)."""
    aliases: tuple[str, ...] = ()

    @property
    def usage(self) -> str:
        return f"/{self.name} {self.args}".rstrip()


COMMANDS: tuple[SlashCommand, ...] = (
    SlashCommand("new", "new_session", "Start a new session"),
    SlashCommand(
        "model",
        "slash_model",
        "Use model NAME in this session (no name: pick one)",
        "[NAME]",
        "optional",
    ),
    SlashCommand(
        "provider",
        "slash_provider",
        "Move this session to provider NAME (no name: pick)",
        "[NAME]",
        "optional",
    ),
    SlashCommand(
        "system",
        "slash_system",
        "Set the system prompt (no text: clear it)",
        "[TEXT]",
        "optional",
    ),
    SlashCommand(
        "think",
        "slash_think",
        "Thinking on, off, or left to the model",
        "on|off|default",
        "required",
        ("on", "off", "default"),
    ),
    SlashCommand(
        "tools",
        "slash_tools",
        "This session's tools: show, on, off, or +NAME / -NAME",
        "[on|off|+NAME -NAME]",
        "optional",
    ),
    SlashCommand("retry", "retry", "Retry a failed, stopped or cut-off reply"),
    SlashCommand(
        "regenerate",
        "regenerate",
        "Ask again for the last reply (the old one is kept)",
        aliases=("regen",),
    ),
    SlashCommand("continue", "continue_reply", "Continue a reply that was cut off"),
    SlashCommand(
        "export",
        "export_session",
        "Export this session to Markdown (md) or JSON",
        "[md|json]",
        "optional",
        ("md", "json"),
    ),
    SlashCommand(
        "copy",
        "copy_code",
        "Copy code block N of the selected reply or the last with code (no N: the next)",
        "[N]",
        "optional",
    ),
    SlashCommand("find", "find", "Find TEXT in this session", "[TEXT]", "optional"),
    SlashCommand("search", "search_sessions", "Search all sessions (the box above the sidebar)"),
    SlashCommand("rename", "rename_session", "Rename this session", "[TITLE]", "optional"),
    SlashCommand("duplicate", "duplicate_session", "Copy this session into a new one"),
    SlashCommand("pin", "pin_session", "Pin this session to the top of the list, or unpin"),
    SlashCommand("delete", "delete_session", "Move this session to the trash (asks first)"),
    SlashCommand(
        "attach",
        "attach_image",
        "Attach an image (path or URL) to the next message",
        "[PATH|URL]",
        "optional",
    ),
    SlashCommand(
        "image",
        "slash_image",
        "Generate images from PROMPT with the provider's image model; options first: "
        "-s WxH, -n N (1-4), --seed N, --model NAME, --no TEXT (what to leave out)",
        "[OPTIONS] PROMPT",
        "optional",  # `/image` alone answers with the usage and an example
    ),
    SlashCommand(
        "maths",
        "slash_maths",
        "Show maths in replies as Unicode (on) or as LaTeX (off)",
        "on|off",
        "required",
        ("on", "off"),
        aliases=("math",),
    ),
    SlashCommand("settings", "session_settings", "Open this session's settings"),
    SlashCommand("inspect", "inspect_context", "Show what the next request will send"),
    SlashCommand("context", "context_strategy", "Choose how long conversations are cut"),
    SlashCommand("editor", "open_editor", "Edit the prompt in $EDITOR"),
    SlashCommand("help", "show_help", "Every key and command", aliases=("keys", "?")),
    SlashCommand("quit", "quit", "Quit tui-chat", aliases=("exit", "q")),
)

_BY_NAME: dict[str, SlashCommand] = {
    name: command for command in COMMANDS for name in (command.name, *command.aliases)
}


def is_command(text: str) -> bool:
    """True when the prompt's text is a slash command (not `//`, which sends a literal `/`)."""
    return text.startswith("/") and not text.startswith("//")


def unescape(text: str) -> str:
    """The text to send for a prompt that starts with `//`: one `/` fewer."""
    return text[1:] if text.startswith("//") else text


def find(name: str) -> SlashCommand | None:
    """The command called `name` (or one of its aliases), without the slash."""
    return _BY_NAME.get(name.lower())


@dataclass(frozen=True)
class Parsed:
    command: SlashCommand
    arg: str
    """The argument, stripped; empty when none was given."""


def parse(text: str) -> Parsed | str:
    """`/name argument…` → the command and its argument, or a problem in plain words.

    The argument is everything after the name (it may span lines, for `/system`)."""
    body = text.strip()
    if not body.startswith("/") or body.startswith("//"):
        return "Not a command: commands start with a single /."
    head, _, rest = body[1:].partition(" ")
    name, newline, more = head.partition("\n")
    if newline:
        rest = more + (" " + rest if rest else "")
    arg = rest.strip()
    if not name:
        return "Type a command after the /: /help lists them."
    command = find(name)
    if command is None:
        return unknown_problem(name)
    if command.arg == "none" and arg:
        return f"/{command.name} takes nothing after it: {command.usage}"
    if command.arg == "required" and not arg:
        return f"/{command.name} needs {command.args}: {command.usage}"
    if command.choices and arg:
        if arg.lower() not in command.choices:
            return f"/{command.name}: '{arg}' is not one of {', '.join(command.choices)}."
        arg = arg.lower()
    return Parsed(command, arg)


def unknown_problem(name: str) -> str:
    said = f"Unknown command /{name}."
    close = difflib.get_close_matches(name.lower(), list(_BY_NAME), n=1, cutoff=0.6)
    if close:
        said += f" Did you mean /{_BY_NAME[close[0]].name}?"
    return said + " /help lists the commands; start with // to send a literal /."


def matches(prefix: str, commands: tuple[SlashCommand, ...] = COMMANDS) -> list[SlashCommand]:
    """Commands for the completion list while the user types `/prefix`: names (or aliases)
    that start with it first, then names that contain it, then (from three letters on)
    those whose help mentions it."""
    typed = prefix.lower()
    starts = [
        c
        for c in commands
        if c.name.startswith(typed) or any(a.startswith(typed) for a in c.aliases)
    ]
    inside = [c for c in commands if c not in starts and typed in c.name]
    helped = [
        c
        for c in commands
        if len(typed) >= 3 and c not in starts and c not in inside and typed in c.help.lower()
    ]
    return starts + inside + helped
