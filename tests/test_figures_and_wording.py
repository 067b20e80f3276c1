"""Small things a new user saw (issue 14 item 17): figures that were wrong or too coarse
(costs, context windows, days left in the trash, a continued reply's tokens), words that
offered what could not be done or ran sentences together, duplicate palette commands,
times without a date, and a thinking pane that could not be kept open."""

from __future__ import annotations

import json
import time
from pathlib import Path

from app_harness import (
    make_app,
    read_only_session,
    screen_text,
    type_and_send,
    wait_for_replies,
    wait_until,
    write_config,
)
from sse_server import Script

from tui_chat.core.pricing import format_cost
from tui_chat.core.session import Message, Session
from tui_chat.core.tokens import estimate_tokens
from tui_chat.ui.screens.confirm import ConfirmScreen
from tui_chat.ui.screens.session_dialogs import TrashScreen
from tui_chat.ui.widgets.messages import AssistantMessage
from tui_chat.ui.widgets.status import window_text
from tui_chat.ui.widgets.thinking import ThinkingPane

SIZE = (120, 35)


def status_text(app: object) -> str:
    return str(app.screen.query_one("#status").render())  # type: ignore[attr-defined]


def save_session(tmp_path: Path, session: Session) -> None:
    folder = tmp_path / "data" / "sessions"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{session.id}.json").write_text(json.dumps(session.to_dict()), encoding="utf-8")


# -- figures -----------------------------------------------------------------------------------


def test_small_costs_keep_two_significant_digits() -> None:
    assert format_cost(0.0042) == "$0.0042"
    assert format_cost(0.00042, "¥") == "¥0.00042"
    assert format_cost(0.000025, "¥") == "¥0.000025"
    assert format_cost(0.00000004, "¥") == "<¥0.000001"
    assert format_cost(0.05) == "$0.050" and format_cost(1.234, "¥") == "¥1.23"


async def test_a_cheap_reply_costs_more_than_nothing_on_screen(tmp_path: Path, server) -> None:
    write_config(
        tmp_path / "config" / "config.toml",
        server.base_url,
        '[providers.local.model_settings."test-model"]\n'
        'prices = { input = 1.0, output = 2.0, currency = "¥" }\n',
    )
    server.enqueue(Script(content=["Cheap."]))  # 11 tokens in, 7 out: ¥0.000025
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "Hi")
        await wait_for_replies(pilot, app)
        assert "last ¥0.000025 · session ¥0.000025" in status_text(app)
        assert "¥0.0000 " not in status_text(app)


def test_context_windows_are_in_thousands() -> None:
    assert window_text(128_000) == "128k"
    assert window_text(131_072) == "131k"
    assert window_text(600) == "600"
    assert window_text(8_192) == "8.2k"
    assert window_text(32_768) == "33k"
    assert window_text(1_000_000) == "1M" and window_text(1_048_576) == "1M"


async def test_the_trash_counts_whole_days_left(tmp_path: Path, server) -> None:
    session = Session(provider="local", model="test-model")
    session.add(Message(role="user", content="hello"))
    save_session(tmp_path, session)
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("f8")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(pilot, lambda: (tmp_path / "data" / "trash").is_dir())
        await pilot.press("shift+f8")
        await wait_until(pilot, lambda: isinstance(app.screen, TrashScreen))
        prompt = str(app.screen.query_one("OptionList").get_option_at_index(0).prompt)
        assert "1 message · gone in 30 days" in prompt  # not 29, right after the delete


async def test_a_continued_reply_counts_the_whole_reply(tmp_path: Path, server) -> None:
    first, second, third = "The first part, ", "then more, ", "and the end."
    server.enqueue(
        Script(content=[first], hold=True),
        Script(content=[second], hold=True),
        Script(
            content=[third], usage={"prompt_tokens": 20, "completion_tokens": 5, "total_tokens": 25}
        ),
    )
    app = make_app(tmp_path, server)
    # Wide enough for every field: narrower, tok/s goes early (test_narrow_layout).
    async with app.run_test(size=(160, 45)) as pilot:
        await type_and_send(pilot, "Go")

        def arrived(text: str) -> bool:
            live = next(iter(app.replies.live.values()), None)
            return live is not None and "".join(live.text_parts).endswith(text)

        await wait_until(pilot, lambda: arrived(first))
        await pilot.press("escape")  # stopped: the provider reported no usage for it
        await wait_for_replies(pilot, app)
        await pilot.press("alt+g")
        await wait_until(pilot, lambda: arrived(second))
        live = next(iter(app.replies.live.values()))
        # While it streams, the figures count what was there before as well.
        assert live.estimated_tokens == estimate_tokens(first) + estimate_tokens(second)
        await pilot.press("escape")
        await wait_for_replies(pilot, app)
        reply = app.screen.query_one(AssistantMessage).message
        before = estimate_tokens(reply.content)
        await pilot.press("alt+g")
        await wait_for_replies(pilot, app)
        assert reply.content == first + second + third
        assert reply.usage is not None and reply.usage.completion_tokens == before + 5
        assert f"{before + 5} tokens" in screen_text(app)
        assert reply.duration_seconds
        speed = f"{(before + 5) / reply.duration_seconds:.0f} tok/s"
        assert speed in status_text(app)
    assert read_only_session(tmp_path)["messages"][-1]["usage"]["completion_tokens"] == before + 5


