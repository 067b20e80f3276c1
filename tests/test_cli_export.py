"""`tui-chat export`: Markdown and JSON of a saved session, by id or unique prefix."""

from __future__ import annotations

import json
from pathlib import Path

from tui_chat.cli import main
from tui_chat.core.session import Message, Session, Usage
from tui_chat.core.store.session_store import SessionStore


def saved_session(data_dir: Path, session_id: str = "abc123def456") -> Session:
    store = SessionStore(data_dir / "sessions", data_dir / "session-index.json")
    session = Session(provider="local", model="test-model", id=session_id)
    session.add(Message(role="user", content="第一个问题：什么是熵？"))
    session.add(
        Message(
            role="assistant",
            content="熵是**无序**的量度。",
            reasoning="Think about thermodynamics.",
            usage=Usage(prompt_tokens=12, completion_tokens=30, total_tokens=42),
            model="test-model",
        )
    )
    session.add(Message(role="user", content="And in English?"))
    session.add(
        Message(
            role="assistant",
            content="A measure of disorder.",
            status="stopped",
            usage=Usage(prompt_tokens=50, completion_tokens=5, total_tokens=55),
        )
    )
    store.save(session)
    store.close()
    return session


def test_export_markdown_to_stdout_by_prefix(tmp_path: Path, capsys) -> None:
    saved_session(tmp_path / "data")
    assert main(["--data-dir", str(tmp_path / "data"), "export", "abc1"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("# 第一个问题：什么是熵？\n")
    assert "- Provider: local" in text and "- Model: test-model" in text
    assert "- Tokens: 62 prompt, 35 completion, 97 total" in text
    for words in (
        "第一个问题：什么是熵？",
        "熵是**无序**的量度。",
        "And in English?",
        "A measure of disorder.",
    ):
        assert words in text
    assert "<details>\n<summary>Reasoning</summary>\n\nThink about thermodynamics." in text
    assert "*(stopped: the reply above is partial)*" in text
    assert (
        text.index("什么是熵") < text.index("无序") < text.index("English") < text.index("disorder")
    )


def test_export_json_to_file_without_reasoning_option(tmp_path: Path) -> None:
    saved_session(tmp_path / "data")
    out = tmp_path / "out.json"
    args = ["--data-dir", str(tmp_path / "data"), "export", "abc123def456", "-f", "json"]
    assert main([*args, "-o", str(out)]) == 0
    data = json.loads(out.read_text("utf-8"))
    assert data["id"] == "abc123def456" and len(data["messages"]) == 4
    md = tmp_path / "out.md"
    args = ["--data-dir", str(tmp_path / "data"), "export", "abc", "--no-reasoning"]
    assert main([*args, "-o", str(md)]) == 0
    assert "thermodynamics" not in md.read_text("utf-8")


def test_export_unknown_and_ambiguous_ids(tmp_path: Path, capsys) -> None:
    saved_session(tmp_path / "data", "abc111111111")
    saved_session(tmp_path / "data", "abc222222222")
    assert main(["--data-dir", str(tmp_path / "data"), "export", "zzz"]) == 1
    assert "No session has an id starting with 'zzz'" in capsys.readouterr().err
    assert main(["--data-dir", str(tmp_path / "data"), "export", "abc"]) == 1
    err = capsys.readouterr().err
    assert "'abc' matches 2 sessions" in err and "abc111111111" in err
    assert main(["--data-dir", str(tmp_path / "data"), "export", "abc2"]) == 0
