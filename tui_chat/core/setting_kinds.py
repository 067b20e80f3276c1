"""The kinds of value a setting holds, and how each kind is read, checked and shown.

Every row of the settings field table (`tui_chat.core.settings.FIELDS`) names one kind. A
kind reads a value four ways, because four places hold settings: a session file (lenient:
a hand-edited file must still open, so what cannot be used is dropped), the config's
`[defaults]` (strict: the problem is named in plain words and the file is refused), what the
user typed in a form (`SettingError` says what is wrong), and a value already in a
`ChatSettings` that is out of range (brought into range, or unset, with a note saying so).
The wording of every message is part of the kind's row, so one table says it all.
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tui_chat.core.sanitize import clean_tree, single_line, strip_control
from tui_chat.core.store.json_files import nested_deeper_than

Fixed = tuple[Any, str | None]
"""A value brought into range, and what was wrong with it (None when nothing was)."""


class SettingError(ValueError):
    """A value the user typed that cannot be used; the message says why in plain words."""


class Kind:
    """A value with no rule beyond "unset is None": the base of the kinds below."""

    def from_json(self, value: object) -> Any:
        """The value from a session file, or None when it cannot be used (dropped)."""
        return value

    def toml_problem(self, value: object) -> str | None:
        """Why `value` cannot be the `[defaults]` value ("must be ..."), or None."""
        return None

    def from_toml(self, value: Any) -> Any:
        """A `[defaults]` value that passed `toml_problem`, as the setting holds it."""
        return value

    def from_text(self, text: str) -> Any:
        """What the user typed (already stripped); blank unsets. Raises SettingError."""
        return text or None

    def to_text(self, value: Any) -> str:
        """The value as a form shows it; blank when unset."""
        return "" if value is None else str(value)

    def fix(self, value: Any) -> Fixed:
        """The value brought into range (or unset), and what was wrong."""
        return value, None


@dataclass(frozen=True)
class Name(Kind):
    """One line of text naming something (a provider, a model, a persona)."""

    def from_json(self, value: object) -> Any:
        if isinstance(value, str) and single_line(value).strip():
            return single_line(value).strip()
        return None

    def toml_problem(self, value: object) -> str | None:
        return None if isinstance(value, str) else "must be a string"

    def from_toml(self, value: Any) -> Any:
        return value or None


@dataclass(frozen=True)
class Prompt(Kind):
    """Free text over many lines (the system prompt); "" is a value, not unset."""

    def from_json(self, value: object) -> Any:
        return strip_control(value) if isinstance(value, str) else None

    def toml_problem(self, value: object) -> str | None:
        return None if isinstance(value, str) else "must be a string"

    def from_toml(self, value: Any) -> Any:
        return value or None  # in [defaults] an empty prompt is no prompt

    def from_text(self, text: str) -> Any:
        return strip_control(text) if text else None

    def to_text(self, value: Any) -> str:
        return value or ""


@dataclass(frozen=True)
class Number(Kind):
    """A number in a range. Messages: `rule` completes "[defaults] NAME ...";
    `not_a_number` answers typed text; `unusable` (NaN, or with `above_low` a value at or
    below `low`: left unset) and `outside` (brought into range; formatted with value,
    fixed, low and high) describe fixing a value."""

    low: float
    high: float
    rule: str
    not_a_number: str
    unusable: str
    outside: str
    above_low: bool = False
    percent: bool = False
    """Typed text may be a percentage ("70%"), and a number above 1 is one too."""

    def from_json(self, value: object) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        return None

    def toml_problem(self, value: object) -> str | None:
        if not isinstance(value, int | float) or isinstance(value, bool):
            return self.rule
        above = self.low < value if self.above_low else self.low <= value
        return None if above and value <= self.high else self.rule

    def from_toml(self, value: Any) -> Any:
        return float(value)

    def from_text(self, text: str) -> Any:
        if not text:
            return None
        percent = self.percent and text.endswith("%")
        try:
            value = float(text.rstrip("%").strip() if self.percent else text)
        except ValueError:
            raise SettingError(self.not_a_number) from None
        return value / 100 if percent or (self.percent and value > 1) else value

    def to_text(self, value: Any) -> str:
        return "" if value is None else f"{value:g}"

    def fix(self, value: Any) -> Fixed:
        if value is None:
            return None, None
        if not math.isfinite(value) or (self.above_low and value <= self.low):
            return None, self.unusable
        if self.low <= value <= self.high:
            return value, None
        fixed = min(self.high, max(self.low, value))
        words = self.outside.format(value=value, fixed=fixed, low=self.low, high=self.high)
        return fixed, words


@dataclass(frozen=True)
class Count(Kind):
    """A whole number from `minimum` to `limit`. Typed text may use "_" or "," between
    digits and a "k" for thousands. `too_small` leaves it unset; `too_large` (formatted
    with value and limit) uses the limit, or with `unset_when_large` leaves it unset."""

    limit: int
    rule: str
    not_a_number: str
    too_small: str
    too_large: str
    minimum: int = 1
    unset_when_large: bool = False
    negative: str | None = None
    """Said at once when a negative number is typed (else `too_small` says it)."""

    def from_json(self, value: object) -> Any:
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def toml_problem(self, value: object) -> str | None:
        if isinstance(value, int) and not isinstance(value, bool) and value >= self.minimum:
            return None
        return self.rule

    def from_text(self, text: str) -> Any:
        if not text:
            return None
        text = text.replace("_", "").replace(",", "")
        multiplier = 1
        if text[-1:] in ("k", "K"):  # "32k" tokens
            text, multiplier = text[:-1], 1000
        try:
            value = int(text) * multiplier
        except ValueError:
            raise SettingError(self.not_a_number) from None
        if self.negative is not None and value < 0:
            raise SettingError(self.negative)
        return value

    def fix(self, value: Any) -> Fixed:
        if value is None:
            return None, None
        if value < self.minimum:
            return None, self.too_small
        if value > self.limit:
            words = self.too_large.format(value=value, limit=self.limit)
            return (None if self.unset_when_large else self.limit), words
        return value, None


@dataclass(frozen=True)
class Choice(Kind):
    """One of `choices`. `unset` is the value that means "not chosen" ("default", or
    None); `what` starts the messages and `fallback` says what a bad value becomes.
    `labels` are what a form shows for each choice; `none_means` is the choice a form
    shows for None (and reads back as None); `bool_words` lets `[defaults]` say
    true/false for the first/second word."""

    choices: tuple[str, ...]
    what: str
    fallback: str
    unset: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    none_means: str | None = None
    bool_words: tuple[str, str] | None = None

    @property
    def listed(self) -> str:
        return ", ".join(self.choices)

    def from_json(self, value: object) -> Any:
        return value if value in self.choices else None

    def toml_problem(self, value: object) -> str | None:
        if self.bool_words is not None and isinstance(value, bool):
            return None
        if not isinstance(value, str):
            return "must be a string" if self.bool_words is None else self.rule
        if value == "" and self.unset is None:
            return None
        return None if value in self.choices else self.rule

    @property
    def rule(self) -> str:
        return f"must be one of: {self.listed}"

    def from_toml(self, value: Any) -> Any:
        if isinstance(value, bool) and self.bool_words is not None:
            return self.bool_words[0] if value else self.bool_words[1]
        return value or self.unset

    def from_text(self, text: str) -> Any:
        value = text.lower().replace(" ", "_").replace("-", "_")
        if not value:
            return self.unset
        if value not in self.choices:
            raise SettingError(f"{self.what} is one of: {self.listed}.")
        return value

    def to_text(self, value: Any) -> str:
        return value or ""

    def fix(self, value: Any) -> Fixed:
        if value == self.unset or value in self.choices:
            return value, None
        return self.unset, f"{self.what} is one of: {self.listed}; {self.fallback}."


@dataclass(frozen=True)
class Flag(Kind):
    """On or off; `what` names it in messages."""

    what: str

    def from_json(self, value: object) -> Any:
        return value if isinstance(value, bool) else None

    def toml_problem(self, value: object) -> str | None:
        return None if isinstance(value, bool) else "must be true or false"

    def from_text(self, text: str) -> Any:
        lowered = text.lower()
        if lowered in ("", "off", "no", "false", "0"):
            return False
        if lowered in ("on", "yes", "true", "1"):
            return True
        raise SettingError(f"{self.what} is on or off.")

    def to_text(self, value: Any) -> str:
        return "on" if value else "off"


@dataclass(frozen=True)
class Names(Kind):
    """A list of names (the tools a session offers); typed as "a, b c"; blank is unset."""

    def from_json(self, value: object) -> Any:
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(dict.fromkeys(single_line(v).strip() for v in value if v.strip()))
        return None

    def toml_problem(self, value: object) -> str | None:
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return None
        return "must be a list of names"

    def from_toml(self, value: Any) -> Any:
        return tuple(dict.fromkeys(value))

    def from_text(self, text: str) -> Any:
        names = [n for n in text.replace(",", " ").split() if n]
        return tuple(dict.fromkeys(names)) if names else None

    def to_text(self, value: Any) -> str:
        return ", ".join(value or ())


@dataclass(frozen=True)
class Table(Kind):
    """A table of plain JSON values (extra request fields); empty is unset."""

    def from_json(self, value: object) -> Any:
        if (
            isinstance(value, Mapping)
            and all(isinstance(k, str) for k in value)
            and not nested_deeper_than(value)
        ):
            return clean_tree(dict(value))  # shown in the settings
        return None

    def toml_problem(self, value: object) -> str | None:
        return None if isinstance(value, dict) else "must be a table"

    def from_text(self, text: str) -> Any:
        if not text:
            return {}
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SettingError(f"Extra request fields must be a JSON object: {exc.msg}.") from None
        if not isinstance(value, dict):
            raise SettingError('Extra request fields must be a JSON object, like {"seed": 1}.')
        return value

    def to_text(self, value: Any) -> str:
        return table_text(value)

    def fix(self, value: Any) -> Fixed:
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            return {}, "Extra request fields must be plain JSON values; dropped."
        return value, None


def parse_table(text: str, what: str = "Extra request fields") -> dict[str, Any]:
    """A JSON object (text starting with "{") or TOML key = value lines, as a dict of plain
    JSON values; blank text is an empty dict. Raises SettingError in plain words."""
    text = text.strip()
    if not text:
        return {}
    value: Any
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SettingError(
                f"{what}: not valid JSON ({exc.msg}, line {exc.lineno} column {exc.colno})."
            ) from None
        if not isinstance(value, dict):
            raise SettingError(f'{what} must be a JSON object, like {{"seed": 1}}.')
    else:
        try:
            value = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SettingError(
                f"{what}: not valid TOML ({exc}); write key = value lines or a JSON object."
            ) from None
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        raise SettingError(f"{what} must be plain JSON values (no dates or times).") from None
    return dict(value)


def table_text(value: Mapping[str, Any]) -> str:
    """A table as the JSON text `parse_table` reads back; blank when it is empty."""
    return json.dumps(value, indent=2, ensure_ascii=False) if value else ""
