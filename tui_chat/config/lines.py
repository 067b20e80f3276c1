"""Where things are in a config file: the line of each `[table]` header and `key = …`,
and the problems found while validating it, kept with their lines.

The index is built in one pass over the text, so finding a line costs a dict lookup: a
config with 10,000 providers used to take minutes when each key's line was found by
scanning the file again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


def bare_line(line: str) -> str:
    """A line without its comment, quotes and spaces, for finding keys and headers."""
    return line.split("#", 1)[0].replace('"', "").replace("'", "").replace(" ", "")


def _prefixes(dotted: str) -> list[str]:
    """`a.b.c` → [`a.b.c`, `a.b`, `a`]: a name is found by any dotted part of it."""
    names = [dotted]
    end = dotted.rfind(".")
    while end > 0:
        names.append(dotted[:end])
        end = dotted.rfind(".", 0, end)
    return names


def _opens_multiline_string(line: str) -> str | None:
    """The delimiter (`\"\"\"` or `'''`) of a multi-line string this line opens and
    leaves open, else None."""
    for delimiter in ('"""', "'''"):
        if line.count(delimiter) % 2 == 1:
            return delimiter
    return None


class LineIndex:
    """1-based line numbers of a config text's table headers and keys (first wins).

    Names are compared as `bare_line` writes them: without quotes or spaces, so
    `[providers."my-local"]` is `providers.my-local`. Lines inside multi-line strings
    (a persona's prompt) are not read as headers or keys.
    """

    def __init__(self, text: str) -> None:
        self.lines_read = 0
        """How many lines were read (once each): a check that finding lines stays linear."""
        self._headers: dict[str, int] = {}
        """A table's dotted name (and each dotted prefix of it) → its first header line."""
        self._keys: dict[tuple[str, str], int] = {}
        """(table, dotted key or a prefix of it) → the line of `key = …` in that table."""
        table = ""
        open_string: str | None = None
        for number, line in enumerate(text.splitlines(), start=1):
            self.lines_read += 1
            if open_string is not None:
                if line.count(open_string) % 2 == 1:
                    open_string = None
                continue
            open_string = _opens_multiline_string(line)
            text_of_line = bare_line(line)
            if text_of_line.startswith("["):
                table = text_of_line.strip("[]")
                for name in _prefixes(table):
                    self._headers.setdefault(name, number)
            elif "=" in text_of_line:
                key = text_of_line.split("=", 1)[0]
                for name in _prefixes(key):
                    self._keys.setdefault((table, name), number)

    def line(self, *key_path: str) -> int | None:
        """The line that defines `key_path`: its `key = …` line, else its table's header,
        else the line of the nearest enclosing name that is written in the file."""
        for end in range(len(key_path), 0, -1):
            path = key_path[:end]
            dotted = ".".join(path)
            header = self._headers.get(dotted)
            if header is not None:
                return header
            for split in range(len(path) - 1, -1, -1):
                found = self._keys.get((".".join(path[:split]), ".".join(path[split:])))
                if found is not None:
                    return found
        return None


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a config file, at a line when it is known."""

    text: str
    line: int | None = None
    warning: bool = False
    """True when the app can still use the file (the entry is ignored)."""

    def where(self, path: Path) -> str:
        return f"{path}:{self.line}" if self.line else str(path)

    def located(self, path: Path) -> str:
        """`file:line: problem`."""
        return f"{self.where(path)}: {self.text}"


def in_line_order(problems: list[Problem]) -> list[Problem]:
    """Problems by line; those without a line (about the whole file) last, as found."""
    return sorted(problems, key=lambda p: (p.line is None, p.line or 0))