# -- words ----------------------------------------------------------------------------------


async def test_continuing_is_offered_only_when_there_is_text(tmp_path: Path, server) -> None:
    server.enqueue(
        Script(content=[], hang=True),
        Script(reasoning=["Thinking it all through."], content=[], finish_reason="length"),
        Script(content=["Half an ans"], finish_reason="length"),
    )
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "One")
        await wait_until(pilot, lambda: bool(app.replies.live) and len(server.requests) == 1)
        await pilot.press("escape")  # before anything arrived
        await wait_for_replies(pilot, app)
        assert "Stopped before any answer arrived. Ctrl+R asks again." in screen_text(app)
        assert "Alt+G" not in screen_text(app)
        await type_and_send(pilot, "Two")  # all the tokens went to thinking
        await wait_for_replies(pilot, app)
        note = screen_text(app)
        assert "Cut off at max tokens. Ctrl+R writes a new reply" in note
        assert "Alt+G" not in note
        await type_and_send(pilot, "Three")  # some text: that can be continued
        await wait_for_replies(pilot, app)
        assert "Cut off at max tokens. Alt+G continues it" in screen_text(app)


async def test_the_server_s_words_end_as_a_sentence(tmp_path: Path, server) -> None:
    server.enqueue(
        Script(
            content=["Partial"],
            inband_error={"message": "Upstream provider overloaded", "code": 502},
        )
    )
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "Hi")
        await wait_for_replies(pilot, app)
        said = "Upstream provider overloaded. Press Ctrl+R to try again."
        assert said in screen_text(app)
    error = read_only_session(tmp_path)["messages"][-1]["error"]
    assert error.endswith(said)
    assert ". ." not in error and ".." not in error


async def test_the_palette_lists_keys_and_quit_once(tmp_path: Path, server) -> None:
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert titles.count("app: Keys") == 1 and titles.count("app: Quit") == 1
        assert "Keys" not in titles and "Quit" not in titles
        assert "Theme" in titles  # Textual's others stay
        assert "view: Keep thinking open" in titles


# -- times ----------------------------------------------------------------------------------


def test_message_times_have_a_date_when_not_today() -> None:
    from tui_chat.core.timefmt import message_time

    now = time.mktime((2025, 6, 15, 18, 0, 0, 0, 0, -1))
    today = time.mktime((2025, 6, 15, 9, 5, 0, 0, 0, -1))
    this_year = time.mktime((2025, 3, 5, 14, 5, 0, 0, 0, -1))
    years_ago = time.mktime((2023, 3, 5, 14, 5, 0, 0, 0, -1))
    assert message_time(today, now) == "09:05"
    assert message_time(this_year, now) == "Mar 5 14:05"
    assert message_time(years_ago, now) == "2023-03-05 14:05"


async def test_an_imported_reply_from_an_earlier_year_shows_its_date(
    tmp_path: Path, server
) -> None:
    written = time.mktime((2023, 3, 5, 14, 5, 0, 0, 0, -1))
    session = Session(provider="local", model="test-model", title="Imported")
    session.add(Message(role="user", content="Old question", created_at=written))
    session.add(
        Message(role="assistant", content="Old answer", model="gpt-4", created_at=written + 60)
    )
    save_session(tmp_path, session)
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "Old answer" in screen_text(app))
        assert "gpt-4 · 2023-03-05 14:06" in screen_text(app)


# -- the thinking pane ------------------------------------------------------------------------


async def test_the_thinking_pane_can_be_kept_open(tmp_path: Path, server) -> None:
    for n in range(3):
        server.enqueue(Script(reasoning=[f"Reasoning {n}."], content=[f"Answer {n}."]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        thinking = app.screen.query_one(ThinkingPane)
        await type_and_send(pilot, "Zero")
        await wait_for_replies(pilot, app)
        assert thinking.collapsed  # folded when the answer began, as before
        await pilot.press("alt+t")
        assert not thinking.collapsed  # open at once
        await type_and_send(pilot, "One")
        await wait_for_replies(pilot, app)
        assert not thinking.collapsed
        assert "Reasoning 1." in screen_text(app)
        await pilot.press("alt+t")  # back to folding
        await type_and_send(pilot, "Two")
        await wait_for_replies(pilot, app)
        assert thinking.collapsed
        assert "Reasoning 2." not in screen_text(app)


async def test_a_reply_with_no_text_says_so(tmp_path: Path, server) -> None:
    """A model that finishes normally without a word: the reply says it, not just its
    meta line (it looked like a display fault)."""
    server.enqueue(Script(content=[], finish_reason="stop"))
    app = make_app(tmp_path, server)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_and_send(pilot, "say nothing")
        await wait_for_replies(pilot, app)
        await wait_until(pilot, lambda: "The model sent no answer" in screen_text(app))
