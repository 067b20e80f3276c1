"""While a long reply streams, what scrolled above the view is folded out of the layout and
lists grow in place; neither may change what is on screen or the final render."""

from __future__ import annotations

from pathlib import Path

from app_harness import (
    handled,
    make_app,
    screen_text,
    type_and_send,
    wait_for_replies,
    wait_until,
)
from sse_server import Script
from test_stream_render import chunk, full_render, rendered
from textual.containers import Horizontal

from tui_chat.ui.render import probes
from tui_chat.ui.render.folding import Fold, fold_of
from tui_chat.ui.render.stream_lists import StreamingBulletList, StreamingOrderedList
from tui_chat.ui.widgets.messages import AssistantMessage


def long_reply() -> str:
    """Headings, paragraphs (English and Chinese), long and nested lists, code, a table."""
    parts = []
    for n in range(8):
        parts.append(
            f"## Part {n} 第{n}部分\n\nA paragraph about part {n}, long enough to wrap "
            "once or twice at eighty columns, with **bold** and `code`.\n"
        )
        parts.append("\n".join(f"{i}. step {i} of part {n}" for i in range(1, 13)) + "\n")
        parts.append("- loose item\n\n- another loose item\n  - nested 中文 item\n\n- last\n")
        parts.append(f"```python\ndef part_{n}():\n    return {n}\n```\n")
        parts.append("| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n")
    return "\n".join(parts) + "\nThe end. 结束。\n"


def visible_text(app) -> str:
    """The terminal screen as text, exactly as drawn."""
    return "\n".join(probes.screen_lines(app.screen))


def folded(reply: AssistantMessage) -> list:
    fold = fold_of(reply.body)
    return fold.hidden if fold is not None else []


async def test_folding_keeps_the_screen_and_the_scroll(tmp_path: Path, server) -> None:
    text = long_reply()
    server.enqueue(Script(content=chunk(text, 1), delay=0.002, hold=True))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_and_send(pilot, "long please")
        await wait_until(pilot, lambda: bool(app.replies.live), 5)
        live = next(iter(app.replies.live.values()))
        await wait_until(pilot, lambda: "".join(live.text_parts) == text, 20)
        reply = app.screen.query(AssistantMessage).last()
        await wait_until(pilot, lambda: len(folded(reply)) > 20, 10)
        view = app.screen.view
        assert view.is_following
        assert not any(widget.display for widget in folded(reply))
        app.screen.follower.pause()  # nothing new arrives, and nothing folds again meanwhile
        await handled(app.screen)  # a frame under way has ended
        await app.screen.wait_for_refresh()  # and is on screen
        folded_screen, folded_height = visible_text(app), view.virtual_size.height
        view.unfold_all()
        await app.screen.wait_for_refresh()
        assert not folded(reply)
        assert view.virtual_size.height == folded_height
        assert visible_text(app) == folded_screen
        app.screen.follower.resume()
        await wait_until(pilot, lambda: len(folded(reply)) > 20, 5)
        # Scrolling up (which releases the anchor) never shows a folded gap.
        view.scroll_home(animate=False, immediate=True)
        await app.screen.wait_for_refresh()
        assert not folded(reply)
        assert "Part 0" in screen_text(app)
        await pilot.press("escape")
        await wait_for_replies(pilot, app, 5)
        assert reply.body.source == text
        assert not any(isinstance(child, Fold) and child.display for child in reply.body.children)
        reference = full_render(text)
        await view.mount(reference)  # rendered once mounted
        assert rendered(reply.body) == rendered(reference)


async def test_lists_grow_in_place(tmp_path: Path, server) -> None:
    """A list that streams keeps its rows (no rebuild per frame) and ends as a full render,
    also when its numbers grow from one digit to two."""
    text = "Steps:\n\n" + "\n".join(f"{i}. step {i}" for i in range(1, 15)) + "\n"
    server.enqueue(Script(content=chunk(text, 2), delay=0.01))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 30)) as pilot:
        await type_and_send(pilot, "list please")
        await wait_until(pilot, lambda: bool(app.screen.query(StreamingOrderedList)), 10)
        first = app.screen.query_one(StreamingOrderedList)
        await wait_until(pilot, lambda: len(first.children) >= 5, 10)
        assert first.is_attached  # still the same widget, rows added to it
        await wait_for_replies(pilot, app, 15)
        reply = app.screen.query(AssistantMessage).last()
        reference = full_render(text)
        await app.screen.view.mount(reference)  # rendered once mounted
        assert rendered(reply.body) == rendered(reference)
        assert not app.screen.query(StreamingBulletList)


