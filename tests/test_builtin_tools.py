"""The built-in tools against real things: the clock and zone files, files in a temporary
folder, real /bin/sh processes and their process group (fetch_url: test_fetch_url_tool.py)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import select
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tui_chat.tools.builtin import run_shell
from tui_chat.tools.builtin.current_time import CurrentTime, describe_now, zone_name
from tui_chat.tools.builtin.read_file import ReadFile
from tui_chat.tools.builtin.run_shell import RunShell

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# -- current_time ----------------------------------------------------------------------------


@pytest.fixture
def shanghai_time() -> Iterator[None]:
    """Local time in Asia/Shanghai for the test (the C library reads TZ at tzset)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Shanghai"
    time.tzset()
    yield
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


async def test_current_time_gives_every_field_of_the_local_moment(shanghai_time: None) -> None:
    outcome = await CurrentTime().run({})
    fields = json.loads(outcome.text)
    assert outcome.ok
    assert set(fields) == {"iso", "date", "time", "weekday", "timezone", "utc_offset"}
    assert fields["timezone"] == "Asia/Shanghai"
    assert fields["utc_offset"] == "+08:00"
    moment = datetime.fromisoformat(fields["iso"])
    assert moment.utcoffset() is not None
    assert moment.strftime("%Y-%m-%d") == fields["date"]
    assert moment.strftime("%H:%M:%S") == fields["time"]
    assert fields["weekday"] == WEEKDAYS[moment.weekday()]
    assert CurrentTime().spec.safe


def test_describe_now_spells_out_a_given_moment() -> None:
    moment = datetime(2026, 12, 3, 9, 5, 7, 123, tzinfo=ZoneInfo("America/St_Johns"))
    assert describe_now(moment, "America/St_Johns") == {
        "iso": "2026-12-03T09:05:07-03:30",
        "date": "2026-12-03",
        "time": "09:05:07",
        "weekday": "Thursday",
        "timezone": "America/St_Johns",
        "utc_offset": "-03:30",
    }
    # Without an IANA name the zone's abbreviation stands in.
    assert describe_now(moment)["timezone"] == "NST"


def test_zone_name_comes_from_tz_or_the_localtime_link(tmp_path: Path) -> None:
    assert zone_name({"TZ": "Europe/Berlin"}) == "Europe/Berlin"
    assert zone_name({"TZ": ":Europe/Paris"}) == "Europe/Paris"
    assert zone_name({"TZ": "/usr/share/zoneinfo/Asia/Tokyo"}) == "Asia/Tokyo"
    assert zone_name({"TZ": "not a zone"}) is None
    link = tmp_path / "localtime"
    link.symlink_to("/usr/share/zoneinfo/America/New_York")
    assert zone_name({}, link) == "America/New_York"
    plain = tmp_path / "plain"
    plain.write_bytes(b"TZif")
    assert zone_name({}, plain) is None
    assert zone_name({}, tmp_path / "missing") is None


# -- read_file ---------------------------------------------------------------------------------


async def test_read_file_reads_text_with_home_expanded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "notes.md").write_text("# Notes\nbuy milk ☕\n", encoding="utf-8")
    tool = ReadFile(1000)
    outcome = await tool.run({"path": "~/notes.md"})
    assert outcome.ok
    assert outcome.text == "# Notes\nbuy milk ☕\n"
    assert tool.approval_text({"path": "~/notes.md"}) == f"read {tmp_path.resolve()}/notes.md"
    assert tool.scope({"path": "~/notes.md"}) == "read_file"


async def test_read_file_shows_the_resolved_path_for_approval(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "real.txt").write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.txt").symlink_to(tmp_path / "real.txt")
    monkeypatch.chdir(tmp_path / "sub")
    tool = ReadFile(1000)
    assert (
        tool.approval_text({"path": "../link.txt"}) == f"read {(tmp_path / 'real.txt').resolve()}"
    )
    assert (await tool.run({"path": "../link.txt"})).text == "x"


