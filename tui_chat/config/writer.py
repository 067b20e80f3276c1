"""Writing the config: Config -> TOML (tomli-w), saved only after it reads back the same,
and editing operations that return a new Config (the UI never mutates one).

Saved files are always private (mode 0o600): a config may hold an inline key now or after
the next edit, its api_key_cmd tells where keys live, and nobody else needs to read it. A
fixed mode also does not depend on the umask, and the `.bak` copy gets the same mode.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from tui_chat.config.display_config import display_table
from tui_chat.config.model import Config, ConfigError
from tui_chat.config.parse import defaults_from_table, parse_config, provider_from_table
from tui_chat.config.parse_images import images_table
from tui_chat.config.presets import PRESETS
from tui_chat.config.provider import DEFAULT_TIMEOUT, DEMO_PROVIDER, Prices, ProviderConfig
from tui_chat.config.tools_writer import text_allowing, tools_tables
from tui_chat.config.watch import FileStamp, file_stamp
from tui_chat.core.atomic import write_atomic
from tui_chat.core.settings import DEFAULTS_FIELDS, ChatSettings

FILE_MODE = 0o600
HEADER = (
    "# tui-chat configuration, written by the app. Comments are not kept when it saves;\n"
    "# every key is explained in config.example.toml (`tui-chat config init` writes it).\n\n"
)
_NAME = re.compile(r"[A-Za-z0-9_-]+")
_DEFAULTS_NAMES = {setting.name for setting in DEFAULTS_FIELDS}


class ConfigEditError(ValueError):
    """An edit that would make the config invalid; `problem` is for the user."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(problem)


class SaveRefused(Exception):
    """Saving would destroy something the user may want; ask, then save with force=True.

    `reason` is "invalid_on_disk" (the file on disk does not load: never overwrite it
    unasked) or "changed_on_disk" (edited elsewhere since it was loaded)."""

    def __init__(self, path: Path, reason: str, problem: str) -> None:
        self.path = path
        self.reason = reason
        self.problem = problem
        super().__init__(f"{path}: {problem}")


@dataclass(frozen=True)
class Saved:
    """The config as it now reads from disk, and the file's stamp (for ConfigWatcher)."""

    config: Config
    stamp: FileStamp | None


# -- Config -> TOML ------------------------------------------------------------------------


def provider_table(provider: ProviderConfig) -> dict[str, Any]:
    """One `[providers.NAME]` table: only what differs from the defaults, in the order of
    config.example.toml."""
    table: dict[str, Any] = {}
    if provider.label:
        table["label"] = provider.label
    table["base_url"] = provider.base_url
    if provider.api_key_env:
        table["api_key_env"] = provider.api_key_env
    if provider.api_key_cmd:
        cmd = provider.api_key_cmd
        table["api_key_cmd"] = cmd if isinstance(cmd, str) else list(cmd)
    if provider.api_key:
        table["api_key"] = provider.api_key
    if provider.models:
        table["models"] = list(provider.models)
    if provider.default_model:
        table["default_model"] = provider.default_model
    if provider.dialect != "generic":
        table["dialect"] = provider.dialect
    if provider.timeout != DEFAULT_TIMEOUT:
        timeout = provider.timeout
        table["timeout"] = int(timeout) if float(timeout).is_integer() else timeout
    if provider.extra_body:
        table["extra_body"] = _plain(provider.extra_body)
    if provider.embedding_model:
        table["embedding_model"] = provider.embedding_model
    if provider.image_model:
        table["image_model"] = provider.image_model
    if provider.image_api:
        table["image_api"] = provider.image_api
    if provider.model_settings:
        models: dict[str, Any] = {}
        for model, settings in provider.model_settings.items():
            entry: dict[str, Any] = {}
            if settings.context_window is not None:
                entry["context_window"] = settings.context_window
            if settings.extra_body:
                entry["extra_body"] = _plain(settings.extra_body)
            if settings.prices is not None:
                entry["prices"] = prices_table(settings.prices)
            models[model] = entry
        table["model_settings"] = models
    return table


