"""Request bodies every provider accepts (issue 14, item 10): failed exchanges are left out,
a question comes first after the system prompt, and questions and answers alternate, under
every strategy. DashScope, for one, refuses two user messages in a row (providers.md §6)."""

from __future__ import annotations

import itertools
import random

import pytest

from tui_chat.core.context.request import answered_exchanges, build_messages, plan_context
from tui_chat.core.context.summary import Summary
from tui_chat.core.session import Message, Session
from tui_chat.core.settings import ChatSettings

STRATEGY_SETTINGS = [
    {},
    {"context_strategy": "last_turns", "context_turns": 0},
    {"context_strategy": "last_turns", "context_turns": 1},
    {"context_strategy": "last_turns", "context_turns": 3},
    {"context_strategy": "budget", "context_budget": 120},
    {"context_strategy": "budget", "context_budget": 700},
    {"context_strategy": "summary", "context_budget": 400},
    {"context_strategy": "recall", "context_turns": 1, "context_budget": 600},
    {"context_strategy": "recall", "context_turns": 0},
]


def session_of(*messages: Message, system: str = "Be brief.", **settings: object) -> Session:
    session = Session(
        provider="p",
        model="m",
        settings=ChatSettings(system_prompt=system, **settings),  # type: ignore[arg-type]
    )
    for message in messages:
        session.add(message)
    return session


def user(text: str) -> Message:
    return Message(role="user", content=text)


def reply(text: str, status: str = "complete") -> Message:
    return Message(role="assistant", content=text, status=status)  # type: ignore[arg-type]


def roles(messages: list[dict[str, str]]) -> list[str]:
    return [m["role"] for m in messages]


def assert_acceptable(messages: list[dict[str, str]]) -> None:
    """System first (if any), then a question, then questions and answers in turn."""
    body = messages[1:] if messages and messages[0]["role"] == "system" else messages
    assert "system" not in roles(body)
    if body:
        assert body[0]["role"] == "user", roles(messages)
    for before, after in itertools.pairwise(body):
        assert before["role"] != after["role"], roles(messages)


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        ("error", "left out: the reply failed"),
        ("stopped", "left out: the reply was stopped before any text"),
        ("complete", "left out: the reply was empty"),
    ],
)
def test_a_failed_exchange_is_left_out_with_its_reason(status: str, reason: str) -> None:
    session = session_of(
        user("q1"), reply("a1"), user("bad question"), reply("  \n", status), user("q3")
    )
    plan = plan_context(session)
    assert plan.messages == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "q1"},
        {"role": "assistant", "content": "a1"},
        {"role": "user", "content": "q3"},
    ]
    left = [e for e in plan.entries if e.state == "left_out"]
    assert [(e.role, e.content, e.reason) for e in left] == [
        ("user", "bad question", reason),
        ("assistant", "", reason),
    ]
    assert [e.message_id for e in left] == [m.id for m in session.messages[2:4]]
    assert plan.entries[-1].state == "new"


def test_a_401_then_a_new_question_sends_the_new_question_alone() -> None:
    session = session_of(user("first"), reply("", "error"), system="")
    assert build_messages(session) == []
    plan = plan_context(session, pending="second")
    assert plan.messages == [{"role": "user", "content": "second"}]


def test_a_stopped_reply_with_text_is_kept() -> None:
    session = session_of(user("poem"), reply("Roses are", "stopped"), user("go on"))
    assert roles(build_messages(session)) == ["system", "user", "assistant", "user"]


def test_the_reply_being_written_is_not_a_failure() -> None:
    """While a reply streams its question is the new one (the status line plans then)."""
    session = session_of(user("q1"), reply("a1"), user("q2"), reply("", "streaming"))
    plan = plan_context(session)
    assert [e.state for e in plan.entries] == ["system", "kept", "kept", "new"]


def test_a_question_whose_reply_was_deleted_gives_way_to_the_next() -> None:
    session = session_of(user("q1"), reply("a1"), user("orphan"))
    plan = plan_context(session, pending="q2")
    assert [m["content"] for m in plan.messages] == ["Be brief.", "q1", "a1", "q2"]
    orphan = next(e for e in plan.entries if e.content == "orphan")
    assert (orphan.state, orphan.reason) == ("left_out", "left out: no reply followed it")


