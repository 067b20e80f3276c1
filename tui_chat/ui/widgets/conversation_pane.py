"""The conversation pane (`#chat`): the messages, the find bar, the thinking pane and the
prompt, and every key that acts on the conversation.

It owns the message selection (message_selection), the draft of the next message (an edit,
attached images: message_draft), find (message_find) and the path from Enter to a reply
(reply_sending). What changes the session goes through services/conversation.py, which
saves and announces it; the chat screen follows the reply that starts.

Its keys (conversation_keys) work while the focus is anywhere in the pane.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual import events, on
from textual.binding import BindingType
from textual.containers import Vertical
from textual.worker import Worker

from tui_chat.core.session import Message, Session
from tui_chat.services.conversation import Conversation, Refusal, delete_question
from tui_chat.ui.messages import ImageRequested
from tui_chat.ui.widgets.conversation_keys import CONVERSATION_KEYS
from tui_chat.ui.widgets.image_sending import ImageSender
from tui_chat.ui.widgets.image_view import ImageView
from tui_chat.ui.widgets.message_draft import Draft
from tui_chat.ui.widgets.message_parts import DeleteRequested, FlipRequested, MessageFocused
from tui_chat.ui.widgets.message_selection import MessageSelection
from tui_chat.ui.widgets.messages import AssistantMessage, MessageView
from tui_chat.ui.widgets.prompt import PromptInput
from tui_chat.ui.widgets.reply_sending import ReplySender
from tui_chat.ui.widgets.thinking import ThinkingPane
from tui_chat.ui.worker_errors import pass_failure_to_app

if TYPE_CHECKING:
    from tui_chat.ui.screens.chat import ChatScreen
    from tui_chat.ui.widgets.find_bar import FindBar  # mounted by the finder when first used
    from tui_chat.ui.widgets.message_find import MessageFinder


class ConversationPane(Vertical):
    """See the module docstring. Its workers (mounting a reply's deferred blocks before
    find or Alt+C scroll to one) pass their failures to the app."""

    BINDINGS: ClassVar[list[BindingType]] = CONVERSATION_KEYS

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.selection = MessageSelection(self, self._session)
        self.draft = Draft(self)
        self._finder: MessageFinder | None = None
        self.sender = ReplySender(self)
        self.images = ImageSender(self)
        """`/image` turns: started here, their cards kept current (image_sending.py)."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        pass_failure_to_app(self, event)  # the App has the one handler (worker_errors)

    # -- parts -----------------------------------------------------------------------------

    @property
    def finder(self) -> MessageFinder:
        """Find in the conversation: made (and its module imported) when first used."""
        if self._finder is None:
            from tui_chat.ui.widgets.message_find import MessageFinder

            self._finder = MessageFinder(self, self._session)
        return self._finder

    @property
    def chat(self) -> ChatScreen:
        return cast("ChatScreen", self.screen)

    def _session(self) -> Session | None:
        return self.chat.session

    @property
    def conversation(self) -> Conversation:
        return self.chat.app.conversation

    @property
    def view(self) -> MessageView:
        return self.query_one(MessageView)

    @property
    def thinking(self) -> ThinkingPane:
        return self.query_one(ThinkingPane)

    @property
    def prompt(self) -> PromptInput:
        return self.query_one(PromptInput)

    def on_key(self, event: events.Key) -> None:
        """A character typed while the focus is elsewhere in the pane (a message, the
        thinking pane, the view) goes to the prompt, as if typed there: the user is writing
        the next message. Keys bound where the focus is keep their binding; a field that
        takes text (the find bar) never lets its characters reach here."""
        prompt = self.prompt
        if prompt.has_focus or not event.is_printable or not event.character:
            return
        if event.key in self.screen.active_bindings or not prompt.focusable:
            return
        event.stop()
        event.prevent_default()
        prompt.focus()
        prompt.post_message(events.Key(event.key, event.character))

    # -- the screen's hooks ----------------------------------------------------------------

    async def send(self, raw: str) -> None:
        """Enter in the prompt (slash commands already ran): see reply_sending."""
        await self.sender.send(raw)

    def session_shown(self) -> None:
        """Another session is shown: what belonged to the last one goes."""
        if self.draft.editing is not None:
            self.draft.cancel_edit()
        self.selection.id = None
        self.selection.code_cycle = ("", -1)
        if self._finder is not None and self._finder.is_open:
            self._finder.run()

    def reply_finished(self) -> None:
        """The shown reply ended: find (when open) marks its matches, now at rest."""
        if self._finder is not None and self._finder.is_open:
            self._finder.run(keep_position=True)

    def cancel_message_state(self) -> bool:
        """Esc: cancel an edit, else clear the message selection. True when it did."""
        if self.draft.editing is not None:
            self.draft.cancel_edit()
            self.notify("Edit cancelled.", timeout=2)
            return True
        if self.selection.id is not None:
            self.selection.clear()
            return True
        return False

    # -- the path and the selection --------------------------------------------------------

    async def path_changed(self, session: Session, focus: Message | None = None) -> None:
        """Show the session's current path after a tree operation (only what changed is
        mounted again), its alternatives, and the reasoning of its last reply."""
        view, selection = self.view, self.selection
        selected = selection.id
        focused = self.screen.focused
        focused_in_view = focused is not None and view in focused.ancestors
        await view.sync_path(session)
        selection.id = selected  # not the message focus fell on when one was removed
        view.refresh_alternatives()
        await self.thinking.show(session.last_reply)
        if selection.id and selection.message is None:
            selection.id = None
        selection.code_cycle = ("", -1)
        if focus is not None:
            widget = view.message_widget(focus.id)
            if widget is not None:
                view.scroll_to_widget(widget, animate=False)
        selection.show()
        if focused_in_view:
            widget = view.message_widget(selection.id or "")
            if widget is not None:
                widget.focus(scroll_visible=False)
            else:
                self.prompt.focus()
        if self._finder is not None and self._finder.is_open:
            self._finder.run(keep_position=True)

    @on(MessageFocused)
    def _message_focused(self, event: MessageFocused) -> None:
        self.selection.select(event.message.id)

    @on(AssistantMessage.Selected)
    async def _reply_selected(self, event: AssistantMessage.Selected) -> None:
        await self.thinking.show_chosen(event.reply.message)

    async def action_select_previous_message(self) -> None:
        await self.selection.move(-1, focus=not self.prompt.has_focus)

    async def action_select_next_message(self) -> None:
        await self.selection.move(1, focus=not self.prompt.has_focus)

    def action_page(self, direction: int) -> None:
        """PageUp/PageDown read the conversation from the prompt too (at 80x24 the prompt
        has the focus nearly always, and a prompt of a few lines has no pages to move by)."""
        if direction < 0:
            self.view.scroll_page_up()
        else:
            self.view.scroll_page_down()

    # -- alternatives, regenerate, continue ------------------------------------------------

    async def _flip(self, message: Message | None, step: int) -> None:
        session = self.chat.session
        if session is None or message is None or self.sender.busy():
            return
        shown = await self.conversation.flip(session, message, step)
        if isinstance(shown, Refusal):
            self.notify(shown.text, timeout=shown.seconds)
            return
        if self.selection.id == message.id:
            self.selection.id = shown.id
        await self.path_changed(session, focus=shown)

    def _alternatives_target(self) -> Message | None:
        session = self.chat.session
        return self.selection.message or (session.last_reply if session else None)

    async def action_previous_alternative(self) -> None:
        await self._flip(self._alternatives_target(), -1)

    async def action_next_alternative(self) -> None:
        await self._flip(self._alternatives_target(), 1)

    @on(FlipRequested)
    async def _flip_requested(self, event: FlipRequested) -> None:
        event.stop()
        await self._flip(event.message, event.step)

    async def action_regenerate(self) -> None:
        """A new reply to the selected reply's question (or the last one); the old reply
        stays as an alternative. After a question without a reply: its reply."""
        session = self.chat.session
        if session is None or self.sender.busy():
            return
        target = self.selection.target()
        if target is None:
            self.notify("Nothing to regenerate yet.")
            return
        if await self.images.regenerate(session, target):  # an /image turn: a new image
            return
        wait = self.chat.key_wait
        await wait.when_ready(session, lambda: self.sender.regenerate(session, target))

    @on(ImageView.AttachRequested)
    def _attach_image(self, event: ImageView.AttachRequested) -> None:
        event.stop()
        self.draft.attach(str(event.file))
        self.prompt.focus()

    @on(ImageRequested)
    async def _image_requested(self, event: ImageRequested) -> None:
        event.stop()
        await self.images.send(event.request, event.typed)

    async def action_continue_reply(self) -> None:
        """Ask the model to go on with a stopped or cut-off reply; the rest is appended to the
        same reply (see tui_chat.core.continuation)."""
        session = self.chat.session
        if session is None or self.sender.busy():
            return
        reply = self.conversation.continuable(session, self.selection.target("assistant"))
        if isinstance(reply, Refusal):
            self.notify(reply.text)
            return
        wait = self.chat.key_wait
        await wait.when_ready(session, lambda: self.sender.continue_reply(session, reply))

    # -- edit and delete -------------------------------------------------------------------

    def action_edit_message(self) -> None:
        """Put the selected (or last) user message in the prompt; Enter sends it as a new
        branch, Esc cancels and gives back what the prompt held."""
        if self.chat.session is None or self.sender.busy():
            return
        message = self.selection.target("user")
        if message is None:
            self.notify("There is no message of yours to edit yet.")
            return
        self.draft.edit(message)

    def action_delete_message(self) -> None:
        """Delete the selected message (or the last question) with what follows it, after a
        confirmation that says how much goes."""
        from tui_chat.ui.screens.confirm import ConfirmScreen

        session = self.chat.session
        if session is None or self.sender.busy():
            return
        message = self.selection.message or self.selection.target("user")
        if message is None:
            self.notify("There is no message to delete.")
            return

        async def answered(confirmed: bool | None) -> None:
            if not confirmed or self.chat.session is not session or self.sender.busy():
                return
            if session.get(message.id) is not message:
                return
            removed = await self.conversation.delete(session, message)
            edited = self.draft.edited
            if edited is not None and session.get(edited.id) is None:
                self.draft.cancel_edit()
            self.selection.id = None
            await self.path_changed(session)
            count = len(removed)
            self.notify(f"Deleted {count} message{'s' if count != 1 else ''}.", timeout=3)

        question = delete_question(session, message)
        self.app.push_screen(ConfirmScreen(question, "Delete", "Keep"), answered)

    @on(DeleteRequested)
    def _delete_requested(self, event: DeleteRequested) -> None:
        event.stop()
        self.action_delete_message()

    # -- copy, select text, attach ---------------------------------------------------------

    def _shown_target(self) -> Message | None:
        """The selected message, else the last reply, else the last message."""
        selection = self.selection
        return selection.message or selection.target("assistant") or selection.target()

    def action_copy_message(self) -> None:
        """Copy the selected message (or the last reply), Markdown source as it is."""
        from tui_chat.ui.widgets.message_copy import copy_message  # imported when first used

        copy_message(self, self._shown_target())

    def action_copy_code(self, number: str | None = None) -> None:
        """Copy a code block of the selected message (or the last reply with code); pressed
        again, the next block. `/copy N` gives `number`: block N, as its label says."""
        from tui_chat.ui.widgets.message_copy import copy_code_block

        session, selection = self.chat.session, self.selection
        if session is not None:
            selection.code_cycle = copy_code_block(
                self, session, selection.message, selection.code_cycle, number
            )

    def action_select_text(self) -> None:
        """Open the selected message (or the last reply) read-only, to copy any part."""
        from tui_chat.ui.widgets.message_copy import select_text

        select_text(self, self._shown_target())

    def action_attach_image(self) -> None:
        """Attach images (paths or URLs) to the next message, or remove them again."""
        from tui_chat.ui.screens.message_modals import AttachScreen

        def chosen(attached: list[str] | None) -> None:
            if attached is not None:
                self.draft.images = attached
                self.draft.refresh_info()
            self.prompt.focus()

        self.app.push_screen(AttachScreen(self.draft.images), chosen)

    # -- find ------------------------------------------------------------------------------

    async def action_find(self, text: str = "") -> None:
        """Open the find bar (with `text` as the query, when given) and show the matches."""
        await self.finder.open(text)

    async def action_find_next(self) -> None:
        await self.finder.step(1)

    async def action_find_previous(self) -> None:
        await self.finder.step(-1)

    # The find bar's messages, by handler name (its module loads with the finder).

    async def on_find_bar_changed(self, event: FindBar.Changed) -> None:
        event.stop()
        self.finder.run()
        await self.finder.show_match()

    async def on_find_bar_step(self, event: FindBar.Step) -> None:
        event.stop()
        await self.finder.step(event.step)

    def on_find_bar_closed(self, event: FindBar.Closed) -> None:
        event.stop()
        self.finder.close()
        self.prompt.focus()
