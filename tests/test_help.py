"""F1 and the palette are generated from the bindings: every binding has an id and a
description, is documented for [keymap], and shows up grouped by its id."""

from __future__ import annotations

import re
from pathlib import Path

from app_harness import make_app
from textual.widgets import DataTable

from tui_chat.core.slash import COMMANDS
from tui_chat.ui.app import TuiChatApp
from tui_chat.ui.screens.chat import ChatScreen
from tui_chat.ui.screens.keys import (
    GROUP_TITLES,
    KeyEntry,
    KeysScreen,
    bindings_of,
    catalogue,
    group_order,
    merged_bindings,
)

REPO = Path(__file__).resolve().parent.parent


def entries() -> list[KeyEntry]:
    return catalogue(bindings_of(ChatScreen.key_classes()), merged_bindings(TuiChatApp), {})


def test_every_binding_has_a_grouped_id_and_a_description() -> None:
    found = entries()
    assert {"session.new", "reply.retry", "input.editor", "app.keys"} <= {e.id for e in found}
    for entry in found:
        assert re.fullmatch(r"[a-z]+\.[a-z_]+", entry.id), entry.id
        assert entry.binding.description, entry.id
        assert entry.keys, entry.id


def test_every_binding_id_is_documented_for_the_keymap() -> None:
    """config.example.toml lists every id with its default key (add new bindings there)."""
    text = (REPO / "tui_chat" / "config.example.toml").read_text(encoding="utf-8")
    for entry in entries():
        line = re.search(rf"^#\s+{re.escape(entry.id)}\s+(\S+)", text, re.MULTILINE)
        assert line, f"{entry.id} is not listed under [keymap] in config.example.toml"
        assert line.group(1) == ",".join(entry.keys), entry.id


def test_palette_titles_and_keymap_keys() -> None:
    by_id = {e.id: e for e in entries()}
    assert by_id["session.settings"].title == "session: Settings"  # group word not repeated
    assert by_id["session.model"].title == "session: Choose model"
    rebound = catalogue(
        bindings_of(ChatScreen.key_classes()),
        merged_bindings(TuiChatApp),
        {"session.new": "ctrl+o,f9"},
    )
    assert next(e for e in rebound if e.id == "session.new").keys == ("ctrl+o", "f9")


async def test_f1_groups_bindings_and_lists_slash_commands(tmp_path: Path, server) -> None:
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, KeysScreen)
        table = app.screen.query_one(DataTable)
        rows = [tuple(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]
        headings = [key for key, said in rows if said == ""]
        groups = sorted({e.group for e in entries()}, key=group_order)
        assert headings[: len(groups)] == [GROUP_TITLES.get(g, g.capitalize()) for g in groups]
        assert {"Sessions", "Replies", "Prompt", "View", "App"} <= set(headings)
        assert "Slash commands" in headings
        # The approval modal's keys are listed too (a user meets them mid-reply).
        assert "When a tool asks to run" in headings
        assert any(said.startswith("Always allow this tool") for _, said in rows)
        keys = [key for key, _ in rows]
        for command in app.screen_stack[0].prompt_area.available_commands():
            assert command.usage in keys
        assert len(app.screen_stack[0].prompt_area.available_commands()) <= len(COMMANDS)
        # Rows under "Sessions" until the next heading are the session.* bindings.
        start = keys.index("Sessions") + 1
        end = start + next(i for i, (_, said) in enumerate(rows[start:]) if said == "")
        under = [said for _, said in rows[start:end]]
        assert len(under) == len([e for e in entries() if e.group == "session"])
        for said in ("New", "Session settings", "Choose model", "Switch provider"):
            assert any(row.startswith(said + "  session.") for row in under), said
        assert "New  session.new" in under  # the id is shown, for [keymap]
        # Long descriptions wrap (the row is taller) rather than being cut at 80 columns.
        editor_row = keys.index("^g")
        assert table.ordered_rows[editor_row].height > 1
        await pilot.press("f1")
        await pilot.pause()
        assert not isinstance(app.screen, KeysScreen)
