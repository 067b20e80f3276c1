"""Reading the config: TOML text -> `Config`, with every problem found named by its line.

A missing file is not an error (the built-in presets are used); a broken file raises
`ConfigError`, which names the file, the line and the problem.
"""

from __future__ import annotations

import re
import stat
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tui_chat.config.display_config import parse_display
from tui_chat.config.keymap import parse_keymap
from tui_chat.config.lines import LineIndex, Problem, in_line_order
from tui_chat.config.model import Config, ConfigError
from tui_chat.config.parse_images import parse_images
from tui_chat.config.parse_provider import parse_provider
from tui_chat.config.parse_tools import check_tool_names, parse_mcp_servers, parse_tools
from tui_chat.config.presets import PRESETS
from tui_chat.config.provider import DEMO_PROVIDER, ProviderConfig
from tui_chat.core.sanitize import clean_tree
from tui_chat.core.settings import DEFAULTS_FIELDS, ChatSettings

_DEFAULTS_KEYS = {setting.toml_key for setting in DEFAULTS_FIELDS}
_TOP_KEYS = {"default_provider", "system_prompt", "theme", "defaults", "personas", "providers"}
_TOP_KEYS.add("keymap")  # key bindings by id; checked in tui_chat.config.keymap
_TOP_KEYS.update(("tools", "mcp_servers"))  # checked in tui_chat.config.parse_tools
_TOP_KEYS.add("images")  # checked in tui_chat.config.parse_images
_TOP_KEYS.add("display")  # checked in tui_chat.config.display_config
_LINE_IN_MESSAGE = re.compile(r"line (\d+)")


def example_config_text() -> str:
    """config.example.toml as shipped inside the package (what `tui-chat config init`
    writes)."""
    from importlib.resources import files

    return files("tui_chat").joinpath("config.example.toml").read_text(encoding="utf-8")


def load_config(path: Path, environ: Mapping[str, str] | None = None) -> Config:
    """Read and validate the config at `path`; built-in defaults when it does not exist."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config(path=path)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, f"cannot read the file: {exc}") from exc
    return parse_config(text, path)


def parse_config(text: str, path: Path) -> Config:
    """Validate TOML text as a config; `path` is only used in messages and warnings.
    Every problem is looked for, not just the first: the ConfigError carries them all."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _LINE_IN_MESSAGE.search(str(exc))
        line = int(match.group(1)) if match else None
        problem = _LINE_IN_MESSAGE.sub("", str(exc)).replace("(at , column", "(column")
        raise ConfigError(path, f"invalid TOML: {problem.strip()}", line) from exc
    except (RecursionError, MemoryError) as exc:  # e.g. arrays nested 100,000 deep
        raise ConfigError(path, "invalid TOML: it is nested too deeply or too large") from exc
    # Names and texts reach the screen: no escape sequences (keys become single lines).
    data = clean_tree(data)

    index = LineIndex(text)
    problems: list[Problem] = []
    for key in data:
        if key not in _TOP_KEYS:
            problems.append(Problem(f"unknown key '{key}' (ignored)", index.line(key), True))

    raw_providers = data.get("providers", {})
    if not isinstance(raw_providers, dict):
        problems.append(Problem("'providers' must be a table", index.line("providers")))
        raw_providers = {}
    providers: dict[str, ProviderConfig] = {}
    for name, table in raw_providers.items():
        provider = parse_provider(name, table, index, problems)
        if provider is not None:
            providers[name] = provider
    inline_keys = any(provider.api_key for provider in providers.values())
    if not raw_providers:
        providers = dict(PRESETS)
    # A table with a mistake is still a provider the default can name (no second error).
    names = list(raw_providers) or list(providers)

    default_provider = _string(data, "default_provider", index, problems) or names[0]
    if default_provider != DEMO_PROVIDER and default_provider not in names:
        problems.append(
            Problem(
                f"default_provider '{default_provider}' is not one of the [providers.*] tables "
                f"({', '.join(names)})",
                index.line("default_provider"),
            )
        )
    personas = _parse_personas(data.get("personas", {}), index, problems)
    defaults = _parse_defaults(
        data.get("defaults", {}),
        _string(data, "system_prompt", index, problems) or "",
        personas,
        index,
        problems,
    )
    keymap, keymap_problems = parse_keymap(data.get("keymap", {}))
    for binding_id, problem in keymap_problems:
        line = index.line("keymap", *([binding_id] if binding_id else []))
        problems.append(Problem(f"{problem} (ignored)", line, True))
    theme = _string(data, "theme", index, problems)
    tools = parse_tools(data.get("tools"), index, problems)
    mcp_servers = parse_mcp_servers(data.get("mcp_servers"), index, problems)
    tools_line = index.line("defaults", "tools")
    check_tool_names(defaults.tools, tools, mcp_servers, tools_line, problems)
    images = parse_images(data.get("images"), index, problems)
    display = parse_display(data.get("display"), index, problems)
    if inline_keys and _readable_by_others(path):
        problems.append(
            Problem(
                "this file holds an API key and can be read by other users: run chmod 600 on it",
                warning=True,
            )
        )
    ordered = in_line_order(problems)
    errors = [problem for problem in ordered if not problem.warning]
    if errors:
        raise ConfigError(path, errors[0].text, errors[0].line, ordered)
    return Config(
        path=path,
        default_provider=default_provider,
        providers=providers,
        theme=theme,
        defaults=defaults,
        personas=personas,
        exists=True,
        warnings=tuple(problem.located(path) for problem in ordered),
        problems=tuple(ordered),
        keymap=keymap,
        tools=tools,
        mcp_servers=mcp_servers,
        images=images,
        display=display,
    )


