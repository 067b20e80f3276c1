"""The files of generated images: `<data dir>/images/<session id>/<image id>.<ext>`, written
atomically and private (0600 in 0700 folders) like every file tui-chat writes.

Sessions refer to them by a path relative to the data directory (`GeneratedImage.file`),
so moving the data directory keeps them, and a hostile session file cannot name a file
outside the images folder (`is_safe_image_path`).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from tui_chat.core.atomic import private_dir, write_atomic
from tui_chat.core.images import (
    IMAGES_DIR,
    GeneratedImage,
    image_relative_path,
    is_safe_image_path,
)

EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp", "image/gif": ".gif"}
"""The file extension of each image type a provider sends (kept as sent: no re-encoding)."""


class ImageFiles:
    """The images folder of one data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.root = data_dir / IMAGES_DIR

    def session_dir(self, session_id: str) -> Path:
        return self.root / session_id

    def write(self, session_id: str, image_id: str, data: bytes, mime: str) -> str:
        """Write one image; returns its path relative to the data directory."""
        relative = image_relative_path(session_id, image_id, EXTENSIONS.get(mime, ".png"))
        target = self.data_dir / relative
        private_dir(target.parent)
        write_atomic(target, data)
        return relative

    def path(self, relative: str) -> Path | None:
        """The absolute path of a kept image; None when `relative` is not a safe images path."""
        if not is_safe_image_path(relative):
            return None
        return self.data_dir / relative

    def exists(self, relative: str) -> bool:
        path = self.path(relative)
        return path is not None and path.is_file()

    def remove(self, relative_paths: Iterable[str]) -> int:
        """Delete these images (those of deleted turns); how many were removed."""
        removed = 0
        for relative in relative_paths:
            path = self.path(relative)
            if path is None:
                continue
            try:
                os.unlink(path)
                removed += 1
            except OSError:
                continue
        return removed

    def remove_session(self, session_id: str) -> None:
        """Delete a session's whole images folder (the session is gone for good)."""
        shutil.rmtree(self.session_dir(session_id), ignore_errors=True)

    def copy_to(self, images: list[GeneratedImage], session_id: str) -> list[GeneratedImage]:
        """`images` copied into the folder of session `session_id` (a duplicated session
        owns its files, so deleting either session leaves the other's images). An image
        whose file is gone keeps its record, pointing where the copy would be."""
        copies: list[GeneratedImage] = []
        for image in images:
            suffix = PurePosixPath(image.file).suffix or ".png"
            relative = image_relative_path(session_id, image.id, suffix)
            source = self.path(image.file)
            if not is_safe_image_path(relative):
                relative = image.file  # an id no file can be named after (hand-edited)
            elif source is not None and source.is_file():
                target = self.data_dir / relative
                try:
                    private_dir(target.parent)
                    write_atomic(target, source.read_bytes())
                except OSError:
                    relative = image.file  # not copied: the copy shows the original's file
            copies.append(dataclasses.replace(image, file=relative))
        return copies
