"""Writing the config: TOML out and back, safe saving (validate, .bak, atomic, 0o600, never
over a broken file unasked), the hand-written check, and the editing operations."""

from __future__ import annotations

import dataclasses
import os
import stat
import tomllib
from pathlib import Path

import pytest

from tui_chat.config.model import Config, ConfigError
from tui_chat.config.parse import example_config_text, load_config, parse_config
from tui_chat.config.presets import PRESETS
from tui_chat.config.provider import ModelSettings, ProviderConfig
from tui_chat.config.watch import file_stamp
from tui_chat.config.writer import (
    HEADER,
    ConfigEditError,
    SaveRefused,
    add_provider,
    backup_path,
    config_to_toml,
    hand_written_notice,
    is_hand_written,
    remove_persona,
    remove_provider,
    save_config,
    set_default_provider,
    set_defaults,
    set_persona,
    update_provider,
)
from tui_chat.core.settings import ChatSettings

THREE = """\
# My providers.
default_provider = "work"

[defaults]
temperature = 0.3
thinking = "on"
reasoning_effort = "high"

[personas]
terse = "Be terse."
poet = \"\"\"
Answer in verse.
Rhyme if you can.\"\"\"

[providers.work]  # from the DashScope preset
label = "Work (Qwen)"
base_url = "https://dashscope.aliyuncs.com/compatible-mode/v1"
api_key_env = "WORK_DASHSCOPE_KEY"
models = ["qwen-plus", "qwen3-max"]
dialect = "dashscope"
extra_body = { enable_thinking = true }

[providers.work.model_settings."qwen3-max"]
context_window = 262144
extra_body = { thinking_budget = 8192 }

[providers.vault]
base_url = "https://api.deepseek.com"
api_key_cmd = ["pass", "show", "api/deepseek"]
models = ["deepseek-v4-flash"]
default_model = "deepseek-v4-flash"
dialect = "deepseek"
timeout = 120.5
extra_body = { thinking = { type = "enabled" } }

[providers.box]
base_url = "http://192.168.1.20:8000/v1"
api_key = "sk-local-0123456789"
timeout = 10
"""


def write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def settings(config: Config) -> tuple[object, ...]:
    return (
        config.default_provider,
        dict(config.providers),
        config.theme,
        config.defaults,
        dict(config.personas),
    )


# -- TOML out and back ------------------------------------------------------------------------


def test_three_providers_round_trip(tmp_path: Path) -> None:
    """Hand-written file -> Config -> TOML -> Config gives the same settings, and the written
    text reads back to exactly the same text."""
    path = write(tmp_path / "config.toml", THREE)
    config = load_config(path)
    assert config.warnings == ()
    assert list(config.providers) == ["work", "vault", "box"]
    text = config_to_toml(config)
    again = parse_config(text, path)
    assert settings(again) == settings(config)
    assert config_to_toml(again) == text
    assert text.startswith(HEADER)
    vault = again.providers["vault"]
    assert vault.api_key_cmd == ("pass", "show", "api/deepseek")
    assert vault.timeout == 120.5
    assert again.providers["work"].model_settings["qwen3-max"] == ModelSettings(
        extra_body={"thinking_budget": 8192}, context_window=262144
    )
    assert again.personas["poet"] == "Answer in verse.\nRhyme if you can."


def test_only_non_default_fields_are_written(tmp_path: Path) -> None:
    config = Config(
        path=tmp_path / "c.toml",
        default_provider="x",
        providers={"x": ProviderConfig(name="x", base_url="http://x/v1")},
    )
    data = tomllib.loads(config_to_toml(config))
    assert data == {"default_provider": "x", "providers": {"x": {"base_url": "http://x/v1"}}}


def test_presets_write_like_the_example() -> None:
    """A preset comes out with the same keys, in the same order, as in the example file."""
    text = config_to_toml(Config(path=Path("c.toml")))
    written = tomllib.loads(text)["providers"]
    example = tomllib.loads(example_config_text())["providers"]
    for name in PRESETS:
        assert list(written[name].items()) == list(example[name].items()), name
    assert parse_config(text, Path("c.toml")).providers == PRESETS


