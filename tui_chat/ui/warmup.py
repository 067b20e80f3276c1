"""Warm-up after the first screen: in a background thread, import and prepare what the
first message will need, so that Enter on it does not wait for it.

Sending the first message needs the `openai` SDK (about 0.3 s to import, with pydantic and
httpx), the SDK's chat resources and its HTTP transport, which it imports lazily on the
first request; the first reply with a code fence needs Pygments' lexer for its language
(up to 30 ms each); its end asks for a title with modules of ours that the first screen does
not import (REPLY_MODULES). None of that is needed to show the first screen, so it is done here,
once the screen is up, while the user reads it or types.

Rules: a step never raises (a failed import will fail again, properly reported, where it is
really used), the thread is a daemon (quitting never waits for it), and nothing here talks
to the network or reads a key. It works only while the app is idle: once a reply streams,
the steps not begun are skipped (the reply does what it needs itself; warming up meanwhile
would only compete with it for the interpreter). When it is done, `on_done` runs (in the
warm-up thread).
"""

from __future__ import annotations

import contextlib
import importlib
import threading
from collections.abc import Callable, Iterable

TRANSPORT_MODULES = (
    # What the SDK's HTTP stack imports on its first request (connection, HTTP/1.1, TLS,
    # JSON). Names differ between httpx/httpcore and their "2" forks; missing ones are
    # skipped.
    "anyio._backends._asyncio",
    "h11",
    "httpcore2._async.http11",
    "httpcore2._backends.anyio",
    "httpcore._async.http11",
    "httpcore._backends.anyio",
    "truststore",
    "jiter",
    "openai.lib.streaming.chat",
)

CODE_LANGUAGES = (
    # The languages replies fence most often; their lexers are compiled on first use.
    "python",
    "bash",
    "javascript",
    "typescript",
    "json",
    "yaml",
    "toml",
    "html",
    "css",
    "sql",
    "rust",
    "go",
    "c",
    "cpp",
    "java",
    "diff",
    "text",
)

REPLY_MODULES = (
    # Ours, imported where first used rather than at start: what sends and streams (the
    # turn loop, the providers), what shows a reply's body, the automatic title asked for
    # when the first reply ends (with the side requests it makes), and the recall
    # strategy's embeddings, used before a request.
    "tui_chat.services.tool_loop",
    "tui_chat.providers.openai_compat",
    "tui_chat.providers.demo",
    "tui_chat.ui.widgets.json_view",
    "tui_chat.core.titles",
    "tui_chat.core.side_requests",
    "tui_chat.core.context.embeddings",
)

SAMPLE_MARKDOWN = """# Title

Some *text* with `code` and a [link](https://example.com).

- one
- two

| a | b |
|---|---|
| 1 | 2 |

```python
print("hi")
```
"""


def sdk_client() -> None:
    """Import the SDK and build a throwaway client (no request is made), which imports the
    chat resources and the HTTP transport the way the real client will."""
    import asyncio

    import openai

    client = openai.AsyncOpenAI(base_url="http://127.0.0.1:9/v1", api_key="warm-up", max_retries=0)
    client.chat.completions  # noqa: B018 - the attribute imports the chat resources
    asyncio.run(client.close())


def transport_modules() -> None:
    for name in TRANSPORT_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # not installed, or another version: skip it
            continue


def code_highlighting() -> None:
    """Compile the lexers of the common languages through Textual's own highlighter (the
    one Markdown code fences use)."""
    from textual.highlight import highlight

    for language in CODE_LANGUAGES:
        try:
            highlight("x = 1\n", language=language)
        except Exception:
            continue


def markdown_parser() -> None:
    """Parse a small document once (tables, lists, fences) with the app's parser: the
    first run compiles what every parser shares (this thread keeps its own parser)."""
    from tui_chat.ui.render.stream_markdown import markdown_parser as parser

    parser().parse(SAMPLE_MARKDOWN)


def reply_modules() -> None:
    """Import our modules a reply needs that the first screen did not, and compile the
    token estimate's CJK pattern (used for text that is not ASCII)."""
    from tui_chat.core.tokens import cjk_pattern

    for name in REPLY_MODULES:
        importlib.import_module(name)
    cjk_pattern()


SDK_STEPS: tuple[Callable[[], None], ...] = (sdk_client, transport_modules)
"""Only useful with a real provider (not the offline demo)."""

STEPS: tuple[Callable[[], None], ...] = (
    sdk_client,
    transport_modules,
    code_highlighting,
    markdown_parser,
    reply_modules,
)
"""In order of need: the first send, then the first reply (and its title)."""


_done: set[Callable[[], None]] = set()
"""Steps already run in this process (another app in the same process, e.g. in tests,
skips them: what they warm is process-wide)."""
_done_lock = threading.Lock()


def run_steps(
    steps: Iterable[Callable[[], None]], keep_going: Callable[[], bool] | None = None
) -> None:
    """Run each step not yet run in this process, swallowing errors, while `keep_going()`
    (asked before each step) holds."""
    for step in steps:
        if keep_going is not None and not keep_going():
            break
        with _done_lock:
            if step in _done:
                continue
            _done.add(step)
        with contextlib.suppress(Exception):  # warm-up only: the real use reports it
            step()


def start(
    steps: Iterable[Callable[[], None]] = STEPS,
    on_done: Callable[[], None] | None = None,
    keep_going: Callable[[], bool] | None = None,
) -> threading.Thread:
    """Run `steps` in a daemon thread, then `on_done` (also when a step failed or
    `keep_going` stopped them)."""
    steps = tuple(steps)

    def work() -> None:
        try:
            run_steps(steps, keep_going)
        finally:
            if on_done is not None:
                on_done()

    thread = threading.Thread(target=work, name="tui-chat warm-up", daemon=True)
    thread.start()
    return thread
