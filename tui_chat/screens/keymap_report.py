"""Which `[keymap]` entries the app uses, and what is wrong with the others: an id no
binding has, a key another binding has too, a key the prompt takes. The app and
`tui-chat config check` both say it from here, in the same words."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from textual.binding import Binding

from tui_chat.keymap import unknown_ids, usable_keymap
from tui_chat.screens.chat import ChatScreen
from tui_chat.screens.keys import catalogue, keymap_clashes, merged_bindings


def keymap_in_force(
    keymap: Mapping[str, str], app_bindings: Iterable[Binding]
) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """(the entries in force, [(binding id, problem)]) for a config's `[keymap]`; entries
    with keys that cannot be bound are left out (the config warned about them on load)."""
    app_bindings = list(app_bindings)
    defaults = catalogue(merged_bindings(ChatScreen), app_bindings, {})
    usable = usable_keymap(keymap)
    unknown = unknown_ids(usable, [entry.id for entry in defaults])
    in_force = {k: v for k, v in usable.items() if k not in unknown}
    problems = [
        (
            binding_id,
            f"keymap: '{binding_id}' is not a binding id (ignored); "
            "F1 and config.example.toml list them",
        )
        for binding_id in unknown
    ]
    entries = catalogue(merged_bindings(ChatScreen), app_bindings, in_force)
    for binding_id in in_force:
        problems += [
            (binding_id, p) for p in keymap_clashes(entries, {binding_id: in_force[binding_id]})
        ]
    return in_force, problems
