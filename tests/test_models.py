"""Model lists from GET /models (against the local server), their cache in the data dir,
merging with the config's models, and the provider Test."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from sse_server import FakeOpenAIServer, Script

from tui_chat.config.paths import Paths
from tui_chat.config.provider import ProviderConfig
from tui_chat.providers import models
from tui_chat.providers.models import (
    ModelList,
    ModelsCache,
    ModelsError,
    cached_models,
    fetch_models,
    models_for,
    refresh_models,
)

KEY = "sk-test-0123456789abcdefKEYX"


def local(server: FakeOpenAIServer, **kwargs: object) -> ProviderConfig:
    fields: dict[str, object] = {
        "name": "local",
        "base_url": server.base_url,
        "api_key_env": "LOCAL_KEY",
        "models": ("test-model",),
        "timeout": 5.0,
        **kwargs,
    }
    return ProviderConfig(**fields)  # type: ignore[arg-type]


def free_port_url() -> str:
    """A base URL where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


# -- fetching ------------------------------------------------------------------------------


async def test_fetch_models_sorted_with_latency(server: FakeOpenAIServer) -> None:
    server.models = ["zeta", "alpha", "mid", "alpha"]
    result = await fetch_models(local(server), KEY)
    assert result.ids == ("alpha", "mid", "zeta")
    assert result.provider == "local"
    assert result.base_url == server.base_url
    assert 0 < result.latency_s < 5
    assert result.fetched_at > 0
    request = server.requests[-1]
    assert (request["method"], request["path"]) == ("GET", "/v1/models")
    assert request["headers"]["authorization"] == f"Bearer {KEY}"


async def test_fetch_models_not_listed(server: FakeOpenAIServer) -> None:
    server.models_status = 404
    with pytest.raises(ModelsError) as info:
        await fetch_models(local(server), KEY)
    assert info.value.not_listed
    assert info.value.error.status == 404
    assert "models named in the config" in str(info.value)


@pytest.mark.parametrize(
    ("status", "kind", "fragment"),
    [
        (401, "auth", "$LOCAL_KEY"),
        (429, "rate_limit", "try again"),
        (500, "server", "Server error"),
    ],
)
async def test_fetch_models_errors_in_plain_words(
    server: FakeOpenAIServer, status: int, kind: str, fragment: str
) -> None:
    server.models_status = status
    with pytest.raises(ModelsError) as info:
        await fetch_models(local(server), KEY)
    assert info.value.error.kind == kind
    assert not info.value.not_listed
    assert fragment in str(info.value)
    assert "ctrl+r" not in str(info.value)
    assert len(server.requests) == 1  # max_retries=0


async def test_fetch_models_unreachable() -> None:
    provider = ProviderConfig(name="gone", base_url=free_port_url(), timeout=3.0)
    with pytest.raises(ModelsError) as info:
        await fetch_models(provider, KEY)
    assert info.value.error.kind == "connection"
    assert "Traceback" not in str(info.value)


async def test_key_echoed_by_the_server_is_masked(server: FakeOpenAIServer) -> None:
    """Some servers quote the key they rejected; the message must not."""
    server.enqueue(
        Script(
            status=401,
            error_body={"error": {"message": f"Incorrect API key provided: {KEY}"}},
        )
    )
    server.models_status = 404  # no list: the Test falls back to a chat, which is refused
    result = await models.test_provider(local(server), KEY)
    assert result.ok is False
    assert result.method == "chat"
    assert KEY not in result.detail
    assert "sk-…KEYX" in result.detail
    assert result.error is not None and result.error.kind == "auth"
    assert KEY not in result.error.message and KEY not in result.error.title


# -- the provider Test -----------------------------------------------------------------------


async def test_test_provider_lists_models(server: FakeOpenAIServer) -> None:
    result = await models.test_provider(local(server), KEY)
    assert result.ok is True
    assert result.method == "models"
    assert result.models == ("gpt-4o", "gpt-4o-mini")
    assert "2 models" in result.detail
    assert result.latency_s > 0
    assert [r["path"] for r in server.requests] == ["/v1/models"]


