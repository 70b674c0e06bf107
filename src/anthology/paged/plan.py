"""The plan of a paged book: the page setup, the body's chunks, and where the chunks' pages
land (``BodyLayout``, the contract between the layout and the join).

A chunk's layout does not depend on where it lands: a chunk opens only where a page start is
forced (a part, or a piece that always starts a new page; pieces that run on are never split
from the ones before them), and the inside and outside margins add up to the same text width
on either side, so a chunk that lands on the other side is shifted sideways by the join.
Breaks to a right-hand page (parts, or every such story with ``recto_starts``) only ever open
a chunk. Page numbers, contents, outline, labels and links are therefore exactly those of a
single pass.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from ..model import PrintSettings
from ..profiles import gutter, is_recto
from ..render import Section
from .layout import Piece

CHUNK_PAGES = 28       # estimated pages a chunk holds at most (bar a piece longer than
                       # that): what one edit lays out again
CHUNK_GAP = 16         # estimated pages between the pieces chosen to end a chunk, on
                       # average: chunks of about 15 pages amortise a layout's start (about
                       # 0.1 s of CPU)
CHARS_PER_PAGE = 1500  # a body page holds about 1,300-1,800 characters: the first guess
LINES_PER_PAGE = 36    # a page of verse holds about 30-40 lines


def even(pages: int) -> int:
    """A document's pages once padded to an even count (the next one opens on a recto)."""
    return pages + pages % 2


def roman(number: int) -> str:
    out = ""
    for value, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"),
                           (90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"),
                           (4, "iv"), (1, "i")):
        count, number = divmod(number, value)
        out += letters * count
    return out


def page_start(anchors: list[str], first: list[str],
               section: str = "") -> tuple[str, str] | None:
    """Where a page starts: (the first anchor on it, ""), or, for a page that begins inside a
    block, (the id around its first text, else ``section``, its first words), or None."""
    if anchors:
        return anchors[0], ""
    if first and (first[0] or section):
        return first[0] or section, first[1]
    return None


@dataclass(frozen=True)
class PageSetup:
    """Trim size, bleed and margins in inches, for a book of a given page count."""
    width: float
    height: float
    bleed: float
    top: float
    bottom: float
    inside: float
    outside: float

    @classmethod
    def for_book(cls, settings: PrintSettings, page_count: int, bleed: bool,
                 mirrored: bool = True, type_size: float = 11.0) -> PageSetup:
        """The print interior's setup (``bleed``: with the manifest's bleed); not
        ``mirrored`` (the screen PDF), both sides get the mean of the inside and outside
        margins: the same text width, and so the same line and page breaks, centred.
        The head and foot margins grow with ``type_size`` (points) past about 11pt, so that
        a running head or folio of that size, 0.24in from the text (book.css), still keeps
        about 0.45in from the trim (a face's line is about 1.36 times its size)."""
        rules = settings.rules
        floor = settings.margin_floor
        width, height = settings.trim
        inside = max(gutter(page_count) + 0.25, rules.min_inside, floor)
        outside = max(0.6, floor)
        if not mirrored:
            inside = outside = (inside + outside) / 2
        heads = round(0.69 + type_size * 1.36 / 72, 3)  # room for a head or folio that size
        return cls(width, height, settings.bleed if bleed else 0.0,
                   top=max(0.9, floor, heads), bottom=max(0.95, floor, heads),
                   inside=inside, outside=outside)

    def css(self) -> str:
        bleed = f" bleed: {self.bleed}in; marks: none;" if self.bleed else ""
        return (f"@page {{ size: {self.width}in {self.height}in;{bleed} "
                f"margin: {self.top}in {self.outside}in {self.bottom}in {self.inside}in; }}\n"
                f"@page :left {{ margin-left: {self.outside}in; margin-right: {self.inside}in; }}\n"
                f"@page :right {{ margin-left: {self.inside}in; margin-right: {self.outside}in; }}\n")

    @property
    def shift(self) -> float:
        """Points a page laid out as a right-hand page moves by on a left-hand page."""
        return (self.outside - self.inside) * 72

    def centre(self, recto: bool) -> float:
        """The x of the text area's centre on a right- or left-hand page, in points."""
        width = self.width - self.inside - self.outside
        return (self.bleed + (self.inside if recto else self.outside) + width / 2) * 72


