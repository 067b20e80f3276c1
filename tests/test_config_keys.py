"""API keys: api_key_cmd (run lazily, once, with a timeout), where a key comes from, masking,
and that a key never reaches a message or a file under the data dir."""

from __future__ import annotations

import shlex
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from app_harness import make_app, type_and_send, wait_for_replies, write_config
from config_parts import write
from sse_server import FakeOpenAIServer

from tui_chat.config.keys import (
    KeyCommandError,
    cached_key,
    forget_keys,
    mask_key,
    run_key_command,
)
from tui_chat.config.model import Config, ConfigError
from tui_chat.config.parse import load_config
from tui_chat.config.provider import PLACEHOLDER_KEY, ProviderConfig
from tui_chat.providers import ProviderRegistry, ProviderUnavailable
from tui_chat.providers.openai_compat import OpenAICompatibleProvider

SECRET = "sk-cmd-0123456789abcdefWXYZ"


@pytest.fixture(autouse=True)
def _fresh_key_cache() -> Iterator[None]:
    """Key commands are cached per process; every test starts without cached keys."""
    forget_keys()
    yield
    forget_keys()


def counting_command(tmp_path: Path, output: str = SECRET, status: int = 0) -> tuple[str, Path]:
    """A shell command that notes each run in a file, prints `output` and exits `status`."""
    runs = tmp_path / "runs.txt"
    cmd = f"echo run >> {shlex.quote(str(runs))}; printf '%s\\n' {shlex.quote(output)}"
    return f"{cmd}; exit {status}", runs


def run_count(runs: Path) -> int:
    return len(runs.read_text().splitlines()) if runs.exists() else 0


def provider(**kwargs: object) -> ProviderConfig:
    fields: dict[str, object] = {"name": "p", "base_url": "http://x/v1", **kwargs}
    return ProviderConfig(**fields)  # type: ignore[arg-type]


# -- masking ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        ("sk-0123456789abcdefa1b2", "sk-…a1b2"),
        ("sk-or-v1-0123456789abcdef9z9z", "sk-…9z9z"),
        ("ms-0123456789abcdefgh12", "ms-…gh12"),
        ("0123456789abcdef.ABCDEFGHij", "…GHij"),
        ("short-key", "…"),
        ("", ""),
    ],
)
def test_mask_key(key: str, shown: str) -> None:
    assert mask_key(key) == shown


def test_masked_key_never_holds_most_of_the_key() -> None:
    key = "sk-" + "x" * 40 + "tail"
    assert len(mask_key(key)) <= 8


# -- where the key comes from ------------------------------------------------------------------


def test_key_source_in_words() -> None:
    assert provider(api_key="sk-inline-123456789").key_source() == "api_key in the config"
    assert provider(api_key_env="MY_KEY").key_source() == "$MY_KEY"
    assert provider(api_key_cmd="pass show x").key_source() == "command `pass show x`"
    both = provider(api_key_env="MY_KEY", api_key_cmd=("op", "read", "op://v/k"))
    assert both.key_source() == "$MY_KEY, else command `op read op://v/k`"
    assert provider().key_source() == "none needed"


def test_lookup_reports_source_and_masked_key() -> None:
    lookup = provider(api_key_env="MY_KEY").lookup_key({"MY_KEY": SECRET})
    assert lookup.found and lookup.key == SECRET
    assert lookup.source == "$MY_KEY"
    assert lookup.masked == "sk-…WXYZ"
    missing = provider(api_key_env="MY_KEY").lookup_key({})
    assert not missing.found
    assert missing.problem == "MY_KEY is not set"
    assert missing.masked == ""
    none_needed = provider().lookup_key({})
    assert none_needed.key == PLACEHOLDER_KEY
    assert none_needed.masked == ""
    assert provider().masked_key({}) == ""


def test_precedence_inline_then_env_then_command(tmp_path: Path) -> None:
    cmd, runs = counting_command(tmp_path)
    assert provider(api_key="sk-inline-123456789", api_key_cmd=cmd).resolve_key({}) == (
        "sk-inline-123456789"
    )
    p = provider(api_key_env="MY_KEY", api_key_cmd=cmd)
    assert p.resolve_key({"MY_KEY": "sk-env-123456789"}) == "sk-env-123456789"
    assert run_count(runs) == 0  # not needed: not run
    assert p.resolve_key({}) == SECRET
    assert run_count(runs) == 1


