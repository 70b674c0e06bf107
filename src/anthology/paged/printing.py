"""The print interior made from the screen edition's pages, not laid out again.

Both editions break lines and pages alike: the screen PDF's margins are the mean of the print
interior's inside and outside margins, so its text block has the same width (plan.PageSetup).
A screen page becomes a print page by moving its content onto the printed sheet (the bleed,
and the gutter on the side the page is bound), its black from RGB to the printer's black
(K only, as print.css asks), its links and its tags dropped (PDF/X wants no link
annotations on the page, and the print interior has no structure tree). Folios and running
heads move with the page: the screen centres them on the text block, as print does.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

import pikepdf

from ..profiles import is_recto
from .plan import PageSetup

# The content's black in RGB (book.css: #000) as the printer's black, K only (print.css): a
# whole line of a content stream (WeasyPrint writes an operator a line, its strings of glyphs
# in hex, and pikepdf an operation a line, strings escaped: no text ever is such a line).
_BLACK = re.compile(rb"^0 0 0 (rg|RG)$", re.MULTILINE)


def _in_black(data: bytes) -> bytes:
    return _BLACK.sub(lambda m: b"0 0 0 1 k" if m[1] == b"rg" else b"0 0 0 1 K", data)


@dataclass(frozen=True)
class Press:
    """Makes screen pages (laid out with ``screen``) print pages (of ``printed``)."""
    screen: PageSetup
    printed: PageSetup

    def offset(self, recto: bool) -> tuple[float, float]:
        """How far a page's content moves, in points, from the screen page to the sheet."""
        def left(setup: PageSetup) -> float:
            return setup.inside if recto else setup.outside
        bleed = self.printed.bleed
        return (bleed + left(self.printed) - left(self.screen)) * 72, bleed * 72

    def press(self, pdf: pikepdf.Pdf, indices: list[int],
              first: int) -> dict[tuple, tuple[float, float]]:
        """Pages ``indices`` of ``pdf``, the first of them the book's page ``first``, made
        print pages: how far each moved, by its objgen."""
        width, height = ((size + 2 * self.printed.bleed) * 72
                         for size in (self.printed.width, self.printed.height))
        bleed = self.printed.bleed * 72
        sheet = pikepdf.Array([0, 0, width, height])
        trim = pikepdf.Array([bleed, bleed, width - bleed, height - bleed])
        forms: set[tuple] = set()
        moved = {}
        for k, i in enumerate(indices):
            page = pdf.pages[i]
            dx, dy = self.offset(is_recto(first + k))
            data = _in_black(b"\n".join(_contents(page.obj)))
            page.obj.Contents = _stream(pdf, b"q 1 0 0 1 %.4f %.4f cm\n%s\nQ\n" % (dx, dy, data))
            _recolour_forms(pdf, page.obj.get("/Resources"), forms)
            for key in ("/Annots", "/StructParents", "/Tabs", "/CropBox"):
                if key in page.obj:
                    del page.obj[key]
            page.obj.MediaBox, page.obj.BleedBox, page.obj.TrimBox = sheet, sheet, trim
            moved[page.objgen] = (dx, dy)
        return moved


def _contents(page: pikepdf.Dictionary) -> list[bytes]:
    contents = page.get("/Contents")
    if contents is None:
        return []
    streams = contents if isinstance(contents, pikepdf.Array) else [contents]
    return [stream.read_bytes() for stream in streams]


def _recolour_forms(pdf: pikepdf.Pdf, resources, done: set[tuple]) -> None:
    """The page's form XObjects (the stamped folios and heads, and the forms inside them)
    recoloured, each once."""
    if resources is None or "/XObject" not in resources:
        return
    for form in resources.XObject.values():
        if form.get("/Subtype") != "/Form" or form.objgen in done:
            continue
        done.add(form.objgen)
        form.write(zlib.compress(_in_black(form.read_bytes())), filter=pikepdf.Name.FlateDecode)
        _recolour_forms(pdf, form.get("/Resources"), done)


def _stream(pdf: pikepdf.Pdf, data: bytes) -> pikepdf.Stream:
    stream = pikepdf.Stream(pdf, b"")
    stream.write(zlib.compress(data), filter=pikepdf.Name.FlateDecode)
    return stream
