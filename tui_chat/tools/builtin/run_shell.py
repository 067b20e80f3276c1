"""run_shell: one shell command, run where the app was started, with its output.

The most powerful tool and the most dangerous, so it exists only when the config turns it
on (`[tools] run_shell = true`), it is never `safe`, "always allow" is never offered, and
an approval for the session covers that exact command only (scope "run_shell:" + the
command: `ls` allowed does not cover `ls; rm x`). The modal shows the command line exactly
as it runs (`/bin/sh -c '…'` and the directory).

The command gets no input (stdin is /dev/null: it cannot wait for a prompt nobody sees)
and the app's environment without its keys (`key_command_environ`: no provider key
reaches a command the model wrote). It runs in its own process group, and the whole group
is killed (SIGTERM, then SIGKILL) when it outlasts `[tools] shell_timeout`, when the reply
is stopped (Esc cancels the run), and when the shell has ended, so nothing it started in
the background outlives the call. stdout and stderr come interleaved, as in a terminal,
cut at 64 KB, followed by the exit code."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import signal
from collections.abc import Collection
from typing import Any

from tui_chat.config.keys import key_command_environ
from tui_chat.tools.base import ToolOutcome, ToolSpec

SPEC = ToolSpec(
    name="run_shell",
    label="run_shell",
    description=(
        "Run one command with /bin/sh in the user's current directory and return its output "
        "(stdout and stderr together) and exit code. The user approves each command. No "
        "input is available; long-running commands are killed after a timeout."
    ),
    parameters={
        "type": "object",
        "properties": {
            "command": {"type": "string", "description": "The shell command line to run"},
        },
        "required": ["command"],
        "additionalProperties": False,
    },
    safe=False,
    may_always_allow=False,
)

SHELL = "/bin/sh"
MAX_OUTPUT = 64 * 1024
GRACE_SECONDS = 2.0
"""How long the group has between SIGTERM and SIGKILL."""
SCOPE_PREFIX = "run_shell:"


def command_of(arguments: dict[str, Any]) -> str | None:
    command = arguments.get("command")
    if not isinstance(command, str) or not command.strip() or "\x00" in command:
        return None
    return command


class RunShell:
    """The run_shell tool. `hidden_variables`: `Config.key_variables()`, left out of the
    command's environment with every other key variable."""

    def __init__(self, timeout: float, hidden_variables: Collection[str] = ()) -> None:
        self.timeout = max(0.1, timeout)
        self.hidden_variables = frozenset(hidden_variables)

    @property
    def spec(self) -> ToolSpec:
        return SPEC

    def approval_text(self, arguments: dict[str, Any]) -> str:
        command = arguments.get("command")
        text = command if isinstance(command, str) else repr(command)
        return f"{SHELL} -c {shlex.quote(text)}\nin {_directory()}"

    def scope(self, arguments: dict[str, Any]) -> str:
        command = arguments.get("command")
        return SCOPE_PREFIX + (command if isinstance(command, str) else repr(command))

    async def run(self, arguments: dict[str, Any]) -> ToolOutcome:
        command = command_of(arguments)
        if command is None:
            return ToolOutcome('run_shell needs {"command": "..."}: a command line.', ok=False)
        starting = asyncio.ensure_future(
            asyncio.create_subprocess_exec(
                SHELL,
                "-c",
                command,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                cwd=_directory(),
                env=key_command_environ(self.hidden_variables),
                start_new_session=True,
            )
        )
        try:
            process = await asyncio.shield(starting)
        except asyncio.CancelledError:
            # Esc while asyncio was still setting up the pipes: the command may already be
            # running (and have started others), and asyncio would kill only the shell.
            with contextlib.suppress(OSError):
                await asyncio.shield(_end_group(await starting))
            raise
        except OSError as error:
            return ToolOutcome(f"{SHELL} could not start: {error.strerror or error}.", ok=False)
        output = bytearray()
        dropped = 0
        try:
            async with asyncio.timeout(self.timeout):
                dropped = await _collect(process, output)
                code = await process.wait()
        except TimeoutError:
            await _end_group(process)
            ending = (
                f"[timed out after {self.timeout:g} s ([tools] shell_timeout): the command "
                "and everything it started were killed]"
            )
            return ToolOutcome(_shown(output, dropped, ending), ok=False)
        except BaseException:
            # Cancelled (Esc) or failed: the group must not outlive the call.
            await asyncio.shield(_end_group(process))
            raise
        _kill_group(process.pid, signal.SIGKILL)  # what it left running in the background
        ending = f"[exit code {code}]" if code >= 0 else f"[killed by signal {-code}]"
        return ToolOutcome(_shown(output, dropped, ending), ok=code == 0)


def _directory() -> str:
    """Where commands run: the directory the app was started in (or "." if it is gone,
    which makes the start fail with a clear error)."""
    try:
        return os.getcwd()
    except OSError:
        return "."


async def _collect(process: asyncio.subprocess.Process, output: bytearray) -> int:
    """Read the output to its end, keeping the first MAX_OUTPUT bytes (the rest is read and
    dropped, so a chatty command never blocks on a full pipe); returns how much was
    dropped."""
    assert process.stdout is not None
    dropped = 0
    while chunk := await process.stdout.read(65536):
        room = MAX_OUTPUT - len(output)
        output += chunk[:room]
        dropped += max(0, len(chunk) - room)
    return dropped


def _shown(output: bytearray, dropped: int, ending: str) -> str:
    """The output, a note when it was cut, and how the command ended, one per line."""
    lines = [output.decode("utf-8", errors="replace").rstrip("\n")]
    if dropped:
        lines.append(f"[output cut at 64 KB: {dropped:,} more bytes not shown]")
    lines.append(ending)
    return "\n".join(line for line in lines if line)


def _kill_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


async def _end_group(process: asyncio.subprocess.Process) -> None:
    """SIGTERM to the command's process group, SIGKILL to what is left after a grace
    period (or at once if this is cancelled too)."""
    _kill_group(process.pid, signal.SIGTERM)
    try:
        async with asyncio.timeout(GRACE_SECONDS):
            await process.wait()
    except TimeoutError:
        pass
    finally:
        _kill_group(process.pid, signal.SIGKILL)
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
