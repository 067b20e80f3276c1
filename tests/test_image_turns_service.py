"""services/image_turns.py: an `/image` turn from request to files on disk, against the real
image test server through the real openai SDK: done, failed, stopped by Esc, kept over a
restart (the provider's task is polled again, not paid for twice), and which provider."""

from __future__ import annotations

import asyncio
import json
import stat
import threading
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from image_server import FakeImageServer, ImagePlan, content_filter_zhipu
from tool_loop_parts import TaskWorker

from tui_chat.config.images_config import ImagesConfig
from tui_chat.config.model import Config
from tui_chat.config.presets import PRESETS
from tui_chat.config.provider import ProviderConfig
from tui_chat.core.images import ImageRequest
from tui_chat.core.session import Message, Session
from tui_chat.core.store.image_files import ImageFiles
from tui_chat.core.store.session_store import SessionStore
from tui_chat.providers import ProviderRegistry
from tui_chat.services.changes import SessionChange, SessionChanges
from tui_chat.services.image_turns import ImageTurnRefused, ImageTurns, TurnsInFlight


@dataclass
class Rig:
    turns: ImageTurns
    store: SessionStore
    data_dir: Path
    ended: list[str]
    progressed: list[str]
    changes: list[SessionChange]


def provider(server: FakeImageServer, name: str = "img", **fields: Any) -> ProviderConfig:
    fields.setdefault("image_model", "cogview-4")
    return ProviderConfig(name=name, base_url=server.base_url, api_key="sk-test-1234", **fields)


def make_rig(tmp_path: Path, *providers: ProviderConfig, default: str | None = None) -> Rig:
    config = Config(
        path=tmp_path / "config.toml",
        default_provider=default or providers[0].name,
        providers={p.name: p for p in providers},
    )
    data_dir = tmp_path / "data"
    store = SessionStore(data_dir / "sessions", data_dir / "session-index.json")
    changes: list[SessionChange] = []
    ended: list[str] = []
    progressed: list[str] = []

    def run_in_worker(coroutine: Coroutine[Any, Any, None], name: str) -> TaskWorker:
        return TaskWorker(asyncio.get_running_loop().create_task(coroutine, name=name))

    turns = ImageTurns(
        ProviderRegistry(config, environ={}),
        SessionChanges(store, changes.append),
        ImageFiles(data_dir),
        lambda: ImagesConfig(timeout=20),
        run_in_worker=run_in_worker,
        notify=lambda *_, **__: None,
        on_started=lambda *_: None,
        on_progress=lambda _, reply_id: progressed.append(reply_id),
        on_ended=lambda _, reply_id: ended.append(reply_id),
        poll_interval=0.01,
    )
    return Rig(turns, store, data_dir, ended, progressed, changes)


def preset_turns(tmp_path: Path, environ: dict[str, str]) -> ImageTurns:
    """ImageTurns over the built-in presets (no config file) with these variables set."""
    config = Config(path=tmp_path / "config.toml", providers=dict(PRESETS))
    data_dir = tmp_path / "data"
    store = SessionStore(data_dir / "sessions", data_dir / "session-index.json")
    return ImageTurns(
        ProviderRegistry(config, environ=environ),
        SessionChanges(store, lambda _: None),
        ImageFiles(data_dir),
        ImagesConfig,
        run_in_worker=lambda *_: pytest.fail("nothing runs here"),
        notify=lambda *_, **__: None,
        on_started=lambda *_: None,
        on_progress=lambda *_: None,
        on_ended=lambda *_: None,
    )


def image_question(session: Session, prompt: str, **options: Any) -> Message:
    return session.add(
        Message(role="user", content=prompt, image_request=ImageRequest(prompt, **options))
    )


