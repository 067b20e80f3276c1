"""Context windows, prices and cost, embeddings storage, and the new config keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui_chat.config.model import ConfigError
from tui_chat.config.parse import load_config, parse_config
from tui_chat.config.provider import Prices
from tui_chat.config.writer import config_to_toml
from tui_chat.core.context.embeddings import SessionEmbeddings
from tui_chat.core.context.windows import context_window, known_window, reply_room
from tui_chat.core.pricing import format_cost, reply_cost, session_cost
from tui_chat.core.session import Message, Session, Usage
from tui_chat.core.setting_kinds import SettingError
from tui_chat.core.settings import ChatSettings

PROVIDER = (
    "[providers.local]\n"
    'base_url = "http://127.0.0.1:1/v1"\n'
    'models = ["m1", "qwen-plus"]\n'
    'embedding_model = "text-embedding-v3"\n'
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_windows_from_the_table_and_the_config(tmp_path: Path) -> None:
    assert known_window("qwen-plus") == 131_072
    assert known_window("deepseek-ai/DeepSeek-V3.2") == 163_840
    assert known_window("openai/gpt-4.1-mini") == 1_047_576
    assert known_window("my-own-model") is None
    config = load_config(
        write(
            tmp_path,
            PROVIDER + '[providers.local.model_settings."qwen-plus"]\ncontext_window = 1000\n',
        )
    )
    assert context_window(config, "local", "qwen-plus") == 1000
    assert context_window(config, "local", "m1") is None
    assert reply_room(128_000, None) == 4096
    assert reply_room(8000, 6000) == 4000


def test_prices_and_cost(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            PROVIDER
            + '[providers.local.model_settings."m1"]\n'
            + 'prices = { input = 2.0, cached_input = 0.5, output = 8.0, currency = "¥" }\n',
        )
    )
    assert config.provider("local").prices_for("m1") == Prices(2.0, 8.0, 0.5, "¥")
    assert config.provider("local").embedding_model == "text-embedding-v3"
    session = Session(provider="local", model="m1")
    session.add(Message(role="user", content="hi"))
    reply = Message(
        role="assistant",
        content="hello",
        provider="local",
        model="m1",
        usage=Usage(1_000_000, 100_000, 1_100_000, cached_tokens=500_000),
    )
    session.add(reply)
    assert reply_cost(reply, config) == pytest.approx(1.0 + 0.25 + 0.8)
    session.add(
        Message(
            role="assistant", content="x", provider="local", model="m1", usage=Usage(1000, 0, 1000)
        )
    )
    assert session_cost(session, config) == pytest.approx(2.05 + 0.002)
    unpriced = Session(provider="local", model="qwen-plus")
    unpriced.add(
        Message(
            role="assistant", content="x", provider="local", model="qwen-plus", usage=Usage(1, 1, 2)
        )
    )
    assert session_cost(unpriced, config) is None
    assert format_cost(0.0042) == "$0.0042"
    assert format_cost(1.234, "¥") == "¥1.23"
    # The providers screen writes prices and the embedding model back out unchanged.
    again = parse_config(config_to_toml(config), config.path)
    assert again.provider("local") == config.provider("local")


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("prices = 3", "prices must be a table"),
        ("prices = { input = 1 }", "needs output"),
        ('prices = { input = "x", output = 1 }', "input must be a number"),
    ],
)
def test_bad_prices(tmp_path: Path, line: str, problem: str) -> None:
    text = PROVIDER + f'[providers.local.model_settings."m1"]\n{line}\n'
    with pytest.raises(ConfigError, match=problem):
        load_config(write(tmp_path, text))


def test_defaults_keys_reach_new_sessions(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            '[defaults]\ncontext_strategy = "summary"\ncontext_turns = 3\n'
            "context_budget = 20000\nsummary_threshold = 0.6\n"
            'summary_model = "qwen-flash"\n' + PROVIDER,
        )
    )
    settings = config.session_settings()
    assert settings.context_strategy == "summary"
    assert settings.context_turns == 3
    assert settings.context_budget == 20000
    assert settings.summary_threshold == 0.6
    assert settings.summary_model == "qwen-flash"
    again = parse_config(config_to_toml(config), config.path)
    assert again.defaults == config.defaults


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('context_strategy = "everything"', "context_strategy"),
        ("context_turns = -1", "context_turns"),
        ("context_budget = 0", "context_budget"),
        ("summary_threshold = 1.5", "summary_threshold"),
    ],
)
def test_bad_defaults(tmp_path: Path, line: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        load_config(write(tmp_path, f"[defaults]\n{line}\n" + PROVIDER))


def test_session_settings_round_trip_and_parse() -> None:
    settings = ChatSettings(
        context_strategy="recall", context_turns=0, context_budget=9000, summary_threshold=0.5
    )
    assert ChatSettings.from_dict(settings.to_dict()) == settings
    assert ChatSettings().set_from_text("context_budget", "32k").context_budget == 32_000
    assert ChatSettings().set_from_text("summary_threshold", "80%").summary_threshold == 0.8
    assert ChatSettings().set_from_text("context_strategy", "last turns").context_strategy == (
        "last_turns"
    )
    with pytest.raises(SettingError):
        ChatSettings().set_from_text("context_strategy", "magic")
    with pytest.raises(SettingError):
        ChatSettings().set_from_text("context_turns", "-2")
    # A hand-edited file: bad values are dropped or brought into range, never raise.
    loaded = ChatSettings.from_dict(
        {"context_strategy": "nope", "context_turns": "3", "summary_threshold": 5}
    )
    assert loaded.context_strategy is None and loaded.context_turns is None
    assert loaded.summary_threshold == 0.95


def test_embeddings_store_round_trip_and_ranking() -> None:
    store = SessionEmbeddings("e")
    store.add("a", "cats", [1.0, 0.0, 0.0, 0.2])
    store.add("b", "dogs", [0.0, 1.0, 0.0, 0.0])
    store.add("c", "fish", [0.0, 0.0, 1.0, 0.0])
    assert store.missing({"a": "cats", "b": "changed", "d": "new"}) == ["b", "d"]
    scores = store.scores([0.9, 0.1, 0.0, 0.1], ["a", "b", "c"])
    assert max(scores, key=scores.get) == "a"
    again = SessionEmbeddings.from_json(store.to_json(), "e")
    assert again.scores([0.9, 0.1, 0.0, 0.1], ["a", "b", "c"]) == pytest.approx(scores)
    # Another model's vectors are not used.
    assert SessionEmbeddings.from_json(store.to_json(), "other").entries == {}
    assert SessionEmbeddings.from_json("not json", "e").entries == {}
