"""fetch_url: one web page or text document, by GET, as text.

The user approves a URL, so that URL is what is fetched: redirects are followed only within
the same site (same host and port, or http → https on the default ports), at most five; a
redirect elsewhere ends the call with "redirected to URL: ask again with that URL", so the
new address gets an approval of its own. Only http(s) and only text: HTML becomes readable
text (html_text.py), text/* and JSON come as they are, anything else (images, archives,
PDFs) is refused rather than fed to the model as noise. Time and size are capped
(`[tools] fetch_timeout`, `fetch_max_bytes`) and the text cut at 40,000 characters, since
all of it goes into the context. The HTTP client is httpx2, the stack openai already loads;
it is imported on the first fetch, never at start-up."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from tui_chat.tools.base import ToolDefaults, ToolOutcome, ToolSpec
from tui_chat.tools.builtin.html_text import html_to_text

if TYPE_CHECKING:
    import httpx2

SPEC = ToolSpec(
    name="fetch_url",
    label="fetch_url",
    description=(
        "Fetch a web page or text document with an HTTP GET and return its text (HTML is "
        "turned into readable text; JSON and plain text come as they are). Only http and "
        "https. A redirect to another site is not followed: call again with the new URL."
    ),
    parameters={
        "type": "object",
        "properties": {"url": {"type": "string", "description": "An http:// or https:// URL"}},
        "required": ["url"],
        "additionalProperties": False,
    },
)

MAX_REDIRECTS = 5
MAX_CHARS = 40_000
USER_AGENT = "tui-chat/0.1 (fetch_url tool: one page, asked for by the user's assistant)"
ACCEPT = "text/html,application/xhtml+xml,text/*;q=0.9,application/json;q=0.9,*/*;q=0.1"
HTML_TYPES = ("text/html", "application/xhtml+xml")
DEFAULT_PORTS = {"http": 80, "https": 443}


def checked_url(arguments: dict[str, Any]) -> str | None:
    """The call's URL when it is an http(s) URL with a host, else None."""
    url = arguments.get("url")
    if not isinstance(url, str):
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
        _ = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in DEFAULT_PORTS or not parts.hostname:
        return None
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        return None
    return url


def same_site(origin: str, target: str) -> bool:
    """A redirect from `origin` to `target` stays on the site the user approved: same host
    and port, or the same host moving from http to https on the default ports."""
    try:
        a, b = urlsplit(origin), urlsplit(target)
        a_port = a.port or DEFAULT_PORTS.get(a.scheme.lower())
        b_port = b.port or DEFAULT_PORTS.get(b.scheme.lower())
    except ValueError:
        return False
    if b.scheme.lower() not in DEFAULT_PORTS or not b.hostname:
        return False
    if (a.hostname or "").lower() != b.hostname.lower():
        return False
    upgrade = a.scheme.lower() == "http" and b.scheme.lower() == "https"
    return a_port == b_port or (upgrade and a.port is None and b.port is None)


def media_type(content_type: str) -> tuple[str, str | None]:
    """("text/html", "utf-8") from a Content-Type header."""
    kind, _, rest = content_type.partition(";")
    charset = None
    for param in rest.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("\"'") or None
    return kind.strip().lower(), charset


def readable_kind(kind: str, head: bytes) -> str | None:
    """The shape of a body: "html", "text" or None (refused) for a media type; a missing
    type is guessed from the first bytes (text without NUL bytes; markup that opens like
    HTML)."""
    if kind in HTML_TYPES:
        return "html"
    if kind.startswith("text/") or kind == "application/json" or kind.endswith("+json"):
        return "text"
    if kind:
        return None
    if b"\x00" in head:
        return None
    start = head.lstrip()[:15].lower()
    return "html" if start.startswith((b"<!doctype html", b"<html")) else "text"


def decode(data: bytes, charset: str | None) -> str:
    try:
        return data.decode(charset or "utf-8", errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


class FetchUrl(ToolDefaults):
    """The fetch_url tool; caps from `[tools]`."""

    def __init__(self, timeout: float, max_bytes: int) -> None:
        self.timeout = max(0.1, timeout)
        self.max_bytes = max(1, max_bytes)

    spec = SPEC

    def approval_text(self, arguments: dict[str, Any]) -> str:
        url = checked_url(arguments)
        return f"GET {url}" if url else f"GET {arguments.get('url')!r} (not an http(s) URL)"

    async def run(self, arguments: dict[str, Any]) -> ToolOutcome:
        url = checked_url(arguments)
        if url is None:
            return ToolOutcome(
                'fetch_url needs {"url": "https://..."}: an http or https URL with a host.',
                ok=False,
            )
        import httpx2  # loaded already by openai once a reply has streamed

        try:
            async with asyncio.timeout(self.timeout):
                return await self._fetch(url)
        except (TimeoutError, httpx2.TimeoutException):
            return ToolOutcome(
                f"{url} did not answer within {self.timeout:g} s ([tools] fetch_timeout).",
                ok=False,
            )
        except (httpx2.HTTPError, httpx2.InvalidURL) as error:
            return ToolOutcome(
                f"{url} could not be fetched: {error or type(error).__name__}.", ok=False
            )

    async def _fetch(self, url: str) -> ToolOutcome:
        import httpx2

        async with httpx2.AsyncClient(
            follow_redirects=False,
            timeout=httpx2.Timeout(self.timeout),
            headers={"User-Agent": USER_AGENT, "Accept": ACCEPT},
        ) as client:
            current = url
            for _ in range(MAX_REDIRECTS + 1):
                async with client.stream("GET", current) as response:
                    if response.has_redirect_location:
                        target = str(response.url.join(response.headers["location"]))
                        if not same_site(current, target):
                            return ToolOutcome(
                                f"{current} redirected to {target}: ask again with that URL "
                                "(another site needs its own approved call).",
                                ok=False,
                            )
                        current = target
                        continue
                    return await self._read(response, url, current)
        return ToolOutcome(f"{url} redirected more than {MAX_REDIRECTS} times.", ok=False)

    async def _read(self, response: httpx2.Response, asked: str, final: str) -> ToolOutcome:
        if response.status_code >= 400:
            status = f"{response.status_code} {response.reason_phrase or ''}".strip()
            return ToolOutcome(f"{final} answered {status}.", ok=False)
        kind, charset = media_type(response.headers.get("content-type", ""))
        data, cut = await self._body(response)
        shape = readable_kind(kind, data[:512])
        if shape is None:
            return ToolOutcome(
                f"{final} is {kind}, not text or HTML: fetch_url does not read it.", ok=False
            )
        text = decode(data, charset)
        if shape == "html":
            text = html_to_text(text, final)
        notes = []
        if cut:
            notes.append(
                f"[cut: only the first {self.max_bytes:,} bytes were read "
                "([tools] fetch_max_bytes)]"
            )
        if len(text) > MAX_CHARS:
            notes.append(
                f"[cut: the text has {len(text):,} characters; these are the first {MAX_CHARS:,}]"
            )
            text = text[:MAX_CHARS]
        if final != asked:
            text = f"[redirected to {final}]\n\n{text}"
        return ToolOutcome("\n\n".join([text, *notes]) if notes else text)

    async def _body(self, response: httpx2.Response) -> tuple[bytes, bool]:
        """The body's first `max_bytes` bytes (decompressed), and whether there was more."""
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            room = self.max_bytes - size
            if len(chunk) > room:
                chunks.append(chunk[:room])
                return b"".join(chunks), True
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks), False