def prices_table(prices: Prices) -> dict[str, Any]:
    """A model's `prices` table."""
    table: dict[str, Any] = {"input": prices.input, "output": prices.output}
    if prices.cached_input is not None:
        table["cached_input"] = prices.cached_input
    if prices.currency != "$":
        table["currency"] = prices.currency
    return table


def defaults_table(defaults: ChatSettings) -> dict[str, Any]:
    """The `[defaults]` table: only the settings it holds that are set (an empty text is
    not: in `[defaults]` it means the same as leaving the key out)."""
    table: dict[str, Any] = {}
    for setting in DEFAULTS_FIELDS:
        value = getattr(defaults, setting.name)
        if value != setting.unset and value != "":
            table[setting.toml_key or setting.name] = _plain(value)  # tools: a list
    return table


def config_to_toml(config: Config) -> str:
    """The config as TOML text. Every provider is written out (a file without providers
    means "the presets", which is not the same as the providers one has now)."""
    data: dict[str, Any] = {"default_provider": config.default_provider}
    if config.theme:
        data["theme"] = config.theme
    defaults = defaults_table(config.defaults)
    if defaults:
        data["defaults"] = defaults
    if config.personas:
        data["personas"] = dict(config.personas)
    data["providers"] = {name: provider_table(p) for name, p in config.providers.items()}
    if config.keymap:
        data["keymap"] = dict(config.keymap)
    data.update(tools_tables(config))  # [tools], [mcp_servers.*]: appended at the end
    images = images_table(config.images)
    if images:
        data["images"] = images
    display = display_table(config.display)
    if display:
        data["display"] = display
    try:
        return HEADER + tomli_w.dumps(data, multiline_strings=True)
    except TypeError as exc:  # a value TOML has no type for (None in extra_body, ...)
        raise ConfigError(config.path, f"cannot be written as TOML: {exc}") from None


def _plain(value: Any) -> Any:
    """Mappings and tuples as the dicts and lists tomli-w writes."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _settings(config: Config) -> tuple[Any, ...]:
    """What a save must keep: everything but where the config came from."""
    return (
        config.default_provider,
        dict(config.providers),
        config.theme,
        config.defaults,
        dict(config.personas),
        dict(config.keymap),
        config.tools,
        dict(config.mcp_servers),
        config.images,
        config.display,
    )


# -- saving --------------------------------------------------------------------------------


def backup_path(path: Path) -> Path:
    """Where the previous file is kept: `config.toml.bak` beside it."""
    return path.with_name(path.name + ".bak")


def save_config(
    config: Config,
    path: Path | None = None,
    *,
    expected: FileStamp | None = None,
    force: bool = False,
) -> Saved:
    """Validate and write `config` to `path` (default: config.path).

    The text is parsed back first and must give the same settings, so an invalid file is
    never written. The file on disk is kept as `config.toml.bak` and replaced atomically
    with mode 0o600; a symlinked config file is written through the link.

    Raises ConfigError when the config is invalid (nothing written) and SaveRefused when the
    file on disk does not load or, when `expected` is given (the stamp it had when the
    config was loaded, e.g. ConfigWatcher.stamp), no longer matches it; `force=True`
    overwrites anyway, once the user said so."""
    path = path or config.path
    text = config_to_toml(config)
    for provider in config.providers.values():
        try:
            provider_from_table(provider.name, provider_table(provider), path)
        except ConfigError as error:
            raise ConfigError(path, error.problem) from None
    try:
        reparsed = parse_config(text, path)
    except ConfigError as error:
        raise ConfigError(path, error.problem) from None
    if _settings(reparsed) != _settings(config):
        raise ConfigError(path, "the settings would not read back the same; not saved")

    target = Path(os.path.realpath(path))
    if not force:
        _refuse_to_clobber(target, path, expected)
    try:
        old = target.read_bytes()
    except FileNotFoundError:
        old = None
    except OSError as exc:
        raise ConfigError(path, f"cannot read the file to back it up: {exc}") from None
    replace_file(target, old, text, path)
    return Saved(parse_config(text, path), file_stamp(target))


def _refuse_to_clobber(target: Path, shown: Path, expected: FileStamp | None) -> None:
    if expected is not None and file_stamp(target) != expected:
        raise SaveRefused(
            shown,
            "changed_on_disk",
            "the file changed on disk since it was loaded; reload it, or save anyway to "
            "replace those changes",
        )
    try:
        text = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        return
    except (OSError, UnicodeDecodeError) as exc:
        problem = f"the file on disk cannot be read: {exc}"
        raise SaveRefused(shown, "invalid_on_disk", problem) from None
    try:
        parse_config(text, shown)
    except ConfigError as error:
        raise SaveRefused(
            shown,
            "invalid_on_disk",
            f"the file on disk has a problem ({error}); fix it, or save anyway to replace it "
            f"(the broken file is kept as {backup_path(shown).name})",
        ) from None


def is_hand_written(path: Path) -> bool:
    """True when saving would lose something of the file: comments, its own layout or
    order, unknown keys. The caller warns before the first save over such a file. A
    missing file is not hand-written; one that does not load is."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return False
    except (OSError, UnicodeDecodeError):
        return True
    try:
        return text != config_to_toml(parse_config(text, path))
    except ConfigError:
        return True


