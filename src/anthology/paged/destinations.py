"""Where a reader can jump to: the sections' named destinations, links between the pieces,
and the book's outline (bookmarks).

A link from one piece to a section in another is laid out as an ``anthology:ANCHOR`` URI
(WeasyPrint drops internal links to anchors it cannot see) and made internal here. The
sections' named destinations of every piece are gathered as its pages are placed, into one
flat, sorted name tree (links across pieces and deep links like book.pdf#story-7 use them).
"""

from __future__ import annotations

from collections.abc import Callable

import pikepdf

from ..outline import LINK_SCHEME, Entry
from .writer import PdfWriter


def link_across_documents(pages) -> None:
    """Make the pages' ``anthology:ANCHOR`` links internal (to the named destination)."""
    for page in pages:
        for annot in page.obj.get("/Annots", []):
            action = annot.get("/A")
            if action is not None and str(action.get("/URI", "")).startswith(LINK_SCHEME):
                del annot["/A"]
                annot.Dest = pikepdf.String(str(action.URI)[len(LINK_SCHEME):])


class Destinations:
    """The sections' named destinations of the documents placed so far: name -> (where its
    page went, its left and top). A later document's destination of a name wins.

    Written two ways, as the pages were placed: into a pikepdf document (a body group, which
    is cached as a PDF: ``placed`` maps to page objects) or by the book's streaming writer
    (``placed`` maps to object numbers)."""

    def __init__(self, anchors: set[str]):
        self.anchors = anchors
        self.names: dict[bytes, tuple[object, float, object]] = {}

    def gather(self, pdf: pikepdf.Pdf, placed: dict[tuple, object],
               moved: dict[tuple, tuple[float, float]] | None = None) -> None:
        """The destinations of ``pdf`` on its pages that were placed: ``placed`` maps a
        page's objgen to where it went, ``moved`` to how far its content moved (x, y)."""
        if "/Names" not in pdf.Root or "/Dests" not in pdf.Root.Names:
            return
        for name, dest in pikepdf.NameTree(pdf.Root.Names.Dests).items():
            if name not in self.anchors:
                continue
            page = dest[0].objgen
            if page in placed:
                dx, dy = (moved or {}).get(page, (0.0, 0.0))
                top = dest[3] if dest[3] is None or not dy else float(dest[3]) + dy
                self.names[name.encode()] = (placed[page], float(dest[2]) + dx, top)

    def write_into(self, out: pikepdf.Pdf) -> None:
        """As ``out``'s name tree (``placed`` held its page objects)."""
        flat = pikepdf.Array()
        for name, (page, left, top) in sorted(self.names.items()):
            flat.append(pikepdf.String(name))
            flat.append(pikepdf.Array([page, pikepdf.Name.XYZ, left, top, 0]))
        out.Root.Names = pikepdf.Dictionary(Dests=out.make_indirect(pikepdf.Dictionary(Names=flat)))

    def write(self, writer: PdfWriter) -> int:
        """As a name tree written by ``writer`` (``placed`` held page object numbers): its
        number."""
        number = writer.reserve()
        writer.write(number, b"<< /Names [%s] >>" % b" ".join(
            pikepdf.String(name).unparse() + b" [%d 0 R /XYZ %s 0]" % (
                page, pikepdf.Array([left, top]).unparse().strip()[1:-1])
            for name, (page, left, top) in sorted(self.names.items())))
        return number


def write_outline(writer: PdfWriter, entries: list[Entry], page_of: Callable[[str], int]) -> int:
    """The book's outline (``BookView.outline(paged=True)``) written as bookmarks: its
    number. ``page_of(anchor)`` is the number of the page object an anchor is on."""
    def write(items: list[Entry], parent: int) -> tuple[int, int, int]:
        """Write ``items`` under ``parent``: the first, the last, and how many are shown."""
        numbers = [writer.reserve() for _ in items]
        shown = len(items)
        for i, entry in enumerate(items):
            children = list(entry.children)
            fields = [b"/Title " + pikepdf.String(entry.title).unparse(),
                      b"/Parent %d 0 R" % parent, b"/Dest [%d 0 R /Fit]" % page_of(entry.anchor)]
            if i:
                fields.append(b"/Prev %d 0 R" % numbers[i - 1])
            if i + 1 < len(items):
                fields.append(b"/Next %d 0 R" % numbers[i + 1])
            if children:
                first, last, count = write(children, numbers[i])
                fields.append(b"/First %d 0 R /Last %d 0 R /Count %d" % (first, last, count))
                shown += count
            writer.write(numbers[i], b"<< %s >>" % b" ".join(fields))
        return numbers[0], numbers[-1], shown

    root = writer.reserve()
    first, last, count = write(entries, root)
    writer.write(root, b"<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count %d >>"
                 % (first, last, count))
    return root
