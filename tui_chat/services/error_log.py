"""The error log: tracebacks of unexpected errors (bugs), which the UI reports in one line.

The file is private (0600 in a 0700 folder) and rotated, and no key reaches it: the text is
masked with every key the app knows of, and anything shaped like a key or a bearer token.
No Textual here: the app's worker error handler (`tui_chat.ui.worker_errors`) calls `write`.
"""

from __future__ import annotations

import io
import logging
import sys
import time
import traceback
from collections.abc import Iterable
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import cast

from tui_chat.config.keys import redact_secrets
from tui_chat.core.atomic import open_private, private_dir

MAX_BYTES = 512 * 1024
BACKUPS = 2
"""Rotated files kept beside the log (`tui-chat.log.1`, `.2`)."""

class PrivateRotatingFileHandler(RotatingFileHandler):
    """RotatingFileHandler whose files are created 0600 (the stock one follows the umask),
    and which keeps a failure to write instead of printing it on the terminal."""

    failure: BaseException | None = None

    def _open(self) -> io.TextIOWrapper:
        path = Path(self.baseFilename)
        private_dir(path.parent)  # on the first line written, not when the log is set up
        return cast(io.TextIOWrapper, open_private(path))

    def handleError(self, record: logging.LogRecord) -> None:
        self.failure = sys.exc_info()[1]


def write(log_file: Path, summary: str, error: BaseException, keys: Iterable[str | None]) -> None:
    """Append `summary` and the traceback of `error` to `log_file`, keys masked; OSError when
    it cannot be written."""
    text = "".join(traceback.format_exception(error)).rstrip()
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    record = logging.makeLogRecord(
        {"msg": redact_secrets(f"{stamp} {summary}\n{text}", keys), "levelno": logging.ERROR}
    )
    handler = PrivateRotatingFileHandler(
        log_file, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True
    )
    try:
        handler.handle(record)
    finally:
        handler.close()
    if handler.failure is not None:
        raise OSError(f"cannot write {log_file}: {handler.failure}") from handler.failure


def server_log(log_file: Path, name: str = "tui_chat.mcp") -> logging.Logger:
    """A logger for MCP servers' stderr and start/stop lines, into the same private,
    rotated file (the terminal belongs to the TUI or to `tui-chat mcp list`'s listing).
    Its own Logger object, not one of logging's global registry: each app (and each test's
    app) writes to its own data dir, and nothing is created before the first line.
    `close_server_log` closes it."""
    log = logging.Logger(name, logging.INFO)
    handler = PrivateRotatingFileHandler(
        log_file, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    log.addHandler(handler)
    return log


def close_server_log(log: logging.Logger) -> None:
    for handler in list(log.handlers):
        log.removeHandler(handler)
        handler.close()
