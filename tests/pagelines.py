"""A PDF's lines read back with their geometry (poppler's ``pdftotext -bbox-layout``), and the
typesetter's counts made from them: hyphenated lines and ladders of them, breaks too near a
word's end or a dash, split names, widows and orphans, headings alone at a page's foot,
attributions cut off from their piece. Used by tests and by benchmarks/typesetting.py.

A word's box is as tall as its font size, which tells text (the book's commonest size) from
headings, notes and the running heads and folios (outside the text's area).
"""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

AUTO = "\u2010"     # WeasyPrint's hyphenate-character: a break it made inside a word
HYPHENS = (AUTO, "-")
NS = "{http://www.w3.org/1999/xhtml}"
NUMBER = re.compile(r"^— \S+ —$")  # a piece's "— n —"


@dataclass
class Line:
    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    words: list[str]
    gaps: list[float] = field(default_factory=list)  # between its words

    @property
    def size(self) -> float:
        return round(self.y1 - self.y0, 1)

    @property
    def text(self) -> str:
        return " ".join(self.words)

    @property
    def hyphenated(self) -> bool:
        return self.words[-1].endswith(HYPHENS) and len(self.words[-1]) > 1


def read_lines(pdf: Path, first: int | None = None, last: int | None = None) -> list[list[Line]]:
    """Every page's lines, top to bottom."""
    args = ["pdftotext", "-bbox-layout"]
    if first:
        args += ["-f", str(first)]
    if last:
        args += ["-l", str(last)]
    out = subprocess.run(args + [str(pdf), "-"], check=True, capture_output=True).stdout
    root = ET.fromstring(out)
    pages = []
    for number, page in enumerate(root.iter(f"{NS}page"), start=first or 1):
        lines = [_line(number, list(line.iter(f"{NS}word"))) for line in page.iter(f"{NS}line")]
        pages.append(sorted((l for l in lines if l), key=lambda l: (l.y0, l.x0)))
    return pages


