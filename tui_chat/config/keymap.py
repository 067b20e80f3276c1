"""The `[keymap]` table of the config: binding id → keys, checked without the UI.

Key names follow Textual's: `ctrl+k`, `f7`, `alt+up`, `ctrl+shift+left`, a single character
(`a`, `?`), or a character's name (`question_mark`, `plus`). Several keys are separated
by commas. Which binding ids exist is only known to the UI; it checks those separately
with `unknown_ids`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping

MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")
NAMED_KEYS = frozenset(
    {
        "escape",
        "enter",
        "return",
        "tab",
        "space",
        "backspace",
        "delete",
        "insert",
        "home",
        "end",
        "pageup",
        "pagedown",
        "up",
        "down",
        "left",
        "right",
        *(f"f{n}" for n in range(1, 25)),
        # Textual's short names for some characters.
        "slash",
        "backslash",
        "at",
        "minus",
        "plus",
        "underscore",
    }
)


def key_problem(key: str) -> str | None:
    """Why `key` (one key, no commas) is not a key Textual can bind; None when it is."""
    if not key:
        return "an empty key"
    if key != key.strip():
        return f"'{key}' has spaces around it"
    if key == "+":
        return None
    *mods, base = key.split("+")
    if not base or "" in mods:
        return f"'{key}': write plus for the + key (ctrl+plus)"
    for mod in mods:
        if mod not in MODIFIERS:
            return f"'{key}': '{mod}' is not a modifier ({', '.join(MODIFIERS)})"
    if len(set(mods)) != len(mods):
        return f"'{key}' names a modifier twice"
    if len(base) == 1 and base.isprintable():
        return None
    if base in NAMED_KEYS:
        return None
    if base and _is_character_name(base):
        return None
    return f"'{key}' is not a key name (examples: ctrl+k, f7, alt+up, question_mark)"


def _is_character_name(name: str) -> bool:
    """`question_mark`, `plus`, `full_stop`: names Textual uses for punctuation keys."""
    if not name.replace("_", "").isalnum() or name != name.lower():
        return False
    try:
        return len(unicodedata.lookup(name.replace("_", " ").upper())) == 1
    except KeyError:
        return False


def split_keys(keys: str) -> list[str]:
    """`"ctrl+k, f7"` → `["ctrl+k", "f7"]` (a lone `,` cannot be bound this way)."""
    return [part.strip() for part in keys.split(",") if part.strip()]


def parse_keymap(raw: object) -> tuple[dict[str, str], list[tuple[str | None, str]]]:
    """The `[keymap]` table → (its string entries as written, problems). Each problem is
    (binding id or None, what is wrong). Entries with bad keys are kept, so saving the
    config does not drop them, but `usable_keymap` leaves them out."""
    if not isinstance(raw, Mapping):
        return {}, [(None, 'keymap must be a table of binding id = "key[,key…]"')]
    keymap: dict[str, str] = {}
    problems: list[tuple[str | None, str]] = []
    for binding_id, value in raw.items():
        if not isinstance(value, str):
            problems.append(
                (binding_id, f'keymap: {binding_id} must be a string like "ctrl+k" or "f7,ctrl+k"')
            )
            continue
        keymap[str(binding_id)] = value
        problem = entry_problem(value)
        if problem:
            problems.append((binding_id, f"keymap: {binding_id}: {problem}"))
    return keymap, problems


def entry_problem(value: str) -> str | None:
    """What is wrong with one entry's keys ("ctrl+k, f7"); None when all can be bound."""
    keys = split_keys(value)
    if not keys:
        return "no keys"
    bad = [p for p in (key_problem(k) for k in keys) if p]
    return "; ".join(bad) if bad else None


def usable_keymap(keymap: Mapping[str, str]) -> dict[str, str]:
    """The entries whose keys can all be bound, as "key,key"."""
    return {
        binding_id: ",".join(split_keys(value))
        for binding_id, value in keymap.items()
        if entry_problem(value) is None
    }


def unknown_ids(keymap: Mapping[str, str], known: Iterable[str]) -> list[str]:
    """Ids in `keymap` that no binding has, in the order written."""
    ids = set(known)
    return [binding_id for binding_id in keymap if binding_id not in ids]
