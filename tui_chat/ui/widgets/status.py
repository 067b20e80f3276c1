"""The status line: provider, model, context fill, cost, tokens of the last reply and the
session, speed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.content import Content
from textual.widgets import Static

from tui_chat.core.context.summary import DEFAULT_THRESHOLD
from tui_chat.core.pricing import currency_of, format_cost, reply_cost, session_cost
from tui_chat.core.session import Message, Session
from tui_chat.core.timefmt import short_count
from tui_chat.core.tokens import estimate_tokens
from tui_chat.services.live_reply import Progress
from tui_chat.ui.text_fit import Part, fit_parts

if TYPE_CHECKING:
    from tui_chat.core.context.request import ContextPlan
    from tui_chat.ui.app import TuiChatApp


def window_text(window: int) -> str:
    """A context window in tokens, in thousands as providers state them: 128000 -> "128k",
    131072 -> "131k", 8192 -> "8.2k", 600 -> "600", 1047576 -> "1M"."""
    if window >= 999_500:
        return f"{window / 1_000_000:.1f}".rstrip("0").rstrip(".") + "M"
    if window >= 9_950:
        return f"{round(window / 1000)}k"
    if window >= 1000:
        return f"{window / 1000:.1f}".rstrip("0").rstrip(".") + "k"
    return str(window)


def context_fill(plan: ContextPlan) -> str:
    """E.g. "ctx ~12.4k / 128k" ("~": an estimate; "?" when the window is not known)."""
    window = window_text(plan.window) if plan.window else "?"
    return f"ctx ~{short_count(plan.tokens)} / {window}"


def past_threshold(plan: ContextPlan, threshold: float | None) -> bool:
    """The next request takes more of the window than the warning threshold, or does not
    fit at all."""
    return not plan.fits or plan.tokens > (threshold or DEFAULT_THRESHOLD) * plan.effective_window


def reply_speed(message: Message) -> str | None:
    """Tokens per second of a finished reply, '~' when estimated."""
    if not message.duration_seconds or message.duration_seconds <= 0:
        return None
    if message.is_image_turn:  # an /image reply has no tokens; it took this long
        return f"{message.duration_seconds:.1f} s"
    if message.usage and message.usage.completion_tokens:
        return f"{message.usage.completion_tokens / message.duration_seconds:.0f} tok/s"
    tokens = estimate_tokens(message.content) + estimate_tokens(message.reasoning)
    return f"~{tokens / message.duration_seconds:.0f} tok/s"


def settings_marks(session: Session) -> str:
    """The session settings worth seeing at a glance: thinking switched, JSON mode."""
    settings = session.settings
    marks = []
    if settings.thinking != "default":
        marks.append(f"thinking {settings.thinking}")
    if settings.json_mode:
        marks.append("JSON")
    return " · ".join(marks)


KEEP, COST, LAST, SESSION, SPEED, TTFT = range(6)
"""Priorities of the status line's parts (`text_fit.fit_parts`: the highest goes first when
the line is too narrow). The issue asks model and context, then cost, to stay, and TTFT and
tok/s to go first. What is happening now stays with the model: a request waiting, the demo
warning, the live figure of a streaming reply ("streaming 2.1s", "waiting… 1.2s", a
rate-limit countdown), whose TTFT and tok/s go like the finished reply's."""


def live_parts(live: Progress) -> list[Part]:
    """A streaming reply's live figures as parts: its TTFT and speed can go while what is
    happening now stays."""
    parts: list[Part] = [(KEEP, live.now)]
    if live.ttft:
        parts.append((TTFT, live.ttft))
    if live.speed:
        parts.append((SPEED, live.speed))
    return parts


