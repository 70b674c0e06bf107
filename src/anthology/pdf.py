"""BookView -> PDF with WeasyPrint: the screen edition and the print interior.

WeasyPrint lays a document out in memory on one core, so the book is laid out in pieces:

- the body (parts and stories) in chunks that start where a story or part starts, in worker
  processes, each chunk without folios or running heads;
- the back matter (contributors, sources) and then the front matter (half-title to foreword),
  which print the body's page numbers as plain text;
- a "folio layer": one empty page per body page carrying its folio and running head, laid over
  the chunks' pages when ``merge`` joins everything with pikepdf.

A chunk's layout does not depend on where it lands: stories break to a new page, and the inside
and outside margins add up to the same text width on either side, so a chunk that lands on
the other side is shifted sideways by ``merge``. Breaks to a right-hand page (parts, or every
story with ``recto_starts``) only ever open a chunk. Page numbers, contents, outline, labels
and links are therefore exactly those of a single pass. Chunks are cached by content hash, so
a rebuild after one corrected story lays out one chunk.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import os
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from multiprocessing import get_context
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .cache import Cache
from .model import PrintSettings
from .profiles import gutter
from .render import BACK_MATTER, FRONT_MATTER, BookView, Section, pdf_html, sections
from .theme import Theme

ICC_PROFILES = (Path("/usr/share/color/icc/ghostscript/default_cmyk.icc"),
                Path("/usr/share/color/icc/ghostscript/ps_cmyk.icc"))
CHUNK_STORIES = 100  # stories per chunk: small enough for flat memory, big enough to amortise
_NO_MARGIN_BOXES = "".join(  # as specific as book.css's rules, and later: they win
    f"@page {side} {{ @top-center {{ content: none; }} @bottom-center {{ content: none; }} }}"
    for side in ("", ":left", ":right"))
_ROMAN_FOLIOS = "@page { @bottom-center { content: counter(page, lower-roman); } }"
_BLANK = Section("blank", "blank.html", "", {}, "")


def local_fetcher(roots):
    from weasyprint.urls import URLFetcher

    class LocalFetcher(URLFetcher):
        """Lets WeasyPrint read files inside the given folders and nothing else: no
        network, no file elsewhere on the machine. A refused URL is left out of the page."""

        def __init__(self):
            super().__init__(allowed_protocols={"file"})
            self.roots = [Path(root).resolve() for root in roots]

        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
                raise ValueError(f"anthology does not fetch {url!r}")
            path = Path(unquote(parts.path)).resolve()
            if not any(path.is_relative_to(root) for root in self.roots):
                raise ValueError(f"anthology does not read files outside the book: {path}")
            return super().fetch(path.as_uri(), headers)

    return LocalFetcher()


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


@dataclass(frozen=True)
class LayoutJob:
    """Everything one WeasyPrint layout needs, as plain data a worker process can receive."""
    html: str
    stylesheets: tuple[tuple[str, str], ...]  # (CSS text, base URL)
    roots: tuple[str, ...]                    # folders the layout may read
    base_url: str
    variant: str | None                       # "pdf/x-4", "pdf/x-1a" or None (screen)

    def key(self) -> str:
        text = repr((self, weasyprint_version(), 2))
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@lru_cache(maxsize=1)
def weasyprint_version() -> str:
    """Part of every cache key; read from the package metadata (importing WeasyPrint takes
    most of a second, and an EPUB-only or cached build need not)."""
    return importlib.metadata.version("weasyprint")


@dataclass
class Laid:
    """A laid-out document: its PDF, and per page the anchors that start there (topmost
    first) and whether WeasyPrint left it blank."""
    pdf: bytes
    anchors: list[list[str]]
    blanks: list[bool]


def lay_out(job: LayoutJob) -> Laid:
    """Run WeasyPrint on one document (in a worker process, or in this one)."""
    from weasyprint import CSS, HTML
    logging.getLogger("weasyprint").setLevel(logging.CRITICAL)  # refusals are by design
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    fetcher = local_fetcher(job.roots)
    profiles: dict = {}  # print.css's @color-profile lands here; the PDF writer reads it
    sheets = [CSS(string=text, base_url=base, url_fetcher=fetcher, color_profiles=profiles)
              for text, base in job.stylesheets]
    options = {"output_intent": "device-cmyk", "pdf_variant": job.variant} if job.variant else {}
    document = HTML(string=job.html, base_url=job.base_url, url_fetcher=fetcher).render(
        stylesheets=sheets, color_profiles=profiles, **options)
    seen: set[str] = set()
    anchors, blanks = [], []
    for page in document.pages:
        new = sorted((a for a in page.anchors if a not in seen),
                     key=lambda a: (page.anchors[a][1], page.anchors[a][0]))
        seen.update(page.anchors)
        anchors.append(new)
        blanks.append(bool(page._page_box.page_type.blank))
    with _stable_xmp_ids(job.key()):
        pdf = document.write_pdf(finisher=_drop_links if job.variant else None, **options)
    return Laid(pdf, anchors, blanks)


def _lay_out_numbered(item: tuple[int, LayoutJob]) -> tuple[int, Laid]:
    return item[0], lay_out(item[1])


def _drop_links(document, pdf):
    """PDF/X allows no link annotations on the page."""
    import pydyf
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/Page":
            obj.pop("Annots", None)


@contextmanager
def _stable_xmp_ids(seed: str):
    """WeasyPrint gives PDF/X-4's XMP a random DocumentID (uuid4); derive it from the content
    instead, so that the same book gives the same bytes."""
    from weasyprint.pdf import metadata as xmp
    original = xmp.uuid4
    xmp.uuid4 = lambda: uuid.uuid5(uuid.NAMESPACE_URL, seed)
    try:
        yield
    finally:
        xmp.uuid4 = original


class Runner:
    """Lays out jobs: from the cache when it has them, else in up to ``jobs`` processes."""

    def __init__(self, jobs: int = 1, cache: Cache | None = None,
                 progress: Callable[[int, int], None] = lambda done, total: None):
        self.jobs, self.cache, self.progress = max(1, jobs), cache, progress

    def run(self, jobs: list[LayoutJob]) -> list[Laid]:
        keys = [job.key() for job in jobs]
        results = [self.cache.get(k) if self.cache else None for k in keys]
        todo = [i for i, r in enumerate(results) if r is None]
        done = len(jobs) - len(todo)
        self.progress(done, len(jobs))
        if len(todo) > 1 and self.jobs > 1:
            # Fresh processes (spawn: nothing inherited); a worker's memory is bounded by the
            # chunk size, not by the book's length.
            with get_context("spawn").Pool(min(self.jobs, len(todo))) as pool:
                for i, laid in pool.imap_unordered(_lay_out_numbered, [(i, jobs[i]) for i in todo]):
                    results[i] = self._store(keys[i], laid)
                    done += 1
                    self.progress(done, len(jobs))
        else:
            for i in todo:
                results[i] = self._store(keys[i], lay_out(jobs[i]))
                done += 1
                self.progress(done, len(jobs))
        return results

    def _store(self, key: str, laid: Laid) -> Laid:
        if self.cache:
            self.cache.put(key, laid)
        return laid


@dataclass
class RenderedPdf:
    data: bytes
    setup: PageSetup
    front_pages: int
    page_count: int
    labels: dict[str, str]              # anchor (story-1, contributors, ...) -> printed label
    page_starts: list[tuple[str, str]]  # (page label, first anchor starting on that page)
    chunks: int = 1


def icc_profile() -> Path:
    for path in ICC_PROFILES:
        if path.is_file():
            return path
    raise FileNotFoundError("no CMYK ICC profile for the PDF/X output intent; install the "
                            "Debian package libgs-common (it provides default_cmyk.icc)")


def plan_chunks(body: list[Section], size: int) -> list[list[Section]]:
    """Split the body's sections into chunks of at most ``size`` stories. A part opener breaks
    to a right-hand page, so it always opens a chunk: then a chunk that starts with a story
    holds no right-hand break (unless every story has one, ``recto_starts``, and then the
    chunk itself starts on a right-hand page), and its layout is the same on either side."""
    chunks: list[list[Section]] = []
    stories = 0
    for section in body:
        is_part = section.template == "part.html"
        if not chunks or (is_part and chunks[-1]) or stories >= size:
            chunks.append([])
            stories = 0
        chunks[-1].append(section)
        stories += not is_part
    return chunks


def render_pdf(view: BookView, theme: Theme, book_dir: Path, timestamp: str,
               edition: str = "screen", runner: Runner | None = None,
               chunk_stories: int = CHUNK_STORIES, join: bool = True) -> RenderedPdf:
    """The whole book as PDF: ``screen`` (RGB, hyperlinked) or ``print`` (PDF/X, CMYK black,
    bleed, no link annotations). With ``join=False`` only the pagination is wanted (for the
    EPUB's page list): the pieces are laid out (or found in the cache) but not joined."""
    from .merge import assemble

    runner = runner or Runner()
    settings = view.book.print
    printing = edition == "print"
    roots = tuple(str(p) for p in [book_dir, *theme.search_path]
                  + ([icc_profile().parent] if printing else []))
    base = [(theme.read("book.css"), theme.path("book.css").as_uri())]
    if printing:
        base.append((theme.render("print.css", icc=icc_profile().as_uri()), ""))
    if settings.recto_starts:
        base.append((".story { break-before: right; }", ""))
    variant = f"pdf/{settings.pdf_x}" if printing else None
    book_url = book_dir.as_uri() + "/"

    def job(html: str, *extra: str, setup: PageSetup) -> LayoutJob:
        sheets = tuple(base) + ((setup.css(), ""),) + tuple((css, "") for css in extra)
        return LayoutJob(html, sheets, roots, book_url, variant)

    paged = sections(view, paged=True)
    front_matter = [s for s in paged if s.id in FRONT_MATTER]
    back_matter = [s for s in paged if s.id in BACK_MATTER]
    body = [s for s in paged if s.id not in FRONT_MATTER and s.id not in BACK_MATTER]
    chunks = plan_chunks(body, chunk_stories)
    guess = len(view.stories) + 8
    for _ in range(4):  # until the page count keeps the gutter it was laid out with
        setup = PageSetup.for_book(settings, guess, bleed=printing)
        laid = runner.run([job(pdf_html(view, theme, chunk, timestamp), _NO_MARGIN_BOXES,
                               setup=setup) for chunk in chunks])
        layout = BodyLayout.join(chunks, laid, settings.recto_starts)
        start = layout.page_count + 1
        back, folios = runner.run([  # independent of each other: laid out side by side
            job(pdf_html(view, theme, back_matter, timestamp, layout.pages),
                f"@page :first {{ counter-reset: page {start}; }}", setup=setup),
            job(layout.folio_html(view, theme, timestamp), setup=setup)])
        pages = {**layout.pages, **{a: start + i for i, anchors in enumerate(back.anchors)
                                    for a in anchors}}
        front = lay_out_cached(runner, job(pdf_html(view, theme, front_matter, timestamp, pages),
                                           _ROMAN_FOLIOS, setup=setup))
        front_count = len(front.blanks) + len(front.blanks) % 2
        back_count = len(back.blanks) + len(back.blanks) % 2
        total = front_count + layout.page_count + back_count
        if gutter(total) == gutter(guess):
            break
        guess = total

    blank = lay_out_cached(runner, job(pdf_html(view, theme, [_BLANK], timestamp), setup=setup))
    data = assemble(view, front, layout, laid, folios, back, blank, pages, setup,
                    printing=printing, pdf_x=settings.pdf_x) if join else b""
    labels = {anchor: str(number) for anchor, number in pages.items()}
    starts = [(roman(i), a[0]) for i, a in enumerate(front.anchors, start=1) if a]
    starts += [(str(n), a) for n, a in layout.starts]
    starts += [(str(start + i), a[0]) for i, a in enumerate(back.anchors) if a]
    return RenderedPdf(data, setup, front_count, total, labels, starts, len(chunks))


def lay_out_cached(runner: Runner, job: LayoutJob) -> Laid:
    return runner.run([job])[0]


@dataclass
class BodyLayout:
    """Where the chunks' pages land in the book's body (page 1 is the first story's page)."""
    placements: list[tuple[int, int, int]]  # (chunk, page in chunk, body page) in order
    blanks: dict[int, bool]                 # body page -> blank
    pages: dict[str, int]                   # anchor -> body page
    starts: list[tuple[int, str]]           # (body page, first anchor starting there)
    openers: set[int]                       # body pages where a section starts
    heads: dict[int, str]                   # body page -> running head (the section's title)
    page_count: int

    @classmethod
    def join(cls, chunks: list[list[Section]], laid: list[Laid], recto_starts: bool):
        placements, blanks, pages, starts, openers, heads = [], {}, {}, [], set(), {}
        number, current = 0, ""
        titles = {s.id: s.title for chunk in chunks for s in chunk}
        for c, (chunk, result) in enumerate(zip(chunks, laid)):
            opens_right = recto_starts or chunk[0].template == "part.html"
            if opens_right and number % 2 == 1:  # the previous page was a recto: add a verso
                number += 1
                blanks[number] = True
                placements.append((-1, 0, number))
            for p, (anchors, blank) in enumerate(zip(result.anchors, result.blanks)):
                number += 1
                placements.append((c, p, number))
                blanks[number] = blank
                if anchors:
                    starts.append((number, anchors[0]))
                for anchor in anchors:
                    pages.setdefault(anchor, number)
                    if anchor in titles:
                        openers.add(number)
                        current = titles[anchor]
                heads[number] = current
        if number % 2:  # the back matter opens on a right-hand page
            number += 1
            blanks[number] = True
            placements.append((-1, 0, number))
        return cls(placements, blanks, pages, starts, openers, heads, number)

    def folio_html(self, view: BookView, theme: Theme, timestamp: str) -> str:
        kinds = ["blank" if self.blanks[n] else "opener" if n in self.openers else "running"
                 for n in range(1, self.page_count + 1)]
        return theme.render("folios.html", book=view.book, view=view, timestamp=timestamp,
                            pages=list(zip(kinds, (self.heads.get(n, "") for n in
                                                   range(1, self.page_count + 1)))))


def roman(number: int) -> str:
    out = ""
    for value, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"),
                           (90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"),
                           (4, "iv"), (1, "i")):
        count, number = divmod(number, value)
        out += letters * count
    return out


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
