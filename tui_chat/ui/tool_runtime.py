"""The app's tools: the MCP servers, the tool registry offered to replies, and the adapter
that asks the user before a call runs (the approval modal, one at a time).

The manager and the registry are made by the two factory functions below, so the app's
construction stays one line each and a test (or a later change) can adjust them here.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import logging
from typing import TYPE_CHECKING, Any

from tui_chat.config.model import Config
from tui_chat.tools.approval import ApprovalAnswer, ApprovalRequest

if TYPE_CHECKING:
    from tui_chat.ui.app import TuiChatApp

MCP_LOG = "tui_chat.mcp"


def make_mcp_manager(config: Config) -> Any:
    """The MCP servers of the config (none are started until a session uses them).
    None only while tools/mcp_manager.py is not merged (temporary guard, see the report)."""
    try:
        module = importlib.import_module("tui_chat.tools.mcp_manager")
    except ImportError:
        return None
    return module.McpManager(config.mcp_servers, logging.getLogger(MCP_LOG))


def make_tool_registry(config: Config, mcp: Any) -> Any:
    """What tools replies may offer (built-ins and MCP servers' tools).
    None only while tools/registry.py is not merged (temporary guard, see the report)."""
    try:
        module = importlib.import_module("tui_chat.tools.registry")
    except ImportError:
        return None
    return module.ToolRegistry(config, mcp)


def tool_arguments(reply_manager_class: Any, tools: Any, asker: Any) -> dict[str, Any]:
    """The keyword arguments giving ReplyManager its tools, those its signature takes
    (the loop adds them; until then the app runs without tools)."""
    if tools is None:
        return {}
    wanted = {
        "tools": tools,
        "always_allowed": tools.always_allowed,
        "ask_approval": asker,
    }
    accepted = inspect.signature(reply_manager_class.__init__).parameters
    return {name: value for name, value in wanted.items() if name in accepted}


class ApprovalAsker:
    """`ask_approval` for the reply loop: shows ToolApprovalScreen and waits for the answer.
    One question at a time (two replies may ask at once). "always" is written to the
    config's `[tools] allow` before the answer goes back. When the waiting reply is
    stopped (Esc on the chat screen cancels its worker), the modal is taken away."""

    def __init__(self, app: TuiChatApp) -> None:
        self.app = app
        self._lock = asyncio.Lock()

    async def __call__(self, request: ApprovalRequest) -> ApprovalAnswer:
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
