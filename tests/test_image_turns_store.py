"""The image files follow their session and their turn: trashed, restored and purged with
the session; removed when the turn is deleted and saved; copied with a duplicate; never
continued (services/conversation.py, core/store/trash.py, core/store/image_files.py)."""

from __future__ import annotations

import errno
import json
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import tui_chat.core.store.session_store as store_module
from tui_chat.core.image_turns import CONTINUE_REFUSAL
from tui_chat.core.images import GeneratedImage, ImageRequest
from tui_chat.core.session import Message, Session
from tui_chat.core.store.session_store import SessionStore
from tui_chat.core.store.trash import KEEP_SECONDS, TrashError
from tui_chat.services.changes import SessionChanges
from tui_chat.services.conversation import Conversation, Refusal

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SessionStore]:
    store = SessionStore(tmp_path / "sessions", tmp_path / "session-index.json")
    yield store
    store.close()


def image_turn(
    store: SessionStore, session: Session, prompt: str, count: int = 1
) -> tuple[Message, Message]:
    """An `/image` turn whose `count` images are written where the app writes them."""
    asked = session.add(
        Message(role="user", content=prompt, image_request=ImageRequest(prompt, count=count))
    )
    images = []
    for n in range(count):
        image_id = f"{asked.id}-{n}"
        file = store.images.write(session.id, image_id, PNG, "image/png")
        images.append(GeneratedImage(id=image_id, file=file, model="cogview-4", prompt=prompt))
    reply = session.add(Message(role="assistant", images=images, model="cogview-4"))
    return asked, reply


def saved_with_images(store: SessionStore) -> tuple[Session, Message]:
    session = Session(provider="p", model="m")
    _, reply = image_turn(store, session, "a panda", count=2)
    store.save(session)
    return session, reply


def test_trash_moves_the_images_and_restore_brings_them_back(store, tmp_path: Path) -> None:
    session, reply = saved_with_images(store)
    folder = tmp_path / "images" / session.id
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        Path(i.file).name for i in reply.images
    )
    assert store.trash_session(session.id)
    trashed = tmp_path / "trash" / "images" / session.id
    assert not folder.exists() and len(list(trashed.iterdir())) == 2
    assert stat.S_IMODE((tmp_path / "trash" / "images").stat().st_mode) == 0o700
    assert [t.id for t in store.trash.list()] == [session.id]  # the folder is no session

    store.restore_session(session.id)
    assert not trashed.exists()
    loaded = store.load(session.id)
    assert all(store.images.exists(i.file) for i in loaded.messages[-1].images)


def test_a_session_without_images_trashes_as_before(store, tmp_path: Path) -> None:
    session = Session(provider="p", model="m")
    session.add(Message(role="user", content="hello"))
    store.save(session)
    assert store.trash_session(session.id)
    assert not (tmp_path / "trash" / "images").exists()
    store.restore_session(session.id)
    assert store.load(session.id).messages[0].content == "hello"


def test_a_failed_restore_leaves_the_images_in_the_trash(store, tmp_path: Path) -> None:
    session, _ = saved_with_images(store)
    store.trash_session(session.id)
    (tmp_path / "sessions" / f"{session.id}.json").write_text("{}", "utf-8")  # same id back
    with pytest.raises(TrashError):
        store.trash.restore(session.id)
    assert (tmp_path / "trash" / "images" / session.id).is_dir()
    assert not (tmp_path / "images" / session.id).exists()


