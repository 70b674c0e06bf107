"""BookView -> PDF: the screen edition (RGB, tagged, hyperlinked) and the print interior
(PDF/X, CMYK black, bleed, no link annotations), laid out by the paged engine (paged/).

This module says what an edition is made of (the theme's stylesheets with its faces pinned,
the files a layout may read, the PDF variant); ``paged.pagination`` lays it out and joins it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from . import fonts
from .model import book_images
from .paged.cache import files_digest
from .paged.layout import Piece
from .paged.pagination import WINDOW_ENTRIES, Edition, Paginated, Pagination
from .paged.plan import CHUNK_PAGES, PageSetup, BLANK
from .paged.runner import Runner
from .render import BookView
from .theme import BUILTIN, Theme

ICC_PROFILES = (Path("/usr/share/color/icc/ghostscript/default_cmyk.icc"),
                Path("/usr/share/color/icc/ghostscript/ps_cmyk.icc"))


@dataclass
class RenderedPdf:
    data: bytes                         # the PDF (empty if only the pagination was wanted)
    setup: PageSetup
    front_pages: int
    page_count: int
    labels: dict[str, str]              # anchor (story-1, contributors, ...) -> printed label
    # (page label, first anchor starting on that page, ""), or for a page that starts inside
    # a block (label, the block's anchor, the page's first words)
    page_starts: list[tuple[str, str, str]]
    chunks: int = 1
    # Each body page as laid out before the join: (its piece, page in it, page in the book).
    body: list[tuple[Piece, int, int]] = field(default_factory=list)


    def piece_pages(self, view: BookView) -> dict[str, tuple[str, str]]:
        """Each piece's first and last printed page, by its anchor: from its start to the
        last page with text before the next piece, part or back-matter section; the page
        where that next one starts, if it starts mid-page (a piece that runs on)."""
        order = [anchor for entry in view.outline(paged=True) if entry.kind != "front"
                 for anchor in (entry.anchor, *(child.anchor for child in entry.children))]
        starting = {anchor for _, anchor, words in self.page_starts if not words}
        with_text = sorted(int(label) for label, _, _ in self.page_starts if label.isdigit())
        out = {}
        for n, anchor in enumerate(order):
            if not anchor.startswith("story-") or anchor not in self.labels:
                continue
            first = int(self.labels[anchor])
            following = next((a for a in order[n + 1:] if a in self.labels), None)
            end = int(self.labels[following]) if following else with_text[-1] + 1
            if following in starting or following is None:
                end = max((p for p in with_text if first <= p < end), default=first)
            out[anchor] = (str(first), str(end))
        return out


def icc_profile() -> Path:
    for path in ICC_PROFILES:
        if path.is_file():
            return path
    raise FileNotFoundError("no CMYK ICC profile for the PDF/X output intent; install the "
                            "Debian package libgs-common (it provides default_cmyk.icc)")


def edition_of(view: BookView, theme: Theme, book_dir: Path, edition: str) -> Edition:
    """The ``screen`` or ``print`` edition's stylesheets, readable files and variant.

    A layout reads the book's images (each checked by load_book), the theme's files and the
    system's fonts (local() faces), nothing else: the theme's CSS cannot reach into the book.
    """
    settings = view.book.print
    printing = edition == "print"
    images = [book_dir / path for path in book_images(view.book)]
    roots = tuple(str(p) for p in [*images, *theme.readable]
                  + ([icc_profile().parent] if printing else []))
    pinned = fonts.pin(theme.stylesheet("book.css", emoji=True))
    base = [(pinned.css, theme.path("book.css").as_uri())]
    if printing:
        base.append((theme.render("print.css", icc=icc_profile().as_uri()), ""))
    if settings.recto_starts:
        base.append((".story:not(.runon) { break-before: right; }", ""))  # run-on pieces run on
    return Edition(tuple(base), roots, book_dir.as_uri() + "/",
                   f"pdf/{settings.pdf_x}" if printing else "pdf/ua-1",  # the screen PDF is tagged
                   files_digest(images + theme.files + [Path(f.path) for f in pinned.faces]))


@dataclass
class BookLayout:
    """A book laid out once, as its screen edition, and written as the screen PDF or as
    the print interior (made from the screen's pages, not laid out again: the text block has
    the same width, so lines and pages break alike; paged/printing.py)."""
    view: BookView
    theme: Theme
    book_dir: Path
    pagination: Pagination
    paginated: Paginated

    def rendered(self, edition: str = "screen", join: bool = True) -> RenderedPdf:
        """The ``screen`` or ``print`` PDF (with ``join=False`` only its pagination). A
        theme with a ``print.css`` of its own may change more than the black: its print
        interior is laid out as print, not made from the screen's pages."""
        pagination, paginated, printing = self.pagination, self.paginated, edition == "print"
        print_edition = edition_of(self.view, self.theme, self.book_dir, "print") \
            if printing else None
        if printing and self.theme.path("print.css").parent != BUILTIN:
            pagination = replace(pagination, edition=print_edition)
            paginated, print_edition = pagination.run(with_sheet=join), None
        data = pagination.write(paginated, print_edition) if join else b""
        body_pages = [(paginated.pieces[p.chunk], p.page, paginated.front_count + p.number - 1)
                      for p in paginated.body.placements if p.chunk != BLANK]
        return RenderedPdf(data, pagination.setup(paginated.guess, printing),
                           paginated.front_count, paginated.page_count,
                           {anchor: str(number) for anchor, number in paginated.pages.items()},
                           paginated.page_starts(), len(pagination.chunks), body_pages)


def lay_out_book(view: BookView, theme: Theme, book_dir: Path, timestamp: str,
                 runner: Runner | None = None, chunk_pages: float = CHUNK_PAGES,
                 window_entries: int = WINDOW_ENTRIES, with_sheet: bool = True) -> BookLayout:
    """Lay the book out (its pieces found in the runner's cache where they can be);
    ``with_sheet``: the stamp sheet of folios and running heads too, needed for a PDF (not
    for a page list)."""
    pagination = Pagination(view, theme, timestamp, edition_of(view, theme, book_dir, "screen"),
                            runner or Runner(), chunk_pages, window_entries)
    return BookLayout(view, theme, book_dir, pagination, pagination.run(with_sheet))


def render_pdf(view: BookView, theme: Theme, book_dir: Path, timestamp: str,
               edition: str = "screen", runner: Runner | None = None,
               chunk_pages: float = CHUNK_PAGES, join: bool = True,
               window_entries: int = WINDOW_ENTRIES) -> RenderedPdf:
    """The whole book as PDF, ``screen`` or ``print``. With ``join=False`` only the
    pagination is wanted (for the EPUB's page list): the pieces are laid out (or found in
    the cache) but not joined."""
    return lay_out_book(view, theme, book_dir, timestamp, runner, chunk_pages, window_entries,
                        with_sheet=join).rendered(edition, join)
