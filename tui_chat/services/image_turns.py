"""`/image` turns in flight: one worker per session generates, downloads and keeps the images
of a reply, owned by the app so it goes on when the user switches sessions.

Like services/replies.py, no Textual: the app hands in how to run a coroutine as a worker,
how to show a line, and what to call when a turn starts, moves on and ends. Every change of
the reply reaches the disk through `SessionChanges`, announced once. A provider task (an
asynchronous API) is saved on the reply as soon as it is known (`Message.image_task`), so a
restart polls that task again instead of paying for a second one (`resume`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tui_chat.config.images_config import ImagesConfig
from tui_chat.config.keys import redact_secrets
from tui_chat.config.provider import DEMO_PROVIDER, ProviderConfig
from tui_chat.core.images import GeneratedImage, ImageRequest, ImageTask
from tui_chat.core.message import new_id
from tui_chat.core.session import Message, Session
from tui_chat.core.store.image_files import ImageFiles
from tui_chat.providers import ProviderRegistry
from tui_chat.services.changes import SessionChanges
from tui_chat.services.live_reply import LiveReply, ReplyWorker
from tui_chat.services.replies import Notify, ReplyManager, RunInWorker, cancel_and_wait

if TYPE_CHECKING:
    from tui_chat.providers.images import ImageGenerator, ImageJob, ImageProgress, ImageResult

TurnCallback = Callable[[str, str], None]
"""Called with the session id and the reply's message id."""


class ImageTurnRefused(Exception):
    """No image can be generated now; the message says why and how to fix it."""


@dataclass
class LiveImage:
    """An `/image` reply being generated."""

    session: Session
    request: ImageRequest
    reply: Message
    provider: ProviderConfig
    model: str
    started: float = field(default_factory=time.monotonic)
    stage: str = "submitting"
    status: str = ""
    polls: int = 0
    worker: ReplyWorker | None = None
    running: bool = False
    """Its worker has begun (see ImageTurns._cancel)."""
    stopped_by_user: bool = False
    """Esc stopped it: the provider's task is dropped. Any other end of the worker (the
    app closing, whoever cancels it first) keeps the task on the reply, to be polled
    again after the restart."""

    def sync(self) -> None:
        """Nothing is buffered: the reply is the message itself (as services/sessions.py
        asks of a turn in flight before it copies or exports the session)."""

    @property
    def seconds(self) -> float:
        """Since the turn (or the task it polls again) started."""
        return time.monotonic() - self.started


