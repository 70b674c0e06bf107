"""The stamp sheet: folios and running heads laid out once and stamped on body and
back-matter pages.

The body and back matter are laid out without folios or running heads, since a page's number
is known only once the pieces before it are. One ``StampSheet`` is laid out with the book's
own page rules, so folios and heads look as they would in a single pass: its page d shows the
folio d (0 to 9; even ones on right-hand pages); page 10 + 2k the k-th recto head, page 11 the
verso head. ``Stamper`` cuts it into form XObjects and places them: a page's folio is
composed of its digits, each set where it falls when the number is centred as on the sheet.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pikepdf

from ..render import BookView
from ..text import plain_title
from ..theme import Theme
from .layout import Piece
from ..profiles import is_recto
from .plan import BodyLayout, PageSetup


HEAD_SIZE = 9 / 11      # a running head's size in the theme's type size (book.css --head-size)
FIGURE_WIDTH = 0.6      # the widest average character, in em, of the faces a head is set in


def head_length(book, setup: PageSetup) -> int:
    """How many characters of a running head surely fit on one line of the measure."""
    size = book.theme.font_size * (1.0 if book.large_print else HEAD_SIZE)
    return int((setup.width - setup.inside - setup.outside) * 72 / (FIGURE_WIDTH * size))


def shortened(head: str, most: int | None) -> str:
    """``head`` cut at its last word that fits in ``most`` characters, with an ellipsis."""
    if most is None or len(head) <= most:
        return head
    cut = head[:most - 1].rsplit(" ", 1)[0].rstrip(" ,;:.–—")
    return (cut or head[:most - 1]) + "…"


@dataclass(frozen=True)
class StampSheet:
    """What the sheet shows: the ten digits, and each distinct running head of a right-hand
    page, body first, then the back matter's (computed once, for the sheet and the cut)."""
    recto_heads: tuple[str, ...]

    @classmethod
    def for_book(cls, body: BodyLayout, back_heads: list[str]) -> StampSheet:
        heads = (body.heads[n] for n in range(1, body.page_count + 1)
                 if is_recto(n) and body.kind(n) == "running")
        return cls(tuple(dict.fromkeys([*heads, *back_heads])))

    def html(self, view: BookView, theme: Theme, timestamp: str,
             setup: PageSetup | None = None) -> str:
        """The sheet's document (styles/folios.html: one div per page, with its kind and
        head), to be laid out with page numbers from 0. A head longer than the measure
        (``setup``'s) holds on one line is shortened at a word, with an ellipsis: a second
        line would run into the top margin."""
        most = head_length(view.book, setup) if setup else None
        pages = [("opener", "")] * 10
        for k, head in enumerate(self.recto_heads or ("",)):
            pages += [("running" if head else "blank", shortened(head, most)),
                      ("running" if k == 0 else "blank", "")]
        return theme.render("folios.html", book=view.book, view=view, timestamp=timestamp,
                            pages=pages, verso=shortened(plain_title(view.book.title), most))

    def stamper(self, out: pikepdf.Pdf, laid: Piece, setup: PageSetup) -> Stamper:
        """The laid-out sheet cut into forms of ``out``, ready to stamp its pages."""
        return Stamper(out, laid, self.recto_heads, setup)


class UnknownHead(RuntimeError):
    """A running head that is not on the stamp sheet: the sheet and the pages disagree."""


