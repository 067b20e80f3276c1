"""API keys: masking for display, and `api_key_cmd` (a command that prints the key).

A key is never put in a message, a log line or a file by this module: problems name the
command and what went wrong, and any text the command printed on stdout is masked out of
what it printed on stderr.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading

from tui_chat.sanitize import one_line

KEY_CMD_TIMEOUT = 30.0
"""Seconds a key command may take (a password manager may wait for a passphrase)."""

KeyCommand = str | tuple[str, ...]
"""A shell command line, or an argv list run without a shell."""

_cache: dict[KeyCommand, str] = {}
_cache_lock = threading.Lock()
# One command at a time: two sessions starting together must not open two password prompts.
_run_lock = threading.Lock()


class KeyCommandError(Exception):
    """The key command failed; `problem` is safe to show (it never holds the key)."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(problem)


def mask_key(key: str) -> str:
    """A key shortened for display: `sk-…a1b2`. Short keys show nothing of themselves."""
    key = key.strip()
    if len(key) < 12:
        return "…" if key else ""
    prefix = ""
    dash = key.find("-")
    if 0 < dash <= 3:
        prefix = key[: dash + 1]
    return f"{prefix}…{key[-4:]}"


def describe_command(command: KeyCommand, limit: int = 48) -> str:
    """The command as one short line for messages and the config screen (with its key
    masked, should the key be written into the command itself)."""
    key = cached_key(command)
    return one_line(_redact(_text(command), key or ""), limit)


def _text(command: KeyCommand) -> str:
    return command if isinstance(command, str) else " ".join(command)


def cached_key(command: KeyCommand) -> str | None:
    """The key this command printed earlier in this process, without running it."""
    with _cache_lock:
        return _cache.get(command)


def forget_keys() -> None:
    """Drop every cached command result (the next use runs the commands again)."""
    with _cache_lock:
        _cache.clear()


def run_key_command(command: KeyCommand, timeout: float = KEY_CMD_TIMEOUT) -> str:
    """The key printed by `command` (its first non-empty line of output), run at most once
    per process while it succeeds. Failures are not cached, so fixing the cause (unlocking
    a vault) and trying again works. Raises KeyCommandError with a displayable problem."""
    key = cached_key(command)
    if key is not None:
        return key
    with _run_lock:
        key = cached_key(command)  # another thread may have run it meanwhile
        if key is None:
            key = _run(command, timeout)
            with _cache_lock:
                _cache[command] = key
    return key


def _run(command: KeyCommand, timeout: float) -> str:
    shown = describe_command(command)
    if not command or (isinstance(command, str) and not command.strip()):
        raise KeyCommandError("api_key_cmd is empty")
    try:
        # A session of its own: on timeout the whole process group (a shell and what it
        # started) is killed, and no child can prompt on the terminal the app is drawing on.
        process = subprocess.Popen(
            command if isinstance(command, str) else list(command),
            shell=isinstance(command, str),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as exc:
        raise KeyCommandError(f"cannot run api_key_cmd `{shown}`: {exc.strerror or exc}") from None
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(OSError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise KeyCommandError(
            f"api_key_cmd `{shown}` did not finish within {timeout:g} s"
        ) from None
    stdout = out.decode("utf-8", "replace")
    stderr = _redact(err.decode("utf-8", "replace"), stdout)
    shown = one_line(_redact(_text(command), stdout), 48)  # now with what it printed masked
    said = one_line(stderr, 160)
    if process.returncode != 0:
        detail = f": {said}" if said else ""
        raise KeyCommandError(
            f"api_key_cmd `{shown}` failed (exit status {process.returncode}){detail}"
        )
    key = next((line.strip() for line in stdout.splitlines() if line.strip()), "")
    if not key:
        detail = f" (it said: {said})" if said else ""
        raise KeyCommandError(f"api_key_cmd `{shown}` printed no key{detail}")
    return key


def _redact(text: str, secret_output: str) -> str:
    """`text` with every line of `secret_output` masked, so a key echoed to stderr by a
    failing command does not reach a message."""
    for line in secret_output.splitlines():
        line = line.strip()
        if len(line) >= 4:
            text = text.replace(line, mask_key(line))
    return text
