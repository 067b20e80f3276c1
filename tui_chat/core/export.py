"""A session as Markdown (for reading and sharing) or as JSON (the session dict).

Generated images are never inlined (no base64): Markdown links each file by an absolute
`file://` URL resolved from the data directory, because an export is written anywhere
(the home folder by default) and a path relative to the data directory would not resolve
from there; the JSON export is the session dict, whose image records keep their metadata
and relative `file`, plus the absolute `path` for readers outside tui-chat.
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tui_chat.config.model import Config
from tui_chat.core.images import GeneratedImage, ImageRequest, is_safe_image_path
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
    session: Session,
    include_reasoning: bool = True,
    config: Config | None = None,
    data_dir: Path | None = None,
) -> str:
    """Every message of the current path, oldest first, under a header; reasoning in a
    collapsed `<details>` block when asked for, attachments by name, generated images
    linked (`image_link`: absolute under `data_dir`, else relative to the data dir)."""
    out = [f"# {_escape_heading(session.title)}", "", *header_lines(session, config), ""]
    for message in session.messages:
        out.extend(_message_lines(message, include_reasoning, data_dir))
    return "\n".join(out).rstrip("\n") + "\n"


def image_link(file: str, data_dir: Path | None) -> str:
    """A Markdown link target for a generated image: its `file://` URL under `data_dir`,
    or (no data dir) its path relative to the data directory, percent-encoded."""
    if data_dir is not None:
        return (data_dir.expanduser().absolute() / file).as_uri()
    return quote(file)


def _request_lines(request: ImageRequest) -> list[str]:
    facts = [f"{request.count} image{'s' if request.count != 1 else ''}"]
    facts.extend(str(v) for v in (request.size, request.model) if v)
    if request.seed is not None:
        facts.append(f"seed {request.seed}")
    lines = [f"*/image · {' · '.join(facts)}*", ""]
    if request.negative_prompt:
        lines.extend([f"Negative prompt: {_one_line(request.negative_prompt)}", ""])
    return lines


def _image_lines(image: GeneratedImage, data_dir: Path | None) -> list[str]:
    """The image, then its metadata on one line, then the prompt the provider used."""
    alt = _one_line(image.prompt, 80).replace("[", "(").replace("]", ")") or "image"
    lines = [f"![{alt}]({image_link(image.file, data_dir)})", ""]
    facts = [v for v in (image.model, image.size) if v]
    if image.seed is not None:
        facts.append(f"seed {image.seed}")
    facts.append(f"`{image.file}`")
    lines.extend([f"*{' · '.join(facts)}*", ""])
    if image.revised_prompt:
        lines.extend([f"Revised prompt: {_one_line(image.revised_prompt, 1000)}", ""])
    return lines


def _message_lines(
    message: Message, include_reasoning: bool, data_dir: Path | None = None
) -> list[str]:
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
    if message.image_request is not None:
        lines.extend(_request_lines(message.image_request))
    for image in message.images:
        lines.extend(_image_lines(image, data_dir))
    if message.image_task is not None:
        lines.extend([f"*(image task {message.image_task.task_id} still running)*", ""])
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


def session_json(data: dict[str, Any], data_dir: Path | None = None) -> str:
    """The session dict as the file keeps it, indented; with `data_dir`, each generated
    image's record also says its absolute `path` (the file is never inlined)."""
    if data_dir is not None:
        data = with_image_paths(data, data_dir)
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def with_image_paths(data: dict[str, Any], data_dir: Path) -> dict[str, Any]:
    """A copy of the session dict whose image records carry `path`, absolute (the
    session's own dict is left as it is)."""
    messages = data.get("messages")
    if not isinstance(messages, list):
        return data
    out: list[Any] = []
    for message in messages:
        images = message.get("images") if isinstance(message, dict) else None
        if isinstance(images, list):
            message = dict(message, images=[_with_path(i, data_dir) for i in images])
        out.append(message)
    return dict(data, messages=out)


def _with_path(image: Any, data_dir: Path) -> Any:
    file = image.get("file") if isinstance(image, dict) else None
    if not isinstance(file, str) or not is_safe_image_path(file):
        return image
    return dict(image, path=str(data_dir.expanduser().absolute() / file))


def render(
    session: Session,
    data: dict[str, Any],
    fmt: str,
    include_reasoning: bool,
    config: Config | None = None,
    data_dir: Path | None = None,
) -> str:
    """The export of `session` (`data`: its dict as the store writes it). `data_dir`
    resolves generated images' files (module docstring)."""
    if fmt == "json":
        return session_json(data, data_dir)
    if fmt == "md":
        return session_markdown(session, include_reasoning, config, data_dir)
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
