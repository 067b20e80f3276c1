"""Import a ChatGPT data export (`conversations.json`) as tui-chat sessions.

The export is a list of conversations, each a tree: `mapping` holds nodes by id (each with
`message`, `parent` and `children`), `current_node` is the leaf the user last saw. The path
from that leaf to the root is imported (the conversation as it was shown). The format has
changed over the years, so everything is read defensively: a conversation that cannot be read
is reported with the reason and the others are imported.

Each imported session gets an id derived from the ChatGPT conversation id and keeps that id
in the file (`imported_from`), so importing the same file again adds nothing twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui_chat.core.sanitize import one_line, single_line, strip_control
from tui_chat.core.session import NEW_SESSION_TITLE, TITLE_LENGTH, Message, Session, make_title
from tui_chat.core.store.json_files import SHAPE_ERRORS, UnreadableFile, problem_of, read_json
from tui_chat.core.store.session_store import SessionStore

SOURCE = "chatgpt"
TEXT_TYPES = {"text", "multimodal_text", "code", "tether_quote", "tether_browsing_display"}
"""content_type values whose text is part of the conversation."""
SKIPPED_TYPES = {
    "thoughts",
    "reasoning_recap",
    "user_editable_context",
    "system_error",
    "execution_output",
    "model_editable_context",
}


class ImportFileError(Exception):
    """The whole file cannot be read; the message says why."""


@dataclass
class ImportResult:
    imported: list[tuple[str, str]] = field(default_factory=list)
    """(session id, title) of each new session."""
    already: int = 0
    """Conversations imported before (same ChatGPT id)."""
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(which conversation, why) of each one not imported."""

    def summary_lines(self) -> list[str]:
        lines = [
            f"{len(self.imported)} imported, {self.already} already imported, "
            f"{len(self.skipped)} skipped."
        ]
        lines.extend(f"  skipped {which}: {why}" for which, why in self.skipped)
        return lines


class ConversationError(Exception):
    """One conversation cannot be imported; the message says why."""


def session_id_for(conversation_id: str) -> str:
    """A stable session id for a ChatGPT conversation (12 hex digits, like new ids)."""
    return hashlib.sha256(f"{SOURCE}:{conversation_id}".encode()).hexdigest()[:12]


def read_export(path: Path) -> list[Any]:
    """The conversations of an export file (a JSON list, or an object holding one)."""
    try:
        data = read_json(path)
    except UnreadableFile as exc:  # including a file nested too deeply for the parser
        if isinstance(exc.__cause__, FileNotFoundError):
            raise ImportFileError(f"{path}: no such file") from exc
        raise ImportFileError(f"{path}: {exc.problem}") from exc
    if isinstance(data, dict):
        data = data.get("conversations", data.get("items"))
    if not isinstance(data, list):
        raise ImportFileError(f"{path}: expected a list of conversations (conversations.json)")
    return data


def import_file(
    path: Path, store: SessionStore, provider: str = "", model: str = ""
) -> ImportResult:
    """Import every conversation of `path` into `store`. New sessions use `provider` and
    `model` for further replies; each reply keeps the ChatGPT model it came from."""
    result = ImportResult()
    for number, raw in enumerate(read_export(path), start=1):
        which = _describe(raw, number)
        try:
            conversation_id = _conversation_id(raw)
            session_id = session_id_for(conversation_id)
            if store.path_for(session_id).exists():
                result.already += 1
                continue
            if store.trash.contains(session_id):
                result.skipped.append((which, "it is in the trash (restore it from there)"))
                continue
            session = convert(raw, provider, model)
        except ConversationError as problem:
            result.skipped.append((which, one_line(str(problem), 200)))
            continue
        except SHAPE_ERRORS as exc:  # a shape the defensive reading above did not expect
            result.skipped.append((which, f"it cannot be read ({problem_of(exc)})"))
            continue
        session.id = session_id
        store.set_meta(session_id, imported_from={"source": SOURCE, "id": conversation_id})
        try:
            store.save(session)
        except OSError as exc:
            result.skipped.append((which, f"could not save it ({exc.strerror or exc})"))
            continue
        result.imported.append((session_id, session.title))
    return result


