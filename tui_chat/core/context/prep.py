"""The network work before a request: write the rolling summary when it is due, find the
older turns relevant to the new question (recall). Then plan the request (context.py).

No Textual here: the reply worker calls `prepare`, the UI calls `plan` and reads the result.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from tui_chat.core.context.request import (
    ContextPlan,
    answered_exchanges,
    plan_context,
    strategy_of,
    summary_due,
)
from tui_chat.core.context.summary import Summary, active_summary, next_cut, summary_request
from tui_chat.core.context.windows import context_window
from tui_chat.core.sentences import join_sentences
from tui_chat.core.session import Session
from tui_chat.core.tokens import calibration_ratio
from tui_chat.providers import ProviderRegistry

if TYPE_CHECKING:
    from tui_chat.core.context.embeddings import EmbeddingFiles

Severity = Literal["information", "warning", "error"]
Notify = Callable[[str, Severity], object]
"""(text, severity) -> shown to the user."""


class ContextPreparer:
    """Plans requests for every session; keeps the embeddings of the sessions it saw."""

    def __init__(self, registry: ProviderRegistry, embeddings_dir: Path) -> None:
        self.registry = registry
        self._embeddings_dir = embeddings_dir
        self._embeddings: EmbeddingFiles | None = None
        self.unavailable: dict[tuple[str, str], str] = {}
        """(provider, embedding model) -> why it has no embeddings (asked once per run)."""
        self.summarizing: set[str] = set()
        """Sessions whose summary is being written."""

    @property
    def embeddings(self) -> EmbeddingFiles:
        """The stored embeddings (recall), made when recall first needs them."""
        if self._embeddings is None:
            from tui_chat.core.context.embeddings import EmbeddingFiles

            self._embeddings = EmbeddingFiles(self._embeddings_dir)
        return self._embeddings

    def window_for(self, session: Session) -> int | None:
        return context_window(self.registry.config, session.provider, session.model)

    def plan(
        self,
        session: Session,
        pending: str | None = None,
        scores: dict[str, float] | None = None,
        strategy: str | None = None,
    ) -> ContextPlan:
        """The next request of `session` as things stand (no network)."""
        return plan_context(
            session,
            self.registry.config.system_prompt,
            window=self.window_for(session),
            pending=pending,
            scores=scores,
            strategy=strategy,
            reasoning_field=self.registry.dialect_of(session.provider).tool_reasoning_key(
                session.model
            ),
        )

    async def prepare(self, session: Session, provider: Any, notify: Notify) -> ContextPlan:
        """Summarize or recall as the session's strategy asks, then plan the request."""
        strategy = strategy_of(session)
        if strategy == "summary":
            plan = self.plan(session)
            if summary_due(plan, session.settings.summary_threshold):
                await self.summarize(session, provider, notify)
            return self.plan(session)
        if strategy == "recall":
            scores, problem = await self.recall_scores(session, provider)
            plan = self.plan(session, scores=scores)
            if problem:
                plan.notes.append(problem)
                notify(problem, "warning")
            return plan
        return self.plan(session)

    # -- rolling summary -------------------------------------------------------------------

    async def summarize(self, session: Session, provider: Any, notify: Notify) -> Summary | None:
        """Write a summary of the older half of what is not summarized yet (folding the
        previous summary in) and put it in force. None when there is nothing to summarize
        or the request failed (the user is told; the budget keeps the request in bounds)."""
        cut = next_cut(session, calibration_ratio(session.messages))
        if cut is None:
            return None
        previous = active_summary(session)
        start = len(previous.covers) if previous else 0
        part = answered_exchanges(session.messages[start:cut])
        if not part:
            return None
        model = session.settings.summary_model or session.model
        from tui_chat.core.side_requests import SideRequestError, ask_text  # summaries only

        self.summarizing.add(session.id)
        try:
            text = await ask_text(provider, model, summary_request(previous, part))
        except SideRequestError as error:
            said = join_sentences(
                f"Could not summarize: {error.problem}", "Older messages are dropped."
            )
            notify(said, "warning")
            return None
        finally:
            self.summarizing.discard(session.id)
        if not text:
            notify("The summary came back empty; older messages are dropped instead.", "warning")
            return None
        summary = Summary(text, [m.id for m in session.messages[:cut]], model=model)
        session.summaries.append(summary)
        notify(f"Summarized {len(part)} older messages (shown at the top).", "information")
        return summary

    # -- recall ----------------------------------------------------------------------------

    async def recall_scores(
        self, session: Session, provider: Any
    ) -> tuple[dict[str, float] | None, str | None]:
        """Similarity of each earlier message to the newest question, from embeddings
        (computed for new messages only, stored beside the session). (None, why) when the
        provider has none."""
        config = self.registry.config.provider(session.provider)
        label = getattr(provider, "label", session.provider)
        fallback = " Using the token budget instead."
        if getattr(provider, "is_demo", False) or config is None:
            return None, f"Recall needs embeddings; {label} has none.{fallback}"
        model = config.embedding_model
        if not model:
            return None, (
                f"Recall needs an embedding model: set embedding_model in "
                f"[providers.{config.name}].{fallback}"
            )
        known = self.unavailable.get((config.name, model))
        if known:
            return None, join_sentences(f"Recall: {label}: {known}") + fallback
        texts = {m.id: m.content for m in answered_exchanges(session.messages)}
        question = next((m for m in reversed(session.messages) if m.role == "user"), None)
        if question is None or question.id not in texts:
            return {}, None
        from tui_chat.core.context.embeddings import EmbeddingsUnavailable, embed  # recall only

        store = self.embeddings.load(session.id, model)
        missing = store.missing(texts)
        if missing:
            try:
                vectors = await embed(
                    provider._get_client(), model, [texts[mid] for mid in missing]
                )
            except EmbeddingsUnavailable as error:
                if error.permanent:
                    self.unavailable[(config.name, model)] = error.problem
                return None, join_sentences(f"Recall: {label}: {error.problem}") + fallback
            for mid, vector in zip(missing, vectors, strict=True):
                store.add(mid, texts[mid], vector)
            with contextlib.suppress(OSError):  # computed again next time; the request goes on
                await asyncio.to_thread(self.embeddings.save, session.id, store)
        others = [mid for mid in texts if mid != question.id]
        return store.scores(store.entries[question.id].vector, others), None
