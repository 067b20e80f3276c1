"""One worker error policy: no worker can close the app; a failure shows one line and its
traceback goes to a private, rotated log without any key in it."""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import pkgutil
import stat
from pathlib import Path

import pytest
from app_harness import make_app, type_and_send, wait_for_replies, wait_until, write_config
from sse_server import Script
from textual.app import App
from textual.dom import DOMNode

import tui_chat
from tui_chat.config.keys import redact_secrets
from tui_chat.core.search import SearchIndex
from tui_chat.services import error_log
from tui_chat.ui.render.probes import notifications

KEY = "sk-test-0123456789abcdefXYZ"
SOURCE = Path(tui_chat.__file__).parent


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def notes(app: App[None]) -> list[str]:
    return [str(n.message) for n in notifications(app)]


async def test_a_failing_worker_shows_one_line_logs_the_traceback_and_the_app_goes_on(
    tmp_path: Path, server, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config" / "config.toml"
    write_config(config, server.base_url, 'api_key_env = "LOCAL_KEY"\n')

    def broken_search(self: SearchIndex, query: str, limit: int = 0) -> list[object]:
        raise RuntimeError(f"search broke near {KEY} (Authorization: Bearer {KEY})")

    monkeypatch.setattr(SearchIndex, "search", broken_search)  # a bug in a real worker's work
    old_umask = os.umask(0o022)
    server.enqueue(Script(content=["First answer."]), Script(content=["Still here."]))
    app = make_app(tmp_path, server, environ={"LOCAL_KEY": KEY})
    log_file = app.paths.log_file
    try:
        async with app.run_test(size=(120, 35)) as pilot:
            await type_and_send(pilot, "before the bug")
            await wait_for_replies(pilot, app)
            await pilot.press("alt+s", *"before")  # the search runs in a thread worker
            await wait_until(pilot, lambda: any("search broke" in n for n in notes(app)))
            for shown in [n for n in notes(app) if "search broke" in n]:
                assert "\n" not in shown
                assert shown.startswith("Unexpected error in session-search: RuntimeError:")
                assert shown.endswith(f"details in {log_file}")
                assert KEY not in shown
            # The app is still running and answers the next message.
            assert app.is_running and app.return_code is None
            await type_and_send(pilot, "after the bug")
            await wait_for_replies(pilot, app)
            assert app.screen.session.messages[-1].content == "Still here."
    finally:
        os.umask(old_umask)
    assert log_file.parent == tmp_path / "data" / "logs"  # --data-dir keeps the log there
    text = log_file.read_text("utf-8")
    assert "worker 'session-search' of Sidebar failed" in text
    assert "Traceback (most recent call last)" in text
    assert "in broken_search" in text and "RuntimeError: search broke near" in text
    assert KEY not in text and "0123456789abcdef" not in text
    assert mode(log_file) == 0o600 and mode(log_file.parent) == 0o700


def test_the_log_rotates_and_every_file_is_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(error_log, "MAX_BYTES", 2000)
    log_file = tmp_path / "logs" / "tui-chat.log"
    old_umask = os.umask(0o022)
    try:
        for number in range(20):
            try:
                raise ValueError(f"failure {number} " + "x" * 300)
            except ValueError as error:
                error_log.write(log_file, f"worker {number} failed", error, [])
    finally:
        os.umask(old_umask)
    files = sorted(log_file.parent.iterdir())
    assert [f.name for f in files] == ["tui-chat.log", "tui-chat.log.1", "tui-chat.log.2"]
    assert all(mode(f) == 0o600 for f in files)
    assert all(f.stat().st_size <= 2000 for f in files)
    assert "failure 19" in log_file.read_text("utf-8")


def test_redact_masks_known_keys_and_key_shaped_text() -> None:
    said = redact_secrets(
        "key plainsecretvalue1234 sk-or-v1-abcdefghijklmnop Authorization: Bearer tok123456",
        ["plainsecretvalue1234"],
    )
    assert "plainsecretvalue1234" not in said and "…1234" in said
    assert "abcdefghijklmnop" not in said and "sk-…mnop" in said
    assert "tok123456" not in said


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _worker_calls(tree: ast.AST) -> list[ast.expr]:
    """Every `….run_worker(...)` call and every `@work` / `@work(...)` decorator."""
    found: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _name(node.func) == "run_worker":
            found.append(node)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                if _name(target) == "work":
                    found.append(decorator)
    return found


def test_every_worker_is_started_with_exit_on_error_false() -> None:
    """A bug in a worker must not close the app (Textual's default): a new worker cannot
    forget it."""
    missing = []
    count = 0
    for path in sorted(SOURCE.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for call in _worker_calls(tree):
            count += 1
            keywords = call.keywords if isinstance(call, ast.Call) else []
            if not any(
                k.arg == "exit_on_error"
                and isinstance(k.value, ast.Constant)
                and k.value.value is False
                for k in keywords
            ):
                missing.append(f"{path.relative_to(SOURCE.parent)}:{call.lineno}")
    assert count >= 20  # the scan finds the workers
    assert missing == []


def _passes_failures_to_app(cls: type) -> bool:
    """Exactly one class of `cls` has an `on_worker_state_changed` that calls
    `pass_failure_to_app` (Textual runs the handler of every class in the MRO: two would
    report a failure twice)."""
    handlers = [
        c.__dict__["on_worker_state_changed"]
        for c in cls.__mro__
        if "on_worker_state_changed" in c.__dict__
    ]
    passing = [h for h in handlers if "pass_failure_to_app(" in inspect.getsource(h)]
    return len(passing) == 1


def test_every_screen_and_widget_that_starts_workers_passes_failures_to_the_app() -> None:
    """Textual posts Worker.StateChanged only to the node that started the worker; without
    `pass_failure_to_app` in its handler the App's one handler would never see its
    failures."""
    for info in pkgutil.walk_packages(tui_chat.__path__, "tui_chat."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    nodes: list[type] = []
    pending: list[type] = [DOMNode]
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        if cls.__module__.startswith("tui_chat."):
            nodes.append(cls)
    starters = []
    for cls in nodes:
        own = [c for c in cls.__mro__ if c.__module__.startswith("tui_chat.")]
        source = "".join(inspect.getsource(c) for c in own)
        if "run_worker(" in source or "@work" in source:
            starters.append(cls)
            assert issubclass(cls, App) or _passes_failures_to_app(cls), cls
    assert len(starters) >= 7