def test_restore_puts_the_images_back_in_the_trash_when_the_file_cannot_move(
    store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session, _ = saved_with_images(store)
    store.trash_session(session.id)
    real_replace = os.replace

    def replace(source: object, target: object) -> None:
        if str(source).endswith(".json"):
            raise OSError(errno.EACCES, "Permission denied")
        real_replace(source, target)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(TrashError, match="Permission denied"):
        store.trash.restore(session.id)
    assert (tmp_path / "trash" / "images" / session.id).is_dir()
    assert not (tmp_path / "images" / session.id).exists()


def test_purge_removes_the_images_with_their_session(store, tmp_path: Path) -> None:
    old, _ = saved_with_images(store)
    recent, _ = saved_with_images(store)
    long_ago = time.time() - KEEP_SECONDS - 60
    store.trash.move_in(old.id, now=long_ago)
    store.trash_session(recent.id)
    assert store.trash.purge() == 1
    trashed = tmp_path / "trash" / "images"
    assert sorted(p.name for p in trashed.iterdir()) == [recent.id]
    assert store.trash.contains(recent.id) and not store.trash.contains(old.id)


def test_purge_removes_old_orphaned_images_only(store, tmp_path: Path) -> None:
    orphan = tmp_path / "trash" / "images" / "gone"
    orphan.mkdir(parents=True)
    (orphan / "x.png").write_bytes(PNG)
    fresh = tmp_path / "trash" / "images" / "fresh"
    fresh.mkdir()
    long_ago = time.time() - KEEP_SECONDS - 60
    os.utime(orphan, (long_ago, long_ago))
    store.trash.purge()
    assert not orphan.exists() and fresh.exists()


def test_a_never_saved_sessions_images_still_go_to_the_trash(store, tmp_path: Path) -> None:
    session = Session(provider="p", model="m")
    image_turn(store, session, "never saved")
    assert store.trash_session(session.id) is False
    assert not (tmp_path / "images" / session.id).exists()
    assert (tmp_path / "trash" / "images" / session.id).is_dir()


async def test_deleting_an_image_turn_removes_its_files_once_saved(store) -> None:
    conversation = Conversation(SessionChanges(store))
    session = Session(provider="p", model="m")
    session.add(Message(role="user", content="q"))
    session.add(Message(role="assistant", content="a"))
    first_q, first = image_turn(store, session, "first")
    _, second = image_turn(store, session, "second")
    store.save(session)

    removed = await conversation.delete(session, first_q)  # the branch below goes too
    assert {m.id for m in removed} >= {first.id, second.id}
    for image in first.images + second.images:
        assert not store.images.exists(image.file)
    on_disk = json.loads(store.path_for(session.id).read_text("utf-8"))
    assert [m["content"] for m in on_disk["messages"]] == ["q", "a"]


async def test_deleting_only_a_reply_keeps_images_other_messages_refer_to(store) -> None:
    conversation = Conversation(SessionChanges(store))
    session = Session(provider="p", model="m")
    asked, reply = image_turn(store, session, "shared")
    session.rewind_to(asked.id)
    twin = session.add(Message(role="assistant", images=list(reply.images)))  # a merge copy
    session.switch_to(reply.id)
    store.save(session)
    await conversation.delete(session, reply)
    assert session.get(twin.id) is not None
    assert all(store.images.exists(i.file) for i in reply.images)
    assert session.get(asked.id) is not None


async def test_a_delete_whose_save_fails_keeps_the_files(
    store, monkeypatch: pytest.MonkeyPatch
) -> None:
    conversation = Conversation(SessionChanges(store))
    session = Session(provider="p", model="m")
    asked, reply = image_turn(store, session, "kept while unsaved")
    store.save(session)

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store_module, "write_atomic", full_disk)
    await conversation.delete(session, asked)
    assert store.is_unsaved(session.id)
    assert all(store.images.exists(i.file) for i in reply.images)


def test_image_replies_cannot_be_continued(store) -> None:
    session = Session(provider="p", model="m")
    _, reply = image_turn(store, session, "a cat")
    reply.status = "stopped"
    reply.content = "partial words"  # even with text, it is no chat reply
    assert Conversation.continuable(session, reply) == Refusal(CONTINUE_REFUSAL)
    failed = Session(provider="p", model="m")
    failed.add(Message(role="user", content="x", image_request=ImageRequest("x")))
    broken = failed.add(Message(role="assistant", content="so", status="error"))
    assert isinstance(Conversation.continuable(failed, broken), Refusal)


def test_a_stopped_image_reply_with_images_is_kept_when_rewound(store) -> None:
    conversation = Conversation(SessionChanges(store))
    session = Session(provider="p", model="m")
    _, reply = image_turn(store, session, "a dog", count=2)
    reply.status = "stopped"
    conversation.rewind_for_reply(session, reply)
    assert session.get(reply.id) is reply


def test_a_duplicate_owns_copies_of_the_images(store, tmp_path: Path) -> None:
    session, reply = saved_with_images(store)
    copy = store.duplicate(session)
    copied = copy.messages[-1].images
    assert [i.file for i in copied] == [
        f"images/{copy.id}/{Path(i.file).name}" for i in reply.images
    ]
    for image in copied:
        path = store.images.path(image.file)
        assert path is not None and path.read_bytes() == PNG
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    store.trash_session(session.id)
    assert all(store.images.exists(i.file) for i in store.load(copy.id).messages[-1].images)