async def wait_until(condition: Any, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


def saved(rig: Rig, session: Session) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((rig.store.sessions_dir / f"{session.id}.json").read_text())
    return data


async def test_an_image_is_downloaded_kept_private_and_referenced(
    tmp_path: Path, image_server: FakeImageServer
) -> None:
    rig = make_rig(tmp_path, provider(image_server))
    session = Session(provider="img", model="glm")
    image_question(session, "一只在竹林里喝茶的熊猫", size="1024x1024")
    live = rig.turns.start(session, session.messages[-1])
    await wait_until(lambda: live.reply.id in rig.ended)
    await wait_until(lambda: any(c.what == "image" for c in rig.changes))
    reply = session.messages[-1]
    assert reply.status == "complete" and reply.image_task is None
    assert reply.provider == "img" and reply.model == "cogview-4"
    [image] = reply.images
    assert image.file == f"images/{session.id}/{image.id}.png"
    path = rig.data_dir / image.file
    assert path.read_bytes() == image_server.file_bytes("image.png")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert image.size == "48x32" and image.prompt == "一只在竹林里喝茶的熊猫"
    [sent] = image_server.requests_to("/images/generations")
    assert sent["json"]["prompt"] == "一只在竹林里喝茶的熊猫"
    assert sent["json"]["size"] == "1024x1024"
    data = saved(rig, session)
    assert data["version"] == 4
    text = json.dumps(data)
    # "b64_json", not "b64": the ids are random hex, which can hold "b64" by chance.
    assert "b64_json" not in text and image.file in text and "sk-test" not in text


async def test_a_content_filter_is_explained_on_the_reply(
    tmp_path: Path, image_server: FakeImageServer
) -> None:
    image_server.plan(content_filter_zhipu())
    rig = make_rig(tmp_path, provider(image_server, dialect="zhipu"))
    session = Session(provider="img", model="glm")
    image_question(session, "something")
    live = rig.turns.start(session, session.messages[-1])
    await wait_until(lambda: live.reply.id in rig.ended)
    reply = session.messages[-1]
    assert reply.status == "error" and reply.images == []
    assert reply.error is not None and reply.error.startswith("img: ")
    assert "sk-test" not in reply.error
    assert not (rig.data_dir / "images").exists()


async def test_esc_stops_a_task_and_forgets_it(
    tmp_path: Path, image_server: FakeImageServer
) -> None:
    gate = threading.Event()
    image_server.plan(ImagePlan(gate=gate))
    rig = make_rig(tmp_path, provider(image_server, dialect="modelscope"))
    session = Session(provider="img", model="m")
    image_question(session, "a cat")
    live = rig.turns.start(session, session.messages[-1])
    await wait_until(lambda: live.reply.image_task is not None and live.polls >= 1)
    assert rig.turns.stop(session.id)
    await wait_until(lambda: live.reply.id in rig.ended)
    gate.set()
    reply = session.messages[-1]
    assert reply.status == "stopped" and reply.image_task is None
    assert "image_task" not in json.dumps(saved(rig, session))
    assert rig.turns.resume(session) is None


async def test_a_task_outlives_a_restart_and_is_polled_again(
    tmp_path: Path, image_server: FakeImageServer
) -> None:
    gate = threading.Event()
    image_server.plan(ImagePlan(gate=gate, polls=3))
    config = provider(image_server, dialect="modelscope", image_model="Qwen/Qwen-Image")
    rig = make_rig(tmp_path, config)
    session = Session(provider="img", model="m")
    image_question(session, "a red bicycle")
    live = rig.turns.start(session, session.messages[-1])
    await wait_until(lambda: live.reply.image_task is not None)
    on_disk = saved(rig, session)["messages"][-1]
    assert on_disk["image_task"]["task_id"] == live.reply.image_task.task_id  # type: ignore[union-attr]
    await rig.turns.stop_all()  # the app closes
    assert live.reply.id in rig.ended

    reopened = Session.from_dict(saved(rig, session))
    waiting = reopened.messages[-1]
    assert waiting.status == "stopped" and waiting.image_task is not None
    restarted = make_rig(tmp_path, config)
    gate.set()
    resumed = restarted.turns.resume(reopened)
    assert resumed is not None and resumed.reply is waiting
    await wait_until(lambda: waiting.id in restarted.ended)
    assert waiting.status == "complete" and waiting.image_task is None
    assert len(waiting.images) == 1
    assert len(image_server.requests_to("/images/generations")) == 1  # paid for once


async def test_the_provider_is_the_sessions_or_the_first_with_an_image_model(
    tmp_path: Path, image_server: FakeImageServer
) -> None:
    chat_only = ProviderConfig(name="chat", base_url=image_server.base_url, api_key="sk-x")
    images = provider(image_server, name="zhipu", image_model="cogview-4")
    rig = make_rig(tmp_path, chat_only, images, default="chat")
    session = Session(provider="chat", model="m")
    assert rig.turns.provider_for(session).name == "zhipu"

    lonely = make_rig(tmp_path / "2", chat_only)
    with pytest.raises(ImageTurnRefused, match="image_model"):
        lonely.turns.provider_for(session)

    keyless = ProviderConfig(
        name="zhipu", base_url="http://x/v1", api_key_env="NO_SUCH_KEY_VAR", image_model="c"
    )
    without_key = make_rig(tmp_path / "3", chat_only, keyless, default="chat")
    with pytest.raises(ImageTurnRefused, match="NO_SUCH_KEY_VAR"):
        without_key.turns.provider_for(session)


async def test_only_one_image_turn_runs_per_session(
    tmp_path: Path, image_server: FakeImageServer
) -> None:
    gate = threading.Event()
    image_server.plan(ImagePlan(gate=gate))
    rig = make_rig(tmp_path, provider(image_server))
    session = Session(provider="img", model="m")
    image_question(session, "one")
    live = rig.turns.start(session, session.messages[-1])
    with pytest.raises(ImageTurnRefused, match="being generated"):
        rig.turns.start(session, session.messages[-2])
    gate.set()
    await wait_until(lambda: live.reply.id in rig.ended)
    assert live.reply.status == "complete"


@pytest.mark.parametrize(
    ("variable", "chosen"), [("ZHIPUAI_API_KEY", "zhipu"), ("SILICONFLOW_API_KEY", "siliconflow")]
)
def test_a_newcomer_with_one_key_gets_that_providers_image_model(
    tmp_path: Path, variable: str, chosen: str
) -> None:
    """No config file, only a Zhipu (or SiliconFlow) key: `/image` in the demo session goes
    to that provider's preset image model."""
    turns = preset_turns(tmp_path, {variable: "sk-newcomer"})
    demo = Session(provider="demo", model="demo")
    provider = turns.provider_for(demo)
    assert provider.name == chosen
    assert provider.image_model == PRESETS[chosen].image_model


def test_with_no_key_at_all_it_lists_every_way_in(tmp_path: Path) -> None:
    turns = preset_turns(tmp_path, {})
    with pytest.raises(ImageTurnRefused) as refused:
        turns.provider_for(Session(provider="demo", model="demo"))
    said = str(refused.value)
    assert "ZHIPUAI_API_KEY" in said and "SILICONFLOW_API_KEY" in said
    assert "cogview-4" in said and "Kwai-Kolors/Kolors" in said


async def test_deleting_a_session_stops_its_image_first(
    tmp_path: Path, image_server: FakeImageServer
) -> None:
    from tui_chat.services.replies import ReplyManager
    from tui_chat.services.sessions import SessionService

    gate = threading.Event()
    image_server.plan(ImagePlan(gate=gate))
    rig = make_rig(tmp_path, provider(image_server))
    turns = rig.turns
    replies = ReplyManager(
        rig.store,
        turns.registry,
        turns.changes,
        run_in_worker=lambda *_: pytest.fail("no reply here"),
        notify=lambda *_, **__: None,
        on_started=lambda *_: None,
        on_ended=lambda *_: None,
    )
    in_flight = TurnsInFlight(replies, turns)
    service = SessionService(
        rig.store, turns.changes, in_flight, turns.registry, lambda: turns.registry.config
    )
    session = Session(provider="img", model="m")
    image_question(session, "a cat")
    live = turns.start(session, session.messages[-1])
    assert in_flight.is_streaming(session.id) and in_flight.live[session.id] is live
    assert "still arriving" in service.delete_question(session.id, session.title)
    await service.stop_reply(session.id)
    assert not in_flight.is_streaming(session.id)
    assert live.reply.status == "stopped"
    gate.set()