def hand_written_notice(path: Path) -> str | None:
    """The warning to show before the first save over a hand-written file; None if none
    is needed."""
    if not is_hand_written(path):
        return None
    return (
        f"{path} was written by hand. Saving from the app rewrites it without its comments "
        f"and layout; the current file is kept as {backup_path(path).name}."
    )


# -- editing: each returns a new Config ----------------------------------------------------


def add_provider(config: Config, name: str, preset: str | None = None, **fields: Any) -> Config:
    """Add provider `name`, copied from PRESETS[preset] (if given) with `fields` over it.
    A blank provider needs at least base_url."""
    name = _check_new_name(config, name)
    if preset is not None:
        if preset not in PRESETS:
            raise ConfigEditError(f"no preset called '{preset}' (one of: {', '.join(PRESETS)})")
        provider = dataclasses.replace(PRESETS[preset], name=name)
    else:
        provider = ProviderConfig(name=name, base_url="")
    provider = _validated(config, _replace(provider, fields))
    return dataclasses.replace(config, providers={**config.providers, name: provider})


def update_provider(config: Config, name: str, /, **changes: Any) -> Config:
    """Change fields of provider `name`; `name=` in changes renames it (the default
    provider follows)."""
    old = _existing(config, name)
    new_name = changes.pop("name", name)
    if new_name != name:
        new_name = _check_new_name(config, new_name)
    provider = _validated(config, _replace(dataclasses.replace(old, name=new_name), changes))
    providers = {(new_name if n == name else n): p for n, p in config.providers.items()}
    providers[new_name] = provider
    default = new_name if config.default_provider == name else config.default_provider
    return dataclasses.replace(config, providers=providers, default_provider=default)


def remove_provider(config: Config, name: str) -> Config:
    """Remove provider `name`; if it was the default, the first remaining one is. The last
    provider cannot go (a file without providers means "use the presets")."""
    _existing(config, name)
    providers = {n: p for n, p in config.providers.items() if n != name}
    if not providers:
        raise ConfigEditError("the last provider cannot be removed; add another one first")
    default = config.default_provider
    if default == name:
        default = next(iter(providers))
    return dataclasses.replace(config, providers=providers, default_provider=default)


def set_default_provider(config: Config, name: str) -> Config:
    if name != DEMO_PROVIDER:
        _existing(config, name)
    return dataclasses.replace(config, default_provider=name)


