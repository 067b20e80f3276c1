"""`[tools]` and `[mcp_servers.NAME]` in the config: read with problems at their lines,
written back by a save, `[defaults] tools`, and "always allow" editing the file's text."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
from config_parts import PROVIDER, write

from tui_chat.config.model import ConfigError
from tui_chat.config.parse import load_config
from tui_chat.config.tools_config import McpServerConfig, ToolsConfig, session_tools
from tui_chat.config.writer import (
    ConfigEditError,
    allow_tool_always,
    backup_path,
    config_to_toml,
    save_config,
    set_defaults,
)
from tui_chat.core.settings import ChatSettings

TOOLS = """\
[defaults]
tools = ["current_time", "mcp:docs", "remote.search"]
tools_enabled = true

[tools]
max_rounds = 12
allow = ["current_time", "docs.lookup"]
run_shell = true
read_file_max_bytes = 1000
fetch_timeout = 5

[mcp_servers.docs]
command = "uvx"
args = ["mcp-server-fetch", "--flag"]
env = { TOKEN = "${DOCS_TOKEN}" }
cwd = "/tmp"
deny = ["delete_page"]
timeout = 20
startup_timeout = 7.5

[mcp_servers.remote]
url = "https://example.com/mcp"
headers = { Authorization = "Bearer ${REMOTE_TOKEN}" }
enabled = false
allow = ["search"]
"""




def error_for(tmp_path: Path, text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    return info.value


def test_tools_and_servers_are_read(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, PROVIDER + TOOLS))
    assert config.warnings == ()
    assert config.tools == ToolsConfig(
        max_rounds=12,
        allow=("current_time", "docs.lookup"),
        run_shell=True,
        read_file_max_bytes=1000,
        fetch_timeout=5.0,
    )
    docs = config.mcp_servers["docs"]
    assert docs == McpServerConfig(
        name="docs",
        command="uvx",
        args=("mcp-server-fetch", "--flag"),
        env={"TOKEN": "${DOCS_TOKEN}"},
        cwd="/tmp",
        deny=("delete_page",),
        timeout=20.0,
        startup_timeout=7.5,
    )
    assert docs.transport == "stdio" and not docs.offers("delete_page") and docs.offers("x")
    remote = config.mcp_servers["remote"]
    assert remote.transport == "http" and remote.enabled is False
    assert remote.headers == {"Authorization": "Bearer ${REMOTE_TOKEN}"}
    assert remote.offers("search") and not remote.offers("other")
    assert config.defaults.tools == ("current_time", "mcp:docs", "remote.search")
    assert config.defaults.tools_enabled is True
    settings = config.session_settings()
    assert settings.tools == ("current_time", "mcp:docs", "remote.search")
    assert session_tools(ChatSettings(), config.defaults) == settings.tools


def test_without_the_tables_the_defaults_hold(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, PROVIDER))
    assert config.tools == ToolsConfig() and config.mcp_servers == {}
    assert session_tools(ChatSettings(), config.defaults) == ("current_time",)
    off = ChatSettings(tools_enabled=False)
    assert session_tools(off, config.defaults) == ()


@pytest.mark.parametrize(
    ("table", "expected", "line"),
    [
        ("[tools]\nmax_rounds = 0\n", "max_rounds must be a whole number from 1 to 100", 2),
        ("[tools]\nmax_rounds = 101\n", "from 1 to 100", 2),
        ("[tools]\nmax_rounds = 2.5\n", "from 1 to 100", 2),
        ('[tools]\nallow = "x"\n', "allow must be a list of tool labels", 2),
        ('[tools]\nrun_shell = "yes"\n', "run_shell must be true or false", 2),
        ("[tools]\n\nfetch_max_bytes = -1\n", "fetch_max_bytes must be a positive whole", 3),
        ("[tools]\nshell_timeout = 0\n", "shell_timeout must be a positive number", 2),
        ("tools = 3\n", "'tools' must be a table", 1),
        ("[mcp_servers.a]\nargs = []\n", "needs command = ", 1),
        (
            '[mcp_servers.a]\ncommand = "x"\nurl = "https://h/mcp"\n',
            "has both command and url",
            3,
        ),
        ('[mcp_servers.a]\nurl = "ws://h/mcp"\n', "WebSocket servers (ws://) are not", 2),
        ('[mcp_servers.a]\nurl = "ftp://h/mcp"\n', "url must start with http://", 2),
        ('[mcp_servers.a]\ncommand = ""\n', "command must be a non-empty string", 2),
        ('[mcp_servers.a]\ncommand = "x"\nargs = "-v"\n', "args must be a list", 3),
        ('[mcp_servers.a]\ncommand = "x"\nenv = { A = 1 }\n', "env must be a table of str", 3),
        ('[mcp_servers.a]\nurl = "http://h"\nheaders = 2\n', "headers must be a table", 3),
        ('[mcp_servers.a]\ncommand = "x"\ncwd = 1\n', "cwd must be a non-empty string", 3),
        ('[mcp_servers.a]\ncommand = "x"\nenabled = 1\n', "enabled must be true or false", 3),
        ('[mcp_servers.a]\ncommand = "x"\ndeny = [1]\n', "deny must be a list of tool", 3),
        ('[mcp_servers.a]\ncommand = "x"\ntimeout = 0\n', "timeout must be a positive", 3),
        (
            '[mcp_servers.a]\ncommand = "x"\nstartup_timeout = "9"\n',
            "startup_timeout must be a positive",
            3,
        ),
        ('[mcp_servers."a.b"]\ncommand = "x"\n', "uses only letters, digits", 1),
        ("[mcp_servers]\na = 1\n", "[mcp_servers.a] must be a table", 2),
        ("mcp_servers = 1\n", "'mcp_servers' must hold tables", 1),
    ],
)
def test_each_mistake_is_named_at_its_line(
    tmp_path: Path, table: str, expected: str, line: int
) -> None:
    error = error_for(tmp_path, table + "\n" + PROVIDER)
    assert expected in error.problem
    assert error.line == line


def test_unknown_keys_and_odd_names_are_warnings(tmp_path: Path) -> None:
    text = (
        PROVIDER
        + '[defaults]\ntools = ["current_time", "nope", "mcp:gone", "run_shell"]\n'
        + '[tools]\nallow = ["run_shell", "x"]\nspeed = 3\n'
        + '[mcp_servers.a]\ncommand = "x"\ntype = "stdio"\n'
    )
    config = load_config(write(tmp_path, text))
    assert config.tools.allow == ("x",)
    assert config.mcp_servers["a"].command == "x"
    texts = [problem.text for problem in config.problems]
    lines = [problem.line for problem in config.problems]
    assert texts == [
        "[defaults] tools: 'nope' is not a tool: built-ins are current_time, read_file, "
        "fetch_url, run_shell; MCP servers are named mcp:NAME or NAME.tool (skipped)",
        "[defaults] tools: 'mcp:gone' names no MCP server in [mcp_servers] (a) (skipped)",
        "[defaults] tools: run_shell is off: set run_shell = true in [tools] to offer it (skipped)",
        "[tools] allow names run_shell, which always asks: it is left out",
        "unknown key 'speed' in [tools] (ignored)",
        "unknown key 'type' in [mcp_servers.a] (ignored)",
    ]
    assert lines == [5, 5, 5, 7, 8, 11]


def test_every_problem_is_listed_in_line_order(tmp_path: Path) -> None:
    """`tui-chat config check` prints `ConfigError.problems`: the new tables' are there."""
    text = (
        PROVIDER
        + "[tools]\nmax_rounds = 0\nodd = 1\n"
        + '[mcp_servers.a]\nurl = "ws://h"\n'
        + '[mcp_servers.b]\ncommand = "x"\ntimeout = -1\n'
    )
    error = error_for(tmp_path, text)
    assert [(p.line, p.warning) for p in error.problems] == [
        (5, False),
        (6, True),
        (8, False),
        (11, False),
    ]
    assert "(and 2 more" in str(error)


