"""The chat keys' reach into Textual's binding tables: what a node binds, base classes
included, and leaving out a node's own bindings on keys the keymap gives elsewhere.

Textual has no public way to read a class's merged bindings (`DOMNode._merged_bindings`) or
to change one node's bindings (`DOMNode._bindings`), so this is the one module that does,
next to the rest of the engine's private Textual names (see `private_names`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from textual.binding import Binding, BindingsMap

if TYPE_CHECKING:
    from textual.dom import DOMNode

_UNCLAIMED = "_bindings_before_keymap"
"""Where `give_way` keeps a node's own bindings, as they were before the keymap."""


def class_bindings(node_class: type[DOMNode]) -> BindingsMap:
    """The bindings of `node_class`, base classes included (empty when it has none)."""
    return node_class._merged_bindings or BindingsMap()


def merged_bindings(node: DOMNode | type[DOMNode]) -> list[Binding]:
    """Every binding with an id of a screen or app (or its class), base classes included,
    in the order they were declared; a binding for "a,b" comes once per key. A node's own
    bindings, including those on keys the keymap gave to another binding (see `give_way`)."""
    if isinstance(node, type):
        bindings_map = node._merged_bindings
    else:
        bindings_map = getattr(node, _UNCLAIMED, None) or node._bindings
    if bindings_map is None:
        return []
    return [binding for _key, binding in bindings_map if binding.id]


def give_way(node: DOMNode, claimed: Mapping[str, str]) -> None:
    """Leave out `node`'s own bindings on keys the keymap gives to another binding.

    Textual replaces a rebound binding's keys, but only among the bindings of one node:
    a key the focused prompt binds itself (TextArea's F6, F7, Ctrl+K…) or an app binding
    marked priority (Ctrl+Q) still ran first, so the rebound binding never did. Called
    again with each new keymap; the node's own bindings are kept to start from."""
    unclaimed: BindingsMap | None = getattr(node, _UNCLAIMED, None)
    if unclaimed is None:
        unclaimed = node._bindings.copy()
        setattr(node, _UNCLAIMED, unclaimed)
    bindings = unclaimed.copy()
    for key, owner in claimed.items():
        kept = [b for b in bindings.key_to_bindings.get(key, ()) if b.id == owner]
        if kept:
            bindings.key_to_bindings[key] = kept
        else:
            bindings.key_to_bindings.pop(key, None)
    node._bindings = bindings
