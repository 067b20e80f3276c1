"""`/image` end to end (Pilot, the real openai SDK, the image test server): the picture in
the conversation and on disk, Esc, a content filter explained with the request given
back, Ctrl+R for another, no image model, and a provider task polled again after a
restart instead of being paid for twice."""

from __future__ import annotations

import base64
import json
import stat
import threading
from pathlib import Path
from typing import Any

from app_harness import (
    make_app,
    notices,
    read_only_session,
    type_and_send,
    wait_until,
    write_config,
)
from image_server import FakeImageServer, ImagePlan, content_filter_zhipu

from tui_chat.ui.app import TuiChatApp
from tui_chat.ui.widgets.image_view import ImageView
from tui_chat.ui.widgets.messages import AssistantMessage
from tui_chat.ui.widgets.prompt import PromptInput

SIZE = (100, 40)
PANDA = "一只在竹林里喝茶的熊猫"


def image_app(tmp_path: Path, server: FakeImageServer, extra: str = "") -> TuiChatApp:
    config = tmp_path / "config" / "config.toml"
    write_config(config, server.base_url, 'image_model = "cogview-4"\n' + extra)
    app = make_app(tmp_path, server)
    app.images.poll_interval = 0.01
    return app


def prompt_text(app: TuiChatApp) -> str:
    return app.screen.query_one(PromptInput).text


def shown_pictures(app: TuiChatApp) -> list[ImageView]:
    return [view for view in app.screen.query(ImageView) if view.picture is not None]


def last_reply(app: TuiChatApp) -> Any:
    session = app.chat_screen.session if app.chat_screen else None
    assert session is not None
    return session.messages[-1]


async def test_an_image_is_generated_shown_and_kept(tmp_path: Path) -> None:
    with FakeImageServer() as server:
        app = image_app(tmp_path, server)
        async with app.run_test(size=SIZE) as pilot:
            await type_and_send(pilot, f"/image -s 1024x1024 {PANDA}")
            await wait_until(pilot, lambda: len(shown_pictures(app)) == 1)
            assert prompt_text(app) == ""
            [sent] = server.requests_to("/images/generations")
            assert sent["json"]["prompt"] == PANDA and sent["json"]["model"] == "cogview-4"
            caption = str(app.screen.query_one(".image-caption").render())
            assert "cogview-4 · 48x32" in caption
            await wait_until(pilot, lambda: not app.images.live)
        data = read_only_session(tmp_path)
        assert data["version"] == 4
        question, reply = data["messages"][-2:]
        assert question["image_request"]["prompt"] == PANDA
        [image] = reply["images"]
        path = tmp_path / "data" / image["file"]
        assert path.read_bytes() == server.file_bytes("image.png")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        # No image data in the session: neither the API's field nor the bytes (the ids are
        # random hex, which can hold "b64" by chance: a check for that flaked).
        saved = json.dumps(data)
        assert "b64_json" not in saved
        assert base64.b64encode(server.file_bytes("image.png")).decode()[:40] not in saved
        assert not server.requests_to("/chat/completions")  # never sent to the chat model


async def test_esc_stops_it_and_the_question_stays(tmp_path: Path) -> None:
    gate = threading.Event()
    with FakeImageServer() as server:
        server.plan(ImagePlan(gate=gate))
        app = image_app(tmp_path, server)
        try:
            async with app.run_test(size=SIZE) as pilot:
                await type_and_send(pilot, f"/image {PANDA}")
                await wait_until(pilot, lambda: bool(app.images.live))
                progress = app.screen.query_one(".image-progress")
                await wait_until(pilot, lambda: progress.display)
                assert "Generating an image · cogview-4" in str(progress.render())
                await pilot.press("escape")
                await wait_until(pilot, lambda: not app.images.live)
                await pilot.pause()
                reply = app.screen.query(AssistantMessage)[-1]
                assert reply.message.status == "stopped"
                assert not progress.display
                assert shown_pictures(app) == []
        finally:
            gate.set()
        data = read_only_session(tmp_path)
        assert data["messages"][-2]["content"] == PANDA
        assert data["messages"][-1]["status"] == "stopped"


async def test_a_content_filter_is_explained_and_the_request_given_back(tmp_path: Path) -> None:
    with FakeImageServer() as server:
        server.plan(content_filter_zhipu())
        app = image_app(tmp_path, server, 'dialect = "zhipu"\n')
        async with app.run_test(size=SIZE) as pilot:
            await type_and_send(pilot, f"/image -n 2 {PANDA}")
            await wait_until(pilot, lambda: any("back in the prompt" in n for n in notices(app)))
            assert prompt_text(app) == f"/image -n 2 {PANDA}"
            reply = last_reply(app)
            assert reply.status == "error" and reply.error
            note = str(app.screen.query(AssistantMessage)[-1].query_one(".note").render())
            assert "Rephrase" in note or "content" in note.lower()
            server.plan(ImagePlan())
            await pilot.press("enter")  # sent again as a new branch beside the failed one
            await wait_until(pilot, lambda: len(shown_pictures(app)) == 2)
            session = app.chat_screen.session
            assert session is not None
            assert session.alternative_position(session.messages[-2]) == (2, 2)