def first_guess(text_lengths: list[int]) -> int:
    """A first guess of the book's page count, from its stories' lengths in characters (the
    gutter depends on the page count, and a right guess lays a long book out once)."""
    return 8 + sum(1 + length // CHARS_PER_PAGE for length in text_lengths)


def estimated_pages(section: Section) -> float:
    """About how many pages a body section fills, from its text: the more of its characters'
    and its lines' counts (a poem's short lines fill a page long before its characters
    would). A piece that always starts a page adds the page it opens; a part's opener
    counts for nothing (a page or two, and little to lay out)."""
    item = section.context.get("item")
    text = item.story.text if item is not None and item.story is not None else ""
    fill = max(len(text) / CHARS_PER_PAGE, text.count("\n") / LINES_PER_PAGE)
    return fill + (section.forced and not section.is_part)


def plan_chunks(body: list[Section], size: float,
                gap: float | None = None) -> list[list[Section]]:
    """Split the body's sections into chunks of at most ``size`` estimated pages
    (``estimated_pages``), so that a chunk costs about the same to lay out whatever the
    pieces' lengths, and one edit lays out about one chunk again.

    Where a chunk ends depends on the pieces around it, not on where the chunk began, as
    content-defined chunking does: a chunk ends before a piece ``chosen`` by a hash of its
    title (which an edit of any piece's text does not change), a piece of p pages with a
    chance of p in ``gap`` (by default in proportion to ``size``: CHUNK_GAP for
    CHUNK_PAGES), or where the next piece would take it past ``size``. So an edit
    that makes a piece longer or shorter moves the end of its own chunk, and at most the next
    few up to the next chosen piece; the chunks after fall where they fell. (Filled
    greedily, one edit moved every later chunk's bounds: half a book laid out again.)

    A chunk only ever opens where a page start is forced, so that its layout is the one a
    single pass gives: at a part's opener (which breaks to a right-hand page, and always
    opens a chunk) or at a piece that always starts a new page. Then a chunk that starts with
    a story holds no right-hand break (unless every story has one, ``recto_starts``, and then
    the chunk itself starts on a right-hand page), and its layout is the same on either side.

    Pieces that run on (``new_page``: never or when_needed) follow the one before on its
    page, so a run of them is never split: the first of a run that follows a part's opener
    starts a page too, but it is in the opener's chunk already, and one that follows a piece
    that starts a new page shares that piece's last page. A chunk therefore holds more than
    ``size`` when it ends in such a run, and a run longer than ``size`` stays one chunk, as
    does a single piece longer than ``size`` (a known limit: a part of 2,000 run-on poems is
    laid out in one process)."""
    gap = size * CHUNK_GAP / CHUNK_PAGES if gap is None else gap
    chunks: list[list[Section]] = []
    pages = 0.0
    for section in body:
        weight = estimated_pages(section)
        if not chunks or (section.is_part and chunks[-1]) or section.forced and pages and (
                pages + weight > size or chosen(section, weight / gap)):
            chunks.append([])
            pages = 0.0
        chunks[-1].append(section)
        pages += weight
    return chunks


def chosen(section: Section, chance: float) -> bool:
    """Whether ``section`` is chosen to open a chunk, with this ``chance``: by a hash of its
    title, the same in every build."""
    digest = hashlib.sha256(section.title.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:4], "big") < chance * 2 ** 32


BLANK = -1  # the chunk of a placement that is a blank page the join adds


@dataclass(frozen=True)
class Placement:
    """A body page: page ``page`` of chunk ``chunk`` (BLANK: an added blank page) lands on
    body page ``number``."""
    chunk: int
    page: int
    number: int

    @property
    def laid_recto(self) -> bool:
        """Whether it was laid out as a right-hand page (a chunk starts on one)."""
        return is_recto(self.page + 1)

    @property
    def moves(self) -> bool:
        """Whether it lands on the other side than it was laid out on."""
        return self.laid_recto != is_recto(self.number)