class Stamper:
    """A laid-out StampSheet cut into form XObjects of ``out``. WeasyPrint draws a page's
    content upside down and in CSS pixels (two ``cm`` at the start); every text object
    (BT..ET) is cut out with the graphics state around it."""

    def __init__(self, out: pikepdf.Pdf, laid: Piece, recto_heads: tuple[str, ...],
                 setup: PageSetup):
        self.out = out
        self.sheet = pikepdf.open(io.BytesIO(laid.pdf))
        pages = self.sheet.pages
        box = [float(v) for v in pages[0].mediabox]
        self.resources = out.copy_foreign(pages[0].obj.Resources)
        self.centre = {recto: setup.centre(recto) for recto in (True, False)}
        self.forms: dict[str, pikepdf.Stream] = {}  # resource name -> form
        self.digits = []  # (name, x of the digit as laid out, its width)
        for d in range(10):
            (name, x), = self._cut(pages[d], box, top=False)
            self.digits.append((name, x, 2 * (self.centre[is_recto(d + 1)] - x)))
        self.verso = [name for name, _ in self._cut(pages[11], box, top=True)]
        self.recto = {head: [name for name, _ in self._cut(pages[10 + 2 * k], box, top=True)]
                      for k, head in enumerate(recto_heads)}
        self.opening = pikepdf.Stream(out, b"q\n")  # shared by every stamped page

    def _cut(self, page, box, top: bool) -> list[tuple[str, float]]:
        """The text objects in the top (heads) or bottom (folio) half of a sheet page, as
        forms: their resource names, and the x of each one's first glyph in PDF points."""
        frames: list[list] = [[]]  # the state-setting operators of each open q..Q
        ops = list(pikepdf.parse_content_stream(page))
        found, i = [], 0
        while i < len(ops):
            operator = str(ops[i].operator)
            if operator == "q":
                frames.append([])
            elif operator == "Q":
                frames.pop()
            elif operator in _STATE_OPERATORS:
                frames[-1].append(ops[i])
            elif operator == "BT":
                end = next(j for j in range(i, len(ops)) if str(ops[j].operator) == "ET")
                block = ops[i:end + 1]
                matrix = next(op.operands for op in block if str(op.operator) == "Tm")
                scale = _scale(frames)
                if (float(matrix[5]) * scale < (box[3] - box[1]) / 2) == top:
                    state = [op for frame in frames for op in frame]
                    data = b"q\n" + pikepdf.unparse_content_stream(state + block) + b"\nQ"
                    form = pikepdf.Stream(self.out, data)
                    form.Type, form.Subtype = pikepdf.Name.XObject, pikepdf.Name.Form
                    form.BBox, form.Resources = pikepdf.Array(box), self.resources
                    name = f"/Stamp{len(self.forms)}"
                    self.forms[name] = form
                    found.append((name, float(matrix[4]) * scale))
                i = end
            i += 1
        return found

    def stamp(self, page: pikepdf.Page, number: int, head: str | None) -> None:
        """Put page ``number``'s folio (and its running head, unless ``head`` is None)."""
        right = is_recto(number)
        digits = [self.digits[int(c)] for c in str(number)]
        if head is not None and right and head not in self.recto:
            raise UnknownHead(f"the running head {head!r} of page {number} is not on the "
                              "stamp sheet")
        heads = [] if head is None else self.recto[head] if right else self.verso
        x = self.centre[right] - sum(width for _, _, width in digits) / 2
        ops = []
        for name, laid_x, width in digits:
            ops.append(f"q 1 0 0 1 {x - laid_x:.4f} 0 cm {name} Do Q")
            x += width
        ops += [f"{name} Do" for name in heads]
        resources = page.obj.Resources
        if "/XObject" not in resources:
            resources.XObject = pikepdf.Dictionary()
        for name in [name for name, _, _ in digits] + heads:
            resources.XObject[name] = self.forms[name]
        page.contents_add(self.opening, prepend=True)
        page.contents_add(pikepdf.Stream(self.out, ("Q\n/Artifact <</Type /Pagination>> BDC\n"
                                                    + "\n".join(ops) + "\nEMC").encode()))


_STATE_OPERATORS = {"cm", "gs", "w", "J", "j", "M", "d", "ri", "i", "g", "G", "rg", "RG", "k",
                    "K", "cs", "CS", "sc", "SC", "scn", "SCN", "Tc", "Tw", "Tz", "TL", "Tf",
                    "Tr", "Ts"}


def _scale(frames) -> float:
    """The scale of the ``cm`` operators in effect (WeasyPrint's 0.75 from pixels to points)."""
    scale = 1.0
    for frame in frames:
        for op in frame:
            if str(op.operator) == "cm":
                scale *= abs(float(op.operands[0]))
    return scale
