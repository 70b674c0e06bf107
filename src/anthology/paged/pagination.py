"""Pagination: one edition of the book laid out in pieces, side by side, and joined.

WeasyPrint lays a document out in memory on one core, so the book is laid out in pieces, on
worker processes:

- the body (parts and stories) in chunks (plan.py) that start where a story or part starts,
  without folios or running heads;
- the back matter (afterword, acknowledgements, contributors, sources: those the book has),
  also without them, and the front matter (half-title to foreword), which prints page
  numbers as plain text; their long lists in
  windows (windows.py), all of it driven side by side (runner.Runner.drive);
- a stamp sheet (stamps.py) with the ten digits and the running heads, cut out and placed
  on the body and back-matter pages.

The gutter depends on the page count, so the whole is laid out again while the count lands
in another of KDP's gutter bands than the one guessed. Pieces are cached by content hash, so
a rebuild after one corrected story lays out one chunk.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..outline import BACK_MATTER, FRONT_MATTER
from ..profiles import gutter, is_recto
from ..render import BookView, Section, pdf_html, sections
from ..theme import Theme
from .assemble import BackMatter, assemble
from .join import BodyJoin, languages
from .layout import LayoutJob, Piece
from .plan import (CHUNK_PAGES, BodyLayout, PageSetup, even, first_guess, page_start,
                   plan_chunks, roman)
from .printing import Press
from .runner import Pending, Runner
from .stamps import StampSheet
from .windows import CONTINUED_HEADS, NOT_YET, Layouts, NotYet, Pages, lay_out_in_windows

WINDOW_ENTRIES = 150   # entries of a long list (contents, indexes) per window: windows.py
GUTTER_TRIES = 4       # layouts of the book until its page count keeps the gutter guessed
FRONT_MATTER_TRIES = 3  # layouts of the front matter until the foreword's page is known
_NO_MARGIN_BOXES = "".join(  # as specific as book.css's rules, and later: they win
    f"@page {side} {{ @top-center {{ content: none; }} @bottom-center {{ content: none; }} }}"
    for side in ("", ":left", ":right"))
_ROMAN_FOLIOS = "@page { @bottom-center { content: counter(page, lower-roman); } }"
_BLANK = Section("blank", "blank.html", "", {}, "")


@dataclass(frozen=True)
class Edition:
    """What every layout of one edition shares (pdf.py makes it from the theme)."""
    stylesheets: tuple[tuple[str, str], ...]  # (CSS text, base URL): the theme's, and more
    roots: tuple[str, ...]                    # the files and folders a layout may read
    base_url: str                             # the book's folder, as a URL
    variant: str                              # WeasyPrint's pdf_variant: pdf/x-4,
                                              # pdf/x-1a (print) or pdf/ua-1 (screen)
    resources: str                            # digest of the files in ``roots``

    @property
    def printing(self) -> bool:
        """The print interior (PDF/X), else the screen PDF."""
        return self.variant.startswith("pdf/x")

    def job(self, html: str, *extra: str, setup: PageSetup, tagged: bool = True) -> LayoutJob:
        """A layout of ``html`` with the ``extra`` CSS; untagged (the stamp sheet, cut into
        artifacts) only matters on screen."""
        sheets = self.stylesheets + ((setup.css(), ""),) + tuple((css, "") for css in extra)
        return LayoutJob(html, sheets, self.roots, self.base_url,
                         self.variant if tagged or self.printing else None, self.resources)


@dataclass
class Paginated:
    """The book's pieces for one page setup, laid out, and where everything landed."""
    setup: PageSetup
    pieces: list[Piece]              # the body's chunks, laid out
    body: BodyLayout
    sheet: StampSheet
    sheet_pending: Pending | None    # its layout; None when only the pagination was wanted
    front: Pages
    backs: list[BackMatter]
    pages: dict[str, int]            # anchor (outside the front matter) -> page number
    front_count: int                 # the front matter's pages, padded to even
    page_count: int
    guess: int                       # the page count the setup's gutter was chosen for

    def page_starts(self) -> list[tuple[str, str, str]]:
        """(page label, page_start(...)) of every page that has one (the EPUB's page list)."""
        starts = _starts(self.front, lambda i: roman(i + 1))
        starts += [(str(n), a, words) for n, a, words in self.body.starts]
        for back in self.backs:
            starts += _starts(back.pages, lambda i, n=back.first_number: str(n + i), back.id)
        return starts


