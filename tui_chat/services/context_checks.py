"""The checks around a request's context, without Textual: what the inspector shows as the
request body, when to ask for the context window of a model nobody knows, what to say when
a request will not fit, and saving a window the user gave into the config.

The UI (ui/context_guard.py) asks the questions these checks call for and sends again.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from tui_chat.config.provider import ModelSettings
from tui_chat.core.context.windows import UNKNOWN_WINDOW
from tui_chat.core.session import Session
from tui_chat.core.settings import STRATEGY_LABELS
from tui_chat.providers import ProviderRegistry

if TYPE_CHECKING:
    from tui_chat.config.model import Config
    from tui_chat.core.context.request import ContextPlan

SEND_ANYWAY = "send_anyway"
"""The choice, beside the strategies, that sends a request that will not fit."""
TOO_LONG_FOR_THE_SERVER = (
    "The server says the conversation is longer than the model's context window. "
    "Switch strategy and send again?"
)


def request_body(
    registry: ProviderRegistry, session: Session, messages: list[dict[str, str]]
) -> dict[str, Any]:
    """The JSON body as the SDK will send it, from the dialect's own request building."""
    provider = registry.config.provider(session.provider)
    dialect = registry.dialect_of(session.provider)
    extra = provider.extra_body_for(session.model) if provider else {}
    parts = dialect.request_kwargs(session.settings, session.model, extra)
    body: dict[str, Any] = {"model": session.model, "messages": messages, "stream": True}
    body.update(parts.kwargs)
    body.update(parts.extra_body)
    return body


def current_strategy(session: Session) -> str:
    return session.settings.context_strategy or "full"


def strategy_said(strategy: str) -> str | None:
    """The line that confirms `strategy`; None when it is no strategy."""
    label = STRATEGY_LABELS.get(strategy)
    return f"Context: {label}" if label else None


def does_not_fit(plan: ContextPlan) -> str:
    """The question when a request will not fit the context window."""
    return (
        f"This request (~{plan.tokens:,} tokens and {plan.reply_room:,} for the reply) "
        f"will not fit the context window ({plan.effective_window:,}). Switch strategy?"
    )


class WindowQuestions:
    """Asks once (per model, per run) for the context window of a model nobody knows,
    when it starts to matter: once the conversation passes half of the window assumed
    (before that, no strategy drops or summarizes anything)."""

    def __init__(self) -> None:
        self.asked: set[tuple[str, str]] = set()
        """(provider, model) pairs whose context window was asked for in this run."""

    def wanted(self, session: Session, plan: ContextPlan) -> bool:
        """True when the window of the session's model should be asked for now (it is
        then counted as asked)."""
        if plan.window is not None or session.provider in ("", "demo"):
            return False
        if plan.tokens < UNKNOWN_WINDOW // 2:
            return False
        key = (session.provider, session.model)
        if key in self.asked:
            return False
        self.asked.add(key)
        return True


def config_with_window(config: Config, provider: str, model: str, window: int) -> Config | None:
    """`config` with `window` as the context window of `model` of `provider`; None when the
    provider is gone. Raises ConfigEditError when the edit would make the config invalid."""
    current = config.provider(provider)
    if current is None:
        return None
    settings = dict(current.model_settings)
    settings[model] = replace(settings.get(model, ModelSettings()), context_window=window)
    from tui_chat.config.writer import update_provider  # imported when a window is saved

    return update_provider(config, provider, model_settings=settings)
