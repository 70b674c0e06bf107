"""The font matrix: a 154-piece book (several chunks, windows in the contents and the
contributors index) set in each of five faces, CFF and TrueType, static and variable, with
CJK (CID-keyed CFF) and emoji in the text, small caps, italics and old-style figures.

For every face, every glyph drawn has an outline (glyphs.py), and the joined book's body
pages, rasterised at 50 dpi with pypdfium2, equal the pages of the laid-out pieces before the
join over the text area (stamps and shifts are added at the join), pixel for pixel."""

from __future__ import annotations

import ctypes

import pypdfium2
import pypdfium2.raw as raw
import pytest
from PIL import ImageChops

import books
from anthology.glyphs import missing_glyphs
from anthology.model import load_book
from anthology.paged.runner import Runner
from anthology.pdf import render_pdf
from anthology.render import book_view
from anthology.theme import Theme

FACES = ["EB Garamond", "Noto Serif", "Linux Libertine O", "Gentium Plus", "Inter"]
DPI = 50


def _image(pdf: pypdfium2.PdfDocument, index: int, dx: float = 0.0):
    """The page at DPI with its content moved right by ``dx`` points. The join moves a page
    laid out for the other side by the difference of the margins, which is not a whole
    number of pixels at 50 dpi: the piece is drawn moved by the same fraction, so both are
    rasterised with the text at the same place."""
    page = pdf[index]
    width, height = page.get_size()
    scale = DPI / 72
    size = round(width * scale), round(height * scale)
    bitmap = pypdfium2.PdfBitmap.new_native(*size, raw.FPDFBitmap_BGRA)
    raw.FPDFBitmap_FillRect(bitmap, 0, 0, *size, 0xFFFFFFFF)
    matrix = raw.FS_MATRIX(scale, 0, 0, -scale, dx * scale, height * scale)
    clip = raw.FS_RECTF(0, 0, *size)
    raw.FPDF_RenderPageBitmapWithMatrix(bitmap, page, ctypes.byref(matrix), ctypes.byref(clip),
                                        raw.FPDF_ANNOT)
    return bitmap.to_pil().convert("L")


@pytest.mark.slow
@pytest.mark.parametrize("face", FACES)
def test_every_face_prints_every_glyph_and_the_join_keeps_the_pieces(face, make_book):
    # Chunks of 20 pages: more joins, and a chunk whose subset of Gentium Plus Italic
    # ends before the accents of the "ừ" it sets (WeasyPrint renumbered them: layout.py).
    path = make_book(books.manifest(77, long_every=25, face=face))
    book = load_book(path)
    view, theme = book_view(book), Theme(path.parent, book.theme)
    with Runner(2) as runner:
        rendered = render_pdf(view, theme, path.parent, "2024-01-01T00:00:00Z", "screen",
                              runner, chunk_pages=20, window_entries=30)
    assert rendered.chunks >= 4 and rendered.page_count >= 85
    assert missing_glyphs(rendered.data, limit=10) == []
    assert face.split()[0] in "".join(books.font_names(rendered.data))

    setup = rendered.setup
    joined = pypdfium2.PdfDocument(rendered.data)
    pieces: dict[int, pypdfium2.PdfDocument] = {}
    differing = []
    for laid, p, index in rendered.body:
        piece = pieces.setdefault(id(laid), pypdfium2.PdfDocument(laid.pdf))
        laid_right = p % 2 == 0
        lands_right = (index - rendered.front_pages) % 2 == 0
        dx = 0.0 if laid_right == lands_right else \
            (setup.outside - setup.inside) * 72 * (1 if laid_right else -1)
        before, after = _image(piece, p, dx), _image(joined, index)
        left = (setup.inside if lands_right else setup.outside) * 72
        width = (setup.width - setup.inside - setup.outside) * 72
        area = tuple(round(v * DPI / 72) for v in (left, setup.top * 72, left + width,
                                                   (setup.height - setup.bottom) * 72))
        if ImageChops.difference(before.crop(area), after.crop(area)).getbbox() is not None:
            differing.append((index, "moved" if dx else "in place"))
    assert len(rendered.body) > 75
    assert not differing, differing

