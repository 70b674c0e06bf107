"""The cover's Bookland barcode: an EAN-13 of the edition's ISBN-13, with the optional 5-digit
price add-on (EAN-5), as an HTML fragment of absolutely positioned boxes (vector in the PDF);
and, for preflight, reading a cover's barcode back and listing what else is drawn in its zone.

Sizes follow GS1's EAN-13 at a magnification of 85%: module X = 0.33mm x 0.85 = 0.2805mm,
bars 22.85mm x 0.85 = 19.42mm high, guard bars 5 X longer, quiet zones of 11 X (left) and
7 X (right), the add-on 9 X after the main symbol with a 5 X quiet zone after it: 46.8mm
wide in all, in the 50.8mm x 30.5mm (2in x 1.2in) box KDP and IngramSpark reserve, with the
ISBN line above and the digits below. GS1 allows 80% to 200%; at 90% the symbol with its
add-on would fill all but 0.6mm of the box's width.
"""

from __future__ import annotations

import re
import subprocess
from html import escape
from pathlib import Path

import pypdfium2 as pdfium
import zxingcpp
from barcode.charsets.ean import CODES
from barcode.ean import EAN13
from lxml import etree

from . import isbn as isbns
from .native import PDFIUM

BOX_WIDTH, BOX_HEIGHT = 50.8, 30.48  # mm: the 2in x 1.2in box the fragment fills
MAGNIFICATION = 0.85
X = 0.33 * MAGNIFICATION             # mm, the module
BAR_HEIGHT = 22.85 * MAGNIFICATION   # mm, the normal bars
GUARD_EXTRA = 5 * X                  # guard bars reach this far below the normal bars
# The human-readable digits: GS1 draws them in OCR-B, 2.75mm high at 100%; a book face's
# figures are wider for their height, and each must fit its 7-module cell (1.96mm): 8pt
# figures are about 2mm high and 1.5-1.8mm wide.
DIGIT_SIZE = 10 * X                  # mm, the font size (2.8mm, 8pt)
FIGURE_TOP = 0.12                    # em: figures' tops below a line box of line-height 1
ISBN_SIZE = 2.5                      # mm (7pt), the "ISBN 978-..." line
LEFT_QUIET, RIGHT_QUIET = 11, 7      # modules
ADDON_GAP, ADDON_QUIET = 9, 5        # modules: between main symbol and add-on (GS1: 7-12), after
TOP = 2.4                            # mm from the box's top to the ISBN line (centres the whole)

# EAN-5: the parity (L = set A, G = set B) of the five digits, by the checksum.
_ADDON_PARITY = ["BBAAA", "BABAA", "BAABA", "BAAAB", "ABBAA",
                 "AABBA", "AAABB", "ABABA", "ABAAB", "AABAB"]
_GUARDS = set(range(0, 3)) | set(range(45, 50)) | set(range(92, 95))


def barcode_of(book) -> tuple[str, str | None] | None:
    """(ISBN-13, price add-on or None) of the barcode ``book``'s cover carries: its
    edition's ISBN, or the ISBN its identifier gives; None without one."""
    edition = book.edition_in_hand
    return (book.isbn13, edition.addon if edition else None) if book.isbn13 else None


def addon_modules(addon: str) -> str:
    """The 47 modules of an EAN-5 add-on: start 1011, then each digit in set A or B as its
    checksum says, digits separated by 01. (The "01011" often quoted includes one module of
    the gap before it.)"""
    if not re.fullmatch(r"\d{5}", addon):
        raise ValueError(f"the add-on must be 5 digits: {addon!r}")
    d = [int(c) for c in addon]
    check = (3 * (d[0] + d[2] + d[4]) + 9 * (d[1] + d[3])) % 10
    chars = [CODES[p][n] for p, n in zip(_ADDON_PARITY[check], d)]
    return "1011" + "01".join(chars)


def _mm(v: float) -> str:
    return f"{v:.3f}mm"


def _box(cls: str, left: float, top: float, width: float, height: float,
         text: str = "", style: str = "") -> str:
    return (f'<div class="{cls}" style="position:absolute;left:{_mm(left)};top:{_mm(top)};'
            f'width:{_mm(width)};height:{_mm(height)};{style}">{text}</div>')


