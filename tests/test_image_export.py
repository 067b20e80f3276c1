"""Exports and imports with `/image` turns: Markdown links the files (absolute `file://` URLs
from the data dir) with their metadata, JSON carries the metadata and paths, never bytes; a
ChatGPT export with DALL·E images imports without crashing (core/export.py,
core/import_chatgpt.py, `tui-chat export`)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_import_chatgpt import node
from tui_chat.cli import main
from tui_chat.core.export import image_link, render, session_markdown
from tui_chat.core.images import GeneratedImage, ImageRequest, ImageTask
from tui_chat.core.session import Message, Session
from tui_chat.core.store.session_store import SessionStore

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SESSION_ID = "img0session1"


def image_session(store: SessionStore | None = None) -> Session:
    session = Session(provider="zhipu", model="glm-4", id=SESSION_ID)
    session.add(Message(role="user", content="hello"))
    session.add(Message(role="assistant", content="hi", model="glm-4"))
    request = ImageRequest("熊猫 [喝茶]", "1024x1024", 2, 7, "cogview-4", "blurry")
    session.add(Message(role="user", content=request.prompt, image_request=request))
    images = []
    for image_id, revised in (("a1", "A panda drinks tea"), ("a2", None)):
        file = f"images/{SESSION_ID}/{image_id}.png"
        if store is not None:
            file = store.images.write(SESSION_ID, image_id, PNG, "image/png")
        images.append(
            GeneratedImage(image_id, file, "cogview-4", request.prompt, "1024x1024", 7, revised)
        )
    session.add(Message(role="assistant", images=images, model="cogview-4", provider="zhipu"))
    return session


def test_markdown_links_each_image_by_an_absolute_file_url(tmp_path: Path) -> None:
    data_dir = tmp_path / "my data"
    text = session_markdown(image_session(), data_dir=data_dir)
    url = (data_dir / "images" / SESSION_ID / "a1.png").as_uri()
    assert "%20" in url and f"![熊猫 (喝茶)]({url})" in text  # brackets cannot end the alt
    assert "*cogview-4 · 1024x1024 · seed 7 · `images/img0session1/a1.png`*" in text
    assert "Revised prompt: A panda drinks tea" in text
    assert text.count("Revised prompt:") == 1  # a2 has none
    assert "*/image · 2 images · 1024x1024 · cogview-4 · seed 7*" in text
    assert "Negative prompt: blurry" in text
    assert text.index("hello") < text.index("/image ·") < text.index("a1.png") < text.index("a2")
    assert "base64" not in text and "iVBOR" not in text


def test_without_a_data_dir_the_link_is_relative_to_it() -> None:
    assert image_link("images/s/x y.png", None) == "images/s/x%20y.png"
    text = session_markdown(image_session())
    assert f"](images/{SESSION_ID}/a1.png)" in text


def test_a_running_or_failed_image_reply_exports() -> None:
    session = image_session()
    reply = session.messages[-1]
    reply.images, reply.status = [], "streaming"
    reply.image_task = ImageTask("task-9", "modelscope", "Qwen/Qwen-Image", 1.0, "RUNNING")
    assert "*(image task task-9 still running)*" in session_markdown(session)
    reply.image_task, reply.status, reply.error = None, "error", "The content filter refused it."
    assert "*(failed: The content filter refused it.)*" in session_markdown(session)


def test_json_export_carries_the_metadata_and_absolute_paths(tmp_path: Path) -> None:
    session = image_session()
    data = session.to_dict()
    exported = json.loads(render(session, data, "json", True, data_dir=tmp_path))
    first = exported["messages"][-1]["images"][0]
    assert first["file"] == f"images/{SESSION_ID}/a1.png"
    assert first["path"] == str(tmp_path / "images" / SESSION_ID / "a1.png")
    assert (first["model"], first["size"], first["seed"]) == ("cogview-4", "1024x1024", 7)
    assert first["revised_prompt"] == "A panda drinks tea"
    assert exported["messages"][-2]["image_request"]["negative_prompt"] == "blurry"
    assert "path" not in data["messages"][-1]["images"][0]  # the session's dict is untouched
    assert Session.from_dict(exported).messages[-1].images == session.messages[-1].images


def test_json_export_adds_no_path_to_a_hostile_record(tmp_path: Path) -> None:
    data = image_session().to_dict()
    data["messages"][-1]["images"][0]["file"] = "../../etc/passwd"
    exported = json.loads(render(image_session(), data, "json", True, data_dir=tmp_path))
    assert "path" not in exported["messages"][-1]["images"][0]


def test_cli_export_of_a_saved_image_session(tmp_path: Path, capsys) -> None:
    data_dir = tmp_path / "data"
    store = SessionStore(data_dir / "sessions", data_dir / "session-index.json")
    store.save(image_session(store))
    store.close()
    assert main(["--data-dir", str(data_dir), "export", "img0"]) == 0
    text = capsys.readouterr().out
    linked = (data_dir / "images" / SESSION_ID / "a1.png").absolute().as_uri()
    assert f"]({linked})" in text
    assert Path(linked.removeprefix("file://")).read_bytes() == PNG
    assert main(["--data-dir", str(data_dir), "export", "img0", "-f", "json"]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert exported["version"] == 4
    assert Path(exported["messages"][-1]["images"][0]["path"]).read_bytes() == PNG
    assert "iVBOR" not in json.dumps(exported)


def test_chatgpt_export_with_dalle_images_imports(tmp_path: Path, capsys) -> None:
    pointer = {"content_type": "image_asset_pointer", "asset_pointer": "file-service://f1"}
    upload = {"content_type": "multimodal_text", "parts": [pointer, "what is this?"]}
    generated = {"content_type": "multimodal_text", "parts": [dict(pointer, width=1024)]}
    conversation = {
        "title": "Panda pictures",
        "conversation_id": "conv-img",
        "create_time": 1_700_000_000.0,
        "current_node": "a2",
        "mapping": {
            "root": node("root", None, None, children=["u1"]),
            "u1": node("u1", "root", "user", content=upload, children=["a1"]),
            "a1": node("a1", "u1", "assistant", ['{"prompt": "a panda"}'], ["t1"]),
            "t1": node("t1", "a1", "tool", content=generated, children=["a2"]),
            "a2": node("a2", "t1", "assistant", ["Here is your panda."], model_slug="gpt-4o"),
        },
    }
    conversation["mapping"]["a1"]["message"]["recipient"] = "dalle.text2im"
    export = tmp_path / "conversations.json"
    export.write_text(json.dumps([conversation]), "utf-8")
    data_dir = tmp_path / "data"
    assert main(["--data-dir", str(data_dir), "import", str(export)]) == 0
    store = SessionStore(data_dir / "sessions", data_dir / "session-index.json")
    try:
        (row,), _ = store.list_sessions()
        session = store.load(row.id)
    finally:
        store.close()
    assert [m.content for m in session.messages] == [
        "[image]\n\nwhat is this?",
        "Here is your panda.",
    ]
    assert not any(m.is_image_turn for m in session.messages)
    assert "asset_pointer" not in store.path_for(row.id).read_text("utf-8")
