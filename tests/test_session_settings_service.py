"""The settings and context services without the UI: which provider may take a session,
what a switch puts in force, that a change is saved (or only announced) through
SessionChanges, when an unknown model's context window is asked for, and the config edit
that records one."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from tui_chat.config.model import Config
from tui_chat.config.provider import DEMO_PROVIDER, ProviderConfig
from tui_chat.core.context.request import ContextPlan
from tui_chat.core.context.windows import UNKNOWN_WINDOW
from tui_chat.core.session import Message, Session
from tui_chat.core.settings import ChatSettings
from tui_chat.core.store.session_store import SessionStore
from tui_chat.providers import ProviderRegistry
from tui_chat.services.changes import SessionChange, SessionChanges
from tui_chat.services.context_checks import (
    WindowQuestions,
    config_with_window,
    request_body,
    strategy_said,
)
from tui_chat.services.session_settings import DEMO_ONLY, SWITCH_HINT, SessionSettingsService


def config(tmp_path: Path) -> Config:
    return Config(
        path=tmp_path / "config.toml",
        default_provider="local",
        providers={
            "local": ProviderConfig(
                name="local", base_url="http://x/v1", api_key="sk-x", models=("m1", "m2")
            ),
            "nokey": ProviderConfig(
                name="nokey", base_url="http://y/v1", api_key_env="NOT_SET", label="No Key"
            ),
        },
    )


def service(tmp_path: Path) -> tuple[SessionSettingsService, list[SessionChange], Path]:
    sessions = tmp_path / "sessions"
    store = SessionStore(sessions, tmp_path / "index.json")
    said: list[SessionChange] = []
    changes = SessionChanges(store, said.append)
    return SessionSettingsService(changes, ProviderRegistry(config(tmp_path), {})), said, sessions


def test_an_empty_session_is_announced_not_saved(tmp_path: Path) -> None:
    settings, said, sessions = service(tmp_path)
    session = Session(provider="local", model="m1")
    assert settings.apply(session, session.settings.replace(model="m2")) is None
    assert session.model == "m2"
    assert [(c.what, c.summary) for c in said] == [("settings", None)]
    assert not sessions.exists() or not list(sessions.glob("*.json"))


def test_a_session_with_messages_is_saved_then_announced(tmp_path: Path) -> None:
    settings, said, sessions = service(tmp_path)
    session = Session(provider="local", model="m1")
    session.add(Message(role="user", content="hi"))
    save = settings.apply(session, session.settings.replace(system_prompt="Be brief."))
    assert save is not None and session.settings.system_prompt == "Be brief."
    assert not said  # in force at once; saved and announced by the save
    assert asyncio.run(save) is True
    assert [c.what for c in said] == ["settings"] and said[0].summary is not None
    data = json.loads(next(sessions.glob("*.json")).read_text())
    assert data["system_prompt"] == "Be brief."


def test_switch_problems_and_what_a_switch_puts_in_force(tmp_path: Path) -> None:
    settings, _, _ = service(tmp_path)
    session = Session(provider="local", model="m2")
    assert settings.switch_problem(session, DEMO_PROVIDER) == DEMO_ONLY
    assert "NOT_SET" in (settings.switch_problem(session, "nokey") or "")
    assert settings.switch_problem(session, "local") is None
    switch = settings.switch(session, "local")
    assert not isinstance(switch, str)
    assert (switch.settings.provider, switch.settings.model) == ("local", "m1")
    assert switch.said.endswith("· m1.")
    chosen = settings.switch(session, "local", ChatSettings(model="m2", system_prompt="x"))
    assert not isinstance(chosen, str)
    assert (chosen.settings.model, chosen.settings.system_prompt) == ("m2", "x")
    kept = settings.kept_settings(session, ChatSettings(provider="nokey", system_prompt="y"))
    assert (kept.provider, kept.model, kept.system_prompt) == ("local", "m2", "y")
    banner = settings.provider_banner(Session(provider="nokey", model="m"))
    assert banner is not None and banner.endswith(SWITCH_HINT)
    assert settings.provider_banner(session) is None


def plan(tokens: int, window: int | None) -> ContextPlan:
    class Sized(ContextPlan):
        @property
        def tokens(self) -> int:
            return tokens

    return Sized(strategy="full", chosen="full", entries=[], window=window, budget=0, reply_room=0)


def test_an_unknown_window_is_asked_once_when_it_starts_to_matter() -> None:
    questions = WindowQuestions()
    session = Session(provider="local", model="m1")
    assert not questions.wanted(session, plan(UNKNOWN_WINDOW // 2 - 1, None))
    assert not questions.wanted(session, plan(UNKNOWN_WINDOW, 8000))
    assert questions.wanted(session, plan(UNKNOWN_WINDOW // 2, None))
    assert not questions.wanted(session, plan(UNKNOWN_WINDOW, None))  # asked already
    assert not questions.wanted(Session(provider="demo", model="x"), plan(UNKNOWN_WINDOW, None))


def test_the_window_given_goes_into_the_config_and_the_body(tmp_path: Path) -> None:
    edited = config_with_window(config(tmp_path), "local", "m1", 32_000)
    assert edited is not None
    local = edited.provider("local")
    assert local is not None and local.model_settings["m1"].context_window == 32_000
    assert config_with_window(config(tmp_path), "gone", "m1", 32_000) is None
    assert strategy_said("nonsense") is None and strategy_said("summary")
    registry = ProviderRegistry(config(tmp_path), {})
    body = request_body(registry, Session(provider="local", model="m1"), [])
    assert body["model"] == "m1" and body["stream"] is True
