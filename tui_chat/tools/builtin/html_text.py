"""A web page as readable text for the model, with the standard library's `html.parser`.

What a reader would see is kept: the title, headings (as "## "), paragraphs, list items
("- "), table rows, preformatted blocks as they are, and links as their text followed by
the address. Scripts, styles, navigation and other chrome (nav, noscript, svg, forms'
buttons, hidden elements) are left out: they cost the model tokens and say nothing. No
third-party parser: pages are untrusted and small after the size cap, and html.parser
never fails on bad markup, it just reads on."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

# fmt: off
SKIPPED = frozenset({
    "script", "style", "nav", "noscript", "template", "svg", "iframe", "canvas", "button",
    "select", "object", "head",
})
# fmt: on
"""Elements whose whole content is left out (the title is read before `head` is skipped)."""
# fmt: off
BLOCKS = frozenset({
    "p", "div", "section", "article", "main", "header", "footer", "aside", "br", "tr", "table",
    "ul", "ol", "dl", "dt", "dd", "blockquote", "figure", "figcaption", "hr", "form",
    "fieldset", "address", "details", "summary", "caption", "body", "html",
})
# fmt: on
"""Elements that start and end a line."""
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_SPACE = re.compile(r"\s+")


class _PageText(HTMLParser):
    def __init__(self, base_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base_url = base_url
        self.title: list[str] = []
        self.lines: list[str] = []
        self.current: list[str] = []
        self.prefix = ""
        self.skipping: list[str] = []
        self.in_title = False
        self.pre_depth = 0
        self.list_depth = 0
        self.links: list[tuple[str | None, int]] = []

    # -- lines ------------------------------------------------------------------------------

    def _flush(self) -> None:
        text = "".join(self.current)
        self.current = []
        if self.pre_depth:
            self.lines.extend(line.rstrip() for line in text.split("\n"))
            return
        text = _SPACE.sub(" ", text).strip()
        if text:
            self.lines.append(self.prefix + text)
            self.prefix = ""

    def _blank(self) -> None:
        self._flush()
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    # -- parser events ---------------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title" and self.skipping in ([], ["head"]):
            self.in_title = True
            return
        if tag == "body":
            self.skipping = []  # a page may leave `head` unclosed
        if self.skipping or tag in SKIPPED or any(name == "hidden" for name, _ in attrs):
            if tag not in VOID:
                self.skipping.append(tag)
            return
        if tag in HEADINGS:
            self._blank()
            self.prefix = "#" * HEADINGS[tag] + " "
        elif tag in ("ul", "ol"):
            self._flush()
            self.list_depth += 1
        elif tag == "li":
            self._flush()
            self.prefix = "  " * max(0, self.list_depth - 1) + "- "
        elif tag == "pre":
            self._blank()
            self.pre_depth += 1
        elif tag == "p":
            self._blank()
        elif tag in BLOCKS:
            self._flush()
        elif tag in ("td", "th"):
            self.current.append(" ")
        elif tag == "a":
            self.links.append((dict(attrs).get("href"), len(self.current)))
        elif tag == "img":
            alt = (dict(attrs).get("alt") or "").strip()
            if alt:
                self.current.append(f" [image: {alt}] ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
            return
        if self.skipping:
            if tag in self.skipping:
                while self.skipping and self.skipping.pop() != tag:
                    pass
            return
        if tag in HEADINGS or tag == "p":
            self._blank()
        elif tag in ("ul", "ol"):
            self._flush()
            self.list_depth = max(0, self.list_depth - 1)
        elif tag == "li":
            self._flush()
        elif tag == "pre":
            self._flush()
            self.pre_depth = max(0, self.pre_depth - 1)
            self._blank()
        elif tag in BLOCKS:
            self._flush()
        elif tag in ("td", "th"):
            self.current.append(" ")
        elif tag == "a" and self.links:
            self._end_link(*self.links.pop())

    def _end_link(self, href: str | None, start: int) -> None:
        if not href:
            return
        address = urljoin(self.base_url, href.strip())
        if urlsplit(address).scheme not in ("http", "https"):
            return
        shown = " ".join("".join(self.current[start:]).split())
        if address not in shown and href.strip() not in shown:
            self.current.append(f" ({address})")

    def parse_marked_section(self, i: int, report: bool = True) -> int:
        # html.parser raises AssertionError on a marked section it does not know
        # ("<![foo[ … ]]>"): a page must never stop the reading, so it is skipped.
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:
            end = self.rawdata.find(">", i)
            return -1 if end < 0 else end + 1

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        elif not self.skipping:
            self.current.append(data)

    def text(self) -> str:
        self._flush()
        title = " ".join("".join(self.title).split())
        lines = [f"Title: {title}", ""] if title else []
        lines.extend(self.lines)
        return "\n".join(lines).strip("\n")


# fmt: off
VOID = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
})
# fmt: on
"""Elements without an end tag: they never open a skipped stretch."""


def html_to_text(html: str, base_url: str = "") -> str:
    """The readable text of a page; relative links are resolved against `base_url`."""
    parser = _PageText(base_url)
    try:
        parser.feed(html)
        parser.close()
    except AssertionError:  # html.parser's own checks: keep what was read up to there
        pass
    return parser.text()
