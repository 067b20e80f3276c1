"""Markdown export: header facts, every message of the current path, reasoning, attachments."""

from __future__ import annotations

from pathlib import Path

from tui_chat.core.export import default_path, header_lines, session_markdown, slug
from tui_chat.core.session import Message, Session, Usage


def sample() -> Session:
    session = Session(
        provider="local", model="m1", title="量子 Physics: notes!", title_is_custom=True
    )
    session.add(Message(role="user", content="Q1"))
    session.add(
        Message(
            role="assistant",
            content="A1",
            reasoning="R1",
            model="m1",
            usage=Usage(prompt_tokens=3, completion_tokens=4, total_tokens=7),
        )
    )
    session.add(Message(role="user", content="Q2"))
    session.add(Message(role="assistant", content="", status="error", error="rate limited"))
    return session


def test_markdown_has_header_and_every_message_in_order() -> None:
    session = sample()
    text = session_markdown(session)
    assert text.startswith("# 量子 Physics: notes!\n\n- Provider: local\n- Model: m1\n")
    assert "- Tokens: 3 prompt, 4 completion, 7 total" in text
    assert f"- Session id: {session.id}" in text
    order = [text.index(s) for s in ("Q1", "<summary>Reasoning</summary>", "R1", "A1", "Q2")]
    assert order == sorted(order)
    assert text.count("## You") == 2 and text.count("## Assistant") == 2
    assert "*(failed: rate limited)*" in text
    assert "R1" not in session_markdown(session, include_reasoning=False)


def test_header_is_a_list_of_lines_to_extend() -> None:
    lines = header_lines(sample())
    assert all(line.startswith("- ") for line in lines)


def test_attachments_are_listed_by_name() -> None:
    session = Session(provider="p", model="m")
    message = Message(role="user", content="look")
    message.attachments = [  # type: ignore[attr-defined]
        {"path": "/home/u/pics/cat.png"},
        "https://example.com/dog.jpg",
    ]
    session.add(message)
    assert "Attachments: cat.png, https://example.com/dog.jpg" in session_markdown(session)


def test_slug_and_default_path() -> None:
    assert slug("量子 Physics: notes!") == "量子-physics-notes"
    assert slug("???") == "session"
    session = sample()
    assert default_path(session, "md", Path("/h")) == Path("/h/tui-chat-量子-physics-notes.md")


def test_header_has_the_cost_when_the_config_has_prices(tmp_path: Path) -> None:
    from tui_chat.config.parse import load_config

    config_file = tmp_path / "config.toml"
    config_file.write_text(
        '[providers.local]\nbase_url = "http://127.0.0.1:9/v1"\n'
        '[providers.local.model_settings."m1"]\n'
        'prices = { input = 2.0, output = 8.0, currency = "¥" }\n',
        encoding="utf-8",
    )
    session = Session(provider="local", model="m1")
    session.add(Message(role="user", content="Q"))
    session.add(
        Message(
            role="assistant",
            content="A",
            provider="local",
            model="m1",
            usage=Usage(prompt_tokens=1_000_000, completion_tokens=500_000, total_tokens=1_500_000),
        )
    )
    lines = header_lines(session, load_config(config_file))
    assert "- Cost: ¥6.00 (from the prices in the config)" in lines or any(
        line.startswith("- Cost: ¥6") for line in lines
    )
    assert not any(line.startswith("- Cost") for line in header_lines(session))


# -- tool calls ------------------------------------------------------------------------------