# -- api_key_cmd -----------------------------------------------------------------------------


def test_command_runs_lazily_and_once(tmp_path: Path) -> None:
    cmd, runs = counting_command(tmp_path)
    p = provider(api_key_cmd=cmd)
    assert p.needs_key
    # Describing the provider or asking for a masked key does not run the command.
    assert p.key_source().startswith("command `")
    assert p.masked_key({}) is None
    lookup = p.lookup_key({}, run_command=False)
    assert lookup.checked is False and lookup.key is None
    assert run_count(runs) == 0
    assert p.resolve_key({}) == SECRET
    assert p.resolve_key({}) == SECRET
    assert provider(name="other", api_key_cmd=cmd).resolve_key({}) == SECRET
    assert run_count(runs) == 1  # cached for the process
    assert p.masked_key({}) == "sk-…WXYZ"  # known now, still without running
    assert cached_key(cmd) == SECRET
    forget_keys()
    assert p.resolve_key({}) == SECRET
    assert run_count(runs) == 2


def test_concurrent_lookups_run_the_command_once(tmp_path: Path) -> None:
    cmd, runs = counting_command(tmp_path)
    cmd = "sleep 0.3; " + cmd
    with ThreadPoolExecutor(4) as pool:
        keys = list(pool.map(lambda _: run_key_command(cmd), range(4)))
    assert keys == [SECRET] * 4
    assert run_count(runs) == 1


def test_command_as_argv_list_without_shell(tmp_path: Path) -> None:
    script = tmp_path / "key.py"
    script.write_text("print('  sk-argv-0123456789  ')\nprint('user: me')\n")
    p = provider(api_key_cmd=(sys.executable, str(script)))
    assert p.resolve_key({}) == "sk-argv-0123456789"  # first line, stripped


def test_first_non_empty_line_is_the_key() -> None:
    assert run_key_command("printf '\\n\\n  pass-word-line-1 \\nmeta: x\\n'") == "pass-word-line-1"


def test_failure_is_not_cached_and_says_why(tmp_path: Path) -> None:
    cmd, runs = counting_command(tmp_path, output="", status=3)
    cmd = cmd.replace("exit 3", "echo 'vault is locked' >&2; exit 3")
    p = provider(api_key_cmd=cmd)
    lookup = p.lookup_key({})
    assert lookup.key is None
    assert lookup.problem is not None
    assert "failed (exit status 3)" in lookup.problem
    assert "vault is locked" in lookup.problem
    assert "Traceback" not in lookup.problem
    p.lookup_key({})
    assert run_count(runs) == 2  # tried again: unlocking the vault and retrying works


def test_failing_command_never_shows_what_it_printed() -> None:
    """A command that prints the key and then fails, echoing it to stderr too."""
    cmd = f"echo {SECRET}; echo 'error near {SECRET}' >&2; exit 1"
    with pytest.raises(KeyCommandError) as info:
        run_key_command(cmd)
    assert SECRET not in info.value.problem
    assert SECRET not in str(info.value)
    assert "sk-…WXYZ" in info.value.problem


@pytest.mark.parametrize(
    ("command", "fragment"),
    [
        ("true", "printed no key"),
        ("exit 127", "exit status 127"),
        ("no-such-command-tui-chat-test", "not found"),
        (("/no/such/binary",), "cannot run"),
    ],
)
def test_command_problems(command: str | tuple[str, ...], fragment: str) -> None:
    with pytest.raises(KeyCommandError) as info:
        run_key_command(command)
    assert fragment in info.value.problem


def test_command_timeout_kills_the_whole_group() -> None:
    started = time.monotonic()
    with pytest.raises(KeyCommandError, match=r"did not finish within 0\.3 s"):
        # The shell's child `sleep` holds stdout open: only killing the group ends it.
        run_key_command("sleep 20; echo sk-late-0123456789", timeout=0.3)
    assert time.monotonic() - started < 5


def test_env_and_command_problems_are_both_named(tmp_path: Path) -> None:
    lookup = provider(api_key_env="MY_KEY", api_key_cmd="exit 2").lookup_key({})
    assert lookup.problem is not None
    assert "MY_KEY is not set" in lookup.problem
    assert "exit status 2" in lookup.problem
    assert lookup.source == "$MY_KEY, else command `exit 2`"