def _bars(modules: str, left: float, top: float, height: float, guards=frozenset()) -> list[str]:
    """One box per bar (a run of 1s); the bars at ``guards`` (module indices) are longer."""
    out = []
    for run in re.finditer("1+", modules):
        long = run.start() in guards
        out.append(_box("barcode-bar", left + run.start() * X, top, len(run.group()) * X,
                        height + (GUARD_EXTRA if long else 0), style="background:currentColor"))
    return out


def _digits(digits: str, cls: str, cells: list[float], top: float) -> list[str]:
    """Each digit centred in its 7-module cell (``cells``: the cells' left edges)."""
    style = (f"font-size:{_mm(DIGIT_SIZE)};line-height:1;text-align:center;"
             "white-space:nowrap")
    return [_box(cls, left, top, 7 * X, DIGIT_SIZE, escape(c), style)
            for c, left in zip(digits, cells)]


def barcode_html(isbn: str, addon: str | None = None) -> str:
    """The barcode of ``isbn`` (hyphens optional) with the optional 5-digit ``addon``
    (see ``isbn.price_code``), filling a 2in x 1.2in box that the caller places and paints white.

    Bars and digits are drawn in ``currentColor`` (the box sets the colour: black, or
    print.css's K-only black); the text has no font family of its own and takes the
    caller's through the classes ``barcode-isbn``, ``barcode-digits`` and
    ``barcode-addon-digits``.
    """
    digits = isbns.parse(isbn)
    main = EAN13(digits[:12]).build()[0]
    extra = ADDON_GAP + 47 + ADDON_QUIET if addon is not None else RIGHT_QUIET
    width = (LEFT_QUIET + 95 + extra) * X
    x0 = (BOX_WIDTH - width) / 2 + LEFT_QUIET * X  # the start guard's left edge
    bars_top = TOP + ISBN_SIZE + 1.2
    under = bars_top + BAR_HEIGHT + 0.8 * X - FIGURE_TOP * DIGIT_SIZE  # the digits' line box

    isbn_line = "ISBN " + isbns.hyphenated(digits)
    centre = x0 + 95 * X / 2
    parts = [_box("barcode-isbn", centre - BOX_WIDTH / 2, TOP, BOX_WIDTH, ISBN_SIZE,
                  escape(isbn_line), f"font-size:{_mm(ISBN_SIZE)};line-height:1;"
                  "text-align:center;white-space:nowrap")]
    parts += _bars(main, x0, bars_top, BAR_HEIGHT, _GUARDS)
    cells = ([x0 - 9 * X] + [x0 + (3 + 7 * i) * X for i in range(6)]
             + [x0 + (50 + 7 * i) * X for i in range(6)])
    parts += _digits(digits, "barcode-digits", cells, under)
    if addon is not None:
        a0 = x0 + (95 + ADDON_GAP) * X
        addon_top = bars_top + DIGIT_SIZE
        parts += _bars(addon_modules(addon), a0, addon_top,
                       bars_top + BAR_HEIGHT + GUARD_EXTRA - addon_top)
        cells = [a0 + (4 + 9 * i) * X for i in range(5)]
        parts += _digits(addon, "barcode-addon-digits", cells, bars_top - FIGURE_TOP * DIGIT_SIZE)
    return ('<div class="barcode" style="position:relative;width:2in;height:1.2in;'
            f'overflow:hidden">{"".join(parts)}</div>')


# Reading back (preflight) -------------------------------------------------------------------

def _page(pdf: bytes | Path):
    doc = pdfium.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
    page = doc[0]
    page.set_cropbox(*page.get_mediabox())  # boxes are measured on the MediaBox
    return doc, page


def read_barcodes(pdf: bytes | Path, box: tuple[float, float, float, float],
                  dpi: int = 300) -> list[str]:
    """The EAN-13 barcodes zxing-cpp reads in ``box`` of page 1 rendered at ``dpi``.

    ``box`` is (left, top, right, bottom) in inches from the MediaBox's top-left corner.
    Each text is the 13 digits, followed by a space and the add-on's digits when there is
    one: "9781402894626 51995".
    """
    with PDFIUM:
        doc, page = _page(pdf)
        try:
            width, height = page.get_size()
            left, top, right, bottom = (v * 72 for v in box)
            bitmap = page.render(scale=dpi / 72, grayscale=True,
                                 crop=(left, height - bottom, width - right, top))
            image = bitmap.to_pil()
        finally:
            page.close()
            doc.close()
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.EAN13,
                                   ean_add_on_symbol=zxingcpp.EanAddOnSymbol.Read)
    # zxing gives the add-on's digits after the 13 without a space. The rows of the main
    # symbol above a (shorter) add-on also read alone: that second finding is dropped.
    texts = [b.text[:13] + (" " + b.text[13:] if len(b.text) > 13 else "") for b in found]
    spans = [(b.position.top_left.x, b.position.top_right.x) for b in found]
    return [t for i, t in enumerate(texts)
            if not any(j != i and len(u) > len(t) and u.startswith(t)
                       and spans[j][0] < spans[i][1] and spans[i][0] < spans[j][1]
                       for j, u in enumerate(texts))]


