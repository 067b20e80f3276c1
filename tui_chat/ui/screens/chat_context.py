"""ChatScreen actions for context management: the inspector, the strategy picker, the offer
to switch strategy when a request will not fit or the server says it is too long."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.binding import Binding

from tui_chat.config.provider import ModelSettings
from tui_chat.core.context.windows import UNKNOWN_WINDOW
from tui_chat.core.settings import STRATEGY_LABELS

if TYPE_CHECKING:
    from tui_chat.core.context.request import ContextPlan
    from tui_chat.core.session import Session
    from tui_chat.ui.app import TuiChatApp

SEND_ANYWAY = "send_anyway"

# Textual merges BINDINGS only of DOMNode classes along the MRO (dom.py _merge_bindings),
# so ChatScreen lists these in its own BINDINGS.
CONTEXT_BINDINGS = [
    # priority: a terminal sends Alt+letter with the letter, which the prompt would type.
    Binding(
        "alt+i",
        "inspect_context",
        "Context inspector",
        id="context.inspect",
        show=False,
        priority=True,
        tooltip="Context inspector: what the next request sends",
    ),
    Binding(
        "alt+x",
        "context_strategy",
        "Context strategy",
        id="context.strategy",
        show=False,
        priority=True,
        tooltip="Choose how much of the conversation to send (context strategy)",
    ),
]


class ContextActions:
    """Mixed into ChatScreen (it provides session, prompt, notify, _apply_settings)."""

    # (Its bindings are CONTEXT_BINDINGS, listed by ChatScreen: mixins' BINDINGS are not merged.)

    app: TuiChatApp
    session: Session | None
    if TYPE_CHECKING:

        def run_worker(self, work: Any, **kwargs: Any) -> Any: ...
    _send_anyway: bool = False
    _windows_asked: frozenset[tuple[str, str]] = frozenset()
    """(provider, model) pairs whose context window was asked for in this run."""

    def action_inspect_context(self) -> None:
        from tui_chat.ui.screens.inspector import InspectorScreen, inspector_text

        session = self.session
        if session is None:
            return
        # What the prompt holds is the question the next request would send.
        typed = self.prompt.text.strip()  # type: ignore[attr-defined]
        plan = self.app.replies.context.plan(session, pending=typed or None)
        text = inspector_text(plan, session.model, self._request_body(session, plan.messages))
        self.app.push_screen(InspectorScreen(text))

    def _request_body(self, session: Session, messages: list[dict[str, str]]) -> dict[str, Any]:
        """The JSON body as the SDK will send it, from the dialect's own request building."""
        registry = self.app.registry
        provider = registry.config.provider(session.provider)
        dialect = registry.dialect_of(session.provider)
        extra = provider.extra_body_for(session.model) if provider else {}
        parts = dialect.request_kwargs(session.settings, session.model, extra)
        body: dict[str, Any] = {"model": session.model, "messages": messages, "stream": True}
        body.update(parts.kwargs)
        body.update(parts.extra_body)
        return body

    def action_context_strategy(self) -> None:
        from tui_chat.ui.screens.inspector import StrategyScreen

        session = self.session
        if session is None:
            return
        current = session.settings.context_strategy or "full"
        self.app.push_screen(StrategyScreen(current), self._strategy_chosen)

    def _strategy_chosen(self, strategy: str | None) -> None:
        session = self.session
        if not strategy or session is None or strategy not in STRATEGY_LABELS:
            return
        self._apply_settings(  # type: ignore[attr-defined]
            session,
            session.settings.replace(context_strategy=strategy),
            f"Context: {STRATEGY_LABELS[strategy]}",
        )

    # -- the summary block ---------------------------------------------------------------

    async def show_summary(self, session: Session) -> None:
        """Put the summary in force (if any) in the message view, before the first message
        it does not cover; remove a stale one."""
        from tui_chat.core.context.summary import active_summary
        from tui_chat.ui.widgets.summary_block import SummaryBlock

        view = self.view  # type: ignore[attr-defined]
        await view.query("#summary-block").remove()
        summary = (
            active_summary(session) if session.settings.context_strategy == "summary" else None
        )
        if summary is None:
            return
        covered = set(summary.covers)
        first = None
        for widget in view.query(".message"):
            message = getattr(widget, "message", None)
            if message is not None and message.id not in covered:
                first = widget
                break
        block = SummaryBlock(summary)
        if first is None:
            if view.reaches_end:  # else it belongs below the window of messages shown
                await view.mount(block)
        else:
            await view.mount(block, before=first)

    def on_summary_block_edited(self, event: Any) -> None:
        session = self.session
        if session is None:
            return
        try:
            self.app.store.save(session)
        except OSError as exc:
            self.notify(f"Could not save the session: {exc}", severity="error")  # type: ignore[attr-defined]
            return
        self.notify("Summary saved; it stands in for the earlier messages.", timeout=4)  # type: ignore[attr-defined]

    # -- hooks ---------------------------------------------------------------------------

    def context_fits(self, session: Session, text: str) -> bool:
        """Before sending: True when the request fits the context window; otherwise offer
        another strategy (or sending anyway) and return False (the text stays typed)."""
        if self._send_anyway:
            self._send_anyway = False
            return True
        plan = self.app.replies.context.plan(session, pending=text)
        if self._window_wanted(session, plan):
            return False
        if plan.fits:
            return True
        from tui_chat.ui.screens.inspector import StrategyScreen

        message = (
            f"This request (~{plan.tokens:,} tokens and {plan.reply_room:,} for the reply) "
            f"will not fit the context window ({plan.effective_window:,}). Switch strategy?"
        )
        current = session.settings.context_strategy or "full"
        self.app.push_screen(
            StrategyScreen(current, message, [(SEND_ANYWAY, "Send anyway")]),
            self._fit_choice,
        )
        return False

    def _window_wanted(self, session: Session, plan: ContextPlan) -> bool:
        """Ask once (per model, per run) for the context window of a model nobody knows,
        when it starts to matter: once the conversation passes half of the window assumed
        (before that, no strategy drops or summarizes anything). True when the question is
        on screen (the text stays typed)."""
        if plan.window is not None or session.provider in ("", "demo"):
            return False
        if plan.tokens < UNKNOWN_WINDOW // 2:
            return False
        key = (session.provider, session.model)
        if key in self._windows_asked:
            return False
        self._windows_asked = self._windows_asked | {key}
        from tui_chat.ui.screens.inspector import WindowScreen

        label = self.app.registry.describe(session.provider).label
        self.app.push_screen(
            WindowScreen(label, session.model, UNKNOWN_WINDOW),
            partial(self._window_given, session.provider, session.model),
        )
        return True

    def _window_given(self, provider: str, model: str, window: int | None) -> None:
        if window is None:  # skipped: the assumed window stands; send what was typed
            self._resubmit()
            return
        self.run_worker(
            self._save_window(provider, model, window),
            group="save-window",
            exclusive=True,
            exit_on_error=False,
        )

    async def _save_window(self, provider: str, model: str, window: int) -> None:
        """Save the window the user gave in the config (asking first about a hand-written
        file, as every save does), then send what was typed."""
        from tui_chat.config.writer import ConfigEditError, update_provider
        from tui_chat.ui.screens.config_save import save_config_interactive

        app = self.app
        current = app.config.provider(provider)
        if current is not None:
            settings = dict(current.model_settings)
            settings[model] = replace(settings.get(model, ModelSettings()), context_window=window)
            try:
                config = update_provider(app.config, provider, model_settings=settings)
            except ConfigEditError as error:
                app.notify(error.problem, title="Not saved", severity="error")
            else:
                if await save_config_interactive(app, config, app.config_watcher.stamp):
                    app.notify(f"Context window of {model}: {window:,} tokens.")
        self._resubmit()

    def _fit_choice(self, choice: str | None) -> None:
        if not choice:
            return
        if choice == SEND_ANYWAY:
            self._send_anyway = True
        else:
            self._strategy_chosen(choice)
        self._resubmit()

    def _resubmit(self) -> None:
        """Send what the prompt holds, as Enter would."""
        from tui_chat.ui.widgets.prompt import PromptInput

        prompt: PromptInput = self.prompt  # type: ignore[attr-defined]
        prompt.post_message(PromptInput.Submitted(prompt, prompt.text))

    def context_length_failed(self, session: Session) -> None:
        """The server refused the request as too long: offer another strategy, then send
        the question again."""
        from tui_chat.ui.screens.inspector import StrategyScreen

        current = session.settings.context_strategy or "full"
        message = (
            "The server says the conversation is longer than the model's context window. "
            "Switch strategy and send again?"
        )
        self.app.push_screen(StrategyScreen(current, message), self._resend_with)

    async def _resend_with(self, strategy: str | None) -> None:
        session = self.session
        if not strategy or session is None:
            return
        self._strategy_chosen(strategy)
        await self.action_retry()  # type: ignore[attr-defined]
