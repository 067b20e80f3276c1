"""Side requests (titles, summaries) through the real SDK against the local server."""

from __future__ import annotations

import pytest
from sse_server import FakeOpenAIServer, Script
from test_provider_stream import make_provider

from tui_chat.core.side_requests import SideRequestError, ask_text

KEY_ENV = "TUI_CHAT_TEST_SIDE_KEY"


async def test_text_without_reasoning_or_control_codes(
    server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, "sk-side")
    server.enqueue(Script(reasoning=["hmm"], content=[" 周末\x1b[31m", "计划 "]))
    provider = make_provider(server.base_url, api_key_env=KEY_ENV)
    try:
        text = await ask_text(provider, "m", [{"role": "user", "content": "title?"}])
    finally:
        await provider.aclose()
    assert text == "周末计划"
    assert server.requests[-1]["json"]["messages"] == [{"role": "user", "content": "title?"}]


async def test_failure_is_one_safe_line(
    server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, "sk-side-secret")
    server.enqueue(Script(status=401))
    provider = make_provider(server.base_url, api_key_env=KEY_ENV)
    try:
        with pytest.raises(SideRequestError) as caught:
            await ask_text(provider, "m", [{"role": "user", "content": "x"}])
    finally:
        await provider.aclose()
    assert "sk-side-secret" not in caught.value.problem
    assert "\n" not in caught.value.problem
