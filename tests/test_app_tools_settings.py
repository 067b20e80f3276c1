"""Pilot tests: a session's tools in the settings (F2) and through /tools reach the session
file, and only names this config has are accepted."""

from __future__ import annotations

from pathlib import Path

from app_harness import (
    make_app,
    notices,
    read_only_session,
    run_command,
    type_and_send,
    wait_for_replies,
    wait_until,
    write_config,
)
from textual.content import Content
from textual.widgets import SelectionList, Switch

from tui_chat.config.parse import load_config
from tui_chat.ui.screens.chat import ChatScreen
from tui_chat.ui.screens.confirm import ConfirmScreen
from tui_chat.ui.screens.settings import SessionSettingsScreen

SERVERS = (
    '[mcp_servers.docs]\ncommand = "never-started"\n'
    '[mcp_servers.remote]\nurl = "https://example.com/mcp"\nenabled = false\n'
)


async def open_settings(pilot) -> SessionSettingsScreen:
    await pilot.press("f2")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, SessionSettingsScreen))
    modal = pilot.app.screen
    assert isinstance(modal, SessionSettingsScreen)
    return modal


def checklist(modal: SessionSettingsScreen) -> SelectionList[str]:
    return modal.query_one("#tools", SelectionList)


def options(listing: SelectionList[str]) -> list[str]:
    return [listing.get_option_at_index(i).value for i in range(listing.option_count)]


async def test_f2_lists_the_tools_and_saves_the_ticked_ones(tmp_path: Path, server) -> None:
    write_config(tmp_path / "config" / "config.toml", server.base_url, SERVERS)
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 40)) as pilot:
        await type_and_send(pilot, "Hi")
        await wait_for_replies(pilot, app)
        modal = await open_settings(pilot)
        listing = checklist(modal)
        # No run_shell (off in [tools]); the switched-off server is not offered.
        assert options(listing) == ["current_time", "read_file", "fetch_url", "mcp:docs"]
        assert listing.selected == ["current_time"]
        assert modal.query_one("#tools_enabled", Switch).value is True
        listing.deselect("current_time")
        listing.select("mcp:docs")
        listing.select("fetch_url")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ChatScreen))
        session = app.screen.session
        assert session is not None
        assert session.settings.tools == ("fetch_url", "mcp:docs")
        assert session.settings.tools_enabled is None  # the switch was not touched
        await wait_until(pilot, lambda: "tools" in read_only_session(tmp_path).get("settings", {}))
        saved = read_only_session(tmp_path)["settings"]
        assert saved["tools"] == ["fetch_url", "mcp:docs"]
        assert "tools_enabled" not in saved

        # Opened again: ticked as saved; switching tools off greys the list out.
        modal = await open_settings(pilot)
        assert checklist(modal).selected == ["fetch_url", "mcp:docs"]
        modal.query_one("#tools_enabled", Switch).value = False
        await pilot.pause()
        assert checklist(modal).disabled
        await pilot.press("ctrl+s")
        await wait_until(
            pilot,
            lambda: read_only_session(tmp_path)["settings"].get("tools_enabled") is False,
        )
        assert read_only_session(tmp_path)["settings"]["tools"] == ["fetch_url", "mcp:docs"]


async def test_f2_keeps_names_it_does_not_list_and_offers_run_shell_when_on(
    tmp_path: Path, server
) -> None:
    extra = '[defaults]\ntools = ["docs.lookup", "read_file"]\n[tools]\nrun_shell = true\n'
    write_config(tmp_path / "config" / "config.toml", server.base_url, extra + SERVERS)
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 40)) as pilot:
        modal = await open_settings(pilot)
        listing = checklist(modal)
        assert options(listing) == [
            "current_time",
            "read_file",
            "fetch_url",
            "run_shell",
            "mcp:docs",
            "docs.lookup",
        ]
        assert sorted(listing.selected) == ["docs.lookup", "read_file"]
        await pilot.press("ctrl+s")  # kept as they were, in their order
        await wait_until(pilot, lambda: isinstance(app.screen, ChatScreen))
        assert app.screen.session.settings.tools == ("docs.lookup", "read_file")


async def test_f2_save_as_defaults_writes_the_tools(tmp_path: Path, server) -> None:
    path = write_config(tmp_path / "config" / "config.toml", server.base_url, SERVERS)
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 40)) as pilot:
        modal = await open_settings(pilot)
        checklist(modal).select("read_file")
        await pilot.pause()
        modal.query_one("#save-defaults").focus()
        await pilot.press("enter")
        # The file was written by hand: the app says what saving loses first.
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(
            pilot, lambda: load_config(path).defaults.tools == ("current_time", "read_file")
        )
        config = load_config(path)
        assert config.defaults.tools_enabled is None
        assert config.mcp_servers["docs"].command == "never-started"  # kept by the save


async def test_tools_command_shows_and_changes_the_session_tools(tmp_path: Path, server) -> None:
    write_config(tmp_path / "config" / "config.toml", server.base_url, SERVERS)
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await type_and_send(pilot, "Hi")
        await wait_for_replies(pilot, app)
        session = app.screen.session
        assert session is not None
        await run_command(pilot, "/tools")
        assert any(
            n.startswith(
                "Tools on: current_time. Available: current_time, read_file, fetch_url, mcp:docs"
            )
            for n in notices(app)
        )
        await run_command(pilot, "/tools +fetch_url -current_time mcp:docs")
        assert session.settings.tools == ("fetch_url", "mcp:docs")
        await wait_until(
            pilot,
            lambda: (
                read_only_session(tmp_path)["settings"].get("tools") == ["fetch_url", "mcp:docs"]
            ),
        )
        assert any(n == "Tools for this session: fetch_url, mcp:docs." for n in notices(app))

        # Unknown names change nothing and say why, each.
        await run_command(pilot, "/tools +nope -read_file +mcp:remote +run_shell")
        said = notices(app)[-1]
        assert "'nope' is not a tool" in said
        assert "'read_file' is not among this session's tools" in said
        assert "MCP server 'remote' is switched off" in said
        assert "run_shell is off" in said
        assert said.endswith("Nothing changed.")
        assert session.settings.tools == ("fetch_url", "mcp:docs")

        await run_command(pilot, "/tools off")
        assert session.settings.tools_enabled is False
        await wait_until(
            pilot,
            lambda: read_only_session(tmp_path)["settings"].get("tools_enabled") is False,
        )
        await run_command(pilot, "/tools")
        assert notices(app)[-1].startswith("Tools are off for this session")
        await run_command(pilot, "/tools on")
        assert session.settings.tools_enabled is True
        assert notices(app)[-1] == "Tools on for this session: fetch_url, mcp:docs."


async def test_tools_command_shows_names_as_plain_text(tmp_path: Path, server) -> None:
    write_config(tmp_path / "config" / "config.toml", server.base_url, SERVERS)
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 35)) as pilot:
        await run_command(pilot, "/tools +docs.[b]x[/b] +[@click=app.quit]y")
        assert "'[@click=app.quit]y' names no MCP server" in notices(app)[-1]  # markup=False
        await run_command(pilot, "/tools +docs.[b]x[/b]")
        assert app.screen.session.settings.tools == ("current_time", "docs.[b]x[/b]")
        said = notices(app)[-1]  # shown as markup by the settings flow: escaped
        assert Content.from_markup(said).plain == (
            "Tools for this session: current_time, docs.[b]x[/b]."
        )