def _line(page: int, words: list) -> Line | None:
    """A line from its words; its height that of most of its words (a note's raised call
    makes the line's own box taller)."""
    if not words:
        return None
    boxes = [[float(w.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")] for w in words]
    height = Counter(round(b[3] - b[1], 1) for b in boxes).most_common(1)[0][0]
    y0, y1 = next((b[1], b[3]) for b in boxes if round(b[3] - b[1], 1) == height)
    return Line(page, min(b[0] for b in boxes), y0, max(b[2] for b in boxes), y1,
                [w.text or "" for w in words], [b[0] - a[2] for a, b in zip(boxes, boxes[1:])])


@dataclass
class Geometry:
    """The text's size, its column and its area, as most lines of the book show them."""
    size: float
    left: float
    right: float
    top: float
    bottom: float
    pitch: float

    @classmethod
    def of(cls, pages: list[list[Line]]) -> Geometry:
        lines = [l for page in pages for l in page]
        size = Counter(l.size for l in lines).most_common(1)[0][0]
        text = [l for l in lines if l.size == size]
        left = Counter(round(l.x0, 1) for l in text).most_common(1)[0][0]
        right = Counter(round(l.x1, 0) for l in text if len(l.words) > 4).most_common(1)[0][0]
        steps = Counter(round(b.y0 - a.y0, 1) for page in pages
                        for a, b in zip(page, page[1:]) if a.size == b.size == size)
        return cls(size, left, right, min(l.y0 for l in text), max(l.y1 for l in text),
                   steps.most_common(1)[0][0])

    def content(self, page: list[Line]) -> list[Line]:
        """A page's lines without its running head and folio."""
        return [l for l in page if l.y1 > self.top - 1 and l.y0 < self.bottom + 1]

    def is_text(self, line: Line) -> bool:
        return line.size == self.size

    def is_heading(self, line: Line) -> bool:
        return line.size > self.size + 1.5 or bool(NUMBER.match(line.text)) \
            or line.text == "❧"

    def is_attribution(self, line: Line) -> bool:
        return line.text.startswith("— ") and abs(line.x1 - self.right) < 2 \
            and line.x0 > self.left + 40

    def is_prose(self, line: Line) -> bool:
        """A paragraph's line (block quotes included), not a line set right or centred, nor
        a list's entry with its page (contents, indexes)."""
        return self.is_text(line) and line.x0 < self.left + 45 \
            and not re.fullmatch(r"[0-9ivxlc]+", line.words[-1])

    def full(self, line: Line) -> bool:
        """The line is not a paragraph's last (justified text reaches the measure's end)."""
        return line.hyphenated or line.x1 > self.right - 1.5 or (
            line.x0 > self.left + 20 and line.x1 > self.right - 32)


@dataclass
class Counts:
    lines: int = 0
    hyphenated: int = 0                 # lines ending in a hyphen (any)
    auto: int = 0                       # ... in WeasyPrint's (a break inside a word)
    ladders: int = 0                    # runs of 3 or more hyphenated lines
    longest: int = 0
    short: list[str] = field(default_factory=list)     # < 3 letters, or by a dash or slash
    names: list[str] = field(default_factory=list)     # a capitalised word split
    lone_headings: list[int] = field(default_factory=list)
    widows: list[int] = field(default_factory=list)    # a paragraph's last line atop a page
    orphans: list[int] = field(default_factory=list)   # its first line at a page's foot
    attributions: list[int] = field(default_factory=list)
    ladder_pages: list[int] = field(default_factory=list)
    justified: int = 0                  # text lines set to the full measure
    loose: int = 0                      # ... whose word spaces are over twice the natural

    def report(self) -> str:
        rate = 100 * self.hyphenated / max(self.lines, 1)
        return "\n".join([
            f"text lines: {self.lines}",
            f"lines ending in a hyphen: {self.hyphenated} ({rate:.1f}%), "
            f"of them breaks inside a word: {self.auto}",
            f"loose lines (word spaces over twice the natural): {self.loose} of "
            f"{self.justified} justified ({100 * self.loose / max(self.justified, 1):.1f}%)",
            f"ladders of 3+ hyphenated lines: {self.ladders} (longest run {self.longest})"
            + (f" pages {self.ladder_pages[:12]}" if self.ladder_pages else ""),
            f"breaks leaving < 3 letters or next to a dash/slash/joiner: {len(self.short)}"
            + (f" e.g. {self.short[:6]}" if self.short else ""),
            f"capitalised words split: {len(self.names)}"
            + (f" e.g. {self.names[:6]}" if self.names else ""),
            f"headings alone at a page foot: {len(self.lone_headings)} {self.lone_headings[:12]}",
            f"widows (a paragraph's last line alone atop a page): {len(self.widows)} "
            f"{self.widows[:12]}",
            f"orphans (a paragraph's first line alone at a page foot): {len(self.orphans)} "
            f"{self.orphans[:12]}",
            f"attributions apart from their piece: {len(self.attributions)} "
            f"{self.attributions[:12]}"])


def _letters(text: str, end: bool) -> str:
    """The letters at the end (or start) of ``text``, up to the first non-letter."""
    run = re.search(r"[^\W\d_]*$" if end else r"^[^\W\d_]*", text)
    return run.group(0)


def hyphenation(streams: list[list[Line]], counts: Counts) -> None:
    """Hyphenated lines, ladders and bad breaks, each stream of lines read in order."""
    for stream in streams:
        run = 0
        for line, after in zip(stream, stream[1:] + [None]):
            counts.lines += 1
            if not line.hyphenated:
                run = 0
                continue
            counts.hyphenated += 1
            run += 1
            counts.longest = max(counts.longest, run)
            if run == 3:
                counts.ladders += 1
                counts.ladder_pages.append(line.page)
            if not line.words[-1].endswith(AUTO) or after is None:
                continue
            counts.auto += 1
            before = line.words[-1][:-1]
            head, tail = _letters(before, True), _letters(after.words[0], False)
            pair = f"{before}-/{after.words[0]} (p. {line.page})"
            if len(head) < 3 or len(tail) < 3:
                counts.short.append(pair)
            if head[:1].isupper():
                counts.names.append(pair)


def measure(pdf: Path) -> Counts:
    """The counts for a whole PDF."""
    pages = read_lines(pdf)
    geo = Geometry.of(pages)
    counts = Counts()
    content = [geo.content(page) for page in pages]
    body = [l for page in content for l in page if geo.is_text(l)]
    others: dict[tuple, list[Line]] = {}
    for page in content:
        for line in page:
            if not geo.is_text(line):
                others.setdefault((line.page, line.size), []).append(line)
    hyphenation([body, *others.values()], counts)
    spacing(body, geo, counts)
    breaks(content, geo, counts)
    return counts


def spacing(lines: list[Line], geo: Geometry, counts: Counts) -> None:
    """Loose lines: justified lines whose middle word space is over twice the natural one
    (the middle space of paragraphs' last lines, which are not stretched)."""
    full = [l for l in lines if len(l.gaps) >= 3 and l.x1 > geo.right - 1.5]
    last = sorted(sorted(l.gaps)[len(l.gaps) // 2] for l in lines
                  if len(l.gaps) >= 3 and l.x1 < geo.right - 20)
    if not full or not last:
        return
    natural = last[len(last) // 2]
    counts.justified = len(full)
    counts.loose = sum(sorted(l.gaps)[len(l.gaps) // 2] > 2 * natural for l in full)


def _groups(lines: list[Line], geo: Geometry) -> list[list[Line]]:
    """A page's prose lines cut where a paragraph (or a block) ends: a larger step down."""
    groups: list[list[Line]] = []
    for line in lines:
        if groups and line.y0 - groups[-1][-1].y0 < geo.pitch + 1.5 \
                and line.x0 <= groups[-1][-1].x0 + 2:
            groups[-1].append(line)
        else:
            groups.append([line])
    return groups


def _ends_before(line: Line, overleaf: list[Line]) -> bool:
    """A line that reaches the measure's end but closes a sentence, the next page opening
    with a capital or a quotation mark: most likely a paragraph that fills its line."""
    return bool(re.search(r"[.!?…][”’]?$", line.text)) and bool(overleaf) \
        and bool(re.match(r"[“‘A-Z]", overleaf[0].text))


def breaks(content: list[list[Line]], geo: Geometry, counts: Counts) -> None:
    """Page breaks a typesetter would not accept. A widow is a paragraph's last line alone
    at a page's head, its paragraph begun on the page before; an orphan a paragraph's first
    line alone at a page's foot, the paragraph going on overleaf. A one-line paragraph is
    neither: it ends where it begins (short of the measure, or followed by a larger step)."""
    previous = None  # the last line of the page before, if it was a paragraph's
    for page, overleaf in zip(content, content[1:] + [[]]):
        main = [l for l in page if l.size >= geo.size - 0.6 or geo.is_heading(l)]  # no notes
        if not main:
            previous = None
            continue
        if geo.is_heading(main[-1]) and any(geo.is_text(l) for l in main[:-1]):
            counts.lone_headings.append(main[-1].page)
        if geo.is_attribution(main[0]):
            counts.attributions.append(main[0].page)
        groups = _groups([l for l in main if geo.is_prose(l) or geo.is_heading(l)], geo)
        top, bottom = groups[0], groups[-1]
        if main[0] is top[0] and geo.is_prose(top[0]) and len(top) == 1 \
                and previous is not None and geo.full(previous) \
                and (len(groups) > 1 or not geo.full(top[0])):
            counts.widows.append(top[0].page)
        if main[-1] is bottom[0] and len(bottom) == 1 and len(groups) > 1 \
                and geo.is_prose(bottom[0]) and geo.full(bottom[0]) \
                and not _ends_before(bottom[0], overleaf):
            counts.orphans.append(bottom[0].page)
        previous = main[-1] if geo.is_prose(main[-1]) else None
