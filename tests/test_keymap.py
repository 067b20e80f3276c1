"""The [keymap] config table: key names, parsing, problems, unknown ids."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tui_chat.config.keymap import key_problem, parse_keymap, split_keys, unknown_ids, usable_keymap
from tui_chat.config.parse import parse_config
from tui_chat.config.writer import config_to_toml

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "key",
    [
        "ctrl+k",
        "f7",
        "f12",
        "alt+up",
        "ctrl+shift+left",
        "a",
        "?",
        "question_mark",
        "plus",
        "escape",
        "enter",
        "pagedown",
        "super+x",
        "+",
        "é",
        "ctrl+full_stop",
    ],
)
def test_good_keys(key: str) -> None:
    assert key_problem(key) is None


@pytest.mark.parametrize(
    ("key", "fragment"),
    [
        ("ctrl+zz", "not a key name"),
        ("cmd+k", "'cmd' is not a modifier"),
        ("ctrl+ctrl+k", "names a modifier twice"),
        ("ctrl+", "write plus"),
        ("f99", "not a key name"),
        ("Ctrl+K", "not a modifier"),
        ("", "empty"),
    ],
)
def test_bad_keys(key: str, fragment: str) -> None:
    problem = key_problem(key)
    assert problem is not None and fragment in problem


def test_split_keys() -> None:
    assert split_keys(" ctrl+k , f7,") == ["ctrl+k", "f7"]


def test_parse_keymap_keeps_the_good_entries() -> None:
    keymap, problems = parse_keymap(
        {"session.new": "ctrl+o", "view.sidebar": "ctrl+zz", "reply.retry": 3, "x.y": " , "}
    )
    # Bad keys are kept as written (a save must not drop them) but are not usable.
    assert keymap == {"session.new": "ctrl+o", "view.sidebar": "ctrl+zz", "x.y": " , "}
    assert usable_keymap(keymap) == {"session.new": "ctrl+o"}
    said = dict(problems)
    assert "not a key name" in said["view.sidebar"]
    assert "must be a string" in said["reply.retry"]
    assert "no keys" in said["x.y"]
    assert parse_keymap(["f1"]) == (
        {},
        [(None, 'keymap must be a table of binding id = "key[,key…]"')],
    )


def test_unknown_ids() -> None:
    assert unknown_ids({"session.new": "f9", "nope": "f8"}, ["session.new"]) == ["nope"]


def test_config_reads_keymap_with_located_problems(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    text = (
        'default_provider = "demo"\n'
        "\n"
        "[keymap]\n"
        '"session.new" = "ctrl+o, f9"\n'
        '"view.sidebar" = "hyperspace"\n'
    )
    config = parse_config(text, path)
    assert config.keymap == {"session.new": "ctrl+o, f9", "view.sidebar": "hyperspace"}
    assert usable_keymap(config.keymap) == {"session.new": "ctrl+o,f9"}
    assert len(config.warnings) == 1
    warning = config.warnings[0]
    assert warning.startswith(f"{path}:5: ") and "view.sidebar" in warning
    assert "[" not in warning  # notifications read [..] as markup
    assert parse_config('default_provider = "demo"\n', path).keymap == {}


def test_keymap_module_needs_no_ui() -> None:
    code = "import sys, tui_chat.config.keymap; print('textual' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


def test_saving_the_config_keeps_the_keymap(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    config = parse_config(
        '[providers.local]\nbase_url = "http://x/v1"\n[keymap]\n"session.new" = "ctrl+o"\n'
        '"view.sidebar" = "bad key"\n',
        path,
    )
    again = parse_config(config_to_toml(config), path)
    assert again.keymap == config.keymap