async def test_test_provider_falls_back_to_a_one_token_chat(server: FakeOpenAIServer) -> None:
    server.models_status = 404
    provider = local(server, extra_body={"enable_thinking": False})
    result = await models.test_provider(provider, KEY)
    assert result.ok is True, result.detail
    assert result.method == "chat"
    assert result.latency_s > 0
    assert "test-model answered" in result.detail
    get, post = server.requests
    assert get["path"] == "/v1/models"
    assert post["path"] == "/v1/chat/completions"
    assert post["headers"]["authorization"] == f"Bearer {KEY}"
    body = post["json"]
    assert body["model"] == "test-model"
    assert body["max_tokens"] == 1
    assert body["stream"] is True
    assert body["enable_thinking"] is False  # the provider's extra_body goes along


@pytest.mark.parametrize("status", [405, 501])
async def test_other_no_list_statuses_fall_back(server: FakeOpenAIServer, status: int) -> None:
    server.models_status = status
    result = await models.test_provider(local(server), KEY)
    assert result.ok and result.method == "chat"


async def test_test_provider_reports_a_rejected_key(server: FakeOpenAIServer) -> None:
    server.models_status = 401
    result = await models.test_provider(local(server), KEY)
    assert result.ok is False
    assert result.method == "models"
    assert result.detail.startswith("The API key was rejected (401)")
    assert len(server.requests) == 1  # no chat after a real failure


async def test_test_provider_unreachable_never_raises() -> None:
    provider = ProviderConfig(name="gone", base_url=free_port_url(), timeout=3.0)
    result = await models.test_provider(provider, KEY)
    assert result.ok is False
    assert result.error is not None and result.error.kind == "connection"


# -- the cache -------------------------------------------------------------------------------


async def test_refresh_caches_in_the_data_dir_without_the_key(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    paths = Paths.resolve(tmp_path / "config.toml", tmp_path / "data")
    assert paths.models_cache_file == tmp_path / "data" / "models-cache.json"
    provider = local(server)
    assert cached_models(paths.models_cache_file, provider) is None
    fetched = await refresh_models(provider, KEY, paths.models_cache_file)
    cached = cached_models(paths.models_cache_file, provider)
    assert cached is not None
    assert cached.ids == fetched.ids == ("gpt-4o", "gpt-4o-mini")
    assert cached.fetched_at == fetched.fetched_at
    for file in (tmp_path / "data").rglob("*"):
        if file.is_file():
            assert KEY.encode() not in file.read_bytes(), file
            assert KEY[-10:].encode() not in file.read_bytes(), file
    data = json.loads(paths.models_cache_file.read_text())
    assert data["lists"][0]["provider"] == "local"


def test_cache_is_keyed_by_name_and_base_url(tmp_path: Path) -> None:
    cache = ModelsCache(tmp_path / "models-cache.json")
    a = ProviderConfig(name="a", base_url="http://one/v1")
    cache.put(ModelList("a", "http://one/v1", ("m1",), 1.0))
    cache.put(ModelList("b", "http://one/v1", ("m2",), 2.0))
    got = cache.get(a)
    assert got is not None and got.ids == ("m1",)
    moved = ProviderConfig(name="a", base_url="http://two/v1")
    assert cache.get(moved) is None  # another server: the old list does not apply
    cache.put(ModelList("a", "http://one/v1", ("m3",), 3.0))  # replaces, keeps b
    got = cache.get(a)
    assert got is not None and got.ids == ("m3",)
    b = cache.get(ProviderConfig(name="b", base_url="http://one/v1"))
    assert b is not None and b.ids == ("m2",)


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        "[]",
        '{"version": 99, "lists": []}',
        '{"version": 1, "lists": [{"provider": "a"}, 3]}',
    ],
)
def test_damaged_cache_is_empty_not_an_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "models-cache.json"
    path.write_text(content)
    a = ProviderConfig(name="a", base_url="http://one/v1")
    assert cached_models(path, a) is None
    ModelsCache(path).put(ModelList("a", "http://one/v1", ("m",), 1.0))  # and it recovers
    assert cached_models(path, a) is not None


def test_models_for_merges_config_and_cache() -> None:
    p = ProviderConfig(
        name="p", base_url="http://x/v1", models=("mine", "shared"), default_model="special"
    )
    cached = ModelList("p", "http://x/v1", ("a-listed", "shared", "z-listed"), 1.0)
    assert models_for(p, cached) == ("mine", "shared", "special", "a-listed", "z-listed")
    assert models_for(p) == ("mine", "shared", "special")  # the provider does not list
    bare = ProviderConfig(name="p", base_url="http://x/v1")
    assert models_for(bare) == ("default",)
    assert models_for(bare, cached) == ("a-listed", "shared", "z-listed")