@dataclass(frozen=True)
class BodyLayout:
    """Where the chunks' pages land in the book's body (page 1 is the first story's page),
    what each carries, and its running head: made once by ``place``, read by the stamp
    sheet, the join and the page list.

    A page may hold several pieces that run on. A part's title page carries nothing, like a
    blank. An opener (a folio, no running head) is a page where a piece that always starts a
    new page, or the first piece after a part starts; every other page is running, and its
    head is the piece at its top: the one continuing from the page before, or the one whose
    heading starts the page."""
    placements: list[Placement]             # in order
    blanks: dict[int, bool]                 # body page -> blank
    pages: dict[str, int]                   # anchor -> body page
    starts: list[tuple[int, str, str]]      # (body page, page_start(...) of it)
    openers: frozenset[int]                 # body pages where a part, an "always" piece
                                            # or a part's first piece starts
    heads: dict[int, str]                   # body page -> running head (the title of the
                                            # section at its top)
    page_count: int
    on: dict[int, tuple[str, ...]] = field(default_factory=dict)  # body page -> the sections
                                            # on it (parts and pieces, top first)
    part_pages: frozenset[int] = frozenset()  # body pages that are a part's title page

    @classmethod
    def place(cls, chunks: list[list[Section]], laid: list[Piece],
              recto_starts: bool) -> BodyLayout:
        placements, blanks, pages, starts, openers, heads = [], {}, {}, [], set(), {}
        on: dict[int, tuple[str, ...]] = {}
        part_pages = set()
        number, current = 0, ""  # current: the section running at the foot of the last page
        sections = {s.id: s for chunk in chunks for s in chunk}
        for c, (chunk, result) in enumerate(zip(chunks, laid)):
            # The chunk's first piece opens a page under the opener's sink, even one that
            # runs on (after a part's title page, or at the body's start): no running head.
            sinking = next((s.id for s in chunk if not s.is_part), None)
            opens_right = recto_starts or chunk[0].is_part
            if opens_right and not is_recto(number + 1):  # add a verso
                number += 1
                blanks[number] = True
                placements.append(Placement(BLANK, 0, number))
            for p, (anchors, blank) in enumerate(zip(result.anchors, result.blanks)):
                number += 1
                placements.append(Placement(c, p, number))
                blanks[number] = blank
                first = result.firsts[p]
                starting = [a for a in anchors if a in sections]  # top first
                # A piece that runs on may start lower down, under the end of the one
                # before: then the page begins inside a block that started earlier.
                continued = bool(first) and first[0] != "" and first[0] not in anchors
                if starting and continued:
                    starts.append((number, first[0], first[1]))
                elif start := page_start(anchors, first):
                    starts.append((number, *start))
                for anchor in anchors:
                    pages.setdefault(anchor, number)
                top = starting[0] if starting and anchors[0] == starting[0] \
                    and not continued else current
                on[number] = tuple(dict.fromkeys([top] * bool(top) + starting))
                if any(sections[a].forced or a == sinking for a in starting):
                    openers.add(number)
                if starting and sections[starting[0]].is_part and not continued:
                    part_pages.add(number)
                current = starting[-1] if starting else current
                heads[number] = sections[top].title if top else ""
        if not is_recto(number + 1):  # the back matter opens on a right-hand page
            number += 1
            blanks[number] = True
            placements.append(Placement(BLANK, 0, number))
        return cls(placements, blanks, pages, starts, frozenset(openers), heads, number, on,
                   frozenset(part_pages))

    def kind(self, number: int) -> str:
        """What body page ``number`` carries: "blank" nothing, "opener" a folio, "running"
        a folio and a running head."""
        return "blank" if self.blanks[number] or number in self.part_pages else \
            "opener" if number in self.openers else "running"

    def head(self, number: int) -> str | None:
        """The running head stamped on body page ``number``, or None for none."""
        return self.heads.get(number, "") if self.kind(number) == "running" else None
