"""The chat screen's context questions: the inspector (Alt+I), the strategy picker (Alt+X),
the offer to switch strategy when a request will not fit or the server says it is too
long, the question for an unknown model's context window, and the summary in force.

`ContextGuard` is a plain object owned by the chat screen (it keeps which windows were
asked for and whether the next send goes anyway); the screen's context keys are one-line
actions that call it. The checks themselves are services/context_checks.py.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.binding import Binding

from tui_chat.core.context.windows import UNKNOWN_WINDOW
from tui_chat.core.session import Session
from tui_chat.services.context_checks import (
    SEND_ANYWAY,
    TOO_LONG_FOR_THE_SERVER,
    WindowQuestions,
    config_with_window,
    current_strategy,
    does_not_fit,
    request_body,
    strategy_said,
)

if TYPE_CHECKING:
    from tui_chat.ui.app import TuiChatApp
    from tui_chat.ui.screens.chat import ChatScreen

CONTEXT_BINDINGS = [
    # Listed in ChatScreen.BINDINGS (keys anywhere on the chat screen), whose one-line
    # actions call the guard. priority: a terminal sends Alt+letter with the letter, which
    # the prompt would type.
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


class ContextGuard:
    """Asks before a request that will not fit; opens the inspector and strategy picker."""

    def __init__(self, screen: ChatScreen) -> None:
        self.screen = screen
        self.send_anyway = False
        """The user chose "Send anyway": the next send skips the check once."""
        self.windows = WindowQuestions()

    @property
    def app(self) -> TuiChatApp:
        return self.screen.app

    # -- the keys --------------------------------------------------------------------------

    def inspect(self) -> None:
        """Show what the next request sends (the prompt's text as its question)."""
        from tui_chat.ui.screens.inspector import InspectorScreen, inspector_text

        session = self.screen.session
        if session is None:
            return
        typed = self.screen.prompt.text.strip()
        plan = self.app.replies.context.plan(session, pending=typed or None)
        body = request_body(self.app.registry, session, plan.messages)
        text = inspector_text(plan, session.model, body, session)
        self.app.push_screen(InspectorScreen(text))

    def choose_strategy(self) -> None:
        from tui_chat.ui.screens.inspector import StrategyScreen

        session = self.screen.session
        if session is not None:
            self.app.push_screen(StrategyScreen(current_strategy(session)), self.use_strategy)

    def use_strategy(self, strategy: str | None) -> None:
        """Put `strategy` in force for the shown session (saved, and said)."""
        session = self.screen.session
        said = strategy_said(strategy) if strategy else None
        if session is None or strategy is None or said is None:
            return
        settings = session.settings.replace(context_strategy=strategy)
        self.screen.settings_flow.apply(session, settings, said)

    # -- before sending --------------------------------------------------------------------

    def fits(self, session: Session, text: str) -> bool:
        """Before sending: True when the request fits the context window; otherwise offer
        another strategy (or sending anyway) and return False (the text stays typed)."""
        if self.send_anyway:
            self.send_anyway = False
            return True
        plan = self.app.replies.context.plan(session, pending=text)
        if self.windows.wanted(session, plan):
            self._ask_window(session)
            return False
        if plan.fits:
            return True
        from tui_chat.ui.screens.inspector import StrategyScreen

        self.app.push_screen(
            StrategyScreen(
                current_strategy(session), does_not_fit(plan), [(SEND_ANYWAY, "Send anyway")]
            ),
            self._fit_choice,
        )
        return False

    def _fit_choice(self, choice: str | None) -> None:
        if not choice:
            return
        if choice == SEND_ANYWAY:
            self.send_anyway = True
        else:
            self.use_strategy(choice)
        self._resubmit()

    def _ask_window(self, session: Session) -> None:
        """Ask for the context window of the session's model (the text stays typed)."""
        from tui_chat.ui.screens.inspector import WindowScreen

        label = self.app.registry.describe(session.provider).label
        self.app.push_screen(
            WindowScreen(label, session.model, UNKNOWN_WINDOW),
            partial(self._window_given, session.provider, session.model),
        )

    def _window_given(self, provider: str, model: str, window: int | None) -> None:
        if window is None:  # skipped: the assumed window stands; send what was typed
            self._resubmit()
            return
        self.screen.run_worker(
            self._save_window(provider, model, window),
            group="save-window",
            exclusive=True,
            exit_on_error=False,
        )

    async def _save_window(self, provider: str, model: str, window: int) -> None:
        """Save the window the user gave in the config (asking first about a hand-written
        file, as every save does), then send what was typed."""
        from tui_chat.config.writer import ConfigEditError
        from tui_chat.ui.screens.config_save import save_config_interactive

        app = self.app
        try:
            config = config_with_window(app.config, provider, model, window)
        except ConfigEditError as error:
            app.notify(error.problem, title="Not saved", severity="error")
        else:
            if config is not None and await save_config_interactive(
                app, config, app.config_watcher.stamp
            ):
                app.notify(f"Context window of {model}: {window:,} tokens.")
        self._resubmit()

    def _resubmit(self) -> None:
        """Send what the prompt holds, as Enter would."""
        from tui_chat.ui.widgets.prompt import PromptInput

        prompt = self.screen.prompt
        prompt.post_message(PromptInput.Submitted(prompt, prompt.text))

    # -- after the server refused ----------------------------------------------------------

    def length_failed(self, session: Session) -> None:
        """The server refused the request as too long: offer another strategy, then send
        the question again."""
        from tui_chat.ui.screens.inspector import StrategyScreen

        self.app.push_screen(
            StrategyScreen(current_strategy(session), TOO_LONG_FOR_THE_SERVER), self._resend_with
        )

    async def _resend_with(self, strategy: str | None) -> None:
        if not strategy or self.screen.session is None:
            return
        self.use_strategy(strategy)
        await self.screen.action_retry()

    # -- the summary block -----------------------------------------------------------------

    async def show_summary(self, session: Session) -> None:
        """Put the summary in force (if any) in the message view, before the first message
        it does not cover; remove a stale one."""
        from tui_chat.core.context.summary import active_summary

        view = self.screen.view
        await view.query("#summary-block").remove()
        summary = (
            active_summary(session) if session.settings.context_strategy == "summary" else None
        )
        if summary is None:
            return
        from tui_chat.ui.widgets.summary_block import SummaryBlock  # only when one is in force

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

    async def summary_edited(self) -> None:
        """The user saved a new summary text: save the session it belongs to."""
        session = self.screen.session
        if session is None:
            return
        if await self.app.changes.commit(session, "summary"):
            self.screen.notify("Summary saved; it stands in for the earlier messages.", timeout=4)
        else:  # the store keeps it for a retry and the banner says so
            self.screen.notify("Could not save the session.", severity="error")
