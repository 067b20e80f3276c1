"""The conversation pane (`#chat`): the messages, the find bar, the thinking pane and the
prompt, and every key that acts on the conversation.

It owns the message selection (Alt+Up/Down, or a focused message), the draft of the next
message (an edit in progress, attached images: see message_draft), find in the session
(see message_find) and the path from Enter to a streaming reply. What changes the session
goes through the conversation service (tui_chat.services.conversation), which saves and
announces it; the chat screen follows the reply that starts.

Its keys work while the focus is anywhere in the pane (the prompt, a message, the find
bar). Alt+letter arrives with the letter as its character, so a focused text box (the
prompt) would type it: those bindings take priority. None of them is a text box's own key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual import on
from textual.binding import Binding, BindingType
from textual.containers import Vertical

from tui_chat.core.sanitize import strip_control
from tui_chat.core.session import Message, Session
from tui_chat.providers import ProviderUnavailable
from tui_chat.services.clipboard import copy_text
from tui_chat.services.conversation import Conversation, Refusal, delete_question, last_of_role
from tui_chat.ui.widgets.code_blocks import code_block_said, code_blocks, mark_code_block
from tui_chat.ui.widgets.find_bar import FindBar
from tui_chat.ui.widgets.message_draft import Draft, WaitingMessage
from tui_chat.ui.widgets.message_find import MessageFinder
from tui_chat.ui.widgets.message_parts import DeleteRequested, FlipRequested, MessageFocused
from tui_chat.ui.widgets.messages import AssistantMessage, MessageView
from tui_chat.ui.widgets.prompt import PromptInput
from tui_chat.ui.widgets.thinking import ThinkingPane

if TYPE_CHECKING:
    from tui_chat.ui.screens.chat import ChatScreen


class ConversationPane(Vertical):
    """See the module docstring."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "alt+r",
            "regenerate",
            "Regenerate reply",
            id="reply.regenerate",
            show=False,
            priority=True,
        ),
        Binding(
            "alt+g",
            "continue_reply",
            "Continue reply",
            id="reply.continue",
            show=False,
            priority=True,
        ),
        Binding(
            "alt+left",
            "previous_alternative",
            "Previous alternative",
            id="reply.previous",
            show=False,
        ),
        Binding("alt+right", "next_alternative", "Next alternative", id="reply.next", show=False),
        Binding(
            "alt+up",
            "select_previous_message",
            "Select previous message",
            id="message.select_previous",
            show=False,
        ),
        Binding(
            "alt+down",
            "select_next_message",
            "Select next message",
            id="message.select_next",
            show=False,
        ),
        Binding(
            "alt+y", "copy_message", "Copy message", id="message.copy", show=False, priority=True
        ),
        Binding(
            "alt+c",
            "copy_code",
            "Copy code block (cycles)",
            id="message.copy_code",
            show=False,
            priority=True,
        ),
        Binding(
            "alt+v",
            "select_text",
            "Select text of message",
            id="message.select_text",
            show=False,
            priority=True,
        ),
        Binding(
            "alt+e",
            "edit_message",
            "Edit and resend message",
            id="message.edit",
            show=False,
            priority=True,
        ),
        Binding(
            "alt+d",
            "delete_message",
            "Delete message",
            id="message.delete",
            show=False,
            priority=True,
        ),
        Binding("ctrl+f", "find", "Find", id="message.find", show=False),
        Binding(
            "alt+n", "find_next", "Find next", id="message.find_next", show=False, priority=True
        ),
        Binding(
            "alt+p",
            "find_previous",
            "Find previous",
            id="message.find_previous",
            show=False,
            priority=True,
        ),
        Binding("ctrl+o", "attach_image", "Attach image", id="message.attach_image", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._selected_id: str | None = None
        self._code_cycle: tuple[str, int] = ("", -1)
        self.draft = Draft(self)
        self.finder = MessageFinder(self, lambda: self.chat.session)

    # -- parts -----------------------------------------------------------------------------

    @property
    def chat(self) -> ChatScreen:
        return cast("ChatScreen", self.screen)

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

    def _busy(self) -> bool:
        """True (and says so) when the shown session's reply is streaming."""
        chat = self.chat
        if chat.session is not None and chat.waiting_for_key(chat.session.id):
            self.notify("The key is still being fetched: Esc cancels.", severity="warning")
            return True
        if chat.session is not None and chat.app.replies.is_streaming(chat.session.id):
            self.notify("A reply is still streaming: Esc stops it.", severity="warning")
            return True
        return False

    def _selected(self) -> Message | None:
        session = self.chat.session
        if session is None or self._selected_id is None:
            return None
        return next((m for m in session.messages if m.id == self._selected_id), None)

    def _target(self, role: str | None = None) -> Message | None:
        """The selected message (of `role`, when given), else the last one of that role."""
        session = self.chat.session
        if session is None:
            return None
        selected = self._selected()
        if selected is not None and (role is None or selected.role == role):
            return selected
        return last_of_role(session, role)

    # -- sending ---------------------------------------------------------------------------

    async def send(self, raw: str) -> None:
        """Send what the user typed (slash commands already ran) as the next message, or
        as a new branch while editing; say why not when it cannot go (the text stays)."""
        chat, replies = self.chat, self.chat.app.replies
        session = chat.session
        if session is None or self._busy():
            return
        text = strip_control(raw).strip("\n")
        problem = self.draft.attachments_problem()
        if problem:
            self.notify(problem, title="Not sent", severity="error", timeout=10)
            return
        if not chat.provider_ready(session):  # no key, or the provider is gone: said
            return
        problem = replies.problem_before_sending(session, text)
        if problem:  # e.g. JSON mode without the word "json": say so now, not after a 400
            self.notify(problem, title="Not sent", severity="warning", timeout=12)
            return
        if not chat.context_fits(session, text):  # offers another strategy; the text stays
            return
        if replies.key_pending(session):  # its api_key_cmd runs in a worker
            await self._send_after_key(session, text)
            return
        message = await self._add_user_message(session, text)
        if await self.start_reply(session):
            self.prompt.clear()  # only once the words are on disk
            self._message_sent()
        else:
            await self._undo_user_message(session, message)

    async def _add_user_message(self, session: Session, text: str) -> Message:
        added = self.conversation.add_user_message(
            session, text, list(self.draft.images), self.draft.edited
        )
        if added.forked:
            await self.view.sync_path(session)
            self.view.refresh_alternatives()
        else:
            await self.view.add_message(added.message)
        return added.message

    async def _undo_user_message(self, session: Session, message: Message) -> None:
        """Take back a user message whose reply could not start (nothing was sent)."""
        self.conversation.take_back(session, message, self.draft.edited)
        await self.view.sync_path(session)
        self.view.refresh_alternatives()

    def _message_sent(self) -> None:
        """The reply started: the edit and the attachments are done with."""
        self.draft.sent()
        self._selected_id = None
        self._show_selection()

    async def start_reply(self, session: Session, continue_reply: Message | None = None) -> bool:
        """Start a reply in the shown `session` (or the rest of `continue_reply`) and let
        the screen follow it; False, said, when it cannot start."""
        chat = self.chat
        try:
            live = chat.app.replies.start(session, continue_reply)
        except ProviderUnavailable as exc:
            chat.refuse(f"{exc.problem} Your text is still in the prompt.")
            return False
        except OSError as exc:
            self.notify(
                f"Could not save the session, nothing was sent: {exc}. Your text is still in "
                "the prompt.",
                title="Save failed",
                severity="error",
            )
            return False
        widget = self.view.reply_widget(live.message.id)
        if widget is None:
            await self.view.add_message(live.message)
        else:  # continued: the rest streams into the reply that is there
            widget.refresh_note()
        self.conversation.reply_started(session)
        await chat.follow_live(live)
        return True

    async def _send_after_key(self, session: Session, text: str) -> None:
        """Send `text` once the key command has printed the key. The message shows in the
        conversation at once and the prompt is free for the next one; Esc or a failure
        puts it back in the prompt (before anything typed meanwhile)."""
        chat = self.chat
        message = await self._add_user_message(session, text)
        waiting = self.draft.waiting(message, text)
        self.prompt.clear()
        self._message_sent()

        async def proceed() -> None:
            if chat.session is session:
                if not await self.start_reply(session):
                    await self._give_back(session, waiting)
                return
            try:  # the user moved to another session meanwhile: the reply streams there
                chat.app.replies.start(session)
            except (OSError, ProviderUnavailable) as exc:
                await self._give_back(session, waiting)
                self.notify(str(exc), title="Not sent", severity="error", markup=False)
                return
            self.conversation.reply_started(session)

        chat.after_key(session, proceed, give_back=lambda: self._give_back(session, waiting))

    async def _give_back(self, session: Session, waiting: WaitingMessage) -> None:
        """Take a message whose reply never started out of its session and put its text
        back in the prompt, before what was typed since. In a session no longer shown it
        stays, unanswered (Ctrl+R there sends it)."""
        if session.get(waiting.message.id) is not waiting.message:
            return
        if self.chat.session is not session:
            await self.conversation.keep_unanswered(session)
            self.notify(
                f"Your message stays in “{session.title}”, unanswered: Ctrl+R there sends it.",
                timeout=10,
            )
            return
        if self.draft.editing is None:
            self.draft.editing = waiting.editing
        await self._undo_user_message(session, waiting.message)
        self.draft.give_back(waiting)

    # -- the screen's hooks ----------------------------------------------------------------

    def session_shown(self) -> None:
        """Another session is shown: what belonged to the last one goes."""
        if self.draft.editing is not None:
            self.draft.cancel_edit()
        self._selected_id = None
        self._code_cycle = ("", -1)
        if self.finder.is_open:
            self.finder.run()

    def cancel_message_state(self) -> bool:
        """Esc: cancel an edit, else clear the message selection. True when it did."""
        if self.draft.editing is not None:
            self.draft.cancel_edit()
            self.notify("Edit cancelled.", timeout=2)
            return True
        if self._selected_id is not None:
            self._selected_id = None
            self._show_selection()
            return True
        return False

    # -- the path --------------------------------------------------------------------------

    async def _path_changed(self, session: Session, focus: Message | None = None) -> None:
        """Show the session's current path after a tree operation (only what changed is
        mounted again), its alternatives, and the reasoning of its last reply."""
        view = self.view
        selected = self._selected_id
        focused = self.screen.focused
        focused_in_view = focused is not None and view in focused.ancestors
        await view.sync_path(session)
        self._selected_id = selected  # not the message focus fell on when one was removed
        view.refresh_alternatives()
        await self.thinking.show(session.last_reply)
        if self._selected_id and self._selected() is None:
            self._selected_id = None
        self._code_cycle = ("", -1)
        if focus is not None:
            widget = view.message_widget(focus.id)
            if widget is not None:
                view.scroll_to_widget(widget, animate=False)
        self._show_selection()
        if focused_in_view:
            widget = view.message_widget(self._selected_id or "")
            if widget is not None:
                widget.focus(scroll_visible=False)
            else:
                self.prompt.focus()
        if self.finder.is_open:
            self.finder.run(keep_position=True)

    def _show_selection(self) -> None:
        for widget in self.view.message_widgets():
            widget.set_class(widget.message.id == self._selected_id, "-selected")

    @on(MessageFocused)
    def _message_focused(self, event: MessageFocused) -> None:
        self._selected_id = event.message.id
        self._show_selection()

    @on(AssistantMessage.Selected)
    async def _reply_selected(self, event: AssistantMessage.Selected) -> None:
        """A focused reply shows its reasoning in the thinking pane."""
        message, thinking = event.reply.message, self.thinking
        if thinking.message is message:
            if thinking.display and not thinking.is_live:
                thinking.set_collapsed(False)
            return
        if message.status == "streaming":
            return
        await thinking.show(message)
        if message.reasoning:
            thinking.set_collapsed(False)

    async def _move_selection(self, step: int) -> None:
        view = self.view
        widgets = view.message_widgets()
        if not widgets:
            return
        ids = [w.message.id for w in widgets]
        if self._selected_id in ids:
            index = ids.index(self._selected_id) + step
        else:
            index = len(ids) - 1 if step < 0 else len(ids)
        if index < 0 and view.first_shown:
            before = len(widgets)
            await view.show_earlier()
            widgets = view.message_widgets()
            index += len(widgets) - before
        if not 0 <= index < len(widgets):
            if index >= len(widgets):
                self._selected_id = None
                self._show_selection()
            return
        widget = widgets[index]
        view.unfold_all()
        self._selected_id = widget.message.id
        self._code_cycle = ("", -1)
        self._show_selection()
        view.scroll_to_widget(
            widget, animate=False, top=widget.outer_size.height > view.size.height
        )
        if not self.prompt.has_focus:
            widget.focus(scroll_visible=False)

    async def action_select_previous_message(self) -> None:
        await self._move_selection(-1)

    async def action_select_next_message(self) -> None:
        await self._move_selection(1)

    # -- alternatives, regenerate, continue ------------------------------------------------

    async def _flip(self, message: Message | None, step: int) -> None:
        session = self.chat.session
        if session is None or message is None or self._busy():
            return
        shown = await self.conversation.flip(session, message, step)
        if isinstance(shown, Refusal):
            self.notify(shown.text, timeout=shown.seconds)
            return
        if self._selected_id == message.id:
            self._selected_id = shown.id
        await self._path_changed(session, focus=shown)

    def _alternatives_target(self) -> Message | None:
        session = self.chat.session
        selected = self._selected()
        if selected is not None or session is None:
            return selected
        return session.last_reply

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
        if session is None or self._busy():
            return
        target = self._selected() or self._target()
        if target is None:
            self.notify("Nothing to regenerate yet.")
            return
        await self.chat.when_ready(session, lambda: self._regenerate(session, target))

    async def _regenerate(self, session: Session, target: Message) -> None:
        if self.chat.session is not session or session.get(target.id) is not target:
            return  # the user moved on while the key was fetched
        before = self.conversation.rewind_for_reply(session, target)
        self._selected_id = None
        await self._path_changed(session)
        if not await self.start_reply(session):
            self.conversation.rewind_back(session, before)
            await self._path_changed(session)
            return
        self.view.refresh_alternatives()

    async def action_continue_reply(self) -> None:
        """Ask the model to go on with a stopped or cut-off reply; the rest is appended to the
        same reply (see tui_chat.core.continuation)."""
        session = self.chat.session
        if session is None or self._busy():
            return
        reply = self._target("assistant")
        refusal = self.conversation.continue_refusal(session, reply)
        if refusal is not None or reply is None:
            self.notify(refusal.text if refusal else "")
            return
        await self.chat.when_ready(session, lambda: self._continue(session, reply))

    async def _continue(self, session: Session, reply: Message) -> None:
        if self.chat.session is not session or session.messages[-1] is not reply:
            return  # the user moved on while the key was fetched
        await self.start_reply(session, continue_reply=reply)

    # -- edit and delete -------------------------------------------------------------------

    def action_edit_message(self) -> None:
        """Put the selected (or last) user message in the prompt; Enter sends it as a new
        branch, Esc cancels and gives back what the prompt held."""
        if self.chat.session is None or self._busy():
            return
        message = self._target("user")
        if message is None:
            self.notify("There is no message of yours to edit yet.")
            return
        self.draft.edit(message)

    def action_delete_message(self) -> None:
        """Delete the selected message (or the last question) with what follows it, after a
        confirmation that says how much goes."""
        from tui_chat.ui.screens.confirm import ConfirmScreen

        session = self.chat.session
        if session is None or self._busy():
            return
        message = self._selected() or self._target("user")
        if message is None:
            self.notify("There is no message to delete.")
            return

        async def answered(confirmed: bool | None) -> None:
            if not confirmed or self.chat.session is not session or self._busy():
                return
            if session.get(message.id) is not message:
                return
            removed = await self.conversation.delete(session, message)
            edited = self.draft.edited
            if edited is not None and session.get(edited.id) is None:
                self.draft.cancel_edit()
            self._selected_id = None
            await self._path_changed(session)
            count = len(removed)
            self.notify(f"Deleted {count} message{'s' if count != 1 else ''}.", timeout=3)

        question = delete_question(session, message)
        self.app.push_screen(ConfirmScreen(question, "Delete", "Keep"), answered)

    @on(DeleteRequested)
    def _delete_requested(self, event: DeleteRequested) -> None:
        event.stop()
        self.action_delete_message()

    # -- copy, select text, attach ---------------------------------------------------------

    def action_copy_message(self) -> None:
        """Copy the selected message (or the last reply), Markdown source as it is."""
        message = self._selected() or self._target("assistant") or self._target()
        if message is None or not message.content:
            self.notify("There is no message to copy.")
            return
        what = "reply" if message.role == "assistant" else "message"
        copy_text(self.app, message.content, f"the {what} ({len(message.content)} characters)")

    def action_copy_code(self) -> None:
        """Copy a code block of the selected message (or the last reply with code); pressed
        again, the next block."""
        session = self.chat.session
        if session is None:
            return
        message = self._selected() or next(
            (
                m
                for m in reversed(session.messages)
                if m.role == "assistant" and code_blocks(m.content)
            ),
            None,
        )
        blocks = code_blocks(message.content) if message is not None else []
        if message is None or not blocks:
            self.notify("No code block to copy here.")
            return
        last_id, last_index = self._code_cycle
        index = (last_index + 1) % len(blocks) if last_id == message.id else 0
        self._code_cycle = (message.id, index)
        language, code = blocks[index]
        copy_text(self.app, code, code_block_said(language, code, index, len(blocks)))
        mark_code_block(self, self.view, message, index)

    def action_select_text(self) -> None:
        """Open the selected message (or the last reply) read-only, to copy any part."""
        from tui_chat.ui.screens.message_modals import SelectTextScreen

        message = self._selected() or self._target("assistant") or self._target()
        if message is None:
            self.notify("There is no message to select text from.")
            return
        title = "Your message" if message.role == "user" else f"Reply · {message.model or ''}"
        self.app.push_screen(SelectTextScreen(message.content, title))

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

    @on(FindBar.Changed)
    async def _find_changed(self, event: FindBar.Changed) -> None:
        event.stop()
        self.finder.run()
        await self.finder.show_match()

    @on(FindBar.Step)
    async def _find_step(self, event: FindBar.Step) -> None:
        event.stop()
        await self.finder.step(event.step)

    @on(FindBar.Closed)
    def _find_closed(self, event: FindBar.Closed) -> None:
        event.stop()
        self.finder.close()
        self.prompt.focus()
