"""The final screen of a streamed reply is exactly a full Markdown render of the same text."""

from __future__ import annotations

import random
from pathlib import Path
from typing import TypeVar

import pytest
from app_harness import make_app, type_and_send, wait_for_replies, wait_until
from sse_server import Script
from textual.widget import Widget
from textual.widgets import Markdown, Static
from textual.widgets.markdown import MarkdownBlock

from tui_chat.ui.render.stream_markdown import Deferred, StreamingMarkdown
from tui_chat.ui.render.table_view import TableView
from tui_chat.ui.widgets.messages import AssistantMessage

T = TypeVar("T")

REPLY = """\
# 标题 A heading

Some *emphasis*, **bold**, `inline code` and a [link](https://example.com).

- first item
- second item with 中文
  - nested item

1. one
2. two

```python
def greet(name: str) -> str:
    # 问候
    return f"Hello, {name}!"
```

| Provider | Field | Notes |
|----------|-------|-------|
| DeepSeek | `reasoning_content` | thinking on by default |
| Ollama | `reasoning` | local |

> A quote that spans
> two lines.

```bash
export DASHSCOPE_API_KEY="sk-..."
tui-chat
```

这是最后一段中文，用来检查换行。The end.
"""


def chunk(text: str, seed: int) -> list[str]:
    """Split `text` into pieces of 1-12 characters, as a provider's tokens might be."""
    rng = random.Random(seed)
    pieces, position = [], 0
    while position < len(text):
        size = rng.randint(1, 12)
        pieces.append(text[position : position + size])
        position += size
    return pieces


def textual_class(widget: Static) -> str:
    """The Textual class a widget is or extends (the app's block classes extend them)."""
    return next(c.__name__ for c in type(widget).__mro__ if c.__module__.startswith("textual."))


def full_render(text: str) -> Markdown:
    """The app's Markdown rendering `text` whole (not streamed): what a streamed reply
    must end as. (Its tables are ours, drawn by `TableView`, not Textual's grid.)"""
    return StreamingMarkdown(text)


def shows(widget: Static) -> tuple[object, ...]:
    """What a Static shows. A table's drawing depends on the width its message gives it, so
    a table is its cells (text and styles) and columns' alignments instead."""
    if isinstance(widget, TableView):
        cells = tuple((c.plain, tuple(c.spans)) for row in widget.table() for c in row)
        return ("TableView", cells, tuple(widget.aligns))
    return (str(widget.render()), tuple(getattr(widget.render(), "spans", ())))


def rendered(markdown: Markdown) -> list[tuple[object, ...]]:
    """What each displayed Static inside a Markdown widget shows, in order, and how (its
    text's styles, its own style, alignment and spacing: the CSS its class gets)."""
    return [
        (
            textual_class(w),
            shows(w),  # with its text's styles, e.g. a code block's highlighting
            w.rich_style,
            w.styles.text_align,
            w.styles.content_align,
            tuple(w.styles.margin),
            padding(w),
        )
        for w in markdown.query(Static)
        if all(node.display for node in (w, *w.ancestors_with_self))
    ]


def padding(widget: Static) -> tuple[int, ...]:
    """`widget`'s padding; for a code block's code, the block's label row (stream_fence's
    FenceTitle, docked in the row above the code) counted as the blank row Textual's
    padding leaves there, so a labelled block compares equal to Textual's."""
    from tui_chat.ui.render.stream_fence import FenceTitle

    top, right, bottom, left = widget.styles.padding
    parent = widget.parent
    if parent is not None and parent.query_children(FenceTitle):
        top += 1
    return (top, right, bottom, left)


