"""Context strategies on long generated conversations (Chinese and English): what is kept,
order preserved, system prompt pinned, budget respected."""

from __future__ import annotations

import pytest

from tui_chat.core.context.request import build_messages, plan_context, summary_due
from tui_chat.core.context.summary import Summary, active_summary, next_cut, summary_request
from tui_chat.core.session import Message, Session, Usage
from tui_chat.core.settings import ChatSettings
from tui_chat.core.tokens import calibration_ratio, estimate_tokens, message_tokens

EN = "The quick brown fox jumps over the lazy dog while we talk about topic {n}. "
ZH = "我们正在讨论第{n}个话题，这是一段用于测试上下文策略的中文内容。"


def conversation(
    turns: int, language: str = "en", system: str = "Be brief.", **settings
) -> Session:
    text = EN if language == "en" else ZH
    session = Session(
        provider="p", model="m", settings=ChatSettings(system_prompt=system, **settings)
    )
    for n in range(turns):
        session.add(Message(role="user", content=f"Q{n}: " + text.format(n=n) * 3))
        session.add(Message(role="assistant", content=f"A{n}: " + text.format(n=n) * 6))
    return session


def contents(messages: list[dict[str, str]]) -> list[str]:
    return [m["content"] for m in messages]


def ask(session: Session, question: str) -> None:
    session.add(Message(role="user", content=question))


@pytest.mark.parametrize("language", ["en", "zh"])
def test_full_sends_everything_in_order(language: str) -> None:
    session = conversation(50, language)
    ask(session, "Q-new")
    messages = build_messages(session)
    assert messages[0] == {"role": "system", "content": "Be brief."}
    assert len(messages) == 1 + 101
    assert contents(messages)[1:] == [m.content for m in session.messages]


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("turns", [0, 1, 3])
def test_last_turns_keeps_the_last_exchanges_and_the_question(language: str, turns: int) -> None:
    session = conversation(40, language, context_strategy="last_turns", context_turns=turns)
    ask(session, "Q-new")
    messages = build_messages(session)
    assert messages[0]["role"] == "system"
    body = messages[1:]
    # The last N exchanges (each answer with its question) and the new question: N=1 is
    # the "chain" style. A question comes first, as every provider wants.
    kept = 2 * turns + 1
    assert len(body) == kept
    assert body[-1] == {"role": "user", "content": "Q-new"}
    expected = [m.content for m in session.messages[-kept:]]
    assert contents(body) == expected
    assert body[0]["role"] == "user"
    if turns:
        assert body[0]["content"].startswith(f"Q{40 - turns}:")


def test_last_turns_before_the_question_is_typed_counts_answers() -> None:
    session = conversation(10, context_strategy="last_turns", context_turns=2)
    plan = plan_context(session)
    assert [e.content[:3] for e in plan.entries if e.sent][1:] == ["Q8:", "A8:", "Q9:", "A9:"]
    plan = plan_context(session, pending="next one")
    assert contents(plan.messages)[-1] == "next one"
    assert len(plan.messages) == 1 + 5


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("budget", [300, 1000, 5000])
def test_budget_keeps_the_newest_that_fit(language: str, budget: int) -> None:
    session = conversation(200, language, context_strategy="budget", context_budget=budget)
    ask(session, "Q-new")
    plan = plan_context(session, window=128_000)
    sent = [e for e in plan.entries if e.sent]
    assert sent[0].role == "system" and sent[0].content == "Be brief."
    body_tokens = sum(e.tokens for e in sent[1:])
    assert body_tokens <= budget - sent[0].tokens
    assert sent[-1].content == "Q-new"
    # A contiguous run of the newest messages, in order; the rest dropped.
    kept = [e.message_id for e in sent[1:]]
    ids = [m.id for m in session.messages]
    assert kept == ids[len(ids) - len(kept) :]
    dropped = [e for e in plan.entries if e.state == "dropped"]
    assert len(dropped) + len(kept) == len(ids)
    # A question comes first: an answer whose question did not fit goes with it.
    assert sent[1].role == "user"
    # The next older message would not have fit.
    by_budget = [e for e in dropped if e.reason is None]
    if by_budget:
        fitted = body_tokens + sum(e.tokens for e in dropped if e.reason)
        assert fitted + by_budget[-1].tokens > budget - sent[0].tokens


def test_budget_defaults_to_the_window_minus_reply_room() -> None:
    session = conversation(300, "zh", context_strategy="budget", max_tokens=1000)
    plan = plan_context(session, window=8000)
    assert plan.budget == 7000
    assert plan.tokens <= 7000
    assert plan.fits
    assert plan.count("dropped") > 0


def test_the_newest_question_is_sent_even_when_it_alone_is_too_long() -> None:
    session = conversation(3, context_strategy="budget", context_budget=50)
    ask(session, "long " * 2000)
    plan = plan_context(session, window=1000)
    assert contents(plan.messages)[-1].startswith("long")
    assert not plan.fits


def test_full_does_not_fit_a_small_window() -> None:
    session = conversation(100)
    assert not plan_context(session, window=4000).fits
    assert plan_context(session, window=1_000_000).fits


