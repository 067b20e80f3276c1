"""Importing a ChatGPT conversations.json: the current path, skipped parts, reports, no dupes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tui_chat.cli import main
from tui_chat.core.import_chatgpt import session_id_for


def node(node_id, parent, role, parts=None, children=(), content=None, **meta):
    message = None
    if role is not None:
        message = {
            "id": node_id,
            "author": {"role": role},
            "create_time": 1_700_000_000 + len(node_id),
            "content": content or {"content_type": "text", "parts": parts or []},
            "metadata": meta,
            "recipient": "all",
        }
    return {"id": node_id, "message": message, "parent": parent, "children": list(children)}


def export_file(tmp_path: Path) -> Path:
    good = {
        "title": "量子计算入门",
        "conversation_id": "conv-1",
        "create_time": 1_700_000_000.5,
        "update_time": 1_700_000_500.0,
        "current_node": "a2",
        "mapping": {
            "root": node("root", None, None, children=["sys"]),
            "sys": node("sys", "root", "system", ["You are ChatGPT"], ["u1"]),
            "u1": node("u1", "sys", "user", ["什么是量子比特？"], ["a1", "a1b"]),
            "a1b": node("a1b", "u1", "assistant", ["An old alternative"]),
            "a1": node(
                "a1",
                "u1",
                "assistant",
                [{"content_type": "text", "text": "量子比特是量子信息的基本单位。"}],
                ["t1"],
                model_slug="gpt-4o",
            ),
            "t1": node("t1", "a1", "tool", ["tool output"], ["h1"]),
            "h1": node(
                "h1",
                "t1",
                "user",
                ["hidden context"],
                ["u2"],
                is_visually_hidden_from_conversation=True,
            ),
            "u2": node(
                "u2",
                "h1",
                "user",
                content={
                    "content_type": "multimodal_text",
                    "parts": [
                        {"content_type": "image_asset_pointer", "asset_pointer": "x"},
                        "What is in this picture?",
                    ],
                },
                children=["a2"],
            ),
            "a2": node(
                "a2",
                "u2",
                "assistant",
                content={"content_type": "code", "language": "python", "text": "print(1)"},
            ),
        },
    }
    broken = {"title": "Broken one", "id": "conv-2", "mapping": "nope"}
    empty = {
        "title": "Only system",
        "id": "conv-3",
        "current_node": "s",
        "mapping": {"s": node("s", None, "system", ["x"])},
    }
    no_current = {
        "title": "No current node",
        "id": "conv-4",
        "mapping": {
            "u": node("u", None, "user", ["hello there"], ["a"]),
            "a": node("a", "u", "assistant", ["general kenobi"]),
        },
    }
    path = tmp_path / "conversations.json"
    path.write_text(json.dumps([good, broken, empty, no_current, 42]), encoding="utf-8")
    return path


def test_import_reports_broken_and_imports_the_rest(tmp_path: Path, capsys) -> None:
    source = export_file(tmp_path)
    data_dir = tmp_path / "data"
    assert main(["--data-dir", str(data_dir), "import", str(source)]) == 0
    out = capsys.readouterr().out
    assert "2 imported, 0 already imported, 3 skipped." in out
    assert "'Broken one': it has no 'mapping' of messages" in out
    assert "'Only system': it has no user or assistant messages with text" in out
    assert "#5: it is not a JSON object" in out

    saved = json.loads(
        (data_dir / "sessions" / f"{session_id_for('conv-1')}.json").read_text("utf-8")
    )
    assert saved["title"] == "量子计算入门"
    assert saved["imported_from"] == {"source": "chatgpt", "id": "conv-1"}
    messages = saved["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]
    assert messages[0]["content"] == "什么是量子比特？"
    assert messages[1]["content"] == "量子比特是量子信息的基本单位。"
    assert messages[1]["model"] == "gpt-4o"
    assert messages[2]["content"] == "[image]\n\nWhat is in this picture?"
    assert messages[3]["content"] == "```python\nprint(1)\n```"
    assert "An old alternative" not in json.dumps(saved, ensure_ascii=False)
    other = json.loads(
        (data_dir / "sessions" / f"{session_id_for('conv-4')}.json").read_text("utf-8")
    )
    assert [m["content"] for m in other["messages"]] == ["hello there", "general kenobi"]

    # Again: nothing new.
    assert main(["--data-dir", str(data_dir), "import", str(source)]) == 0
    out = capsys.readouterr().out
    assert "0 imported, 2 already imported, 3 skipped." in out
    assert len(list((data_dir / "sessions").glob("*.json"))) == 2


@pytest.mark.parametrize(
    ("content", "said"),
    [("{not json", "not valid JSON"), ('{"a": 1}', "expected a list of conversations")],
)
def test_import_unreadable_file(tmp_path: Path, capsys, content: str, said: str) -> None:
    source = tmp_path / "conversations.json"
    source.write_text(content, encoding="utf-8")
    assert main(["--data-dir", str(tmp_path / "data"), "import", str(source)]) == 1
    assert said in capsys.readouterr().err


def test_import_missing_file(tmp_path: Path, capsys) -> None:
    assert main(["--data-dir", str(tmp_path / "d"), "import", str(tmp_path / "nope.json")]) == 1
    assert "no such file" in capsys.readouterr().err


def test_import_keeps_the_summary_index_of_other_sessions(tmp_path: Path) -> None:
    from tui_chat.core.session import Message, Session
    from tui_chat.core.store.session_store import SessionStore
    from tui_chat.core.store.summaries import read_index_file

    data_dir = tmp_path / "data"
    store = SessionStore(data_dir / "sessions", data_dir / "session-index.json")
    session = Session(provider="p", model="m", id="mine00000000")
    session.add(Message(role="user", content="my own chat"))
    store.save(session)
    store.list_sessions()
    store.close()
    assert main(["--data-dir", str(data_dir), "import", str(export_file(tmp_path))]) == 0
    entries = read_index_file(data_dir / "session-index.json")["entries"]
    assert "mine00000000" in entries and session_id_for("conv-1") in entries