def instances_made(monkeypatch: pytest.MonkeyPatch, cls: type[T]) -> list[T]:
    """Every instance of `cls` (and its subclasses) made from now on, in order."""
    made: list[T] = []
    original = cls.__init__

    def spy(self: T, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(cls, "__init__", spy)
    return made


async def streaming_body(view: Widget) -> StreamingMarkdown:
    """A StreamingMarkdown mounted in `view`, streaming as a reply's body is (its runway
    below)."""
    body = StreamingMarkdown()
    await view.mount(body)
    body.set_runway(3)
    return body


async def full_render_in(
    view: Widget, text: str
) -> tuple[list[tuple[object, ...]], list[tuple[int, int]]]:
    """What a full render of `text` shows in `view`, and its blocks' lines of the source
    (it is mounted to be measured, then removed)."""
    reference = full_render(text)
    await view.mount(reference)
    shown = rendered(reference)
    lines = [b.source_range for b in reference.children if isinstance(b, MarkdownBlock)]
    await reference.remove()
    return shown, lines


async def test_streamed_reply_equals_full_render(tmp_path: Path, server) -> None:
    for seed in range(3):
        server.enqueue(Script(content=chunk(REPLY * 2, seed)))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(120, 40)) as pilot:
        for seed in range(3):
            await type_and_send(pilot, f"Markdown please ({seed})")
            # Enter only posts the question: wait for its reply before waiting for it to end.
            await wait_until(pilot, lambda n=seed + 1: len(app.screen.query(AssistantMessage)) == n)
            await wait_for_replies(pilot, app)
        reference = full_render(REPLY * 2)
        await app.screen.query_one("#messages").mount(reference)
        await pilot.pause()
        expected = rendered(reference)
        assert any(name == "MarkdownFence" for name, *_ in expected)
        replies = list(app.screen.query(AssistantMessage))
        assert len(replies) == 3
        # Folding is only for streaming: at rest every message is laid out again.
        assert all(message.display for message in app.screen.query(".message"))
        for reply in replies:
            assert reply.body.source == REPLY * 2
            assert rendered(reply.body) == expected
            # The rows a growing block was given while streaming are gone.
            padded = [w for w in reply.body.query("*") if w.styles.inline.min_height is not None]
            assert not padded
            assert reply.body.size.height == reply.body.virtual_size.height


async def test_big_batch_defers_blocks_and_settles_to_full_render(
    tmp_path: Path, server, monkeypatch
) -> None:
    """A fast provider delivers a long reply between two frames: only its end is mounted at
    once (the rest waits in a Deferred), and once settled the reply is a full render."""
    created = instances_made(monkeypatch, Deferred)
    text = REPLY * 8
    # The reply is on screen and followed before the rest comes, all in one frame.
    server.enqueue(Script(content=["Start. ", text[7:]], delay=0.3))
    text = "Start. " + text[7:]
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_and_send(pilot, "A long one")
        await wait_for_replies(pilot, app)
        assert created, "the batch was not deferred"
        assert sum(len(d.rows) for d in created) == 0  # all taken and mounted
        reply = app.screen.query_one(AssistantMessage)
        assert not reply.has_pending_blocks
        assert not list(reply.body.query(Deferred))
        reference = full_render(text)
        await app.screen.query_one("#messages").mount(reference)
        await pilot.pause()
        assert rendered(reply.body) == rendered(reference)
        assert reply.body.source == text


async def test_scrolling_up_mounts_deferred_blocks_at_once(tmp_path: Path, server) -> None:
    """The user scrolls up while a long reply settles: everything is mounted at once and the
    reply ends a full render."""
    text = REPLY * 8
    server.enqueue(Script(content=[text[:7], text[7:]], delay=0.3))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_and_send(pilot, "A long one")
        await wait_until(pilot, lambda: not app.replies.live)
        view = app.screen.query_one("#messages")
        view.focus()
        await pilot.press("home")
        await wait_for_replies(pilot, app)
        reply = app.screen.query_one(AssistantMessage)
        assert not reply.has_pending_blocks
        reference = full_render(text)
        await view.mount(reference)
        await pilot.pause()
        assert rendered(reply.body) == rendered(reference)


