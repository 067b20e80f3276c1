"""The openai SDK takes about 0.3 s to import; the first request would wait for it before
it leaves. The app imports it on a thread once its first screen is up, when the default
provider needs it (not for the offline demo)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from app_harness import make_app, wait_until
from sse_server import FakeOpenAIServer

from tui_chat.providers.openai_compat import needs_sdk
from tui_chat.ui import app as app_module


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The threads `load_sdk` ran on (the real one runs too)."""
    seen: list[str] = []
    real = app_module.load_sdk

    def load_sdk() -> None:
        real()
        seen.append(threading.current_thread().name)

    monkeypatch.setattr(app_module, "load_sdk", load_sdk)
    return seen


async def test_the_sdk_is_imported_on_a_thread_after_start(
    tmp_path: Path, server: FakeOpenAIServer, loads: list[str]
) -> None:
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: bool(loads), 10)
        assert loads[0] != threading.main_thread().name


def test_only_the_offline_demo_does_without_it() -> None:
    assert not needs_sdk("demo")
    assert needs_sdk("local") and needs_sdk("deepseek")
