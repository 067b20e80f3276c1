"""Words streamed into the last paragraph: the paragraph on screen takes them without a
block built for each frame (`stream_blocks.take_paragraph`), and ends as a full render."""

from __future__ import annotations

from pathlib import Path

from app_harness import make_app
from test_stream_render import (
    REPLY,
    chunk,
    full_render,
    full_render_in,
    instances_made,
    rendered,
    streaming_body,
)
from textual.widgets.markdown import MarkdownBlock

from tui_chat.ui.render.stream_markdown import finish_streamed

PARAGRAPHS = """\
Some words with *emphasis*, `code` and a [link](https://example.com) that run on
over a second line.

A second paragraph, **strong** at the end.
"""


async def test_words_added_to_the_last_paragraph_build_no_block(
    tmp_path: Path, server, monkeypatch
) -> None:
    built = instances_made(monkeypatch, MarkdownBlock)
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)):
        view = app.screen.query_one("#messages")
        body = await streaming_body(view)
        await body.append_deferring("Some", 0)
        built.clear()
        second = PARAGRAPHS.index("A second")
        for piece in chunk(PARAGRAPHS[4:second], 7):
            await body.append_deferring(piece, 0)
        assert not built  # the first paragraph grew in place, the blank line ends it
        for piece in chunk(PARAGRAPHS[second:], 7):
            await body.append_deferring(piece, 0)
        # Only when the second paragraph began: it, and the first parsed again with it.
        assert [type(block).__name__ for block in built] == ["StreamingParagraph"] * 2
        (first, last) = [b for b in body.children if isinstance(b, MarkdownBlock)]
        assert (first.source_range, last.source_range) == ((0, 2), (3, 4))
        body.set_runway(0)
        await finish_streamed(body)
        reference = full_render(PARAGRAPHS)
        await view.mount(reference)
        assert rendered(body) == rendered(reference)


async def test_streamed_paragraphs_among_other_blocks_end_as_a_full_render(
    tmp_path: Path, server
) -> None:
    """Paragraphs that follow a list, a quote or code, or turn into a heading or a table
    (the quick path is only for a paragraph updating a paragraph), cut at every size."""
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 40)):
        view = app.screen.query_one("#messages")
        expected, sources = await full_render_in(view, REPLY)
        for seed in range(3):
            body = await streaming_body(view)
            for piece in chunk(REPLY, seed):
                await body.append_deferring(piece, 0)
            body.set_runway(0)
            await finish_streamed(body)
            blocks = [b for b in body.children if isinstance(b, MarkdownBlock)]
            assert [b.source_range for b in blocks] == sources, seed
            assert rendered(body) == expected, seed
            await body.remove()
