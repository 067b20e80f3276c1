"""Session search lists every match (issue 18, item 4b): each hit in a session, its
snippet as read (no Markdown markup) with the match's exact place in it, CJK included;
an index of an older version is rebuilt."""

from __future__ import annotations

import json
from pathlib import Path

from tui_chat.core.markdown_plain import plain_text
from tui_chat.core.search import INDEX_VERSION, PER_SESSION, SearchIndex, first_per_session
from tui_chat.core.session import Message, Session
from tui_chat.core.store.session_store import SessionStore

REPLY = (
    "## 排序比较\n\n"
    "**归并排序**稳定，`merge_sort` 用 [归并](https://example.com/merge) 的办法。\n\n"
    "| 算法 | 复杂度 |\n|---|---|\n| 归并排序 | O(n log n) |\n| 快速排序 | O(n²) |\n\n"
    "```python\nxs = 归并(xs, **options)\n```\n"
)
MARKUP = ("**", "`", "#", "|", "](", "https://", "```")


def stored(tmp_path: Path, *sessions: tuple[str, list[str]]) -> SearchIndex:
    store = SessionStore(tmp_path / "sessions", tmp_path / "session-index.json")
    for number, (session_id, texts) in enumerate(sessions):
        session = Session(provider="p", model="m", id=session_id, title=f"排序 {session_id}")
        session.title_is_custom = True
        for n, text in enumerate(texts):
            role = "user" if n % 2 == 0 else "assistant"
            session.messages.append(Message(role=role, content=text, id=f"{session_id}-{n}"))
        session.updated_at = 1000.0 + number
        store.save(session)
    store.close()
    index = SearchIndex(tmp_path / "search-index.jsonl", tmp_path / "sessions")
    index.load()
    return index


def test_plain_text_drops_markup_and_keeps_code() -> None:
    text = plain_text(REPLY)
    assert text.splitlines()[0] == "排序比较"
    assert "归并排序稳定，merge_sort 用 归并 的办法。" in text
    assert "归并排序 · O(n log n)" in text and "---" not in text
    assert "xs = 归并(xs, **options)" in text  # code as written
    for mark in ("`", "](", "https://", "|", "#"):
        assert mark not in text, mark
    assert text.count("**") == 1  # the one in the code
    assert plain_text("snake_case_name a * b 3*4*5") == "snake_case_name a * b 3*4*5"
    assert plain_text("> quoted *em*\n- item\n1. first\n***") == "quoted em\nitem\nfirst\n"


def test_every_hit_in_each_session_with_exact_offsets(tmp_path: Path) -> None:
    index = stored(
        tmp_path,
        ("aaaaaaaaaaaa", ["第二个问题：**归并**排序呢？", REPLY]),
        ("bbbbbbbbbbbb", ["请比较排序算法", REPLY]),
    )
    hits = index.search("归并")
    # Newest session first; in each, every match in reading order.
    assert [(h.session_id, h.message_id) for h in hits] == [
        ("bbbbbbbbbbbb", "bbbbbbbbbbbb-1"),
        ("bbbbbbbbbbbb", "bbbbbbbbbbbb-1"),
        ("bbbbbbbbbbbb", "bbbbbbbbbbbb-1"),
        ("bbbbbbbbbbbb", "bbbbbbbbbbbb-1"),
        ("aaaaaaaaaaaa", "aaaaaaaaaaaa-0"),
        ("aaaaaaaaaaaa", "aaaaaaaaaaaa-1"),
        ("aaaaaaaaaaaa", "aaaaaaaaaaaa-1"),
        ("aaaaaaaaaaaa", "aaaaaaaaaaaa-1"),
        ("aaaaaaaaaaaa", "aaaaaaaaaaaa-1"),
    ]
    assert len({h.snippet for h in hits if h.session_id == "bbbbbbbbbbbb"}) == 4
    for hit in hits:
        assert hit.snippet[hit.match_start : hit.match_end] == "归并", hit
        assert "\n" not in hit.snippet
        for mark in MARKUP:
            if mark != "**" or "options" not in hit.snippet:  # in code: kept
                assert mark not in hit.snippet, (mark, hit.snippet)
    assert hits[4].snippet == "第二个问题：归并排序呢？"
    assert [h.session_id for h in first_per_session(hits)] == ["bbbbbbbbbbbb", "aaaaaaaaaaaa"]


def test_snippets_keep_the_case_and_the_match_in_sight(tmp_path: Path) -> None:
    long = "前" * 100 + "Merge Sort" + "后" * 100
    index = stored(tmp_path, ("cccccccccccc", [long, "ok"]))
    (hit,) = index.search("merge SORT")
    assert hit.snippet[hit.match_start : hit.match_end] == "Merge"
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert len(hit.snippet) <= 125


def test_hits_are_capped_per_session(tmp_path: Path) -> None:
    index = stored(tmp_path, ("dddddddddddd", ["归并 " * 100, "ok"]))
    assert len(index.search("归并")) == PER_SESSION
    assert len(index.search("归并 ok")) == 1  # no message holds both: one hit, as before


def test_an_index_of_an_older_version_is_rebuilt(tmp_path: Path) -> None:
    stored(tmp_path, ("eeeeeeeeeeee", ["**粗体**的问题", "ok"]))
    file = tmp_path / "search-index.jsonl"
    lines = file.read_text("utf-8").splitlines()
    assert json.loads(lines[0]) == {"version": INDEX_VERSION}
    # An index written before markup was removed: it still holds the `**`.
    old = [json.dumps({"version": INDEX_VERSION - 1})] + [
        line.replace("粗体的问题", "**粗体**的问题") for line in lines[1:]
    ]
    file.write_text("\n".join(old) + "\n", "utf-8")
    again = SearchIndex(file, tmp_path / "sessions")
    again.load()
    assert again.search("**") == []
    assert [h.snippet for h in again.search("粗体")] == ["粗体的问题"]
