"""`/image` turns never reach the chat model: request, strategies, summaries, recall, token
estimates, the context inspector's entries and automatic titles leave both messages out
(core/image_turns.py, core/context/)."""

from __future__ import annotations

from tui_chat.core.context.request import answered_exchanges, build_messages, plan_context
from tui_chat.core.context.summary import summary_request
from tui_chat.core.image_turns import (
    LEFT_OUT_REASON,
    image_files,
    image_request_for,
    image_turn_ids,
    is_image_reply,
    orphaned_files,
)
from tui_chat.core.images import GeneratedImage, ImageRequest, ImageTask
from tui_chat.core.session import Message, Session, Usage
from tui_chat.core.titles import wants_title
from tui_chat.core.tokens import calibration_ratio, reply_text_tokens


def picture(image_id: str = "i1", session_id: str = "s") -> GeneratedImage:
    return GeneratedImage(
        id=image_id,
        file=f"images/{session_id}/{image_id}.png",
        model="cogview-4",
        prompt="a panda drinking tea",
        revised_prompt="A giant panda sips green tea in a bamboo grove",
    )


def chat(session: Session, question: str, answer: str) -> tuple[Message, Message]:
    asked = session.add(Message(role="user", content=question))
    answered = session.add(Message(role="assistant", content=answer, model="m"))
    return asked, answered


def image_turn(
    session: Session, prompt: str = "a panda drinking tea", **reply: object
) -> tuple[Message, Message]:
    asked = session.add(
        Message(role="user", content=prompt, image_request=ImageRequest(prompt=prompt))
    )
    fields: dict[str, object] = {"images": [picture()], "model": "cogview-4"}
    fields.update(reply)
    answered = session.add(Message(role="assistant", **fields))  # type: ignore[arg-type]
    return asked, answered


def test_the_request_leaves_out_both_messages_of_an_image_turn() -> None:
    session = Session(provider="p", model="m")
    chat(session, "q1", "a1")
    image_turn(session, content="Here is your picture")  # even a reply with text
    image_turn(session, images=[], status="error", error="content filter")  # failed early
    image_turn(session, images=[], image_task=ImageTask("t1", "modelscope", "qwen", 1.0))
    session.add(Message(role="user", content="q2"))
    assert build_messages(session) == [
        {"role": "user", "content": "q1"},
        {"role": "assistant", "content": "a1"},
        {"role": "user", "content": "q2"},
    ]
    plan = plan_context(session)
    assert [m["content"] for m in plan.request_messages()] == ["q1", "a1", "q2"]
    assert "panda" not in repr(plan.request_messages())


def test_the_inspector_lists_image_turns_as_left_out_with_why() -> None:
    session = Session(provider="p", model="m")
    asked, answered = image_turn(session)
    session.add(Message(role="user", content="and now a question"))
    plan = plan_context(session)
    by_id = {e.message_id: e for e in plan.entries}
    for message in (asked, answered):
        entry = by_id[message.id]
        assert entry.state == "left_out" and not entry.sent
        assert entry.reason == LEFT_OUT_REASON and entry.tokens == 0
    assert plan.entries[-1].state == "new" and plan.entries[-1].content == "and now a question"
    assert plan.tokens == plan.entries[-1].tokens


def test_last_turns_does_not_count_image_turns() -> None:
    session = Session(provider="p", model="m")
    session.settings = session.settings.replace(context_strategy="last_turns", context_turns=1)
    chat(session, "old question", "old answer")
    chat(session, "kept question", "kept answer")
    image_turn(session, content="Here it is")  # text, so it would count were it a chat turn
    image_turn(session, prompt="a second picture", content="And another")
    session.add(Message(role="user", content="new question"))
    assert [m["content"] for m in build_messages(session)] == [
        "kept question",
        "kept answer",
        "new question",
    ]


def test_recall_and_budget_strategies_never_bring_an_image_turn_back() -> None:
    session = Session(provider="p", model="m")
    session.settings = session.settings.replace(context_strategy="recall", context_turns=0)
    asked, answered = image_turn(session, content="A panda, as asked")
    chat(session, "q1", "a1")
    session.add(Message(role="user", content="panda?"))
    scores = {asked.id: 0.99, answered.id: 0.99}
    plan = plan_context(session, scores=scores)
    sent = [e.content for e in plan.entries if e.sent]
    assert sent == ["panda?"]  # the image turn scored high, and still stays out
    assert "A panda, as asked" not in sent
    budget = plan_context(session, strategy="budget")
    assert all(e.message_id not in (asked.id, answered.id) for e in budget.entries if e.sent)


def test_summaries_and_recall_draw_on_chat_turns_only() -> None:
    session = Session(provider="p", model="m")
    image_turn(session)
    chat(session, "q1", "a1")
    part = answered_exchanges(session.messages)
    assert [m.content for m in part] == ["q1", "a1"]
    transcript = summary_request(None, part)[1]["content"]
    assert "panda" not in transcript


def test_token_calibration_ignores_image_replies() -> None:
    session = Session(provider="p", model="m")
    _, answered = image_turn(session, content="x " * 100)
    answered.usage = Usage(prompt_tokens=10, completion_tokens=5000, total_tokens=5010)
    assert reply_text_tokens(answered) is None
    assert calibration_ratio(session.messages) == 1.0


def test_a_session_started_with_image_is_titled_from_the_prompt_and_not_auto_titled() -> None:
    session = Session(provider="p", model="m")
    image_turn(session, prompt="一只在竹林里喝茶的熊猫\nsecond line")
    assert session.title == "一只在竹林里喝茶的熊猫"
    assert not wants_title(session)  # the prompt would go to the chat model
    plain = Session(provider="p", model="m")
    chat(plain, "hello", "hi")
    assert wants_title(plain)


def test_image_turn_helpers() -> None:
    session = Session(provider="p", model="m")
    _, chat_a = chat(session, "q", "a")
    asked, answered = image_turn(session, images=[], status="error", error="quota")
    assert image_turn_ids(session.messages) == {asked.id, answered.id}
    assert is_image_reply(session, answered) and not is_image_reply(session, chat_a)
    assert not is_image_reply(session, asked)
    found = image_request_for(session, answered)
    assert found is not None and found[0] is asked and found[1].prompt == "a panda drinking tea"
    assert image_request_for(session, chat_a) is None
    assert image_request_for(session, asked) is None  # a question is no reply

    one, two = picture("i1"), picture("i2")
    gone = Message(role="assistant", images=[one, two])
    kept = Message(role="assistant", images=[two])
    assert image_files([gone]) == [one.file, two.file]
    assert orphaned_files([gone, gone], [kept]) == [one.file]
