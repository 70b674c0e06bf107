"""Reads the produced print files back and checks them against the printer's rules.

Nothing here trusts the settings the files were made with: sizes and boxes come from the
PDF (pypdf), the interior's text positions and colours from its pages (pageread.py: pdfium's
text rects, the content streams), the cover's words from poppler's ``pdftotext -bbox``.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
from html import unescape
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader

from .codes import Code
from .cover import SAFE, SPINE_SAFE, CoverGeometry, Rect
from .errors import MissingGlyphs
from .glyphs import missing_glyphs
from .model import Book
from .pageread import Interior, PageText, read_interior
from .paged.cache import Cache
from .profiles import gutter, is_recto, unbound_trim
from .text import plain_title

TOLERANCE = 0.01  # inches
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                   r'([^<]*)</word>')
COPY_GAP = 0.25  # inches: the least space between the back cover's copy and the barcode


@dataclass(frozen=True)
class Check:
    code: Code
    ok: bool
    detail: str
    edition: str = ""  # the edition's name, in a book with editions

    @property
    def name(self) -> str:
        return self.code.label


def check(book: Book, interior: Path | None, cover: Path | None,
          page_count: int | None = None, edition: str = "",
          cache: Cache | None = None) -> list[Check]:
    """Check the print interior and the cover of ``book`` (as the ``edition`` named). A
    cover alone needs the interior's ``page_count`` (its spine depends on it). With a
    ``cache``, the interior's pages that the last check of this edition read are not read
    again (pageread.py)."""
    checks: list[Check] = []
    if interior is not None:
        read = read_interior(interior, cache, f"{book.uid} {edition}")
        checks += check_interior(book, interior, read)
        page_count = len(read.pages)
    if cover is not None:
        if page_count is None:
            raise ValueError("checking a cover needs its interior (the spine depends on it)")
        checks += check_cover(book, cover, page_count)
        checks += check_barcode(book, cover, page_count)
    return [dataclasses.replace(c, edition=edition) for c in checks] if edition else checks


def _box(page, name: str) -> tuple[float, float, float, float] | None:
    box = page.get(f"/{name}")
    return tuple(float(v) for v in box) if box is not None else None


def check_interior(book: Book, path: Path, read: Interior | None = None) -> list[Check]:
    """The print interior at ``path`` (``read``: as read_interior read it) against the
    printer's rules."""
    settings, rules = book.print, book.print.rules
    read = read or read_interior(path)
    pages = read.pages
    count = len(pages)
    out = [
        Check(Code.PAGE_COUNT, rules.min_pages <= count <= rules.max_pages,
              f"{count} pages ({rules.name}: {rules.min_pages}-{rules.max_pages})"),
        Check(Code.EVEN_PAGES, count % 2 == 0 or not rules.even_pages,
              f"{count} pages" + (" (must be even)" if rules.even_pages else "")),
    ]
    width, height = settings.trim
    trims = {p.trim for p in pages}
    trim = next(iter(trims)) if len(trims) == 1 else None
    size_ok = trim is not None and None not in trims and \
        abs((trim[2] - trim[0]) / 72 - width) < TOLERANCE and \
        abs((trim[3] - trim[1]) / 72 - height) < TOLERANCE
    detail = (f"TrimBox {_inches(trim)} on every page, expected {width}in x {height}in"
              if trim else "pages have no TrimBox or differing ones")
    if why := unbound_trim(settings.profile, settings.binding, settings.trim):
        size_ok, detail = False, f"{detail}; {why}"
    out.append(Check(Code.TRIM_SIZE, size_ok, detail))
    media, bleed_box = pages[0].media, pages[0].bleed
    bleed = settings.bleed
    if trim:
        grown = abs((media[2] - media[0]) / 72 - (width + 2 * bleed)) < TOLERANCE
        out.append(Check(Code.BOXES, grown and (bleed == 0 or bleed_box is not None),
                         f"MediaBox {_inches(media)}, bleed {bleed}in"
                         + (", BleedBox present" if bleed_box else "")))
    out += _check_margins(book, pages, trim, media)
    out.append(_check_fonts(read.fonts))
    out.append(check_glyphs(path, "interior"))
    out.append(_check_pdfx(read, settings.pdf_x))
    out.append(_check_black_text(pages))
    return out


def _inches(box) -> str:
    if not box:
        return "none"
    return f"{(box[2] - box[0]) / 72:.3f}in x {(box[3] - box[1]) / 72:.3f}in"