def _raise_first_error(path: Path, problems: list[Problem]) -> None:
    """For a table checked on its own (the editor's): the first error, without a line."""
    for problem in problems:
        if not problem.warning:
            raise ConfigError(path, problem.text)


def provider_from_table(name: str, table: Mapping[str, Any], path: Path) -> ProviderConfig:
    """Validate one `[providers.NAME]` table given as a dict (as the editor builds it);
    raises ConfigError without a line."""
    problems: list[Problem] = []
    provider = parse_provider(name, dict(table), LineIndex(""), problems)
    _raise_first_error(path, problems)
    assert provider is not None
    return provider


def _parse_personas(raw: Any, index: LineIndex, problems: list[Problem]) -> dict[str, str]:
    if not isinstance(raw, dict):
        problems.append(
            Problem("'personas' must be a table of name = \"prompt\"", index.line("personas"))
        )
        return {}
    personas: dict[str, str] = {}
    for name, text in raw.items():
        if not isinstance(text, str) or not text.strip():
            problems.append(
                Problem(
                    f"[personas] {name} must be the persona's system prompt (a non-empty string)",
                    index.line("personas", name),
                )
            )
        personas[name] = text  # kept, so a default naming it is not a second problem
    return personas


def defaults_from_table(
    table: Mapping[str, Any], personas: Mapping[str, str], path: Path
) -> ChatSettings:
    """Validate a `[defaults]` table given as a dict (as the editor builds it); raises
    ConfigError without a line."""
    problems: list[Problem] = []
    defaults = _parse_defaults(dict(table), "", personas, LineIndex(""), problems)
    _raise_first_error(path, problems)
    return defaults


def _parse_defaults(
    raw: Any,
    top_level_prompt: str,
    personas: Mapping[str, str],
    index: LineIndex,
    problems: list[Problem],
) -> ChatSettings:
    """The `[defaults]` table, each key checked by its settings field (core.settings.FIELDS);
    built-in defaults when it has errors (added to `problems`)."""
    if not isinstance(raw, dict):
        problems.append(Problem("'defaults' must be a table", index.line("defaults")))
        return ChatSettings()
    found: list[Problem] = []

    def fail(key: str, problem: str) -> None:
        found.append(Problem(f"[defaults] {key} {problem}", index.line("defaults", key)))

    for key in raw:
        if key not in _DEFAULTS_KEYS:
            line = index.line("defaults", key)
            found.append(Problem(f"unknown key '{key}' in [defaults] (ignored)", line, True))
    values: dict[str, Any] = {}
    for setting in DEFAULTS_FIELDS:
        key = setting.toml_key or setting.name
        value = raw.get(key)
        if value is None:
            continue
        problem = setting.kind.toml_problem(value)
        if problem is not None:
            fail(key, problem)
        else:
            values[setting.name] = setting.kind.from_toml(value)
    # What one key means depends on another: the prompt and the persona.
    system_prompt = values.get("system_prompt")
    if system_prompt and top_level_prompt and system_prompt != top_level_prompt:
        found.append(
            Problem(
                "system_prompt is set both at the top and in [defaults]; the one in [defaults] "
                "is used",
                index.line("system_prompt"),
                True,
            )
        )
    values["system_prompt"] = system_prompt or top_level_prompt or None
    persona = values.get("persona")
    if persona is not None:
        if persona not in personas:
            known = ", ".join(personas) or "none are defined"
            fail("persona", f"'{persona}' is not in [personas] ({known})")
        if values["system_prompt"]:
            fail("persona", "and system_prompt are both set: keep one of them")
    problems.extend(found)
    if any(not problem.warning for problem in found):
        return ChatSettings()
    return ChatSettings(**values)


def _string(
    data: dict[str, Any], key: str, index: LineIndex, problems: list[Problem]
) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        problems.append(Problem(f"'{key}' must be a string", index.line(key)))
        return None
    return value


def _readable_by_others(path: Path) -> bool:
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return bool(mode & (stat.S_IRGRP | stat.S_IROTH))
