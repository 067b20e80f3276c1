"""Names of MCP tools: the wire name the model calls (`docs__lookup`) and the label the user
sees and `[tools] allow` names (`docs.lookup`).

OpenAI-compatible APIs accept only `^[A-Za-z0-9_-]{1,64}$` as a function name, and servers
name tools freely ("search.web", 80 characters, non-ASCII). The wire name is sanitized and,
when it had to be changed or shortened, ends in a 6-hex hash of the true name, so two tools
that sanitize alike still get different names.
"""

from __future__ import annotations

import hashlib
import re

from tui_chat.tools.base import WIRE_NAME

SEPARATOR = "__"
MAX_WIRE = 64
_NOT_WIRE = re.compile(r"[^A-Za-z0-9_-]")


def label_of(server: str, tool: str) -> str:
    """What the user sees and what approvals and `allow` lists name."""
    return f"{server}.{tool}"


def wire_name(server: str, tool: str) -> str:
    """The function name the model sees for `tool` of `server`: `server__tool` as is when
    valid, else sanitized (and truncated) with a hash of the label so it stays unique."""
    plain = f"{server}{SEPARATOR}{tool}"
    if WIRE_NAME.fullmatch(plain):
        return plain
    digest = hashlib.sha256(label_of(server, tool).encode("utf-8")).hexdigest()[:6]
    cleaned = _NOT_WIRE.sub("_", plain)
    return f"{cleaned[: MAX_WIRE - len(digest) - 1]}_{digest}"
