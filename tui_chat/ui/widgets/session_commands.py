"""The session keys' dialogs: rename, delete (to the trash) and restore, duplicate, pin,
export. What each does to the session is `tui_chat.services.sessions`; this asks, calls it,
and says how it went.

`SessionCommands` belongs to the sidebar (`Sidebar.commands`): a key acts on the session
under the list's cursor while the list has focus, else on the open session. The chat
screen's session actions are one line each that call these.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tui_chat.core.session import Session
from tui_chat.services.sessions import Refused, SessionService

if TYPE_CHECKING:
    from tui_chat.ui.widgets.sidebar import Sidebar


class SessionCommands:
    """The dialogs of the session keys, run from the sidebar (see the module docstring)."""

    def __init__(self, sidebar: Sidebar) -> None:
        self.sidebar = sidebar

    @property
    def service(self) -> SessionService:
        return self.sidebar.app.session_service

    def _say(self, refused: Refused) -> None:
        self.sidebar.notify(refused.said, title=refused.title, severity=refused.severity)

    def _target(self) -> Session | None:
        """The session a key acts on (None, said why, when it cannot be read)."""
        target = self.sidebar.target_id()
        if target is None:
            return None
        try:
            return self.service.session_for(target, self.sidebar.chat.session)
        except Refused as refused:
            self._say(refused)
            return None

    # -- rename ------------------------------------------------------------------------------

    def rename(self) -> None:
        from tui_chat.ui.screens.session_dialogs import RenameScreen

        session = self._target()
        if session is None:
            return

        async def renamed(title: str | None) -> None:
            if title and await self.service.rename(session, title):
                self.sidebar.notify(f"Renamed to “{session.title}”.", timeout=3)

        self.sidebar.app.push_screen(RenameScreen(session.title), renamed)

    # -- delete and restore ------------------------------------------------------------------

    def delete(self) -> None:
        from tui_chat.ui.screens.confirm import ConfirmScreen

        target = self.sidebar.target_id()
        if target is None:
            return
        try:
            question = self.service.delete_question(target, self.sidebar.title_of(target))
        except Refused as refused:
            self._say(refused)
            return

        async def answered(yes: bool | None) -> None:
            if yes:
                await self._delete(target)

        self.sidebar.app.push_screen(
            ConfirmScreen(question, confirm_label="Delete", cancel_label="Keep"), answered
        )

    async def _delete(self, session_id: str) -> None:
        sidebar, service = self.sidebar, self.service
        try:
            await service.stop_reply(session_id)
            items = sidebar.sessions.items  # once the reply stopped (its end moves the row)
            position = next((i for i, item in enumerate(items) if item.id == session_id), 0)
            title = sidebar.title_of(session_id)
            await service.trash(session_id)
        except Refused as refused:
            self._say(refused)
            return
        sidebar.sessions.remove_session(session_id)
        chat = sidebar.chat
        if chat.session is not None and chat.session.id == session_id:
            rest = sidebar.sessions.items
            opened = False
            if rest:
                opened = await chat.open_session(rest[min(position, len(rest) - 1)].id)
            if not opened:
                await chat.show_session(sidebar.app.new_session())
        sidebar.notify(f"Moved “{title}” to the trash (Shift+F8 restores it).", timeout=5)

    async def restore(self) -> None:
        from tui_chat.ui.screens.session_dialogs import TrashScreen

        trashed = await self.service.trashed()

        async def chosen(session_id: str | None) -> None:
            if session_id:
                await self._restore(session_id)

        self.sidebar.app.push_screen(TrashScreen(trashed), chosen)

    async def _restore(self, session_id: str) -> None:
        sidebar = self.sidebar
        try:
            summary = await self.service.restore(session_id)
        except Refused as refused:
            self._say(refused)
            return
        sidebar.sessions.restore(summary)
        await sidebar.chat.open_session(session_id)
        sidebar.notify(f"Restored “{summary.title}”.", timeout=4)

    # -- duplicate, pin ----------------------------------------------------------------------

    async def duplicate(self) -> None:
        sidebar = self.sidebar
        target = sidebar.target_id()
        if target is None:
            return
        try:
            copy = await self.service.duplicate(target, sidebar.chat.session)
        except Refused as refused:
            self._say(refused)
            return
        await sidebar.chat.open_session(copy.id)
        sidebar.notify(f"Opened the copy “{copy.title}”.", timeout=4)

    async def pin(self) -> None:
        sidebar = self.sidebar
        target = sidebar.target_id()
        if target is None:
            return
        pinned = target not in sidebar.sessions.pinned_ids
        try:
            await self.service.set_pinned(target, pinned)
        except Refused as refused:
            self._say(refused)
            return
        sidebar.sessions.set_pinned(target, pinned)  # the store wrote the file itself
        sidebar.notify("Pinned to the top." if pinned else "Unpinned.", timeout=3)

    # -- export ------------------------------------------------------------------------------

    def export(self, fmt: str = "md") -> None:
        from tui_chat.ui.screens.session_dialogs import ExportScreen

        try:
            self.service.check_export_format(fmt)
        except Refused as refused:
            self._say(refused)
            return
        session = self._target()
        if session is None:
            return
        try:
            default = self.service.export_path(session, fmt)
        except Refused as refused:
            self._say(refused)
            return
        home = str(Path.home())
        shown = "~" + str(default)[len(home) :] if str(default).startswith(home) else str(default)

        async def chosen(text: str | None) -> None:
            if not text:
                return
            path = Path(text).expanduser()
            if path.is_dir():
                path = path / default.name
            if path.exists():
                self._ask_overwrite(session, fmt, path)
                return
            await self._export(session, fmt, path)

        self.sidebar.app.push_screen(ExportScreen(shown, fmt), chosen)

    def _ask_overwrite(self, session: Session, fmt: str, path: Path) -> None:
        from tui_chat.ui.screens.confirm import ConfirmScreen

        async def overwrite(yes: bool | None) -> None:
            if yes:
                await self._export(session, fmt, path)

        self.sidebar.app.push_screen(
            ConfirmScreen(
                f"{path} exists.\n\nReplace it?", confirm_label="Replace", cancel_label="Cancel"
            ),
            overwrite,
        )

    async def _export(self, session: Session, fmt: str, path: Path) -> None:
        try:
            await self.service.export(session, fmt, path)
        except Refused as refused:
            self._say(refused)
            return
        self.sidebar.notify(f"Exported to {path}", title="Export", timeout=6)
