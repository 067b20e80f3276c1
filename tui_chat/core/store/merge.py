"""Three-way merge of session snapshots, for two app windows writing one session file.

Each window saves the whole session. Without a merge the last writer wins and the other
window's turns are silently dropped. Messages form a tree with ids, so the two sides merge
well: a message only one side has was added by that side (or deleted by the other, which
the common base tells apart), and a message both sides changed differently is kept twice,
the other side's copy as an alternative beside ours, so nothing is ever thrown away.
A message is merged whole, so a turn's tool calls ("tool_rounds") travel with it, and an
`/image` reply's images and task with it. Two versions of an `/image` reply are one task
seen by two windows: the one whose task finished wins over one still running, which is
never kept twice (a restart would poll the copied task again and pay for it twice).

`base` is what this window last wrote (or read): what both sides started from.
`ours` is what it is about to write; `theirs` is what is on disk now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tui_chat.core.message import new_id

_TOP_LEVEL = (
    "title",
    "title_is_custom",
    "provider",
    "model",
    "system_prompt",
    "settings",
    "summaries",
    "pinned",
    "imported_from",
)
"""Whole-session fields taken from the side that changed them (ours when both did)."""


@dataclass
class MergeReport:
    """What the merge took in from the other side; empty when it changed nothing."""

    added: list[str] = field(default_factory=list)
    """Ids of messages the other side added (or changed) that are now in the file."""
    kept_both: list[str] = field(default_factory=list)
    """Ids of messages both sides changed: ours stays, theirs was added beside it."""
    dropped: list[str] = field(default_factory=list)
    """Ids of messages the other side deleted and this side had not changed."""

    @property
    def changed(self) -> bool:
        return bool(self.added or self.kept_both or self.dropped)


def merge_snapshots(
    base: dict[str, Any] | None, ours: dict[str, Any], theirs: dict[str, Any]
) -> tuple[dict[str, Any], MergeReport]:
    """The snapshot to write: `ours` with what `theirs` added since `base`.

    With no base (this window never saw the file), nothing counts as deleted: the result
    is the union of both sides by id.
    """
    report = MergeReport()
    base_messages = _by_id(base.get("messages") if base else None)
    our_messages = _by_id(ours.get("messages"))
    their_messages = _by_id(theirs.get("messages"))
    merged: list[dict[str, Any]] = []
    for message_id, message in our_messages.items():
        their = their_messages.get(message_id)
        before = base_messages.get(message_id)
        if their is None:
            if before is not None and before == message:
                report.dropped.append(message_id)  # deleted there, untouched here
                continue
            merged.append(message)
        elif their in (message, before):
            merged.append(message)  # same on both sides, or only we changed it
        elif message == before:
            merged.append(their)  # only they changed it (a reply that went on streaming)
            report.added.append(message_id)
        elif (winner := _image_winner(message, their)) is not None:
            merged.append(winner)
            if winner is their:
                report.added.append(message_id)
        else:  # both changed it: keep ours, and theirs beside it as an alternative
            merged.append(message)
            copy = dict(their, id=new_id())
            merged.append(copy)
            report.kept_both.append(copy["id"])
    for message_id, their in their_messages.items():
        if message_id in our_messages:
            continue
        if message_id in base_messages:
            continue  # we deleted it
        merged.append(their)
        report.added.append(message_id)
    result = dict(ours)
    result["messages"] = merged
    for key in _TOP_LEVEL:
        if base is None or ours.get(key) != base.get(key):
            continue  # we changed it (or cannot tell): ours stands
        if key in theirs:
            result[key] = theirs[key]
        else:
            result.pop(key, None)
    branches = theirs.get("branches")
    if isinstance(branches, dict):
        result["branches"] = {**branches, **(ours.get("branches") or {})}
    approvals = _union(ours.get("tool_approvals"), theirs.get("tool_approvals"))
    if approvals:
        # What either window allowed for this session stays allowed: dropping a scope would
        # only ask again, but the user answered "for this session" once already.
        result["tool_approvals"] = approvals
    if any(isinstance(m, dict) and any(m.get(k) for k in _NEWER_KEYS) for m in merged):
        # Their turn with tool calls or images in a file we wrote as a plain one: the file
        # must say the newer version, or an older tui-chat would re-save it without them.
        versions = [v for v in map(_version, (ours, theirs)) if v is not None]
        if versions:
            result["version"] = max(versions)
    updated = [_number(ours.get("updated_at")), _number(theirs.get("updated_at"))]
    if any(v is not None for v in updated):
        result["updated_at"] = max(v for v in updated if v is not None)
    return result, report


_NEWER_KEYS = ("tool_rounds", "image_request", "images", "image_task")
"""Message keys that only a newer format version holds (core/session.py format_version)."""


def _is_image_reply(message: dict[str, Any]) -> bool:
    return bool(message.get("images") or message.get("image_task"))


def _image_winner(ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any] | None:
    """Of two versions of an `/image` reply, the one whose task finished (images, or an
    end without a task) when the other still runs; ours when both still run. None when
    both finished (or it is no image reply): both are kept, like any two versions."""
    if not (_is_image_reply(ours) or _is_image_reply(theirs)):
        return None
    if _running(ours) != _running(theirs):
        return ours if _running(theirs) else theirs
    return ours if _running(ours) else None


def _running(message: dict[str, Any]) -> bool:
    return bool(message.get("image_task")) or message.get("status") == "streaming"


def _by_id(messages: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(messages, list):
        return {}
    found: dict[str, dict[str, Any]] = {}
    for message in messages:
        if isinstance(message, dict) and isinstance(message.get("id"), str):
            found.setdefault(message["id"], message)
    return found


def _union(*sides: Any) -> list[str]:
    """The strings of every side that is a list, each once, in order of first appearance."""
    found: dict[str, None] = {}
    for side in sides:
        if isinstance(side, list):
            found.update((v, None) for v in side if isinstance(v, str) and v)
    return list(found)


def _version(snapshot: dict[str, Any]) -> int | None:
    value = snapshot.get("version")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None
