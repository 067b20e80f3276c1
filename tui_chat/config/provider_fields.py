"""The provider form's field table: for each field of a provider the editor shows, its
label, its hint, how the value is shown as text and read back, and whether choosing a
preset fills it in. The providers screen (tui_chat.ui.screens.provider_form) builds its
rows from this table and reads them back through it; a new provider setting is a row here.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from tui_chat.config.provider import DEFAULT_TIMEOUT, DIALECTS, IMAGE_APIS, ProviderConfig
from tui_chat.core.setting_kinds import SettingError, parse_table, table_text

Control = Literal["text", "secret", "choice", "table"]
"""How a field is edited: one line, one line not shown, one of `choices`, or a table
(JSON object or TOML lines)."""


@dataclass(frozen=True)
class ProviderField:
    """One row of the provider form. `show` gives the text of a provider's value; `read`
    turns what was typed (stripped) back into a value, given the provider as it was (None
    when adding), and raises SettingError in plain words."""

    name: str
    label: str
    show: Callable[[ProviderConfig], str]
    read: Callable[[str, ProviderConfig | None], Any]
    hint: str = ""
    control: Control = "text"
    choices: tuple[str, ...] = ()
    from_preset: bool = False
    """Filled in from a preset when one is chosen (the others keep what was typed)."""


def command_text(command: str | tuple[str, ...] | None) -> str:
    """An api_key_cmd as one line: a string as written, an argument list shell-quoted."""
    if command is None:
        return ""
    return command if isinstance(command, str) else shlex.join(command)


def _text(text: str, before: ProviderConfig | None) -> str:
    return text


def _optional(text: str, before: ProviderConfig | None) -> str | None:
    return text or None


def _command(text: str, before: ProviderConfig | None) -> str | tuple[str, ...] | None:
    command: str | tuple[str, ...] | None = text or None
    old = before.api_key_cmd if before else None
    if command is not None and command == command_text(old):
        command = old  # unchanged: keep the argument list as it was written
    return command


def _models(text: str, before: ProviderConfig | None) -> tuple[str, ...]:
    return tuple(m for m in text.replace(",", " ").split() if m)


def _timeout(text: str, before: ProviderConfig | None) -> float:
    try:
        return float(text or DEFAULT_TIMEOUT)
    except ValueError:
        raise SettingError("Timeout must be a number of seconds, like 60.") from None


IMAGE_API_AUTO = "auto"
"""The Image API choice for "the dialect's" (`image_api` left out of the file)."""


def _image_api(text: str, before: ProviderConfig | None) -> str | None:
    return None if text in ("", IMAGE_API_AUTO) else text


def _extra_body(text: str, before: ProviderConfig | None) -> dict[str, Any]:
    return parse_table(text)


PROVIDER_FIELDS: tuple[ProviderField, ...] = (
    ProviderField("name", "Name", lambda p: p.name, _text, "letters, digits, - and _"),
    ProviderField(
        "label",
        "Label",
        lambda p: p.label or "",
        _optional,
        "shown in the app (optional)",
        from_preset=True,
    ),
    ProviderField(
        "base_url", "Base URL", lambda p: p.base_url, _text, "https://…/v1", from_preset=True
    ),
    ProviderField(
        "dialect",
        "Dialect",
        lambda p: p.dialect,
        _text,
        control="choice",
        choices=DIALECTS,
        from_preset=True,
    ),
    ProviderField(
        "api_key_env",
        "Key variable",
        lambda p: p.api_key_env or "",
        _optional,
        "e.g. DEEPSEEK_API_KEY (recommended)",
        from_preset=True,
    ),
    ProviderField(
        "api_key_cmd",
        "Key command",
        lambda p: command_text(p.api_key_cmd),
        _command,
        "e.g. pass show api/deepseek",
    ),
    ProviderField(
        "api_key",
        "Key in file",
        lambda p: p.api_key or "",
        _optional,
        "discouraged: the file then holds the key",
        control="secret",
    ),
    ProviderField(
        "models",
        "Models",
        lambda p: ", ".join(p.models),
        _models,
        "model names, comma separated",
        from_preset=True,
    ),
    ProviderField(
        "default_model",
        "Default model",
        lambda p: p.default_model or "",
        _optional,
        "blank: the first of Models",
        from_preset=True,
    ),
    ProviderField(
        "image_model",
        "Image model",
        lambda p: p.image_model or "",
        _optional,
        "for /image, e.g. cogview-4 (blank: none)",
        from_preset=True,
    ),
    ProviderField(
        "image_api",
        "Image API",
        lambda p: p.image_api or IMAGE_API_AUTO,
        _image_api,
        control="choice",
        choices=(IMAGE_API_AUTO, *IMAGE_APIS),
        from_preset=True,
    ),
    ProviderField("timeout", "Timeout (s)", lambda p: f"{p.timeout:g}", _timeout),
    ProviderField(
        "extra_body",
        "Extra request fields (JSON object or TOML lines)",
        lambda p: table_text(dict(p.extra_body)),
        _extra_body,
        control="table",
    ),
)
BLANK_PROVIDER = ProviderConfig(name="", base_url="")
"""What the form shows when adding a provider without a preset."""
