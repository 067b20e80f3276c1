"""Everything tui-chat writes is private: files 0600 and the folders it creates 0700, whatever
the umask. Sessions, the search index and caches hold the user's messages."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_harness import make_app, type_and_send, wait_for_replies, wait_until, write_config
from sse_server import Script
from textual.widgets import Input

from tui_chat import cli
from tui_chat.core.atomic import open_private, private_dir, write_atomic
from tui_chat.core.search import SearchIndex
from tui_chat.core.session import Message, Session
from tui_chat.core.settings import ChatSettings
from tui_chat.core.store.session_store import SessionStore
from tui_chat.core.store.trash import Trash
from tui_chat.ui.screens.confirm import ConfirmScreen
from tui_chat.ui.screens.session_dialogs import ExportScreen
from tui_chat.ui.screens.settings import SessionSettingsScreen


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The most common umask, under which plain `open` and `mkdir` give 0644 and 0755."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def recall_session() -> Session:
    """A session whose next request recalls old turns by embeddings (an embeddings cache)."""
    session = Session(
        provider="local",
        model="test-model",
        settings=ChatSettings(context_strategy="recall", context_turns=1),
    )
    for topic in ["giraffe", "volcano", "violin", "glacier"]:
        session.add(Message(role="user", content=f"{topic} {topic} {topic}"))
        session.add(Message(role="assistant", content=f"{topic} {topic} notes"))
    return session


async def test_everything_a_session_of_use_writes_is_private(
    tmp_path: Path, server, umask_022: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `tui-chat config init` into folders that do not exist yet.
    fresh = tmp_path / "fresh" / "tui-chat" / "config.toml"
    assert cli.main(["--config", str(fresh), "config", "init"]) == 0
    made_by_test = {tmp_path, tmp_path / "config"}
    config = write_config(
        tmp_path / "config" / "config.toml", server.base_url, 'embedding_model = "test-embed"\n'
    )
    data = tmp_path / "data"
    store = SessionStore(data / "sessions", data / "session-index.json")
    store.save(recall_session())
    store.close()

    def broken_purge(self: Trash, now: float | None = None) -> int:
        raise RuntimeError("the purge broke")

    monkeypatch.setattr(Trash, "purge", broken_purge)  # a bug, for the log
    server.models = ["test-model", "other-model"]
    server.enqueue(Script(content=["Volcanoes, again."]))
    app = make_app(tmp_path, server)
    log_file = app.paths.log_file
    async with app.run_test(size=(120, 35)) as pilot:
        await wait_until(pilot, (data / "search-index.jsonl").exists)
        await wait_until(pilot, log_file.exists)
        await type_and_send(pilot, "volcano volcano")
        await wait_for_replies(pilot, app)
        assert list((data / "embeddings").glob("*.json"))

        await pilot.press("f3")  # the model picker fetches and caches the list
        await wait_until(pilot, (data / "models-cache.json").exists)
        await pilot.press("escape")

        export = tmp_path / "exports" / "chat.md"
        await pilot.press("f12")
        await wait_until(pilot, lambda: isinstance(app.screen, ExportScreen))
        app.screen.query_one(Input).value = str(export)
        await pilot.press("enter")
        await wait_until(pilot, export.exists)

        await pilot.press("f2")  # save these settings as the defaults: config.toml and .bak
        await wait_until(pilot, lambda: isinstance(app.screen, SessionSettingsScreen))
        app.screen.query_one("#save-defaults").focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(pilot, (config.parent / "config.toml.bak").exists)
        await wait_until(pilot, lambda: isinstance(app.screen, SessionSettingsScreen))
        await pilot.press("escape")

        await pilot.press("f8")  # delete the session: into the trash
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(pilot, lambda: any((data / "trash").glob("*.json")))

    files, folders = [], []
    for root, dirs, names in os.walk(tmp_path):
        folders += [Path(root) / d for d in dirs]
        files += [Path(root) / n for n in names]
    relative = {str(p.relative_to(tmp_path)) for p in files}
    expected = {
        "fresh/tui-chat/config.toml",
        "config/config.toml",
        "config/config.toml.bak",
        "data/session-index.json",
        "data/search-index.jsonl",
        "data/models-cache.json",
        "data/logs/tui-chat.log",
        "exports/chat.md",
    }
    assert expected <= relative
    for folder in ("embeddings", "trash"):
        assert any(name.startswith(f"data/{folder}/") for name in relative)
    assert [str(p) for p in files if mode(p) != 0o600] == []
    assert [str(p) for p in folders if p not in made_by_test and mode(p) != 0o700] == []


def test_helpers_ignore_the_umask(tmp_path: Path) -> None:
    """Even a umask that would take the owner's own rights away gives 0600 and 0700."""
    old = os.umask(0o277)
    try:
        write_atomic(tmp_path / "a" / "b" / "file.json", "{}")
        with open_private(tmp_path / "c" / "log.txt") as out:
            out.write("line\n")
        private_dir(tmp_path / "d" / "e")
    finally:
        os.umask(old)
    assert mode(tmp_path / "a" / "b" / "file.json") == 0o600
    assert mode(tmp_path / "c" / "log.txt") == 0o600
    for folder in ("a", "a/b", "c", "d", "d/e"):
        assert mode(tmp_path / folder) == 0o700


def test_an_index_left_readable_by_an_older_version_is_made_private(tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    store = SessionStore(sessions, tmp_path / "session-index.json")
    store.save(recall_session())
    store.close()
    index_file = tmp_path / "search-index.jsonl"
    first = SearchIndex(index_file, sessions)
    first.load()
    index_file.chmod(0o644)
    SearchIndex(index_file, sessions).load()
    assert mode(index_file) == 0o600