def tool_session() -> Session:
    from tui_chat.core.tool_turns import ToolCall, ToolRound

    session = Session(provider="local", model="m1", title="Tools", title_is_custom=True)
    session.add(Message(role="user", content="What is a TUI, and what time is it?"))
    lookup = ToolCall(
        id="call_1",
        name="docs__lookup",
        arguments='{"word": "tui", "limit": 3}',
        label="docs.lookup",
        server="docs",
        status="ok",
        result="terminal user interface\n```\nnot a fence end\n```",
        seconds=0.012,
    )
    clock = ToolCall(id="call_2", name="current_time", arguments="", status="ok", result="12:00")
    denied = ToolCall(
        id="call_3",
        name="read_file",
        arguments='{"path": "~/.ssh/id_rsa"}',
        status="denied",
        denial_reason="private",
    )
    error = ToolCall(
        id="call_4",
        name="fetch_url",
        arguments="{bad json",
        status="error",
        result="bad",
        seconds=2,
    )
    never = ToolCall(id="call_5", name="docs__slow", arguments="{}", label="docs.slow")
    session.add(
        Message(
            role="assistant",
            content="A TUI is a terminal user interface; it is noon.",
            reasoning="final reasoning",
            model="m1",
            tool_rounds=[
                ToolRound("Let me look.", "round reasoning", [lookup, clock]),
                ToolRound("", "", [denied, error, never]),
            ],
        )
    )
    return session


def test_markdown_shows_each_round_its_calls_and_results() -> None:
    text = session_markdown(tool_session())
    assert '> ⚙ docs.lookup(word="tui", limit=3) ✓ 0.01 s' in text
    assert "> ⚙ current_time() ✓" in text
    assert '> ⚙ read_file(path="~/.ssh/id_rsa") ✗ denied' in text
    assert "> ⚙ fetch_url({bad json) ✗ error 2.0 s" in text
    assert "> ⚙ docs.slow() ■ stopped" in text
    # Arguments pretty in a json block; the whole result in a fence it cannot close.
    assert '```json\n{\n  "word": "tui",\n  "limit": 3\n}\n```' in text
    assert "````\nterminal user interface\n```\nnot a fence end\n```\n````" in text
    assert "```\nThe user denied this call. Their reason: private\n```" in text
    assert "```\n{bad json\n```" in text  # not JSON: as sent
    assert "```\nNot run: the user stopped the reply.\n```" in text
    # Reading order: round reasoning, round text, its calls, next round, final answer.
    order = [
        text.index(s)
        for s in (
            "round reasoning",
            "Let me look.",
            "⚙ docs.lookup",
            "⚙ current_time",
            "⚙ read_file",
            "final reasoning",
            "A TUI is a terminal user interface; it is noon.",
        )
    ]
    assert order == sorted(order)
    plain = session_markdown(tool_session(), include_reasoning=False)
    assert "round reasoning" not in plain and "⚙ docs.lookup" in plain


def test_long_arguments_are_shortened_on_the_call_line() -> None:
    from tui_chat.core.export import call_line
    from tui_chat.core.tool_turns import ToolCall

    call = ToolCall(
        id="c", name="fetch_url", arguments='{"url": "https://e.com/' + "a" * 100 + '"}'
    )
    line = call_line(call)
    assert line.startswith('⚙ fetch_url(url="https://e.com/') and line.endswith("…) ■ stopped")
    assert len(line) < 90


def test_json_export_and_its_import_keep_the_rounds(tmp_path: Path) -> None:
    import json

    from tui_chat.core.export import render
    from tui_chat.core.store.session_store import SessionStore

    session = tool_session()
    text = render(session, session.to_dict(), "json", True)
    data = json.loads(text)
    assert data["version"] == 3
    assert data["messages"][1]["tool_rounds"][0]["calls"][0]["label"] == "docs.lookup"
    imported = Session.from_dict(data)
    assert imported == session
    # Placed in a data folder, the export opens as the session it was.
    store = SessionStore(tmp_path / "sessions", tmp_path / "index.json")
    try:
        store.sessions_dir.mkdir(parents=True, exist_ok=True)
        store.path_for(session.id).write_text(text, encoding="utf-8")
        assert store.load(session.id).messages[1].tool_rounds == session.messages[1].tool_rounds
    finally:
        store.close()
