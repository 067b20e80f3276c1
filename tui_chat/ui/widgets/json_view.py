"""Replies asked for in JSON mode, shown as pretty-printed, highlighted JSON.

The reply's Markdown widget is given a fenced ```json block of the parsed object, indented,
with its non-ASCII text kept as is; text that does not parse (a reply cut off half way, a
model that ignored JSON mode) is shown as it came. Nothing here changes what is saved.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tui_chat.core.session import Message

# A model may wrap its JSON in a Markdown fence even in JSON mode.
_FENCED = re.compile(r"\A\s*(`{3,}|~{3,})[ \t]*(?:json|JSON)?[ \t]*\n(.*?)\n?\1\s*\Z", re.DOTALL)
_BACKTICKS = re.compile(r"`+")


def parse_json(text: str) -> Any:
    """The JSON value in `text` (a bare document or one fenced block); raises ValueError."""
    match = _FENCED.match(text)
    if match:
        text = match.group(2)
    if not text.strip():
        raise ValueError("empty")
    return json.loads(text)


def pretty_json(text: str) -> str | None:
    """`text` as indented JSON, or None when it is not JSON."""
    try:
        value = parse_json(text)
    except ValueError:
        return None
    return json.dumps(value, indent=2, ensure_ascii=False)


def json_markdown(text: str) -> str:
    """Markdown showing `text` as a highlighted ```json block when it parses, else `text`."""
    pretty = pretty_json(text)
    if pretty is None:
        return text
    longest = max((len(run) for run in _BACKTICKS.findall(pretty)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}json\n{pretty}\n{fence}"


def reply_markdown(message: Message) -> str:
    """What a reply's Markdown widget should show: JSON-mode replies pretty-printed once
    they are no longer streaming, every other reply as it is."""
    if message.json_mode and message.status != "streaming":
        return json_markdown(message.content)
    return message.content
