"""`add_mcp_servers`: `[mcp_servers.NAME]` tables written into the config file, as given
(`${VAR}` unexpanded), appended so a hand-written file keeps its comments, replacing a
table of the same name only by rewriting, always 0o600, never over a file that is not TOML."""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path

import pytest

from tui_chat.config.mcp_writer import add_mcp_servers
from tui_chat.config.model import ConfigError
from tui_chat.config.tools_config import McpServerConfig
from tui_chat.config.tools_writer import mcp_server_table
from tui_chat.config.writer import backup_path

DOCS = McpServerConfig(
    name="docs",
    command="uvx",
    args=("docs-server", "--root", "${HOME}/docs"),
    env={"DOCS_TOKEN": "${DOCS_TOKEN}"},
)
WEB = McpServerConfig(
    name="web", url="https://example.test/mcp", headers={"Authorization": "Bearer ${WEB_KEY}"}
)


def _tables(path: Path) -> dict[str, object]:
    return tomllib.loads(path.read_text(encoding="utf-8"))["mcp_servers"]


def test_tables_hold_only_what_differs_from_the_defaults() -> None:
    assert mcp_server_table(WEB) == {
        "url": "https://example.test/mcp",
        "headers": {"Authorization": "Bearer ${WEB_KEY}"},
    }
    off = McpServerConfig(name="x", command="x", enabled=False, timeout=120.0, deny=("rm",))
    assert mcp_server_table(off) == {
        "command": "x",
        "enabled": False,
        "timeout": 120,
        "deny": ["rm"],
    }


def test_new_servers_are_appended_and_the_file_keeps_its_comments(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('# my notes\ndefault_provider = "demo"  # keep\n', encoding="utf-8")
    add_mcp_servers(path, [DOCS, WEB])
    text = path.read_text(encoding="utf-8")
    assert text.startswith('# my notes\ndefault_provider = "demo"  # keep\n')
    assert "${DOCS_TOKEN}" in text and "${HOME}/docs" in text  # never expanded
    tables = _tables(path)
    assert tables["docs"] == mcp_server_table(DOCS)
    assert tables["web"] == mcp_server_table(WEB)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert backup_path(path).read_text(encoding="utf-8").startswith("# my notes")


def test_a_missing_file_is_created_private(tmp_path: Path) -> None:
    path = tmp_path / "new" / "config.toml"
    add_mcp_servers(path, [DOCS])
    assert _tables(path) == {"docs": mcp_server_table(DOCS)}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_table_of_the_same_name_is_replaced_and_the_others_kept(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    add_mcp_servers(path, [DOCS, WEB])
    add_mcp_servers(path, [McpServerConfig(name="docs", command="docs2")])
    tables = _tables(path)
    assert tables["docs"] == {"command": "docs2"}
    assert tables["web"] == mcp_server_table(WEB)
    assert list(tables) == ["docs", "web"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_an_inline_mcp_servers_table_is_rewritten_rather_than_broken(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('mcp_servers = { old = { command = "o" } }\n', encoding="utf-8")
    add_mcp_servers(path, [DOCS])
    assert set(_tables(path)) == {"old", "docs"}


def test_a_file_that_is_not_toml_is_never_touched(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("this is = = broken\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        add_mcp_servers(path, [DOCS])
    assert path.read_text(encoding="utf-8") == "this is = = broken\n"
    assert not backup_path(path).exists()
