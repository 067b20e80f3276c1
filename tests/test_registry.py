"""The provider registry as the app uses it: describing providers without running key
commands, running them in a thread first, and taking a new config while replies stream."""

from __future__ import annotations

import asyncio
import shlex
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sse_server import FakeOpenAIServer

from tui_chat.config.keys import forget_keys
from tui_chat.config.model import Config
from tui_chat.config.provider import ProviderConfig
from tui_chat.core.session import Message, Session
from tui_chat.providers import KeyNotFetched, ProviderRegistry, ProviderUnavailable
from tui_chat.providers.events import ChatRequest, ProviderError, Retrying
from tui_chat.providers.openai_compat import OpenAICompatibleProvider
from tui_chat.services.live_reply import LiveReply

SECRET = "sk-registry-0123456789abcd"


@pytest.fixture(autouse=True)
def _fresh_key_cache() -> Iterator[None]:
    forget_keys()
    yield
    forget_keys()


def counting_command(tmp_path: Path, status: int = 0) -> tuple[str, Path]:
    runs = tmp_path / "runs.txt"
    command = f"echo run >> {shlex.quote(str(runs))}; echo {SECRET}; exit {status}"
    return command, runs


def runs_of(runs: Path) -> int:
    return len(runs.read_text().splitlines()) if runs.exists() else 0


def config_with(tmp_path: Path, **providers: ProviderConfig) -> Config:
    return Config(
        path=tmp_path / "config.toml",
        default_provider=next(iter(providers)),
        providers=providers,
    )


def test_describe_never_runs_a_key_command(tmp_path: Path) -> None:
    command, runs = counting_command(tmp_path)
    config = config_with(
        tmp_path,
        cmd=ProviderConfig(name="cmd", base_url="http://x/v1", api_key_cmd=command, label="Cmd"),
        env=ProviderConfig(name="env", base_url="http://y/v1", api_key_env="NOT_SET_HERE"),
    )
    registry = ProviderRegistry(config, environ={})
    view = registry.describe("cmd")
    assert (view.name, view.label, view.is_demo, view.problem) == ("cmd", "Cmd", False, None)
    assert view.key_pending and registry.key_pending("cmd")
    missing = registry.describe("env")
    assert not missing.is_demo and missing.name == "env"  # no demo stand-in
    assert missing.problem is not None
    assert "NOT_SET_HERE is not set" in missing.problem
    assert "export NOT_SET_HERE=" in missing.problem  # and how to fix it
    unknown = registry.describe("gone")
    assert not unknown.is_demo and unknown.name == "gone"
    assert unknown.problem is not None and "'gone' is not in" in unknown.problem
    assert registry.describe("demo").is_demo
    assert registry.has_any_key()  # the command counts until it has run
    assert runs_of(runs) == 0


def test_resolve_never_runs_a_key_command_and_never_stands_in_the_demo(tmp_path: Path) -> None:
    command, runs = counting_command(tmp_path)
    config = config_with(
        tmp_path,
        cmd=ProviderConfig(name="cmd", base_url="http://x/v1", api_key_cmd=command),
        env=ProviderConfig(name="env", base_url="http://y/v1", api_key_env="NOT_SET_HERE"),
    )
    registry = ProviderRegistry(config, environ={})
    with pytest.raises(KeyNotFetched):
        registry.resolve("cmd")
    with pytest.raises(ProviderUnavailable) as missing:
        registry.resolve("env")
    assert "NOT_SET_HERE is not set" in missing.value.problem
    with pytest.raises(ProviderUnavailable) as unknown:
        registry.resolve("gone")
    assert "'gone' is not in" in unknown.value.problem
    assert runs_of(runs) == 0