# -- in the config file ---------------------------------------------------------------------




def test_api_key_cmd_in_the_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "[providers.a]\n"
        'base_url = "http://a/v1"\n'
        'api_key_cmd = "pass show api/a"\n'
        "[providers.b]\n"
        'base_url = "http://b/v1"\n'
        'api_key_cmd = ["op", "read", "op://Private/b/credential"]\n',
    )
    config = load_config(path)
    assert config.warnings == ()
    assert config.providers["a"].api_key_cmd == "pass show api/a"
    assert config.providers["b"].api_key_cmd == ("op", "read", "op://Private/b/credential")


@pytest.mark.parametrize("value", ["''", "[]", '[""]', "3", "[1]", "{ a = 1 }"])
def test_bad_api_key_cmd_names_its_line(tmp_path: Path, value: str) -> None:
    path = write(
        tmp_path,
        f'[providers.ok]\nbase_url = "http://ok/v1"\n\n[providers.bad]\n'
        f'base_url = "http://x/v1"\napi_key_cmd = {value}\n',
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.line == 6
    assert "api_key_cmd" in info.value.problem
    assert "[providers.bad]" in info.value.problem


def test_loading_a_config_does_not_run_its_command(tmp_path: Path) -> None:
    cmd, runs = counting_command(tmp_path)
    path = write(tmp_path, f"[providers.a]\nbase_url = 'http://a/v1'\napi_key_cmd = '''{cmd}'''\n")
    load_config(path)
    assert run_count(runs) == 0


# -- the registry, and the key on the wire ---------------------------------------------------


async def test_registry_sends_the_command_key(tmp_path: Path, server: FakeOpenAIServer) -> None:
    cmd, runs = counting_command(tmp_path)
    local = ProviderConfig(
        name="local", base_url=server.base_url, api_key_cmd=cmd, models=("test-model",)
    )
    config = Config(path=tmp_path / "c.toml", default_provider="local", providers={"local": local})
    registry = ProviderRegistry(config, environ={})
    resolved = await registry.resolve_async()  # the command runs in a thread
    assert isinstance(resolved.provider, OpenAICompatibleProvider)
    from tui_chat.providers.events import ChatRequest

    async for _event in resolved.provider.stream(
        ChatRequest("test-model", [{"role": "user", "content": "hi"}])
    ):
        pass
    await registry.aclose()
    assert server.requests[0]["headers"]["authorization"] == f"Bearer {SECRET}"
    assert run_count(runs) == 1


def test_registry_refuses_with_the_problem_when_the_command_fails(tmp_path: Path) -> None:
    local = ProviderConfig(name="local", base_url="http://x/v1", api_key_cmd="exit 9", label="L")
    config = Config(path=tmp_path / "c.toml", default_provider="local", providers={"local": local})
    registry = ProviderRegistry(config, environ={})
    registry.prepare_key()  # as the app does, in a thread
    with pytest.raises(ProviderUnavailable) as refused:
        registry.resolve()
    problem = refused.value.problem
    assert "exit status 9" in problem
    assert "api_key_cmd" in problem
    assert problem.startswith("L has no API key")


async def test_no_key_in_any_file_after_a_session(tmp_path: Path, server: FakeOpenAIServer) -> None:
    """The app, with its key from api_key_cmd: the key goes to the server and nowhere else."""
    cmd, runs = counting_command(tmp_path)
    write_config(
        tmp_path / "config" / "config.toml",
        server.base_url,
        f"api_key_cmd = '''{cmd}'''\n",
    )
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_and_send(pilot, "Hello")
        await wait_for_replies(pilot, app)
        await type_and_send(pilot, "Again")
        await wait_for_replies(pilot, app)
    chats = [r for r in server.requests if r["path"].endswith("/chat/completions")]
    assert len(chats) == 2
    assert all(r["headers"]["authorization"] == f"Bearer {SECRET}" for r in chats)
    assert run_count(runs) == 1
    files = [p for p in (tmp_path / "data").rglob("*") if p.is_file()]
    assert files  # the session was saved
    for file in files:
        data = file.read_bytes()
        assert SECRET.encode() not in data, file
        assert SECRET[-12:].encode() not in data, file
