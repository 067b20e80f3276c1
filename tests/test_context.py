"""build_messages: what a request sends for a session."""

from __future__ import annotations

from tui_chat.core.context.request import build_messages
from tui_chat.core.session import Message, Session


def session(system_prompt: str = "", *messages: Message) -> Session:
    s = Session(provider="p", model="m", system_prompt=system_prompt)
    for message in messages:
        s.add(message)
    return s


def user(text: str) -> Message:
    return Message(role="user", content=text)


def reply(text: str, **kwargs: object) -> Message:
    return Message(role="assistant", content=text, **kwargs)  # type: ignore[arg-type]


def test_system_prompt_first() -> None:
    s = session("You are a pirate.", user("hi"))
    assert build_messages(s) == [
        {"role": "system", "content": "You are a pirate."},
        {"role": "user", "content": "hi"},
    ]


def test_blank_system_prompt_is_left_out() -> None:
    for prompt in ("", "   ", "\n\t\n"):
        assert build_messages(session(prompt, user("hi"))) == [{"role": "user", "content": "hi"}]


def test_empty_session() -> None:
    assert build_messages(session()) == []
    assert build_messages(session("sys")) == [{"role": "system", "content": "sys"}]


def test_reasoning_is_never_sent() -> None:
    s = session("", user("q"), reply("answer", reasoning="SECRET CHAIN OF THOUGHT"))
    messages = build_messages(s)
    assert messages == [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": "answer"},
    ]
    assert all(set(m) == {"role", "content"} for m in messages)
    assert "SECRET" not in repr(messages)


def test_failed_empty_replies_are_left_out() -> None:
    s = session(
        "",
        user("q1"),
        reply("", status="error", error="boom", reasoning="thought a bit"),
        user("q1 again"),
        reply("  \n", status="error"),
        user("q1 third time"),
    )
    # Each failed exchange goes whole: never two questions in a row.
    assert build_messages(s) == [{"role": "user", "content": "q1 third time"}]


def test_stopped_partial_reply_is_sent() -> None:
    s = session("", user("write a poem"), reply("Roses are", status="stopped"), user("go on"))
    assert build_messages(s) == [
        {"role": "user", "content": "write a poem"},
        {"role": "assistant", "content": "Roses are"},
        {"role": "user", "content": "go on"},
    ]


def test_order_is_preserved_and_text_intact() -> None:
    turns = [
        user("你好"),
        reply("你好！有什么可以帮你的？"),
        user("用中文解释一下 `asyncio`\n\n```py\nawait x\n```"),
        reply("当然 👋\n- 第一\n- 第二"),
        user("谢谢"),
    ]
    s = session("请用中文回答。", *turns)
    messages = build_messages(s)
    assert messages[0] == {"role": "system", "content": "请用中文回答。"}
    assert messages[1:] == [{"role": m.role, "content": m.content} for m in turns]


def test_stored_system_messages_are_not_sent() -> None:
    """The session's system_prompt is the one that counts."""
    s = session("current", Message(role="system", content="old persona"), user("hi"))
    assert build_messages(s) == [
        {"role": "system", "content": "current"},
        {"role": "user", "content": "hi"},
    ]


def test_build_messages_does_not_change_the_session() -> None:
    s = session("sys", user("q"), reply("a", reasoning="r"))
    before = s.to_dict()
    build_messages(s)[0]["content"] = "mutated"
    assert s.to_dict() == before