def set_defaults(config: Config, **changes: Any) -> Config:
    """Change per-session defaults (the ChatSettings fields `[defaults]` holds), validated."""
    unknown = [name for name in changes if name not in _DEFAULTS_NAMES]
    if unknown:
        raise ConfigEditError(f"unknown setting: {', '.join(unknown)}")
    defaults = config.defaults.replace(**changes)
    try:
        defaults = defaults_from_table(defaults_table(defaults), config.personas, config.path)
    except ConfigError as error:
        raise ConfigEditError(error.problem) from None
    return dataclasses.replace(config, defaults=defaults)


def set_persona(config: Config, name: str, prompt: str) -> Config:
    """Add or change a saved persona."""
    name = name.strip()
    if not name:
        raise ConfigEditError("a persona needs a name")
    if not prompt.strip():
        raise ConfigEditError(f"persona '{name}' needs a system prompt")
    return dataclasses.replace(config, personas={**config.personas, name: prompt})


def remove_persona(config: Config, name: str) -> Config:
    """Remove a persona; new sessions stop using it if it was the default."""
    if name not in config.personas:
        raise ConfigEditError(f"there is no persona '{name}'")
    personas = {n: p for n, p in config.personas.items() if n != name}
    defaults = config.defaults
    if defaults.persona == name:
        defaults = dataclasses.replace(defaults, persona=None)
    return dataclasses.replace(config, personas=personas, defaults=defaults)


def _existing(config: Config, name: str) -> ProviderConfig:
    provider = config.providers.get(name)
    if provider is None:
        raise ConfigEditError(f"there is no provider '{name}'")
    return provider


def _check_new_name(config: Config, name: str) -> str:
    name = name.strip()
    if not _NAME.fullmatch(name):
        raise ConfigEditError(
            "a provider name uses only letters, digits, '-' and '_' (it names its table)"
        )
    if name == DEMO_PROVIDER:
        raise ConfigEditError(f"'{DEMO_PROVIDER}' is reserved for the built-in offline demo")
    if name in config.providers:
        raise ConfigEditError(f"there is already a provider '{name}'")
    return name


def _replace(provider: ProviderConfig, fields: dict[str, Any]) -> ProviderConfig:
    if "models" in fields and isinstance(fields["models"], list):
        fields = {**fields, "models": tuple(fields["models"])}
    try:
        return dataclasses.replace(provider, **fields)
    except TypeError as exc:
        raise ConfigEditError(f"unknown provider setting: {exc}") from None


def _validated(config: Config, provider: ProviderConfig) -> ProviderConfig:
    """The provider as it will read back from the file (normalised), or ConfigEditError."""
    try:
        return provider_from_table(provider.name, provider_table(provider), config.path)
    except ConfigError as error:
        raise ConfigEditError(error.problem) from None


def allow_tool_always(path: Path, label: str) -> Config:
    """The "always allow this tool" answer: append `label` ("read_file", "docs.lookup") to `[tools]
    allow` in the file at `path` (the table is added when missing) and return the config
    as it now reads. Only that line changes: comments and layout stay. The old file is
    kept as `.bak`; the file is written atomically, private, through a symlink.

    Raises ConfigEditError for run_shell (it always asks) and ConfigError when the file
    does not load (it is not touched) or cannot be written."""
    if label == "run_shell":
        raise ConfigEditError("run_shell always asks: it cannot be allowed for good")
    target = Path(os.path.realpath(path))
    try:
        old: str | None = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        old = None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, f"cannot read the file: {exc}") from None
    edit = text_allowing(old, label, path)
    if edit is None:
        return parse_config(old or "", path)
    text, config = edit
    replace_file(target, old, text, path)
    return config


def replace_file(target: Path, old: str | bytes | None, text: str, path: Path) -> None:
    """Write `text` over the config file `target` (the real file behind `path`):
    atomically, private (it may hold keys), the old contents kept as `.bak`. ConfigError
    naming `path` when it cannot be written."""
    try:
        if old is not None:
            write_atomic(backup_path(target), old, mode=FILE_MODE)
        write_atomic(target, text, mode=FILE_MODE)
    except OSError as exc:
        raise ConfigError(path, f"cannot write the file: {exc}") from None
