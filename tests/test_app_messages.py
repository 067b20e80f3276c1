"""Pilot tests of the message operations: regenerate and alternatives, continue, edit and
resend (branches survive a restart), delete, select and copy, select text, find, images.
Each asserts on the screen and on the session file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app_harness import (
    handled,
    make_app,
    read_only_session,
    screen_text,
    type_and_send,
    wait_for_replies,
    wait_until,
)
from sse_server import Script

from tui_chat.core.continuation import CONTINUE_INSTRUCTION
from tui_chat.core.session import Message, Session
from tui_chat.core.store.session_store import SessionStore
from tui_chat.ui.screens.confirm import ConfirmScreen
from tui_chat.ui.screens.message_modals import AttachScreen, SelectTextScreen
from tui_chat.ui.widgets.find_bar import FindBar
from tui_chat.ui.widgets.messages import MAX_PAGE, AssistantMessage, UserMessage
from tui_chat.ui.widgets.prompt import PromptInput

SIZE = (110, 36)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24


def path_of(data: dict[str, Any]) -> list[str]:
    """The contents of the current path of a saved session, from its "current" leaf."""
    by_id = {m["id"]: m for m in data["messages"]}
    path = []
    node = by_id.get(data["current"])
    while node is not None:
        path.append(node["content"])
        node = by_id.get(node["parent_id"])
    return path[::-1]


def replies_shown(app: Any) -> list[str]:
    return [w.message.content for w in app.screen.query(AssistantMessage)]


def users_shown(app: Any) -> list[str]:
    return [w.message.content for w in app.screen.query(UserMessage)]


async def test_regenerate_keeps_both_alternatives_and_flips(tmp_path: Path, server) -> None:
    server.enqueue(Script(content=["First answer."]), Script(content=["Second answer."]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "Question")
        await wait_for_replies(pilot, app)
        await pilot.press("alt+r")
        await wait_for_replies(pilot, app)
        assert replies_shown(app) == ["Second answer."]
        assert "‹ 2/2 ›" in screen_text(app)
        await pilot.press("alt+left")
        # A flip is done once the alternatives are shown again (the reply is mounted
        # before that): the next key or click is not taken in the middle of it.
        await wait_until(
            pilot,
            lambda: replies_shown(app) == ["First answer."] and "‹ 1/2 ›" in screen_text(app),
        )
        # The regenerated request had the question only, not the old reply.
        assert server.requests[-1]["json"]["messages"] == [{"role": "user", "content": "Question"}]
        # Clicking › in the reply's meta line flips forward.
        meta = app.screen.query_one(AssistantMessage).query_one(".meta")
        text = str(meta.render())
        await pilot.click(meta, offset=(text.index("›") + 1, 0))  # + padding

        def second_selected() -> bool:
            """Flipped, and the new reply has the focus (and so is the selected one)."""
            focused = app.focused
            return (
                replies_shown(app) == ["Second answer."]
                and isinstance(focused, AssistantMessage)
                and focused.message.content == "Second answer."
            )

        await wait_until(pilot, second_selected)
        await handled(app.screen)  # the focus moves the selection (a message)
        await pilot.press("alt+left")
        await wait_until(pilot, lambda: replies_shown(app) == ["First answer."])
    data = read_only_session(tmp_path)
    question, first, second = data["messages"]
    assert first["parent_id"] == second["parent_id"] == question["id"]
    assert path_of(data) == ["Question", "First answer."]
    # Ctrl+R (retry) also regenerates a complete reply, keeping the others.
    server.enqueue(Script(content=["Third answer."]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert replies_shown(app) == ["First answer."]
        await pilot.press("ctrl+r")
        await wait_for_replies(pilot, app)
        assert "‹ 3/3 ›" in screen_text(app)
    assert len(read_only_session(tmp_path)["messages"]) == 4


async def test_continue_joins_text_into_one_reply(tmp_path: Path, server) -> None:
    server.enqueue(
        Script(content=["The first half, "], finish_reason="length"),
        Script(content=["and the second half."]),
    )
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "Tell me all")
        await wait_for_replies(pilot, app)
        assert "Alt+G continues it" in screen_text(app)
        await pilot.press("alt+g")
        await wait_for_replies(pilot, app)
        assert replies_shown(app) == ["The first half, and the second half."]
        assert "The first half, and the second half." in screen_text(app)
        assert "Cut off" not in screen_text(app)
        # Nothing left to continue now.
        await pilot.press("alt+g")
        assert len(server.requests) == 2
    sent = server.requests[-1]["json"]["messages"]
    assert sent == [
        {"role": "user", "content": "Tell me all"},
        {"role": "assistant", "content": "The first half, "},
        {"role": "user", "content": CONTINUE_INSTRUCTION},
    ]
    data = read_only_session(tmp_path)
    user, reply = data["messages"]
    assert reply["parent_id"] == user["id"]
    assert reply["content"] == "The first half, and the second half."
    assert reply["finish_reason"] == "stop" and reply["status"] == "complete"
    assert reply["usage"]["completion_tokens"] == 14  # both requests' usage


async def test_edit_forks_and_old_branch_survives_restart(tmp_path: Path, server) -> None:
    server.enqueue(Script(content=["A1"]), Script(content=["A2"]), Script(content=["A2 edited"]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "Q1")
        await wait_for_replies(pilot, app)
        await type_and_send(pilot, "Q2")
        await wait_for_replies(pilot, app)
        prompt = app.screen.query_one(PromptInput)
        prompt.insert("half-typed")
        # Esc cancels an edit and gives the prompt back.
        await pilot.press("alt+e")
        assert prompt.text == "Q2"
        assert "Editing" in screen_text(app)
        await pilot.press("escape")
        assert prompt.text == "half-typed"
        assert "Editing" not in screen_text(app)
        # Edit the last question: Enter sends it as a new branch.
        await pilot.press("alt+e")
        prompt.clear()
        prompt.insert("Q2 edited")
        await pilot.press("enter")
        await wait_for_replies(pilot, app)
        assert users_shown(app) == ["Q1", "Q2 edited"]
        assert replies_shown(app) == ["A1", "A2 edited"]
        assert "‹ 2/2 ›  edited" in str(app.screen.query(UserMessage)[-1].text.render())
        assert prompt.text == ""
    assert server.requests[-1]["json"]["messages"] == [
        {"role": "user", "content": "Q1"},
        {"role": "assistant", "content": "A1"},
        {"role": "user", "content": "Q2 edited"},
    ]
    data = read_only_session(tmp_path)
    assert len(data["messages"]) == 6
    assert path_of(data) == ["Q1", "A1", "Q2 edited", "A2 edited"]

    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert users_shown(app) == ["Q1", "Q2 edited"]
        await pilot.press("alt+up", "alt+up")  # select the edited question
        selected = app.screen.query(".-selected")
        assert [w.message.content for w in selected] == ["Q2 edited"]
        await pilot.press("alt+left")
        await wait_until(pilot, lambda: users_shown(app) == ["Q1", "Q2"])
        assert replies_shown(app) == ["A1", "A2"]
        assert "‹ 1/2 ›  edited" in str(app.screen.query(UserMessage)[-1].text.render())
        # Clicking › on the message brings the edited branch back.
        await pilot.click(app.screen.query(UserMessage)[-1], offset=(8, 0))  # border, padding
        await wait_until(pilot, lambda: users_shown(app) == ["Q1", "Q2 edited"])
        assert replies_shown(app) == ["A1", "A2 edited"]
        await pilot.press("alt+left")
        await wait_until(pilot, lambda: users_shown(app) == ["Q1", "Q2"])
    assert path_of(read_only_session(tmp_path)) == ["Q1", "A1", "Q2", "A2"]


async def test_delete_asks_and_removes_from_path_and_file(tmp_path: Path, server) -> None:
    server.enqueue(Script(content=["A1"]), Script(content=["A2"]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "Q1")
        await wait_for_replies(pilot, app)
        await type_and_send(pilot, "Q2")
        await wait_for_replies(pilot, app)
        await pilot.press("alt+up", "alt+up", "alt+up", "alt+up")  # Q1
        await pilot.press("alt+d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        question = str(app.screen.query_one("#question").render())
        assert "“Q1” and its reply, and the 2 messages after it" in question
        await pilot.press("n")  # keep
        assert users_shown(app) == ["Q1", "Q2"]
        await pilot.press("alt+down", "alt+down")  # Q2
        await pilot.press("alt+d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "“Q2” and its reply?" in str(app.screen.query_one("#question").render())
        await pilot.press("y")
        await wait_until(pilot, lambda: users_shown(app) == ["Q1"])
        assert replies_shown(app) == ["A1"]
        # Delete on a focused message asks too.
        app.screen.query_one(AssistantMessage).focus()
        await pilot.press("delete")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "Delete this reply “A1”?" in str(app.screen.query_one("#question").render())
        await pilot.press("escape")
    data = read_only_session(tmp_path)
    assert [m["content"] for m in data["messages"]] == ["Q1", "A1"]
    assert path_of(data) == ["Q1", "A1"]


async def test_copy_message_and_cycle_code_blocks(tmp_path: Path, server) -> None:
    reply = "Two blocks:\n\n```python\nprint(1)\n```\n\nand\n\n```sh\necho 2\nls\n```\n"
    server.enqueue(Script(content=[reply]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await type_and_send(pilot, "Code please")
        await wait_for_replies(pilot, app)
        await pilot.press("alt+y")
        assert app.clipboard == reply
        await pilot.press("alt+c")
        assert app.clipboard == "print(1)\n"
        assert len(app.screen.query(".-code-selected")) == 1
        await pilot.press("alt+c")
        assert app.clipboard == "echo 2\nls\n"
        await pilot.press("alt+c")  # around again
        assert app.clipboard == "print(1)\n"
        # The user's own message, selected, is copied as typed.
        await pilot.press("alt+up", "alt+up")
        await pilot.press("alt+y")
        assert app.clipboard == "Code please"
        # Selection mode: a read-only text area; y copies the selection (all when none).
        await pilot.press("alt+down")
        await pilot.press("alt+v")
        await wait_until(pilot, lambda: isinstance(app.screen, SelectTextScreen))
        area = app.screen.query_one("TextArea")
        assert area.read_only and area.text == reply
        await pilot.press("shift+right", "shift+right", "shift+right")
        await pilot.press("y")
        assert app.clipboard == "Two"
        await pilot.press("escape")
        assert not isinstance(app.screen, SelectTextScreen)


async def test_find_highlights_moves_and_reaches_earlier_messages(tmp_path: Path, server) -> None:
    store = SessionStore(tmp_path / "data" / "sessions", tmp_path / "data" / "session-index.json")
    session = Session(provider="local", model="test-model")
    for n in range(MAX_PAGE + 10):
        session.add(Message(role="user", content=f"question {n}"))
        answer = "这里有一个苹果 Apple." if n in (2, MAX_PAGE + 8) else f"answer {n}"
        session.add(Message(role="assistant", content=f"# Title\n\nSome text.\n\n{answer}"))
    store.save(session)
    store.close()
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.screen.view
        assert view.message_widget(session.messages[5].id) is None  # not mounted yet
        await pilot.press("ctrl+f")
        bar = app.screen.query_one(FindBar)
        assert bar.display and bar.input.has_focus
        await pilot.press(*"苹果 apple")
        await pilot.pause()
        assert str(bar.query_one("#find-count").render()) == "2/2"
        current = app.screen.query(".-find-current")
        assert [w.message.content for w in current] == [session.messages[-3].content]
        assert len(app.screen.query(".-find-block")) == 1
        await pilot.press("enter")  # next wraps around to the first, far above
        await wait_until(pilot, lambda: str(bar.query_one("#find-count").render()) == "1/2")
        widget = view.message_widget(session.messages[5].id)
        assert widget is not None and widget.has_class("-find-current")
        block = app.screen.query_one(".-find-block")
        assert "苹果" in str(block.render())
        await wait_until(pilot, lambda: view.region.contains_region(block.region))
        await pilot.press("shift+enter")
        await wait_until(pilot, lambda: str(bar.query_one("#find-count").render()) == "2/2")
        await pilot.press("escape")
        assert not bar.display
        assert not app.screen.query(".-find-match")
        assert app.screen.query_one(PromptInput).has_focus
        # A user message gets the matched text itself highlighted.
        await pilot.press("ctrl+f")
        bar.input.value = "QUESTION 49"
        await pilot.pause()
        assert str(bar.query_one("#find-count").render()) == "1/1"
        user = app.screen.query_one(".-find-current")
        assert isinstance(user, UserMessage) and user.highlight is not None
        await pilot.press("escape")
        # The palette and /find call the action with the text.
        await app.run_action("find('answer 7')", app.screen.action_owner("find"))
        await pilot.pause()
        assert bar.display and bar.query_text == "answer 7"
        assert str(bar.query_one("#find-count").render()) == "1/1"


async def test_attach_image_shows_chip_and_file_keeps_path(tmp_path: Path, server) -> None:
    picture = tmp_path / "cat.png"
    picture.write_bytes(PNG)
    notes = tmp_path / "notes.txt"
    notes.write_text("not an image")
    server.enqueue(Script(content=["A cat."]))
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        prompt = app.screen.query_one(PromptInput)
        prompt.insert("What is this?")
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, AttachScreen))
        field = app.screen.query_one("#attach-input")
        field.value = str(notes)
        await pilot.press("enter")
        error = app.screen.query_one("#attach-error")
        assert "not an image file" in str(error.render()) and error.display
        field.value = str(picture)
        await pilot.press("enter")
        assert "[image: cat.png]" in str(app.screen.query_one("#attach-list").render())
        await pilot.press("enter")  # empty: done
        await wait_until(pilot, lambda: not isinstance(app.screen, AttachScreen))
        assert "[image: cat.png]" in str(app.screen.query_one("#prompt-info").render())
        assert prompt.text == "What is this?"
        prompt.focus()
        await pilot.press("enter")
        await wait_for_replies(pilot, app)
        assert not app.screen.query_one("#prompt-info").display
        assert "[image: cat.png]" in str(app.screen.query_one(UserMessage).text.render())
    data = read_only_session(tmp_path)
    assert data["messages"][0]["attachments"] == [str(picture)]
    assert "base64" not in json.dumps(data)
    # The request carried the image as an image_url part, after the text.
    sent = server.requests[-1]["json"]["messages"][-1]
    assert sent["role"] == "user"
    assert sent["content"][0] == {"type": "text", "text": "What is this?"}
    assert sent["content"][1]["type"] == "image_url"
    assert sent["content"][1]["image_url"]["url"].startswith("data:image/png;base64,")


async def test_vanished_attachment_is_not_sent_and_text_stays(tmp_path: Path, server) -> None:
    picture = tmp_path / "gone.png"
    picture.write_bytes(PNG)
    app = make_app(tmp_path, server)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, AttachScreen))
        app.screen.query_one("#attach-input").value = str(picture)
        await pilot.press("enter", "enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, AttachScreen))
        picture.unlink()
        await type_and_send(pilot, "Look")
        await pilot.pause()
        assert app.screen.query_one(PromptInput).text == "Look"
        assert not server.requests
        assert not app.screen.query(UserMessage)
