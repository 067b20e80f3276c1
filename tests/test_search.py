"""The session search index: Chinese and case-folded substring search, incremental updates,
rebuilt when missing or stale, compaction, and what the store feeds it."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tui_chat.core.search import SearchIndex
from tui_chat.core.search_text import normalize, normalize_query
from tui_chat.core.session import Message, Session
from tui_chat.core.store.session_store import SessionStore


def make_store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "sessions", tmp_path / "session-index.json")


def add(store: SessionStore, session_id: str, title: str, *texts: str, updated: float = 0.0):
    session = Session(provider="p", model="m", id=session_id, title=title, title_is_custom=True)
    for number, text in enumerate(texts):
        role = "user" if number % 2 == 0 else "assistant"
        session.messages.append(Message(role=role, content=text, id=f"{session_id}-{number}"))
    session.updated_at = updated or session.updated_at
    store.save(session)
    return session


def fresh_index(tmp_path: Path) -> SearchIndex:
    index = SearchIndex(tmp_path / "search-index.jsonl", tmp_path / "sessions")
    index.load()
    return index


def test_normalize_keeps_positions() -> None:
    for text in ("Straße İstanbul ǅ", "ΣΊΣΥΦΟΣ", "量子纠缠 ABC", "ﬁle"):
        assert len(normalize(text)) == len(text)
    assert normalize("Hello WORLD") == "hello world"
    assert normalize("量子") == "量子"
    assert normalize_query("  Foo\tBAR \x1b[31m ") == ["foo", "bar", "[31m"]


def test_search_chinese_english_and_titles(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add(store, "s1", "Physics", "hello", "我们讨论量子纠缠的奇妙性质。", updated=100)
    add(store, "s2", "量子 notes", "Nothing here", updated=200)
    add(store, "s3", "Cooking", "How long to BOIL an egg?", "About nine minutes.", updated=300)
    store.close()
    index = fresh_index(tmp_path)
    hits = index.search("纠缠的奇妙")
    assert [(h.session_id, h.message_id) for h in hits] == [("s1", "s1-1")]
    assert "量子纠缠的奇妙性质" in hits[0].snippet
    # Title matches first, then newest.
    assert [h.session_id for h in index.search("量子")] == ["s2", "s1"]
    assert index.search("量子")[0].message_id is None
    # Case-folded; several terms must all be in the session, the message holding all wins.
    boil = index.search("boil EGG")
    assert [(h.session_id, h.message_id) for h in boil] == [("s3", "s3-0")]
    assert boil[0].snippet == "…ng to BOIL an egg?"  # as written (from the file)
    assert index.search("boil nine")[0].message_id == "s3-0"
    assert index.search("boil pasta") == []
    assert index.search("   ") == []


def test_updates_on_save_and_delete_reach_the_index_and_the_file(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add(store, "s1", "One", "first words")
    store.search.load()  # builds the file
    assert store.search.search("first")[0].session_id == "s1"
    session = add(store, "s1", "One", "first words", "brand new 回答")
    assert store.search.search("新 回答") == []
    assert store.search.search("回答")[0].message_id == "s1-1"
    store.trash_session(session.id)
    assert store.search.search("回答") == []
    store.close()
    # A new process: the file holds the final state, no session file is parsed for it.
    lines = (tmp_path / "search-index.jsonl").read_text("utf-8").splitlines()
    assert json.loads(lines[-1]) == {"id": "s1", "deleted": True}
    index = fresh_index(tmp_path)
    assert len(index) == 0


def test_load_reads_only_new_or_changed_files(tmp_path: Path, monkeypatch) -> None:
    store = make_store(tmp_path)
    for n in range(5):
        add(store, f"s{n}", f"Title {n}", f"text number {n}")
    store.close()
    fresh_index(tmp_path)  # builds the file
    # Change one file behind the index's back (another tool, or an older app version).
    path = tmp_path / "sessions" / "s3.json"
    data = json.loads(path.read_text("utf-8"))
    data["messages"][0]["content"] = "edited outside 外部编辑"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    os.utime(path, ns=(1, 1))
    read: list[str] = []
    original = SearchIndex._read_session

    def counting(self, file: Path, session_id: str):
        read.append(session_id)
        return original(self, file, session_id)

    monkeypatch.setattr(SearchIndex, "_read_session", counting)
    index = fresh_index(tmp_path)
    assert read == ["s3"]
    assert index.search("外部编辑")[0].session_id == "s3"
    assert index.search("number 3") == []
    assert len(index) == 5


def test_missing_or_damaged_index_is_rebuilt(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    add(store, "s1", "One", "alpha beta")
    store.close()
    index_file = tmp_path / "search-index.jsonl"
    fresh_index(tmp_path)
    with index_file.open("a", encoding="utf-8") as out:
        out.write('{"id": "s1", "title": "torn')  # a crash mid-append
    assert fresh_index(tmp_path).search("alpha")[0].session_id == "s1"
    index_file.write_text("not json at all\n", "utf-8")
    assert fresh_index(tmp_path).search("beta")[0].session_id == "s1"
    index_file.unlink()
    assert fresh_index(tmp_path).search("beta")[0].session_id == "s1"
    assert index_file.exists()


def test_compaction_when_most_lines_are_stale(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("tui_chat.core.search.FLUSH_SECONDS", 0.0)
    store = make_store(tmp_path)
    store.search.load()
    for n in range(150):
        add(store, "s1", "One", f"version {n}")
    store.close()
    index_file = tmp_path / "search-index.jsonl"
    assert len(index_file.read_text("utf-8").splitlines()) > 150
    index = fresh_index(tmp_path)
    assert index.search("version 149")[0].session_id == "s1"
    assert len(index_file.read_text("utf-8").splitlines()) == 2  # header + one session


def test_all_branches_of_a_tree_file_are_indexed(tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    sessions.mkdir()
    tree = {
        "version": 2,
        "id": "t1",
        "title": "Tree",
        "updated_at": 5.0,
        "current": "c",
        "messages": [
            {"id": "a", "role": "user", "content": "question", "parent_id": None},
            {"id": "b", "role": "assistant", "content": "old branch 旧答案", "parent_id": "a"},
            {"id": "c", "role": "assistant", "content": "new branch", "parent_id": "a"},
        ],
    }
    (sessions / "t1.json").write_text(json.dumps(tree, ensure_ascii=False), "utf-8")
    hit = fresh_index(tmp_path).search("旧答案")[0]
    assert (hit.session_id, hit.message_id) == ("t1", "b")


def test_sharp_s_is_found_as_itself(tmp_path: Path) -> None:
    """ß would fold to "ss" and shift every position after it: it is kept as ß (a known
    limit: "strasse" does not find "Straße")."""
    store = make_store(tmp_path)
    add(store, "s1", "German", "Die Straße ist lang")
    store.close()
    index = fresh_index(tmp_path)
    assert index.search("STRAßE")[0].session_id == "s1"
    assert index.search("straße ist")[0].snippet == "Die Straße ist lang"


def test_a_save_appends_only_what_changed(tmp_path: Path, monkeypatch) -> None:
    """A reply streaming in a long session (a save every 2 s) must not append the whole
    session's text at each save: the index once outgrew every session and filled a disk."""
    store = SessionStore(tmp_path / "sessions", tmp_path / "index.json", tmp_path / "search.jsonl")
    store.search.load()
    session = Session(provider="p", model="m")
    for n in range(100):
        session.add(Message(role="user", content=f"question {n} " + "长" * 1000))
    reply = session.add(Message(role="assistant", content=""))
    store.save(session)
    store.search.flush()
    index = tmp_path / "search.jsonl"
    before = index.stat().st_size
    for n in range(20):
        reply.content += f"片段{n} " * 20
        store.save(session)
        store.search.flush()
    grown = index.stat().st_size - before
    assert grown < 40 * len(reply.content.encode("utf-8"))  # far below 20 whole sessions
    assert grown < (before // 2)
    store.close()

    again = SearchIndex(index, tmp_path / "sessions")
    again.load()
    assert {h.session_id for h in again.search("片段19")} == {session.id}
    assert {h.session_id for h in again.search("question 3 ")} == {session.id}


def test_the_file_is_compacted_while_the_app_runs(tmp_path: Path, monkeypatch) -> None:
    import tui_chat.core.search as search_index

    monkeypatch.setattr(search_index, "COMPACT_SLACK_BYTES", 0)
    store = SessionStore(tmp_path / "sessions", tmp_path / "index.json", tmp_path / "search.jsonl")
    store.search.load()
    session = Session(provider="p", model="m")
    message = session.add(Message(role="user", content="x"))
    for n in range(30):
        message.content = f"version {n} " + "y" * 2000
        store.save(session)
        store.search.flush()
    store.close()
    lines = (tmp_path / "search.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) < 10
    again = SearchIndex(tmp_path / "search.jsonl", tmp_path / "sessions")
    again.load()
    assert again.search("version 29")


def test_tool_rounds_are_searchable_with_the_turn(tmp_path: Path) -> None:
    from tui_chat.core.search_text import RESULT_CHARS
    from tui_chat.core.tool_turns import ToolCall, ToolRound

    store = make_store(tmp_path)
    session = Session(provider="p", model="m", id="tools", title="Tools", title_is_custom=True)
    session.messages.append(Message(role="user", content="what is a tui?", id="q"))
    call = ToolCall(
        id="call_1",
        name="docs__lookup",
        arguments='{"word": "Kumquat"}',
        label="docs.lookup",
        status="ok",
        result="Terminal user interface. " + "x" * RESULT_CHARS + " beyond-the-cap",
    )
    round_ = ToolRound(content="Let me look it up in Zanzibar.", calls=[call])
    session.messages.append(
        Message(role="assistant", content="A TUI.", id="a", tool_rounds=[round_])
    )
    store.save(session)
    store.close()
    index = fresh_index(tmp_path)
    for query in ("zanzibar", "kumquat", "docs.lookup", "terminal user", "a tui."):
        hits = index.search(query)
        assert {(h.session_id, h.message_id) for h in hits} == {("tools", "a")}, query
    assert "Kumquat" in index.search("kumquat")[0].snippet  # as written, from the file
    assert index.search("beyond-the-cap") == []  # a long result is searchable in part
    # The final answer and the rounds' text are one message: terms from both match it.
    assert index.search("zanzibar tui.")[0].message_id == "a"