def test_a_conversation_that_starts_with_an_answer_starts_with_the_question() -> None:
    """E.g. an imported conversation that opens with the assistant's greeting."""
    session = session_of(reply("Hi! How can I help?"), user("q1"), reply("a1"), reply("a1 bis"))
    plan = plan_context(session, pending="q2")
    assert [m["content"] for m in plan.messages] == ["Be brief.", "q1", "a1 bis", "q2"]
    reasons = {e.content: e.reason for e in plan.entries if not e.sent}
    assert reasons == {
        "Hi! How can I help?": "left out: no question before it",
        "a1": "left out: another reply follows it",
    }


def test_budget_drops_an_answer_whose_question_did_not_fit() -> None:
    long_question = "word " * 400
    session = session_of(
        user(long_question), reply("short answer"), context_strategy="budget", context_budget=60
    )
    plan = plan_context(session, pending="next")
    assert [m["content"] for m in plan.messages] == ["Be brief.", "next"]
    answer = next(e for e in plan.entries if e.content == "short answer")
    assert (answer.state, answer.reason) == ("dropped", "dropped with its question")


def test_summary_leaves_the_rest_starting_with_a_question() -> None:
    session = session_of(
        user("q0"), reply("a0"), user("q1"), reply("a1"), user("q2"), context_strategy="summary"
    )
    # A summary that ends between a question and its answer (written by hand, or by an
    # older version): the answer cannot open the request.
    session.summaries.append(Summary("They talked.", [m.id for m in session.messages[:3]]))
    plan = plan_context(session, window=128_000)
    assert [m["content"] for m in plan.messages][1:] == ["q2"]
    assert_acceptable(plan.messages)


def test_recall_never_recalls_a_failed_exchange_nor_breaks_the_turns() -> None:
    session = session_of(
        user("volcano"),
        reply("", "error"),
        user("volcano again"),
        reply("lava"),
        user("tomato"),
        reply("red"),
        context_strategy="recall",
        context_turns=1,
    )
    scores = {m.id: 0.9 for m in session.messages}
    plan = plan_context(session, pending="volcano?", scores=scores, window=128_000)
    assert [m["content"] for m in plan.messages][1:] == [
        "volcano again",
        "lava",
        "tomato",
        "red",
        "volcano?",
    ]


def test_what_summary_and_recall_draw_on_has_no_failed_exchange() -> None:
    messages = [
        user("q1"),
        reply("a1"),
        user("failed"),
        reply("", "error"),
        Message(role="system", content="old"),
        user("stopped"),
        reply("", "stopped"),
        user("q4"),
        reply("", "streaming"),
    ]
    assert [m.content for m in answered_exchanges(messages)] == ["q1", "a1", "q4"]


def messy_conversation(seed: int) -> list[Message]:
    """A long conversation with every shape the app can leave on a path: failed and
    stopped-empty replies, a question with no reply, two replies in a row, an answer first."""
    rng = random.Random(seed)
    messages: list[Message] = []
    if rng.random() < 0.3:
        messages.append(reply("Welcome."))
    for n in range(rng.randint(3, 25)):
        messages.append(user(f"q{n} " + "words " * rng.randint(1, 40)))
        shape = rng.random()
        if shape < 0.15:
            messages.append(reply("", "error"))
        elif shape < 0.25:
            messages.append(reply("", "stopped"))
        elif shape < 0.3:
            continue  # the reply was deleted
        elif shape < 0.35:
            messages.append(reply(f"a{n} " + "text " * 5))
            messages.append(reply(f"a{n} again"))
        else:
            messages.append(reply(f"a{n} " + "text " * rng.randint(1, 60)))
    return messages


@pytest.mark.parametrize(
    "settings", STRATEGY_SETTINGS, ids=lambda s: "-".join(map(str, s.values()))
)
@pytest.mark.parametrize("seed", range(40))
def test_every_strategy_gives_an_acceptable_body(settings: dict[str, object], seed: int) -> None:
    session = session_of(*messy_conversation(seed), **settings)
    messages = session.messages
    if settings.get("context_strategy") == "summary" and len(messages) > 4:
        cut = random.Random(seed).randint(1, len(messages) - 2)  # anywhere, even mid-exchange
        session.summaries.append(Summary("Earlier talk.", [m.id for m in messages[:cut]]))
    scores = {m.id: random.Random(m.id).random() for m in messages}
    plan = plan_context(session, pending="the new question", scores=scores, window=2_000)
    assert_acceptable(plan.messages)
    assert plan.messages[-1] == {"role": "user", "content": "the new question"}
    sent_ids = {e.message_id for e in plan.entries if e.sent}
    for index, message in enumerate(messages):
        if message.role == "assistant" and not message.content.strip():
            assert message.id not in sent_ids
            if index and messages[index - 1].role == "user":
                assert messages[index - 1].id not in sent_ids  # the failed question too
