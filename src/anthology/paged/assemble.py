"""The book written as one PDF from its separately laid-out documents.

The writer (writer.PdfWriter) takes one document at a time: the front matter's windows, the
body's groups (join.py), the back matter's windows, stamped with their folios and running
heads (stamps.py). The front matter's first window gives the metadata, XMP, output intent
and language; the book gets one outline, one table of named destinations (destinations.py),
page labels, one program per font (fontmerge.py) and, on screen, one structure tree
(structure.py).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pikepdf

from ..outline import FRONT_MATTER
from ..render import BookView
from . import structure
from .cache import Cache
from .destinations import Destinations, link_across_documents, write_outline
from .fontmerge import FacePrograms
from .join import BodyJoin
from .layout import Piece
from .printing import Press
from .windows import Pages
from .workers import release_memory
from .writer import PdfWriter


@dataclass(frozen=True)
class BackMatter:
    """A back-matter document, laid out without folios or running heads (assemble stamps
    them): its section's id, its pages, the number of its first, and its running head."""
    id: str
    pages: Pages
    first_number: int
    head: str


def assemble(view: BookView, front: Pages, body: BodyJoin, backs: list[BackMatter],
             pages: dict[str, int], printing: bool, variant: str, base: bytes | None = None,
             press: Press | None = None) -> bytes:
    """The book: ``front`` (its pages numbered in roman), the body, the ``backs``, each
    padded with the body's blank page to an even count; ``pages`` maps every anchor outside
    the front matter to its page number. The book's metadata, output intent and language
    come from the PDF ``base`` (by default the front matter's first window); ``press``
    makes every page a print page (printing.py)."""
    base = pikepdf.open(io.BytesIO(base or front.pages[0][0].pdf))
    _describe(base, view)
    book = _Book(PdfWriter(base.pdf_version, object_streams=variant != "pdf/x-1a"),
                 body.anchors, body.cache, tagged=structure.document_of(base) is not None,
                 press=press)
    contents = _contents_pages(front)
    for laid, indices in _slices(front):
        book.add(laid.pdf, indices, contents=set(indices) & contents.get(id(laid), set()),
                 margins=True)
    book.pad(body.blank)
    front_count = len(book.pages)

    for joined in body.groups():
        book.add(joined)  # the body's blanks are placed
        release_memory(collect=False)

    for back in backs:  # each opens on a right-hand page
        done = 0
        for laid, indices in _slices(back.pages):
            def stamp(pdf: pikepdf.Pdf, indices=indices, done=done, back=back) -> None:
                stamper = body.sheet.stamper(pdf, body.sheet_laid, body.setup)
                for k, i in enumerate(indices, start=done):
                    if not back.pages.blanks[k]:
                        stamper.stamp(pdf.pages[i], back.first_number + k, back.head if k else None)
            book.add(laid.pdf, indices, stamp)
            done += len(indices)
        book.pad(body.blank)

    front_index = {a: i for i, anchors in enumerate(front.anchors) for a in anchors}
    outline = b""
    if not printing or view.book.print.rules.bookmarks:
        outline = b"/Outlines %d 0 R " % write_outline(
            book.writer, view.outline(paged=True), lambda anchor: book.pages[
                front_index[anchor] if anchor in front_index else front_count + pages[anchor] - 1])
    catalog = {key: value for key, value in base.Root.items()
               if key not in ("/Type", "/Pages", "/Outlines", "/Names", "/Dests", "/PageLabels",
                              "/StructTreeRoot")}
    entries = book.writer.copy(base, pikepdf.Dictionary(catalog).unparse(resolved=True), {})
    info = book.writer.copy(base, base.trailer.Info.unparse(resolved=True), {}) \
        if "/Info" in base.trailer else b"<< >>"
    return book.finish(entries.strip()[2:-2] + b" %s/PageLabels << /Nums "
                       b"[0 << /S /r >> %d << /S /D >>] >>" % (outline, front_count), info)


def _describe(pdf: pikepdf.Pdf, view: BookView) -> None:
    """The XMP's dc:contributor, everyone the pieces credit in index order (WeasyPrint
    writes the book's creators, its editors, as dc:creator and /Author), and the edition's
    ISBN as dc:identifier (urn:isbn:...). A PDF without XMP (the screen edition) gets one
    made from its document information."""
    names = [entry.person.name for entry in view.contributors if entry.pieces]
    isbn = view.book.isbn
    if not names and not isbn:
        return
    fresh = "/Metadata" not in pdf.Root
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
        if fresh:
            xmp.load_from_docinfo(pdf.docinfo)
        if names:
            xmp["dc:contributor"] = names
        if isbn:
            xmp["dc:identifier"] = f"urn:isbn:{isbn}"


