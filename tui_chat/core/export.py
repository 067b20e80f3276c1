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

FORMATS = ("md", "json")
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
    if include_reasoning and message.reasoning:
        lines.extend(
            [
                "<details>",
                "<summary>Reasoning</summary>",
                "",
                message.reasoning.rstrip("\n"),
                "",
                "</details>",
                "",
            ]
        )
    if message.content:
        lines.extend([message.content.rstrip("\n"), ""])
    if message.status == "stopped":
        lines.extend(["*(stopped: the reply above is partial)*", ""])
    elif message.status == "error":
        lines.extend([f"*(failed: {message.error or 'the reply failed'})*", ""])
    return lines


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
