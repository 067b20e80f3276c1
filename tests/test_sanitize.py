"""Untrusted text -> terminal-safe text."""

from __future__ import annotations

import re

import pytest

from tui_chat.core.sanitize import one_line, strip_control

# Anything a terminal could act on: C0 (except tab/newline), DEL and C1.
UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        # CSI: colours, cursor movement, erase, private modes.
        ("\x1b[31mred\x1b[0m", "red"),
        ("\x1b[1;38;5;196mbold\x1b[m plain", "bold plain"),
        ("a\x1b[2Jb\x1b[Hc", "abc"),
        ("x\x1b[?1049hy\x1b[?25l", "xy"),
        # OSC 52 (write the clipboard), with BEL and with ST terminators.
        ("a\x1b]52;c;ZWNobyBwd25lZA==\x07b", "ab"),
        ("a\x1b]52;c;ZWNobyBwd25lZA==\x1b\\b", "ab"),
        # OSC 8 hyperlink: the link target disappears, the link text stays.
        ("see \x1b]8;;https://evil.example/\x1b\\here\x1b]8;;\x1b\\.", "see here."),
        ("see \x1b]8;;https://evil.example/\x07here\x1b]8;;\x07.", "see here."),
        # OSC 0 / 2: window title.
        ("\x1b]0;pwned\x07title", "title"),
        ("\x1b]2;pwned\x1b\\title", "title"),
        # DCS / APC strings.
        ("a\x1bP1$r0m\x1b\\b", "ab"),
        ("a\x1b_apc payload\x1b\\b", "ab"),
        # Lone ESC, at the end and in the middle; two-character escapes.
        ("abc\x1b", "abc"),
        ("a\x1b", "a"),
        ("a\x1bcb", "ab"),  # ESC c (RIS: full reset)
        ("a\x1b(Bb", "ab"),  # charset selection
        # BEL, backspace, NUL, DEL, vertical tab, form feed.
        ("ding\x07dong", "dingdong"),
        ("pass\x08\x08\x08\x08word", "password"),
        ("a\x00b\x7fc\x0bd\x0ce", "abcde"),
        # Carriage returns: CRLF -> LF, a lone CR (overwrite the line) is dropped.
        ("one\r\ntwo\r\n", "one\ntwo\n"),
        ("safe\rEVIL", "safeEVIL"),
        ("\r\n\r\n", "\n\n"),
    ],
)
def test_strip_control(raw: str, clean: str) -> None:
    assert strip_control(raw) == clean


@pytest.mark.parametrize(
    "raw",
    [
        "x\x9b31my",  # 8-bit CSI
        "x\x9d0;title\x9cy",  # 8-bit OSC ... ST
        "x\x85y\x90z\x9fw",  # NEL, DCS, APC
        "\x1b[31m\x9b1m\x1b]52;c;AA\x07\x07\x08\r",
    ],
)
def test_c1_controls_are_removed(raw: str) -> None:
    out = strip_control(raw)
    assert not UNSAFE.search(out)
    assert "\x1b" not in out


def test_c1_csi_keeps_surrounding_text() -> None:
    out = strip_control("before\x9b31mafter")
    assert out.startswith("before")
    assert out.endswith("after")
    assert "\x9b" not in out


@pytest.mark.parametrize(
    "text",
    [
        "",
        "plain ascii",
        "tab\tand\nnewline\n\n",
        "中文也没问题，这是离线演示模式。",
        "emoji 👋🏽 👨‍👩‍👧 ✅",
        "```python\nprint('hi')\n```\n| a | b |\n|---|---|",
        "Ünïcödé — “quotes” … ﬁ",
    ],
)
def test_safe_text_is_unchanged(text: str) -> None:
    assert strip_control(text) == text


def test_text_around_sequences_keeps_unicode() -> None:
    assert strip_control("\x1b[1m你好\x1b[0m 👋\r\n") == "你好 👋\n"


def test_output_is_always_safe() -> None:
    """Every code point below 0xA0 either survives as tab/newline/printable or goes."""
    raw = "".join(chr(i) for i in range(0xA0)) + "tail"
    out = strip_control(raw)
    assert not UNSAFE.search(out)
    assert out.endswith("tail")
    assert "\t" in out and "\n" in out


def test_osc_with_8bit_st_keeps_following_text() -> None:
    """An OSC string closed by the 8-bit ST (\\x9c) ends there (regression: bd1b2ce)."""
    assert strip_control("a\x1b]0;title\x9cvisible text") == "avisible text"


# -- one_line -----------------------------------------------------------------------------------


def test_one_line_collapses_whitespace() -> None:
    assert one_line("  hello\n\n  world\t again  ") == "hello world again"


def test_one_line_strips_control() -> None:
    assert one_line("\x1b[31mred\x1b[0m\r\nnext\x07") == "red next"


def test_one_line_shortens_with_ellipsis() -> None:
    out = one_line("word " * 40, limit=20)
    assert len(out) <= 20
    assert out.endswith("…")
    assert not out[:-1].endswith(" ")
    assert out.startswith("word word")


def test_one_line_exact_limit_is_not_shortened() -> None:
    assert one_line("x" * 20, limit=20) == "x" * 20
    assert one_line("x" * 21, limit=20) == "x" * 19 + "…"


def test_one_line_keeps_chinese() -> None:
    assert one_line("中文\n标题", limit=80) == "中文 标题"
    assert one_line("", limit=10) == ""
