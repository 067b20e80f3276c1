"""Floor for start-up: tui-chat's first screen built from stock Textual widgets, styled by
tui-chat's own stylesheet, with none of tui-chat's code.

It has what the chat screen shows at start (a sidebar with a title, a search box and a list;
a message view; the prompt, a multi-line TextArea whose placeholder is "Message…"; a status
line; a footer) and reads every `.tcss` file of the app, so the stylesheet is parsed as in
tui-chat (its rules are scoped to tui-chat's screen and widget names, so here they match
little). What tui-chat takes beyond this app is its own code: its modules, its own widgets
(the prompt, the session list, the message and Markdown widgets), its config and store.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Input, OptionList, Static, TextArea

STYLESHEETS = sorted((Path(__file__).resolve().parents[2] / "tui_chat").rglob("*.tcss"))


class SkeletonApp(App[None]):
    """The chat screen's widget tree, without the app behind it."""

    CSS_PATH = STYLESHEETS

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            with Vertical(id="sidebar"):
                yield Static("Sessions", id="sidebar-title")
                yield Input(placeholder="Search sessions…", id="session-search")
                yield OptionList(id="sessions")
            with Vertical(id="chat"):
                yield Static("", id="banner")
                yield VerticalScroll(id="messages")
                yield Static("", id="prompt-info")
                yield TextArea(placeholder="Message…", id="prompt")
                yield Static("demo · demo-chat", id="status")
        yield Footer()


if __name__ == "__main__":
    SkeletonApp().run()
