"""The prompt area at the foot of the conversation: the line about the next message
(`#prompt-info`: attachments, an edit in progress), the slash command list and the prompt.

It owns what belongs to typing: the prompt's keys (`input.*`), prompt history, slash
commands (parsed by `tui_chat.core.slash`, run here), the completion list's values, the
actions only a slash command reaches (/model, /provider, /system, /think, /tools, /help) and
editing the prompt in $EDITOR. Sending belongs to the screen: its `PromptInput.Submitted`
handler asks `before_send` first.

Slash commands run actions by name, on whichever part of the chat screen has them
(`ChatScreen.action_owner`). Some may be missing in a build: then the command says it is
not available.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar, cast

from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding, BindingType
from textual.containers import VerticalGroup
from textual.markup import escape
from textual.widgets import Static
from textual.worker import Worker

from tui_chat.config.provider import DEMO_PROVIDER
from tui_chat.core.image_command import image_command_text, parse_image_command
from tui_chat.core.images import ImageRequest
from tui_chat.core.sanitize import strip_control
from tui_chat.core.sentences import join_sentences
from tui_chat.ui.maths_display import show_maths
from tui_chat.ui.messages import ImageRequested
from tui_chat.ui.widgets.prompt import PromptInput
from tui_chat.ui.widgets.slash_completer import LazySlashPopup
from tui_chat.ui.worker_errors import pass_failure_to_app

if TYPE_CHECKING:
    from tui_chat.config.provider import ProviderConfig
    from tui_chat.core.slash import SlashCommand
    from tui_chat.ui.app import TuiChatApp
    from tui_chat.ui.model_lists import ModelLists
    from tui_chat.ui.screens.chat import ChatScreen
    from tui_chat.ui.widgets.slash_popup import SlashPopup

PROMPT_PLACEHOLDER = "Message… (Enter sends, Ctrl+J new line)"


class PromptArea(VerticalGroup):
    """`#prompt-info`, the slash command list and the prompt, wired together."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+g",
            "open_editor",
            "Edit in $EDITOR",
            id="input.editor",
            show=False,
            tooltip="Edit the prompt in $VISUAL / $EDITOR; the text comes back to the prompt",
        ),
    ]

    app: TuiChatApp

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._models: ModelLists | None = None
        """See `models`."""

    def compose(self) -> ComposeResult:
        yield Static("", id="prompt-info")
        prompt = PromptInput(id="prompt", placeholder=PROMPT_PLACEHOLDER)
        prompt.history_source = self._prompt_history
        prompt.completer = LazySlashPopup(self)  # the slash command list, on the first "/"
        yield prompt

    @property
    def chat(self) -> ChatScreen:
        """The chat screen this area belongs to (the shown session, the other actions)."""
        return cast("ChatScreen", self.screen)

    @property
    def prompt(self) -> PromptInput:
        return self.query_one(PromptInput)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        pass_failure_to_app(self, event)  # the App has the one handler (worker_errors)

    def _prompt_history(self) -> tuple[object, Sequence[str]]:
        """The user's prompts in the shown session, oldest first."""
        session = self.chat.session
        if session is None:
            return None, []
        return session.id, [
            # an /image question comes back as the command that asked for it
            image_command_text(m.image_request) if m.image_request else m.content
            for m in session.messages
            if m.role == "user" and isinstance(m.content, str)
        ]

    # -- slash commands --------------------------------------------------------------------

    def available_commands(self) -> tuple[SlashCommand, ...]:
        """The commands whose actions exist in this build."""
        from tui_chat.core import slash

        chat = self.chat
        return tuple(c for c in slash.COMMANDS if chat.action_owner(c.action) is not None)

    async def before_send(self, text: str) -> str | None:
        """Called first when the user presses Enter. A slash command is run here and
        nothing is sent (None); `//…` sends the text with one `/` less."""
        from tui_chat.core import slash  # here: the first screen does without it

        if not slash.is_command(text.lstrip(" ")):
            return slash.unescape(text)
        parsed = slash.parse(text)
        if isinstance(parsed, str):
            # Nothing is sent and the text stays, so a typo can be fixed.
            self.notify(parsed, title="Command", severity="warning", timeout=8)
            return None
        if parsed.command.action == "slash_image":
            request = self.image_request(parsed.arg)
            if isinstance(request, str):  # checked before the prompt is cleared: text kept
                self.notify(request, title="Command", severity="warning", timeout=12, markup=False)
            else:  # the prompt is cleared once the question is on disk and the turn started
                self.post_message(ImageRequested(request, typed=True))
            return None
        await self.run_command(parsed.command, parsed.arg, from_prompt=True)
        return None

    async def run_command(
        self, command: SlashCommand, arg: str = "", from_prompt: bool = False
    ) -> bool:
        """Run `command`'s action; False (and said) when this build does not have it.
        `from_prompt`: the command was typed, so the prompt is cleared before it runs
        (the action may put text there, as /editor does)."""
        target = self.chat.action_owner(command.action)
        if target is None:
            self.notify(
                f"/{command.name} is not available in this version of tui-chat.",
                title="Command",
                severity="warning",
            )
            return False
        method = getattr(target, f"action_{command.action}")
        if from_prompt:
            self.prompt.clear()
            self.prompt.reset_history()
        takes_argument = _takes_argument(method)
        args = [arg] if arg and takes_argument else []
        if arg and not takes_argument:
            self.notify(
                f"/{command.name} does not take text here; it runs without '{arg[:40]}'.",
                title="Command",
            )
        result = method(*args)
        if inspect.isawaitable(result):
            await result
        return True

    def argument_values(self, command: SlashCommand) -> Sequence[str]:
        """What the completion list offers after `/command `: its fixed choices, the
        provider's models for /model, the providers for /provider."""
        if command.choices:
            return command.choices
        session = self.chat.session
        if command.name == "model" and session is not None:
            provider = self.app.config.provider(session.provider)
            if provider is None:
                return ()
            self.models.fetch(provider)  # on first need; the list is redone when it comes
            return self.models.known(provider)
        if command.name == "provider":  # not the demo: it answers only in demo sessions
            return [*self.app.config.providers]
        if command.name == "tools":
            from tui_chat.services.tools_choice import tool_choices

            return ["on", "off", *(f"+{name}" for name in tool_choices(self.app.config))]
        return ()

    def on_slash_popup_chosen(self, event: SlashPopup.Chosen) -> None:
        """An entry was clicked in the completion list."""
        event.stop()
        prompt = self.prompt
        prompt.set_prompt_text(event.text)
        if prompt.completer is not None:
            prompt.completer.close()
        prompt.focus()
        if event.run:
            prompt.post_message(PromptInput.Submitted(prompt, event.text))

    # -- the models /model knows -----------------------------------------------------------

    @property
    def models(self) -> ModelLists:
        """The providers' known models (for /model's completion and its check), made on
        first use: its fetches are workers of this area."""
        if self._models is None:
            from tui_chat.ui.model_lists import ModelLists  # imported when first used

            app = self.app
            self._models = ModelLists(
                self, app.registry, app.paths.models_cache_file, self._models_listed
            )
        return self._models

    def _models_listed(self, provider: ProviderConfig) -> None:
        """A provider's list came: the `/model ` completion list shows it."""
        session, prompt = self.chat.session, self.prompt
        if session is None or session.provider != provider.name or not prompt.has_focus:
            return
        if prompt.text.startswith("/model "):
            prompt.refresh_completion()

    # -- actions behind the commands -------------------------------------------------------

    def action_show_help(self) -> None:
        """F1: every key and slash command."""
        self.app.action_keys()

    def action_slash_model(self, name: str = "") -> None:
        """`/model NAME`: use NAME from the next reply on; any name goes, with a notice
        when the provider's known models do not include it. No name: the picker."""
        chat = self.chat
        session = chat.session
        if session is None:
            return
        name = strip_control(name).strip()
        if not name:
            chat.action_choose_model()
            return
        if name == session.model:
            self.notify(f"This session already uses {name}.", timeout=4)
            return
        chat.settings_flow.apply(session, session.settings.replace(model=name), f"Model: {name}")
        provider = self.app.config.provider(session.provider)
        if provider is not None:
            from tui_chat.ui.model_lists import say_if_unknown

            self.run_worker(
                say_if_unknown(self, self.models, provider, name),
                name="check model",
                exit_on_error=False,
            )

    def action_slash_provider(self, name: str = "") -> None:
        """`/provider NAME`: move the session to provider NAME. No name: the picker."""
        chat = self.chat
        session = chat.session
        if session is None:
            return
        name = strip_control(name).strip()
        if not name:
            chat.action_switch_provider()
            return
        names = [*self.app.config.providers, DEMO_PROVIDER]
        if name not in names:
            self.notify(
                f"No provider called '{name}'. Providers: {', '.join(names)}.",
                title="Provider",
                severity="warning",
                timeout=10,
            )
            return
        if name == session.provider:
            self.notify(f"This session already uses {name}.", timeout=4)
            return
        chat.settings_flow.provider_chosen(name)

    def action_slash_system(self, text: str = "") -> None:
        """`/system TEXT`: this session's system prompt; no text clears it."""
        chat = self.chat
        session = chat.session
        if session is None:
            return
        text = strip_control(text).strip()
        said = "System prompt set for this session." if text else "System prompt cleared."
        chat.settings_flow.apply(session, session.settings.replace(system_prompt=text), said)

    def action_slash_think(self, mode: str = "default") -> None:
        """`/think on|off|default`: ask the provider to switch thinking."""
        chat = self.chat
        session = chat.session
        if session is None:
            return
        said = {
            "on": "Thinking on for this session.",
            "off": "Thinking off for this session.",
        }.get(mode, "Thinking left to the model.")
        chat.settings_flow.apply(session, session.settings.replace(thinking=mode), said)

    def action_slash_maths(self, mode: str) -> None:
        """`/maths on|off`: maths in replies as Unicode or as written, until a reload."""
        show_maths(self.app, mode.lower() == "on", say=True)

    def image_request(self, arg: str) -> ImageRequest | str:
        """`/image`'s argument as a request, with `[images]` size and count as defaults;
        or what is wrong with it, with the usage."""
        return parse_image_command(arg, self.app.config.images)

    def action_slash_image(self, arg: str = "") -> None:
        """`/image [options] PROMPT`: post `ImageRequested` (the chat screen generates the
        images); a problem is said instead."""
        request = self.image_request(arg)
        if isinstance(request, str):
            self.notify(request, title="Command", severity="warning", timeout=12, markup=False)
            return
        self.post_message(ImageRequested(request))

    def action_start_image(self) -> None:
        """The palette's "Image: generate…": `/image ` in the prompt, focused, for the
        prompt to be typed. A draft already there becomes the prompt (nothing is lost)."""
        prompt = self.prompt
        text = prompt.text.lstrip()
        if text.split(maxsplit=1)[:1] != ["/image"]:
            prompt.set_prompt_text(f"/image {text}")
        prompt.focus()

    def action_slash_tools(self, arg: str = "") -> None:
        """`/tools`: say the session's tools; `on`/`off`, `+NAME -NAME` change them."""
        from tui_chat.services.tools_choice import tools_command

        chat = self.chat
        session = chat.session
        if session is None:
            return
        change = tools_command(strip_control(arg), session.settings, self.app.config)
        if change.settings is not None:  # said as markup there: names are escaped
            chat.settings_flow.apply(session, change.settings, escape(change.said))
        elif change.problem:
            self.notify(change.said, title="Tools", severity="warning", timeout=10, markup=False)
        else:
            self.notify(change.said, title="Tools", timeout=10, markup=False)

    # -- $EDITOR ---------------------------------------------------------------------------

    def action_open_editor(self) -> None:
        """Edit the prompt's text in $VISUAL / $EDITOR; it comes back to the prompt (not
        sent). A failing editor keeps the old text."""
        from tui_chat.services.editor import edit_text, editor_command  # imported when used

        prompt = self.prompt
        command = editor_command()
        if command is None:
            self.notify(
                "No editor found: set $VISUAL or $EDITOR (vi and nano are not installed).",
                title="Editor",
                severity="warning",
            )
            return
        before = prompt.text
        try:
            with self.app.suspend():
                result = edit_text(before, command)
        except SuspendNotSupported:
            self.notify(
                "This terminal cannot hand over to an editor.", title="Editor", severity="warning"
            )
            return
        prompt.focus()
        if result.text is None:
            self.notify(
                join_sentences(result.problem, "Your text is unchanged."),
                title="Editor",
                severity="warning",
                timeout=10,
            )
            return
        edited = strip_control(result.text)
        if prompt.text != before:
            # Something changed the prompt meanwhile: keep both rather than lose one.
            self.notify("The prompt changed while editing; the edited text was added.")
            prompt.set_prompt_text(prompt.text + "\n" + edited)
            return
        if edited != before:
            prompt.set_prompt_text(edited)


def _takes_argument(method: object) -> bool:
    """True when the bound action accepts at least one positional argument."""
    try:
        parameters = inspect.signature(method).parameters.values()  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return any(
        p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL) for p in parameters
    )
