"""Session files with `/image` turns: version 4 round trip, hostile image records, two windows
merging a running and a finished task, peek and the session list, and search of prompts and
revised prompts (core/session.py, core/store/merge.py, core/store/peek.py, core/search*)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tui_chat.core.images import GeneratedImage, ImageRequest, ImageTask
from tui_chat.core.search_text import messages_of
from tui_chat.core.session import SESSION_FORMAT_VERSION, Message, Session
from tui_chat.core.store.merge import merge_snapshots
from tui_chat.core.store.peek import PEEK_MIN_BYTES, peek_session
from tui_chat.core.store.session_store import SessionStore

TASK = ImageTask("task-1", "modelscope", "Qwen/Qwen-Image", 1_700_000_000.0, "RUNNING")


def image(
    image_id: str = "i1", revised: str | None = "A giant panda sipping tea"
) -> GeneratedImage:
    return GeneratedImage(
        id=image_id,
        file=f"images/s1/{image_id}.png",
        model="cogview-4",
        prompt="一只在竹林里喝茶的熊猫",
        size="1024x1024",
        seed=42,
        revised_prompt=revised,
    )


def image_session(**reply: Any) -> Session:
    session = Session(provider="zhipu", model="glm-4", id="s1")
    session.add(
        Message(
            role="user",
            content="一只在竹林里喝茶的熊猫",
            image_request=ImageRequest("一只在竹林里喝茶的熊猫", "1024x1024", 2, 42, "cogview-4"),
        )
    )
    fields: dict[str, Any] = {"images": [image("i1"), image("i2")], "model": "cogview-4"}
    fields.update(reply)
    session.add(Message(role="assistant", **fields))
    return session


def snapshot(session: Session) -> dict[str, Any]:
    return json.loads(json.dumps(session.to_dict(), ensure_ascii=False))


def test_a_version_4_file_round_trips() -> None:
    session = image_session()
    data = snapshot(session)
    assert data["version"] == SESSION_FORMAT_VERSION == 4
    loaded = Session.from_dict(data)
    assert loaded == session
    assert loaded.messages[0].image_request == session.messages[0].image_request
    assert loaded.messages[1].images == [image("i1"), image("i2")]
    running = image_session(images=[], image_task=TASK, status="streaming")
    reloaded = Session.from_dict(snapshot(running))
    assert reloaded.messages[1].image_task == TASK
    assert reloaded.messages[1].status == "stopped"  # the app ended while it ran
    # "b64_json", not "b64": the ids are random hex, which can hold "b64" by chance.
    assert "base64" not in json.dumps(data) and "b64_json" not in json.dumps(data)


@pytest.mark.parametrize(
    "file",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "images/../../etc/passwd",
        "images/s1/../../x.png",
        "images\\s1\\x.png",
        "images/s1/sub/x.png",
        "sessions/s1/x.png",
        "images/s1/x\x1b.png",
        "",
        42,
    ],
)
def test_a_hostile_image_file_is_dropped_on_load(file: Any) -> None:
    data = snapshot(image_session())
    data["messages"][1]["images"][0]["file"] = file
    loaded = Session.from_dict(data)
    assert [i.id for i in loaded.messages[1].images] == ["i2"]


def test_hostile_image_fields_are_cleaned_or_dropped() -> None:
    data = snapshot(image_session())
    data["messages"][0]["image_request"]["count"] = 99
    data["messages"][1]["images"][1]["revised_prompt"] = "red\x1b[31m"
    data["messages"][1]["images"].append("not a record")
    data["messages"][1]["image_task"] = {"task_id": "t", "provider": "p", "started_at": "soon"}
    loaded = Session.from_dict(data)
    assert loaded.messages[0].image_request is not None
    assert loaded.messages[0].image_request.count == 4
    assert loaded.messages[1].images[1].revised_prompt == "red"  # the escape sequence goes
    assert len(loaded.messages[1].images) == 2 and loaded.messages[1].image_task is None


def test_image_fields_on_the_wrong_role_are_ignored() -> None:
    data = snapshot(image_session())
    data["messages"][0]["images"] = [image("x").to_dict()]
    data["messages"][1]["image_request"] = {"prompt": "sneaky"}
    loaded = Session.from_dict(data)
    assert loaded.messages[0].images == [] and loaded.messages[1].image_request is None


def merged_reply(ours_reply: dict[str, Any], theirs_reply: dict[str, Any]) -> list[dict]:
    base = snapshot(image_session(images=[], image_task=TASK, status="streaming"))
    ours, theirs = json.loads(json.dumps(base)), json.loads(json.dumps(base))
    ours["messages"][1].update(ours_reply)
    theirs["messages"][1].update(theirs_reply)
    for side in (ours, theirs):
        side["messages"][1] = {k: v for k, v in side["messages"][1].items() if v is not None}
    merged, _ = merge_snapshots(base, ours, theirs)
    return [m for m in merged["messages"] if m["role"] == "assistant"]


FINISHED = {"images": [image().to_dict()], "image_task": None, "status": "complete"}
POLLED = {"image_task": dict(TASK.to_dict(), status="SUCCEEDED?"), "status": "streaming"}


def test_the_finished_task_wins_over_the_running_one_whichever_window() -> None:
    for ours, theirs in ((FINISHED, POLLED), (POLLED, FINISHED)):
        (reply,) = merged_reply(ours, theirs)
        assert reply["status"] == "complete" and reply["images"][0]["id"] == "i1"
        assert "image_task" not in reply


def test_two_running_copies_of_one_task_stay_one() -> None:
    (reply,) = merged_reply(POLLED, {"image_task": dict(TASK.to_dict(), status="QUEUED")})
    assert reply["image_task"]["status"] == "SUCCEEDED?"  # ours


def test_two_finished_versions_are_both_kept() -> None:
    other = dict(FINISHED, images=[image("i9").to_dict()])
    replies = merged_reply(FINISHED, other)
    assert sorted(r["images"][0]["id"] for r in replies) == ["i1", "i9"]


def test_their_image_turn_makes_the_merged_file_version_4() -> None:
    base = snapshot(Session(provider="p", model="m", id="s1"))
    theirs = snapshot(image_session())
    ours = dict(base, messages=[{"id": "u", "role": "user", "content": "hi", "parent_id": None}])
    merged, report = merge_snapshots(base, ours, theirs)
    assert merged["version"] == 4 and len(report.added) == 2
    loaded = Session.from_dict(merged)
    assert sum(len(m.images) for m in loaded.all_messages()) == 2


def test_two_stores_keep_the_finished_images(tmp_path: Path) -> None:
    first = SessionStore(tmp_path / "sessions", tmp_path / "index.json")
    second = SessionStore(tmp_path / "sessions", tmp_path / "index.json")
    try:
        running = image_session(images=[], image_task=TASK, status="streaming")
        first.save(running)
        in_second = second.load("s1")
        finished = running.messages[-1]
        finished.images, finished.image_task, finished.status = [image()], None, "complete"
        first.save(running)
        in_second.messages[-1].image_task = ImageTask("task-1", "modelscope", "q", 1.0, "QUEUED")
        second.save(in_second)
        loaded = SessionStore(tmp_path / "sessions", tmp_path / "index.json").load("s1")
        (reply,) = [m for m in loaded.all_messages() if m.role == "assistant"]
        assert reply.images == [image()] and reply.image_task is None
    finally:
        first.close()
        second.close()


def test_peek_and_the_session_list_tolerate_image_turns(tmp_path: Path) -> None:
    session = image_session()
    session.messages[-1].images[0] = GeneratedImage(
        id="i1", file="images/s1/i1.png", model="m", prompt="p" * PEEK_MIN_BYTES
    )
    path = tmp_path / "big.json"
    path.write_text(json.dumps(session.to_dict(), ensure_ascii=False, indent=1), "utf-8")
    peeked = peek_session(path)
    assert peeked is not None and peeked.path_length == 2 and peeked.keys["version"] == 4

    store = SessionStore(tmp_path / "sessions", tmp_path / "index.json")
    try:
        store.save(image_session())
        (row,), problems = store.list_sessions()
        assert not problems and row.title == "一只在竹林里喝茶的熊猫" and row.message_count == 2
    finally:
        store.close()


def test_prompts_and_revised_prompts_are_searchable(tmp_path: Path) -> None:
    session = image_session()
    session.messages[-1].images.append(image("i3", revised="A giant panda sipping tea"))
    texts = dict(messages_of(snapshot(session)))
    assert texts[session.messages[-1].id].count("A giant panda sipping tea") == 1
    store = SessionStore(tmp_path / "sessions", tmp_path / "index.json")
    try:
        store.save(session)
        running = image_session(images=[], image_task=TASK, status="streaming")
        running.id = "s2"
        store.save(running)
        (by_prompt,) = [h for h in store.search.search("竹林") if h.session_id == "s1"][:1]
        assert by_prompt.message_id == session.messages[0].id
        hits = store.search.search("giant panda")
        assert [(h.session_id, h.message_id) for h in hits] == [("s1", session.messages[-1].id)]
        assert "giant panda" in hits[0].snippet.casefold()
    finally:
        store.close()
