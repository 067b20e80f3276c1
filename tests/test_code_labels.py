"""Code blocks in replies carry their language and number (`python · 2`), numbered as the
copy feature numbers them (fenced and indented blocks in document order), while streaming
too, in the blank row above the code (the block is no taller); `/copy N` copies block N
(issue 18 item 5)."""

from __future__ import annotations

import threading
from pathlib import Path

from app_harness import (
    make_app,
    notices,
    run_command,
    type_and_send,
    wait_for_replies,
    wait_until,
)
from sse_server import Script
from textual.widgets import Label

from tui_chat.core import slash
from tui_chat.ui.render.stream_fence import FenceTitle, StreamingFence
from tui_chat.ui.widgets.message_copy import code_blocks
from tui_chat.ui.widgets.messages import AssistantMessage

BASH = "python3 -c 'print(sorted([3, 1, 2]))'\n"
REPLY = (
    "Sorting, four ways:\n\n"
    "```python\ndef quicksort(xs):\n    return sorted(xs)\n```\n\n"
    f"Then run it:\n\n```bash\n{BASH}```\n\n"
    "A bare one:\n\n```\nno language here\n```\n\n"
    "And an indented block:\n\n"
    "    indented = True\n    print(indented)\n\n"
    "- a list item with code:\n\n"
    "  ```sh\n  ls -l\n  ```\n"
)
LABELS = ["python · 1", "bash · 2", "text · 3", "text · 4", "sh · 5"]


def fences(app: object) -> list[StreamingFence]:
    reply = app.screen.query(AssistantMessage).last()  # type: ignore[attr-defined]
    return list(reply.body.query(StreamingFence))


def shown_labels(app: object) -> list[str]:
    """The top row each code block draws: its label, right-aligned."""
    rows = []
    for fence in fences(app):
        title = fence.query_one(FenceTitle)
        row = title.render_lines(title.region.reset_offset)[0].text
        assert row.endswith(" ") and len(row) == fence.region.width  # right-aligned
        rows.append(row.strip())
    return rows


def assert_no_taller(app: object) -> None:
    """The label sits on the fence's first row, the code starts on the row below (where
    Textual's padding left a blank row) and the block is code + 2 rows high, as before."""
    for fence in fences(app):
        title = fence.query_one(FenceTitle)
        code = fence.query_one("#code-content", Label)
        assert title.region.y == fence.region.y
        assert code.region.y == fence.region.y + 1
        assert fence.region.height == len(fence.code.splitlines()) + 2


async def test_labels_number_blocks_as_copy_does(tmp_path: Path, server) -> None:
    server.enqueue(Script(content=[REPLY]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 60)) as pilot:
        await type_and_send(pilot, "Code please")
        await wait_for_replies(pilot, app)
        await wait_until(pilot, lambda: shown_labels(app) == LABELS)
        assert [f"{lang or 'text'} · {n}" for n, (lang, _) in enumerate(code_blocks(REPLY), 1)] == (
            LABELS
        )
        assert_no_taller(app)


async def test_labels_while_streaming_in_small_pieces(tmp_path: Path, server) -> None:
    pieces = [REPLY[i : i + 3] for i in range(0, len(REPLY), 3)]
    cut = REPLY.index("A bare one") // 3  # hold the stream after the bash block
    gate = threading.Event()
    server.enqueue(Script(content=pieces, gate=gate, gate_after=cut))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 60)) as pilot:
        await type_and_send(pilot, "Code please")
        await wait_until(pilot, lambda: shown_labels(app) == LABELS[:2])
        assert app.screen.query(AssistantMessage).last().is_streaming
        assert_no_taller(app)
        gate.set()
        await wait_for_replies(pilot, app)
        await wait_until(pilot, lambda: shown_labels(app) == LABELS)
        assert_no_taller(app)


async def test_copy_n_copies_block_n(tmp_path: Path, server) -> None:
    server.enqueue(Script(content=[REPLY]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 60)) as pilot:
        await type_and_send(pilot, "Code please")
        await wait_for_replies(pilot, app)
        await run_command(pilot, "/copy 2")
        await wait_until(pilot, lambda: app.clipboard == BASH)
        selected = app.screen.query(".-code-selected")
        assert [f.query_one(FenceTitle).render() for f in selected] == ["bash · 2"]

        app.copy_to_clipboard("untouched")
        await run_command(pilot, "/copy 9")
        said = "No code block 9: this reply has 5 code blocks (/copy 1 to /copy 5)."
        await wait_until(pilot, lambda: said in notices(app))
        assert app.clipboard == "untouched"
        await run_command(pilot, "/copy two")
        await wait_until(pilot, lambda: any("No code block two" in n for n in notices(app)))
        assert app.clipboard == "untouched"

        # No number: the next block, as Alt+C, going on from the block /copy 2 copied.
        await run_command(pilot, "/copy")
        await wait_until(pilot, lambda: app.clipboard == "no language here\n")
        await run_command(pilot, "/copy")
        await wait_until(pilot, lambda: app.clipboard == "indented = True\nprint(indented)\n")
        await pilot.press("alt+c")
        await wait_until(pilot, lambda: app.clipboard == "ls -l\n")
        await run_command(pilot, "/copy")  # around again
        await wait_until(pilot, lambda: app.clipboard.startswith("def quicksort"))


def test_copy_command_parses_its_number() -> None:
    command = slash.find("copy")
    assert command is not None and command.action == "copy_code" and command.arg == "optional"
    assert command.usage == "/copy [N]"
    parsed = slash.parse("/copy 2")
    assert isinstance(parsed, slash.Parsed) and (parsed.command, parsed.arg) == (command, "2")
    parsed = slash.parse("/copy")
    assert isinstance(parsed, slash.Parsed) and parsed.arg == ""