def test_a_save_writes_the_tables_back(tmp_path: Path) -> None:
    """A save from the app (F5) keeps every tool setting and server."""
    path = write(tmp_path, PROVIDER + TOOLS)
    config = load_config(path)
    text = config_to_toml(config)
    assert "[mcp_servers.docs]" in text and 'TOKEN = "${DOCS_TOKEN}"' in text
    saved = save_config(config, force=True)
    assert saved.config.tools == config.tools
    assert saved.config.mcp_servers == config.mcp_servers
    assert load_config(path).mcp_servers == config.mcp_servers


def test_defaults_tools_reject_a_non_list(tmp_path: Path) -> None:
    error = error_for(tmp_path, PROVIDER + '[defaults]\ntools = "current_time"\n')
    assert error.problem == "[defaults] tools must be a list of names"
    error = error_for(tmp_path, PROVIDER + "[defaults]\ntools_enabled = 1\n")
    assert error.problem.startswith("[defaults] tools_enabled")


# -- always allow ------------------------------------------------------------------------


HAND_WRITTEN = (
    """\
# my config
default_provider = "local"   # the one I use

[tools]
# these run unasked
allow = [
  "current_time",  # safe
]
max_rounds = 4

"""
    + PROVIDER
)


def test_always_allow_keeps_the_file_as_written(tmp_path: Path) -> None:
    path = write(tmp_path, HAND_WRITTEN)
    config = allow_tool_always(path, "docs.lookup")
    assert config.tools.allow == ("current_time", "docs.lookup")
    assert config.tools.max_rounds == 4
    text = path.read_text(encoding="utf-8")
    assert text == HAND_WRITTEN.replace(
        '"current_time",  # safe', '"current_time", "docs.lookup",  # safe'
    )
    assert backup_path(path).read_text(encoding="utf-8") == HAND_WRITTEN
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert allow_tool_always(path, "docs.lookup").tools.allow == config.tools.allow
    assert path.read_text(encoding="utf-8") == text  # already there: nothing written