async def test_read_file_gives_the_start_of_a_big_file_and_says_it_was_cut(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("abcdefghij" * 3)
    outcome = await ReadFile(10).run({"path": str(path)})
    assert outcome.ok
    first, note = outcome.text.split("\n\n")
    assert first == "abcdefghij"
    assert (
        note == f"[cut: {path} has 30 bytes; these are the first 10 ([tools] read_file_max_bytes)]"
    )


async def test_read_file_cut_inside_a_character_leaves_it_out(tmp_path: Path) -> None:
    path = tmp_path / "accents.txt"
    path.write_text("aé" * 10, encoding="utf-8")  # "é" is two bytes: byte 3 is its first half
    outcome = await ReadFile(5).run({"path": str(path)})
    assert outcome.ok
    assert outcome.text.startswith("aéa\n\n[cut:")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"text\x00more", "is a binary file, not text"),
        (b"\xff\xfe\xfa caf\xe9", "is not UTF-8 text"),
    ],
)
async def test_read_file_refuses_binary_files(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(content)
    outcome = await ReadFile(1000).run({"path": str(path)})
    assert not outcome.ok
    assert outcome.text == f"{path} {expected}" + outcome.text.split(expected, 1)[1]


async def test_read_file_says_what_is_wrong_with_a_directory_a_missing_file_or_a_fifo(
    tmp_path: Path,
) -> None:
    tool = ReadFile(1000)
    outcome = await tool.run({"path": str(tmp_path)})
    assert (outcome.ok, outcome.text) == (False, f"{tmp_path} is a directory, not a file.")
    missing = tmp_path / "nope.txt"
    outcome = await tool.run({"path": str(missing)})
    assert (outcome.ok, outcome.text) == (False, f"There is no file {missing}.")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    outcome = await tool.run({"path": str(fifo)})  # would block forever if it were opened
    assert (outcome.ok, outcome.text) == (False, f"{fifo} is not a regular file: it is not read.")
    for bad in ({}, {"path": 3}, {"path": " "}):
        outcome = await tool.run(bad)
        assert not outcome.ok
        assert outcome.text.startswith('read_file needs {"path": "..."}')


# -- run_shell ---------------------------------------------------------------------------------


def exited(pid: int, timeout: float = 10.0) -> bool:
    """The process `pid` has ended (or is a zombie), waited for on its pidfd, not polled."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        readable, _, _ = select.select([fd], [], [], timeout)
        return bool(readable)
    finally:
        os.close(fd)


async def test_run_shell_gives_output_and_exit_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    outcome = await RunShell(10).run({"command": "pwd; echo out; echo err >&2; cat; exit 3"})
    assert outcome.text == f"{tmp_path.resolve()}\nout\nerr\n[exit code 3]"
    assert not outcome.ok
    outcome = await RunShell(10).run({"command": "true"})
    assert (outcome.ok, outcome.text) == (True, "[exit code 0]")
    outcome = await RunShell(10).run({"command": "echo bye; kill -9 $$"})
    assert (outcome.ok, outcome.text) == (False, "bye\n[killed by signal 9]")


async def test_run_shell_environment_has_no_key_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-not-for-commands")
    monkeypatch.setenv("MY_PROVIDER_TOKEN", "secret-token")
    monkeypatch.setenv("HARMLESS_SETTING", "kept")
    tool = RunShell(10, hidden_variables={"MY_PROVIDER_TOKEN"})
    outcome = await tool.run({"command": "env"})
    assert outcome.ok
    names = {line.split("=", 1)[0] for line in outcome.text.splitlines()}
    assert "HARMLESS_SETTING" in names and "PATH" in names
    assert "DEEPSEEK_API_KEY" not in names
    assert "MY_PROVIDER_TOKEN" not in names
    assert "sk-not-for-commands" not in outcome.text


async def test_run_shell_cuts_output_at_64_kb() -> None:
    outcome = await RunShell(10).run({"command": "head -c 100000 /dev/zero | tr '\\0' a"})
    assert outcome.text == "a" * 65536 + "\n[output cut at 64 KB: 34,464 more bytes not shown]" + (
        "\n[exit code 0]"
    )


async def test_run_shell_timeout_kills_the_whole_process_group() -> None:
    outcome = await RunShell(0.5).run({"command": "echo $$; sleep 100 & echo $!; wait"})
    assert not outcome.ok
    shell, child = (int(n) for n in re.findall(r"^\d+$", outcome.text, re.MULTILINE))
    assert outcome.text.endswith(
        "[timed out after 0.5 s ([tools] shell_timeout): the command and everything it "
        "started were killed]"
    )
    assert exited(shell)
    assert exited(child)


async def test_run_shell_kills_what_the_command_left_in_the_background() -> None:
    outcome = await RunShell(10).run({"command": "sleep 100 >/dev/null 2>&1 & echo $!"})
    assert outcome.ok
    assert exited(int(outcome.text.splitlines()[0]))


async def test_cancelling_run_shell_kills_the_process_group(tmp_path: Path) -> None:
    fifo = tmp_path / "pids"
    os.mkfifo(fifo)
    command = f"sleep 100 & echo $$ $! > {fifo}; wait"
    run = asyncio.create_task(RunShell(30).run({"command": command}))
    pids = await asyncio.to_thread(fifo.read_text)  # returns once the command has written
    shell, child = (int(n) for n in pids.split())
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert exited(shell)
    assert exited(child)


def test_run_shell_approval_shows_the_exact_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    tool = RunShell(10)
    assert tool.approval_text({"command": "ls; rm 'x y'"}) == (
        f"/bin/sh -c 'ls; rm '\"'\"'x y'\"'\"''\nin {os.getcwd()}"
    )
    assert tool.scope({"command": "ls; rm 'x y'"}) == "run_shell:ls; rm 'x y'"
    assert not tool.spec.safe
    assert not tool.spec.may_always_allow


async def test_run_shell_refuses_a_missing_command() -> None:
    for bad in ({}, {"command": ""}, {"command": ["ls"]}):
        outcome = await RunShell(10).run(bad)
        assert (outcome.ok, outcome.text) == (
            False,
            'run_shell needs {"command": "..."}: a command line.',
        )


async def test_run_shell_in_a_directory_that_is_gone_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    tool = RunShell(10)
    assert tool.approval_text({"command": "ls"}) == "/bin/sh -c ls\nin ."
    outcome = await tool.run({"command": "pwd"})
    assert outcome.ok, outcome.text  # the command runs where the app is, removed or not


async def test_run_shell_says_when_the_shell_cannot_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run_shell, "SHELL", "/nonexistent/sh")
    outcome = await RunShell(10).run({"command": "ls"})
    assert (outcome.ok, outcome.text) == (
        False,
        "/nonexistent/sh could not start: No such file or directory.",
    )
