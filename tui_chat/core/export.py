"""A session as Markdown (for reading and sharing) or as JSON (the session dict)."""

from __future__ import annotations

import json
import re
import time
import unicodedata
from pathlib import Path
from typing import Any

from tui_chat.config.model import Config
from tui_chat.core.pricing import currency_of, format_cost, session_cost
from tui_chat.core.session import Message, Session
from tui_chat.core.tool_turns import ToolCall, ToolRound

FORMATS = ("md", "json")
ARGUMENTS_INLINE = 60
"""Characters of a call's arguments on its one-line summary (the json block has them all)."""
ROLE_HEADINGS = {"user": "You", "assistant": "Assistant", "system": "System"}


def header_lines(session: Session, config: Config | None = None) -> list[str]:
    """The lines under the title, one fact each; the cost when `config` has prices for the
    session's replies."""
    usage = session.total_usage()
    lines = [
        f"- Provider: {session.provider or '(none)'}",
        f"- Model: {session.model or '(none)'}",
        f"- Created: {format_time(session.created_at)}",
        f"- Updated: {format_time(session.updated_at)}",
        f"- Messages: {len(session.messages)}",
        f"- Tokens: {usage.prompt_tokens} prompt, {usage.completion_tokens} completion, "
        f"{usage.total_tokens} total",
    ]
    cost = session_cost(session, config) if config is not None else None
    if cost is not None and config is not None:
        said = format_cost(cost, currency_of(session, config))
        lines.append(f"- Cost: {said} (from the prices in the config)")
    if session.system_prompt:
        lines.append(f"- System prompt: {_one_line(session.system_prompt)}")
    lines.append(f"- Session id: {session.id}")
    return lines


def session_markdown(
    session: Session, include_reasoning: bool = True, config: Config | None = None
) -> str:
    """Every message of the current path, oldest first, under a header; reasoning in a
    collapsed `<details>` block when asked for, attachments by name."""
    out = [f"# {_escape_heading(session.title)}", "", *header_lines(session, config), ""]
    for message in session.messages:
        out.extend(_message_lines(message, include_reasoning))
    return "\n".join(out).rstrip("\n") + "\n"


def _message_lines(message: Message, include_reasoning: bool) -> list[str]:
    heading = ROLE_HEADINGS.get(message.role, message.role.title())
    facts = [format_time(message.created_at)]
    if message.role == "assistant" and message.model:
        facts.insert(0, message.model)
    lines = ["---", "", f"## {heading}", "", f"*{' · '.join(facts)}*", ""]
    names = attachment_names(message)
    if names:
        lines.extend([f"Attachments: {', '.join(names)}", ""])
    for tool_round in message.tool_rounds:
        lines.extend(_round_lines(tool_round, include_reasoning))
    if include_reasoning and message.reasoning:
        lines.extend(_reasoning_lines(message.reasoning))
    if message.content:
        lines.extend([message.content.rstrip("\n"), ""])
    if message.status == "stopped":
        lines.extend(["*(stopped: the reply above is partial)*", ""])
    elif message.status == "error":
        lines.extend([f"*(failed: {message.error or 'the reply failed'})*", ""])
    return lines


def _reasoning_lines(reasoning: str) -> list[str]:
    return [
        "<details>",
        "<summary>Reasoning</summary>",
        "",
        reasoning.rstrip("\n"),
        "",
        "</details>",
        "",
    ]


def _round_lines(tool_round: ToolRound, include_reasoning: bool) -> list[str]:
    """A request of the turn that ended in tool calls: its reasoning and text, then each
    call (`> ⚙ docs.lookup(word="tui") ✓ 0.25 s`), its arguments and what it returned."""
    lines: list[str] = []
    if include_reasoning and tool_round.reasoning:
        lines.extend(_reasoning_lines(tool_round.reasoning))
    if tool_round.content:
        lines.extend([tool_round.content.rstrip("\n"), ""])
    for call in tool_round.calls:
        lines.extend([f"> {call_line(call)}", ""])
        parsed = call.parsed_arguments()
        if parsed:
            lines.extend(fenced(json.dumps(parsed, ensure_ascii=False, indent=2), "json"))
        elif parsed is None:  # not a JSON object: as the model sent it
            lines.extend(fenced(call.arguments))
        lines.extend(fenced(call.wire_result()))
    return lines


def call_line(call: ToolCall) -> str:
    """One line for a call: `⚙ label(arguments) mark`, the mark saying how it went."""
    return f"⚙ {call.display_label}({inline_arguments(call)}) {call_mark(call)}"


def inline_arguments(call: ToolCall, limit: int = ARGUMENTS_INLINE) -> str:
    """`word="tui", limit=3`: the arguments on one line, shortened to `limit` characters."""
    parsed = call.parsed_arguments()
    if parsed is None:
        text = " ".join(call.arguments.split())
    else:
        text = ", ".join(
            f"{key}={json.dumps(value, ensure_ascii=False)}" for key, value in parsed.items()
        )
    return text if len(text) <= limit else text[: limit - 1] + "…"


def call_mark(call: ToolCall) -> str:
    """✓ with the time it took, ✗ denied, ✗ error, ■ stopped (a call that never ran)."""
    took = f" {format_seconds(call.seconds)}" if call.seconds is not None else ""
    if call.status == "ok":
        return f"✓{took}"
    if call.status == "denied":
        return "✗ denied"
    if call.status == "error":
        return f"✗ error{took}"
    return f"■ stopped{took}"  # stopped, or pending/running in a file the app left mid-call


def format_seconds(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds:.2f} s"
    if seconds < 60:
        return f"{seconds:.1f} s"
    return f"{seconds:.0f} s"


def fenced(text: str, language: str = "") -> list[str]:
    """`text` in a code fence longer than any run of backticks in it, so nothing in a tool
    result can close the fence early."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{language}", text.rstrip("\n"), fence, ""]


def attachment_names(message: Message) -> list[str]:
    """Names of a message's attachments (images), whatever form they are kept in."""
    raw = getattr(message, "attachments", None) or []
    names: list[str] = []
    for item in raw:
        if isinstance(item, str):
            value = item
        elif isinstance(item, dict):
            value = str(item.get("name") or item.get("path") or item.get("url") or "")
        else:
            value = str(
                getattr(item, "name", None)
                or getattr(item, "path", None)
                or getattr(item, "url", None)
                or ""
            )
        if value:
            names.append(value.rsplit("/", 1)[-1] if "://" not in value else value)
    return names


def session_json(data: dict[str, Any]) -> str:
    """The session dict as the file keeps it, indented."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def render(
    session: Session,
    data: dict[str, Any],
    fmt: str,
    include_reasoning: bool,
    config: Config | None = None,
) -> str:
    if fmt == "json":
        return session_json(data)
    if fmt == "md":
        return session_markdown(session, include_reasoning, config)
    raise ValueError(f"unknown format {fmt!r} (md or json)")


def slug(title: str, limit: int = 40) -> str:
    """A file-name-safe form of a title; keeps letters of any script (Chinese included)."""
    text = unicodedata.normalize("NFKC", title).casefold()
    text = re.sub(r"[^\w]+", "-", text).strip("-_")
    return text[:limit].rstrip("-_") or "session"


def default_path(session: Session, fmt: str, home: Path | None = None) -> Path:
    return (home or Path.home()) / f"tui-chat-{slug(session.title)}.{fmt}"


def format_time(stamp: float) -> str:
    if not stamp:
        return "unknown"
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp))


def _one_line(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _escape_heading(title: str) -> str:
    return title.replace("\n", " ").strip() or "Untitled"
