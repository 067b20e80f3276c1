"""Reasoning effort in the app (issue 14, item 11): the session settings screen (F2) offers
the values the session's model takes, says when a chosen one will not be sent, and a 400
that names the effort says which setting to change."""

from __future__ import annotations

from pathlib import Path

from app_harness import make_app, screen_text, type_and_send, wait_for_replies, wait_until
from app_harness import write_config as write_base_config
from sse_server import FakeOpenAIServer, Script
from textual.widgets import Select, Static

from tui_chat.ui.render.probes import select_values
from tui_chat.ui.screens.chat import ChatScreen
from tui_chat.ui.screens.model_picker import ModelPickerScreen
from tui_chat.ui.screens.settings import SessionSettingsScreen


def write_config(tmp_path: Path, server: FakeOpenAIServer, model: str, effort: str) -> None:
    write_base_config(
        tmp_path / "config" / "config.toml",
        server.base_url,
        f'dialect = "openai"\ndefault_model = "{model}"\n'
        f'[defaults]\nreasoning_effort = "{effort}"\n',
    )


def offered(modal: SessionSettingsScreen) -> list[str]:
    select = modal.query_one("#reasoning_effort", Select)
    return [str(value) for value in select_values(select) if isinstance(value, str)]


def notes(modal: SessionSettingsScreen) -> str:
    return str(modal.query_one("#notices", Static).render())


async def test_f2_offers_the_efforts_of_the_model_and_says_what_is_not_sent(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    server.models = ["o4-mini", "gpt-5.1"]
    write_config(tmp_path, server, "o4-mini", "max")
    server.enqueue(Script(content=["Thought hard."]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.press("f2")
        modal = app.screen
        assert isinstance(modal, SessionSettingsScreen)
        # o4-mini takes low, medium and high; the chosen "max" stays, and is said not sent.
        assert offered(modal) == ["low", "medium", "high", "max"]
        assert "o4-mini does not take reasoning effort 'max'" in notes(modal)
        # Another model, picked as a user does: its own values.
        modal.query_one("#model").focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ModelPickerScreen))
        await pilot.press(*"gpt-5.1")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen is modal)
        assert modal.model == "gpt-5.1"
        assert offered(modal) == ["none", "low", "medium", "high", "max"]
        assert "gpt-5.1 does not take reasoning effort 'max'" in notes(modal)
        modal.query_one("#reasoning_effort", Select).value = "high"
        await pilot.pause()
        assert "reasoning effort" not in notes(modal)
        modal.query_one("#save").focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ChatScreen))
        await type_and_send(pilot, "Think about it")
        await wait_for_replies(pilot, app)
    body = server.requests[-1]["json"]
    assert (body["model"], body["reasoning_effort"]) == ("gpt-5.1", "high")


async def test_f2_hides_the_effort_for_a_model_that_takes_none(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    write_base_config(
        tmp_path / "config" / "config.toml",
        server.base_url,
        'dialect = "openai"\ndefault_model = "gpt-4.1"\n',
    )
    server.enqueue(Script(content=["Plain."]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.press("f2")
        modal = app.screen
        assert isinstance(modal, SessionSettingsScreen)
        assert offered(modal) == []
        assert not modal.query_one("#reasoning_effort-row").display


async def test_a_refused_effort_says_which_setting_to_change(
    tmp_path: Path, server: FakeOpenAIServer
) -> None:
    write_config(tmp_path, server, "gpt-5", "minimal")
    said = (
        "Unsupported value: 'reasoning_effort' does not support 'minimal' with this model. "
        "Supported values are: 'low', 'medium', and 'high'."
    )
    error = {"message": said, "type": "invalid_request_error", "param": "reasoning_effort"}
    server.enqueue(Script(status=400, error_body={"error": error}))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await type_and_send(pilot, "Quick one")
        await wait_for_replies(pilot, app)
        shown = " ".join(screen_text(app).split())
        assert "Reasoning effort 'minimal' is not accepted by gpt-5. Change it in F2" in shown
        assert "Quick one" in shown
    assert server.requests[-1]["json"]["reasoning_effort"] == "minimal"
