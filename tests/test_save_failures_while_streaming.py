"""Saves that fail while a reply streams or while they are retried, seen in tmux with a
sessions folder that turned read-only: the reply goes on to its end, and the failure is
said once (the banner stays), not in a new toast every retry."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest
from app_harness import make_app, screen_text, type_and_send, wait_for_replies, wait_until
from sse_server import FakeOpenAIServer, Script

import tui_chat.core.store.session_store as store_module
import tui_chat.services.tool_loop as tool_loop_module
import tui_chat.ui.screens.unsaved as unsaved_module


class ReadOnlySessions:
    """write_atomic that fails (EPERM, as a folder made read-only) for session files
    holding `marker`, counting the failures."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, marker: str) -> None:
        self.failures = 0
        real = store_module.write_atomic

        def write_atomic(path: Path, data: str | bytes, mode: int | None = None) -> None:
            text = data if isinstance(data, str) else data.decode("utf-8", "replace")
            if path.parent.name == "sessions" and marker in text:
                self.failures += 1
                raise OSError(errno.EPERM, os.strerror(errno.EPERM), str(path) + ".tmp")
            real(path, data, mode)

        monkeypatch.setattr(store_module, "write_atomic", write_atomic)


async def test_a_checkpoint_save_that_fails_does_not_end_the_reply(
    tmp_path: Path, server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every event is a checkpoint: the first one after "part one" arrives fails.
    monkeypatch.setattr(tool_loop_module, "CHECKPOINT_SECONDS", 0.0)
    ReadOnlySessions(monkeypatch, marker="part one")
    server.enqueue(Script(content=["part one, ", "part two, ", "part three."]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_and_send(pilot, "question")
        await wait_for_replies(pilot, app)
        reply = app.screen.session.messages[-1]
        assert reply.content == "part one, part two, part three."
        assert reply.status == "complete", reply.error
        assert "part three." in screen_text(app)
        assert app.store.unsaved()  # kept in memory, marked, retried


async def test_a_retried_save_that_fails_again_is_not_told_again(
    tmp_path: Path, server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(unsaved_module, "RETRY_SECONDS", 0.05)
    disk = ReadOnlySessions(monkeypatch, marker="Kept in memory.")
    server.enqueue(Script(content=["Kept in memory."]))
    app = make_app(tmp_path, server)
    titles: list[Any] = []
    notify = app.notify

    def counting_notify(*args: Any, **kwargs: Any) -> None:
        titles.append(kwargs.get("title"))
        notify(*args, **kwargs)

    app.notify = counting_notify  # type: ignore[method-assign]
    async with app.run_test(size=(100, 30)) as pilot:
        await type_and_send(pilot, "hello")
        await wait_for_replies(pilot, app)
        await wait_until(pilot, lambda: disk.failures >= 5)  # the save and 4 retries
        await wait_until(pilot, lambda: "Not saved" in screen_text(app))
        assert titles.count("Not saved") == 1, titles
