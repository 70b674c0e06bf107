"""The wrap-around cover (PDF, for print-on-demand) and its front as the EPUB's cover image.

A paperback's sheet is bleed + back + spine + front + bleed, the spine from the interior's
real page count and the paper's thickness. A hardcover's (case laminate) is wrap + back
board + hinge + spine + hinge + front board + wrap, each board a little larger than the
pages (profiles.CASE_LAMINATE). The image is the same design's front panel, rasterised with
pypdfium2.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from . import fonts
from .model import Book
from .paged.cache import files_digest
from .paged.layout import LayoutJob
from .native import PDFIUM
from .profiles import CASE_LAMINATE, COVER_BLEED, PAPER_THICKNESS
from .theme import Theme

IMAGE_MIN = (1600, 2560)  # the EPUB cover image is at least this many pixels
SAFE = 0.25 + 1 / 16        # text keeps this far inside a panel's visible edges: KDP's 0.25in
                            # and IngramSpark's 1/16in shift tolerance
SPINE_SAFE = 1 / 16         # spine text keeps this far from each fold
BARCODE = (2.0, 1.2)        # the barcode's box (KDP prints its own there without an ISBN)
BARCODE_INSET = 0.5         # from the spine fold and the foot (KDP asks at least 0.25in)


@dataclass(frozen=True)
class Rect:
    """A rectangle in inches from the sheet's top-left (MediaBox) corner."""
    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height

    @property
    def edges(self) -> tuple[float, float, float, float]:
        """(left, top, right, bottom)."""
        return self.x, self.y, self.right, self.bottom

    def inset(self, dx: float, dy: float) -> Rect:
        return Rect(self.x + dx, self.y + dy, self.width - 2 * dx, self.height - 2 * dy)

    def contains(self, other: Rect, tolerance: float = 0.0) -> bool:
        return (other.x >= self.x - tolerance and other.y >= self.y - tolerance
                and other.right <= self.right + tolerance
                and other.bottom <= self.bottom + tolerance)


@dataclass(frozen=True)
class CoverGeometry:
    trim_width: float
    trim_height: float
    spine: float
    spine_text: bool
    bleed: float = COVER_BLEED  # the sheet beyond the visible edges: a hardcover's wrap
    wrap: bool = True  # back, spine and front; False for the front panel alone
    hinge: float = 0.0   # a hardcover's, each side of the spine
    square: float = 0.0  # how far a hardcover's boards stand past the pages

    @classmethod
    def for_book(cls, book: Book, page_count: int) -> CoverGeometry:
        width, height = book.print.trim
        text = page_count >= book.print.rules.spine_text_min_pages
        if book.print.binding == "hardcover":
            case = CASE_LAMINATE
            return cls(width, height, case.spine(page_count, book.print.paper), text,
                       bleed=case.wrap, hinge=case.hinge, square=case.square)
        spine = round(page_count * PAPER_THICKNESS[book.print.paper], 4)
        return cls(width, height, spine, text)

    @property
    def hardcover(self) -> bool:
        return bool(self.hinge)

    @property
    def panel_width(self) -> float:
        """A panel's visible width: the trim, or a hardcover's board."""
        return self.trim_width + self.square

    @property
    def panel_height(self) -> float:
        return self.trim_height + 2 * self.square

    # Positions in the page box (the visible sheet, bleed or wrap outside), for the template.
    @property
    def spine_left(self) -> float:
        return self.panel_width + self.hinge

    @property
    def front_left(self) -> float:
        return self.panel_width + 2 * self.hinge + self.spine if self.wrap else 0.0

    @property
    def page_width(self) -> float:
        """The sheet without its bleed or wrap: what @page's size is."""
        return 2 * self.panel_width + 2 * self.hinge + self.spine if self.wrap \
            else self.panel_width

    @property
    def width(self) -> float:
        """The full sheet, bleed (or wrap) included."""
        return 2 * self.bleed + self.page_width

    @property
    def height(self) -> float:
        return 2 * self.bleed + self.panel_height

    # Rectangles on the sheet, from its top-left (MediaBox) corner, for preflight.
    @property
    def back(self) -> Rect:
        return Rect(self.bleed, self.bleed, self.panel_width, self.panel_height)

    @property
    def spine_rect(self) -> Rect:
        return Rect(self.bleed + self.spine_left, self.bleed, self.spine, self.panel_height)

    @property
    def front(self) -> Rect:
        return Rect(self.bleed + self.front_left, self.bleed, self.panel_width,
                    self.panel_height)

    @property
    def safe_areas(self) -> dict[str, Rect]:
        """Where each panel's words may go."""
        return {"back": self.back.inset(SAFE, SAFE),
                "spine": self.spine_rect.inset(SPINE_SAFE, SAFE),
                "front": self.front.inset(SAFE, SAFE)}

    @property
    def barcode_zone(self) -> Rect:
        """The barcode's white box: lower right of the back panel, BARCODE_INSET from the
        spine fold (a hardcover's board edge) and from the foot."""
        width, height = BARCODE
        back = self.back
        return Rect(back.right - BARCODE_INSET - width, back.bottom - BARCODE_INSET - height,
                    width, height)

    @property
    def spine_font_size(self) -> float:
        """Points: 11, less on a spine too narrow for 11pt between its 1/16in margins (a
        face's line box is about 1.4 times its size)."""
        return round(min(11.0, (self.spine - 2 * SPINE_SAFE - 0.02) * 72 / 1.4), 1)

    @property
    def barcode_css(self) -> str:
        """The barcode's box as a position in the page box (the sheet less its bleed)."""
        zone = self.barcode_zone
        return (f"left: {zone.x - self.bleed:.4f}in; top: {zone.y - self.bleed:.4f}in; "
                f"width: {zone.width:.4f}in; height: {zone.height:.4f}in")


