"""Every private Textual name the app touches, what shape it must have, and why we need it.

Textual (pinned exactly in pyproject.toml) keeps these out of its public API, so a release
may rename, remove or reshape any of them without notice. They are used only in this folder
(`tui_chat/ui/render/`); tests/test_render_quarantine.py checks that each still exists in the
installed Textual with the shape listed here, and that no module outside this folder (in
`tui_chat/` or `tests/`) uses one.

The rule that test enforces, outside `tui_chat/ui/render/` (in `tui_chat/` and `tests/`):
- no import from a private Textual module (`textual._x`, `textual.widgets._x`: any dotted
  part after `textual` that starts with "_");
- no `._name` attribute access (nor `getattr`/`setattr`/`hasattr`/`delattr` with a "_name"
  string) where `_name` is listed here, or is an underscore name Textual defines that no
  module outside this folder defines for itself (a `def`, or a `self._name`/`cls._name`
  assignment): our own `self._lock` is fine, Textual's `app._notifications` is not. A module
  that does not import textual at all may use the names it defines itself (config/lines.py
  has its own `_headers`);
- no `def _name` in a class outside this folder that overrides a listed method, and no class
  outside this folder whose own body defines an underscore name that a Textual class it
  derives from has (`PromptInput._on_key` became `on_key`, which Textual runs first).
Where code elsewhere needs one of these, it calls a function here: `bindings_access` (the
chat keys' bindings), `folding.FollowingScroll.follow_from_end` (the anchor), `probes` (what
tests read of Textual: notices, the compositor, a terminal's output).

After a Textual upgrade:
1. Run tests/test_render_quarantine.py: it names each private name that moved or changed.
2. Run the app with `TUI_CHAT_STOCK_RENDER=1` (see `stock`): replies and reasoning are then
   Textual's own `Markdown` fed by `Markdown.get_stream` (a `MarkdownStream`), the chat
   screen uses Textual's compositor and layout, the footer is Textual's `Footer`, and nothing
   folds or is deferred. A bug that goes away with it is in this engine; one that stays is
   not. (The few names kept in both modes: the anchor of a following scroll, the chat keys'
   bindings, the line-breaking hooks of `line_breaks`.)
3. Run tests/test_stream_render.py, test_stream_folding.py, test_lean_screen.py: they compare
   streamed replies with full renders and the lean screen with Textual's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["module", "class", "method", "attribute", "function"]


@dataclass(frozen=True)
class PrivateName:
    """One private Textual name: `owner.name`."""

    owner: str
    """Dotted path of the module or class that has it (the module, for a "function": a
    module-level function we replace, whose global Textual looks up at call time)."""
    name: str
    kind: Kind
    why: str
    params: tuple[str, ...] = ()
    """For a method: the names of its parameters after `self`, in order; for a function,
    all of them (ours must take the same)."""
    used_in: str = ""
    """Our module(s) that use it, in this folder."""
    relied_on: bool = False
    """Not named in our code, but what it does is relied on (Textual calls it)."""


_MARKDOWN = "textual.widgets._markdown"
_BLOCK = f"{_MARKDOWN}.MarkdownBlock"
_COMPOSITOR = "textual._compositor.Compositor"

_MARKDOWN_CLASSES = {
    "MarkdownH1": "stream_blocks",
    "MarkdownH2": "stream_blocks",
    "MarkdownH3": "stream_blocks",
    "MarkdownH4": "stream_blocks",
    "MarkdownH5": "stream_blocks",
    "MarkdownH6": "stream_blocks",
    "MarkdownHeader": "stream_blocks, stream_markdown",
    "MarkdownParagraph": "stream_blocks, stream_lists",
    "MarkdownBullet": "stream_lists",
    "MarkdownBulletList": "stream_lists, stream_markdown",
    "MarkdownOrderedList": "stream_lists, stream_markdown",
    "MarkdownListItem": "stream_lists",
    "MarkdownTable": "stream_lists",
}

PRIVATE_NAMES: tuple[PrivateName, ...] = (
    # -- modules ---------------------------------------------------------------------
    PrivateName(
        "textual",
        "_compositor",
        "module",
        "The lean screen subclasses its Compositor (CompositorMap, ReflowResult: types).",
        used_in="lean_screen, probes",
    ),
    PrivateName(
        "textual.widgets",
        "_markdown",
        "module",
        "The Markdown block classes the streaming blocks subclass; only Markdown, "
        "MarkdownBlock, MarkdownFence and MarkdownStream are public (textual.widgets.markdown).",
        used_in="stream_blocks, stream_lists, stream_markdown",
    ),
    PrivateName(
        "textual.document",
        "_wrapped_document",
        "module",
        "Its compute_wrap_offsets global (imported from textual._wrap) is the prompt's soft "
        "wrap: replaced for CJK line breaks.",
        used_in="line_breaks",
    ),
    PrivateName(
        "textual.widgets",
        "_footer",
        "module",
        "Its FooterKey is queried by CSS type name ('FooterKey') in tests of the footer.",
        used_in="footer (tests)", relied_on=True,
    ),
    *(
        PrivateName(_MARKDOWN, name, "class", "A block kind the stream builds or subclasses.",
                    used_in=used)
        for name, used in _MARKDOWN_CLASSES.items()
    ),
    PrivateName("textual.widgets._footer", "FooterKey", "class",
                "One key of the footer: tests wait for them to be mounted.",
                used_in="tests/test_lean_screen.py, tests/test_startup.py", relied_on=True),
    # -- the lean screen: Textual's compositor and screen ------------------------------
    PrivateName(
        _COMPOSITOR, "_arrange_root", "method",
        "Overridden: geometries that ignore paint order (see lean_screen, 'Paint order').",
        params=("root", "size", "visible_only"), used_in="lean_screen",
    ),
    PrivateName(
        _COMPOSITOR, "_get_renders", "method",
        "Overridden: render only the rows of an update ('Whole widgets behind a one-line "
        "update').",
        params=("crop",), used_in="lean_screen, probes",
    ),
    PrivateName(
        _COMPOSITOR, "_full_map_invalidated", "attribute",
        "Cleared after a reflow built the full map ('The full map built twice').",
        used_in="lean_screen",
    ),
    PrivateName(
        _COMPOSITOR, "reflow", "method",
        "Overridden (a public name on a private class): the layout.",
        params=("parent", "size"), used_in="lean_screen, probes",
    ),
    PrivateName(
        _COMPOSITOR, "visible_widgets", "attribute",
        "Read by the row-only renders: each visible widget's region and clip.",
        used_in="lean_screen",
    ),
    PrivateName(
        _COMPOSITOR, "_full_map", "attribute",
        "Tests check the geometries of the last layout are order-blind.",
        used_in="probes",
    ),
    PrivateName(
        _COMPOSITOR, "_render_chops", "method",
        "Overridden: pieces of a line start at the cuts, not at each widget's edge ('Wide "
        "characters cut by what lies underneath'); tests compare the rows drawn with ours "
        "and Textual's renders.",
        params=("crop", "is_rendered_line"), used_in="lean_screen, probes",
    ),
    PrivateName(
        _COMPOSITOR, "cuts", "attribute",
        "Overridden (a public property on a private class): lines cut only where the "
        "front-most widget changes.",
        used_in="lean_screen",
    ),
    PrivateName(
        _COMPOSITOR, "_cuts", "attribute",
        "The cache of `cuts`, which Textual clears on each layout and scroll.",
        used_in="lean_screen",
    ),
    PrivateName(
        _COMPOSITOR, "render_strips", "method",
        "Tests read the screen as drawn.", params=("size",), used_in="probes",
    ),
    PrivateName(
        "textual.screen.Screen", "_compositor", "attribute",
        "The lean screen installs its LeanCompositor here.",
        used_in="lean_screen, probes",
    ),
    PrivateName(
        "textual.screen.Screen", "_refresh_layout", "method",
        "Overridden: virtual sizes set quietly during a layout ('Layout echo').",
        params=("size", "scroll"), used_in="lean_screen",
    ),
    PrivateName(
        "textual.reactive.Reactive", "_layout", "attribute",
        "Turned off on Widget.virtual_size during a layout ('Layout echo').",
        used_in="lean_screen, probes",
    ),
    PrivateName(
        "textual.reactive.Reactive", "_repaint", "attribute",
        "Turned off on Widget.virtual_size during a layout ('Layout echo').",
        used_in="lean_screen, probes",
    ),
    # -- line breaking (CJK): module-level functions Textual looks up at call time -------
    PrivateName(
        "textual.content", "divide_line", "function",
        "Rich's divide_line as Content imported it: how every Static wraps; replaced by a "
        "wrapper that breaks between CJK characters (line_breaks).",
        params=("text", "width", "fold"), used_in="line_breaks",
    ),
    PrivateName(
        "textual.document._wrapped_document", "compute_wrap_offsets", "function",
        "textual._wrap's function as WrappedDocument imported it: the prompt's soft wrap; "
        "replaced by a wrapper that breaks between CJK characters (line_breaks).",
        params=("text", "width", "tab_size", "fold", "precomputed_tab_sections"),
        used_in="line_breaks",
    ),
    # -- the footer ---------------------------------------------------------------------
    PrivateName(
        "textual.widgets.Footer", "_bindings_ready", "attribute",
        "Set as Footer.bindings_changed does, whose recompose ChatFooter coalesces.",
        used_in="footer",
    ),
    # -- folding and the runway ----------------------------------------------------------
    PrivateName(
        "textual.widget.Widget", "_anchor_released", "attribute",
        "Whether the user scrolled away from the end: a view follows (and folds) only "
        "when anchored and not released.",
        used_in="folding",
    ),
    PrivateName(
        "textual.widget.Widget", "_anchored", "attribute",
        "Anchored without the jump to the end that Widget.anchor() makes "
        "(FollowingScroll.follow_from_end).",
        used_in="folding",
    ),
    PrivateName(
        "textual.widget.Widget", "_clear_arrangement_cache", "method",
        "A runway step change must arrange the container again.",
        used_in="folding",
    ),
    # -- Markdown and its blocks ------------------------------------------------------------
    PrivateName(
        "textual.widgets.Markdown", "_markdown", "attribute",
        "The source text, set by append as Textual's append does.",
        used_in="stream_markdown",
    ),
    PrivateName(
        "textual.widgets.Markdown", "_last_parsed_line", "attribute",
        "Where the next append parses from (append, and update's fix of it).",
        used_in="stream_markdown",
    ),
    PrivateName(
        "textual.widgets.Markdown", "_parse_markdown", "method",
        "Builds blocks from tokens (append builds from trimmed tokens).",
        params=("tokens",), used_in="stream_markdown",
    ),
    PrivateName(
        "textual.widgets.Markdown", "_table_of_contents", "attribute",
        "Reset when new headings arrive, as Textual's append does.",
        used_in="stream_markdown",
    ),
    PrivateName(
        _BLOCK, "_markdown", "attribute",
        "The Markdown a block belongs to: is it streaming?", used_in="stream_blocks, "
        "stream_fence, stream_lists",
    ),
    PrivateName(
        _BLOCK, "_blocks", "attribute",
        "A block's child blocks before it is mounted (list items, the growing leaf).",
        used_in="stream_blocks, stream_lists",
    ),
    PrivateName(
        _BLOCK, "_content", "attribute",
        "A block's text, set in place by set_content and compared by the list update.",
        used_in="stream_blocks, stream_fence, stream_lists",
    ),
    PrivateName(
        _BLOCK, "_token_to_content", "method",
        "A paragraph's text from its inline token, for the last paragraph of a stream "
        "updated without a block built for it.",
        params=("token",), used_in="stream_blocks",
    ),
    PrivateName(
        _BLOCK, "_token", "attribute",
        "A block's token, which `_copy_context` takes from a new block: set directly "
        "when the last paragraph is updated without one.",
        used_in="stream_blocks",
    ),
    PrivateName(
        _BLOCK, "_copy_context", "method",
        "Takes a new block's context, as Textual's updates do.",
        params=("block",), used_in="stream_fence, stream_lists, stream_maths",
    ),
    PrivateName(
        _BLOCK, "_update_from_block", "method",
        "Overridden by lists, tables and code: take the new parse in place.",
        params=("block",), used_in="stream_fence, stream_lists, stream_markdown, stream_maths",
    ),
    PrivateName(
        f"{_MARKDOWN}.MarkdownFence", "_highlighted_code", "attribute",
        "The highlighted code its label shows (the tail only while streaming).",
        used_in="stream_fence",
    ),
    PrivateName(
        f"{_MARKDOWN}.MarkdownTable", "_rows", "attribute",
        "The rows a table shows: new rows are added to them while streaming.",
        used_in="stream_lists",
    ),
    PrivateName(
        f"{_MARKDOWN}.MarkdownTable", "_headers", "attribute",
        "A table's headers: a block built from its last row on has the same.",
        used_in="stream_lists",
    ),
    PrivateName(
        f"{_MARKDOWN}.MarkdownTable", "_get_headers_and_rows", "method",
        "The rows of a table built from the last shown row on.",
        used_in="stream_lists",
    ),
    # -- bindings (the chat keys and the keymap) -----------------------------------------------
    PrivateName(
        "textual.dom.DOMNode", "_merged_bindings", "attribute",
        "A class's bindings, base classes included: F1, the palette and the keymap check.",
        used_in="bindings_access",
    ),
    PrivateName(
        "textual.dom.DOMNode", "_bindings", "attribute",
        "A node's bindings: the keymap's keys are taken from the prompt and the app.",
        used_in="bindings_access",
    ),
    # -- what tests read (probes) -----------------------------------------------------------
    PrivateName(
        "textual.app.App", "_notifications", "attribute",
        "The notices an app shows: tests check what the user was told.",
        used_in="probes",
    ),
    PrivateName(
        "textual.app.App", "_display", "method",
        "Draws nothing for a headless driver: the capturing driver says it is not one.",
        params=("screen", "renderable"), used_in="probes", relied_on=True,
    ),
    PrivateName(
        "textual.command.CommandPalette", "_GATHER_COMMANDS_GROUP", "attribute",
        "The worker group of the palette's search: tests wait for it to end.",
        used_in="probes",
    ),
    PrivateName(
        "textual.widgets.Select", "_options", "attribute",
        "The (prompt, value) pairs a Select offers: tests check the choices.",
        used_in="probes",
    ),
)
"""Every private Textual name used in this folder (and the tests' probes), one each."""


def private_attribute_names() -> frozenset[str]:
    """The underscore attribute and method names listed."""
    return frozenset(
        entry.name
        for entry in PRIVATE_NAMES
        if entry.kind in ("method", "attribute") and entry.name.startswith("_")
    )
