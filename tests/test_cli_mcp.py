"""`tui-chat mcp import FILE [--force]` and `tui-chat mcp list`."""

from __future__ import annotations

import json
import stat
import sys
import tomllib
from pathlib import Path

import pytest

from tui_chat import cli
from tui_chat.cli_mcp import mcp_list
from tui_chat.config.model import Config
from tui_chat.config.tools_config import McpServerConfig

SERVER = Path(__file__).with_name("mcp_server.py")
SERVERS = {
    "mcpServers": {
        "docs": {"command": "uvx", "args": ["docs", "${HOME}"], "env": {"T": "${DOCS_T}"}},
        "web": {"url": "https://x.test/mcp", "headers": {"Authorization": "Bearer ${WEB}"}},
        "sock": {"url": "ws://x.test/"},
    }
}


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def tables(path: Path) -> dict[str, object]:
    return tomllib.loads(path.read_text(encoding="utf-8"))["mcp_servers"]


def test_import_writes_tables_as_given_and_says_what_it_added(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config, source = tmp_path / "config.toml", tmp_path / "claude.json"
    config.write_text('default_provider = "demo"\n', encoding="utf-8")
    source.write_text(json.dumps(SERVERS), encoding="utf-8")
    code, out, err = run(["mcp", "import", str(source), "--config", str(config)], capsys)
    assert code == 0
    assert "added docs: uvx docs ${HOME}" in out and "added web: https://x.test/mcp" in out
    assert "skipped sock: WebSocket servers" in err
    assert tables(config) == {
        "docs": {"command": "uvx", "args": ["docs", "${HOME}"], "env": {"T": "${DOCS_T}"}},
        "web": {"url": "https://x.test/mcp", "headers": {"Authorization": "Bearer ${WEB}"}},
    }
    assert stat.S_IMODE(config.stat().st_mode) == 0o600

    source.write_text(json.dumps({"mcpServers": {"docs": {"command": "new"}}}), encoding="utf-8")
    code, out, err = run(["mcp", "import", str(source), "--config", str(config)], capsys)
    assert code == 1
    assert "skipped docs: already in the config (--force replaces it)" in err
    assert tables(config)["docs"]["command"] == "uvx"  # type: ignore[index]

    code, out, err = run(["mcp", "import", str(source), "--config", str(config), "--force"], capsys)
    assert code == 0 and "replaced docs: new" in out
    assert tables(config)["docs"] == {"command": "new"}
    assert "web" in tables(config)


def test_import_of_a_file_that_is_not_a_servers_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "x.json"
    source.write_text("[1, 2]", encoding="utf-8")
    code, _out, err = run(["mcp", "import", str(source)], capsys)
    assert code == 1 and 'not a JSON object with "mcpServers"' in err
    code, _out, err = run(["mcp", "import", str(tmp_path / "missing.json")], capsys)
    assert code == 1 and "Cannot read" in err


def test_list_starts_each_server_and_names_its_tools(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    servers = {
        "docs": McpServerConfig("docs", command=sys.executable, args=(str(SERVER),)),
        "off": McpServerConfig("off", command="x", enabled=False),
    }
    log_file = tmp_path / "logs" / "tui-chat.log"
    code = mcp_list(Config(path=tmp_path / "c.toml", mcp_servers=servers), log_file)
    out, _err = capsys.readouterr()
    assert code == 0
    assert out.splitlines()[:3] == [
        "docs  ready  5 tools",
        "  docs.lookup  Look a word up in a tiny dictionary.",
        "  docs.slow  Wait `seconds`, then answer.",
    ]
    assert "off   off  (enabled = false)" in out
    assert "mcp[docs] ready, 5 tools" in log_file.read_text(encoding="utf-8")
    assert stat.S_IMODE(log_file.stat().st_mode) == 0o600


def test_list_fails_when_a_server_does_not_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    servers = {"bad": McpServerConfig("bad", command=str(tmp_path / "nothing"))}
    code = mcp_list(Config(path=tmp_path / "c.toml", mcp_servers=servers), tmp_path / "log")
    out, _err = capsys.readouterr()
    assert code == 1
    assert out.startswith("bad  failed  bad: cannot start it: No such file or directory")


def test_list_without_servers_says_how_to_add_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _err = run(["mcp", "list", "--config", str(tmp_path / "c.toml")], capsys)
    assert code == 0 and "tui-chat mcp import FILE" in out