def _job(book: Book, theme: Theme, geometry: CoverGeometry, panels: tuple[str, ...],
         page_css: str, identifier: bool = False, book_dir: Path | None = None,
         barcode: str = "") -> LayoutJob:
    """The layout of the cover's ``panels`` (for a worker, like every layout). The front's
    picture (``cover.image``) is drawn only when the book's folder is known."""
    image = book_dir / book.cover.image if book_dir and book.cover.image else None
    # relative to the book's folder, so that the same book gives the same bytes anywhere
    url = quote(Path(book.cover.image).as_posix()) if image else ""
    html = theme.render("cover.html", book=book, geometry=geometry, panels=panels,
                        barcode=barcode, cover_image_url=url)
    pinned = fonts.pin(theme.stylesheet("cover.css"))
    files = theme.files + [Path(f.path) for f in pinned.faces] + ([image] if image else [])
    roots = tuple(map(str, theme.readable)) + ((str(image),) if image else ())
    return LayoutJob(html, ((pinned.css, ""), (page_css, "")), roots,
                     book_dir.as_uri() + "/" if book_dir else "", None, files_digest(files),
                     identifier)


def cover_job(book: Book, theme: Theme, page_count: int,
              book_dir: Path | None = None) -> LayoutJob:
    """The wrap cover's layout, for an interior of ``page_count`` pages, with the barcode of
    the book's ISBN (without one, its box is left white for the printer's)."""
    from .barcode import barcode_html, barcode_of
    number = barcode_of(book)
    barcode = barcode_html(*number) if number else ""
    geometry = CoverGeometry.for_book(book, page_count)
    page_css = (f"@page {{ size: {geometry.page_width}in "
                f"{geometry.panel_height}in; bleed: {geometry.bleed}in; marks: none; }}")
    return _job(book, theme, geometry, ("back", "spine", "front"), page_css, identifier=True,
                book_dir=book_dir, barcode=barcode)


def cover_image_job(book: Book, theme: Theme, book_dir: Path | None = None) -> LayoutJob:
    """The front panel's layout, for the EPUB's cover image (``cover_image``)."""
    geometry = CoverGeometry(*book.print.trim, spine=0.0, spine_text=False, bleed=0.0, wrap=False)
    page_css = f"@page {{ size: {geometry.trim_width}in {geometry.trim_height}in; }}"
    return _job(book, theme, geometry, ("front",), page_css, book_dir=book_dir)


def cover_image(book: Book, front_panel_pdf: bytes) -> bytes:
    """The laid-out front panel as a JPEG of at least 1600x2560 pixels."""
    import pypdfium2

    width, height = book.print.trim
    dpi = max(IMAGE_MIN[0] / width, IMAGE_MIN[1] / height)
    with PDFIUM:
        document = pypdfium2.PdfDocument(front_panel_pdf)
        try:
            image = document[0].render(scale=math.ceil(dpi) / 72).to_pil().convert("RGB")
        finally:
            document.close()
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, optimize=True)
    return out.getvalue()
