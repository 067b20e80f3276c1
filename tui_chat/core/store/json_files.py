"""Reading JSON files that may be broken or hostile: session files, the caches beside them,
the trash, an import.

Reading one file can fail in more ways than `OSError` and `ValueError`: a 100,000-deep
`[[[…]]]` makes the json module raise RecursionError, a huge file MemoryError, and a
document of the wrong shape makes the code that reads it raise TypeError, KeyError,
AttributeError or OverflowError. Each of those must make that one file "unreadable", never
end the app, so the readers here turn every one into `UnreadableFile` with the problem in
plain words, and `SHAPE_ERRORS` lists what code building objects from parsed JSON may raise.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tui_chat.core.sanitize import one_line

SHAPE_ERRORS: tuple[type[BaseException], ...] = (
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    ArithmeticError,
    RecursionError,
    MemoryError,
)
"""What building objects from parsed JSON of an unexpected shape (or depth) may raise."""
CACHE_ERRORS: tuple[type[BaseException], ...] = (OSError, *SHAPE_ERRORS)
"""What reading a cache file (an index) line by line may raise; the cache is then rebuilt."""


class UnreadableFile(Exception):
    """A file that cannot be read as JSON; `problem` says why, safe to show on one line."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(problem)


def problem_of(exc: BaseException) -> str:
    """Plain words for an exception raised while reading or interpreting a file."""
    if isinstance(exc, RecursionError):
        return "it is nested too deeply to read"
    if isinstance(exc, MemoryError):
        return "it is too large to read"
    if isinstance(exc, UnicodeDecodeError):
        return "it is not UTF-8 text"
    if isinstance(exc, json.JSONDecodeError):
        return f"it is not valid JSON (line {exc.lineno}, column {exc.colno})"
    if isinstance(exc, FileNotFoundError):
        return "the file is gone"
    if isinstance(exc, OSError):
        return f"cannot read it ({exc.strerror or type(exc).__name__})"
    detail = one_line(str(exc), 120)
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def parse_json(raw: bytes | str) -> Any:
    """`json.loads`, raising only UnreadableFile."""
    try:
        return json.loads(raw)
    except (ValueError, RecursionError, MemoryError) as exc:
        if isinstance(exc, ValueError) and not isinstance(
            exc, json.JSONDecodeError | UnicodeDecodeError
        ):
            # e.g. an integer longer than int_max_str_digits
            raise UnreadableFile(f"it is not valid JSON ({one_line(str(exc), 120)})") from exc
        raise UnreadableFile(problem_of(exc)) from exc


def read_json(path: Path) -> Any:
    """The parsed contents of a JSON file, raising only UnreadableFile."""
    try:
        raw = path.read_bytes()
    except (OSError, MemoryError) as exc:
        raise UnreadableFile(problem_of(exc)) from exc
    return parse_json(raw)


MAX_KEPT_DEPTH = 64
"""Deepest nesting kept from a file in a value the app holds on to (a session's extra_body):
copying or writing a value nested hundreds deep runs out of stack later, far from the file."""


def nested_deeper_than(value: Any, limit: int = MAX_KEPT_DEPTH) -> bool:
    """Whether dicts and lists in `value` nest more than `limit` deep (found level by
    level, without recursing: the point is values too deep to recurse into)."""
    level = [value] if isinstance(value, dict | list) else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        level = [
            child
            for item in level
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, dict | list)
        ]
    return False
