"""Pilot tests of session operations: delete to the trash and restore, purge, rename,
duplicate, pin, search (Chinese) with the jump to the message, export, automatic titles."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from app_harness import (
    make_app,
    notices,
    notices_of,
    screen_text,
    type_and_send,
    wait_for_replies,
    wait_until,
    write_config,
)
from session_parts import save_session
from sse_server import Script
from textual.widgets import Input, OptionList

from tui_chat.core.session import Session
from tui_chat.core.store.trash import KEEP_SECONDS
from tui_chat.ui.screens.confirm import ConfirmScreen
from tui_chat.ui.screens.session_dialogs import ExportScreen, RenameScreen, TrashScreen
from tui_chat.ui.widgets.messages import MessageView
from tui_chat.ui.widgets.session_list import SessionList
from tui_chat.ui.widgets.session_search import SearchResults, SessionSearchInput

SIZE = (120, 35)


def said(app) -> str:
    """Every notification so far, one a line."""
    return "\n".join(notices(app))


def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def saved(
    tmp_path: Path, session_id: str, title: str, texts: list[str], updated_at: float
) -> Session:
    ids = [f"{session_id}-m{number}" for number in range(len(texts))]
    return save_session(tmp_path, session_id, title, texts, updated_at, ids)


def three_sessions(tmp_path: Path) -> None:
    now = time.time()
    saved(tmp_path, "aaaaaaaaaaaa", "Alpha talk", ["hi alpha", "hello alpha"], now - 30)
    saved(tmp_path, "bbbbbbbbbbbb", "Beta talk", ["hi beta", "hello beta"], now - 20)
    saved(tmp_path, "cccccccccccc", "Gamma talk", ["hi gamma", "hello gamma"], now - 10)


def session_file(tmp_path: Path, session_id: str) -> Path:
    return data_dir(tmp_path) / "sessions" / f"{session_id}.json"


def trash_file(tmp_path: Path, session_id: str) -> Path:
    return data_dir(tmp_path) / "trash" / f"{session_id}.json"


def titles(app) -> list[str]:
    return [item.title for item in app.screen.query_one(SessionList).items]


async def test_delete_goes_to_trash_and_restores(tmp_path: Path, server) -> None:
    three_sessions(tmp_path)
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.screen.session.id == "cccccccccccc"  # the newest opens
        await pilot.press("ctrl+s")  # the sidebar: keys act on the row under the cursor
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "Gamma talk" in str(app.screen.query_one("#question").render())
        await pilot.press("y")
        await wait_until(pilot, lambda: "Moved “Gamma talk” to the trash" in said(app))  # done
        assert not session_file(tmp_path, "cccccccccccc").exists()
        assert trash_file(tmp_path, "cccccccccccc").exists()
        assert titles(app) == ["Beta talk", "Alpha talk"]
        assert app.screen.session.id == "bbbbbbbbbbbb"  # the next one is shown
        assert "hello beta" in screen_text(app)

        # Restore it from the trash.
        await pilot.press("shift+f8")
        await wait_until(pilot, lambda: isinstance(app.screen, TrashScreen))
        listed = app.screen.query_one(OptionList)
        assert listed.option_count == 1
        assert "Gamma talk" in str(listed.get_option_at_index(0).prompt)
        assert "deleted " in str(listed.get_option_at_index(0).prompt)
        await pilot.press("enter")
        await wait_until(pilot, lambda: "Restored “Gamma talk”." in said(app))  # done
        assert session_file(tmp_path, "cccccccccccc").exists()
        assert app.screen.session.id == "cccccccccccc"
        assert not trash_file(tmp_path, "cccccccccccc").exists()
        assert "Gamma talk" in titles(app)
        assert "hello gamma" in screen_text(app)

    # After a restart it is listed again; the deleted-then-restored file is intact.
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert sorted(titles(app)) == ["Alpha talk", "Beta talk", "Gamma talk"]


async def test_deleting_the_open_streaming_session_stops_it_first(tmp_path: Path, server) -> None:
    server.enqueue(Script(content=["Partial ", "answer"], hold=True))
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "Tell me a long story")
        await wait_until(pilot, lambda: "Partial answer" in screen_text(app))
        session_id = app.screen.session.id
        await pilot.press("f8")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "will be stopped first" in str(app.screen.query_one("#question").render())
        await pilot.press("y")
        await wait_until(pilot, lambda: trash_file(tmp_path, session_id).exists())
        await wait_for_replies(pilot, app)
        assert not session_file(tmp_path, session_id).exists()
        assert titles(app) == []
        assert app.screen.session.id != session_id  # a new session is shown
    data = json.loads(trash_file(tmp_path, session_id).read_text("utf-8"))
    assert data["messages"][-1]["status"] == "stopped"
    assert data["messages"][-1]["content"] == "Partial answer"


async def test_trash_older_than_30_days_is_purged_at_start(tmp_path: Path, server) -> None:
    trash = data_dir(tmp_path) / "trash"
    trash.mkdir(parents=True)
    now = time.time()
    for name, age in (("old000000000", KEEP_SECONDS + 3600), ("new000000000", KEEP_SECONDS - 3600)):
        path = trash / f"{name}.json"
        path.write_text(json.dumps({"id": name, "title": name, "messages": []}), "utf-8")
        os.utime(path, (now - age, now - age))
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: not (trash / "old000000000.json").exists())
        assert (trash / "new000000000.json").exists()
        await pilot.press("shift+f8")
        await wait_until(pilot, lambda: isinstance(app.screen, TrashScreen))
        prompt = str(app.screen.query_one(OptionList).get_option_at_index(0).prompt)
        assert "new000000000" in prompt and "gone in 1 day" in prompt  # its last day


async def test_rename_duplicate_pin_persist_after_restart(tmp_path: Path, server) -> None:
    three_sessions(tmp_path)
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+s", "down")  # Beta, not the open session
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, RenameScreen))
        box = app.screen.query_one(Input)
        assert box.value == "Beta talk"
        box.value = "贝塔 renamed"
        await pilot.press("enter")
        await wait_until(pilot, lambda: "贝塔 renamed" in titles(app))
        assert app.screen.session.id == "cccccccccccc"  # the open session did not change
        await pilot.press("p")  # pin Beta (the cursor is still on it)
        await wait_until(pilot, lambda: titles(app)[0] == "贝塔 renamed")
        assert titles(app) == ["贝塔 renamed", "Gamma talk", "Alpha talk"]
        sidebar = app.screen.query_one(SessionList)
        assert "★ 贝塔 renamed" in sidebar.render_line(0).text

        # Duplicate the open session (Gamma) from the keyboard.
        app.screen.prompt.focus()
        await pilot.press("shift+f9")
        await wait_until(pilot, lambda: "Gamma talk (copy)" in titles(app))
        copy_id = app.screen.session.id
        assert copy_id != "cccccccccccc"
        assert "hello gamma" in screen_text(app)

    beta = json.loads(session_file(tmp_path, "bbbbbbbbbbbb").read_text("utf-8"))
    assert beta["title"] == "贝塔 renamed" and beta["title_is_custom"] is True
    assert beta["pinned"] is True
    copy = json.loads(session_file(tmp_path, copy_id).read_text("utf-8"))
    assert copy["title"] == "Gamma talk (copy)"
    assert [m["content"] for m in copy["messages"]] == ["hi gamma", "hello gamma"]

    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert titles(app)[0] == "贝塔 renamed"  # still pinned, first
        assert set(titles(app)) == {"贝塔 renamed", "Gamma talk (copy)", "Gamma talk", "Alpha talk"}
        # Unpin from the palette's key on the open session: open Beta, F9.
        await pilot.press("ctrl+s", "home", "enter")
        await wait_until(pilot, lambda: app.screen.session.id == "bbbbbbbbbbbb")
        await pilot.press("f10")
        await wait_until(pilot, lambda: titles(app)[0] != "贝塔 renamed")
    assert "pinned" not in json.loads(session_file(tmp_path, "bbbbbbbbbbbb").read_text("utf-8"))


async def test_search_finds_chinese_in_another_session_and_opens_at_it(
    tmp_path: Path, server
) -> None:
    now = time.time()
    texts = [f"Message number {n} about nothing in particular." for n in range(90)]
    texts[3] = "我们来讨论量子纠缠的奇妙性质，以及它和经典关联的区别。"
    saved(tmp_path, "longlonglong", "Physics notes", texts, now - 500)
    saved(tmp_path, "newnewnewnew", "Newest chat", ["hello", "hi there"], now)
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.screen.session.id == "newnewnewnew"
        await pilot.press("alt+s")
        box = app.screen.query_one(SessionSearchInput)
        assert box.has_focus
        await pilot.press(*"纠缠的奇妙")
        results = app.screen.query_one(SearchResults)
        await wait_until(pilot, lambda: results.display and results.option_count > 0)
        assert not app.screen.query_one(SessionList).display
        assert [hit.session_id for hit in results.hits] == ["longlonglong"]
        assert str(results.get_option_at_index(0).prompt) == "Physics notes"
        assert "纠缠的奇妙" in str(results.get_option_at_index(1).prompt)  # cut to the width
        assert "量子纠缠的奇妙性质" in results.hits[0].snippet
        assert "1 hit in 1 session" in str(app.screen.query_one("#sidebar-title").render())
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: app.screen.session.id == "longlonglong")
        assert app.screen.prompt.has_focus  # ready to type in the session found
        view = app.screen.query_one(MessageView)
        found = view.query(".-found")
        await wait_until(pilot, lambda: bool(view.query(".-found")))
        found = view.query(".-found").first()
        assert found.message.id == "longlonglong-m3"  # an early message, loaded on demand
        # Scrolled into view once laid out.
        await wait_until(
            pilot,
            lambda: found.region.area > 0
            and view.region.y <= found.region.y < view.region.bottom,
        )
        # Esc in the search box clears the search and brings the list back.
        await pilot.press("alt+s", "escape")
        assert box.value == ""
        assert app.screen.query_one(SessionList).display and not results.display

        # English, case-insensitive, title match.
        await pilot.press("alt+s", *"PHYSICS")
        await wait_until(pilot, lambda: results.display and len(results.hits) == 1)
        assert results.hits[0].message_id is None and results.option_count == 2
    index_file = data_dir(tmp_path) / "search-index.jsonl"
    assert index_file.exists()
    assert "量子纠缠" in index_file.read_text("utf-8")


async def test_export_markdown_from_the_app(tmp_path: Path, server) -> None:
    texts = ["第一问：你好吗？", "我很好，谢谢。", "Second question?", "Second answer."]
    saved(tmp_path, "expexpexpexp", "Export me", texts, time.time())
    target = tmp_path / "out" / "chat.md"
    target.parent.mkdir()
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("f12")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportScreen))
        box = app.screen.query_one(Input)
        assert box.value.endswith("tui-chat-export-me.md")
        box.value = str(target)
        await pilot.press("enter")
        await wait_until(pilot, target.exists)
        text = target.read_text("utf-8")
        assert text.startswith("# Export me\n")
        positions = [text.index(t) for t in texts]
        assert positions == sorted(positions)
        # Again: the existing file is only replaced after a yes.
        target.write_text("keep me", "utf-8")
        await pilot.press("f12")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportScreen))
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await pilot.pause()
        assert target.read_text("utf-8") == "keep me"


async def test_auto_title_after_first_reply(tmp_path: Path, server) -> None:
    write_config(
        tmp_path / "config" / "config.toml", server.base_url, "[defaults]\nauto_title = true\n"
    )
    server.enqueue(Script(content=["Entropy measures disorder."]))
    server.enqueue(Script(content=['Title: "Entropy and disorder explained."\n']))
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "what is entropy")
        await wait_for_replies(pilot, app)
        await wait_until(pilot, lambda: titles(app) == ["Entropy and disorder explained"])
        await wait_until(
            pilot, lambda: app.screen.session.title == "Entropy and disorder explained"
        )
    data = json.loads(next((data_dir(tmp_path) / "sessions").glob("*.json")).read_text("utf-8"))
    assert data["title"] == "Entropy and disorder explained"
    assert data["title_is_custom"] is False
    title_request = server.requests[-1]["json"]
    assert title_request["max_tokens"] == 40
    assert "what is entropy" in title_request["messages"][-1]["content"]


async def test_palette_search_opens_the_session_at_the_message(tmp_path: Path, server) -> None:
    from textual.command import CommandPalette

    now = time.time()
    saved(tmp_path, "oldoldoldold", "Old notes", ["关于缓存失效的讨论", "好的"], now - 100)
    saved(tmp_path, "newnewnewnew", "Newest chat", ["hello", "hi"], now)
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, app.store.search.ready.is_set)
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"search: 缓存失效")
        options = app.screen.query_one(OptionList)
        await wait_until(
            pilot,
            lambda: any(
                "Old notes" in str(options.get_option_at_index(i).prompt)
                for i in range(options.option_count)
            ),
        )
        assert "缓存失效" in str(options.get_option_at_index(0).prompt)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.session.id == "oldoldoldold")
        view = app.screen.query_one(MessageView)
        await wait_until(pilot, lambda: bool(view.query(".-found")))
        assert view.query(".-found").first().message.id == "oldoldoldold-m0"


async def test_many_sessions_show_the_index_first_then_the_checked_list(
    tmp_path: Path, monkeypatch
) -> None:
    """With thousands of sessions the start shows the index's list at once and checks the
    files in a thread: a file deleted or broken since the last run is dropped then, and
    said so."""
    import tui_chat.ui.widgets.sidebar as sidebar

    monkeypatch.setattr(sidebar, "CHECK_LATER_SESSIONS", 2)
    three_sessions(tmp_path)
    sessions = data_dir(tmp_path) / "sessions"
    (sessions / "aaaaaaaaaaaa.json").unlink()  # the index still lists it
    (sessions / "bbbbbbbbbbbb.json").write_text("{not json", encoding="utf-8")
    app = make_app(tmp_path, None)
    async with app.run_test(size=SIZE) as pilot:
        listed = app.screen.query_one(SessionList)

        def ids() -> set[str]:
            return {item.id for item in listed.items}

        await wait_until(pilot, lambda: ids() == {"cccccccccccc"})
        assert listed.current_id == "cccccccccccc"  # the newest opened at start
        await wait_until(
            pilot, lambda: any(n.title == "Unreadable sessions" for n in notices_of(app))
        )
        note = next(n for n in notices_of(app) if n.title == "Unreadable sessions")
        assert "bbbbbbbbbbbb.json" in str(note.message)