class ImageTurns:
    """Starts, tracks, stops and resumes the `/image` turns of all sessions."""

    def __init__(
        self,
        registry: ProviderRegistry,
        changes: SessionChanges,
        files: ImageFiles,
        settings: Callable[[], ImagesConfig],
        *,
        run_in_worker: RunInWorker,
        notify: Notify,
        on_started: TurnCallback,
        on_progress: TurnCallback,
        on_ended: TurnCallback,
        poll_interval: float = 2.0,
    ) -> None:
        self.registry = registry
        self.changes = changes
        self.files = files
        self._settings = settings
        self._run_in_worker = run_in_worker
        self._notify = notify
        self._on_started = on_started
        self._on_progress = on_progress
        self._on_ended = on_ended
        self.poll_interval = poll_interval
        self.live: dict[str, LiveImage] = {}

    def is_streaming(self, session_id: str) -> bool:
        """An image is being made in this session."""
        return session_id in self.live

    def provider_for(self, session: Session) -> ProviderConfig:
        """The provider an `/image` of `session` goes to: the session's own when it has an
        `image_model`, else the first that has one and a usable key (the default provider
        first). Raises ImageTurnRefused saying what to set when there is none."""
        config = self.registry.config
        names = [session.provider, config.default_provider]
        names += [name for name in config.providers if name not in names]
        with_model = [
            provider
            for name in names
            if name != DEMO_PROVIDER
            and (provider := config.provider(name)) is not None
            and provider.image_model
        ]
        for provider in with_model:
            if self.registry.describe(provider.name).problem is None:
                return provider
        if len(with_model) == 1:
            only = with_model[0]
            problem = self.registry.describe(only.name).problem or ""
            raise ImageTurnRefused(
                f"{only.display_name} makes images with {only.image_model}, but it cannot "
                f"be used now. {problem}".strip()
            )
        if with_model:  # a newcomer: say every way in
            ways = "; ".join(
                f"{p.display_name} ({p.image_model}): {p.api_key_env or 'a key'}"
                for p in with_model
            )
            raise ImageTurnRefused(
                f"No provider that makes images has a key. Set one of these variables and "
                f"start tui-chat again: {ways}."
            )
        raise ImageTurnRefused(
            "No provider has an image model. Set `image_model` in a provider's table of the "
            "config (Zhipu cogview-4, SiliconFlow Kwai-Kolors/Kolors, OpenAI gpt-image-1, "
            "DashScope qwen-image, ModelScope Qwen/Qwen-Image) and give it a key."
        )

    def start(self, session: Session, question: Message) -> LiveImage:
        """Add a reply under `question` (the current leaf, holding `image_request`) and
        generate its images in a worker. Raises ImageTurnRefused, or OSError when the
        session cannot be saved first (nothing changed, nothing sent)."""
        request = question.image_request
        if request is None:
            raise ImageTurnRefused("That message is not an /image request.")
        if self.is_streaming(session.id):
            raise ImageTurnRefused("An image is being generated in this session: wait or Esc.")
        provider = self.provider_for(session)
        # The user's words reach the disk before the request goes out; a failure raises
        # (OSError) with nothing sent, and the caller takes the question back.
        self.changes.store.save(session)
        model = request.model or provider.image_model or ""
        reply = Message(role="assistant", status="streaming", model=model, provider=provider.name)
        session.add(reply)
        return self._launch(session, request, reply, provider, model, None)

    def resume(self, session: Session) -> LiveImage | None:
        """Poll again the provider task of an `/image` reply interrupted by a restart (the
        last such reply of the current path); None when there is none or it cannot be."""
        if self.is_streaming(session.id):
            return None
        path_ids = {message.id for message in session.messages}
        waiting = [m for m in session.all_messages() if m.image_task is not None]
        waiting.sort(key=lambda m: m.id not in path_ids)  # the shown branch's first
        for message in waiting:
            task = message.image_task
            question = session.get(message.parent_id) if message.parent_id else None
            provider = self.registry.config.provider(task.provider) if task else None
            if task is None or question is None or question.image_request is None:
                continue
            if provider is None:
                continue
            message.status, message.error = "streaming", None
            request = question.image_request
            return self._launch(session, request, message, provider, task.model, task)
        return None

    def stop(self, session_id: str) -> bool:
        live = self.live.get(session_id)
        if live is None or live.worker is None:
            return False
        live.stopped_by_user = True
        self._cancel(live)
        return True

    async def stop_all(self, timeout: float = 2.0) -> None:
        """Stop every turn because the app is closing (provider tasks are kept for the
        next start), and wait until each has saved."""
        for live in list(self.live.values()):
            if not live.running:
                self._cancel(live)
        await cancel_and_wait(self.live, timeout)

    def _cancel(self, live: LiveImage) -> None:
        """Cancel the turn's worker. One cancelled before its first step never runs a line
        of `_run` (its `except` included), so it is ended here instead."""
        if not live.running:
            self._stopped(live)
        if live.worker is not None:
            live.worker.cancel()

    def _stopped(self, live: LiveImage) -> None:
        """The turn ended by a cancel: kept as it is, its provider task dropped only when
        the user stopped it."""
        live.reply.status = "stopped"
        if live.stopped_by_user:
            live.reply.image_task = None
        self._end(live)
        self.changes.commit_now(live.session, "image stopped")

    def _launch(
        self,
        session: Session,
        request: ImageRequest,
        reply: Message,
        provider: ProviderConfig,
        model: str,
        task: ImageTask | None,
    ) -> LiveImage:
        live = LiveImage(session, request, reply, provider, model)
        if task is not None:
            live.stage, live.status = "queued", task.status
            live.started -= max(0.0, time.time() - task.started_at)
        self.live[session.id] = live
        live.worker = self._run_in_worker(self._run(live, task), f"image {session.id}")
        self._on_started(session.id, reply.id)
        return live

    async def _run(self, live: LiveImage, task: ImageTask | None) -> None:
        live.running = True
        session, reply = live.session, live.reply
        generator: ImageGenerator | None = None
        try:
            generator = await self._generator(live)
            results = await generator.generate(
                self._job(live),
                lambda progress: self._progressed(live, progress),
                resume_task_id=task.task_id if task is not None else None,
            )
            reply.images = await asyncio.to_thread(self._keep, live, results)
            reply.status, reply.image_task = "complete", None
        except asyncio.CancelledError:
            self._stopped(live)
            await _close(generator)
            raise
        except Exception as exc:
            reply.status, reply.image_task = "error", None
            reply.error = self._error_text(live, exc)
        reply.duration_seconds = time.monotonic() - live.started
        self._end(live)
        await self.changes.commit(session, "image")
        await _close(generator)

    async def _generator(self, live: LiveImage) -> ImageGenerator:
        from tui_chat.providers.images import ImageGenerator  # first use only

        provider = live.provider
        lookup = await asyncio.to_thread(self.registry.prepare_key, provider.name)
        if lookup is None or not lookup.found or lookup.key is None:
            lookup = lookup or self.registry.peek_key(provider)
            problem = self.registry.key_problem(provider, lookup)
            raise ImageTurnRefused(problem or f"{provider.display_name} has no key.")
        return ImageGenerator(
            provider,
            lookup.key,
            timeout=self._settings().timeout,
            poll_interval=self.poll_interval,
            key_source=lookup.source,
        )

    def _job(self, live: LiveImage) -> ImageJob:
        from tui_chat.providers.images import ImageJob

        request = live.request
        return ImageJob(
            prompt=request.prompt,
            model=live.model,
            size=request.size,
            count=request.count,
            seed=request.seed,
            negative_prompt=request.negative_prompt,
        )

    def _progressed(self, live: LiveImage, progress: ImageProgress) -> None:
        live.stage, live.status, live.polls = progress.stage, progress.status, progress.polls
        reply = live.reply
        task = reply.image_task
        if progress.task_id and (task is None or task.task_id != progress.task_id):
            started = time.time() - (time.monotonic() - live.started)
            reply.image_task = ImageTask(
                progress.task_id, live.provider.name, live.model, started, progress.status
            )
            # Saved at once: a restart from here on polls this task instead of a new one.
            self.changes.commit_now(live.session, "image task")
        self._on_progress(live.session.id, reply.id)

    def _keep(self, live: LiveImage, results: list[ImageResult]) -> list[GeneratedImage]:
        """Write each image under the data dir (in a thread: files may be megabytes)."""
        kept: list[GeneratedImage] = []
        for result in results:
            image_id = new_id()
            file = self.files.write(live.session.id, image_id, result.data, result.mime)
            size = f"{result.width}x{result.height}" if result.width and result.height else None
            kept.append(
                GeneratedImage(
                    id=image_id,
                    file=file,
                    model=live.model,
                    prompt=live.request.prompt,
                    size=size or live.request.size,
                    seed=result.seed if result.seed is not None else live.request.seed,
                    revised_prompt=result.revised_prompt,
                    mime=result.mime,
                )
            )
        return kept

    def _error_text(self, live: LiveImage, exc: Exception) -> str:
        from tui_chat.providers.images import ImageGenerationError

        label = live.provider.display_name
        if isinstance(exc, ImageGenerationError):
            return exc.error.one_line(label)
        if isinstance(exc, ImageTurnRefused):
            return f"{label}: {exc}"
        if isinstance(exc, OSError):
            return f"{label}: the image could not be saved ({exc.strerror or exc})."
        return f"{label}: unexpected {type(exc).__name__}: {redact_secrets(str(exc))}"

    def _end(self, live: LiveImage) -> None:
        live.session.touch()
        self.live.pop(live.session.id, None)
        self._on_ended(live.session.id, live.reply.id)


async def _close(generator: ImageGenerator | None) -> None:
    if generator is not None:
        await generator.aclose()


class TurnsInFlight:
    """Streaming replies and `/image` turns seen as one (what services/sessions.py asks
    of the turns in flight): a session is busy when either runs in it, and stopping it
    stops both."""

    def __init__(self, replies: ReplyManager, images: ImageTurns) -> None:
        self._replies = replies
        self._images = images

    @property
    def live(self) -> Mapping[str, LiveReply | LiveImage]:
        return {**self._images.live, **self._replies.live}

    def is_streaming(self, session_id: str) -> bool:
        return self._replies.is_streaming(session_id) or self._images.is_streaming(session_id)

    def stop(self, session_id: str) -> bool:
        stopped_reply = self._replies.stop(session_id)
        return self._images.stop(session_id) or stopped_reply
