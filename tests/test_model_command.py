"""`/model NAME` and its completion know the models the provider lists, before F3 was
ever opened: the list is fetched on first need (off the event loop), once a run, or read
from the cache."""

from __future__ import annotations

import shlex
from pathlib import Path

from app_harness import make_app, notices, wait_until, write_config
from test_app_input import prompt_of, run_command, type_text

from tui_chat.ui.widgets.slash_popup import SlashPopup


def model_lists_fetched(server) -> int:
    return sum(1 for r in server.requests if r["method"] == "GET" and r["path"] == "/v1/models")


def checks_running(app) -> bool:
    return any(worker.name == "check model" for worker in app.workers)


async def test_model_command_knows_the_listed_models_without_f3(tmp_path: Path, server) -> None:
    server.models = ["listed-large", "listed-small"]
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await run_command(pilot, "/model listed-small")
        assert screen.session.model == "listed-small"
        await wait_until(pilot, lambda: model_lists_fetched(server) == 1)
        await wait_until(pilot, lambda: not checks_running(app))
        assert not any("not among" in n for n in notices(app)), notices(app)
        await run_command(pilot, "/model made-up")
        await wait_until(pilot, lambda: any("made-up is not among" in n for n in notices(app)))
        said = next(n for n in notices(app) if "made-up is not among" in n)
        assert "(test-model, listed-large, listed-small)" in said
        assert screen.session.model == "made-up"  # used anyway
        assert model_lists_fetched(server) == 1  # once a run
    # Kept in the cache for the next run (and for F3).
    assert "listed-large" in (tmp_path / "data" / "models-cache.json").read_text()


async def test_model_completion_offers_the_listed_models(tmp_path: Path, server) -> None:
    server.models = ["listed-large", "listed-small"]
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_text(pilot, "/model ")
        popup = app.screen.query_one(SlashPopup)
        assert popup.display
        # The config's model at once; the provider's list as soon as it has come.
        await wait_until(
            pilot,
            lambda: (
                [c.usage for c in popup.choices] == ["test-model", "listed-large", "listed-small"]
            ),
        )
        await type_text(pilot, "listed-s")
        assert [c.usage for c in popup.choices] == ["listed-small"]
        await pilot.press("tab", "enter")
        await wait_until(pilot, lambda: app.screen.session.model == "listed-small")
        assert model_lists_fetched(server) == 1


async def test_the_cached_list_is_used_without_a_fetch(tmp_path: Path, server) -> None:
    server.models = ["listed-large"]
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        await run_command(pilot, "/model listed-large")
        await wait_until(pilot, lambda: model_lists_fetched(server) == 1)
        await wait_until(pilot, lambda: not checks_running(app))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_text(pilot, "/model ")
        popup = app.screen.query_one(SlashPopup)
        assert [c.usage for c in popup.choices] == ["test-model", "listed-large"]
        prompt_of(app).clear()
        await run_command(pilot, "/model test-model")
        await run_command(pilot, "/model listed-large")
        await wait_until(pilot, lambda: not checks_running(app))
        assert not any("not among" in n for n in notices(app)), notices(app)
    assert model_lists_fetched(server) == 1


async def test_the_key_command_runs_off_the_event_loop(tmp_path: Path, server) -> None:
    """The list needs the key, and the key comes from a command that waits: the prompt
    keeps taking keys meanwhile, and the list comes once the command has printed it."""
    server.models = ["listed-large"]
    go = tmp_path / "go"
    # Waits for `go` (at most some 10 s: a command run on the event loop would hold up
    # the typing below that long, then fail the test rather than hang it).
    command = (
        f"for n in $(seq 500); do [ -e {shlex.quote(str(go))} ] && break; sleep 0.02; done; "
        "echo sk-test"
    )
    write_config(
        tmp_path / "config" / "config.toml",
        server.base_url,
        f"api_key_cmd = '''{command}'''\n",
    )
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_text(pilot, "/model ")
        popup = app.screen.query_one(SlashPopup)
        await type_text(pilot, "li")  # typed while the key command waits
        assert prompt_of(app).text == "/model li"
        assert model_lists_fetched(server) == 0
        go.touch()
        await wait_until(pilot, lambda: [c.usage for c in popup.choices] == ["listed-large"])
        assert popup.display
    assert server.requests[-1]["headers"]["authorization"] == "Bearer sk-test"


async def test_a_list_that_cannot_be_fetched_is_said(tmp_path: Path, server) -> None:
    server.models_status = 500
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        await run_command(pilot, "/model made-up")
        await wait_until(pilot, lambda: any("made-up is not among" in n for n in notices(app)))
        said = next(n for n in notices(app) if "made-up is not among" in n)
        assert "(test-model)" in said and "list could not be fetched" in said