async def test_nothing_stays_folded_once_replies_end(tmp_path: Path, server) -> None:
    text = long_reply()
    for seed in range(3):
        server.enqueue(Script(content=chunk(text, seed), delay=0.001))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        for seed in range(3):
            await type_and_send(pilot, f"long please ({seed})")
            # The reply may end before a poll sees it live: wait for the request instead.
            await wait_until(pilot, lambda: len(server.requests) > seed, 5)  # noqa: B023
            await wait_until(pilot, lambda: not app.replies.live, 30)
        # Blocks deferred while streaming are mounted, and the view unfolded, once the
        # replies have settled.
        await wait_for_replies(pilot, app, 30)
        messages = list(app.screen.query(".message"))
        assert len(messages) == 6
        assert all(message.display for message in messages)


async def test_long_lists_and_tables_stream_built_from_their_end(
    tmp_path: Path, server, monkeypatch
) -> None:
    """Long lists (numbers growing to three digits, nested items) and a long table stream
    with only their last items or rows built again on each frame, the rows of a list far
    above the view fold, and the replies end as full renders."""
    import tui_chat.ui.render.stream_markdown as stream_markdown
    from tui_chat.ui.render.stream_lists import TRIM_MIN

    trimmed: dict[str, int] = {}
    trim = stream_markdown.trim_shown

    def counted(tokens, *args):  # type: ignore[no-untyped-def]
        result = trim(tokens, *args)
        if result:
            kind, skipped = tokens[0].type, result[1]["_stream_skipped"]
            trimmed[kind] = max(trimmed.get(kind, 0), skipped)
        return result

    monkeypatch.setattr(stream_markdown, "trim_shown", counted)
    numbered = "Steps:\n\n" + "\n".join(f"{i}. step {i} 第{i}步" for i in range(1, 106))
    bullets = "\n".join(
        f"- point {i}" + ("\n  - nested under it" if i % 7 == 0 else "") for i in range(40)
    )
    table = "| n | word |\n|---|---|\n" + "\n".join(f"| {i} | w{i} |" for i in range(60))
    rest = f"Points:\n\n{bullets}\n\n{table}\n\nThe end.\n"
    server.enqueue(Script(content=chunk(numbered, 3), delay=0.01, hold=True))
    server.enqueue(Script(content=chunk(rest, 4), delay=0.01))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_and_send(pilot, "steps please")
        def steps() -> StreamingOrderedList:  # rebuilt when its numbers get wider
            return app.screen.query_one(StreamingOrderedList)

        await wait_until(pilot, lambda: bool(app.screen.query(StreamingOrderedList)), 10)
        await wait_until(pilot, lambda: len(steps().query_children(Horizontal)) == 105, 20)
        await wait_until(pilot, lambda: bool((fold := fold_of(steps())) and fold.hidden), 10)
        assert trimmed["ordered_list_open"] > 50  # built from near its end, not its start
        await pilot.press("escape")  # the held stream: keep what arrived
        await wait_for_replies(pilot, app, 15)
        trimmed.clear()
        await type_and_send(pilot, "points please")
        await wait_until(pilot, lambda: len(server.requests) > 1, 5)
        await wait_for_replies(pilot, app, 30)
        assert trimmed["bullet_list_open"] >= TRIM_MIN and trimmed["table_open"] >= TRIM_MIN
        for reply, text in zip(app.screen.query(AssistantMessage), (numbered, rest), strict=True):
            assert reply.body.source.rstrip() == text.rstrip()
            assert not any(fold.display for fold in reply.body.query(Fold))
            reference = full_render(reply.body.source)
            await app.screen.view.mount(reference)  # rendered once mounted
            assert rendered(reply.body) == rendered(reference)
            await reference.remove()
