"""F1: every key and slash command, grouped; and the binding catalogue the command
palette and the `[keymap]` check are generated from.

Everything here is read from the live bindings (after the user's keymap), so a binding
added anywhere on the chat screen or the app shows up without being listed again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from tui_chat.config.keymap import split_keys
from tui_chat.core import slash
from tui_chat.core.slash import SlashCommand
from tui_chat.ui.render.bindings_access import class_bindings
from tui_chat.ui.render.bindings_access import give_way as give_way
from tui_chat.ui.render.bindings_access import merged_bindings as merged_bindings

if TYPE_CHECKING:
    from textual.app import App
    from textual.dom import DOMNode
    from textual.widgets import DataTable

# Keys handled inside widgets rather than through bindings.
PROMPT_KEYS = [
    ("enter", "Send the message (or run a /command)"),
    ("ctrl+j / shift+enter / alt+enter", "New line in the prompt"),
    ("up / down (empty prompt)", "Earlier prompts of this session; down returns to your draft"),
    ("/", "Slash commands: tab or enter completes, up/down choose, esc closes"),
    ("//", "At the start: send a message that starts with a literal /"),
    ("ctrl+v / paste", "Paste (multi-line text keeps its newlines)"),
    ("up / down (in the sidebar)", "Move through sessions; enter opens"),
    ("ctrl+b (below 100 columns)", "Sidebar over the conversation; esc or opening hides it"),
    ("tab / shift+tab", "Move focus: prompt, messages, sidebar"),
    ("click a reply", "Show its reasoning in the thinking pane"),
]

GROUP_TITLES = {
    "session": "Sessions",
    "message": "Messages",
    "reply": "Replies",
    "input": "Prompt",
    "view": "View",
    "context": "Context",
    "config": "Config",
    "app": "App",
}
"""Headings for the id prefixes we know; others are shown capitalised."""


@dataclass(frozen=True)
class KeyEntry:
    """One binding with an id, with the keys it has now (after the keymap)."""

    id: str
    binding: Binding
    keys: tuple[str, ...]
    """The keys in force, e.g. ("ctrl+n",)."""
    on_app: bool
    """True for an app binding (runs on the app), False for a chat screen binding."""

    @property
    def group(self) -> str:
        return self.id.partition(".")[0] if "." in self.id else "app"

    @property
    def description(self) -> str:
        """What it does, in words: the tooltip when there is one (it says more)."""
        return self.binding.tooltip or self.binding.description or self.binding.action

    @property
    def title(self) -> str:
        """For the command palette: `session: Rename` (the group word is not repeated)."""
        said = self.binding.description or self.binding.action
        group = self.group
        if said.lower().startswith(group + " ") and len(said) > len(group) + 1:
            said = said[len(group) + 1 :]
            said = said[:1].upper() + said[1:]
        return f"{group}: {said}"


def bindings_with_ids(bindings: Iterable[BindingType]) -> list[Binding]:
    """The Binding objects of a BINDINGS list that have an id, first one per id."""
    seen: set[str] = set()
    found: list[Binding] = []
    for binding in bindings:
        if isinstance(binding, Binding) and binding.id and binding.id not in seen:
            seen.add(binding.id)
            found.append(binding)
    return found


def bindings_of(nodes: Iterable[DOMNode | type[DOMNode]]) -> list[Binding]:
    """`merged_bindings` of several nodes (or classes), in order: the chat screen's keys
    are its own and those of the widgets it names in KEY_OWNERS."""
    return [binding for node in nodes for binding in merged_bindings(node)]


def claimed_keys(keymap: Mapping[str, str]) -> dict[str, str]:
    """Each key the keymap gives (normalized as Textual does) → the binding id it runs."""
    claimed: dict[str, str] = {}
    for binding_id, keys in keymap.items():
        for key in split_keys(keys):
            claimed.setdefault(_normal(key), binding_id)
    return claimed


def catalogue(
    screen_bindings: Iterable[Binding],
    app_bindings: Iterable[Binding],
    keymap: Mapping[str, str],
) -> list[KeyEntry]:
    """Entries for the chat screen's and the app's bindings with ids, keys from `keymap`
    where it rebinds them; a key the keymap gives to one binding is left out of the
    others' (it runs only that one: see `give_way`)."""
    claimed = claimed_keys(keymap)
    entries: list[KeyEntry] = []
    for on_app, bindings in ((False, screen_bindings), (True, app_bindings)):
        keys_of: dict[str, list[str]] = {}
        first: dict[str, Binding] = {}
        for binding in bindings:
            if not binding.id:
                continue
            first.setdefault(binding.id, binding)
            keys_of.setdefault(binding.id, []).extend(
                k.strip() for k in binding.key.split(",") if k.strip()
            )
        for binding_id, binding in first.items():
            if any(e.id == binding_id for e in entries):
                continue
            if binding_id in keymap:
                keys = tuple(k.strip() for k in keymap[binding_id].split(",") if k.strip())
            else:
                keys = tuple(
                    k
                    for k in dict.fromkeys(keys_of[binding_id])
                    if claimed.get(_normal(k), binding_id) == binding_id
                )
            entries.append(KeyEntry(binding_id, binding, keys, on_app))
    return entries


