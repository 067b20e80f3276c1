"""ChatSettings: checking, parsing, (de)serialising, and their place in the session file."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from tui_chat.core.context.request import build_messages
from tui_chat.core.session import PLAIN_FORMAT_VERSION, Message, Session
from tui_chat.core.setting_kinds import SettingError, parse_table, table_text
from tui_chat.core.settings import FIELDS, ChatSettings, deep_merge
from tui_chat.core.store.session_store import SessionStore

FULL = ChatSettings(
    provider="deepseek",
    model="deepseek-v4-pro",
    system_prompt="Answer in JSON.",
    temperature=0.3,
    top_p=0.95,
    max_tokens=2048,
    thinking="on",
    thinking_budget=4000,
    reasoning_effort="high",
    json_mode=True,
    extra_body={"seed": 7, "chat_template_kwargs": {"enable_thinking": True}},
)


def test_defaults_are_all_unset() -> None:
    settings = ChatSettings()
    assert settings.to_dict() == {}
    assert settings.problems() == []
    assert (settings.thinking, settings.json_mode, settings.extra_body) == ("default", False, {})


def test_the_field_table_has_one_row_per_setting_in_order() -> None:
    """Files, forms and [defaults] all read FIELDS: a setting missing from it would be
    silently dropped everywhere."""
    assert [s.name for s in FIELDS] == [f.name for f in dataclasses.fields(ChatSettings)]
    assert all(s.toml_key or s.stored for s in FIELDS)  # each is kept somewhere


def test_round_trip() -> None:
    data = FULL.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert ChatSettings.from_dict(data) == FULL


def test_frozen_and_replace() -> None:
    with pytest.raises(AttributeError):
        FULL.temperature = 1.0  # type: ignore[misc]
    changed = FULL.replace(temperature=1.0)
    assert changed.temperature == 1.0
    assert FULL.temperature == 0.3


def test_extra_body_is_a_private_copy() -> None:
    mine = {"a": {"b": 1}}
    settings = ChatSettings(extra_body=mine)
    mine["a"]["b"] = 2
    assert settings.extra_body == {"a": {"b": 1}}
    settings.to_dict()["extra_body"]["a"]["b"] = 3
    assert settings.extra_body == {"a": {"b": 1}}


@pytest.mark.parametrize(
    "data",
    [None, [], "settings", 3, {"temperature": "hot"}, {"nonsense": 1}, {"thinking": "maybe"}],
)
def test_from_dict_never_raises_and_drops_what_it_cannot_use(data: Any) -> None:
    assert ChatSettings.from_dict(data) == ChatSettings()


def test_from_dict_keeps_the_good_values_of_a_bad_file() -> None:
    data = {
        "temperature": True,  # a bool is not a number here
        "top_p": 0.5,
        "max_tokens": 10.5,
        "thinking_budget": 1000,
        "reasoning_effort": "extreme",
        "json_mode": "yes",
        "extra_body": ["not", "a", "table"],
        "model": "  m  ",
        "provider": "",
        "system_prompt": "be \x1b[31mnice\x1b[0m",
    }
    assert ChatSettings.from_dict(data) == ChatSettings(
        model="m", system_prompt="be nice", top_p=0.5, thinking_budget=1000
    )


def test_from_dict_brings_numbers_into_range() -> None:
    settings = ChatSettings.from_dict({"temperature": 3, "top_p": 0, "max_tokens": -5})
    assert (settings.temperature, settings.top_p, settings.max_tokens) == (2.0, None, None)


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        (ChatSettings(temperature=2.5), "Temperature 2.5 is outside 0 to 2"),
        (ChatSettings(temperature=-1), "outside 0 to 2"),
        (ChatSettings(temperature=float("nan")), "Temperature must be a number"),
        (ChatSettings(top_p=0), "top_p must be above 0"),
        (ChatSettings(top_p=1.5), "top_p 1.5 is above 1"),
        (ChatSettings(max_tokens=0), "Max tokens must be at least 1"),
        (ChatSettings(thinking_budget=-1), "thinking budget must be at least 1"),
        (ChatSettings(thinking="sometimes"), "default, on, off"),
        (ChatSettings(reasoning_effort="extreme"), "Reasoning effort is one of"),
        (ChatSettings(extra_body={"x": object()}), "plain JSON"),
    ],
)
def test_problems_in_plain_words(settings: ChatSettings, words: str) -> None:
    problems = settings.problems()
    assert len(problems) == 1
    assert words in problems[0]
    fixed, again = settings.clamped()
    assert again == problems
    assert fixed.problems() == []


def test_set_from_text() -> None:
    s = ChatSettings()
    s = s.set_from_text("temperature", " 0.7 ")
    s = s.set_from_text("max_tokens", "4_096")
    s = s.set_from_text("thinking", "OFF")
    s = s.set_from_text("reasoning_effort", "Low")
    s = s.set_from_text("json_mode", "on")
    s = s.set_from_text("extra_body", '{"seed": 1}')
    s = s.set_from_text("system_prompt", "  Be brief.  ")
    assert s == ChatSettings(
        system_prompt="Be brief.",
        temperature=0.7,
        max_tokens=4096,
        thinking="off",
        reasoning_effort="low",
        json_mode=True,
        extra_body={"seed": 1},
    )
    assert s.set_from_text("temperature", "").temperature is None  # blank unsets
    assert s.set_from_text("extra_body", "").extra_body == {}


@pytest.mark.parametrize(
    ("name", "text", "words"),
    [
        ("temperature", "warm", "must be a number"),
        ("temperature", "5", "outside 0 to 2"),
        ("max_tokens", "lots", "whole number"),
        ("thinking", "yes", "default, on, off"),
        ("reasoning_effort", "huge", "Reasoning effort is one of"),
        ("json_mode", "perhaps", "on or off"),
        ("extra_body", "[1]", "JSON object"),
        ("extra_body", "{bad", "JSON object"),
        ("colour", "red", "no setting called"),
    ],
)
def test_set_from_text_says_what_is_wrong(name: str, text: str, words: str) -> None:
    with pytest.raises(SettingError, match=words):
        ChatSettings().set_from_text(name, text)


def test_over_defaults() -> None:
    defaults = ChatSettings(
        provider="dashscope",
        model="qwen-plus",
        temperature=0.5,
        thinking="off",
        extra_body={"a": 1, "t": {"x": 1}},
    )
    mine = ChatSettings(model="qwen-max", thinking="default", extra_body={"t": {"y": 2}})
    merged = mine.over(defaults)
    assert merged.provider == "dashscope"
    assert merged.model == "qwen-max"
    assert merged.temperature == 0.5
    assert merged.thinking == "off"
    assert merged.extra_body == {"a": 1, "t": {"x": 1, "y": 2}}


def test_deep_merge_does_not_touch_its_inputs() -> None:
    base = {"a": {"b": 1}}
    override = {"a": {"c": 2}, "d": [1]}
    assert deep_merge(base, override) == {"a": {"b": 1, "c": 2}, "d": [1]}
    assert base == {"a": {"b": 1}}


# -- in the session ------------------------------------------------------------------------------


def test_session_views_are_the_settings() -> None:
    session = Session(provider="dashscope", model="qwen-plus", system_prompt="Hi.")
    assert session.settings.provider == "dashscope"
    assert session.settings.model == "qwen-plus"
    assert session.settings.system_prompt == "Hi."
    session.model = "qwen-max"
    assert session.settings.model == "qwen-max"
    session.settings = session.settings.replace(provider="deepseek", model="deepseek-v4-flash")
    assert (session.provider, session.model) == ("deepseek", "deepseek-v4-flash")


def test_session_keyword_arguments_fill_what_settings_leave_unset() -> None:
    session = Session(provider="p", model="m", settings=ChatSettings(model="own", temperature=1))
    assert (session.provider, session.model, session.settings.temperature) == ("p", "own", 1)


def test_session_round_trip_with_settings(tmp_path: Path) -> None:
    session = Session(settings=FULL, title="t")
    session.add(Message(role="user", content="q"))
    data = session.to_dict()
    assert data["provider"] == "deepseek"
    assert data["model"] == "deepseek-v4-pro"
    assert data["system_prompt"] == "Answer in JSON."
    # Not stored twice: the three top-level keys stay out of "settings".
    assert set(data["settings"]) == set(FULL.to_dict()) - {"provider", "model", "system_prompt"}
    assert Session.from_dict(json.loads(json.dumps(data))) == session

    store = SessionStore(tmp_path / "sessions", tmp_path / "index.json")
    try:
        store.save(session)
        loaded = store.load(session.id)
    finally:
        store.close()
    assert loaded.settings == FULL
    on_disk = json.loads(store.path_for(session.id).read_text(encoding="utf-8"))
    assert on_disk["settings"]["thinking"] == "on"
    assert on_disk["settings"]["extra_body"] == FULL.extra_body


OLD_FILE = {
    "version": 1,
    "id": "0123456789ab",
    "title": "Old chat",
    "title_is_custom": False,
    "created_at": 1700000000.0,
    "updated_at": 1700000100.0,
    "provider": "dashscope",
    "model": "qwen-plus",
    "system_prompt": "You are terse.",
    "messages": [
        {"id": "m1", "role": "user", "content": "hi", "created_at": 1.0},
        {
            "id": "m2",
            "role": "assistant",
            "content": "hello",
            "created_at": 2.0,
            "reasoning": "",
            "usage": None,
            "model": "qwen-plus",
            "provider": "dashscope",
            "finish_reason": "stop",
            "status": "complete",
            "error": None,
            "first_token_seconds": None,
            "duration_seconds": None,
        },
    ],
}


def test_old_file_without_settings_loads_with_defaults(tmp_path: Path) -> None:
    session = Session.from_dict(OLD_FILE)
    assert session.settings == ChatSettings(
        provider="dashscope", model="qwen-plus", system_prompt="You are terse."
    )
    assert [m.content for m in session.messages] == ["hi", "hello"]
    # Saved again it keeps the old keys where they were and gains "settings".
    data = session.to_dict()
    assert data["version"] == PLAIN_FORMAT_VERSION == 2
    assert {k: data[k] for k in ("provider", "model", "system_prompt")} == {
        "provider": "dashscope",
        "model": "qwen-plus",
        "system_prompt": "You are terse.",
    }
    assert data["settings"] == {}

    # And through the store, from a file on disk.
    folder = tmp_path / "sessions"
    folder.mkdir()
    (folder / "0123456789ab.json").write_text(json.dumps(OLD_FILE), encoding="utf-8")
    store = SessionStore(folder, tmp_path / "index.json")
    try:
        loaded = store.load("0123456789ab")
    finally:
        store.close()
    assert loaded.settings.temperature is None
    assert loaded.settings.thinking == "default"
    assert loaded.model == "qwen-plus"


def test_hand_edited_settings_do_not_stop_a_session_loading() -> None:
    data = {
        **OLD_FILE,
        "settings": {"temperature": "very", "thinking": "on", "extra_body": 5, "top_p": 0.5},
    }
    session = Session.from_dict(data)
    assert session.settings.thinking == "on"
    assert session.settings.top_p == 0.5
    assert session.settings.temperature is None
    assert Session.from_dict({**OLD_FILE, "settings": "garbage"}).settings.thinking == "default"


def test_unset_system_prompt_round_trips_as_unset() -> None:
    session = Session(provider="p", model="m")
    assert session.settings.system_prompt is None
    assert session.system_prompt == ""
    assert Session.from_dict(session.to_dict()).settings.system_prompt is None
    explicit_none = Session(provider="p", model="m", system_prompt="")
    assert Session.from_dict(explicit_none.to_dict()).settings.system_prompt == ""


# -- the system prompt sent ----------------------------------------------------------------------


def test_system_prompt_from_settings_else_the_config() -> None:
    question = Message(role="user", content="q")
    own = Session(settings=ChatSettings(system_prompt="Own."))
    own.add(question)
    assert build_messages(own, "Config.")[0] == {"role": "system", "content": "Own."}

    unset = Session(provider="p", model="m")
    unset.add(question)
    assert build_messages(unset, "Config.")[0] == {"role": "system", "content": "Config."}
    assert build_messages(unset) == [{"role": "user", "content": "q"}]

    none = Session(settings=ChatSettings(system_prompt=""))
    none.add(question)
    assert build_messages(none, "Config.") == [{"role": "user", "content": "q"}]


def test_reasoning_is_still_never_sent() -> None:
    session = Session(settings=FULL)
    session.add(Message(role="user", content="q"))
    session.add(Message(role="assistant", content="a", reasoning="SECRET"))
    messages = build_messages(session)
    assert "SECRET" not in repr(messages)
    assert all(set(m) == {"role", "content"} for m in messages)


# -- extra request fields as the user types them -------------------------------------------


def test_parse_table_reads_json_or_toml() -> None:
    assert parse_table("") == {}
    assert parse_table('{"seed": 1, "thinking": {"type": "enabled"}}') == {
        "seed": 1,
        "thinking": {"type": "enabled"},
    }
    assert parse_table('seed = 1\n[thinking]\ntype = "enabled"') == {
        "seed": 1,
        "thinking": {"type": "enabled"},
    }
    assert parse_table(table_text({"a": [1, "二"]})) == {"a": [1, "二"]}
    assert table_text({}) == ""


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"seed": }', "not valid JSON"),
        ("[1, 2]", "not valid TOML"),
        ("seed = ", "not valid TOML"),
        ("when = 1979-05-27", "plain JSON values"),
    ],
)
def test_parse_table_problems_in_plain_words(text: str, fragment: str) -> None:
    with pytest.raises(SettingError, match=fragment):
        parse_table(text)
