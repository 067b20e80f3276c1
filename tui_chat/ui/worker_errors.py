"""One policy for workers that fail: every worker runs with `exit_on_error=False` (a bug in
one must not close the app and lose what is being typed), and a failure is shown as one line
and written, with its traceback, to the error log (see `tui_chat.services.error_log`).

Textual posts `Worker.StateChanged` to the node that started the worker and does not bubble
it (`StateChanged(Message, bubble=False)` in textual/worker.py); nor has the App a hook that
sees every worker. So the App has the one handler (`TuiChatApp.on_worker_state_changed`,
which calls `report_worker_error`), and every screen or widget that starts workers passes
its failures up to it from its own `on_worker_state_changed` with `pass_failure_to_app` (a
test checks that each does, once). Workers that handle their own errors (a reply turns a
provider error into a failed reply) never reach it: this is for the unexpected.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

from textual.dom import DOMNode
from textual.worker import Worker, WorkerState

from tui_chat.config.keys import redact_secrets
from tui_chat.config.provider import PLACEHOLDER_KEY
from tui_chat.core.sanitize import one_line

if TYPE_CHECKING:
    from tui_chat.ui.app import TuiChatApp


def pass_failure_to_app(node: DOMNode, event: Worker.StateChanged) -> None:
    """Call from the `on_worker_state_changed` of a screen or widget that starts workers:
    a failure of one of its workers goes to the App's one handler."""
    if event.state is WorkerState.ERROR and node.app is not node:
        node.app.post_message(event)


def report_worker_error(app: TuiChatApp, worker: Worker[object]) -> None:
    """Show one line about the failed `worker` and log its traceback; the app keeps running."""
    from tui_chat.services import error_log  # logging.handlers only once something failed

    error = worker.error
    if error is None:
        return
    keys = known_keys(app)
    # A group names the task ("session-search"); a thread's name is often just "work".
    what = worker.group if worker.group != "default" else worker.name or "a background task"
    summary = f"worker {what!r} of {type(worker.node).__name__} failed"
    log_file = app.paths.log_file
    try:
        error_log.write(log_file, summary, error, keys)
        where = f"details in {shown_path(log_file)}"
    except OSError as problem:
        where = f"and the log could not be written ({problem})"
    said = redact_secrets(f"{type(error).__name__}: {error}", keys)
    app.notify(
        one_line(f"Unexpected error in {what}: {said}; {where}", 300),
        severity="error",
        timeout=12,
        markup=False,
    )


def known_keys(app: TuiChatApp) -> list[str]:
    """The keys of every configured provider that are known without running a command."""
    keys = []
    for provider in app.config.providers.values():
        with contextlib.suppress(Exception):  # a report must not fail on a broken provider
            key = app.registry.peek_key(provider).key
            if key and key != PLACEHOLDER_KEY:
                keys.append(key)
    return keys


def shown_path(path: Path) -> str:
    """`path` with the home folder as `~`, to keep the line short."""
    with contextlib.suppress(ValueError, RuntimeError):
        return f"~/{path.relative_to(Path.home())}"
    return str(path)
