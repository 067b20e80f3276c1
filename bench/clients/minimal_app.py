"""Baseline for start-up time: a Textual app with a Static and an Input ("Message…")."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Input, Static


class MinimalApp(App[None]):
    """The least a chat screen needs: some text and a prompt."""

    def compose(self) -> ComposeResult:
        yield Static("Sessions")
        yield Input(placeholder="Message…")


if __name__ == "__main__":
    MinimalApp().run()
