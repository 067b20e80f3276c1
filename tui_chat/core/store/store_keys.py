"""The few top-level keys of a session file that belong to the store, not to `Session`.

Whether a session is pinned, and where it was imported from, are kept in its file so that
another window and the next start see them, but they are not part of the conversation:
the store remembers them per session when it reads a file and adds them to every save.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

STORE_KEYS = ("pinned", "imported_from")
"""Top-level keys of a session file kept by the store, not by `Session`."""


class StoreKeys:
    """The STORE_KEYS of each session read or written, by id (thread-safe)."""

    def __init__(self) -> None:
        self._keys: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def remember(self, session_id: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """Take the store keys of a file as read (`data`: its top level); returns them."""
        keys = {key: data[key] for key in STORE_KEYS if data.get(key)}
        with self._lock:
            self._keys[session_id] = keys
        return keys

    def of(self, session_id: str) -> dict[str, Any]:
        with self._lock:
            return dict(self._keys.get(session_id, {}))

    def set(self, session_id: str, **values: Any) -> None:
        """Set keys for the next save of `session_id` (a falsy value removes one)."""
        with self._lock:
            keys = self._keys.setdefault(session_id, {})
            for key, value in values.items():
                if key not in STORE_KEYS:
                    raise KeyError(key)
                if value:
                    keys[key] = value
                else:
                    keys.pop(key, None)

    def is_pinned(self, session_id: str) -> bool:
        with self._lock:
            return bool(self._keys.get(session_id, {}).get("pinned"))