def _lines(pdf: bytes | Path) -> list[list[tuple[str, tuple[float, float, float, float]]]]:
    """The lines of text on page 1, each a list of (word, box in inches from the top-left),
    as poppler's ``pdftotext -bbox-layout`` finds them."""
    source = "-" if isinstance(pdf, bytes) else str(pdf)
    xml = subprocess.run(["pdftotext", "-bbox-layout", "-f", "1", "-l", "1", source, "-"],
                         input=pdf if isinstance(pdf, bytes) else None,
                         capture_output=True, check=True).stdout
    root = etree.fromstring(xml, etree.XMLParser(recover=True))
    return [[(word.text or "", tuple(float(word.get(k)) / 72
                                     for k in ("xMin", "yMin", "xMax", "yMax")))
             for word in line.iter("{*}word")]
            for line in root.iter("{*}line")]


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _inside(a, b, slack: float = 0.01) -> bool:
    return (a[0] >= b[0] - slack and a[1] >= b[1] - slack
            and a[2] <= b[2] + slack and a[3] <= b[3] + slack)


def zone_marks(pdf: bytes | Path, zone_box: tuple[float, float, float, float],
               allowed_box: tuple[float, float, float, float],
               own_words: re.Pattern = re.compile(r"ISBN|[\d-]+")) -> list[str]:
    """What is drawn in ``zone_box`` on page 1 outside ``allowed_box`` (both (left, top,
    right, bottom) in inches from the MediaBox's top-left), in words: "text 'Published by'
    at 4.10in, 7.20in", "path 0.50in x 0.02in at ...", "image ...".

    Words come from poppler (inside ``allowed_box`` only the barcode's own: ``own_words``,
    the ISBN line and the digits), paths and images from pdfium's page objects. An object that
    covers the whole zone is a background, not a mark in it (drawn over the barcode instead,
    the barcode would not read back).
    """
    marks: list[tuple[float, float, str]] = []
    for line in _lines(pdf):
        words = [(w, b) for w, b in line if _overlaps(b, zone_box)
                 and not (_inside(b, allowed_box) and own_words.fullmatch(w))]
        if words:
            text = " ".join(w for w, _ in words)
            marks.append((min(b[1] for _, b in words), words[0][1][0], f"text '{text}'"))

    with PDFIUM:
        doc, page = _page(pdf)
        try:
            origin_x, _, _, origin_top = page.get_mediabox()  # WeasyPrint's starts at -bleed
            kinds = {pdfium.raw.FPDF_PAGEOBJ_PATH: "path",
                     pdfium.raw.FPDF_PAGEOBJ_IMAGE: "image",
                     pdfium.raw.FPDF_PAGEOBJ_SHADING: "shading"}
            forms = []  # the matrices of the forms the current object is in, outermost first
            for obj in page.get_objects():
                del forms[obj.level:]
                if obj.type == pdfium.raw.FPDF_PAGEOBJ_FORM:
                    forms.append(obj.get_matrix())
                kind = kinds.get(obj.type)
                if kind is None:  # text (read above), forms (their objects follow)
                    continue
                rect = obj.get_bounds()  # in the space of the innermost form
                for matrix in reversed(forms):
                    rect = matrix.on_rect(*rect)
                left, bottom, right, top = rect
                b = ((left - origin_x) / 72, (origin_top - top) / 72, (right - origin_x) / 72,
                     (origin_top - bottom) / 72)
                if _inside(zone_box, b) or not _overlaps(b, zone_box) \
                        or _inside(b, allowed_box):
                    continue
                marks.append((b[1], b[0], f"{kind} {b[2] - b[0]:.2f}in x {b[3] - b[1]:.2f}in"))
        finally:
            page.close()
            doc.close()
    return [f"{what} at {left:.2f}in, {top:.2f}in" for top, left, what in sorted(marks)]

