"""Noticing a config file changed on disk: reload to a new Config, or report the problem
and leave the file alone, so the app keeps running on its last good config."""

from __future__ import annotations

import os
from pathlib import Path

from tui_chat.config.model import Config, ConfigError
from tui_chat.config.parse import load_config
from tui_chat.config.watch import ConfigWatcher, config_changed, file_stamp
from tui_chat.config.writer import save_config, set_default_provider

GOOD = '[providers.a]\nbase_url = "http://a/v1"\n[providers.b]\nbase_url = "http://b/v1"\n'


def rewrite(path: Path, text: str, tick: int) -> None:
    """Write `text` with a distinct mtime (coarse file system clocks cannot hide it)."""
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(tick * 1_000_000_000, tick * 1_000_000_000))


def test_unchanged_file_reports_nothing(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(GOOD)
    watcher = ConfigWatcher(path)
    assert watcher.poll() is None
    assert watcher.poll() is None
    assert not watcher.changed()


def test_edit_is_reloaded_once(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    rewrite(path, GOOD, 1)
    watcher = ConfigWatcher(path)
    rewrite(path, 'default_provider = "b"\n' + GOOD, 2)
    assert watcher.changed()
    result = watcher.poll()
    assert isinstance(result, Config)
    assert result.default_provider == "b"
    assert watcher.poll() is None  # reported once


def test_same_size_same_second_rewrite_is_seen(tmp_path: Path) -> None:
    """An editor that saves by renaming a new file over the old one changes the inode."""
    path = tmp_path / "config.toml"
    rewrite(path, GOOD, 1)
    watcher = ConfigWatcher(path)
    other = tmp_path / "new.toml"
    rewrite(other, GOOD.replace("http://a", "http://c"), 1)
    os.replace(other, path)
    assert isinstance(watcher.poll(), Config)


def test_broken_edit_is_reported_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    rewrite(path, GOOD, 1)
    watcher = ConfigWatcher(path)
    last_good = load_config(path)
    broken = GOOD + '[providers.c]\ndialect = "klingon"\n'
    rewrite(path, broken, 2)
    result = watcher.poll()
    assert isinstance(result, ConfigError)
    assert result.line == 5
    assert "[providers.c]" in result.problem
    assert str(result).startswith(f"{path}:5:")
    assert path.read_text() == broken  # nothing rewrote it
    assert watcher.poll() is None  # not reported again until it changes
    assert last_good.providers.keys() == {"a", "b"}  # what the app keeps using
    rewrite(path, GOOD, 3)  # fixed
    fixed = watcher.poll()
    assert isinstance(fixed, Config)


def test_bad_toml_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    rewrite(path, GOOD, 1)
    watcher = ConfigWatcher(path)
    rewrite(path, "[providers.a\n", 2)
    result = watcher.poll()
    assert isinstance(result, ConfigError)
    assert result.line == 1
    assert "invalid TOML" in result.problem


def test_created_and_removed(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    watcher = ConfigWatcher(path)
    assert watcher.stamp is None
    assert watcher.poll() is None
    rewrite(path, GOOD, 1)
    created = watcher.poll()
    assert isinstance(created, Config) and created.exists
    path.unlink()
    removed = watcher.poll()
    assert isinstance(removed, Config)
    assert removed.exists is False  # back to the built-in presets


def test_own_save_is_not_reported(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    rewrite(path, GOOD, 1)
    watcher = ConfigWatcher(path)
    saved = save_config(set_default_provider(load_config(path), "b"))
    watcher.acknowledge(saved.stamp)
    assert watcher.poll() is None
    assert saved.config.default_provider == "b"


def test_config_changed_helper(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    assert not config_changed(path, None)
    rewrite(path, GOOD, 1)
    stamp = file_stamp(path)
    assert config_changed(path, None)
    assert not config_changed(path, stamp)
    rewrite(path, GOOD + "\n", 1)
    assert config_changed(path, stamp)
