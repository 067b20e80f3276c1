"""A broken or hostile file is reported as unreadable, never a crash (issue 20, item 3).

A 100,000-deep `[[[…]]]` made the json module raise RecursionError from the store and the
app ended at every start. Each reader of files the user (or anyone) can put in the data
folder now turns any failure of one file into "unreadable": the sessions, the two indexes
beside them, the embeddings cache, the trash, the model-list cache, the config and a
ChatGPT export.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from app_harness import make_app, wait_until, write_config
from textual.widgets import OptionList

from tui_chat.cli import main
from tui_chat.config.model import ConfigError
from tui_chat.config.parse import load_config
from tui_chat.config.provider import ProviderConfig
from tui_chat.core.context.embeddings import EmbeddingFiles
from tui_chat.core.search import INDEX_VERSION as SEARCH_INDEX_VERSION
from tui_chat.core.search import SearchIndex
from tui_chat.core.session import Message, Session
from tui_chat.core.store.session_store import SessionLoadError, SessionStore
from tui_chat.providers.models import ModelsCache
from tui_chat.ui.render.probes import notifications
from tui_chat.ui.screens.session_dialogs import TrashScreen
from tui_chat.ui.widgets.session_search import SearchResults

SEARCH_HEADER = json.dumps({"version": SEARCH_INDEX_VERSION}) + "\n"

DEPTH = 100_000
DEEP_ARRAY = "[" * DEPTH + "]" * DEPTH
DEEP_DICT = '{"a":' * DEPTH + "1" + "}" * DEPTH


def deep_in_a_message() -> str:
    """A session file whose one message holds a deeply nested dict."""
    return (
        '{"version": 2, "id": "deepmessage1", "messages": [{"id": "m", "role": "user", '
        f'"content": "hi", "usage": {DEEP_DICT}}}]}}'
    )


# Each of these made reading the file raise something other than ValueError or TypeError.
HOSTILE_SESSIONS = {
    "deeparray": DEEP_ARRAY,
    "deepmessage1": deep_in_a_message(),
    # Parsed fine; float() of it raises OverflowError.
    "hugenumber": json.dumps({"id": "hugenumber", "created_at": 10**400, "messages": []}),
    "hugesummary": json.dumps(
        {
            "id": "hugesummary",
            "messages": [{"id": "m", "role": "user", "content": "x"}],
            "summaries": [{"text": "s", "covers": ["m"], "created_at": 10**400}],
        }
    ),
    # More digits than int() takes from text: a ValueError that is not a JSONDecodeError.
    "longint": '{"id": "longint", "created_at": ' + "9" * 5000 + "}",
    "notutf8": b'{"id": "\xff\xfe"}',
}


def write_hostile_sessions(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in HOSTILE_SESSIONS.items():
        path = folder / f"{name}.json"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def good_session(session_id: str = "goodsession1") -> Session:
    session = Session(provider="local", model="test-model", id=session_id, title="Good one")
    session.add(Message(role="user", content="a good question"))
    session.add(Message(role="assistant", content="a good answer"))
    return session


def test_hostile_session_files_are_reported_not_raised(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "sessions", tmp_path / "session-index.json")
    store.save(good_session())
    write_hostile_sessions(store.sessions_dir)
    summaries, problems = store.list_sessions()
    assert [s.id for s in summaries] == ["goodsession1"]
    by_name = {p.path.stem: p.problem for p in problems}
    assert set(by_name) == set(HOSTILE_SESSIONS)
    assert by_name["deeparray"] == "it is nested too deeply to read"
    assert by_name["deepmessage1"] == "it is nested too deeply to read"
    assert "OverflowError" in by_name["hugenumber"]
    assert "OverflowError" in by_name["hugesummary"]
    assert "not valid JSON" in by_name["longint"]
    assert by_name["notutf8"] == "it is not UTF-8 text"
    assert all("\n" not in problem for problem in by_name.values())  # one line each
    for name in HOSTILE_SESSIONS:
        with pytest.raises(SessionLoadError):
            store.load(name)
    for name in ("deeparray", "deepmessage1", "notutf8"):  # `tui-chat export` reads these
        with pytest.raises(SessionLoadError):
            store.load_raw(name)
    store.close()


def test_extra_body_nested_too_deeply_to_copy_is_dropped(tmp_path: Path) -> None:
    """json takes ~900 levels; copying them (as the settings do) does not."""
    depth = 900
    nested = '{"a":' * depth + "1" + "}" * depth
    folder = tmp_path / "sessions"
    folder.mkdir()
    (folder / "deepsettings.json").write_text(
        '{"id": "deepsettings", "messages": [], "settings": {"extra_body": ' + nested + "}}",
        encoding="utf-8",
    )
    store = SessionStore(folder, tmp_path / "session-index.json")
    session = store.load("deepsettings")
    assert session.settings.extra_body == {}
    store.save(session)
    store.close()


@pytest.mark.parametrize(
    "content",
    [DEEP_ARRAY, DEEP_DICT, b"\xff\xfe\x00", '{"version": 2, "count": 5, "head": 7}'],
    ids=["deep-array", "deep-dict", "not-utf8", "wrong-shape"],
)
def test_hostile_session_index_is_rebuilt(tmp_path: Path, content: str | bytes) -> None:
    store = SessionStore(tmp_path / "sessions", tmp_path / "session-index.json")
    store.save(good_session())
    store.close()
    if isinstance(content, bytes):
        store.index_file.write_bytes(content)
    else:
        store.index_file.write_text(content + "\n" + content, encoding="utf-8")
    again = SessionStore(tmp_path / "sessions", tmp_path / "session-index.json")
    assert again.index_head() == ([], 0)
    summaries, problems = again.list_sessions()
    assert [s.id for s in summaries] == ["goodsession1"] and problems == []
    again.close()


@pytest.mark.parametrize(
    "content",
    [
        DEEP_ARRAY,
        SEARCH_HEADER + DEEP_DICT + "\n",
        SEARCH_HEADER.encode() + b"\xff\xfe\n",
        SEARCH_HEADER + '{"id": "x", "title": "t", "updated_at": 1, "mtime_ns": 1e999, '
        '"size": 1, "m": []}\n',
    ],
    ids=["deep-array", "deep-line", "not-utf8", "infinite-number"],
)
def test_hostile_search_index_is_rebuilt(tmp_path: Path, content: str | bytes) -> None:
    store = SessionStore(tmp_path / "sessions", tmp_path / "session-index.json")
    store.save(good_session())
    write_hostile_sessions(store.sessions_dir)  # not searchable, and no crash either
    store.close()
    index_file = tmp_path / "search-index.jsonl"
    if isinstance(content, bytes):
        index_file.write_bytes(content)
    else:
        index_file.write_text(content, encoding="utf-8")
    search = SearchIndex(index_file, tmp_path / "sessions")
    search.load()
    assert [hit.session_id for hit in search.search("good answer")] == ["goodsession1"]


def test_hostile_trash_files_are_listed_as_unreadable(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "sessions", tmp_path / "session-index.json")
    write_hostile_sessions(store.trash.trash_dir)
    listed = store.trash.list()
    assert {t.id for t in listed} == set(HOSTILE_SESSIONS)
    by_id = {t.id: t.title for t in listed}
    assert by_id["deeparray"] == "(unreadable file)"
    assert by_id["notutf8"] == "(unreadable file)"
    store.close()


@pytest.mark.parametrize(
    "content",
    [DEEP_ARRAY, DEEP_DICT, '{"model": "m", "entries": [1]}'],
    ids=["deep-array", "deep-dict", "wrong-shape"],
)
def test_hostile_embeddings_cache_is_recomputed(tmp_path: Path, content: str) -> None:
    files = EmbeddingFiles(tmp_path / "embeddings")
    files.folder.mkdir()
    files.path_for("s1").write_text(content, encoding="utf-8")
    assert files.load("s1", "m").entries == {}


@pytest.mark.parametrize(
    "content",
    [DEEP_ARRAY, '{"version": 1, "lists": 5}', '{"version": 1, "lists": [7]}'],
    ids=["deep-array", "lists-not-a-list", "list-not-of-objects"],
)
def test_hostile_models_cache_is_empty(tmp_path: Path, content: str) -> None:
    path = tmp_path / "models-cache.json"
    path.write_text(content, encoding="utf-8")
    assert ModelsCache(path).get(ProviderConfig(name="a", base_url="http://x/v1")) is None


def test_deeply_nested_config_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("a = " + DEEP_ARRAY + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert "nested too deeply" in str(raised.value)


def test_import_of_a_deep_file_reports_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "conversations.json"
    export.write_text(DEEP_ARRAY, encoding="utf-8")
    code = main(["--data-dir", str(tmp_path / "data"), "import", str(export)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.strip() == f"{export}: it is nested too deeply to read"
    assert "Traceback" not in err


def test_import_skips_a_conversation_of_an_unexpected_shape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def conversation(number: int, content: object) -> dict[str, object]:
        return {
            "id": f"conv-{number}",
            "title": f"Chat {number}",
            "current_node": "n1",
            "mapping": {
                "n1": {
                    "parent": None,
                    "message": {"id": "m1", "author": {"role": "user"}, "content": content},
                }
            },
        }

    export = tmp_path / "conversations.json"
    good = {"content_type": "text", "parts": ["hello"]}
    odd = {"content_type": ["not", "a", "name"], "parts": ["hello"]}  # unhashable: TypeError
    export.write_text(json.dumps([conversation(1, good), conversation(2, odd)]), encoding="utf-8")
    code = main(["--data-dir", str(tmp_path / "data"), "import", str(export)])
    out = capsys.readouterr().out
    assert code == 0
    assert "1 imported, 0 already imported, 1 skipped." in out
    assert "skipped #2 'Chat 2': it cannot be read (TypeError" in out


async def test_app_starts_with_hostile_files_in_the_data_folder(tmp_path: Path, server) -> None:
    """Every file of the data folder hostile, and one good session: the app starts, lists
    the good one, says which files it could not read, and its trash and search work."""
    data = tmp_path / "data"
    store = SessionStore(data / "sessions", data / "session-index.json")
    good = good_session()
    good.updated_at = time.time() - 3600  # older than the hostile ones: they would open first
    store.save(good)
    store.close()
    write_hostile_sessions(data / "sessions")
    write_hostile_sessions(data / "trash")
    for name in ("session-index.json", "search-index.jsonl", "models-cache.json"):
        (data / name).write_text(DEEP_ARRAY, encoding="utf-8")
    write_config(tmp_path / "config" / "config.toml", server.base_url)
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await wait_until(pilot, lambda: getattr(app.screen, "session", None) is not None)
        assert app.screen.session.id == "goodsession1"
        notes = [n for n in notifications(app) if n.title == "Unreadable sessions"]
        await wait_until(
            pilot, lambda: any(n.title == "Unreadable sessions" for n in notifications(app))
        )
        notes = [str(n.message) for n in notifications(app) if n.title == "Unreadable sessions"]
        assert "6 session file(s) could not be read" in notes[0]
        assert "deeparray.json: it is nested too deeply to read" in notes[0]
        await pilot.press("alt+s", *"good answer")
        results = app.screen.query_one(SearchResults)
        await wait_until(
            pilot,
            lambda: results.display
            and [hit.session_id for hit in results.hits] == ["goodsession1"],
        )
        await pilot.press("escape", "shift+f8")
        await wait_until(pilot, lambda: isinstance(app.screen, TrashScreen))
        assert app.screen.query_one(OptionList).option_count == len(HOSTILE_SESSIONS)
        await pilot.press("escape")
        await pilot.press("f3")  # reads the model-list cache
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
    assert app.return_code in (None, 0)