def _check_margins(book, pages: list[PageText], trim, media) -> list[Check]:
    """Measured distance from the trim to the nearest text on each side of every page."""
    if trim is None:
        return []
    count = len(pages)
    floor = book.print.margin_floor
    need_gutter = max(gutter(count), book.print.rules.min_inside)
    # The text is measured from the MediaBox's top-left corner.
    left, top = trim[0] - media[0], media[3] - trim[3]
    right, bottom = left + trim[2] - trim[0], top + trim[3] - trim[1]
    inside = outside = top_m = bottom_m = float("inf")
    for number, page in enumerate(pages, start=1):
        if page.box is None:
            continue
        x0, y0, x1, y1 = page.box
        recto = is_recto(number)
        inside = min(inside, (x0 - left) / 72 if recto else (right - x1) / 72)
        outside = min(outside, (right - x1) / 72 if recto else (x0 - left) / 72)
        top_m = min(top_m, (y0 - top) / 72)
        bottom_m = min(bottom_m, (bottom - y1) / 72)
    return [
        Check(Code.GUTTER, inside >= need_gutter - TOLERANCE,
              f"inside margin {inside:.3f}in, needs {need_gutter}in for {count} pages"),
        Check(Code.MARGINS, min(outside, top_m, bottom_m) >= floor - TOLERANCE,
              f"outside {outside:.3f}in, top {top_m:.3f}in, bottom {bottom_m:.3f}in; "
              f"needs {floor}in"),
    ]


def _check_fonts(fonts: dict[str, bool]) -> Check:
    """Every font the pages use has its program embedded."""
    missing = sorted(name for name, embedded in fonts.items() if not embedded)
    return Check(Code.FONTS_EMBEDDED, not missing and bool(fonts),
                 f"not embedded: {', '.join(missing)}" if missing
                 else ", ".join(sorted(fonts)))


def require_glyphs(path: Path, data: bytes, cache: Cache | None = None,
                   remember: str = "") -> None:
    """Stop before ``data`` is written to ``path`` if one of its glyphs would print blank
    (MissingGlyphs, naming each character). With a ``cache``, the pages of the last file
    remembered under ``remember`` that are drawn the same are not read again."""
    if missing := missing_glyphs(data, cache=cache, remember=remember):
        raise MissingGlyphs(path, missing, Code.GLYPHS_DRAWN)


def check_glyphs(path: Path, what: str) -> Check:
    """Every glyph drawn in ``what`` (the interior, the cover) has an outline in its
    embedded font (glyphs.py)."""
    missing = missing_glyphs(path.read_bytes())
    return Check(Code.GLYPHS_DRAWN, not missing, f"{what}: " + (
        "; ".join(map(str, missing[:5])) + (" ..." if len(missing) > 5 else "")
        if missing else "each glyph has an outline in its embedded font"))


def _check_pdfx(read: Interior, variant: str) -> Check:
    wanted = {"x-4": "PDF/X-4", "x-1a": "PDF/X-1"}[variant]
    ok = "/GTS_PDFX" in read.intents and wanted in read.xmp
    return Check(Code.PDF_X, ok,
                 f"{variant}: OutputIntent {', '.join(read.intents) or 'missing'}, "
                 f"XMP {'names ' + wanted if wanted in read.xmp else 'lacks ' + wanted}")


def _check_black_text(pages: list[PageText]) -> Check:
    """Every text-showing operator runs with a K-only black fill."""
    colours = {fill for page in pages for fill in page.fills}
    bad = {c for c in colours if c != (0.0, 0.0, 0.0, 1.0)}
    return Check(Code.BLACK_TEXT, not bad and bool(colours),
                 f"text fills {sorted(bad)}" if bad else "all text 0/0/0/100 CMYK")


def check_cover(book: Book, path: Path, page_count: int) -> list[Check]:
    expected = CoverGeometry.for_book(book, page_count)
    page = PdfReader(path).pages[0]
    media, trim = _box(page, "MediaBox"), _box(page, "TrimBox")
    width, height = (media[2] - media[0]) / 72, (media[3] - media[1]) / 72
    drawn = _drawn_words(path)  # page 1's words, read once for the spine, safe zone and copy
    words = [box for _, box in drawn]
    spine = expected.spine_rect
    on_spine = [w for w in words if w[0] >= spine.x * 72 - 1 and w[2] <= spine.right * 72 + 1]
    if expected.hardcover:
        sheet = (f"2 x {expected.bleed}in wrap + 2 x {expected.panel_width:g}in board + "
                 f"2 x {expected.hinge}in hinge + {expected.spine:.4f}in spine")
    else:
        sheet = (f"2 x {expected.bleed}in bleed + 2 x {expected.trim_width}in "
                 f"+ {expected.spine:.4f}in spine")
    return [
        Check(Code.COVER_WIDTH, abs(width - expected.width) < TOLERANCE,
              f"{width:.4f}in = {sheet} ({page_count} pages, {book.print.paper}, "
              f"{book.print.binding})"),
        Check(Code.COVER_HEIGHT, abs(height - expected.height) < TOLERANCE,
              f"{height:.4f}in, expected {expected.height:.4f}in"),
        Check(Code.COVER_TRIM_BOX, trim is not None, f"TrimBox {_inches(trim)}"),
        check_glyphs(path, "cover"),
        Check(Code.SPINE_TEXT, bool(on_spine) == expected.spine_text,
              (f"{len(on_spine)} words on the spine" if on_spine else "no spine text")
              + f" ({page_count} pages; {book.print.rules.name} allows spine text from "
              f"{book.print.rules.spine_text_min_pages})"),
        check_safe_zone(expected, words),
        *check_back_copy(book, drawn, expected),
    ]