def group_order(group: str) -> tuple[int, str]:
    known = list(GROUP_TITLES)
    return (known.index(group) if group in known else len(known), group)


@dataclass(frozen=True)
class HelpSection:
    title: str
    rows: list[tuple[str, str]]
    ids: list[str] | None = None
    """The binding id of each row, for bindings (shown dim: what [keymap] takes)."""


def help_sections(
    app: App[Any],
    entries: list[KeyEntry],
    extra: Iterable[tuple[str, list[tuple[str, str]]]] = (),
    commands: Iterable[SlashCommand] = slash.COMMANDS,
) -> list[HelpSection]:
    """What F1 shows: bindings by group (current keys), the prompt's own keys, the
    slash commands, then `extra` sections (other screens' keys)."""
    groups: dict[str, HelpSection] = {}
    for entry in sorted(entries, key=lambda e: group_order(e.group)):
        keys = " / ".join(app.get_key_display(Binding(k, "")) for k in entry.keys) or "—"
        title = GROUP_TITLES.get(entry.group, entry.group.capitalize())
        section = groups.setdefault(entry.group, HelpSection(title, [], []))
        section.rows.append((keys, entry.description))
        assert section.ids is not None
        section.ids.append(entry.id)
    sections = list(groups.values())
    sections.append(
        HelpSection(
            "Typing & moving",
            [*PROMPT_KEYS, ("ctrl+p", "Command palette: every command, searchable")],
        )
    )
    sections.append(
        HelpSection("Slash commands", [(c.usage, c.help) for c in commands]),
    )
    sections.extend(HelpSection(title, rows) for title, rows in extra)
    return sections


