"""Editions' covers and large print: the hardcover's case-laminate sheet, the cover's safe
zone (P015), the large-print title page and running heads. Each lays out a cover or one
small document alone (a few seconds), never a whole book."""

from __future__ import annotations

import dataclasses
import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from anthology import fonts, preflight
from anthology.codes import Code
from anthology.cover import SAFE, CoverGeometry, cover_image_job, cover_job
from anthology.model import Edition, load_book
from anthology.paged.layout import LayoutJob, lay_out
from anthology.paged.plan import PageSetup
from anthology.profiles import CASE_LAMINATE, PAPER_THICKNESS
from anthology.render import book_view, pdf_html, sections
from anthology.theme import Theme

BOOK = Path(__file__).parents[1] / "book" / "book.yaml"
HARDCOVER = Edition(name="hardcover", format="hardcover")
LARGE_PRINT = Edition(name="large-print", format="paperback", large_print=True)


@pytest.fixture(scope="module")
def book():
    return load_book(BOOK)


def _cover(book, tmp_path: Path, pages: int, name: str = "cover", html=None) -> Path:
    job = cover_job(book, Theme(BOOK.parent, book.theme), pages, BOOK.parent)
    if html is not None:
        job = dataclasses.replace(job, html=html(job.html))
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(lay_out(job).pdf)
    return path


def _check(checks, code):
    return next(c for c in checks if c.code == code)


@pytest.mark.slow
def test_hardcover_sheet_is_kdps_case_laminate(book, tmp_path):
    """wrap + board + hinge + spine + hinge + board + wrap; the spine is the book block
    and two 2mm boards (docs/hardcover.md)."""
    hardcover = book.for_edition(HARDCOVER)
    pages = 120
    path = _cover(hardcover, tmp_path, pages)
    box = PdfReader(path).pages[0].mediabox
    width, height = float(box.width) / 72, float(box.height) / 72
    case = CASE_LAMINATE
    spine = pages * PAPER_THICKNESS["cream"] + 2 * case.board
    assert width == pytest.approx(2 * case.wrap + 2 * (5.5 + case.square) + 2 * case.hinge
                                  + spine, abs=0.002)
    assert height == pytest.approx(2 * case.wrap + 8.5 + 2 * case.square, abs=0.002)
    checks = preflight.check_cover(hardcover, path, pages)
    assert all(c.ok for c in checks), preflight.table(checks)
    assert hardcover.print.rules.min_pages == 75 and hardcover.print.rules.max_pages == 550


def test_paperback_geometry_is_unchanged(book):
    geometry = CoverGeometry.for_book(book, 200)
    assert geometry.width == pytest.approx(0.25 + 11 + 200 * 0.0025)
    assert geometry.spine_rect.x == pytest.approx(0.125 + 5.5)
    zone = geometry.barcode_zone
    assert (zone.width, zone.height) == (2.0, 1.2)
    assert geometry.back.right - zone.right >= 0.25 and geometry.back.bottom - zone.bottom >= 0.25


def test_hardcover_barcode_zone_is_inside_the_board(book):
    geometry = CoverGeometry.for_book(book.for_edition(HARDCOVER), 200)
    zone, back = geometry.barcode_zone, geometry.back
    assert back.x == pytest.approx(CASE_LAMINATE.wrap)  # the board's visible edge
    assert back.right - zone.right >= 0.25 and back.bottom - zone.bottom >= 0.25
    assert geometry.spine_rect.x == pytest.approx(back.right + CASE_LAMINATE.hinge)


@pytest.mark.slow
def test_safe_zone_passes_on_the_default_cover_and_fails_near_the_trim(book, tmp_path):
    pages = 120  # with spine text
    good = preflight.check_cover(book, _cover(book, tmp_path, pages), pages)
    assert _check(good, Code.COVER_SAFE_ZONE).ok, preflight.table(good)
    near = '<p style="position: absolute; left: 0.1in; top: 3in; margin: 0">Stray</p></body>'
    bad_path = _cover(book, tmp_path, pages, "near", lambda h: h.replace("</body>", near))
    bad = _check(preflight.check_cover(book, bad_path, pages), Code.COVER_SAFE_ZONE)
    assert not bad.ok and "1 of" in bad.detail


def test_safe_zone_rules_by_panel(book):
    geometry = CoverGeometry.for_book(book, 200)  # spine 0.5in
    spine = geometry.spine_rect

    def word(x, y, w=0.3, h=0.15):
        return (x * 72, y * 72, (x + w) * 72, (y + h) * 72)
    on_spine = word(spine.x + 0.07, 3, w=0.2)           # 1/16in from the fold is enough
    near_fold = word(spine.x - 0.2, 3, w=0.15)            # on the back, 0.05in from the fold
    assert preflight.check_safe_zone(geometry, [on_spine]).ok
    assert not preflight.check_safe_zone(geometry, [near_fold]).ok
    back_ok = word(geometry.back.x + SAFE, geometry.back.y + SAFE)
    assert preflight.check_safe_zone(geometry, [back_ok]).ok


