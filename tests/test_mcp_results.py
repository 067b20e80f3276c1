"""An MCP tool result as the text the model gets: text joined, structured content as JSON
when there is no text, images and audio named with their size, resource links as URIs."""

from __future__ import annotations

import base64

from mcp_types import (
    AudioContent,
    BlobResourceContents,
    CallToolResult,
    EmbeddedResource,
    ImageContent,
    ResourceLink,
    TextContent,
    TextResourceContents,
)

from tui_chat.tools.mcp_results import result_text


def test_text_blocks_are_joined_and_media_named() -> None:
    png = base64.b64encode(b"x" * 12 * 1024).decode()
    result = CallToolResult(
        content=[
            TextContent(text="first"),
            ImageContent(data=png, mime_type="image/png"),
            AudioContent(data=base64.b64encode(b"abc").decode(), mime_type="audio/wav"),
            ResourceLink(name="doc", uri="file:///tmp/doc.md"),
            EmbeddedResource(resource=TextResourceContents(uri="file:///a", text="embedded")),
            EmbeddedResource(
                resource=BlobResourceContents(uri="file:///b", blob=png, mime_type="image/png")
            ),
        ],
        structured_content={"ignored": True},
    )
    assert result_text(result).split("\n") == [
        "first",
        "[image/png, 12 KB not shown]",
        "[audio/wav, 3 B not shown]",
        "file:///tmp/doc.md",
        "embedded",
        "[file:///b: image/png, 12 KB not shown]",
    ]


def test_structured_content_is_the_text_when_there_is_none() -> None:
    result = CallToolResult(content=[], structured_content={"temp": 21.5, "city": "Zürich"})
    assert result_text(result) == '{\n  "temp": 21.5,\n  "city": "Zürich"\n}'
    assert result_text(CallToolResult(content=[])) == ""
