"""BookView -> PDF with WeasyPrint.

The body (parts, stories, contributors) is laid out first; its anchors give every story's
page number, which the front matter (title, copyright, contents, foreword) then prints as
plain text. The two documents count their own pages (roman i, ii, ... and arabic 1, 2, ...),
are joined into one file, and get matching PDF page labels.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pydyf
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

from .render import BookView, pdf_html
from .theme import Theme

logging.getLogger("weasyprint").setLevel(logging.ERROR)
logging.getLogger("fontTools").setLevel(logging.ERROR)


class LocalFetcher(URLFetcher):
    """Lets WeasyPrint read files inside the given folders and nothing else: no network,
    no file elsewhere on the machine. A refused URL is simply left out of the page."""

    def __init__(self, roots: list[Path]):
        super().__init__(allowed_protocols={"file"})
        self.roots = [root.resolve() for root in roots]

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise ValueError(f"anthology does not fetch {url!r}")
        path = Path(unquote(parts.path)).resolve()
        if not any(path.is_relative_to(root) for root in self.roots):
            raise ValueError(f"anthology does not read files outside the book: {path}")
        return super().fetch(path.as_uri(), headers)


@dataclass(frozen=True)
class PageSetup:
    """Trim size and margins, in inches."""
    width: float = 5.5
    height: float = 8.5
    top: float = 0.8
    bottom: float = 0.85
    inside: float = 0.75
    outside: float = 0.6

    def css(self) -> str:
        return (f"@page {{ size: {self.width}in {self.height}in; "
                f"margin: {self.top}in {self.outside}in {self.bottom}in {self.inside}in; }}\n"
                f"@page :left {{ margin-left: {self.outside}in; margin-right: {self.inside}in; }}\n"
                f"@page :right {{ margin-left: {self.inside}in; margin-right: {self.outside}in; }}\n")


_ROMAN_FOLIOS = "@page { @bottom-center { content: counter(page, lower-roman); } }"


def render_pdf(view: BookView, theme: Theme, book_dir: Path, timestamp: str,
               setup: PageSetup = PageSetup()) -> bytes:
    """The whole book as PDF bytes."""
    fetcher = LocalFetcher([book_dir, *theme.search_path])
    base = [CSS(string=theme.read("book.css"), url_fetcher=fetcher,
                base_url=theme.path("book.css").as_uri()),
            CSS(string=setup.css())]

    def layout(html: str, extra: list[CSS] = ()):
        return HTML(string=html, base_url=book_dir.as_uri() + "/",
                    url_fetcher=fetcher).render(stylesheets=base + list(extra))

    body = layout(pdf_html(view, theme, front=False, timestamp=timestamp))
    pages = {anchor: number for number, page in enumerate(body.pages, start=1)
             for anchor in page.anchors}
    front = layout(pdf_html(view, theme, front=True, timestamp=timestamp, pages=pages),
                   [CSS(string=_ROMAN_FOLIOS)])
    front_pages = list(front.pages)
    if len(front_pages) % 2:  # the first story opens on a right-hand page
        front_pages.append(layout('<div class="blank"></div>').pages[0])
    book = front.copy(front_pages + list(body.pages))
    labels = _page_labels(len(front_pages))
    return book.write_pdf(finisher=labels, pdf_identifier=True)


def _page_labels(front_count: int):
    """A finisher that labels the front matter i, ii, ... and the body 1, 2, ..."""
    def finish(document, pdf):
        pdf.catalog["PageLabels"] = pydyf.Dictionary({"Nums": pydyf.Array([
            0, pydyf.Dictionary({"S": "/r"}),
            front_count, pydyf.Dictionary({"S": "/D"}),
        ])})
    return finish