@pytest.mark.slow
def test_large_print_title_page_and_cover_say_so(book, tmp_path):
    large = book.for_edition(LARGE_PRINT)
    theme = Theme(BOOK.parent, large.theme)
    view = book_view(large)
    titlepage = [s for s in sections(view, paged=True) if s.template == "titlepage.html"]
    html = pdf_html(view, theme, titlepage, "2026-01-01T00:00:00Z")
    assert 'class="large-print"' in html and "Large Print" in html
    assert "Large Print" not in pdf_html(book_view(book), Theme(BOOK.parent, book.theme),
                                         titlepage, "2026-01-01T00:00:00Z")
    front = tmp_path / "front.pdf"
    front.write_bytes(lay_out(cover_image_job(large, theme, BOOK.parent)).pdf)
    text = subprocess.run(["pdftotext", str(front), "-"], capture_output=True, text=True).stdout
    assert "Large Print" in text


@pytest.mark.slow
def test_large_print_running_heads_and_folios_are_large(book, tmp_path):
    """The folio layer (folios.html, laid out as the stamp sheet is) at LARGE_PRINT's 18pt:
    heads and folios at the text's size, and the margins still hold them."""
    large = book.for_edition(LARGE_PRINT)
    theme = Theme(BOOK.parent, large.theme)
    pages = [("running", "Recto Head"), ("running", "")]
    html = theme.render("folios.html", book=large, view=book_view(large), timestamp="",
                        pages=pages, verso="Share a Story in One Tweet")
    setup = PageSetup.for_book(large.print, 40, bleed=False, type_size=large.theme.font_size)
    pinned = fonts.pin(theme.stylesheet("book.css"))
    job = LayoutJob(html, ((pinned.css, ""), (setup.css(), "")),
                    tuple(map(str, theme.readable)), "", None)
    path = tmp_path / "folios.pdf"
    path.write_bytes(lay_out(job).pdf)
    boxes = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True,
                           text=True, check=True).stdout
    words = re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]+)<', boxes)
    heights = {text: float(y1) - float(y0) for y0, y1, text in words}
    # a face's line box is about 1.36 times its size: at least 14pt type is over 18pt high
    for word in ("Head", "Tweet", "2"):  # the recto's and verso's heads, a folio
        assert heights[word] >= 14 * 1.3, heights
    tops = [float(y0) for y0, _, _ in words]
    bottoms = [float(y1) for _, y1, _ in words]
    assert min(tops) / 72 >= 0.4 and (8.5 * 72 - max(bottoms)) / 72 >= 0.4


@pytest.mark.slow
def test_cover_picture_byline_back_copy_and_spine(make_book, tmp_path):
    from PIL import Image
    manifest = make_book("""\
        title: Night Shifts
        editors: [Ada Example]
        publisher: Example Press
        identifier: urn:isbn:978-1-4028-9462-6
        description: The short description.
        back_cover: |
          The **longer** copy, wrapped
          over two lines.

          A second paragraph.
        cover:
          image: art/night.png
          byline: Chosen by *Ada Example*
        stories:
          - author: Someone
            text: A story.
        """)
    (manifest.parent / "art").mkdir()
    Image.new("RGB", (600, 400), (40, 60, 90)).save(manifest.parent / "art" / "night.png")
    book = load_book(manifest)
    theme = Theme(manifest.parent, book.theme)
    path = tmp_path / "cover.pdf"
    path.write_bytes(lay_out(cover_job(book, theme, 120, manifest.parent)).pdf)
    page = PdfReader(path).pages[0]
    images = [o for o in page["/Resources"]["/XObject"].values()
              if o.get_object()["/Subtype"] == "/Image"]
    assert images, "the front's picture is drawn"
    text = squash_text(path)
    assert "The longer copy, wrapped over two lines." in text  # joined, not the description
    assert "A second paragraph." in text and "short description" not in text
    assert "Chosen by Ada Example" in text and "Edited by" not in text
    assert "Example Press" in text and "ISBN 978-1-4028-9462-6" in text
    checks = preflight.check_cover(book, path, 120) + preflight.check_barcode(book, path, 120)
    assert {c.code for c in checks} >= {Code.COVER_SAFE_ZONE, Code.BARCODE, Code.BARCODE_ZONE}
    assert all(c.ok for c in checks), preflight.table(checks)


def squash_text(path: Path) -> str:
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    return " ".join(text.split())


@pytest.mark.slow
@pytest.mark.parametrize("count, found", [(200, "into the barcode and imprint; shorten it"),
                                          (400, "not all on the cover")])
def test_a_back_cover_copy_too_long_is_found_by_preflight(count, found, make_book, tmp_path):
    words = " ".join(f"word{n}" for n in range(count))
    manifest = make_book(f"""\
        title: Long Copy
        identifier: urn:isbn:978-1-4028-9462-6
        back_cover: {words}
        stories:
          - author: Someone
            text: A story.
        """)
    book = load_book(manifest)
    path = tmp_path / "cover.pdf"
    path.write_bytes(lay_out(cover_job(book, Theme(manifest.parent, book.theme), 120,
                                       manifest.parent)).pdf)
    checks = {c.code: c for c in preflight.check_cover(book, path, 120)
              + preflight.check_barcode(book, path, 120)}
    copy = checks[Code.COVER_COPY]
    assert not copy.ok and found in copy.detail, copy
    assert not checks[Code.BARCODE_ZONE].ok  # it says what ran over: the copy's words
    assert "text 'word" in checks[Code.BARCODE_ZONE].detail
