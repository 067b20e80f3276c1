"""Which `[keymap]` entries the app uses, and what is wrong with the others: an id no
binding has, a key another binding has too, a key the prompt takes. The app and
`tui-chat config check` both say it from here, in the same words."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from textual.binding import Binding

from tui_chat.config.keymap import unknown_ids, usable_keymap
from tui_chat.ui.screens.chat import ChatScreen
from tui_chat.ui.screens.keys import bindings_of, catalogue, resolve_keymap


def keymap_in_force(
    keymap: Mapping[str, str], app_bindings: Iterable[Binding]
) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """(the entries in force, [(binding id, problem)]) for a config's `[keymap]`: ids no
    binding has are left out, and a key given twice or taken from another binding runs
    one binding (see `resolve_keymap`); entries with keys that cannot be bound are left
    out (the config warned about them on load)."""
    defaults = catalogue(bindings_of(ChatScreen.key_classes()), list(app_bindings), {})
    usable = usable_keymap(keymap)
    unknown = unknown_ids(usable, [entry.id for entry in defaults])
    problems = [
        (
            binding_id,
            f"keymap: '{binding_id}' is not a binding id (ignored); "
            "F1 and config.example.toml list them",
        )
        for binding_id in unknown
    ]
    resolved = resolve_keymap(defaults, {k: v for k, v in usable.items() if k not in unknown})
    return resolved.keymap, problems + resolved.problems
