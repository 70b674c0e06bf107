"""The cover's Bookland barcode: laid out by WeasyPrint in its 2in x 1.2in white box on a dark
page, it reads back (zxing-cpp, and zbarimg when installed) as the ISBN and its add-on; the
reading-back helpers preflight uses find what else is drawn in the zone."""

from __future__ import annotations

import shutil
import subprocess
from functools import cache

import pypdfium2 as pdfium
import pytest
import weasyprint

from anthology.barcode import (BAR_HEIGHT, GUARD_EXTRA, X, addon_modules, barcode_html,
                               read_barcodes, zone_marks)
from anthology.isbn import price_code

BOX = (1.0, 1.0, 3.0, 2.2)  # inches: left, top, right, bottom on a 4in x 3in page

CASES = [
    ("978-1-4028-9462-6", "51995"),
    ("979-10-323-0569-0", "90000"),
    ("9780306406157", None),
    ("979-8-86450-001-9", None),
]


def page(fragment: str, extra: str = "") -> bytes:
    """``fragment`` in a white 2in x 1.2in box at ``BOX`` on a dark page."""
    html = f"""<style>
      @page {{ size: 4in 3in; margin: 0; background: #1c2030 }}
      body {{ margin: 0; font-family: 'DejaVu Serif', serif }}
      .zone {{ position: absolute; left: 1in; top: 1in; width: 2in; height: 1.2in;
               background: white; color: black }}
      .extra {{ position: absolute; color: white; font-size: 9pt }}
    </style><div class="zone">{fragment}</div>{extra}"""
    return weasyprint.HTML(string=html).write_pdf()


@cache
def barcode_page(isbn: str, addon: str | None) -> bytes:
    return page(barcode_html(isbn, addon))


def expected(isbn: str, addon: str | None) -> str:
    digits = isbn.replace("-", "")
    return f"{digits} {addon}" if addon else digits


@pytest.mark.parametrize("isbn, addon", CASES)
def test_barcode_reads_back_as_the_isbn_and_add_on(isbn, addon):
    assert read_barcodes(barcode_page(isbn, addon), BOX, dpi=300) == [expected(isbn, addon)]


@pytest.mark.skipif(shutil.which("zbarimg") is None, reason="zbarimg (zbar-tools) not installed")
@pytest.mark.parametrize("isbn, addon", CASES)
def test_zbarimg_reads_the_same(isbn, addon, tmp_path):
    doc = pdfium.PdfDocument(barcode_page(isbn, addon))
    png = tmp_path / "page.png"
    doc[0].render(scale=300 / 72, grayscale=True).to_pil().save(png)
    doc.close()
    out = subprocess.run(["zbarimg", "--nodbus", "-q", "--raw", "-Sean5.enable", str(png)],
                         capture_output=True, text=True).stdout.split()
    assert sorted(out) == sorted([isbn.replace("-", "")] + ([addon] if addon else []))


def test_isbn_line_and_digits_are_text():
    text = subprocess.run(["pdftotext", "-", "-"], input=barcode_page(*CASES[0]),
                          capture_output=True, check=True).stdout.decode()
    assert "ISBN 978-1-4028-9462-6" in text
    assert "9 781402 894626" in text
    assert "51995" in text


def _paths(pdf: bytes) -> list[tuple[float, float, float, float]]:
    """The filled paths of page 1 as (left, top, right, bottom) in mm from the top-left."""
    doc = pdfium.PdfDocument(pdf)
    page = doc[0]
    height = page.get_size()[1]
    objs = list(page.get_objects())
    assert not [o for o in objs if o.type == pdfium.raw.FPDF_PAGEOBJ_IMAGE]  # vector only
    out = [(l, height - t, r, height - b) for l, b, r, t in
           (o.get_bounds() for o in objs if o.type == pdfium.raw.FPDF_PAGEOBJ_PATH)]
    doc.close()
    return [tuple(v * 25.4 / 72 for v in box) for box in out]


