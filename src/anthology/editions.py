"""Makes the outputs of a book's editions, each laid out once however many outputs and
editions read it: a paperback's pages serve its print file, its cover's spine, an ebook's
page-list and the ONIX record. Pieces laid out for one edition are found in the layout cache
by every other edition that sets them the same way."""

from __future__ import annotations

import datetime as dt
import functools
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import fonts
from .model import DEFAULT_EDITIONS, Book, Edition
from .paged.cache import Cache
from .paged.runner import Runner
from .pdf import RenderedPdf, render_pdf
from .render import BookView, book_view
from .theme import Theme


@dataclass(eq=False)
class Editions:
    book: Book                       # as the manifest gives it
    book_dir: Path
    moment: dt.datetime
    runner: Runner
    cache: Cache
    stage: Callable[[str], None]

    def __post_init__(self):
        self.layouts: dict[tuple[str, str], RenderedPdf] = {}  # (name, variant) -> pages
        self.fronts: dict[str, tuple] = {}   # name -> the front panel's key and Pending
        self.epubs: dict[str, bytes] = {}

    def name(self, edition: Edition) -> str:
        """The key of an edition's book: "" for a book without editions, whose default
        editions are all the book itself."""
        return edition.name if self.book.editions is not None else ""

    @functools.cache
    def book_as(self, name: str) -> Book:
        """The book as the edition ``name`` ("": as the manifest gives it)."""
        return self.book if not name else self.book.for_edition(
            next(e for e in self.book.editions if e.name == name))

    @functools.cache
    def theme(self, name: str) -> Theme:
        return Theme(self.book_dir, self.book_as(name).theme)

    @functools.cache
    def view(self, name: str) -> BookView:
        return book_view(self.book_as(name))

    def _named(self, name: str, what: str) -> str:
        return f"{what} ({name})" if name else what

    def layout(self, name: str, variant: str, join: bool = True) -> RenderedPdf:
        """The edition ``name`` laid out as the ``screen`` or ``print`` PDF (without the
        join, only its pagination), once per build."""
        known = self.layouts.get((name, variant))
        if known is None or join and not known.data:
            self.stage(self._named(name, "laying out the screen PDF" if variant == "screen"
                                   else "laying out the print interior"))
            known = self.layouts[name, variant] = render_pdf(
                self.view(name), self.theme(name), self.book_dir, self.moment.isoformat() + "Z",
                variant, self.runner, join=join)
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
            self.stage(self._named(name, "packing the EPUB"))
            from .epub import render_epub
            self.epubs[name] = render_epub(
                self.view(name), self.theme(name), self.moment, self.book_dir,
                lambda: self.cover_image(name), starts, self.cache, source_id)
        return self.epubs[name]

    def _page_source_isbn(self) -> str | None:
        source = self.page_list_source()
        return source.isbn if source is not None else None

    def page_count(self, name: str) -> int:
        return self.pages(name).page_count

    def onix(self) -> bytes:
        """The ONIX 3.0 record: one product per edition, its extent and each piece's pages
        from the real layout, an ebook's accessibility from what its EPUB declares."""
        from . import onix
        products = []
        for edition in self.book.editions or DEFAULT_EDITIONS[:2]:  # not a proof PDF
            name = self.name(edition)
            book = self.book_as(name)
            laid = self.pages(name) if edition.printed else None
            a11y, summary = (), None
            if edition.format == "ebook":
                a11y, summary = onix.accessibility_codes(_package_document(self.epub(name)))
            products.append(onix.Product(
                record=f"anthology:{book.slug}:{edition.name}", isbn=edition.isbn,
                form=edition.format, large_print=edition.large_print,
                title=_plain(book.title), subtitle=_plain(book.subtitle) if book.subtitle else None,
                people=tuple(onix.Person("B01", name, None) for name in book.editors),
                language=book.language,
                page_count=laid.page_count if laid else None,
                front_pages=laid.front_pages if laid else None,
                keywords=tuple(book.keywords), publisher=book.publisher, date=book.date,
                prices=tuple(sorted(edition.price.items())),
                description=_plain(book.description) if book.description else None,
                pieces=tuple(_pieces(self.view(name), laid)),
                accessibility=tuple(a11y), accessibility_summary=summary,
                trim=book.print.trim[::-1] if edition.printed else None,
                epub_version="3" if edition.format == "ebook" else None,
                page_source=self._page_source_isbn() if edition.format == "ebook" else None))
        return onix.message(products, self.book.publisher or "anthology", self.moment)


def _plain(markdown: str) -> str:
    from .text import plain_title
    return plain_title(markdown)


ONIX_ROLES = {"author": "A01", "translator": "B06", "illustrator": "A12", "editor": "B01"}


def _pieces(view: BookView, laid: RenderedPdf | None):
    """The ONIX content items: each piece's title, people and, in print, its pages."""
    from . import onix
    ranges = laid.piece_pages(view) if laid else {}
    for story in view.stories:
        people = tuple(onix.Person(ONIX_ROLES[role], person.name, person.sort_as)
                       for role, person in story.credits.roles())
        yield onix.Piece(story.heading, people, ranges.get(story.id))


def _package_document(epub_bytes: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(epub_bytes)) as z:
        name = next(n for n in z.namelist() if n.endswith(".opf"))
        return z.read(name)