@dataclass
class Pagination:
    """Lays out one edition of ``view``: ``run`` finds the page setup whose gutter fits the
    page count, ``write`` joins the pieces into the PDF."""
    view: BookView
    theme: Theme
    timestamp: str
    edition: Edition
    runner: Runner
    chunk_pages: float = CHUNK_PAGES
    window_entries: int = WINDOW_ENTRIES
    front_matter: list[Section] = field(init=False)
    body: list[Section] = field(init=False)
    back_matter: list[Section] = field(init=False)
    chunks: list[list[Section]] = field(init=False)

    def __post_init__(self):
        paged = sections(self.view, paged=True)
        self.front_matter = [s for s in paged if s.id in FRONT_MATTER]
        self.back_matter = [s for s in paged if s.id in BACK_MATTER]
        self.body = [s for s in paged if s.id not in FRONT_MATTER and s.id not in BACK_MATTER]
        self.chunks = plan_chunks(self.body, self.chunk_pages)

    def run(self, with_sheet: bool = True) -> Paginated:
        """Lay the book out until its page count keeps the gutter it was laid out with
        (``with_sheet``: the stamp sheet too, which only ``write`` needs)."""
        guess = first_guess([len(story.story.text) for story in self.view.stories])
        for _ in range(GUTTER_TRIES):
            paginated = self.paginate(guess, with_sheet)
            if gutter(paginated.page_count) == gutter(guess):
                break
            guess = paginated.page_count
        return paginated

    def setup(self, guess: int, printed: bool) -> PageSetup:
        """The page setup for a book of about ``guess`` pages: the print interior's
        (``printed``: with its bleed and mirrored margins), else the screen's."""
        return PageSetup.for_book(self.view.book.print, guess, bleed=printed, mirrored=printed,
                                  type_size=self.theme.settings.font_size)

    def paginate(self, guess: int, with_sheet: bool = True) -> Paginated:
        """The whole book laid out once, with the setup for ``guess`` pages."""
        setup = self.setup(guess, self.edition.printing)
        laid = self.runner.run((self.edition.job(self._html(chunk), _NO_MARGIN_BOXES, setup=setup)
                                for chunk in self.chunks), len(self.chunks))
        body = BodyLayout.place(self.chunks, laid, self.view.book.print.recto_starts)
        sheet = StampSheet.for_book(body, [s.title for s in self.back_matter])
        sheet_pending = self._lay_out_sheet(sheet, setup) if with_sheet else None
        matter = _Matter(self, setup, body)
        *backs, front = self.runner.drive([*map(matter.back_matter_document, self.back_matter),
                                           matter.front_matter_document()])
        back_matter = [BackMatter(section.id, back, first, section.title) for back, first,
                       section in zip(backs, matter.starts().values(), self.back_matter)]
        pages = {**body.pages, **{a: back.first_number + i for back in back_matter
                                  for i, anchors in enumerate(back.pages.anchors)
                                  for a in anchors}}
        front_count = even(len(front.blanks))
        total = front_count + body.page_count + sum(even(len(b.blanks)) for b in backs)
        return Paginated(setup, laid, body, sheet, sheet_pending, front, back_matter, pages,
                         front_count, total, guess)

    def write(self, paginated: Paginated, printing: Edition | None = None) -> bytes:
        """The book's PDF, from its laid-out pieces; with ``printing`` (the print edition),
        the print interior made from this edition's pages (printing.py)."""
        blank = self.runner.lay_out(self.edition.job(self._html([_BLANK]),
                                                     setup=paginated.setup))
        sheet_laid = (paginated.sheet_pending
                      or self._lay_out_sheet(paginated.sheet, paginated.setup)).result()
        press, base, variant = None, None, self.edition.variant
        if printing is not None:
            # Its metadata and output intent: those of a page laid out as print.
            setup = self.setup(paginated.guess, printed=True)
            press, variant = Press(paginated.setup, setup), printing.variant
            base = self.runner.lay_out(printing.job(self._html([_BLANK]), setup=setup)).pdf
        self.runner.release()  # the workers' memory is not needed while the pieces are joined
        body = BodyJoin(paginated.body, paginated.pieces, paginated.sheet, sheet_laid, blank,
                        paginated.setup, self.section_ids(),
                        languages(self.view, paginated.body), self.runner.cache,
                        self.runner.progress)
        return assemble(self.view, paginated.front, body, paginated.backs, paginated.pages,
                        printing is not None or self.edition.printing, variant, base, press)

    def _lay_out_sheet(self, sheet: StampSheet, setup: PageSetup) -> Pending:
        return self.runner.submit(self.edition.job(
            sheet.html(self.view, self.theme, self.timestamp, setup), _numbered_from(0),
            setup=setup, tagged=False))

    def _html(self, chosen: list[Section], pages: dict[str, int] | None = None) -> str:
        return pdf_html(self.view, self.theme, chosen, self.timestamp, pages)

    def section_ids(self) -> frozenset[str]:
        """The anchors that get named destinations: the book's sections and the bios that
        bylines link to (not every paragraph)."""
        bios = (entry.id for entry in self.view.contributors if entry.person.bio)
        return frozenset([*(s.id for s in [*self.front_matter, *self.body, *self.back_matter]),
                          *bios])


