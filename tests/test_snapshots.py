"""SVG snapshots of the main screen (pytest-textual-snapshot); time-varying parts are fixed."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from app_harness import make_app, write_config
from sse_server import FakeOpenAIServer

from tui_chat.core.session import Message, Session, Usage
from tui_chat.core.store.session_store import SessionStore

T0 = 1_735_700_000.0  # 2025-01-01, far enough back that the sidebar shows a date

REPLY = """\
Streaming means the server sends the answer **piece by piece**.

- 服务器一边生成一边发送
- The client renders each piece as it arrives

```python
async for chunk in stream:
    print(chunk.choices[0].delta.content, end="")
```

| Provider | Reasoning field |
|----------|-----------------|
| DeepSeek | `reasoning_content` |
| Ollama   | `reasoning` |
"""


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


def seed(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "data" / "sessions", tmp_path / "data" / "session-index.json")
    older = Session(provider="local", model="test-model", created_at=T0, updated_at=T0)
    older.add(Message(role="user", content="An older chat about TOML", created_at=T0))
    older.updated_at = T0
    store.save(older)
    session = Session(provider="local", model="test-model", created_at=T0 + 60)
    session.add(
        Message(role="user", content="什么是 streaming？Explain briefly.", created_at=T0 + 60)
    )
    session.add(
        Message(
            role="assistant",
            content=REPLY,
            reasoning="The user asks about streaming; answer in both languages.",
            created_at=T0 + 61,
            model="test-model",
            provider="local",
            usage=Usage(prompt_tokens=120, completion_tokens=96, total_tokens=216),
            finish_reason="stop",
            first_token_seconds=0.42,
            duration_seconds=1.6,
        )
    )
    session.updated_at = T0 + 120
    store.save(session)
    store.close()


@pytest.fixture
def seeded_app(tmp_path: Path):
    with FakeOpenAIServer() as server:
        write_config(tmp_path / "config" / "config.toml", server.base_url)
        seed(tmp_path)
        yield make_app(tmp_path, server)


def test_main_screen(snap_compare, seeded_app) -> None:
    assert snap_compare(seeded_app, terminal_size=(120, 35))


def test_main_screen_narrow(snap_compare, seeded_app) -> None:
    assert snap_compare(seeded_app, terminal_size=(80, 24))


def test_keys_screen(snap_compare, seeded_app) -> None:
    assert snap_compare(seeded_app, press=["f1"], terminal_size=(100, 35))
