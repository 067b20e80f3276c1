"""`[display]` (issue 18): `maths` read and checked at its line (also by `config check`),
kept by a save from the app, and shown in the example."""

from __future__ import annotations

from pathlib import Path

import pytest
from config_parts import PROVIDER, problems_of, write

from tui_chat import cli
from tui_chat.config.display_config import DisplayConfig
from tui_chat.config.parse import example_config_text, load_config
from tui_chat.config.writer import config_to_toml, save_config, update_provider


def test_maths_is_on_unless_the_file_says_false(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, PROVIDER)).display == DisplayConfig(maths=True)
    off = load_config(write(tmp_path, PROVIDER + "[display]\nmaths = false\n"))
    assert off.display == DisplayConfig(maths=False)


def test_display_problems_are_named_at_their_lines(tmp_path: Path) -> None:
    found = problems_of(tmp_path, PROVIDER + '[display]\nmaths = "yes"\ncolour = 1\n')
    assert found == [
        (5, "[display] maths must be true or false", False),
        (6, "unknown key 'colour' in [display] (ignored)", True),
    ]
    assert problems_of(tmp_path, 'display = 1\n' + PROVIDER) == [
        (1, "'display' must be a table ([display])", False)
    ]


def test_config_check_names_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(tmp_path, PROVIDER + "[display]\nmaths = 1\n")
    assert cli.main(["--config", str(bad), "config", "check"]) == 1
    assert f"{bad}:5: [display] maths must be true or false" in capsys.readouterr().err


def test_saving_from_the_app_keeps_display(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, PROVIDER + "[display]\nmaths = false\n"))
    saved = save_config(update_provider(config, "local", models=("m2",)), force=True).config
    assert saved.display == DisplayConfig(maths=False)
    # The default is not written: a config without [display] stays without one.
    assert "[display]" not in config_to_toml(load_config(write(tmp_path, PROVIDER)))


def test_the_example_documents_maths() -> None:
    assert "[display]\n# maths = true" in example_config_text()