class StatusLine(Static):
    """One line under the prompt; says plainly when the offline demo is answering."""

    app: TuiChatApp

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._fill_cache: tuple[str, str, bool] | None = None
        """(session id, the context part, warning) from the last time it was computed."""
        self._shown = ""
        self.parts: list[Part] = []
        """What the line says at full width, by priority; fitted to the width on each show
        and resize."""
        self._drawn = False
        self._first: tuple[Session, str, bool, Progress | None, str | None] | None = None
        """The last `show` before the first frame: the first frame goes without the context
        fill (planning it loads the context planner and the provider dialects, about 8 ms),
        which shows one frame later (`_show_first`)."""

    def context_part(self, session: Session, live: bool) -> tuple[str, bool]:
        """The context fill of the session's next request and whether it is past the
        threshold. While a reply streams (20 times a second) the last figures are kept."""
        cached = self._fill_cache
        if live and cached is not None and cached[0] == session.id:
            return cached[1], cached[2]
        plan = self.app.replies.context.plan(session)
        text = context_fill(plan)
        if plan.strategy != "full":
            text += f" ({plan.strategy.replace('_', ' ')})"
        warning = past_threshold(plan, session.settings.summary_threshold)
        self._fill_cache = (session.id, text, warning)
        return text, warning

    def cost_part(self, session: Session) -> str | None:
        """"last $0.0042 · session $0.31" when the models have prices in the config."""
        config = self.app.config
        total = session_cost(session, config)
        if total is None:
            return None
        currency = currency_of(session, config)
        reply = session.last_reply
        last = reply_cost(reply, config) if reply is not None else None
        said = f"session {format_cost(total, currency)}"
        return f"last {format_cost(last, currency)} · {said}" if last is not None else said

    def show(
        self,
        session: Session,
        provider_label: str,
        is_demo: bool,
        live: Progress | None = None,
        waiting: str | None = None,
    ) -> None:
        """`waiting`: what a request waits for before it can go (a key command); first,
        so a narrow terminal still shows it."""
        parts: list[Part] = [(KEEP, waiting)] if waiting else []
        if is_demo:
            parts.append((KEEP, "⚠ OFFLINE DEMO (canned replies)"))
        else:
            marks = settings_marks(session)
            model = f"{provider_label} · {session.model}" + (f" · {marks}" if marks else "")
            parts.append((KEEP, model))
        warning = False
        if self._drawn:
            context, warning = self.context_part(session, live is not None)
            parts.append((KEEP, context))
        else:
            if self._first is None:
                self.call_after_refresh(self._show_first)
            self._first = (session, provider_label, is_demo, live, waiting)
        cost = self.cost_part(session)
        if cost:
            parts.append((COST, cost))
        reply = session.last_reply
        if live:
            parts.extend(live_parts(live))
        elif reply is not None:
            if reply.usage:
                parts.append((
                    LAST,
                    f"last {short_count(reply.usage.prompt_tokens)} in"
                    f" / {short_count(reply.usage.completion_tokens)} out",
                ))
            if reply.first_token_seconds is not None:
                parts.append((TTFT, f"TTFT {reply.first_token_seconds:.2f}s"))
            speed = reply_speed(reply)
            if speed:
                parts.append((SPEED, speed))
        total = session.total_usage()
        if total.total_tokens:
            parts.append((
                SESSION,
                f"session {short_count(total.prompt_tokens)} in"
                f" / {short_count(total.completion_tokens)} out",
            ))
        self.set_class(is_demo, "-demo")
        self.set_class(warning and not is_demo, "-context-warning")
        self.parts = parts
        self._fit()

    def _show_first(self) -> None:
        self._drawn = True
        first, self._first = self._first, None
        if first is not None:
            self.show(*first)

    def _fit(self) -> None:
        """Write the parts that fit the width (one join and a length check when all do)."""
        text = fit_parts(self.parts, self.content_region.width)
        if text != self._shown:
            self._shown = text
            # One row, always: no layout (a layout walks every widget on screen, and a
            # streaming reply updates the status line on every frame).
            self.update(Content(text), layout=False)

    def on_resize(self, event: events.Resize) -> None:
        self._fit()