def test_prepare_key_runs_the_command_once_and_resolve_reports_a_failure(
    tmp_path: Path,
) -> None:
    command, runs = counting_command(tmp_path, status=3)
    config = config_with(
        tmp_path, cmd=ProviderConfig(name="cmd", base_url="http://x/v1", api_key_cmd=command)
    )
    registry = ProviderRegistry(config, environ={})
    lookup = registry.prepare_key("cmd")
    assert lookup is not None and not lookup.found
    with pytest.raises(ProviderUnavailable) as failed:  # the failed lookup: no second run
        registry.resolve("cmd")
    assert not isinstance(failed.value, KeyNotFetched)
    assert "exit status 3" in failed.value.problem
    assert "fix api_key_cmd in [providers.cmd]" in failed.value.problem
    assert SECRET not in failed.value.problem
    assert runs_of(runs) == 1
    assert registry.key_pending("cmd")  # a failure is not kept: the next send runs it again


async def test_resolve_async_runs_the_command_in_a_thread(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    command, runs = counting_command(tmp_path)
    config = config_with(
        tmp_path,
        local=ProviderConfig(name="local", base_url=server.base_url, api_key_cmd=command),
    )
    registry = ProviderRegistry(config, environ={})
    resolved = await registry.resolve_async("local")
    assert isinstance(resolved.provider, OpenAICompatibleProvider)
    assert runs_of(runs) == 1
    await registry.aclose()


async def test_reconfigure_retires_changed_providers_and_closes_them_when_idle(
    tmp_path: Path,
) -> None:
    same = ProviderConfig(name="same", base_url="http://a/v1")
    changed = ProviderConfig(name="changed", base_url="http://b/v1")
    gone = ProviderConfig(name="gone", base_url="http://c/v1")
    registry = ProviderRegistry(
        config_with(tmp_path, same=same, changed=changed, gone=gone), environ={}
    )
    kept = registry.resolve("same").provider
    old_changed = registry.resolve("changed").provider
    old_gone = registry.resolve("gone").provider
    assert isinstance(old_changed, OpenAICompatibleProvider)
    assert isinstance(old_gone, OpenAICompatibleProvider)
    old_changed._get_client()
    old_gone._get_client()
    new = config_with(
        tmp_path, same=same, changed=ProviderConfig(name="changed", base_url="http://b2/v1")
    )
    registry.reconfigure(new)
    assert registry.config is new
    assert registry.resolve("same").provider is kept
    fresh = registry.resolve("changed").provider
    assert fresh is not old_changed
    assert isinstance(fresh, OpenAICompatibleProvider)
    assert fresh.config.base_url == "http://b2/v1"
    # A reply still streams through the old "changed" provider: only "gone" is closed.
    await registry.close_retired(busy=[old_changed])
    assert old_gone._client is None
    assert old_changed._client is not None
    await registry.close_retired()
    assert old_changed._client is None
    await registry.aclose()


async def test_the_command_key_reaches_the_server_after_prepare(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    command, runs = counting_command(tmp_path)
    config = config_with(
        tmp_path,
        local=ProviderConfig(
            name="local", base_url=server.base_url, api_key_cmd=command, models=("m",)
        ),
    )
    registry = ProviderRegistry(config, environ={})
    assert registry.key_pending(None)
    await asyncio.to_thread(registry.prepare_key, None)
    assert not registry.key_pending(None)
    provider = registry.resolve(None).provider
    async for _event in provider.stream(ChatRequest("m", [{"role": "user", "content": "hi"}])):
        pass
    await registry.aclose()
    assert server.requests[0]["headers"]["authorization"] == f"Bearer {SECRET}"
    assert runs_of(runs) == 1


def test_live_progress_counts_down_a_retry_wait() -> None:
    session = Session(provider="p", model="m")
    live = LiveReply(session, Message(role="assistant"), "P", False)
    error = ProviderError("rate_limit", "Rate limited (429)", "Slow down.", 429, 5.0, True)
    live.retrying = Retrying(5.0, 2, 3, error)
    live.retrying_since = time.monotonic() - 2.0
    assert str(live.figures()).startswith("Rate limited (429): retrying in 3")
    assert str(live.figures()).endswith("(attempt 2 of 3)")
    live.retrying_since = time.monotonic() - 9.0
    assert str(live.figures()) == "Rate limited (429): retrying now (attempt 2 of 3)"