def convert(raw: Any, provider: str = "", model: str = "") -> Session:
    """One conversation as a Session (not saved); raises ConversationError."""
    if not isinstance(raw, dict):
        raise ConversationError("it is not a JSON object")
    mapping = raw.get("mapping")
    if not isinstance(mapping, dict) or not mapping:
        raise ConversationError("it has no 'mapping' of messages")
    messages = [
        m for node in _current_path(mapping, raw.get("current_node")) if (m := _message(node))
    ]
    if not messages:
        raise ConversationError("it has no user or assistant messages with text")
    created = _number(raw.get("create_time")) or messages[0].created_at
    updated = _number(raw.get("update_time")) or messages[-1].created_at or created
    title_raw = raw.get("title")
    title = one_line(title_raw, TITLE_LENGTH) if isinstance(title_raw, str) else ""
    first_user = next((m.content for m in messages if m.role == "user"), "")
    session = Session(
        provider=provider,
        model=model,
        title=title or make_title(first_user) or NEW_SESSION_TITLE,
        title_is_custom=bool(title),
        created_at=created,
        updated_at=updated,
        messages=messages,
    )
    return session


def _current_path(mapping: dict[str, Any], current: Any) -> list[dict[str, Any]]:
    """The nodes from the root to the current leaf (or, without one, to the newest leaf)."""
    if not isinstance(current, str) or current not in mapping:
        current = _newest_leaf(mapping)
        if current is None:
            raise ConversationError("its messages do not form a tree")
    path: list[dict[str, Any]] = []
    seen: set[str] = set()
    node_id: Any = current
    while isinstance(node_id, str) and node_id in mapping:
        if node_id in seen:
            raise ConversationError("its message tree has a loop")
        seen.add(node_id)
        node = mapping[node_id]
        if not isinstance(node, dict):
            raise ConversationError(f"node {node_id} is not an object")
        path.append(node)
        node_id = node.get("parent")
    path.reverse()
    return path


def _newest_leaf(mapping: dict[str, Any]) -> str | None:
    best: tuple[float, str] | None = None
    for node_id, node in mapping.items():
        if not isinstance(node, dict) or node.get("children"):
            continue
        message = node.get("message")
        stamp = _number(message.get("create_time")) if isinstance(message, dict) else None
        key = (stamp or 0.0, node_id)
        if best is None or key > best:
            best = key
    return best[1] if best else None


def _message(node: dict[str, Any]) -> Message | None:
    """A node's message, or None when it is not one to import (system, tool, hidden,
    empty, or a kind of content without text)."""
    message = node.get("message")
    if not isinstance(message, dict):
        return None
    author = message.get("author")
    role = author.get("role") if isinstance(author, dict) else None
    if role not in ("user", "assistant"):
        return None
    metadata = message.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    if metadata.get("is_visually_hidden_from_conversation") or metadata.get("is_hidden"):
        return None
    if message.get("recipient") not in (None, "all"):
        return None  # a call to a tool (browsing, code), not words for the user
    text = _content_text(message.get("content"))
    if not text.strip():
        return None
    stamp = _number(message.get("create_time")) or 0.0
    model = metadata.get("model_slug") or metadata.get("default_model_slug")
    reply = Message(role=role, content=strip_control(text), created_at=stamp)
    if isinstance(message.get("id"), str) and message["id"]:
        reply.id = message["id"]
    if role == "assistant":
        reply.model = single_line(model) if isinstance(model, str) and model else None
        reply.provider = SOURCE
        reply.finish_reason = "stop"
    return reply


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if not isinstance(content, dict):
        return ""
    kind = content.get("content_type", "text")
    if kind in SKIPPED_TYPES:
        return ""
    if kind == "code":
        text = content.get("text")
        if not isinstance(text, str) or not text.strip():
            return ""
        language = content.get("language")
        fence = language if isinstance(language, str) and language != "unknown" else ""
        return f"```{fence}\n{text.rstrip()}\n```"
    parts = content.get("parts")
    if isinstance(parts, list):
        return "\n\n".join(p for p in _part_texts(parts) if p)
    text = content.get("text") or content.get("result")
    return text if isinstance(text, str) else ""


def _part_texts(parts: list[Any]) -> Iterator[str]:
    for part in parts:
        if isinstance(part, str):
            yield part
        elif isinstance(part, dict):
            kind = part.get("content_type", "")
            if isinstance(part.get("text"), str):
                yield part["text"]
            elif kind == "image_asset_pointer" or "asset_pointer" in part:
                yield "[image]"
            elif kind.startswith("audio"):
                yield "[audio]"


def _conversation_id(raw: Any) -> str:
    if not isinstance(raw, dict):
        raise ConversationError("it is not a JSON object")
    for key in ("conversation_id", "id"):
        value = raw.get(key)
        if isinstance(value, str) and value:
            return value
    raise ConversationError("it has no conversation id")


def _describe(raw: Any, number: int) -> str:
    title = raw.get("title") if isinstance(raw, dict) else None
    if isinstance(title, str) and title.strip():
        return f"#{number} '{one_line(title, 40)}'"
    return f"#{number}"


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    return None