async def test_ctrl_r_makes_another_beside_it(tmp_path: Path) -> None:
    with FakeImageServer() as server:
        app = image_app(tmp_path, server)
        async with app.run_test(size=SIZE) as pilot:
            await type_and_send(pilot, f"/image {PANDA}")
            await wait_until(pilot, lambda: len(shown_pictures(app)) == 1 and not app.images.live)
            first = last_reply(app)
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: last_reply(app) is not first)
            await wait_until(pilot, lambda: not app.images.live and len(shown_pictures(app)) == 1)
            session = app.chat_screen.session
            assert session is not None
            second = session.messages[-1]
            assert second.images and second.images[0].file != first.images[0].file
            assert session.alternative_position(second) == (2, 2)
            assert len(server.requests_to("/images/generations")) == 2


async def test_without_an_image_model_it_says_what_to_set(tmp_path: Path) -> None:
    with FakeImageServer() as server:
        app = make_app(tmp_path, server)
        async with app.run_test(size=SIZE) as pilot:
            await type_and_send(pilot, f"/image {PANDA}")
            await wait_until(pilot, lambda: any("image_model" in n for n in notices(app)))
            assert prompt_text(app) == f"/image {PANDA}"  # nothing lost
            session = app.chat_screen.session
            assert session is not None and session.messages == []
        assert not server.requests_to("/images")


async def test_a_task_waiting_at_quit_is_polled_again_after_a_restart(tmp_path: Path) -> None:
    gate = threading.Event()
    with FakeImageServer() as server:
        server.plan(ImagePlan(gate=gate, polls=3))
        app = image_app(tmp_path, server, 'image_api = "modelscope"\n')
        async with app.run_test(size=SIZE) as pilot:
            await type_and_send(pilot, f"/image {PANDA}")
            await wait_until(pilot, lambda: last_reply(app).image_task is not None)
            await pilot.press("ctrl+q")  # as a user quits: however the worker ends, kept
            await wait_until(pilot, lambda: app.return_code is not None)
        waiting = read_only_session(tmp_path)["messages"][-1]
        task_id = waiting["image_task"]["task_id"]
        assert waiting["status"] == "stopped"

        again = image_app(tmp_path, server, 'image_api = "modelscope"\n')
        async with again.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: bool(again.images.live))
            reply = again.screen.query(AssistantMessage)[-1]
            progress = reply.query_one(".image-progress")
            await wait_until(pilot, lambda: progress.display)
            assert not reply.query_one(".note").display  # no stale "stopped"
            gate.set()
            await wait_until(pilot, lambda: len(shown_pictures(again)) == 1)
            await wait_until(pilot, lambda: not again.images.live)
        reply = read_only_session(tmp_path)["messages"][-1]
        assert reply["status"] == "complete" and "image_task" not in reply
        assert len(reply["images"]) == 1
        assert len(server.requests_to("/images/generations")) == 1  # paid for once
        assert any(task_id in r["path"] for r in server.requests_to("/tasks/"))


async def test_a_generated_image_reaches_the_model_only_when_attached(tmp_path: Path) -> None:
    from sse_server import Script

    with FakeImageServer() as server:
        server.enqueue(Script(content=["A panda."]), Script(content=["Still a panda."]))
        app = image_app(tmp_path, server)
        async with app.run_test(size=SIZE) as pilot:
            await type_and_send(pilot, f"/image {PANDA}")
            await wait_until(pilot, lambda: len(shown_pictures(app)) == 1 and not app.images.live)
            await type_and_send(pilot, "What did you draw?")
            await wait_until(pilot, lambda: len(server.requests_to("/chat/completions")) == 1)
            [first] = server.requests_to("/chat/completions")
            assert PANDA not in json.dumps(first["json"], ensure_ascii=False)
            await wait_until(pilot, lambda: not app.replies.live)

            [view] = shown_pictures(app)
            view.focus()
            await pilot.press("a")  # attach it to the next message
            await wait_until(pilot, lambda: any("goes with your next" in n for n in notices(app)))
            await type_and_send(pilot, "And now?")
            await wait_until(pilot, lambda: len(server.requests_to("/chat/completions")) == 2)
            second = server.requests_to("/chat/completions")[1]["json"]
            parts = second["messages"][-1]["content"]
            assert parts[0] == {"type": "text", "text": "And now?"}
            assert parts[1]["image_url"]["url"].startswith("data:image/png;base64,")
            await wait_until(pilot, lambda: not app.replies.live)


async def test_the_card_is_followed_again_after_switching_sessions(tmp_path: Path) -> None:
    gate = threading.Event()
    with FakeImageServer() as server:
        server.plan(ImagePlan(gate=gate))
        app = image_app(tmp_path, server)
        try:
            async with app.run_test(size=SIZE) as pilot:
                await type_and_send(pilot, f"/image {PANDA}")
                await wait_until(pilot, lambda: bool(app.images.live))
                chat = app.chat_screen
                assert chat is not None and chat.session is not None
                first = chat.session.id
                await pilot.press("ctrl+n")
                await wait_until(pilot, lambda: getattr(chat.session, "id", first) != first)
                assert await chat.open_session(first)

                def progress_line() -> str:
                    shown = [w for w in chat.query(".image-progress") if w.display]
                    return str(shown[0].render()) if shown else ""

                await wait_until(pilot, lambda: "Generating an image" in progress_line())
                gate.set()
                await wait_until(pilot, lambda: len(shown_pictures(app)) == 1)
        finally:
            gate.set()
