"""Message operations of the main screen: alternatives, regenerate, continue, edit and
resend, delete, select, copy, select text, find in the session, attach images.

`MessageActions` is a mixin of ChatScreen; its bindings are in MESSAGE_BINDINGS, which
ChatScreen adds to its own (Textual merges BINDINGS only of DOMNode classes).

Find highlights at two levels, both reliable with streamed and re-rendered Markdown:
every message with a match gets the `-find-match` class, the current one `-find-current`;
in the current message the Markdown block holding the match gets `-find-block` and is
scrolled to. User messages (plain text) also get the matched text itself highlighted.
Replies are not highlighted character by character: their blocks are rebuilt by the
Markdown widget on every render, which would drop such styling.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static
from textual.widgets.markdown import MarkdownBlock

from tui_chat.core.attachments import AttachmentError, display_name, read_image
from tui_chat.core.continuation import can_continue
from tui_chat.core.find_matches import Matches
from tui_chat.core.sanitize import one_line
from tui_chat.core.session import Message, Session
from tui_chat.core.store.session_store import SessionSummary
from tui_chat.services.clipboard import copy_text
from tui_chat.ui.render.stream_markdown import markdown_parser
from tui_chat.ui.widgets.find_bar import FindBar
from tui_chat.ui.widgets.messages import AssistantMessage, FlipRequested, UserMessage

if TYPE_CHECKING:
    from tui_chat.ui.screens.chat import ChatScreen

# Alt+letter arrives with the letter as its character, so a focused text box (the prompt)
# would type it: those bindings take priority. None of them is a text box's own key.
MESSAGE_BINDINGS = [
    Binding(
        "alt+r", "regenerate", "Regenerate reply", id="reply.regenerate", show=False, priority=True
    ),
    Binding(
        "alt+g", "continue_reply", "Continue reply", id="reply.continue", show=False, priority=True
    ),
    Binding(
        "alt+left", "previous_alternative", "Previous alternative", id="reply.previous", show=False
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
    Binding("alt+y", "copy_message", "Copy message", id="message.copy", show=False, priority=True),
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
        "alt+d", "delete_message", "Delete message", id="message.delete", show=False, priority=True
    ),
    Binding("ctrl+f", "find", "Find", id="message.find", show=False),
    Binding("alt+n", "find_next", "Find next", id="message.find_next", show=False, priority=True),
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

@dataclass
class Editing:
    """An earlier user message being edited in the prompt, and what the prompt held."""

    message: Message
    saved_text: str
    saved_images: list[str]


def code_blocks(markdown: str) -> list[tuple[str, str]]:
    """(language, code) of each fenced or indented code block, in document order."""
    blocks = []
    for token in markdown_parser().parse(markdown):
        if token.type in ("fence", "code_block"):
            blocks.append((token.info.strip().split(" ")[0] if token.info else "", token.content))
    return blocks


def preview(message: Message, width: int = 40) -> str:
    return one_line(message.content, width) or "(no text)"


class MessageActions:
    """Mixin of ChatScreen (see the module docstring)."""

    def _init_message_actions(self) -> None:
        self._selected_id: str | None = None
        self._editing: Editing | None = None
        self._pending_images: list[str] = []
        self._code_cycle: tuple[str, int] = ("", -1)
        self._matches = Matches()
        self._match_index = -1
        self._find_pattern: re.Pattern[str] | None = None

    # -- helpers -------------------------------------------------------------------------------

    @property
    def _screen(self) -> ChatScreen:
        return self  # type: ignore[return-value]

    def _busy(self) -> bool:
        """True (and says so) when the shown session's reply is streaming."""
        screen = self._screen
        if screen.session is not None and screen.key_wait.waiting(screen.session.id):
            screen.notify("The key is still being fetched: Esc cancels.", severity="warning")
            return True
        if screen.session is not None and screen.app.replies.is_streaming(screen.session.id):
            screen.notify("A reply is still streaming: Esc stops it.", severity="warning")
            return True
        return False

    def _selected(self) -> Message | None:
        session = self._screen.session
        if session is None or self._selected_id is None:
            return None
        return next((m for m in session.messages if m.id == self._selected_id), None)

    def _target(self, role: str | None = None) -> Message | None:
        """The selected message (of `role`, when given), else the last one of that role."""
        session = self._screen.session
        if session is None:
            return None
        selected = self._selected()
        if selected is not None and (role is None or selected.role == role):
            return selected
        for message in reversed(session.messages):
            if role is None or message.role == role:
                return message
        return None

    def _save(self, session: Session) -> bool:
        screen = self._screen
        try:
            screen.app.store.save(session)
        except OSError as exc:
            screen.notify(f"Could not save the session: {exc}", severity="error")
            return False
        screen.sessions.upsert(SessionSummary.of(session))
        return True

    async def _path_changed(self, session: Session, focus: Message | None = None) -> None:
        """Show the session's current path after a tree operation (only what changed is
        mounted again), its alternatives, and the reasoning of its last reply."""
        screen = self._screen
        selected = self._selected_id
        focused_in_view = screen.focused is not None and screen.view in screen.focused.ancestors
        await self._sync_view(session)
        self._selected_id = selected  # not the message focus fell on when one was removed
        screen.view.refresh_alternatives()
        await screen.thinking.show(session.last_reply)
        screen._refresh_status()
        if self._selected_id and self._selected() is None:
            self._selected_id = None
        self._code_cycle = ("", -1)
        if focus is not None:
            widget = screen.view.message_widget(focus.id)
            if widget is not None:
                screen.view.scroll_to_widget(widget, animate=False)
        self._show_selection()
        if focused_in_view:
            widget = screen.view.message_widget(self._selected_id or "")
            if widget is not None:
                widget.focus(scroll_visible=False)
            else:
                screen.prompt.focus()
        if screen.query_one(FindBar).display:
            self._run_find(keep_position=True)

    async def _sync_view(self, session: Session) -> None:
        """Remove the shown messages from where they leave the current path; mount the
        rest of the path after them (within the window of messages shown)."""
        await self._screen.view.sync_path(session)

    def _show_selection(self) -> None:
        for widget in self._screen.view.message_widgets():
            widget.set_class(widget.message.id == self._selected_id, "-selected")

    def _refresh_prompt_info(self) -> None:
        """The line above the prompt: an edit in progress, and attached images."""
        lines: list[str] = []
        if self._editing is not None:
            lines.append(
                f"✎ Editing “{preview(self._editing.message)}” — Enter sends it as a new "
                "branch (the old one is kept) · Esc cancels"
            )
        if self._pending_images:
            chips = "  ".join(f"[image: {display_name(a)}]" for a in self._pending_images)
            lines.append(f"{chips}   (Ctrl+O to add or remove)")
        info = self._screen.query_one("#prompt-info", Static)
        info.update(Content("\n".join(lines)))
        info.display = bool(lines)
        info.set_class(self._editing is not None, "-editing")

    # -- hooks called by ChatScreen -----------------------------------------------------------

    def attachments_problem(self) -> bool:
        """Check the attached files before sending; says what is wrong and returns True when
        one cannot be sent (the prompt keeps the text)."""
        for reference in self._pending_images:
            if "://" in reference:
                continue
            try:
                read_image_path(reference)
            except AttachmentError as problem:
                self._screen.notify(str(problem), title="Not sent", severity="error", timeout=10)
                return True
        return False

    async def add_user_message(self, session: Session, text: str) -> Message:
        """Add what the user sends: a new turn, or, while editing, a new branch beside the
        edited message."""
        screen = self._screen
        images = list(self._pending_images)
        editing = self._editing
        if editing is not None and session.get(editing.message.id) is editing.message:
            message = session.fork(editing.message, text, attachments=images)
            await self._sync_view(session)
            screen.view.refresh_alternatives()
        else:
            message = session.add(Message(role="user", content=text, attachments=images))
            await screen.view.add_message(message)
        return message

    async def undo_user_message(self, session: Session, message: Message) -> None:
        """Take back a user message whose reply could not start (nothing was sent)."""
        editing = self._editing
        session.delete(message)
        if editing is not None and session.get(editing.message.id) is not None:
            session.switch_to(editing.message.id)
        await self._sync_view(session)
        self._screen.view.refresh_alternatives()

    def message_sent(self) -> None:
        """The reply started: the edit and the attachments are done with."""
        self._editing = None
        self._pending_images = []
        self._selected_id = None
        self._show_selection()
        self._refresh_prompt_info()

    def session_shown(self) -> None:
        """Another session is shown: what belonged to the last one goes."""
        if self._editing is not None:
            self._cancel_edit()
        self._selected_id = None
        self._code_cycle = ("", -1)
        if self._screen.query_one(FindBar).display:
            self._run_find()

    def cancel_message_state(self) -> bool:
        """Esc: cancel an edit, else clear the message selection. True when it did."""
        if self._editing is not None:
            self._cancel_edit()
            self._screen.notify("Edit cancelled.", timeout=2)
            return True
        if self._selected_id is not None:
            self._selected_id = None
            self._show_selection()
            return True
        return False

    def _cancel_edit(self) -> None:
        editing = self._editing
        if editing is None:
            return
        self._editing = None
        self._pending_images = editing.saved_images
        self._screen.prompt.load_text(editing.saved_text)
        self._screen.prompt.move_cursor(self._screen.prompt.document.end)
        self._refresh_prompt_info()

    # -- selection -----------------------------------------------------------------------------

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        widget = event.widget
        if isinstance(widget, UserMessage | AssistantMessage):
            self._selected_id = widget.message.id
            self._show_selection()

    async def _move_selection(self, step: int) -> None:
        screen = self._screen
        view = screen.view
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
        if not screen.prompt.has_focus:
            widget.focus(scroll_visible=False)

    async def action_select_previous_message(self) -> None:
        await self._move_selection(-1)

    async def action_select_next_message(self) -> None:
        await self._move_selection(1)

    # -- alternatives --------------------------------------------------------------------------

    async def _flip(self, message: Message | None, step: int) -> None:
        screen = self._screen
        session = screen.session
        if session is None or message is None or self._busy():
            return
        siblings = session.alternatives(message)
        if len(siblings) < 2:
            what = "reply" if message.role == "assistant" else "message"
            screen.notify(f"This {what} has no alternatives.", timeout=3)
            return
        shown = session.flip(message, step)
        if shown is None:
            screen.notify("No more alternatives that way.", timeout=2)
            return
        if self._selected_id == message.id:
            self._selected_id = shown.id
        self._save(session)
        await self._path_changed(session, focus=shown)

    async def action_previous_alternative(self) -> None:
        await self._flip(self._alternatives_target(), -1)

    async def action_next_alternative(self) -> None:
        await self._flip(self._alternatives_target(), 1)

    def _alternatives_target(self) -> Message | None:
        selected = self._selected()
        if selected is not None:
            return selected
        session = self._screen.session
        return session.last_reply if session is not None else None

    async def on_flip_requested(self, event: FlipRequested) -> None:
        event.stop()
        await self._flip(event.message, event.step)

    # -- regenerate and continue ---------------------------------------------------------------

    async def action_regenerate(self) -> None:
        """A new reply to the selected reply's question (or the last one); the old reply
        stays as an alternative. After a question without a reply: its reply."""
        screen = self._screen
        session = screen.session
        if session is None or self._busy():
            return
        selected = self._selected()
        target = selected if selected is not None else self._target()
        if target is None:
            screen.notify("Nothing to regenerate yet.")
            return
        await screen.key_wait.when_ready(session, lambda: self._regenerate(session, target))

    async def _regenerate(self, session: Session, target: Message) -> None:
        screen = self._screen
        if screen.session is not session or session.get(target.id) is not target:
            return  # the user moved on while the key was fetched
        before = session.messages[-1]
        if target.role == "assistant":
            if not target.content.strip() and target.status != "complete":
                session.delete(target)  # a failed reply without text: nothing to keep
            else:
                session.rewind_to(target.parent_id)
        else:
            session.rewind_to(target.id)
        self._selected_id = None
        await self._path_changed(session)
        if not await screen._start_reply(session):
            if session.get(before.id) is not None:
                session.switch_to(before.id)
            await self._path_changed(session)
            return
        screen.view.refresh_alternatives()

    async def action_continue_reply(self) -> None:
        """Ask the model to go on with a stopped or cut-off reply; the rest is appended to the
        same reply (see tui_chat.core.continuation)."""
        screen = self._screen
        session = screen.session
        if session is None or self._busy():
            return
        reply = self._target("assistant")
        if reply is None or not can_continue(reply):
            screen.notify("Only a stopped or cut-off reply with some text can be continued.")
            return
        if session.messages[-1] is not reply:
            screen.notify("Only the last reply can be continued: flip to its branch end first.")
            return
        await screen.key_wait.when_ready(session, lambda: self._continue(session, reply))

    async def _continue(self, session: Session, reply: Message) -> None:
        screen = self._screen
        if screen.session is not session or session.messages[-1] is not reply:
            return  # the user moved on while the key was fetched
        await screen._start_reply(session, continue_reply=reply)

    # -- edit and delete -----------------------------------------------------------------------

    def action_edit_message(self) -> None:
        """Put the selected (or last) user message in the prompt; Enter sends it as a new
        branch, Esc cancels and gives back what the prompt held."""
        screen = self._screen
        if screen.session is None or self._busy():
            return
        message = self._target("user")
        if message is None:
            screen.notify("There is no message of yours to edit yet.")
            return
        if self._editing is None:
            saved_text, saved_images = screen.prompt.text, list(self._pending_images)
        else:
            saved_text, saved_images = self._editing.saved_text, self._editing.saved_images
        self._editing = Editing(message, saved_text, saved_images)
        self._pending_images = list(message.attachments)
        screen.prompt.load_text(message.content)
        screen.prompt.move_cursor(screen.prompt.document.end)
        screen.prompt.focus()
        self._refresh_prompt_info()

    def action_delete_message(self) -> None:
        """Delete the selected message (or the last question) with what follows it, after a
        confirmation that says how much goes."""
        from tui_chat.ui.screens.confirm import ConfirmScreen

        screen = self._screen
        session = screen.session
        if session is None or self._busy():
            return
        message = self._selected() or self._target("user")
        if message is None:
            screen.notify("There is no message to delete.")
            return
        doomed = session.subtree(message)
        if message.role == "user":
            replies = [m for m in doomed if m.parent_id == message.id]
            question = f"Delete your message “{preview(message)}”"
            if replies:
                question += (
                    " and its reply" if len(replies) == 1 else f" and its {len(replies)} replies"
                )
        else:
            question = f"Delete this reply “{preview(message)}”"
            replies = []
        later = len(doomed) - 1 - len(replies)
        if later > 0:
            question += f", and the {later} message{'s' if later != 1 else ''} after it"
            question += " (in every branch)"
        question += "? This cannot be undone."

        async def answered(confirmed: bool | None) -> None:
            if not confirmed or screen.session is not session or self._busy():
                return
            if session.get(message.id) is not message:
                return
            removed = session.delete(message)
            if self._editing is not None and session.get(self._editing.message.id) is None:
                self._cancel_edit()
            self._selected_id = None
            self._save(session)
            await self._path_changed(session)
            count = len(removed)
            screen.notify(f"Deleted {count} message{'s' if count != 1 else ''}.", timeout=3)

        screen.app.push_screen(ConfirmScreen(question, "Delete", "Keep"), answered)

    # -- copy and select -----------------------------------------------------------------------

    def action_copy_message(self) -> None:
        """Copy the selected message (or the last reply), Markdown source as it is."""
        screen = self._screen
        message = self._selected() or self._target("assistant") or self._target()
        if message is None or not message.content:
            screen.notify("There is no message to copy.")
            return
        what = "reply" if message.role == "assistant" else "message"
        copy_text(screen.app, message.content, f"the {what} ({len(message.content)} characters)")

    def action_copy_code(self) -> None:
        """Copy a code block of the selected message (or the last reply with code); pressed
        again, the next block."""
        screen = self._screen
        session = screen.session
        if session is None:
            return
        message = self._selected()
        if message is None:
            message = next(
                (
                    m
                    for m in reversed(session.messages)
                    if m.role == "assistant" and code_blocks(m.content)
                ),
                None,
            )
        blocks = code_blocks(message.content) if message is not None else []
        if message is None or not blocks:
            screen.notify("No code block to copy here.")
            return
        last_id, last_index = self._code_cycle
        index = (last_index + 1) % len(blocks) if last_id == message.id else 0
        self._code_cycle = (message.id, index)
        language, code = blocks[index]
        lines = len(code.splitlines())
        kind = f"{language} " if language else ""
        plural = "s" if lines != 1 else ""
        said = f"code block {index + 1}/{len(blocks)} ({kind}{lines} line{plural})"
        copy_text(screen.app, code, said)
        self._mark_code_block(message, index)

    def _mark_code_block(self, message: Message, index: int) -> None:
        from textual.widgets.markdown import MarkdownFence

        view = self._screen.view
        for fence in view.query(".-code-selected"):
            fence.remove_class("-code-selected")
        widget = view.message_widget(message.id)
        if not isinstance(widget, AssistantMessage):
            return
        if widget.has_pending_blocks:  # a fast reply just ended: its blocks are still mounting
            self._after_pending(widget, lambda: self._mark_code_block(message, index))
            return
        fences = list(widget.body.query(MarkdownFence))
        view.unfold_all()
        if index < len(fences):
            fences[index].add_class("-code-selected")
            view.scroll_to_widget(fences[index], animate=False)

    def action_select_text(self) -> None:
        """Open the selected message (or the last reply) read-only, to copy any part."""
        from tui_chat.ui.screens.message_modals import SelectTextScreen

        screen = self._screen
        message = self._selected() or self._target("assistant") or self._target()
        if message is None:
            screen.notify("There is no message to select text from.")
            return
        title = "Your message" if message.role == "user" else f"Reply · {message.model or ''}"
        screen.app.push_screen(SelectTextScreen(message.content, title))

    # -- images -----------------------------------------------------------------------------------

    def action_attach_image(self) -> None:
        """Attach images (paths or URLs) to the next message, or remove them again."""
        from tui_chat.ui.screens.message_modals import AttachScreen

        def chosen(attached: list[str] | None) -> None:
            if attached is not None:
                self._pending_images = attached
                self._refresh_prompt_info()
            self._screen.prompt.focus()

        self._screen.app.push_screen(AttachScreen(self._pending_images), chosen)

    # -- find ----------------------------------------------------------------------------------

    async def action_find(self, text: str = "") -> None:
        """Open the find bar (with `text` as the query, when given) and show the matches."""
        bar = self._screen.query_one(FindBar)
        bar.open(text)
        self._run_find()
        await self._show_match()

    async def action_find_next(self) -> None:
        await self._step_find(1)

    async def action_find_previous(self) -> None:
        await self._step_find(-1)

    async def _step_find(self, step: int) -> None:
        bar = self._screen.query_one(FindBar)
        if not bar.display:
            bar.open()
        if not self._matches:
            return
        self._match_index = (self._match_index + step) % len(self._matches)
        await self._show_match()

    async def on_find_bar_changed(self, event: FindBar.Changed) -> None:
        event.stop()
        self._run_find()
        await self._show_match()

    async def on_find_bar_step(self, event: FindBar.Step) -> None:
        event.stop()
        await self._step_find(event.step)

    def on_find_bar_closed(self, event: FindBar.Closed) -> None:
        event.stop()
        self._matches, self._match_index, self._find_pattern = Matches(), -1, None
        self._clear_find_marks()
        self._screen.prompt.focus()

    def _run_find(self, keep_position: bool = False) -> None:
        """Find the bar's query in the current path (case-insensitive)."""
        screen = self._screen
        bar = screen.query_one(FindBar)
        query = bar.query_text
        session = screen.session
        previous = self._matches[self._match_index] if self._matches else None
        self._find_pattern = re.compile(re.escape(query), re.IGNORECASE) if query else None
        messages = session.messages if session is not None else []
        self._matches = Matches(messages, self._find_pattern)
        self._match_index = len(self._matches) - 1  # the newest first
        if keep_position and previous is not None:
            kept = self._matches.index_of(previous)
            self._match_index = self._match_index if kept is None else kept
        self._mark_matches()
        bar.show_count(self._match_index + 1, len(self._matches))

    def _clear_find_marks(self) -> None:
        view = self._screen.view
        for widget in view.query(".-find-match, .-find-current, .-find-block"):
            widget.remove_class("-find-match", "-find-current", "-find-block")
        for user in view.query(UserMessage):
            user.set_highlight(None)
        view.mark_found(set(), None)

    def _mark_matches(self) -> None:
        self._clear_find_marks()
        matched = self._matches.message_ids()
        self._screen.view.mark_found(matched, self._find_pattern)  # for messages paged in
        for widget in self._screen.view.message_widgets():
            hit = widget.message.id in matched
            widget.set_class(hit, "-find-match")
            if isinstance(widget, UserMessage):
                widget.set_highlight(self._find_pattern if hit else None)

    async def _show_match(self) -> None:
        """Scroll to the current match (mounting a window around it when it is not)."""
        screen = self._screen
        bar = screen.query_one(FindBar)
        bar.show_count(self._match_index + 1, len(self._matches))
        if not self._matches or screen.session is None:
            return
        match = self._matches[self._match_index]
        view = screen.view
        widget = await view.show_message(match.message.id)
        if widget is None:
            return
        view.unfold_all()  # while a reply streams, messages far above are folded away
        for old in view.query(".-find-current, .-find-block"):
            old.remove_class("-find-current", "-find-block")
        widget.add_class("-find-current")
        target: Widget = widget
        if isinstance(widget, AssistantMessage) and widget.has_pending_blocks:
            self._after_pending(widget, self._show_match)  # then to the block with the match
        elif isinstance(widget, AssistantMessage):
            block = self._block_of(widget, match.occurrence)
            if block is not None:
                block.add_class("-find-block")
                target = block
        view.scroll_to_widget(target, animate=False, center=True)
        # Messages just mounted (a new window) are laid out on the next refresh.
        screen.call_after_refresh(view.scroll_to_widget, target, animate=False, center=True)

    def _after_pending(
        self, widget: AssistantMessage, then: Callable[[], Awaitable[None] | None]
    ) -> None:
        """Mount the blocks `widget` still defers (in a worker: it can take a moment), then
        call `then` again."""

        async def mount_then() -> None:
            await widget.show_pending()
            if widget.is_attached and not widget.has_pending_blocks:
                done = then()
                if done is not None:
                    await done

        self._screen.run_worker(
            mount_then(), group="pending-blocks", exclusive=True, exit_on_error=False
        )

    def _block_of(self, widget: AssistantMessage, occurrence: int) -> Widget | None:
        """The innermost Markdown block of `widget` showing the `occurrence`-th match, by
        counting matches in each block's rendered text (Markdown syntax is gone there, so
        counts can differ from the source: then the first block with a match)."""
        pattern = self._find_pattern
        if pattern is None:
            return None
        leaves = [
            block
            for block in widget.body.query(MarkdownBlock)
            if not block.query_children(MarkdownBlock)
        ]
        seen = 0
        first: Widget | None = None
        for block in leaves:
            text = str(block.render()) if not block.children else _widget_text(block)
            count = len(pattern.findall(text))
            if count and first is None:
                first = block
            if seen + count > occurrence:
                return block
            seen += count
        return first


def _widget_text(widget: Widget) -> str:
    return "\n".join(str(child.render()) for child in widget.query(Static))


def read_image_path(reference: str) -> None:
    """Raise AttachmentError when the attached file can no longer be sent."""
    from pathlib import Path

    read_image(Path(reference))