def test_no_system_prompt_and_config_default() -> None:
    session = conversation(2, system="")
    assert build_messages(session)[0]["role"] == "user"
    session.settings = session.settings.replace(system_prompt=None)
    assert build_messages(session, "From config")[0]["content"] == "From config"


def test_summary_stands_in_for_the_messages_it_covers() -> None:
    session = conversation(20, "zh", context_strategy="summary")
    covers = [m.id for m in session.messages[:20]]
    session.summaries.append(Summary("之前讨论了十个话题。", covers))
    ask(session, "新问题")
    plan = plan_context(session, window=128_000)
    assert plan.summary is session.summaries[0]
    system = plan.messages[0]
    assert system["role"] == "system"
    assert system["content"].startswith("Be brief.")
    assert "之前讨论了十个话题。" in system["content"]
    assert contents(plan.messages)[1:] == [m.content for m in session.messages[20:]]
    assert plan.count("summarized") == 20
    # Originals stay in the session.
    assert len(session.messages) == 41


def test_a_summary_no_longer_applies_when_the_path_changed() -> None:
    session = conversation(6, context_strategy="summary")
    session.summaries.append(Summary("old", [m.id for m in session.messages[:4]]))
    assert active_summary(session) is not None
    session.messages[2] = Message(role="user", content="edited on another branch")
    assert active_summary(session) is None
    assert plan_context(session).count("summarized") == 0


def test_later_summaries_fold_in_the_earlier_ones() -> None:
    session = conversation(12, context_strategy="summary")
    first = Summary("first part", [m.id for m in session.messages[:6]])
    session.summaries.append(first)
    cut = next_cut(session)
    assert cut is not None and cut > 6 and session.messages[cut].role == "user"
    request = summary_request(first, session.messages[6:cut])
    assert "first part" in request[1]["content"]
    session.summaries.append(Summary("both parts", [m.id for m in session.messages[:cut]]))
    assert active_summary(session).text == "both parts"
    assert plan_context(session).count("summarized") == cut


def test_summary_cut_takes_about_the_older_half_and_never_the_question() -> None:
    session = conversation(30)
    ask(session, "new question")
    cut = next_cut(session)
    assert cut is not None
    assert 20 <= cut <= 40
    assert session.messages[cut].role == "user"
    assert cut < len(session.messages) - 1


def test_summary_due_at_the_threshold() -> None:
    session = conversation(40, context_strategy="summary")
    plan = plan_context(session, window=10_000)
    assert plan.tokens > 7_000 or not summary_due(plan, 0.7)
    small = plan_context(conversation(2, context_strategy="summary"), window=10_000)
    assert not summary_due(small, 0.7)
    assert summary_due(plan_context(conversation(60), window=10_000), 0.7)


def test_recall_keeps_recent_turns_and_the_relevant_old_one() -> None:
    session = conversation(30, context_strategy="recall", context_turns=2)
    ask(session, "What about topic 7?")
    old_question = session.messages[14]  # Q7
    scores = {m.id: 0.05 for m in session.messages}
    scores[old_question.id] = 0.9
    plan = plan_context(session, window=128_000, scores=scores)
    assert plan.strategy == "recall"
    sent = [e for e in plan.entries if e.sent]
    assert [e.content[:3] for e in sent[1:]] == ["Q7:", "A7:", "Q28", "A28", "Q29", "A29", "Wha"]
    recalled = [e for e in plan.entries if e.state == "recalled"]
    assert [e.message_id for e in recalled] == [old_question.id, session.messages[15].id]


def test_recall_without_embeddings_falls_back_to_budget() -> None:
    session = conversation(30, context_strategy="recall", context_budget=800)
    ask(session, "?")
    plan = plan_context(session, window=128_000)
    assert plan.strategy == "budget" and plan.chosen == "recall"
    assert plan.tokens <= 800


def test_failed_empty_replies_and_system_messages_are_not_sent() -> None:
    session = conversation(1)
    session.add(Message(role="assistant", content="", status="error"))
    session.add(Message(role="system", content="old"))
    assert [m["role"] for m in build_messages(session)] == ["system", "user", "assistant"]


def test_estimates_are_fair_to_chinese_and_english() -> None:
    english = "The quick brown fox jumps over the lazy dog. " * 10
    chinese = "敏捷的棕色狐狸跳过了那只懒狗。" * 10
    assert 80 <= estimate_tokens(english) <= 140
    assert 90 <= estimate_tokens(chinese) <= 160
    assert estimate_tokens("") == 0


def test_reported_usage_counts_and_calibrates() -> None:
    reply = Message(role="assistant", content="x " * 200, usage=Usage(10, 321, 331))
    assert message_tokens(reply) == 321 + 4
    thinking = Message(
        role="assistant",
        content="y " * 200,
        reasoning="hmm",
        usage=Usage(10, 500, 510, reasoning_tokens=100),
    )
    assert message_tokens(thinking) == 400 + 4
    # The estimate of 'x ' * 200 is 100: the provider counts 3.2x as many -> capped at 2.
    assert calibration_ratio([reply]) == 2.0
    unknown = Message(role="assistant", content="z", reasoning="r", usage=Usage(1, 50, 51))
    assert calibration_ratio([unknown]) == 1.0
