"""Names of tools: the wire name the model calls (`^[A-Za-z0-9_-]{1,64}$`, what the
OpenAI-compatible APIs accept) and the label the user sees and `[tools] allow` names.

An MCP tool is `server__tool` on the wire and `server.tool` on screen. Server names come
from the config, tool names from the server (anything at all): a name that is not a valid
wire name as it is gets sanitized, cut to fit, and a hash of the true name, so two names
that sanitize or cut alike still differ. The registry makes the names of one request
unique even so (`unique_wire_name`: "a" + "b__c" and "a__b" + "c" are both "a__b__c")."""

from __future__ import annotations

import re
from collections.abc import Container

from tui_chat.core.sanitize import single_line
from tui_chat.tools.base import WIRE_NAME

MAX_WIRE_NAME = 64
HASH_LENGTH = 6
_NOT_WIRE = re.compile(r"[^A-Za-z0-9_-]")


def sanitize(text: str) -> str:
    """`text` with every character a wire name may not hold replaced by "_"."""
    return _NOT_WIRE.sub("_", text)


def short_hash(text: str) -> str:
    """Six hex digits that stand for `text` (stable across runs and machines)."""
    import hashlib  # here: with OpenSSL bindings, 1-1.5 ms the first screen does without

    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_LENGTH]


def with_hash(base: str, seed: str) -> str:
    """`base` cut so that "_" and the hash of `seed` fit in a wire name, with them added."""
    return f"{base[: MAX_WIRE_NAME - HASH_LENGTH - 1]}_{short_hash(seed)}"


def wire_name(server: str, tool: str) -> str:
    """The name the model calls an MCP server's tool by: "server__tool" as is when that is
    a valid wire name; else sanitized (and cut to fit) and ended by a hash of the true
    "server.tool", so two tools whose names sanitize alike still differ."""
    plain = f"{server}__{tool}"
    if WIRE_NAME.fullmatch(plain):
        return plain
    return with_hash(sanitize(plain), f"{server}.{tool}")


def label_of(server: str, tool: str) -> str:
    """What the user sees for an MCP server's tool and what `[tools] allow` and a session's
    "NAME.tool" selection name: "server.tool", on one line and free of control characters
    (the tool name is the server's, untrusted)."""
    return f"{single_line(server)}.{single_line(tool)}"


def unique_wire_name(name: str, seed: str, taken: Container[str]) -> str:
    """`name`, or when a tool already offered has it (two MCP names that sanitize or cut to
    the same text), `name` with a hash of `seed` (the tool's label) added; a counter goes
    into the seed in the unlikely case that clashes too."""
    if name not in taken and WIRE_NAME.match(name):
        return name
    base = sanitize(name)[:MAX_WIRE_NAME] or "tool"
    candidate = with_hash(base, seed)
    attempt = 1
    while candidate in taken:
        candidate = with_hash(base, f"{seed}\x00{attempt}")
        attempt += 1
    return candidate
