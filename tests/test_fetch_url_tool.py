"""fetch_url against a real HTTP server on 127.0.0.1 started by the test: HTML as readable
text, caps, the timeout, and redirects (same site followed, another host handed back)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tui_chat.tools.builtin.fetch_url import FetchUrl, same_site
from tui_chat.tools.builtin.html_text import html_to_text

PAGE = """<!doctype html><html><head><title>Tea  notes</title>
<style>body { color: red }</style><script>alert("no")</script></head>
<body><nav><a href="/">Home</a> <a href="/about">About</a></nav>
<h1>Green &amp; black</h1><p>Steep <b>green</b> tea at 80 °C, see the
<a href="/guide">brewing guide</a>.</p>
<ul><li>sencha</li><li>gyokuro</li></ul></body></html>"""


class _Handler(BaseHTTPRequestHandler):
    release: threading.Event

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, body: bytes, content_type: str, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        port = self.server.server_address[1]
        routes = {
            "/page": lambda: self._send(PAGE.encode(), "text/html; charset=utf-8"),
            "/big": lambda: self._send(b"x" * 10_000, "text/plain"),
            "/long": lambda: self._send(b"y" * 50_000, "text/plain"),
            "/json": lambda: self._send(b'{"a": [1, 2]}', "application/json"),
            "/latin": lambda: self._send("café".encode("latin-1"), "text/plain; charset=latin-1"),
            "/image": lambda: self._send(b"\x89PNG\r\n", "image/png"),
            "/gone": lambda: self._send(b"no", "text/plain", 404),
            "/same": lambda: self._redirect("/page"),
            "/hop": lambda: self._redirect(f"http://127.0.0.1:{port}/same"),
            "/loop": lambda: self._redirect("/loop"),
            "/elsewhere": lambda: self._redirect(f"http://localhost:{port}/page"),
        }
        if self.path == "/slow":
            self.release.wait()
            self._send(b"late", "text/plain")
        elif self.path in routes:
            routes[self.path]()
        else:
            self._send(b"not found", "text/plain", 404)


@pytest.fixture
def web(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """http://127.0.0.1:PORT of a real server with the routes above; /slow waits on an
    event the test never sets (released at teardown only, to end the server thread)."""
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    release = threading.Event()
    handler = type("Handler", (_Handler,), {"release": release})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    release.set()
    server.shutdown()
    server.server_close()
    thread.join()


def fetcher(timeout: float = 10.0, max_bytes: int = 2_000_000) -> FetchUrl:
    return FetchUrl(timeout, max_bytes)


async def test_fetch_url_turns_html_into_readable_text(web: str) -> None:
    outcome = await fetcher().run({"url": f"{web}/page"})
    assert outcome.ok
    assert outcome.text == (
        "Title: Tea notes\n\n# Green & black\n\n"
        f"Steep green tea at 80 °C, see the brewing guide ({web}/guide).\n\n"
        "- sencha\n- gyokuro"
    )
    assert fetcher().approval_text({"url": f"{web}/page"}) == f"GET {web}/page"
    assert fetcher().scope({"url": f"{web}/page"}) == "fetch_url"


async def test_fetch_url_gives_text_and_json_as_they_are(web: str) -> None:
    assert (await fetcher().run({"url": f"{web}/json"})).text == '{"a": [1, 2]}'
    assert (await fetcher().run({"url": f"{web}/latin"})).text == "café"


async def test_fetch_url_refuses_other_types_and_errors(web: str) -> None:
    outcome = await fetcher().run({"url": f"{web}/image"})
    assert (outcome.ok, outcome.text) == (
        False,
        f"{web}/image is image/png, not text or HTML: fetch_url does not read it.",
    )
    outcome = await fetcher().run({"url": f"{web}/gone"})
    assert (outcome.ok, outcome.text) == (False, f"{web}/gone answered 404 Not Found.")
    for url in ("ftp://example.com/x", "file:///etc/passwd", "http://", "not a url", 7):
        outcome = await fetcher().run({"url": url})
        assert not outcome.ok
        assert outcome.text.startswith('fetch_url needs {"url": "https://..."}')


async def test_fetch_url_caps_the_bytes_read_and_the_text(web: str) -> None:
    outcome = await fetcher(max_bytes=1000).run({"url": f"{web}/big"})
    assert outcome.ok
    body, note = outcome.text.split("\n\n")
    assert body == "x" * 1000
    assert note == "[cut: only the first 1,000 bytes were read ([tools] fetch_max_bytes)]"
    outcome = await fetcher().run({"url": f"{web}/long"})
    body, note = outcome.text.split("\n\n")
    assert body == "y" * 40_000
    assert note == "[cut: the text has 50,000 characters; these are the first 40,000]"


async def test_fetch_url_gives_up_after_its_timeout(web: str) -> None:
    outcome = await fetcher(timeout=0.3).run({"url": f"{web}/slow"})
    assert (outcome.ok, outcome.text) == (
        False,
        f"{web}/slow did not answer within 0.3 s ([tools] fetch_timeout).",
    )


async def test_fetch_url_follows_redirects_on_the_same_site_only(web: str) -> None:
    outcome = await fetcher().run({"url": f"{web}/hop"})
    assert outcome.ok
    assert outcome.text.startswith(f"[redirected to {web}/page]\n\nTitle: Tea notes")
    outcome = await fetcher().run({"url": f"{web}/loop"})
    assert (outcome.ok, outcome.text) == (False, f"{web}/loop redirected more than 5 times.")
    port = web.rsplit(":", 1)[1]
    outcome = await fetcher().run({"url": f"{web}/elsewhere"})
    assert (outcome.ok, outcome.text) == (
        False,
        f"{web}/elsewhere redirected to http://localhost:{port}/page: ask again with that URL "
        "(another site needs its own approved call).",
    )


def test_same_site_is_the_same_host_and_port_or_an_https_upgrade() -> None:
    assert same_site("http://a.test/x", "http://A.test/y")
    assert same_site("http://a.test/x", "https://a.test/x")
    assert not same_site("https://a.test/x", "http://a.test/x")
    assert not same_site("http://a.test:8080/x", "http://a.test:8081/x")
    assert not same_site("http://a.test/x", "http://b.a.test/x")
    assert not same_site("http://a.test/x", "ftp://a.test/x")


def test_html_text_keeps_structure_and_drops_chrome() -> None:
    text = html_to_text(
        "<html><head><title>T</title><body><p>a<br>b</p><div hidden>secret</div>"
        "<ol><li>one<ul><li>inner</li></ul></li></ol><pre>  x\n    y</pre>"
        "<table><tr><th>k</th><td>v</td></tr></table><noscript>js</noscript>"
        '<a href="javascript:alert(1)">click</a><img src=x alt="a cat"></body></html>',
        "http://h.test/",
    )
    assert text == "Title: T\n\na\nb\n\n- one\n  - inner\n\n  x\n    y\n\nk v\nclick [image: a cat]"


def test_html_text_reads_on_past_markup_html_parser_chokes_on() -> None:
    assert html_to_text("<p>a</p><![foo[ x ]]><p>b</p>") == "a\n\nb"
    assert html_to_text("<p>a<![if !IE]>b<![endif]>c</p>") == "abc"
