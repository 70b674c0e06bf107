"""BookView -> PDF with WeasyPrint: the screen edition and the print interior.

The body (parts, stories, back matter) is laid out first; its anchors give every story's
page number, which the front matter (title, copyright, contents, foreword) then prints as
plain text. The two documents count their own pages (roman i, ii, ... and arabic 1, 2, ...),
are joined into one file, and get matching PDF page labels. The inside margin follows the
printer's gutter table for the final page count, so layout repeats until the count settles.
"""

from __future__ import annotations

import logging
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pydyf
from weasyprint import CSS, HTML
from weasyprint.pdf import metadata as xmp
from weasyprint.urls import URLFetcher

from .model import PrintSettings
from .profiles import gutter
from .render import BookView, pdf_html
from .theme import Theme

logging.getLogger("weasyprint").setLevel(logging.ERROR)
logging.getLogger("fontTools").setLevel(logging.ERROR)

ICC_PROFILES = (Path("/usr/share/color/icc/ghostscript/default_cmyk.icc"),
                Path("/usr/share/color/icc/ghostscript/ps_cmyk.icc"))


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
    """Trim size, bleed and margins in inches, for a book of a given page count."""
    width: float
    height: float
    bleed: float
    top: float
    bottom: float
    inside: float
    outside: float

    @classmethod
    def for_book(cls, settings: PrintSettings, page_count: int, bleed: bool) -> PageSetup:
        rules = settings.rules
        floor = rules.min_margin_bleed if settings.bleed else rules.min_margin
        width, height = settings.trim
        return cls(width, height, settings.bleed if bleed else 0.0,
                   top=max(0.9, floor), bottom=max(0.95, floor),
                   inside=max(gutter(page_count) + 0.25, rules.min_inside, floor),
                   outside=max(0.6, floor))

    def css(self) -> str:
        bleed = f" bleed: {self.bleed}in; marks: none;" if self.bleed else ""
        return (f"@page {{ size: {self.width}in {self.height}in;{bleed} "
                f"margin: {self.top}in {self.outside}in {self.bottom}in {self.inside}in; }}\n"
                f"@page :left {{ margin-left: {self.outside}in; margin-right: {self.inside}in; }}\n"
                f"@page :right {{ margin-left: {self.inside}in; margin-right: {self.outside}in; }}\n")


@dataclass
class RenderedPdf:
    data: bytes
    setup: PageSetup
    front_pages: int
    page_count: int
    labels: dict[str, str]  # anchor (story-1, contributors, ...) -> printed page label
    page_starts: list[tuple[str, str]]  # (page label, first anchor on that page), in order


_ROMAN_FOLIOS = "@page { @bottom-center { content: counter(page, lower-roman); } }"


def icc_profile() -> Path:
    for path in ICC_PROFILES:
        if path.is_file():
            return path
    raise FileNotFoundError("no CMYK ICC profile for the PDF/X output intent; install the "
                            "Debian package libgs-common (it provides default_cmyk.icc)")


def render_pdf(view: BookView, theme: Theme, book_dir: Path, timestamp: str,
               edition: str = "screen") -> RenderedPdf:
    """The whole book as PDF: ``screen`` (RGB, hyperlinked) or ``print`` (PDF/X, CMYK black,
    bleed, no link annotations)."""
    settings = view.book.print
    printing = edition == "print"
    roots = [book_dir, *theme.search_path] + ([icc_profile().parent] if printing else [])
    fetcher = LocalFetcher(roots)
    stylesheets = [CSS(string=theme.read("book.css"), url_fetcher=fetcher,
                       base_url=theme.path("book.css").as_uri())]
    profiles: dict = {}  # filled by print.css's @color-profile, read by the PDF writer
    if printing:
        stylesheets.append(CSS(string=theme.render("print.css", icc=icc_profile().as_uri()),
                               url_fetcher=fetcher, color_profiles=profiles))
    if settings.recto_starts:
        stylesheets.append(CSS(string=".story { break-before: right; }"))

    options = {"pdf_identifier": True, "color_profiles": profiles}
    if printing:  # the output intent is fixed when the document is laid out
        options.update(pdf_variant=f"pdf/{settings.pdf_x}", output_intent="device-cmyk")
    guess = len(view.stories) + 8
    for _ in range(4):
        setup = PageSetup.for_book(settings, guess, bleed=printing)
        sheets = stylesheets + [CSS(string=setup.css())]

        def layout(html: str, extra: tuple = ()):
            return HTML(string=html, base_url=book_dir.as_uri() + "/",
                        url_fetcher=fetcher).render(stylesheets=sheets + list(extra), **options)

        body = layout(pdf_html(view, theme, front=False, timestamp=timestamp))
        pages = {anchor: number for number, page in enumerate(body.pages, start=1)
                 for anchor in page.anchors}
        front = layout(pdf_html(view, theme, front=True, timestamp=timestamp, pages=pages),
                       (CSS(string=_ROMAN_FOLIOS),))
        front_pages = list(front.pages)
        if len(front_pages) % 2:  # the first story opens on a right-hand page
            front_pages.append(layout('<div class="blank"></div>').pages[0])
        body_pages = list(body.pages)
        if len(body_pages) % 2:  # a printed book has an even number of pages
            body_pages.append(layout('<div class="blank"></div>').pages[0])
        total = len(front_pages) + len(body_pages)
        if gutter(total) == gutter(guess):
            break
        guess = total

    document = front.copy(front_pages + body_pages)
    options.pop("color_profiles")
    with _stable_xmp_ids(view.book.uid + edition):
        data = document.write_pdf(finisher=_finisher(len(front_pages), printing), **options)
    labels = {anchor: str(number) for anchor, number in pages.items()}
    starts = _page_starts(front_pages, roman) + _page_starts(body_pages, str)
    return RenderedPdf(data, setup, len(front_pages), total, labels, starts)


def _page_starts(pages, label) -> list[tuple[str, str]]:
    """(label, topmost anchor that starts there) for every page where an element starts.
    A box split over pages lists its anchor on each of them; only its first page counts."""
    seen, starts = set(), []
    for number, page in enumerate(pages, start=1):
        new = [a for a in page.anchors if a not in seen]
        seen.update(page.anchors)
        if new:
            starts.append((label(number), min(new, key=lambda a: page.anchors[a][1::-1])))
    return starts


def roman(number: int) -> str:
    out = ""
    for value, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"),
                           (90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"),
                           (4, "iv"), (1, "i")):
        count, number = divmod(number, value)
        out += letters * count
    return out


@contextmanager
def _stable_xmp_ids(seed: str):
    """WeasyPrint gives PDF/X-4's XMP a random DocumentID (uuid4); derive it from the book
    instead, so that the same book gives the same bytes."""
    original = xmp.uuid4
    xmp.uuid4 = lambda: uuid.uuid5(uuid.NAMESPACE_URL, seed)
    try:
        yield
    finally:
        xmp.uuid4 = original


def _finisher(front_count: int, printing: bool):
    """Labels the front matter i, ii, ... and the body 1, 2, ...; the print edition drops its
    link annotations (PDF/X allows none on the page)."""
    def finish(document, pdf):
        pdf.catalog["PageLabels"] = pydyf.Dictionary({"Nums": pydyf.Array([
            0, pydyf.Dictionary({"S": "/r"}),
            front_count, pydyf.Dictionary({"S": "/D"}),
        ])})
        if printing:
            for obj in pdf.objects:
                if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/Page":
                    obj.pop("Annots", None)
    return finish