def test_symbol_is_gs1_size_at_its_magnification_and_fits_the_box():
    box_mm = tuple(v * 25.4 for v in BOX)
    bars = [b for b in _paths(barcode_page(*CASES[0])) if b[2] - b[0] < 2]
    guards = [b for b in bars if abs(b[3] - b[1] - (BAR_HEIGHT + GUARD_EXTRA)) < 0.01]
    assert len(guards) == 6
    # start guard's left edge to the end guard's right edge: 95 modules
    assert max(b[2] for b in guards) - min(b[0] for b in guards) == pytest.approx(95 * X, abs=0.01)
    assert min(b[2] - b[0] for b in bars) == pytest.approx(X, abs=0.005)
    assert all(box_mm[0] < b[0] and b[2] < box_mm[2] and box_mm[1] < b[1] and b[3] < box_mm[3]
               for b in bars)


def test_add_on_bars_are_shorter_with_the_digits_above():
    bars = [b for b in _paths(barcode_page(*CASES[0])) if b[2] - b[0] < 2]
    main_top = min(b[1] for b in bars)
    addon = [b for b in bars if b[1] > main_top + 0.1]
    assert len(addon) == addon_modules("51995").count("01") + 1  # one box per bar
    assert {round(b[3], 3) for b in addon} == {round(main_top + BAR_HEIGHT + GUARD_EXTRA, 3)}


def test_wrong_isbn_is_refused():
    for bad in ["978-1-4028-9462-7", "0306406152", "978140289462", "ISBN", ""]:
        with pytest.raises(ValueError):
            barcode_html(bad)
    with pytest.raises(ValueError):
        barcode_html("9781402894626", "5199")


def test_addon_encoding():
    # start 1011, then 5 digits of 7 modules separated by 01: 47 modules in all
    assert len(addon_modules("51995")) == 47
    assert addon_modules("51995").startswith("1011")


@pytest.mark.parametrize("price, code", [
    (19.95, "51995"), ("19.95", "51995"), (7, "50700"), (0.99, "50099"),
    (99.98, "59998"), (99.99, "59999"), (150, "59999"), (None, "90000"),
])
def test_price_code(price, code):
    assert price_code(price) == code


@pytest.mark.parametrize("price", [-1, "free", 19.999])
def test_price_code_refuses_what_is_not_a_price(price):
    with pytest.raises(ValueError):
        price_code(price)


def test_zone_marks_finds_a_word_in_the_zone():
    # the barcode's box is the right-hand 0.8in of the zone; two words sit in the rest
    extra = '<div class="extra" style="left:1.05in;top:1.9in;color:black">Published by</div>'
    marks = zone_marks(page("", extra), BOX, (2.2, 1.0, 3.0, 2.2))
    assert len(marks) == 1 and marks[0].startswith("text 'Published by' at 1.0")


def test_zone_marks_finds_a_rule_and_nothing_in_a_clean_zone():
    assert zone_marks(barcode_page(*CASES[0]), BOX, BOX) == []
    rule = '<div style="position:absolute;left:2.5in;top:1.5in;width:1in;height:1pt;' \
        'background:white"></div>'
    marks = zone_marks(page(barcode_html(*CASES[0]), rule), BOX, BOX)
    assert marks == ["path 1.00in x 0.01in at 2.50in, 1.50in"]


def test_zone_marks_sees_into_groups():
    # opacity puts the rule in a Form XObject, whose objects pdfium measures in its own space
    rule = '<div style="position:absolute;left:2.5in;top:1.5in;width:1in;height:1pt;' \
        'background:white;opacity:.5"></div>'
    marks = zone_marks(page(barcode_html(*CASES[0]), rule), BOX, BOX)
    assert marks == ["path 1.00in x 0.01in at 2.50in, 1.50in"]


def test_reading_back_takes_a_path(tmp_path):
    (tmp_path / "cover.pdf").write_bytes(barcode_page(*CASES[0]))
    assert read_barcodes(tmp_path / "cover.pdf", BOX) == ["9781402894626 51995"]
    assert zone_marks(tmp_path / "cover.pdf", BOX, BOX) == []
    assert zone_marks(tmp_path / "cover.pdf", BOX, (2.0, 1.0, 3.0, 2.2))
