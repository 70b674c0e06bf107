"""Printers' rules, in inches: trim presets, gutters by page count, paper thickness, limits.

One place for the numbers that the interior layout, the cover and preflight all rely on.
KDP's figures are from its paperback manuscript guide; IngramSpark's from its file creation
guide (at least 0.5in on every side).

Hardcover (case laminate: the printed cover is glued round two boards and folded over their
edges). KDP's help pages name the parts ("Create a Hardcover Cover",
https://kdp.amazon.com/en_US/help/topic/GDTKFJPNQCBTMRV6: cover file, wrap, hinge, spine,
spine margin, barcode margin) and the board ("Hardcover Print Elements",
https://kdp.amazon.com/en_US/help/topic/GKZVNAAFYWVKZWL8: "two mm thick solid case board"),
but the stored copies give no figures. The figures come from third-party guides and a KDP
template's size quoted in public code, which agree on the wrap and disagree on the hinge
(docs/hardcover.md has the sources and the arithmetic): wrap 0.591in (15mm) on each outer
edge; hinge 0.197in (5mm) each side of the spine; the boards stand 0.118in (3mm) proud of
the pages at head, foot and fore edge (a 6x9 template of 13.996 x 10.417in:
9 + 2 x (0.591 + 0.118) = 10.418); spine = pages x paper thickness + two 2mm boards.
75-550 pages, trims 5.5x8.5, 6x9, 6.14x9.21, 7x10, 8.25x11. IngramSpark's case-laminate
figures were not found: an ingram hardcover is drawn with KDP's, check it against
IngramSpark's template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TRIMS = {  # preset name -> (width, height)
    "5x8": (5.0, 8.0), "5.25x8": (5.25, 8.0), "5.5x8.5": (5.5, 8.5), "6x9": (6.0, 9.0),
    "a5": (5.827, 8.268), "b-format": (5.079, 7.795),
}
UNITS = {"in": 1.0, "mm": 1 / 25.4, "cm": 1 / 2.54, "pt": 1 / 72}
PAPER_THICKNESS = {"white": 0.002252, "cream": 0.0025}  # inches per page
COVER_BLEED = 0.125


@dataclass(frozen=True)
class CaseLaminate:
    """A hardcover's cover sheet allowances, in inches (see the module's docstring)."""
    wrap: float = 0.591     # folded over the boards' edges, glued inside
    hinge: float = 0.197    # each side of the spine, where the cover bends
    square: float = 0.118   # the boards stand this far past the pages (head, foot, fore edge)
    board: float = 0.0787   # each board's thickness (2mm), twice in the spine
    trims: tuple[tuple[float, float], ...] = ((5.5, 8.5), (6.0, 9.0), (6.14, 9.21),
                                              (7.0, 10.0), (8.25, 11.0))

    def spine(self, page_count: int, paper: str) -> float:
        """The case's spine: the book block and two boards."""
        return round(page_count * PAPER_THICKNESS[paper] + 2 * self.board, 4)


CASE_LAMINATE = CaseLaminate()

# (last page count of the band, minimum gutter)
KDP_GUTTERS = ((150, 0.375), (300, 0.5), (500, 0.625), (700, 0.75), (828, 0.875))


@dataclass(frozen=True)
class Profile:
    name: str
    min_pages: int
    max_pages: int
    even_pages: bool
    min_margin: float          # outside, top and bottom, without bleed
    min_margin_bleed: float    # the same, with bleed
    min_inside: float          # at least this on the gutter side too
    spine_text_min_pages: int  # below this the spine is too thin for text
    bookmarks: bool            # whether the print file may keep its outline


PROFILES = {
    # KDP: "Submitted files should not contain crop marks, trim marks, bookmarks, comments, ..."
    "kdp": Profile("kdp", 24, 828, False, 0.25, 0.375, 0.0, 79, False),
    "ingram": Profile("ingram", 18, 1200, True, 0.5, 0.5, 0.5, 48, True),
}


HARDCOVER_PROFILES = {  # case laminate: the cover's allowances are CASE_LAMINATE's
    # KDP: 75-550 pages; even the thinnest case spine (75 pages + two boards, ~0.33in) takes
    # spine text. The interior's margins are the paperback's.
    "kdp": Profile("kdp", 75, 550, False, 0.25, 0.375, 0.0, 75, False),
    # IngramSpark: its paperback rules (its case-laminate page range was not found).
    "ingram": PROFILES["ingram"],
}


def unbound_trim(profile: str, binding: str, trim: tuple[float, float]) -> str | None:
    """Why the printer will not bind ``trim`` in ``binding``, or None if it will: KDP makes
    hardcovers only in its case-laminate trims."""
    if binding != "hardcover" or profile != "kdp" or any(
            abs(w - trim[0]) < 0.01 and abs(h - trim[1]) < 0.01 for w, h in CASE_LAMINATE.trims):
        return None
    return "KDP binds hardcovers only in " + ", ".join(f"{w:g}x{h:g}"
                                                       for w, h in CASE_LAMINATE.trims)


def rules(profile: str, binding: str = "paperback") -> Profile:
    """The printer's rules for a binding ("paperback" or "hardcover")."""
    return (HARDCOVER_PROFILES if binding == "hardcover" else PROFILES)[profile]


def gutter(page_count: int) -> float:
    """KDP's minimum inside margin for a book of ``page_count`` pages."""
    for last, inches in KDP_GUTTERS:
        if page_count <= last:
            return inches
    return KDP_GUTTERS[-1][1]


def is_recto(page_number: int) -> bool:
    """Whether page ``page_number`` (from 1) is a right-hand page: page 1 is."""
    return page_number % 2 == 1


def length(value) -> float:
    """'0.125in', '3mm', '0', 0.125 -> inches."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if abs(value) > 1000:  # also keeps float() from overflowing on a huge integer
            raise ValueError("expected a length like 0.125in or 3mm, got a number over 1000")
        return float(value)
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(in|mm|cm|pt)?\s*", str(value))
    if not match:
        raise ValueError(f"expected a length like 0.125in or 3mm, got {value!r}")
    number, unit = float(match[1]), match[2] or "in"
    if number and not match[2]:
        raise ValueError(f"expected a unit (in, mm, cm or pt) after {match[1]}")
    return number * UNITS[unit]


def trim(value) -> tuple[float, float]:
    """'5.5in x 8.5in', '148mm x 210mm' or a preset name -> (width, height) in inches."""
    text = str(value).strip().lower()
    if text in TRIMS:
        return TRIMS[text]
    parts = re.split(r"\s*[x×]\s*", text)
    try:
        if len(parts) != 2:
            raise ValueError
        width, height = (length(p if re.search(r"[a-z]$", p) else p + "in") for p in parts)
    except ValueError:
        raise ValueError(f"expected a trim like '5.5in x 8.5in' or one of "
                         f"{', '.join(TRIMS)}, got {value!r}") from None
    if not (3 <= width <= 12 and 4 <= height <= 15):
        raise ValueError(f"expected a book-sized trim (3-12in wide, 4-15in high), got {value!r}")
    return width, height