class KeysScreen(ModalScreen[None]):
    """Keys and commands in one table, generated from the live app so it never goes
    stale. Descriptions wrap to the width of the terminal."""

    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close", show=False)]

    def __init__(self, sections: list[HelpSection] | list[tuple[str, str]]) -> None:
        super().__init__()
        rows = [row for row in sections if not isinstance(row, HelpSection)]
        # Plain (keys, description) rows make one section.
        self.sections: list[HelpSection] = (
            [HelpSection("Keys", rows)]
            if rows
            else [section for section in sections if isinstance(section, HelpSection)]
        )

    def compose(self) -> ComposeResult:
        # Imported here: the app imports this module at start, and F1 is rarely the first key.
        from textual.widgets import DataTable

        with Vertical(id="dialog"):
            yield Static("Keys and commands", id="heading")
            yield DataTable(id="keys", cursor_type="row", zebra_stripes=True, show_header=False)
            yield Static(
                "esc closes · dim names: ids for the config's [keymap]", id="hint", markup=False
            )

    def on_mount(self) -> None:
        self._fill()
        self._table().focus()

    def _table(self) -> DataTable:
        from textual.widgets import DataTable

        return self.query_one("#keys", DataTable)

    def on_resize(self, event: events.Resize) -> None:
        self._fill()

    def _fill(self) -> None:
        """Columns sized to the terminal: keys up to a quarter of it; both wrap."""
        table = self._table()
        row = table.cursor_row
        table.clear(columns=True)
        # The dialog's width is 90% of the screen, minus border, padding and the
        # table's cell padding and scrollbar.
        inner = max(30, int(self.app.size.width * 0.9) - 2 - 4 - 2 - 4)
        longest = max((len(key) for s in self.sections for key, _ in s.rows), default=10)
        key_width = min(longest, max(15, inner // 4))
        table.add_column("Key", width=key_width, key="key")
        table.add_column("Action", width=inner - key_width, key="action")
        for section in self.sections:
            table.add_row(
                Text(section.title, style="bold"), Text(""), key=f"# {section.title}", height=None
            )
            for index, (key, description) in enumerate(section.rows):
                said = Text(description)
                if section.ids:
                    said.append(f"  {section.ids[index]}", style="dim")
                table.add_row(Text(key), said, height=None)
        if row:
            table.move_cursor(row=min(row, table.row_count - 1))


@dataclass(frozen=True)
class KeymapResolution:
    """The `[keymap]` as it runs: every key it gives runs one binding."""

    keymap: dict[str, str]
    """The entries with the keys they keep (of a key two entries give, the first)."""
    problems: list[tuple[str, str]]
    """(binding id, what the user should know about its entry), in the keymap's order."""


def resolve_keymap(defaults: list[KeyEntry], keymap: Mapping[str, str]) -> KeymapResolution:
    """The keymap against the bindings' default keys (`defaults`: `catalogue` without a
    keymap). A key the keymap gives runs that binding only: another binding with the
    key by default loses it, wherever it is bound (see `give_way`), as does the
    prompt's own binding for it; a key two entries give runs the first. Each of these
    is said, as is a key the prompt uses itself while typing (it cannot give those up:
    Enter, the arrows, characters)."""
    from textual.keys import key_to_character

    from tui_chat.ui.widgets.prompt import TYPING_KEYS, PromptInput

    claimed = claimed_keys(keymap)
    kept = {
        binding_id: ",".join(
            dict.fromkeys(k for k in split_keys(keys) if claimed[_normal(k)] == binding_id)
        )
        for binding_id, keys in keymap.items()
    }
    kept = {binding_id: keys for binding_id, keys in kept.items() if keys}
    prompt_own = class_bindings(PromptInput)
    problems: list[tuple[str, str]] = []
    for binding_id, keys in keymap.items():

        def say(text: str, binding_id: str = binding_id) -> None:
            problems.append((binding_id, text))

        for key in split_keys(keys):
            normal = _normal(key)
            said = f'keymap: {binding_id} = "{key}": '
            owner = claimed[normal]
            if owner != binding_id:
                say(
                    f"{said}{key} is also {owner}, earlier in the keymap; it runs {owner}"
                )
                continue
            losers = [
                e.id
                for e in defaults
                if e.id != binding_id
                and e.id not in kept
                and normal in {_normal(k) for k in e.keys}
            ]
            if losers:
                say(
                    f"{said}{key} is also {', '.join(losers)} by default; it runs {binding_id} now"
                )
            character = key_to_character(normal)
            if normal in TYPING_KEYS or (character is not None and character.isprintable()):
                say(
                    f"{said}the prompt uses {key} itself, so it works only when the prompt "
                    "does not have focus"
                )
            elif own := prompt_own.key_to_bindings.get(normal):
                say(
                    f"{said}{key} was the prompt's own {own[0].description or own[0].action}; "
                    f"it runs {binding_id} now"
                )
    return KeymapResolution(kept, problems)


def keymap_clashes(defaults: list[KeyEntry], keymap: Mapping[str, str]) -> list[str]:
    """The problems of `resolve_keymap`, in words."""
    return [text for _, text in resolve_keymap(defaults, keymap).problems]


def _normal(key: str) -> str:
    from textual.keys import _character_to_key

    return _character_to_key(key) if len(key) == 1 else key