async def test_big_batch_of_reasoning_ends_a_full_render(tmp_path: Path, server) -> None:
    """Reasoning that arrives in one big batch is deferred like a reply's text and ends a
    full render in the thinking pane."""
    from tui_chat.ui.widgets.thinking import ThinkingPane

    reasoning = REPLY * 6
    server.enqueue(Script(reasoning=[reasoning[:7], reasoning[7:]], content=["Done."], delay=0.3))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 40)) as pilot:
        await type_and_send(pilot, "Think hard")
        await wait_for_replies(pilot, app)
        pane = app.screen.query_one(ThinkingPane)
        body = pane.query_one(Markdown)
        assert body.source == reasoning
        assert not list(body.query(Deferred))
        reference = full_render(reasoning)
        await app.screen.query_one("#messages").mount(reference)
        await pilot.pause()
        shown = [(name, text) for name, text, *_ in rendered(reference)]
        pane.toggle()  # collapsed once the answer began: open it to compare what it shows
        await pilot.pause()
        assert [(name, text) for name, text, *_ in rendered(body)] == shown  # dimmer there


async def test_code_block_and_find_reach_blocks_still_settling(tmp_path: Path, server) -> None:
    """Right after a fast reply ends, its early blocks are still being mounted: copying a
    code block marks that block, and find goes to the block holding the match, once they
    are mounted (the clipboard gets the code at once, from the text)."""
    filler = "".join(f"Paragraph {n} without code.\n\n" for n in range(80))
    early = "```python\nprint('first block')\n```\n\nFINDME here.\n\n"
    text = filler + early + REPLY * 3
    server.enqueue(Script(content=[text[:7], text[7:]], delay=0.3))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_and_send(pilot, "A long one")
        await wait_until(pilot, lambda: not app.replies.live)
        reply = app.screen.query_one(AssistantMessage)
        assert reply.body.has_deferred  # settling: the early blocks are not mounted yet
        await pilot.press("alt+c")
        assert app.clipboard == "print('first block')\n"
        await wait_for_replies(pilot, app)
        # Marked once the block is mounted (a worker waits for the settling to end).
        await wait_until(pilot, lambda: bool(app.screen.query(".-code-selected")))
        fence = app.screen.query_one(".-code-selected")
        assert "first block" in str(fence.query_one("#code-content").render())
        await pilot.press("ctrl+f", *"findme")
        await wait_until(pilot, lambda: bool(app.screen.query(".-find-block")))
        assert "FINDME" in str(app.screen.query_one(".-find-block").render())


async def test_long_code_block_streams_in_frozen_parts_and_ends_whole(
    tmp_path: Path, server
) -> None:
    """While a long code block streams, the lines above its last few are frozen in labels
    drawn once; when the reply ends it is one label, highlighted whole, as a full render."""
    from textual.widgets import Label

    from tui_chat.ui.render.stream_fence import CHUNK_LINES, StreamingFence

    code = "\n".join(f"value_{n} = compute({n}, 'text')  # {n}" for n in range(5 * CHUNK_LINES))
    text = f"Here:\n\n```python\n{code}\n"
    # All of it arrives, then the reply stays live (the block still streaming) until Esc.
    server.enqueue(Script(content=text.splitlines(keepends=True), delay=0.01, hold=True))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_and_send(pilot, "Code please")

        def labels() -> list[str]:
            return [str(label.render()) for label in app.screen.query("StreamingFence Label")]

        # Read once every line is shown: a block read in the middle of an append can show
        # a part both frozen and in the tail.
        await wait_until(pilot, lambda: "\n".join(labels()) == code)
        assert len(labels()) >= 2 and app.screen.query("StreamingFence Label.frozen")
        await pilot.press("escape")  # stop: keep what arrived
        await wait_for_replies(pilot, app)
        fence = app.screen.query_one(StreamingFence)
        assert len(fence.query(Label)) == 1
        reply = app.screen.query_one(AssistantMessage)
        assert reply.body.source == text
        reference = full_render(text)
        await app.screen.query_one("#messages").mount(reference)
        await pilot.pause()
        assert rendered(reply.body) == rendered(reference)