def check_back_copy(book: Book, words: list[tuple[str, tuple[float, ...]]],
                    geometry: CoverGeometry) -> list[Check]:
    """The back cover's copy is all in the cover's drawn ``words`` (``_drawn_words``), and
    ends COPY_GAP above the barcode's zone (and so above the imprint beside it): a copy too
    long runs into them, or off the cover."""
    copy = book.back_cover or book.description
    if not copy:
        return []
    wanted = _letters(plain_title(" ".join(copy.split())))
    letters = [_letters(text) for text, _ in words]
    found = None
    for start, first in enumerate(letters):
        got, end = "", start
        while first and end < len(words) and wanted.startswith(got + letters[end]) \
                and len(got) < len(wanted):
            got, end = got + letters[end], end + 1
        if got == wanted:
            found = words[start:end]
            break
    if found is None:
        return [Check(Code.COVER_COPY, False, "the back cover's copy is not all on the cover "
                      "(a copy too long runs off it); shorten it")]
    limit = geometry.barcode_zone.y - COPY_GAP
    low = [text for text, box in found if box[3] / 72 > limit]
    return [Check(Code.COVER_COPY, not low,
                  f"its last {len(low)} of {len(found)} words, from '{low[0]}', run below "
                  f"{limit:.2f}in, into the barcode and imprint; shorten it" if low else
                  f"all {len(found)} words of the back cover's copy end above the barcode")]


def _drawn_words(path: Path) -> list[tuple[str, tuple[float, ...]]]:
    """Page 1's words in the order they are drawn, each with its box in points from the
    MediaBox's top-left."""
    html = subprocess.run(["pdftotext", "-raw", "-bbox", "-l", "1", str(path), "-"],
                          capture_output=True, text=True, check=True).stdout
    return [(unescape(m[4]), tuple(map(float, m[:4]))) for m in _WORD.findall(html)]


def _letters(text: str) -> str:
    """Only letters and digits: a line's end, a hyphen or a curly quote does not count."""
    return re.sub(r"[\W_]", "", text.casefold())


def check_safe_zone(geometry: CoverGeometry, words) -> Check:
    """Every word (a pdftotext -bbox box, in points from the MediaBox's top-left) lies in a
    panel's safe area: 0.25in + 1/16in inside the trim (a hardcover's board edges) and the
    spine folds; a word on the spine 1/16in inside its folds."""
    areas = geometry.safe_areas
    outside = []
    for x0, y0, x1, y1 in words:
        box = Rect(x0 / 72, y0 / 72, (x1 - x0) / 72, (y1 - y0) / 72)
        if not any(area.contains(box, TOLERANCE) for area in areas.values()):
            outside.append(box)
    detail = (f"{len(outside)} of {len(words)} words outside the safe areas, the first at "
              f"{outside[0].x:.3f}in, {outside[0].y:.3f}in from the sheet's top-left"
              if outside else
              f"{len(words)} words at least {SAFE}in inside the trim and folds "
              f"(on the spine {SPINE_SAFE}in)")
    return Check(Code.COVER_SAFE_ZONE, not outside, detail)


def check_barcode(book: Book, path: Path, page_count: int) -> list[Check]:
    """The edition's barcode, read back from the cover at 300 dpi as a scanner would, and
    nothing else drawn in its zone. Nothing to check without an ISBN: the zone is left white
    for the printer's own barcode."""
    from .barcode import barcode_of, read_barcodes, zone_marks
    if (number := barcode_of(book)) is None:
        return []
    isbn, addon = number
    zone = CoverGeometry.for_book(book, page_count).barcode_zone.edges
    expected = isbn + (f" {addon}" if addon else "")
    read = read_barcodes(path, zone)
    marks = zone_marks(path, zone, zone)
    where = f"zone {zone[2] - zone[0]:.2f}in x {zone[3] - zone[1]:.2f}in at " \
            f"{zone[0]:.2f}in, {zone[1]:.2f}in"
    return [Check(Code.BARCODE, read == [expected],
                  f"read {', '.join(read) or 'nothing'} at 300 dpi, expected {expected}"),
            Check(Code.BARCODE_ZONE, not marks, "; ".join(marks) if marks else
                  f"nothing but the barcode in its {where}")]


def table(checks: list[Check]) -> str:
    """One line a check: PASS or FAIL, code, the edition (in a book with editions), name,
    what was measured."""
    width = max(len(c.name) for c in checks)
    editions = max(len(c.edition) for c in checks)
    return "\n".join(f"{'PASS' if c.ok else 'FAIL'}  {c.code}  "
                     + (f"{c.edition:<{editions}}  " if editions else "")
                     + f"{c.name:<{width}}  {c.detail}" for c in checks)
