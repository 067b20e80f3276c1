"""Quitting asks first when something would be lost: sessions the store could not save
(`SaveGuard` offers to write them elsewhere), a message typed in the prompt and not sent
(nothing else keeps a draft), and replies still arriving (kept, marked as stopped)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui_chat.ui.app import TuiChatApp


class QuitGuard:
    """What Ctrl+Q runs for `app`: each question in turn, then the exit."""

    def __init__(self, app: TuiChatApp) -> None:
        self.app = app

    async def quit(self) -> None:
        if self.app.store.unsaved():
            # Asking needs a worker (push_screen_wait); the other questions come after.
            work = self._quit_when_saved_elsewhere()
            self.app.run_worker(work, group="quit", exclusive=True, exit_on_error=False)
            return
        await self._quit_unless_drafted()

    async def _quit_when_saved_elsewhere(self) -> None:
        if await self.app.save_guard.confirm_quit():
            await self._quit_unless_drafted()

    async def _quit_unless_drafted(self) -> None:
        """Ask first while the prompt holds a message not sent: a typed message is never
        lost to one key."""
        from tui_chat.ui.screens.confirm import ConfirmScreen
        from tui_chat.ui.widgets.prompt import PromptInput

        app = self.app
        chat = app.chat_screen
        prompts = list(chat.query(PromptInput)) if chat is not None else []
        draft = prompts[0].text.strip() if prompts else ""
        if not draft:
            await self._quit_unless_streaming()
            return

        async def answered(quit_now: bool | None) -> None:
            if quit_now:
                await self._quit_unless_streaming()

        await app.push_screen(
            ConfirmScreen(
                f"The prompt holds a message you have not sent ({len(draft):,} characters)."
                "\n\nQuit anyway? It is not kept.",
                confirm_label="Quit",
                cancel_label="Keep writing",
            ),
            answered,
        )

    async def _quit_unless_streaming(self) -> None:
        from tui_chat.ui.screens.confirm import ConfirmScreen  # imported when first asked

        app = self.app
        if not app.replies.live:
            app.exit()
            return
        count = len(app.replies.live)

        async def answered(quit_now: bool | None) -> None:
            if quit_now:
                await app.replies.stop_all()
                app.exit()

        await app.push_screen(
            ConfirmScreen(
                f"A reply is still arriving in {count} session(s).\n\n"
                "Quit anyway? What has arrived is kept and marked as stopped.",
                confirm_label="Quit",
                cancel_label="Keep streaming",
            ),
            answered,
        )
