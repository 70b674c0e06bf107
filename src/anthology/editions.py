"""Makes the outputs of a book's editions, each laid out once however many outputs and
editions read it: a paperback's pages serve its print file, its cover's spine, an ebook's
page-list and the ONIX record. Pieces laid out for one edition are found in the layout cache
by every other edition that sets them the same way."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import fonts
from .model import DEFAULT_EDITIONS, Book, Edition
from .people import People
from .paged.cache import Cache
from .paged.runner import Runner
from .pdf import BookLayout, RenderedPdf, lay_out_book
from .render import BookView, book_view
from .text import plain_title
from .theme import Theme


@dataclass
class Editions:
    book: Book                       # as the manifest gives it
    book_dir: Path
    moment: dt.datetime
    runner: Runner
    cache: Cache
    stage: Callable[[str], None]

    def __post_init__(self):
        self.laid: dict[str, BookLayout] = {}
        self.layouts: dict[tuple[str, str], RenderedPdf] = {}  # (name, variant) -> pages
        self.fronts: dict[str, tuple] = {}   # name -> the front panel's key and Pending
        self.epubs: dict[str, bytes] = {}
        self.books: dict[str, Book] = {}
        self.themes: dict[str, Theme] = {}
        self.views: dict[str, BookView] = {}

    def name(self, edition: Edition) -> str:
        """The key of an edition's book: "" for a book without editions, whose default
        editions are all the book itself."""
        return edition.name if self.book.editions is not None else ""

    def book_as(self, name: str) -> Book:
        """The book as the edition ``name`` ("": as the manifest gives it)."""
        if name not in self.books:
            self.books[name] = self.book.as_edition(name)
        return self.books[name]

    def theme(self, name: str) -> Theme:
        if name not in self.themes:
            self.themes[name] = Theme(self.book_dir, self.book_as(name).theme)
        return self.themes[name]

    def view(self, name: str) -> BookView:
        if name not in self.views:
            self.views[name] = book_view(self.book_as(name))
        return self.views[name]

    def _named(self, name: str, what: str) -> str:
        return f"{what} ({name})" if name else what

    def book_layout(self, name: str, with_sheet: bool = True) -> BookLayout:
        """The edition ``name``'s pages, laid out once per build: its screen PDF and its
        print interior are both written from them (``with_sheet``: a PDF will be, so its
        stamp sheet is laid out beside the pages; else only when a PDF is written)."""
        if name not in self.laid:
            self.stage(self._named(name, "laying out the pages"))
            self.laid[name] = lay_out_book(self.view(name), self.theme(name), self.book_dir,
                                           self.moment.isoformat() + "Z", self.runner,
                                           with_sheet=with_sheet)
        return self.laid[name]

    def layout(self, name: str, variant: str, join: bool = True) -> RenderedPdf:
        """The edition ``name`` as the ``screen`` or ``print`` PDF (without the join, only
        its pagination), once per build."""
        known = self.layouts.get((name, variant))
        if known is None or join and not known.data:
            laid = self.book_layout(name, with_sheet=join)
            if join:
                self.stage(self._named(name, "writing the screen PDF" if variant == "screen"
                                       else "writing the print interior"))
            known = self.layouts[name, variant] = laid.rendered(variant, join)
        return known

    def pages(self, name: str) -> RenderedPdf:
        """A layout of the edition ``name``'s pages, screen or print (their pages break
        alike), laying out the print one if there is none."""
        for variant in ("print", "screen"):
            if (name, variant) in self.layouts:
                return self.layouts[name, variant]
        return self.layout(name, "print", join=False)

    def front_panel(self, name: str) -> tuple:
        """The front panel's cache key and layout, sent to a worker at once (it is needed
        last)."""
        from .cover import cover_image_job
        if name not in self.fronts:
            job = cover_image_job(self.book_as(name), self.theme(name), self.book_dir)
            self.fronts[name] = (Cache.key("cover image", 2, job.key()),
                                 self.runner.submit(job, urgent=True))
        return self.fronts[name]

    def cover_image(self, name: str) -> bytes:
        from .cover import cover_image
        key, pending = self.front_panel(name)
        return self.cache.get_or_make(
            key, lambda: cover_image(self.book_as(name), pending.result().pdf))

    def make(self, name: str, kinds) -> dict[str, bytes]:
        """The bytes of ``kinds`` ("print", "cover", "cover-image", "epub", "pdf") of the
        edition ``name``."""
        if {"cover-image", "epub"} & set(kinds):
            self.front_panel(name)
        out = {}
        if "pdf" in kinds:
            out["pdf"] = self.layout(name, "screen").data
        if "print" in kinds or "cover" in kinds:
            laid = self.layout(name, "print", join="print" in kinds)
            if "print" in kinds:
                out["print"] = laid.data
        if "cover" in kinds:
            from .cover import cover_job
            self.stage(self._named(name, "drawing the cover"))
            out["cover"] = self.runner.lay_out(cover_job(
                self.book_as(name), self.theme(name), laid.page_count, self.book_dir)).pdf
        if "epub" in kinds:
            out["epub"] = self.epub(name)
        if "cover-image" in kinds:
            out["cover-image"] = self.cover_image(name)
        return out

    def warnings(self, name: str) -> list[str]:
        """The theme's fonts this machine lacks."""
        return fonts.warnings(fonts.pin(self.theme(name).stylesheet("book.css", emoji=True))
                              .missing)

    def page_list_source(self) -> Edition | None:
        """The print edition whose pages an ebook's page-list follows: the first that is not
        large print, else the first."""
        printed = [e for e in self.book.all_editions if e.printed]
        return next((e for e in printed if not e.large_print), printed[0] if printed else None)

    def epub(self, name: str) -> bytes:
        if name not in self.epubs:
            source = self.page_list_source()
            starts, source_id = None, None
            if source is not None:
                printed = self.book_as(self.name(source))
                starts = self.pages(self.name(source)).page_starts
                source_id = printed.uid if printed.isbn else f"{printed.uid}#print"
            self.runner.release()  # laid out: the workers' memory is not needed to pack it
            self.stage(self._named(name, "packing the EPUB"))
            from .epub import render_epub
            self.epubs[name] = render_epub(
                self.view(name), self.theme(name), self.moment, self.book_dir,
                lambda: self.cover_image(name), starts, self.cache, source_id)
        return self.epubs[name]

    def page_count(self, name: str) -> int:
        return self.pages(name).page_count

    def onix(self) -> bytes:
        """The ONIX 3.0 record: one product per edition (a book without editions: its
        paperback and ebook), its extent and each piece's pages from the real layout, an
        ebook's accessibility from what its EPUB declares."""
        from . import onix
        from .cover import CoverGeometry
        source = self.page_list_source()
        products = []
        for edition in self.book.editions or DEFAULT_EDITIONS[:2]:
            name = self.name(edition)
            book = self.book_as(name)
            laid = self.pages(name) if edition.printed else None
            counted = source if edition.format == "ebook" else edition  # an ebook: its print's
            pages = self.page_count(self.name(counted)) if counted else None
            a11y, summary = onix.epub_accessibility(self.epub(name)) \
                if edition.format == "ebook" else ((), None)
            products.append(onix.Product(
                record=f"anthology:{book.slug}:{edition.name}",
                isbn=edition.isbn or (book.isbn13 if edition.printed else None),
                form=edition.format, large_print=edition.large_print,
                title=plain_title(book.title),
                subtitle=plain_title(book.subtitle) if book.subtitle else None,
                people=tuple(onix.Person("B01", person.name, person.sort_as)
                             for person in map(People(book).person, book.editors)),
                language=book.language, page_count=pages,
                front_pages=laid.front_pages if laid else None,
                keywords=tuple(book.keywords), publisher=book.publisher, date=book.date,
                subjects=tuple((scheme, code) for scheme in ("bisac", "thema")
                               for code in getattr(book.subjects, scheme)),
                prices=tuple(sorted(edition.price.items())),
                description=_plain(book.back_cover or book.description),
                short_description=_plain(book.description) if book.back_cover else None,
                pieces=tuple(_pieces(self.view(name), laid)),
                accessibility=tuple(a11y), accessibility_summary=summary,
                trim=book.print.trim[::-1] if laid else None,
                thickness=CoverGeometry.for_book(book, laid.page_count).spine if laid else None,
                epub_version="3" if edition.format == "ebook" else None,
                page_source=source.isbn if source and edition.format == "ebook" else None))
        return onix.message(products, self.book.publisher or "anthology", self.moment)


def _plain(markdown: str | None) -> str | None:
    """Markdown as plain text, paragraphs a blank line apart."""
    if not markdown:
        return None
    return "\n\n".join(plain_title(" ".join(paragraph.split()))
                       for paragraph in markdown.split("\n\n") if paragraph.strip())


def _pieces(view: BookView, laid: RenderedPdf | None):
    """The ONIX content items: each piece's title (an untitled one's first line, as the
    index of first lines names it), its people and, in print, its pages."""
    from . import onix
    ranges = laid.piece_pages(view) if laid else {}
    for story in view.stories:
        people = tuple(onix.Person(onix.ROLE_CODES[role], person.name, person.sort_as)
                       for role, person in story.credits.roles())
        title = story.heading if story.story.title else story.first_line
        yield onix.Piece(title, people, ranges.get(story.id))