def test_example_round_trips_its_settings(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", example_config_text())
    config = load_config(path)
    assert settings(parse_config(config_to_toml(config), path)) == settings(config)


# -- saving ------------------------------------------------------------------------------------


def test_save_writes_private_file_and_keeps_backup(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", THREE, mode=0o644)
    config = load_config(path)
    assert any("chmod 600" in w for w in config.warnings)  # inline key, readable file
    edited = set_default_provider(config, "box")
    saved = save_config(edited)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert backup_path(path) == tmp_path / "config.toml.bak"
    assert backup_path(path).read_text(encoding="utf-8") == THREE
    assert stat.S_IMODE(backup_path(path).stat().st_mode) == 0o600
    assert saved.config.default_provider == "box"
    assert saved.config.warnings == ()  # the file is private now
    assert saved.stamp == file_stamp(path)
    assert settings(load_config(path)) == settings(edited)
    # No temporary files left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml", "config.toml.bak"]


def test_first_save_creates_the_file_and_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / "config.toml"
    config = load_config(path)
    assert config.exists is False
    save_config(add_provider(config, "mine", base_url="http://h/v1"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not backup_path(path).exists()
    assert "mine" in load_config(path).providers


def test_invalid_config_is_not_written(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", THREE)
    before = path.read_bytes()
    config = load_config(path)
    broken = dataclasses.replace(
        config,
        providers={
            **config.providers,
            "box": dataclasses.replace(config.providers["box"], dialect="klingon"),
        },
    )
    with pytest.raises(ConfigError, match="klingon"):
        save_config(broken)
    no_default = dataclasses.replace(config, default_provider="gone")
    with pytest.raises(ConfigError, match="gone"):
        save_config(no_default)
    assert path.read_bytes() == before
    assert not backup_path(path).exists()


def test_broken_file_on_disk_is_never_overwritten_unasked(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", THREE)
    config = load_config(path)
    broken = b'default_provider = "work"\n[providers.work\nbase_url = 1\n'
    path.write_bytes(broken)
    with pytest.raises(SaveRefused) as info:
        save_config(config)
    assert info.value.reason == "invalid_on_disk"
    assert f"{path}:2:" in info.value.problem  # says where the file is broken
    assert path.read_bytes() == broken
    assert not backup_path(path).exists()
    save_config(config, force=True)  # the user said so
    assert backup_path(path).read_bytes() == broken
    assert settings(load_config(path)) == settings(config)


def test_changed_on_disk_since_loading_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", THREE)
    stamp = file_stamp(path)
    config = load_config(path)
    changed = THREE.replace("timeout = 10", "timeout = 11")
    path.write_text(changed, encoding="utf-8")
    os.utime(path, ns=(1, 1))  # a different mtime even on coarse clocks
    with pytest.raises(SaveRefused) as info:
        save_config(config, expected=stamp)
    assert info.value.reason == "changed_on_disk"
    assert path.read_text(encoding="utf-8") == changed
    save_config(config, expected=file_stamp(path))  # after reloading: fine


def test_save_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    real = write(tmp_path / "dotfiles" / "tui-chat.toml", THREE)
    link = tmp_path / "config" / "config.toml"
    link.parent.mkdir()
    link.symlink_to(real)
    save_config(set_default_provider(load_config(link), "vault"))
    assert link.is_symlink()
    assert load_config(real).default_provider == "vault"
    assert backup_path(real).read_text(encoding="utf-8") == THREE


# -- hand-written files --------------------------------------------------------------------------


def test_hand_written_files_are_recognised(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", THREE)
    assert is_hand_written(path)
    notice = hand_written_notice(path)
    assert notice is not None
    assert "comments" in notice and "config.toml.bak" in notice
    save_config(load_config(path))
    assert not is_hand_written(path)
    assert hand_written_notice(path) is None
    with path.open("a") as handle:
        handle.write("# a note\n")
    assert is_hand_written(path)


def test_hand_written_edge_cases(tmp_path: Path) -> None:
    assert not is_hand_written(tmp_path / "missing.toml")
    assert is_hand_written(write(tmp_path / "broken.toml", "[oops\n"))
    assert is_hand_written(write(tmp_path / "example.toml", example_config_text()))
    # No comments, but keys tomli-w would not keep (unknown) or order it would change.
    assert is_hand_written(write(tmp_path / "unknown.toml", "colour = 1\n"))


# -- editing -------------------------------------------------------------------------------------


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return load_config(write(tmp_path / "config.toml", THREE))


def test_add_provider_from_a_preset(config: Config) -> None:
    edited = add_provider(config, "ds2", preset="deepseek", api_key_env="DS2_KEY")
    assert list(edited.providers)[-1] == "ds2"
    ds2 = edited.providers["ds2"]
    assert ds2 == dataclasses.replace(PRESETS["deepseek"], name="ds2", api_key_env="DS2_KEY")
    assert "ds2" not in config.providers  # the original is untouched


def test_add_blank_provider(config: Config) -> None:
    edited = add_provider(
        config, "lan", base_url="http://lan:8000/v1/", models=["a", "b"], dialect="vllm"
    )
    assert edited.providers["lan"] == ProviderConfig(
        name="lan", base_url="http://lan:8000/v1", models=("a", "b"), dialect="vllm"
    )


@pytest.mark.parametrize(
    ("name", "kwargs", "fragment"),
    [
        ("work", {"base_url": "http://x/v1"}, "already"),
        ("demo", {"base_url": "http://x/v1"}, "reserved"),
        ("has space", {"base_url": "http://x/v1"}, "letters, digits"),
        ("", {"base_url": "http://x/v1"}, "letters, digits"),
        ("new", {}, "base_url"),
        ("new", {"base_url": "localhost:8000"}, "http://"),
        ("new", {"base_url": "http://x/v1", "dialect": "klingon"}, "klingon"),
        ("new", {"base_url": "http://x/v1", "timeout": 0}, "timeout"),
        ("new", {"base_url": "http://x/v1", "colour": "red"}, "unknown provider setting"),
        ("new", {"preset": "nosuch"}, "no preset"),
    ],
)
def test_add_provider_problems(config: Config, name: str, kwargs: dict, fragment: str) -> None:
    with pytest.raises(ConfigEditError) as info:
        add_provider(config, name, **kwargs)
    assert fragment in info.value.problem


def test_update_and_rename_provider(config: Config) -> None:
    edited = update_provider(config, "work", name="office", timeout=30, label="Office")
    assert list(edited.providers) == ["office", "vault", "box"]  # keeps its place
    assert edited.default_provider == "office"  # the default follows the rename
    office = edited.providers["office"]
    assert (office.name, office.timeout, office.label) == ("office", 30.0, "Office")
    assert office.model_settings == config.providers["work"].model_settings
    with pytest.raises(ConfigEditError, match="already"):
        update_provider(config, "work", name="box")
    with pytest.raises(ConfigEditError, match="no provider"):
        update_provider(config, "nosuch", timeout=3)
    with pytest.raises(ConfigEditError, match="base_url"):
        update_provider(config, "box", base_url="")


def test_remove_provider(config: Config) -> None:
    edited = remove_provider(config, "work")
    assert list(edited.providers) == ["vault", "box"]
    assert edited.default_provider == "vault"  # the default was removed: the first left
    assert remove_provider(config, "box").default_provider == "work"
    last = remove_provider(remove_provider(config, "work"), "vault")
    with pytest.raises(ConfigEditError, match="last provider"):
        remove_provider(last, "box")


def test_set_default_provider(config: Config) -> None:
    assert set_default_provider(config, "box").default_provider == "box"
    assert set_default_provider(config, "demo").default_provider == "demo"
    with pytest.raises(ConfigEditError):
        set_default_provider(config, "nosuch")


def test_set_defaults_and_personas(config: Config) -> None:
    edited = set_defaults(config, temperature=1.2, json_mode=True, thinking="off")
    assert edited.defaults == dataclasses.replace(
        config.defaults, temperature=1.2, json_mode=True, thinking="off"
    )
    with pytest.raises(ConfigEditError, match="from 0 to 2"):
        set_defaults(config, temperature=7)
    with pytest.raises(ConfigEditError, match="unknown setting"):
        set_defaults(config, colour="red")
    with pytest.raises(ConfigEditError, match="not in \\[personas\\]"):
        set_defaults(config, persona="nobody")
    chosen = set_defaults(config, persona="poet")
    assert chosen.system_prompt.startswith("Answer in verse.")
    added = set_persona(chosen, "critic", "Point out flaws.")
    assert added.personas["critic"] == "Point out flaws."
    removed = remove_persona(added, "poet")
    assert "poet" not in removed.personas
    assert removed.defaults.persona is None  # no longer the default either
    assert removed.defaults == dataclasses.replace(chosen.defaults, persona=None)
    with pytest.raises(ConfigEditError):
        set_persona(config, " ", "x")
    with pytest.raises(ConfigEditError):
        set_persona(config, "empty", "  ")


def test_edit_then_save_round_trip(config: Config) -> None:
    """The config editor's whole path: edit, save, load, same settings."""
    edited = add_provider(config, "ds2", preset="deepseek")
    edited = update_provider(edited, "box", models=["local-7b"], default_model="local-7b")
    edited = set_defaults(edited, max_tokens=1000, context_free=True)
    edited = set_persona(edited, "multi", "line one\nline two\n")
    saved = save_config(edited)
    again = load_config(config.path)
    assert settings(again) == settings(edited) == settings(saved.config)
    assert again.defaults == ChatSettings(
        temperature=0.3,
        thinking="on",
        reasoning_effort="high",
        max_tokens=1000,
        context_free=True,
    )
