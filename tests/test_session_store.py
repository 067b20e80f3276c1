"""Sessions as plain dicts, and the store that keeps them as JSON files."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import tui_chat.core.store.session_store as store_module
from tui_chat.config.provider import ProviderConfig
from tui_chat.core.session import (
    NEW_SESSION_TITLE,
    PLAIN_FORMAT_VERSION,
    SESSION_FORMAT_VERSION,
    TITLE_LENGTH,
    Message,
    Session,
    Usage,
    make_title,
)
from tui_chat.core.store.session_store import SessionLoadError, SessionStore, SessionSummary
from tui_chat.core.store.summaries import INDEX_VERSION, read_index_file


def full_session() -> Session:
    """A session with every field set, including a reply of each status."""
    session = Session(
        provider="dashscope",
        model="qwen-plus",
        system_prompt="You are terse.",
        id="abc123def456",
        title="Custom title",
        title_is_custom=True,
        created_at=1_700_000_000.5,
        updated_at=1_700_000_100.25,
    )
    session.messages = [
        Message(role="user", content="你好，世界 👋", created_at=1.0, id="m1"),
        Message(
            role="assistant",
            content="Hi!\n```py\nx = 1\n```",
            created_at=2.0,
            id="m2",
            reasoning="think think",
            usage=Usage(10, 5, 15, reasoning_tokens=3, cached_tokens=2),
            model="qwen-plus",
            provider="dashscope",
            finish_reason="stop",
            status="complete",
            error=None,
            first_token_seconds=0.25,
            duration_seconds=1.5,
            json_mode=True,
        ),
        Message(role="user", content="again", created_at=3.0, id="m3"),
        Message(
            role="assistant",
            content="partial",
            created_at=4.0,
            id="m4",
            usage=Usage(1, 2, 3),
            model="qwen-plus",
            provider="dashscope",
            status="stopped",
        ),
        Message(
            role="assistant",
            content="",
            created_at=5.0,
            id="m5",
            model="qwen-plus",
            provider="dashscope",
            status="error",
            error="DashScope: The API key was rejected (401).",
        ),
    ]
    return session


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SessionStore]:
    """A store on tmp_path, closed after the test."""
    s = SessionStore(tmp_path / "data" / "sessions", tmp_path / "data" / "session-index.json")
    yield s
    s.close()


def new_store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "data" / "sessions", tmp_path / "data" / "session-index.json")


# -- Session <-> dict ---------------------------------------------------------------------------


def test_round_trip_every_field() -> None:
    session = full_session()
    data = session.to_dict()
    assert json.loads(json.dumps(data)) == data  # plain JSON types only
    assert Session.from_dict(data) == session
    assert data["version"] == PLAIN_FORMAT_VERSION


def test_json_mode_is_written_only_when_on_and_read_tolerantly() -> None:
    on = Message(role="assistant", content="{}", json_mode=True).to_dict()
    assert on["json_mode"] is True
    assert "json_mode" not in Message(role="assistant", content="{}").to_dict()
    assert "json_mode" not in Message(role="user", content="{}", json_mode=True).to_dict()
    assert Message.from_dict(on).json_mode
    for odd in ("yes", 1, None, [True]):
        assert not Message.from_dict({**on, "json_mode": odd}).json_mode


def test_usage_round_trip_optional_counts() -> None:
    assert Usage.from_dict(Usage(1, 2, 3).to_dict()) == Usage(1, 2, 3)
    full = Usage(1, 2, 3, reasoning_tokens=4, cached_tokens=5)
    assert Usage.from_dict(full.to_dict()) == full
    assert Usage.from_dict("nope") is None
    assert Usage.from_dict({"prompt_tokens": True, "completion_tokens": "3"}) == Usage(0, 0, 0)


def test_user_messages_have_no_reply_fields() -> None:
    data = Message(role="user", content="q").to_dict()
    assert set(data) == {"id", "role", "content", "created_at", "parent_id"}


def test_from_dict_tolerates_missing_optional_fields() -> None:
    session = Session.from_dict(
        {"id": "s1", "messages": [{"role": "user"}, {"role": "assistant", "content": "a"}]}
    )
    assert session.id == "s1"
    assert session.provider == ""
    assert session.model == ""
    assert session.system_prompt == ""
    assert session.title == NEW_SESSION_TITLE
    assert session.title_is_custom is False
    assert session.created_at == 0.0
    user, reply = session.messages
    assert user.content == ""
    assert user.id  # a fresh id
    assert reply.status == "complete"
    assert reply.usage is None
    assert reply.reasoning == ""
    assert reply.finish_reason is None
    assert Session.from_dict({"id": "s2"}).messages == []


def test_from_dict_drops_non_dict_messages() -> None:
    session = Session.from_dict(
        {"id": "s1", "messages": ["text", 3, None, ["x"], {"role": "user", "content": "kept"}]}
    )
    assert [m.content for m in session.messages] == ["kept"]


def test_from_dict_rejects_unknown_role() -> None:
    with pytest.raises(ValueError, match="role"):
        Session.from_dict({"id": "s1", "messages": [{"role": "tool", "content": "x"}]})


@pytest.mark.parametrize(
    "data",
    [
        [],
        "session",
        None,
        {"messages": []},  # no id
        {"id": "", "messages": []},
        {"id": "s", "messages": "not a list"},
        {"id": "s", "version": SESSION_FORMAT_VERSION + 1},
        {"id": "s", "version": "1"},
    ],
)
def test_from_dict_rejects_non_sessions(data: Any) -> None:
    with pytest.raises(ValueError):
        Session.from_dict(data)


def test_from_dict_rejects_newer_version() -> None:
    with pytest.raises(ValueError, match="newer"):
        Session.from_dict({"id": "s", "version": SESSION_FORMAT_VERSION + 1})


def test_streaming_status_becomes_stopped() -> None:
    message = Message.from_dict({"role": "assistant", "content": "half", "status": "streaming"})
    assert message.status == "stopped"
    assert message.content == "half"
    assert Message.from_dict({"role": "assistant", "status": "weird"}).status == "complete"


def test_from_dict_strips_control_sequences() -> None:
    session = Session.from_dict(
        {
            "id": "s",
            "title": "\x1b]0;pwned\x07Title\nline two",
            "system_prompt": "be \x1b[31mnice\x1b[0m",
            "messages": [
                {"role": "assistant", "content": "a\x1b[2Jb", "reasoning": "r\x07", "error": "\x9b"}
            ],
        }
    )
    assert session.title == "Title line two"
    assert session.system_prompt == "be nice"
    reply = session.messages[0]
    assert (reply.content, reply.reasoning, reply.error) == ("ab", "r", None)


# -- titles and usage ---------------------------------------------------------------------------


def test_title_from_first_user_message() -> None:
    session = Session(provider="p", model="m")
    assert session.title == NEW_SESSION_TITLE
    session.add(Message(role="user", content="\n   \n  How do I \x1b[31mparse\x1b[0m TOML?\nmore"))
    assert session.title == "How do I parse TOML?"
    session.add(Message(role="assistant", content="Like this."))
    session.add(Message(role="user", content="A different question"))
    assert session.title == "How do I parse TOML?"


def test_title_is_shortened() -> None:
    title = make_title("x" * 200)
    assert len(title) == TITLE_LENGTH
    assert title.endswith("…")
    chinese = make_title("中" * 100)
    assert len(chinese) == TITLE_LENGTH
    assert make_title("   \n\t\n") == NEW_SESSION_TITLE
    assert make_title("\x1b[0m\nreal") == "real"


def test_rename_is_sticky() -> None:
    session = Session(provider="p", model="m")
    session.rename("  My  \x1b[1mchat\x1b[0m ")
    assert session.title == "My chat"
    assert session.title_is_custom is True
    session.add(Message(role="user", content="first question"))
    assert session.title == "My chat"
    session.rename("")
    assert session.title == NEW_SESSION_TITLE


def test_rename_after_first_message() -> None:
    session = Session(provider="p", model="m")
    session.add(Message(role="user", content="first question"))
    session.rename("Renamed")
    session.add(Message(role="user", content="second"))
    assert session.title == "Renamed"
    assert Session.from_dict(session.to_dict()).title_is_custom is True


def test_add_touches_updated_at() -> None:
    session = Session(provider="p", model="m", updated_at=0.0)
    session.add(Message(role="user", content="q"))
    assert session.updated_at > 0.0
    assert session.last_reply is None
    reply = session.add(Message(role="assistant", content="a"))
    assert session.last_reply is reply
    assert session.user_turns() == 1


def test_total_usage() -> None:
    session = full_session()
    total = session.total_usage()
    assert (total.prompt_tokens, total.completion_tokens, total.total_tokens) == (11, 7, 18)
    assert Session(provider="p", model="m").total_usage() == Usage()


# -- store: files -------------------------------------------------------------------------------


REQUIRED_KEYS = {
    "version",
    "id",
    "title",
    "created_at",
    "updated_at",
    "provider",
    "model",
    "system_prompt",
    "messages",
}
REPLY_KEYS = {"reasoning", "usage", "model", "finish_reason", "status"}


def test_save_and_load_round_trip(store: SessionStore) -> None:
    session = full_session()
    store.save(session)
    assert store.load(session.id) == session


def test_saved_file_format(store: SessionStore, tmp_path: Path) -> None:
    session = full_session()
    store.save(session)
    path = tmp_path / "data" / "sessions" / f"{session.id}.json"
    assert store.path_for(session.id) == path
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data) >= REQUIRED_KEYS
    assert data["version"] == PLAIN_FORMAT_VERSION
    assert data["id"] == session.id
    assert data["provider"] == "dashscope"
    assert data["system_prompt"] == "You are terse."
    roles = [m["role"] for m in data["messages"]]
    assert roles == ["user", "assistant", "user", "assistant", "assistant"]
    for message in data["messages"]:
        if message["role"] == "assistant":
            assert set(message) >= REPLY_KEYS
    assert data["messages"][1]["usage"] == {
        "prompt_tokens": 10,
        "completion_tokens": 5,
        "total_tokens": 15,
        "reasoning_tokens": 3,
        "cached_tokens": 2,
    }
    assert data["messages"][1]["reasoning"] == "think think"
    # Chinese is stored as text, not \u escapes.
    assert "你好，世界" in path.read_text(encoding="utf-8")


def test_atomic_write_leaves_no_temp_files(store: SessionStore, tmp_path: Path) -> None:
    session = full_session()
    for i in range(5):
        session.add(Message(role="user", content=f"q{i}"))
        store.save(session)
    store.list_sessions()
    data_dir = tmp_path / "data"
    leftovers = [p for p in data_dir.rglob("*") if p.is_file() and p.suffix == ".tmp"]
    assert leftovers == []
    assert sorted(p.name for p in (data_dir / "sessions").iterdir()) == [f"{session.id}.json"]


@pytest.mark.parametrize("target", ["json.dumps", "os.replace", "os.fsync"])
def test_failed_save_keeps_previous_file(
    store: SessionStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    session = full_session()
    store.save(session)
    path = store.path_for(session.id)
    before = path.read_bytes()

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise OSError("disk on fire")

    session.add(Message(role="user", content="this must not land"))
    module, name = target.split(".")
    with monkeypatch.context() as patch:
        patch.setattr(f"{module}.{name}", boom)
        with pytest.raises(OSError, match="disk on fire"):
            store.save(session)
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left
    assert len(store.load(session.id).messages) == 5


def test_write_atomic_sets_mode(tmp_path: Path) -> None:
    from tui_chat.core.atomic import write_atomic

    target = tmp_path / "deep" / "er" / "secret.txt"
    write_atomic(target, "s3cret", mode=0o600)
    assert target.read_text() == "s3cret"
    assert target.stat().st_mode & 0o777 == 0o600
    write_atomic(target, b"bytes")
    assert target.read_bytes() == b"bytes"


def test_load_missing_session(store: SessionStore) -> None:
    with pytest.raises(SessionLoadError, match="gone"):
        store.load("nope")


def test_file_name_is_the_identity(store: SessionStore) -> None:
    session = full_session()
    store.save(session)
    copy = store.path_for("othername")
    copy.write_bytes(store.path_for(session.id).read_bytes())
    assert store.load("othername").id == "othername"


def test_api_keys_never_reach_the_session_file(store: SessionStore, tmp_path: Path) -> None:
    secret = "sk-THIS-MUST-NOT-LEAK-1234567890"
    config = ProviderConfig(
        name="inline", base_url="http://x/v1", api_key=secret, models=("m",), label="Inline"
    )
    session = Session(provider=config.name, model=config.model)
    session.add(Message(role="user", content="hi"))
    session.add(Message(role="assistant", content="hello", provider=config.name, model="m"))
    store.save(session)
    store.list_sessions()
    store.flush_index()
    for path in (tmp_path / "data").rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


# -- store: listing -----------------------------------------------------------------------------


def make_session(session_id: str, updated_at: float, title: str = "t") -> Session:
    session = Session(provider="p", model="m", id=session_id, title=title, title_is_custom=True)
    session.messages.append(Message(role="user", content=f"hello {session_id}"))
    session.updated_at = updated_at
    return session


def test_list_newest_first(store: SessionStore) -> None:
    for session_id, updated in [("old", 100.0), ("newest", 300.0), ("middle", 200.0)]:
        store.save(make_session(session_id, updated, title=f"title {session_id}"))
    summaries, problems = store.list_sessions()
    assert problems == []
    assert [s.id for s in summaries] == ["newest", "middle", "old"]
    assert summaries[0] == SessionSummary(
        id="newest",
        title="title newest",
        model="m",
        provider="p",
        updated_at=300.0,
        message_count=1,
    )


def test_list_empty_or_missing_folder(store: SessionStore) -> None:
    assert store.list_sessions() == ([], [])


def test_list_reports_corrupt_files(store: SessionStore) -> None:
    store.save(make_session("good1", 1.0))
    store.save(make_session("good2", 2.0))
    folder = store.sessions_dir
    (folder / "badjson.json").write_text('{"id": "badjson", "messages": [', encoding="utf-8")
    (folder / "array.json").write_text("[1, 2, 3]", encoding="utf-8")
    (folder / "binary.json").write_bytes(bytes(range(256)) * 4)
    (folder / "badrole.json").write_text(
        json.dumps({"id": "badrole", "messages": [{"role": "wizard"}]}), encoding="utf-8"
    )
    (folder / "notes.txt").write_text("ignored", encoding="utf-8")
    (folder / ".hidden.json").write_text("ignored", encoding="utf-8")

    summaries, problems = store.list_sessions()
    assert [s.id for s in summaries] == ["good2", "good1"]
    by_name = {p.path.name: p for p in problems}
    assert set(by_name) == {"badjson.json", "array.json", "binary.json", "badrole.json"}
    assert "JSON" in by_name["badjson.json"].problem
    assert "line 1" in by_name["badjson.json"].problem
    assert "not a tui-chat session" in by_name["array.json"].problem
    assert all(str(p).startswith(p.path.name) for p in problems)
    with pytest.raises(SessionLoadError):
        store.load("binary")


def test_index_is_written(store: SessionStore) -> None:
    store.save(make_session("a", 1.0, "Title A"))
    store.list_sessions()
    data = read_index_file(store.index_file)
    assert data["version"] == INDEX_VERSION
    assert data["count"] == 1 and data["head"][0]["title"] == "Title A"
    assert set(data["entries"]) == {"a"}
    assert data["entries"]["a"]["summary"]["title"] == "Title A"


def test_second_store_lists_from_the_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = new_store(tmp_path)
    for i in range(5):
        first.save(make_session(f"s{i}", float(i), f"title {i}"))
    expected, _ = first.list_sessions()
    first.close()
    assert first.index_file.exists()

    reads: list[Path] = []

    def no_parsing(self: SessionStore, path: Path) -> Session:
        reads.append(path)
        raise AssertionError(f"parsed {path.name} although the index is current")

    monkeypatch.setattr(SessionStore, "_read", no_parsing)
    second = new_store(tmp_path)
    try:
        summaries, problems = second.list_sessions()
        assert (summaries, problems) == (expected, [])
        assert reads == []
    finally:
        second.close()


def test_changed_file_is_reparsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = new_store(tmp_path)
    first.save(make_session("keep", 1.0, "unchanged"))
    first.save(make_session("edit", 2.0, "before"))
    first.list_sessions()
    first.close()

    # Another process rewrites one file: new size and mtime.
    path = first.path_for("edit")
    data = json.loads(path.read_text(encoding="utf-8"))
    data["title"] = "after the edit, longer"
    data["updated_at"] = 3.0
    path.write_text(json.dumps(data), encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))

    real_read = SessionStore._read
    reads: list[str] = []

    def counting_read(self: SessionStore, p: Path) -> Session:
        reads.append(p.name)
        return real_read(self, p)

    monkeypatch.setattr(SessionStore, "_read", counting_read)
    second = new_store(tmp_path)
    try:
        summaries, _ = second.list_sessions()
        assert reads == ["edit.json"]
        assert [(s.id, s.title) for s in summaries] == [
            ("edit", "after the edit, longer"),
            ("keep", "unchanged"),
        ]
    finally:
        second.close()


def test_same_size_new_mtime_is_reparsed(tmp_path: Path) -> None:
    first = new_store(tmp_path)
    first.save(make_session("s", 1.0, "aaaa"))
    first.list_sessions()
    first.close()
    path = first.path_for("s")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("aaaa", "bbbb"), encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    second = new_store(tmp_path)
    try:
        assert [s.title for s in second.list_sessions()[0]] == ["bbbb"]
    finally:
        second.close()


def test_deleted_file_leaves_the_list(store: SessionStore) -> None:
    store.save(make_session("a", 1.0))
    store.save(make_session("b", 2.0))
    assert len(store.list_sessions()[0]) == 2
    store.path_for("a").unlink()
    assert [s.id for s in store.list_sessions()[0]] == ["b"]
    entries = read_index_file(store.index_file)["entries"]
    assert set(entries) == {"b"}


@pytest.mark.parametrize(
    "index_text",
    [
        "not json",
        "[]",
        '{"version": 2, "count": 1, "head": []}\n{"entries": {"a": {"summary": {}}}}',
        '{"version": 1, "entries": {}}',
        '{"version": 99}',
    ],
)
def test_broken_index_is_rebuilt(tmp_path: Path, index_text: str) -> None:
    first = new_store(tmp_path)
    first.save(make_session("a", 1.0, "from file"))
    first.close()
    first.index_file.write_text(index_text, encoding="utf-8")
    second = new_store(tmp_path)
    try:
        assert [s.title for s in second.list_sessions()[0]] == ["from file"]
    finally:
        second.close()


# -- store: async saves ------------------------------------------------------------------------


async def test_save_async_keeps_call_order(
    store: SessionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[int] = []
    real_write = store_module.write_atomic

    def recording_write(path: Path, data: str | bytes, mode: int | None = None) -> None:
        if path.suffix == ".json" and path.parent == store.sessions_dir:
            written.append(len(json.loads(data)["messages"]))
        real_write(path, data, mode)

    monkeypatch.setattr(store_module, "write_atomic", recording_write)
    session = Session(provider="p", model="m")
    tasks = []
    for i in range(40):
        session.add(Message(role="user", content=f"message {i}"))
        tasks.append(asyncio.create_task(store.save_async(session)))
        await asyncio.sleep(0)  # the task takes its snapshot now
    await asyncio.gather(*tasks)
    assert written == list(range(1, 41))
    loaded = store.load(session.id)
    assert len(loaded.messages) == 40
    assert loaded.messages[-1].content == "message 39"


async def test_save_async_snapshot_is_taken_at_call(store: SessionStore) -> None:
    """Changes made after save_async started do not leak into that write."""
    session = Session(provider="p", model="m")
    session.add(Message(role="user", content="one"))
    task = asyncio.create_task(store.save_async(session))
    await asyncio.sleep(0)
    session.add(Message(role="user", content="two"))
    await task
    assert [m.content for m in store.load(session.id).messages] == ["one"]


async def test_close_waits_for_pending_writes(tmp_path: Path) -> None:
    """close() finishes queued writes and saves the index for the next run."""
    s = new_store(tmp_path)
    session = Session(provider="p", model="m")
    session.add(Message(role="user", content="q"))
    tasks = [asyncio.create_task(s.save_async(session)) for _ in range(3)]
    await asyncio.sleep(0)  # every write is queued on the writer thread
    s.close()
    assert s.path_for(session.id).exists()
    assert session.id in read_index_file(s.index_file)["entries"]
    await asyncio.gather(*tasks)


def test_summary_counts_the_current_path_not_every_branch(tmp_path: Path) -> None:
    from tui_chat.core.session import Message, Session
    from tui_chat.core.store.session_store import SessionStore

    store = SessionStore(tmp_path / "sessions", tmp_path / "index.json")
    session = Session(provider="p", model="m")
    question = session.add(Message(role="user", content="q"))
    session.add(Message(role="assistant", content="a"))
    session.fork(question, "q, edited")  # a second branch: 3 messages in the file, 1 on the path
    store.save(session)
    assert len(session.all_messages()) == 3 and len(session.messages) == 1
    listed, _ = store.list_sessions()
    assert listed[0].message_count == 1


def test_index_head_names_the_first_sessions_of_the_sidebar(
    store: SessionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The index's first line holds the count and the sessions the sidebar shows first
    (pinned, then newest), so a big start reads one short line before the first screen."""
    import tui_chat.core.store.summaries as summaries_module

    monkeypatch.setattr(summaries_module, "HEAD_SESSIONS", 2)
    for number, session_id in enumerate(["old", "mid", "new"]):
        store.save(make_session(session_id, float(number + 1)))
    store.set_pinned("old", True)
    store.list_sessions()
    store.flush_index()
    head, count = store.index_head()
    assert count == 3
    assert [(s.id, s.pinned) for s in head] == [("old", True), ("new", False)]
    store.index_file.write_text("garbage", encoding="utf-8")
    assert store.index_head() == ([], 0)