class _Book:
    """The book being written: its pages' object numbers, the sections' named destinations,
    the fonts' programs and the structure tree, gathered as documents are added one at a
    time."""

    def __init__(self, writer: PdfWriter, anchors: frozenset[str], cache: Cache,
                 tagged: bool = False, press: Press | None = None):
        self.writer, self.press = writer, press
        self.pages: list[int] = []
        self.destinations = Destinations(anchors)
        self.fonts = FacePrograms(writer, cache)
        # The structure tree (structure.py), for a tagged book: the Document element's
        # number, its kids and the parent tree's entries, as written.
        self.document = writer.reserve() if tagged else None
        self.kids: list[bytes] = []
        self.parents: list[bytes] = []
        self.next_key = 0

    def add(self, data: bytes, indices: list[int] | None = None, prepare=None,
            contents: set[int] = frozenset(), margins: bool = False) -> None:
        """Pages ``indices`` (all by default) of the PDF ``data``, after ``prepare(pdf)``;
        the pages ``contents`` are the contents (tagged as a TOC). ``margins``: the pages
        have margin boxes (the front matter's folios; the rest are stamped)."""
        pdf = pikepdf.open(io.BytesIO(data))
        indices = list(range(len(pdf.pages))) if indices is None else indices
        if prepare:
            prepare(pdf)
        moved = self.press.press(pdf, indices, len(self.pages) + 1) if self.press else None
        chosen = [pdf.pages[i] for i in indices]
        link_across_documents(chosen)
        numbers: dict[int, int | None] = {}
        self.fonts.share(chosen, numbers)
        elements, entries = [], {}
        source = structure.Source(pdf) if self.document is not None else None
        if source and source.document is not None:
            elements, entries, self.next_key = structure.take(
                source, indices, self.next_key, contents=contents, margins=margins)
            numbers[source.document.objgen[0]] = self.document
        added = self.writer.add_pages(pdf, indices, numbers)
        if elements:
            self.kids.append(self.writer.copy(pdf, pikepdf.Array(elements).unparse(), numbers)
                             .strip()[1:-1])
        for key, value in entries.items():
            self.parents.append(b"%d %s" % (key, self.writer.copy(pdf, value.unparse(),
                                                                  numbers)))
        self.destinations.gather(pdf, {page.objgen: number
                                       for page, number in zip(chosen, added)}, moved)
        self.pages += added
        pdf.close()

    def pad(self, blank: Piece) -> None:
        """A blank page, if the pages so far are odd (what follows opens on a right side)."""
        if len(self.pages) % 2:
            self.add(blank.pdf)

    def finish(self, catalog: bytes, info: bytes) -> bytes:
        self.fonts.write()
        catalog += b" /Names << /Dests %d 0 R >>" % self.destinations.write(self.writer)
        if self.document is not None:
            root, parents = self.writer.reserve(), self.writer.reserve()
            self.writer.write(self.document, b"<< /Type /StructElem /S /Document /P %d 0 R "
                              b"/K [%s] >>" % (root, b" ".join(self.kids)))
            self.writer.write(parents, b"<< /Nums [%s] >>" % b" ".join(self.parents))
            self.writer.write(root, b"<< /Type /StructTreeRoot /K %d 0 R /ParentTree %d 0 R "
                              b"/ParentTreeNextKey %d >>" % (self.document, parents,
                                                             self.next_key))
            catalog += b" /StructTreeRoot %d 0 R" % root
        return self.writer.finish(catalog, info)


def _contents_pages(front: Pages) -> dict[int, set[int]]:
    """The contents' pages in the front matter's windows: id(window) -> its page indices."""
    out: dict[int, set[int]] = {}
    inside = False
    for (laid, p), anchors in zip(front.pages, front.anchors):
        if anchors and anchors[0] in FRONT_MATTER:
            inside = anchors[0] == "contents"
        if inside:
            out.setdefault(id(laid), set()).add(p)
    return out


def _slices(document: Pages) -> list[tuple[Piece, list[int]]]:
    """A document's pages as (window, the indices of its pages kept), in order."""
    slices: list[tuple[Piece, list[int]]] = []
    for laid, p in document.pages:
        if slices and slices[-1][0] is laid:
            slices[-1][1].append(p)
        else:
            slices.append((laid, [p]))
    return slices
