"""The app's tools: the MCP servers, the tool registry offered to replies, and the adapter
that asks the user before a call runs (the approval modal, one at a time).

The manager and the registry themselves are domain code (tui_chat/tools/); the app builds
them, and this module holds the one piece that needs Textual: the modal adapter.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui_chat.tools.approval import ApprovalAnswer, ApprovalRequest
    from tui_chat.ui.app import TuiChatApp


class ApprovalAsker:
    """`ask_approval` for the reply loop: shows ToolApprovalScreen and waits for the answer.
    One question at a time (two replies may ask at once). "always" is written to the
    config's `[tools] allow` before the answer goes back. When the waiting reply is
    stopped (Esc on the chat screen cancels its worker), the modal is taken away."""

    def __init__(self, app: TuiChatApp) -> None:
        self.app = app
        self._lock = asyncio.Lock()

    async def __call__(self, request: ApprovalRequest) -> ApprovalAnswer:
        from tui_chat.tools.approval import ApprovalAnswer  # with the first tool call
        from tui_chat.ui.screens.tool_approval import ToolApprovalScreen

        async with self._lock:
            answered: asyncio.Future[ApprovalAnswer] = asyncio.get_running_loop().create_future()

            def got(answer: ApprovalAnswer | None) -> None:
                if not answered.done():
                    answered.set_result(answer or ApprovalAnswer("stop"))

            screen = ToolApprovalScreen(request)
            self.app.push_screen(screen, got)
            try:
                answer = await answered
            finally:
                # Cancelled (the reply was stopped): cancelling the task cancels the
                # future it awaited, so an unanswered question shows as a cancelled future.
                if answered.cancelled() or not answered.done():
                    answered.cancel()
                    self._take_away(screen)
            if answer.choice == "always":
                self.app.config_file.allow_tool_always(request.label)
            return answer

    def _take_away(self, screen: Any) -> None:
        app = self.app
        if screen not in app.screen_stack:
            return
        if app.screen is screen:
            app.pop_screen()
        else:
            screen.remove()
