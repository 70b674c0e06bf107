"""The wrap-around cover (PDF, for print-on-demand) and its front as the EPUB's cover image.

Width = bleed + back + spine + front + bleed, with the spine from the interior's real page
count and the paper's thickness. The image is the same design's front panel, rasterised
with pypdfium2.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

from . import fonts
from .model import Book
from .paged.cache import files_digest
from .paged.layout import LayoutJob
from .profiles import COVER_BLEED, PAPER_THICKNESS
from .theme import Theme

IMAGE_MIN = (1600, 2560)  # the EPUB cover image is at least this many pixels


@dataclass(frozen=True)
class CoverGeometry:
    trim_width: float
    trim_height: float
    spine: float
    spine_text: bool
    bleed: float = COVER_BLEED
    wrap: bool = True  # back, spine and front; False for the front panel alone

    @classmethod
    def for_book(cls, book: Book, page_count: int) -> CoverGeometry:
        width, height = book.print.trim
        spine = round(page_count * PAPER_THICKNESS[book.print.paper], 4)
        return cls(width, height, spine, page_count >= book.print.rules.spine_text_min_pages)

    @property
    def spine_left(self) -> float:
        return self.trim_width

    @property
    def front_left(self) -> float:
        return self.trim_width + self.spine if self.wrap else 0.0

    @property
    def width(self) -> float:
        """The full sheet, bleed included."""
        return 2 * self.bleed + 2 * self.trim_width + self.spine

    @property
    def height(self) -> float:
        return 2 * self.bleed + self.trim_height


def _job(book: Book, theme: Theme, geometry: CoverGeometry, panels: tuple[str, ...],
         page_css: str, identifier: bool = False) -> LayoutJob:
    """The layout of the cover's ``panels`` (for a worker, like every layout)."""
    html = theme.render("cover.html", book=book, geometry=geometry, panels=panels)
    pinned = fonts.pin(theme.stylesheet("cover.css"))
    return LayoutJob(html, ((pinned.css, ""), (page_css, "")), tuple(map(str, theme.readable)),
                     "", None, files_digest(theme.files + [Path(f.path) for f in pinned.faces]),
                     identifier)


def cover_job(book: Book, theme: Theme, page_count: int) -> LayoutJob:
    """The wrap cover's layout, for an interior of ``page_count`` pages."""
    geometry = CoverGeometry.for_book(book, page_count)
    page_css = (f"@page {{ size: {2 * geometry.trim_width + geometry.spine}in "
                f"{geometry.trim_height}in; bleed: {geometry.bleed}in; marks: none; }}")
    return _job(book, theme, geometry, ("back", "spine", "front"), page_css, identifier=True)


def cover_image_job(book: Book, theme: Theme) -> LayoutJob:
    """The front panel's layout, for the EPUB's cover image (``cover_image``)."""
    geometry = CoverGeometry(*book.print.trim, spine=0.0, spine_text=False, bleed=0.0, wrap=False)
    page_css = f"@page {{ size: {geometry.trim_width}in {geometry.trim_height}in; }}"
    return _job(book, theme, geometry, ("front",), page_css)


def cover_image(book: Book, front_panel_pdf: bytes) -> bytes:
    """The laid-out front panel as a JPEG of at least 1600x2560 pixels."""
    import pypdfium2

    width, height = book.print.trim
    dpi = max(IMAGE_MIN[0] / width, IMAGE_MIN[1] / height)
    page = pypdfium2.PdfDocument(front_panel_pdf)[0]
    image = page.render(scale=math.ceil(dpi) / 72).to_pil().convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, optimize=True)
    return out.getvalue()
