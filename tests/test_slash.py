"""Slash command parsing: names, aliases, arguments, problems, the // escape, matching."""

from __future__ import annotations

import pytest

from tui_chat.core import slash
from tui_chat.core.slash import COMMANDS, Parsed, is_command, matches, parse, unescape


def parsed(text: str) -> tuple[str, str]:
    result = parse(text)
    assert isinstance(result, Parsed), result
    return result.command.name, result.arg


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/new", ("new", "")),
        ("  /new  ", ("new", "")),
        ("/model gpt-4.1-mini", ("model", "gpt-4.1-mini")),
        ("/model", ("model", "")),
        ("/MODEL qwen", ("model", "qwen")),
        ("/system You are terse.", ("system", "You are terse.")),
        ("/system", ("system", "")),
        ("/think on", ("think", "on")),
        ("/think OFF", ("think", "off")),
        ("/export json", ("export", "json")),
        ("/export", ("export", "")),
        ("/find 你好 世界", ("find", "你好 世界")),
        ("/regen", ("regenerate", "")),
        ("/exit", ("quit", "")),
        ("/?", ("help", "")),
    ],
)
def test_parse(text: str, expected: tuple[str, str]) -> None:
    assert parsed(text) == expected


def test_multi_line_argument_is_kept() -> None:
    assert parsed("/system Line one\nLine two") == ("system", "Line one\nLine two")
    assert parsed("/system\nOn the next line") == ("system", "On the next line")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("/nwe", "Unknown command /nwe. Did you mean /new?"),
        ("/frobnicate", "Unknown command /frobnicate."),
        ("/think", "needs on|off|default"),
        ("/think maybe", "'maybe' is not one of on, off, default"),
        ("/export pdf", "'pdf' is not one of md, json"),
        ("/new now", "takes nothing after it"),
        ("/", "Type a command after the /"),
        ("hello", "Not a command"),
    ],
)
def test_problems(text: str, fragment: str) -> None:
    problem = parse(text)
    assert isinstance(problem, str)
    assert fragment in problem


def test_unknown_says_how_to_send_a_literal_slash() -> None:
    problem = parse("/etc/hosts is a file")
    assert isinstance(problem, str) and "//" in problem


def test_double_slash_is_not_a_command_and_sends_one_slash() -> None:
    assert not is_command("//etc/hosts")
    assert unescape("//etc/hosts") == "/etc/hosts"
    assert unescape("plain") == "plain"
    assert is_command("/new") and not is_command("new /x")


def test_table_is_consistent() -> None:
    names = [n for c in COMMANDS for n in (c.name, *c.aliases)]
    assert len(names) == len(set(names))
    for command in COMMANDS:
        assert command.help and command.action
        assert (command.arg == "none") == (command.args == "")
        assert command.usage.startswith("/" + command.name)
    assert {c.name for c in COMMANDS} >= {
        "new",
        "model",
        "system",
        "think",
        "retry",
        "export",
        "find",
        "help",
        "quit",
    }


def test_matches_prefix_first() -> None:
    assert [c.name for c in matches("")] == [c.name for c in COMMANDS]
    assert [c.name for c in matches("mo")] == ["model"]
    names = [c.name for c in matches("re")]
    assert names[:3] == ["retry", "regenerate", "rename"]
    assert "provider" not in names[:3]
    assert [c.name for c in matches("ex")][:2] == ["export", "quit"]  # quit's alias exit
    assert matches("zzz") == []


def test_find() -> None:
    assert slash.find("Q") is slash.find("quit")
    assert slash.find("nope") is None