async def test_streaming_code_block_shows_no_blank_rows_between_its_parts(
    tmp_path: Path, server
) -> None:
    """The labels a streaming code block is split in read as one block: its lines follow
    each other on screen, with no blank rows where one label ends and the next begins."""
    import re

    from test_stream_folding import visible_text

    from tui_chat.ui.render.stream_fence import CHUNK_LINES, StreamingFence

    count = 3 * CHUNK_LINES + 3
    code = "\n".join(f"line_{n} = {n}" for n in range(count))
    text = f"Here:\n\n```python\n{code}\n"
    # The fence stays open and the reply live: the block is shown in its streaming parts.
    server.enqueue(Script(content=text.splitlines(keepends=True), delay=0.01, hold=True))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 100)) as pilot:  # the whole block in view
        await type_and_send(pilot, "Code please")
        last = f"line_{count - 1} = {count - 1}"
        await wait_until(pilot, lambda: last in visible_text(app))
        screen = visible_text(app).splitlines()
        fence = app.screen.query_one(StreamingFence)
        assert len(fence.query("Label.frozen")) >= 2
        rows = [
            (row, int(found.group(1)))
            for row, line in enumerate(screen)
            if (found := re.search(r"line_(\d+) = ", line))
        ]
        first = rows[0][0]
        assert rows == [(first + n, n) for n in range(count)], screen
        # One row above the code, as in a full render, holding only the block's label,
        # and a blank one below it (with the rows the last line grows into).
        assert screen[first - 1].strip("▕█ ") == "python · 1" and "Here:" in screen[first - 3]
        assert not screen[first + count].strip("▕█ ")
        await pilot.press("escape")
        await wait_for_replies(pilot, app)


async def test_streaming_into_a_reply_rendered_whole_keeps_the_cut_block(
    tmp_path: Path, server
) -> None:
    """A reply that is followed once some of it has arrived is first rendered whole, then
    streamed into. Where that first part ends in the middle of a block (a quote, a
    paragraph, a code block, a list), the block's first lines stay: the stream resumes
    from the block's start, not from its last line (a quote kept only "two lines.")."""
    from tui_chat.ui.render.stream_markdown import finish_streamed

    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 40)):
        view = app.screen.query_one("#messages")
        expected, _ = await full_render_in(view, REPLY)
        for cut_in in ("two lines", "with 中文", "return f", "nested item", "tui-chat\n"):
            cut = REPLY.index(cut_in) + 3
            body = await streaming_body(view)
            await body.update(REPLY[:cut])
            await body.append_deferring(REPLY[cut:], 0)
            body.set_runway(0)
            await finish_streamed(body)
            assert rendered(body) == expected, cut_in
            await body.remove()


async def test_big_batch_builds_widgets_only_for_blocks_it_mounts(
    tmp_path: Path, server, monkeypatch
) -> None:
    """A big batch builds widgets only for the blocks at its end that it mounts (and the
    one that updates the last block shown); those it defers wait as their parse and are
    built when mounted, with the lines of a full render, which the reply then equals."""
    from tui_chat.ui.render.stream_fence import StreamingFence
    from tui_chat.ui.render.stream_markdown import blocks_match_source, finish_streamed

    built = instances_made(monkeypatch, MarkdownBlock)
    text = REPLY * 8
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)):
        view = app.screen.query_one("#messages")
        body = await streaming_body(view)
        await body.append_deferring(text[:30], 0)
        built.clear()
        await body.append_deferring(text[30:], 30)
        (deferred,) = body.query_children(Deferred)
        after = body.children[body.children.index(deferred) + 1 :]
        mounted = [block for block in after if isinstance(block, MarkdownBlock)]
        top = [block for block in built if block.has_class("level-0")]
        assert len(deferred.blocks) > 50
        assert len(top) == len(mounted) + 1  # + the one that updated the paragraph shown
        while await body.mount_deferred(6, hidden=True):
            pass
        await body.show_hidden()
        body.set_runway(0)
        assert await blocks_match_source(body)  # no full render needed to mend it
        await finish_streamed(body)
        reference = full_render(text)
        await view.mount(reference)
        blocks = [b for b in body.children if isinstance(b, MarkdownBlock)]
        expected = [b for b in reference.children if isinstance(b, MarkdownBlock)]
        assert [b.source_range for b in blocks] == [b.source_range for b in expected]
        assert rendered(body) == rendered(reference)
        numbers = [f.number for f in body.query(StreamingFence)]  # kept ones numbered while
        assert numbers == list(range(1, 17))  # streaming, deferred ones when mounted
