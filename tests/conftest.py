"""Shared test setup: every test runs with private config/data folders and no provider keys."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from image_server import FakeImageServer
from sse_server import FakeOpenAIServer

from tui_chat.config.presets import PRESETS

# Variables that could make a test talk to a real provider or read the user's setup.
PROVIDER_ENV_VARS = sorted(
    {p.api_key_env for p in PRESETS.values() if p.api_key_env}
    | {
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "OPENAI_ORG_ID",
        "OPENAI_PROJECT_ID",
        "DASHSCOPE_API_KEY",
        "DEEPSEEK_API_KEY",
        "SILICONFLOW_API_KEY",
        "MODELSCOPE_API_KEY",
        "ZHIPUAI_API_KEY",
        "LKEAP_API_KEY",
        "OPENROUTER_API_KEY",
    }
)


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point XDG config/data at tmp_path and remove provider keys from the environment."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))  # the error log
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    for name in PROVIDER_ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    # No clipboard command reaches the user's clipboard (see tui_chat.services.clipboard).
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "TMUX"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    """A fresh OpenAI-compatible streaming server on 127.0.0.1."""
    with FakeOpenAIServer() as fake:
        yield fake


@pytest.fixture
def image_server() -> Iterator[FakeImageServer]:
    """A fresh server answering every image generation shape (and chat) on 127.0.0.1."""
    with FakeImageServer() as fake:
        yield fake
