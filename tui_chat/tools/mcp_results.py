"""An MCP tool result as the text the model gets back.

Chat APIs take a tool's result as text. Text blocks are joined; a result with none gives its
structured content as JSON; images and audio are named with their size ("[image/png, 12 KB
not shown]") rather than pasted as base64 the model cannot see; resource links are their
URI, and embedded text resources their text.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mcp_types import CallToolResult


def _size(data: str) -> str:
    size = len(data) * 3 // 4  # base64
    if size < 1024:
        return f"{size} B"
    return f"{round(size / 1024)} KB"


def result_text(result: CallToolResult) -> str:
    from mcp_types import (
        AudioContent,
        BlobResourceContents,
        EmbeddedResource,
        ImageContent,
        ResourceLink,
        TextContent,
        TextResourceContents,
    )

    parts: list[str] = []
    has_text = False
    for block in result.content:
        if isinstance(block, TextContent):
            parts.append(block.text)
            has_text = True
        elif isinstance(block, ImageContent | AudioContent):
            parts.append(f"[{block.mime_type}, {_size(block.data)} not shown]")
        elif isinstance(block, ResourceLink):
            parts.append(str(block.uri))
        elif isinstance(block, EmbeddedResource):
            resource = block.resource
            if isinstance(resource, TextResourceContents):
                parts.append(resource.text)
                has_text = True
            elif isinstance(resource, BlobResourceContents):
                kind = resource.mime_type or "data"
                parts.append(f"[{resource.uri}: {kind}, {_size(resource.blob)} not shown]")
    if not has_text and result.structured_content is not None:
        structured = json.dumps(result.structured_content, ensure_ascii=False, indent=2)
        parts.insert(0, structured)
    return "\n".join(parts)
