"""The body join: the chunks' pages placed as the BodyLayout says, in groups of
BODY_GROUP_PAGES, each group one PDF (cached by what went into it, so a rebuild after one
edit joins one group).

A page that lands on the other side than it was laid out on is shifted by the margin
difference; every page but a blank gets its folio and running head from the stamp sheet;
a story's pages in another language than the book's say so in the structure tree.
"""

from __future__ import annotations

import functools
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

import pikepdf

from ..progress import Progress
from ..render import BookView
from . import structure
from .cache import Cache
from .destinations import Destinations
from .fontmerge import merge_fonts
from .layout import Piece
from .plan import BLANK, BodyLayout, PageSetup, Placement
from .stamps import StampSheet

BODY_GROUP_PAGES = 300  # body pages joined at a time (each group's pieces then let go)


def languages(view: BookView, body: BodyLayout) -> dict[int, str]:
    """Body page -> the language of the story on it, where it is not the book's (a page
    that holds pieces in more than one language, run on, is left in the book's)."""
    out = {}
    language = {s.id: s.language for s in view.stories}  # a part's opener is in the book's
    for number, on in body.on.items():
        found = {language.get(section, "") for section in on}
        if len(found) == 1 and (only := found.pop()) and only != view.book.language:
            out[number] = only
    return out


def _digest(piece: Piece) -> str:
    return hashlib.sha256(piece.pdf).hexdigest()


@dataclass(frozen=True)
class BodyJoin:
    """What the body's groups are joined from."""
    body: BodyLayout
    chunks: list[Piece]
    sheet: StampSheet
    sheet_laid: Piece
    blank: Piece
    setup: PageSetup
    anchors: frozenset[str]     # the sections, which get named destinations
    languages: dict[int, str]   # see languages()
    cache: Cache
    progress: Progress = field(default_factory=Progress)  # told the pages joined and the
                                                          # groups found in the cache

    def groups(self) -> Iterator[bytes]:
        """Each group of body pages as a PDF, in order."""
        total = len(self.body.placements)
        for start in range(0, total, BODY_GROUP_PAGES):
            self.progress.count("body", start, total, "pages joined")
            part = self.body.placements[start:start + BODY_GROUP_PAGES]
            key = self._key(part)
            joined = self.cache.get(key)
            self.progress.cached("body groups", joined is not None)
            if joined is None:
                joined = self._join(part)
                self.cache.put(key, joined)
            yield joined
        self.progress.count("body", total, total, "pages joined")

    @functools.cached_property
    def _stamps_digest(self) -> tuple[str, str]:
        """The stamp sheet's and the blank page's digests: every group's key holds them (a
        stored piece's bytes are read from the cache each time they are asked for)."""
        return _digest(self.sheet_laid), _digest(self.blank)

    def _key(self, part: list[Placement]) -> str:
        return Cache.key("body group", 4, part,
                         [_digest(self.chunks[c]) for c in sorted({p.chunk for p in part
                                                                   if p.chunk != BLANK})],
                         *self._stamps_digest, self.sheet.recto_heads,
                         [(self.body.kind(p.number), self.body.heads.get(p.number))
                          for p in part],
                         self.setup, sorted(self.anchors), self.languages)

    def _join(self, placements: list[Placement]) -> bytes:
        """Body pages from the chunks, shifted where they landed on the other side than they
        were laid out on, stamped with their folios and running heads; with their named
        destinations and one program per font."""
        out = pikepdf.new()
        blank_pdf = pikepdf.open(io.BytesIO(self.blank.pdf))
        used = sorted({p.chunk for p in placements if p.chunk != BLANK})
        chunk_pdfs = {c: pikepdf.open(io.BytesIO(self.chunks[c].pdf)) for c in used}
        stamper = self.sheet.stamper(out, self.sheet_laid, self.setup)
        placed: dict[int, dict[tuple, pikepdf.Dictionary]] = {}  # chunk -> its page -> ours
        shifts: dict[int, dict[tuple, tuple]] = {}  # chunk -> its page -> how far it moved
        tree = structure.Tree(out) if any(structure.document_of(pdf) is not None
                                          for pdf in chunk_pdfs.values()) else None
        for placement in placements:
            chunk, p, number = placement.chunk, placement.page, placement.number
            if chunk == BLANK:
                out.pages.append(blank_pdf.pages[0])
                if "/StructParents" in out.pages[-1].obj:
                    del out.pages[-1].obj["/StructParents"]  # nothing marked on it
                continue
            source = chunk_pdfs[chunk].pages[p]
            prepared = tree.prepare(chunk_pdfs[chunk], p, self.languages.get(number)) \
                if tree else None
            out.pages.append(source)
            if tree:
                tree.add(prepared)
            page = out.pages[-1]
            dx = 0.0
            if placement.moves:
                dx = self.setup.shift if placement.laid_recto else -self.setup.shift
                _shift_page(out, page, dx)
            placed.setdefault(chunk, {})[source.objgen] = page.obj
            shifts.setdefault(chunk, {})[source.objgen] = (dx, 0.0)
            if self.body.kind(number) != "blank":
                stamper.stamp(page, number, self.body.head(number))
        destinations = Destinations(self.anchors)
        for c in used:
            destinations.gather(chunk_pdfs[c], placed.get(c, {}), shifts.get(c, {}))
        destinations.write_into(out)
        merge_fonts(out, self.cache)
        if tree:
            tree.finish()
        result = io.BytesIO()
        out.save(result, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.disable)
        return result.getvalue()


def _shift_page(out: pikepdf.Pdf, page: pikepdf.Page, dx: float) -> None:
    page.contents_add(pikepdf.Stream(out, f"q 1 0 0 1 {dx:.4f} 0 cm\n".encode()), prepend=True)
    page.contents_add(pikepdf.Stream(out, b"\nQ\n"))
    for annot in page.obj.get("/Annots", []):
        rect = [float(v) for v in annot.Rect]
        annot.Rect = pikepdf.Array([rect[0] + dx, rect[1], rect[2] + dx, rect[3]])
