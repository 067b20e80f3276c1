"""The parts of an `/image` turn in the conversation, and the thumbnails of attachments.

- `ImageReply`, inside the reply (AssistantMessage): a progress line while the job runs
  (`show_progress`, written by the job runner), then one ImageView per generated image
  (`refresh_images` once the message gained them). How it ended (error, stopped) is the
  reply's own note line.
- `request_label`: the dim line over the question (`/image · 1024x1024 · ×2 · seed 7`).
- `AttachmentThumbnails`: small pictures of the local files a user message attached.
"""

from __future__ import annotations

import time
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import HorizontalGroup, Vertical
from textual.content import Content
from textual.widgets import Static

from tui_chat.core.attachments import display_name, is_url
from tui_chat.core.images import GeneratedImage, ImageRequest
from tui_chat.core.sanitize import strip_control
from tui_chat.core.session import Message
from tui_chat.core.store.image_files import ImageFiles
from tui_chat.ui.widgets.image_view import THUMBNAIL_ROWS, ImageView


def image_caption(image: GeneratedImage) -> str:
    """model · size · seed, and the revised prompt when the provider rewrote it."""
    parts = [part for part in (image.model, image.size) if part]
    if image.seed is not None:
        parts.append(f"seed {image.seed}")
    caption = " · ".join(parts)
    if image.revised_prompt and image.revised_prompt != image.prompt:
        caption += f"\nrevised prompt: {image.revised_prompt}"
    return caption


def request_label(request: ImageRequest) -> str:
    """The dim line over an `/image` question."""
    parts = ["/image"]
    if request.model:
        parts.append(request.model)
    if request.size:
        parts.append(request.size)
    if request.count > 1:
        parts.append(f"×{request.count}")
    if request.seed is not None:
        parts.append(f"seed {request.seed}")
    if request.negative_prompt:
        parts.append(f"not: {request.negative_prompt}")
    return " · ".join(parts)


def progress_line(
    *,
    count: int = 0,
    model: str = "",
    size: str | None = None,
    seconds: float = 0.0,
    status: str = "",
    polls: int = 0,
) -> str:
    """`◌ Generating 2 images · cogview-4 · 1024x1024 · 12 s · RUNNING (poll 3) · Esc stops`:
    the line a running `/image` reply shows (the job runner builds it from each progress
    event and passes it to `AssistantMessage.show_image_progress`)."""
    what = {0: "", 1: " an image"}.get(count, f" {count} images")
    parts = [f"◌ Generating{what}"]
    parts += [part for part in (model, size) if part]
    parts.append(f"{int(seconds)} s")
    if status:
        parts.append(f"{status} (poll {polls})" if polls else status)
    parts.append("Esc stops")
    return " · ".join(strip_control(part) for part in parts)


def data_dir_of(widget: Static | Vertical) -> Path:
    paths = getattr(widget.app, "paths", None)
    return Path(paths.data_dir) if paths is not None else Path.cwd()


class ImageReply(Vertical):
    """A reply's images and, while it runs, its progress line. Hidden when it has
    neither (every ordinary reply)."""

    def __init__(self, message: Message) -> None:
        super().__init__(classes="image-reply")
        self.message = message
        self.progress = Static("", classes="image-progress")
        self.progress.display = False
        self.row = HorizontalGroup(classes="image-row")
        """The images side by side: two 768x1024 pictures share the width, not the height."""
        self.shown_ids: list[str] = []

    def compose(self) -> ComposeResult:
        yield self.progress
        yield self.row

    def on_mount(self) -> None:
        message = self.message
        self.display = message.is_image_turn or self.progress.display  # shown before mount
        task = message.image_task
        if message.status == "streaming" and task is not None:  # a task resumed after a restart
            self.show_progress(
                progress_line(
                    model=task.model, seconds=time.time() - task.started_at, status=task.status
                )
                if not message.images
                else ""
            )
        self.refresh_images()

    def show_progress(self, text: str) -> None:
        """Show (or, with "", hide) the progress line."""
        self.progress.update(Content(text))
        self.progress.display = bool(text)
        if text:
            self.display = True

    def refresh_images(self) -> None:
        """Mount a view for each image of the message not shown yet (in order)."""
        files = ImageFiles(data_dir_of(self))
        new = [image for image in self.message.images if image.id not in self.shown_ids]
        views = []
        for image in new:
            file = files.path(image.file)
            if file is None:  # not a safe path (a hostile file): never read
                continue
            self.shown_ids.append(image.id)
            views.append(ImageView(file, image.file, image_caption(image)))
        if views:
            self.display = True
            self.row.mount_all(views)


class AttachmentThumbnails(Vertical):
    """Thumbnails of the local image files a user message attached (URLs stay chips)."""

    def __init__(self, message: Message) -> None:
        super().__init__(classes="thumbnails")
        self.message = message

    def compose(self) -> ComposeResult:
        for reference in local_attachments(self.message):
            yield ImageView(Path(reference), display_name(reference), max_rows=THUMBNAIL_ROWS)


def local_attachments(message: Message) -> list[str]:
    return [reference for reference in message.attachments if not is_url(reference)]