def test_always_allow_adds_the_table_or_the_key(tmp_path: Path) -> None:
    path = write(tmp_path, "# mine\n" + PROVIDER)
    assert allow_tool_always(path, "read_file").tools.allow == ("read_file",)
    assert path.read_text(encoding="utf-8") == (
        "# mine\n" + PROVIDER + '\n[tools]\nallow = ["read_file"]\n'
    )
    path = write(tmp_path, "[tools]\nmax_rounds = 3 # few\n" + PROVIDER)
    config = allow_tool_always(path, "fetch_url")
    assert config.tools == ToolsConfig(max_rounds=3, allow=("fetch_url",))
    assert path.read_text(encoding="utf-8").startswith(
        '[tools]\nallow = ["fetch_url"]\nmax_rounds = 3 # few\n'
    )


def test_always_allow_without_a_file_writes_a_private_one(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    config = allow_tool_always(path, "docs.lookup")
    assert config.tools.allow == ("docs.lookup",)
    assert path.read_text(encoding="utf-8") == '[tools]\nallow = ["docs.lookup"]\n'
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_config(path).providers  # still the presets


def test_always_allow_never_touches_a_broken_file_or_allows_shell(tmp_path: Path) -> None:
    path = write(tmp_path, "[tools]\nmax_rounds = 0\n" + PROVIDER)
    with pytest.raises(ConfigError):
        allow_tool_always(path, "read_file")
    assert path.read_text(encoding="utf-8").startswith("[tools]\nmax_rounds = 0\n")
    with pytest.raises(ConfigEditError):
        allow_tool_always(path, "run_shell")


def test_always_allow_refuses_a_layout_it_cannot_edit(tmp_path: Path) -> None:
    text = 'tools = { allow = ["a"] }\n' + PROVIDER
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        allow_tool_always(path, "b")
    assert "add it there by hand" in info.value.problem
    assert path.read_text(encoding="utf-8") == text


def test_always_allow_writes_a_label_that_needs_quoting(tmp_path: Path) -> None:
    path = write(tmp_path, PROVIDER)
    config = allow_tool_always(path, 'odd"name\\x')
    assert config.tools.allow == ('odd"name\\x',)


def test_the_example_tools_and_servers_are_valid_when_uncommented(tmp_path: Path) -> None:
    """config.example.toml's [tools] keys and both server tables, uncommented, read cleanly
    (the file as shipped starts no server)."""
    from tui_chat.config.parse import example_config_text

    shipped = load_config(write(tmp_path, example_config_text()))
    assert shipped.mcp_servers == {} and shipped.tools == ToolsConfig()
    text = re.sub(r"(?m)^# (\w+ = .*)$", r"\1", example_config_text())
    text = re.sub(r"(?m)^# (\[mcp_servers\.|\[providers\.)", r"\1", text)
    text = text.replace('system_prompt = ""\n', "")
    config = load_config(write(tmp_path, text))
    assert config.warnings == ()
    assert config.tools == ToolsConfig(allow=("current_time",))
    docs, remote = config.mcp_servers["docs"], config.mcp_servers["remote"]
    assert (docs.command, docs.args) == ("uvx", ("mcp-server-fetch",))
    assert remote.url == "https://example.com/mcp" and remote.transport == "http"
    assert config.defaults.tools == ("current_time", "fetch_url")


def test_save_as_defaults_round_trips_the_tools(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, PROVIDER + TOOLS))
    changed = set_defaults(config, tools=("read_file", "mcp:docs"), tools_enabled=False)
    assert changed.defaults.tools == ("read_file", "mcp:docs")
    saved = save_config(changed, force=True).config
    assert saved.defaults.tools == ("read_file", "mcp:docs")
    assert saved.defaults.tools_enabled is False


def test_config_check_lists_the_new_tables_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tui_chat import cli

    path = write(
        tmp_path,
        PROVIDER + '[tools]\nmax_rounds = 500\n[mcp_servers.a]\nurl = "ws://h/mcp"\nodd = 1\n',
    )
    code = cli.main(["--config", str(path), "config", "check"])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert lines[0] == f"{path}:5: [tools] max_rounds must be a whole number from 1 to 100"
    assert lines[1].startswith(f"{path}:7: [mcp_servers.a] url: WebSocket servers (ws://)")
    assert lines[2] == f"warning: {path}:8: unknown key 'odd' in [mcp_servers.a] (ignored)"
