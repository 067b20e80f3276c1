"""API keys: masking for display, redacting them from server text, and `api_key_cmd` (a
command that prints the key).

A key is never put in a message, a log line or a file by this module: problems name the
command and what went wrong, and any text the command printed on stdout is masked out of
what it printed on stderr. `redact_secrets` does the same for what a server says: servers
echo keys ("Incorrect API key provided: sk-…", a 500 quoting the Authorization header).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import threading
from collections.abc import Iterable, Mapping

from tui_chat.core.sanitize import one_line

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


def run_key_command(
    command: KeyCommand,
    timeout: float = KEY_CMD_TIMEOUT,
    env: Mapping[str, str] | None = None,
) -> str:
    """The key printed by `command` (its first non-empty line of output), run at most once
    per process while it succeeds. Failures are not cached, so fixing the cause (unlocking
    a vault) and trying again works. Raises KeyCommandError with a displayable problem.

    `env` is the command's environment; None: the app's, without the variables that hold
    API keys (see `key_command_environ`)."""
    key = cached_key(command)
    if key is not None:
        return key
    with _run_lock:
        key = cached_key(command)  # another thread may have run it meanwhile
        if key is None:
            key = _run(command, timeout, key_command_environ() if env is None else env)
            with _cache_lock:
                _cache[command] = key
    return key


def _run(command: KeyCommand, timeout: float, env: Mapping[str, str]) -> str:
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
            env=dict(env),
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


# -- what a key command may see ------------------------------------------------------------

# Variables that hold a provider's key without the usual `_API_KEY` suffix (providers.md §7).
_KEY_VARIABLES = frozenset(
    {
        "MODELSCOPE_SDK_TOKEN",
        "MODELSCOPE_API_TOKEN",
        "ANTHROPIC_AUTH_TOKEN",
        "HF_TOKEN",
        "HUGGING_FACE_HUB_TOKEN",
    }
)


def key_command_environ(
    hidden: Iterable[str] = (), base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment an `api_key_cmd` runs with: the app's (`base`, default os.environ)
    without the variables that hold other providers' keys, so a command (a script, a
    password manager's plugin) is not handed every key the user has. `hidden` names them
    (every `api_key_env` of the config and the presets: `Config.key_variables`); any
    `*_API_KEY` variable and a few well-known token variables go too. Everything else (PATH,
    HOME, a vault's session token) stays, since the command may need it."""
    hide = {name.upper() for name in hidden}
    source = os.environ if base is None else base
    return {
        name: value
        for name, value in source.items()
        if not (
            name.upper() in hide
            or name.upper().endswith("_API_KEY")
            or name.upper() in _KEY_VARIABLES
        )
    }


# -- keys in server text -------------------------------------------------------------------

_SHORTEST_REDACTED_KEY = 8
"""A resolved key shorter than this ("ollama", "EMPTY") is a placeholder, not a secret, and
replacing it would mangle ordinary words."""
# `sk-…` keys (OpenAI, DeepSeek, DashScope, SiliconFlow, OpenRouter `sk-or-v1-…`,
# Anthropic `sk-ant-…`) and ModelScope's `ms-<uuid>` tokens.
_KEY_SHAPED = re.compile(r"\b(?:sk-[A-Za-z0-9_\-]{6,}|ms-[0-9a-fA-F\-]{20,})")
_BEARER = re.compile(r"\b(Bearer\s+)([^\s\"',;)\]}]{8,})", re.IGNORECASE)
# Long runs of letters and digits (Zhipu's `<hex>.<secret>`, `ghp_…`, base64 tokens). Only a
# run with a random-looking part is taken (see `_looks_random`): model names, hosts and
# request ids are words and numbers joined by separators.
_LONG_TOKEN = re.compile(r"[A-Za-z0-9_\-.+=]{16,}")
_TOKEN_PART = re.compile(r"[-_.]")
_NOT_SECRET_PREFIXES = ("req_", "chatcmpl-", "http", "www.")


def redact_secrets(text: str, keys: Iterable[str | None] = ()) -> str:
    """`text` with every one of `keys` (the resolved API key) and anything shaped like a
    key masked as `mask_key` does (`sk-…a1b2`). For error text from a server before it is
    shown, saved in a session or logged."""
    for key in sorted({k.strip() for k in keys if k}, key=len, reverse=True):
        if len(key) >= _SHORTEST_REDACTED_KEY:
            text = text.replace(key, mask_key(key))
    text = _BEARER.sub(lambda m: m.group(1) + _masked(m.group(2)), text)
    text = _KEY_SHAPED.sub(lambda m: mask_key(m.group(0)), text)
    return _LONG_TOKEN.sub(
        lambda m: mask_key(m.group(0)) if _looks_random(m.group(0)) else m.group(0), text
    )


def _masked(token: str) -> str:
    return token if "…" in token else mask_key(token)


def _looks_random(token: str) -> bool:
    """A part of 16 or more characters that mixes letters and digits: a hex digest, a
    base64 secret. Words and version numbers ("Qwen3-235B-A22B-Instruct-2507") have none."""
    if token.lower().startswith(_NOT_SECRET_PREFIXES):
        return False
    return any(
        len(part) >= 16 and any(c.isdigit() for c in part) and any(c.isalpha() for c in part)
        for part in _TOKEN_PART.split(token)
    )
