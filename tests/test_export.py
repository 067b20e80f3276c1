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