class _Matter:
    """The front and back matter of one paginate(), laid out side by side.

    The back-matter sections open on right-hand pages one after another, so where each
    starts is known only when the ones before are laid out. So they are laid out without
    folios or running heads (stamped on, like the body's); the front matter prints their page
    numbers in the last lines of its contents, written as placeholders and filled in once
    known (a window that shows one not known yet waits: NOT_YET)."""

    def __init__(self, pagination: Pagination, setup: PageSetup, body: BodyLayout):
        self.pagination, self.setup, self.body = pagination, setup, body
        self.counts: dict[str, int] = {}  # back-matter section -> its pages, padded to even

    def document(self, chosen: list[Section], pages: dict[str, int], first: int, *extra: str,
                 stamped: bool = False,
                 fill=lambda html: html) -> Layouts:
        """A front- or back-matter document, its long lists laid out in windows; a
        ``stamped`` one without folios or running heads. ``fill(html)`` fills in page
        numbers, or says NOT_YET."""
        p = self.pagination
        extra = (*extra, _NO_MARGIN_BOXES) if stamped else extra

        def window(html: str, number: int, continued: bool) -> LayoutJob | NotYet:
            heads = "" if stamped else CONTINUED_HEADS
            sides = [heads, "" if is_recto(number) else "html { break-before: left; }"] \
                if continued else []
            html = fill(html)
            return html if html is NOT_YET else \
                p.edition.job(html, *extra, _numbered_from(number), *sides, setup=self.setup)
        # The contents shows the foreword's page, known only once the whole list is laid
        # out: its first window is small, as it is laid out again (front_matter_document).
        size = p.window_entries
        first_window = size // 4 if chosen is p.front_matter else size
        return lay_out_in_windows(window, p._html(chosen, pages), first, size, first_window)

    def back_matter_document(self, section: Section) -> Layouts:
        # Page numbers from 1 here: every section starts on a right-hand page.
        pages = yield from self.document([section], self.body.pages, 1, stamped=True)
        self.counts[section.id] = even(len(pages.blanks))
        return pages

    def starts(self) -> dict[str, int]:
        """Where the back-matter sections start, as far as known."""
        out, number = {}, self.body.page_count + 1
        for section in self.pagination.back_matter:
            out[section.id] = number
            if section.id not in self.counts:
                break
            number += self.counts[section.id]
        return out

    def fill_in(self, html: str, foreword: str) -> str | NotYet:
        html = html.replace(_later("foreword"), foreword)
        known = self.starts()
        for section in self.pagination.back_matter:
            if _later(section.id) in html:
                if section.id not in known:
                    return NOT_YET
                html = html.replace(_later(section.id), str(known[section.id]))
        return html

    def front_matter_document(self) -> Layouts:
        later = {anchor: _later(anchor)
                 for anchor in [*(s.id for s in self.pagination.back_matter), "foreword"]}
        label = ""  # the foreword's page, shown by the contents: found by laying out
        for _ in range(FRONT_MATTER_TRIES):
            front = yield from self.document(
                self.pagination.front_matter, {**self.body.pages, **later}, 1, _ROMAN_FOLIOS,
                fill=lambda html: self.fill_in(html, label))
            found = next((roman(i) for i, anchors in enumerate(front.anchors, start=1)
                          if "foreword" in anchors), "")
            if found == label:
                break
            label = found
        return front


def _starts(pages: Pages, label, section: str = "") -> list[tuple[str, str, str]]:
    """Where each page of a front- or back-matter document starts: a page of a long list's
    later window has no id around its text but the ``section``'s."""
    rows = enumerate(zip(pages.anchors, pages.firsts))
    return [(label(i), *start) for i, (anchors, first) in rows
            if (start := page_start(anchors, first, section))]


def _later(anchor: str) -> str:
    """A placeholder for a page number not known yet (private-use characters: never text)."""
    return f"\ue000{anchor}\ue001"


def _numbered_from(page: int) -> str:
    return f"@page :first {{ counter-reset: page {page}; }}"
