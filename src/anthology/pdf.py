"""BookView -> PDF with WeasyPrint: the screen edition and the print interior.

WeasyPrint lays a document out in memory on one core, so the book is laid out in pieces, on
worker processes (typeset.py), and joined by merge.py:

- the body (parts and stories) in chunks that start where a story or part starts, without
  folios or running heads;
- the back matter (contributors, sources), also without them, and the front matter (half-title
  to foreword), which prints page numbers as plain text; their long lists in windows
  (windows.py), all of it driven side by side (``drive``);
- a stamp sheet with the ten digits and the running heads, which merge.py cuts out and places
  on the body and back-matter pages.

A chunk's layout does not depend on where it lands: stories break to a new page, and the inside
and outside margins add up to the same text width on either side, so a chunk that lands on
the other side is shifted sideways by ``merge``. Breaks to a right-hand page (parts, or every
story with ``recto_starts``) only ever open a chunk. Page numbers, contents, outline, labels
and links are therefore exactly those of a single pass. Pieces are cached by content hash, so
a rebuild after one corrected story lays out one chunk.
"""

from __future__ import annotations

import itertools
import os
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from pathlib import Path

from . import fonts
from .cache import Cache, Stored, files_digest
from .model import PrintSettings, book_images
from .profiles import gutter
from .render import BACK_MATTER, FRONT_MATTER, BookView, Section, pdf_html, sections
from .theme import Theme
from .typeset import Laid, LayoutJob, Workers, lay_out
from .windows import CONTINUED_HEADS, Layouts, Pages, lay_out_in_windows

ICC_PROFILES = (Path("/usr/share/color/icc/ghostscript/default_cmyk.icc"),
                Path("/usr/share/color/icc/ghostscript/ps_cmyk.icc"))
CHUNK_STORIES = 40     # stories per chunk: small enough for flat memory, big enough to amortise
CHARS_PER_PAGE = 1500  # for the first guess of the page count (render_pdf)
WINDOW_ENTRIES = 150   # entries of a long list (contents, indexes) per window: windows.py
_NO_MARGIN_BOXES = "".join(  # as specific as book.css's rules, and later: they win
    f"@page {side} {{ @top-center {{ content: none; }} @bottom-center {{ content: none; }} }}"
    for side in ("", ":left", ":right"))
_ROMAN_FOLIOS = "@page { @bottom-center { content: counter(page, lower-roman); } }"
_BLANK = Section("blank", "blank.html", "", {}, "")


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
    def for_book(cls, settings: PrintSettings, page_count: int, bleed: bool) -> PageSetup:
        rules = settings.rules
        floor = rules.min_margin_bleed if settings.bleed else rules.min_margin
        width, height = settings.trim
        return cls(width, height, settings.bleed if bleed else 0.0,
                   top=max(0.9, floor), bottom=max(0.95, floor),
                   inside=max(gutter(page_count) + 0.25, rules.min_inside, floor),
                   outside=max(0.6, floor))

    def css(self) -> str:
        bleed = f" bleed: {self.bleed}in; marks: none;" if self.bleed else ""
        return (f"@page {{ size: {self.width}in {self.height}in;{bleed} "
                f"margin: {self.top}in {self.outside}in {self.bottom}in {self.inside}in; }}\n"
                f"@page :left {{ margin-left: {self.outside}in; margin-right: {self.inside}in; }}\n"
                f"@page :right {{ margin-left: {self.inside}in; margin-right: {self.outside}in; }}\n")


class Runner:
    """Lays out jobs: from the cache when it has them, else in ``jobs`` worker processes,
    started on first need (use it as a context manager). The parent lays out nothing
    itself unless ``jobs`` is 1, so its memory stays small."""

    def __init__(self, jobs: int = 1, cache: Cache | None = None,
                 progress: Callable[[int, int], None] = lambda done, total: None):
        self.jobs, self.cache, self.progress = max(1, jobs), cache, progress
        self._workers: Workers | None = None
        self.refused: set[str] = set()  # URLs a layout could not read (see build)

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, kind, error, trace) -> None:
        self.release(failed=kind is not None)

    def release(self, failed: bool = False) -> None:
        """Stop the workers (they are started again if more is submitted)."""
        if self._workers is not None:
            self._workers.kill() if failed else self._workers.close()
            self._workers = None

    def submit(self, job: LayoutJob, urgent: bool = False) -> Pending:
        """Start laying out ``job`` (unless the cache has it); ``.result()`` waits for it.
        An ``urgent`` job (one that others wait for) goes before the rest of the queue."""
        key = job.key()
        cached = self.cache.get(key) if self.cache else None
        if cached is not None:
            try:
                return Pending(self, key, done=Stored(self.cache, key, Laid.from_bytes(cached)))
            except ValueError:  # an entry of the right checksum but not a layout: rebuild
                pass
        if self.jobs == 1:
            return Pending(self, key, job=job)
        if self._workers is None:
            self._workers = Workers(self.jobs)
        return Pending(self, key, running=self._workers.submit(job, urgent))

    def start(self) -> None:
        """Start the workers ahead of the first job (a build does while reading the book)."""
        if self.jobs > 1 and self._workers is None:
            self._workers = Workers(self.jobs)
            self._workers.start()

    def lay_out(self, job: LayoutJob) -> Laid:
        """Lay ``job`` out now, before anything queued."""
        return self.submit(job, urgent=True).result()

    def run(self, jobs: Iterable[LayoutJob], count: int) -> list[Laid]:
        """Lay out ``count`` jobs, in order. A few are submitted ahead of the one awaited,
        enough to keep every worker busy: the rest are made (their HTML written) only when
        their turn comes, so that the parent does not hold a big book's HTML all at once."""
        waiting: deque[Pending] = deque()
        results: list[Laid] = []
        for job in itertools.chain(jobs, [None]):
            if job is not None:
                waiting.append(self.submit(job))
            while waiting and (job is None or len(waiting) > 2 * self.jobs):
                results.append(waiting.popleft().result())
                self.progress(len(results), count)
        return results


class Pending:
    """A layout on its way: found in the cache, running in a worker, or to run here."""

    def __init__(self, runner: Runner, key: str, done: Laid | None = None,
                 running: Future | None = None, job: LayoutJob | None = None):
        self.runner, self.key, self.done, self.running, self.job = runner, key, done, running, job

    def ready(self) -> bool:
        return self.done is not None or self.running is None or self.running.done()

    def result(self) -> Laid:
        if self.done is None:
            self.done = self.running.result() if self.running is not None else lay_out(self.job)
            cache = self.runner.cache
            if cache and cache.put(self.key, self.done.to_bytes()):
                self.done = Stored(cache, self.key, self.done)
        self.runner.refused.update(self.done.refused)
        return self.done


@dataclass
class RenderedPdf:
    data: bytes
    setup: PageSetup
    front_pages: int
    page_count: int
    labels: dict[str, str]              # anchor (story-1, contributors, ...) -> printed label
    # (page label, first anchor starting on that page, ""), or for a page that starts inside
    # a block (label, the block's anchor, the page's first words)
    page_starts: list[tuple[str, str, str]]
    chunks: int = 1
    # Each body page as laid out before the join: (its piece, page in it, page in the book).
    body: list[tuple[Laid, int, int]] = field(default_factory=list)


def icc_profile() -> Path:
    for path in ICC_PROFILES:
        if path.is_file():
            return path
    raise FileNotFoundError("no CMYK ICC profile for the PDF/X output intent; install the "
                            "Debian package libgs-common (it provides default_cmyk.icc)")


def plan_chunks(body: list[Section], size: int) -> list[list[Section]]:
    """Split the body's sections into chunks of at most ``size`` stories. A part opener breaks
    to a right-hand page, so it always opens a chunk: then a chunk that starts with a story
    holds no right-hand break (unless every story has one, ``recto_starts``, and then the
    chunk itself starts on a right-hand page), and its layout is the same on either side."""
    chunks: list[list[Section]] = []
    stories = 0
    for section in body:
        is_part = section.template == "part.html"
        if not chunks or (is_part and chunks[-1]) or stories >= size:
            chunks.append([])
            stories = 0
        chunks[-1].append(section)
        stories += not is_part
    return chunks


def render_pdf(view: BookView, theme: Theme, book_dir: Path, timestamp: str,
               edition: str = "screen", runner: Runner | None = None,
               chunk_stories: int = CHUNK_STORIES, join: bool = True,
               window_entries: int = WINDOW_ENTRIES) -> RenderedPdf:
    """The whole book as PDF: ``screen`` (RGB, hyperlinked) or ``print`` (PDF/X, CMYK black,
    bleed, no link annotations). With ``join=False`` only the pagination is wanted (for the
    EPUB's page list): the pieces are laid out (or found in the cache) but not joined."""
    from .merge import assemble

    runner = runner or Runner()
    settings = view.book.print
    printing = edition == "print"
    # A layout reads the book's images (each checked by load_book), the theme's files and
    # the system's fonts (local() faces), nothing else: the theme's CSS cannot reach into
    # the book.
    images = [book_dir / path for path in book_images(view.book)]
    roots = tuple(str(p) for p in [*images, *theme.readable]
                  + ([icc_profile().parent] if printing else []))
    pinned = fonts.pin(theme.read("book.css"))
    base = [(pinned.css, theme.path("book.css").as_uri())]
    if printing:
        base.append((theme.render("print.css", icc=icc_profile().as_uri()), ""))
    if settings.recto_starts:
        base.append((".story { break-before: right; }", ""))
    variant = f"pdf/{settings.pdf_x}" if printing else "pdf/ua-1"  # the screen PDF is tagged
    book_url = book_dir.as_uri() + "/"
    resources = files_digest(images + theme.files + [Path(f.path) for f in pinned.faces])

    def job(html: str, *extra: str, setup: PageSetup, tagged: bool = True) -> LayoutJob:
        """A layout of the book's ``html``; untagged (the stamp sheet, cut into artifacts)
        only matters on screen."""
        sheets = tuple(base) + ((setup.css(), ""),) + tuple((css, "") for css in extra)
        return LayoutJob(html, sheets, roots, book_url,
                         variant if tagged or printing else None, resources)

    paged = sections(view, paged=True)
    front_matter = [s for s in paged if s.id in FRONT_MATTER]
    back_matter = [s for s in paged if s.id in BACK_MATTER]
    body = [s for s in paged if s.id not in FRONT_MATTER and s.id not in BACK_MATTER]
    chunks = plan_chunks(body, chunk_stories)
    # The gutter depends on the page count, so the body is laid out again if the first
    # guess lands in another of KDP's bands: guess from the text (a page of the body holds
    # about 1,300-1,800 characters), so that a long book is not laid out twice.
    guess = 8 + sum(1 + len(story.story.text) // CHARS_PER_PAGE for story in view.stories)
    for _ in range(4):  # until the page count keeps the gutter it was laid out with
        setup = PageSetup.for_book(settings, guess, bleed=printing)
        laid = runner.run((job(pdf_html(view, theme, chunk, timestamp), _NO_MARGIN_BOXES,
                               setup=setup) for chunk in chunks), len(chunks))
        layout = BodyLayout.join(chunks, laid, settings.recto_starts)
        if join:
            stamps = runner.submit(job(layout.stamp_html(view, theme, timestamp,
                                                         [s.title for s in back_matter]),
                                       _numbered_from(0), setup=setup, tagged=False))

        def document(chosen: list[Section], pages: dict, first: int, *extra: str,
                     stamped: bool = False,
                     fill: Callable[[str], str | None] = lambda html: html) -> Layouts:
            """A front- or back-matter document, its long lists laid out in windows; a
            ``stamped`` one without folios or running heads (merge.py stamps them on)."""
            extra = (*extra, _NO_MARGIN_BOXES) if stamped else extra

            def window(html: str, number: int, continued: bool) -> LayoutJob | None:
                heads = "" if stamped else CONTINUED_HEADS
                sides = [heads, "html { break-before: left; }" if number % 2 == 0
                         else ""] if continued else []
                html = fill(html)
                return None if html is None else \
                    job(html, *extra, _numbered_from(number), *sides, setup=setup)
            # The contents shows the foreword's page, known only once the whole list is laid
            # out: its first window is small, as it is laid out again (front_matter_document).
            first_window = window_entries // 4 if chosen is front_matter else window_entries
            return lay_out_in_windows(window, pdf_html(view, theme, chosen, timestamp, pages),
                                      first, window_entries, first_window)

        # The back-matter sections open on right-hand pages one after another, so where each
        # starts is known only when the ones before are laid out. So they are laid out side
        # by side without folios or running heads (stamped on by merge, like the body's); the
        # front matter prints their page numbers in the last lines of its contents, written
        # as placeholders and filled in once known.
        counts: dict[str, int] = {}  # back-matter section -> its pages, padded to even

        def back_matter_document(section: Section) -> Layouts:
            # Page numbers from 1 here: every section starts on a right-hand page.
            pages = yield from document([section], layout.pages, 1, stamped=True)
            counts[section.id] = even(len(pages.blanks))
            return pages

        def starts() -> dict[str, int]:
            """Where the back-matter sections start, as far as known."""
            out, number = {}, layout.page_count + 1
            for section in back_matter:
                out[section.id] = number
                if section.id not in counts:
                    break
                number += counts[section.id]
            return out

        def fill_in(html: str, foreword: str) -> str | None:
            html = html.replace(_later("foreword"), foreword)
            known = starts()
            for section in back_matter:
                if _later(section.id) in html:
                    if section.id not in known:
                        return None
                    html = html.replace(_later(section.id), str(known[section.id]))
            return html

        def front_matter_document() -> Layouts:
            later = {anchor: _later(anchor) for anchor in [*BACK_MATTER, "foreword"]}
            label = ""  # the foreword's page, shown by the contents: found by laying out
            for _ in range(3):
                front = yield from document(front_matter, {**layout.pages, **later}, 1,
                                            _ROMAN_FOLIOS, fill=lambda html: fill_in(html, label))
                found = next((roman(i) for i, anchors in enumerate(front.anchors, start=1)
                              if "foreword" in anchors), "")
                if found == label:
                    break
                label = found
            return front

        *backs, front = drive(runner, [*map(back_matter_document, back_matter),
                                       front_matter_document()])
        back_starts = list(starts().values())
        pages = {**layout.pages, **{a: n + i for n, back in zip(back_starts, backs)
                                    for i, anchors in enumerate(back.anchors) for a in anchors}}
        front_count = even(len(front.blanks))
        total = front_count + layout.page_count + sum(even(len(b.blanks)) for b in backs)
        if gutter(total) == gutter(guess):
            break
        guess = total

    data = b""
    if join:
        blank = runner.lay_out(job(pdf_html(view, theme, [_BLANK], timestamp), setup=setup))
        stamps = stamps.result()
        runner.release()  # the workers' memory is not needed while the pieces are joined
        data = assemble(view, front, layout, laid, stamps,
                        [(back, n, s.title) for back, n, s in zip(backs, back_starts, back_matter)],
                        blank, pages, setup, printing=printing, pdf_x=settings.pdf_x,
                        cache=runner.cache)
    labels = {anchor: str(number) for anchor, number in pages.items()}
    starts = _starts(front, lambda i: roman(i + 1))
    starts += [(str(n), a, words) for n, a, words in layout.starts]
    for n, back, section in zip(back_starts, backs, back_matter):
        starts += _starts(back, lambda i, n=n: str(n + i), section.id)
    body_pages = [(laid[chunk], p, front_count + number - 1)
                  for chunk, p, number in layout.placements if chunk >= 0]
    return RenderedPdf(data, setup, front_count, total, labels, starts, len(chunks), body_pages)


def _starts(pages: Pages, label: Callable[[int], str],
            section: str = "") -> list[tuple[str, str, str]]:
    """Where each page of a front- or back-matter document starts (RenderedPdf.page_starts):
    a page of a long list's later window has no id around its text but the ``section``'s."""
    rows = enumerate(zip(pages.anchors, pages.firsts))
    return [(label(i), *start) for i, (anchors, first) in rows
            if (start := page_start(anchors, first, section))]


def page_start(anchors: list[str], first: list[str],
               section: str = "") -> tuple[str, str] | None:
    """Where a page starts: (the first anchor on it, ""), or, for a page that begins inside a
    block, (the id around its first text, else ``section``, its first words), or None."""
    if anchors:
        return anchors[0], ""
    if first and (first[0] or section):
        return first[0] or section, first[1]
    return None


def drive(runner: Runner, layouts: list[Layouts]) -> list:
    """Run generators of layouts (windows.Layouts) side by side: each yields a job, waits for
    its layout and yields the next; the workers are kept busy with all of them at once."""
    results: list = [None] * len(layouts)
    waiting: dict[int, Pending | None] = {i: None for i in range(len(layouts))}
    while waiting:
        advanced = False
        for i, pending in list(waiting.items()):
            if pending is not None and not pending.ready():
                continue
            try:
                job = layouts[i].send(pending.result() if pending is not None else None)
            except StopIteration as done:
                results[i] = done.value
                del waiting[i]
                advanced = True
                continue
            waiting[i] = None if job is None else runner.submit(job, urgent=True)
            advanced = advanced or job is not None
        running = [p.running for p in waiting.values() if p is not None and not p.ready()]
        if running:
            wait(running, return_when=FIRST_COMPLETED)
        elif not advanced and waiting:
            raise RuntimeError("the front and back matter wait for each other")
    return results


def _later(anchor: str) -> str:
    """A placeholder for a page number not known yet (private-use characters: never text)."""
    return f"\ue000{anchor}\ue001"


def _numbered_from(page: int) -> str:
    return f"@page :first {{ counter-reset: page {page}; }}"


def even(pages: int) -> int:
    """A document's pages once padded to an even count (the next one opens on a recto)."""
    return pages + pages % 2


@dataclass
class BodyLayout:
    """Where the chunks' pages land in the book's body (page 1 is the first story's page)."""
    placements: list[tuple[int, int, int]]  # (chunk, page in chunk, body page) in order
    blanks: dict[int, bool]                 # body page -> blank
    pages: dict[str, int]                   # anchor -> body page
    starts: list[tuple[int, str, str]]      # (body page, first anchor starting there, or
                                            # the anchor around its text and its first words)
    openers: set[int]                       # body pages where a section starts
    heads: dict[int, str]                   # body page -> running head (the section's title)
    page_count: int

    @classmethod
    def join(cls, chunks: list[list[Section]], laid: list[Laid], recto_starts: bool):
        placements, blanks, pages, starts, openers, heads = [], {}, {}, [], set(), {}
        number, current = 0, ""
        titles = {s.id: s.title for chunk in chunks for s in chunk}
        for c, (chunk, result) in enumerate(zip(chunks, laid)):
            opens_right = recto_starts or chunk[0].template == "part.html"
            if opens_right and number % 2 == 1:  # the previous page was a recto: add a verso
                number += 1
                blanks[number] = True
                placements.append((-1, 0, number))
            for p, (anchors, blank) in enumerate(zip(result.anchors, result.blanks)):
                number += 1
                placements.append((c, p, number))
                blanks[number] = blank
                if start := page_start(anchors, result.firsts[p]):
                    starts.append((number, *start))
                for anchor in anchors:
                    pages.setdefault(anchor, number)
                    if anchor in titles:
                        openers.add(number)
                        current = titles[anchor]
                heads[number] = current
        if number % 2:  # the back matter opens on a right-hand page
            number += 1
            blanks[number] = True
            placements.append((-1, 0, number))
        return cls(placements, blanks, pages, starts, openers, heads, number)

    def kinds(self) -> dict[int, str]:
        """What each body page carries: "blank" nothing, "opener" a folio, "running" a folio
        and a running head."""
        return {n: "blank" if self.blanks[n] else "opener" if n in self.openers else "running"
                for n in range(1, self.page_count + 1)}

    def recto_heads(self, more: list[str] = ()) -> list[str]:
        """The distinct running heads of right-hand pages, in order (then ``more``)."""
        kinds = self.kinds()
        return list(dict.fromkeys([*(self.heads[n] for n in range(1, self.page_count + 1, 2)
                                     if kinds[n] == "running"), *more]))

    def stamp_html(self, view: BookView, theme: Theme, timestamp: str,
                   more: list[str] = ()) -> str:
        """The stamp sheet (see merge.Stamps): pages numbered 0 to 9, folio only, then a
        right-hand page for each distinct recto head, the first followed by the verso head.
        It is laid out with the book's own page rules, so folios and heads look as they
        would in a single pass; merge.py cuts them out and places them on the body's and the
        back matter's pages (``more``: the back matter's heads)."""
        pages = [("opener", "")] * 10
        for k, head in enumerate(self.recto_heads(more) or [""]):
            pages += [("running" if head else "blank", head), ("running" if k == 0 else "blank", "")]
        return theme.render("folios.html", book=view.book, view=view, timestamp=timestamp,
                            pages=pages)


def roman(number: int) -> str:
    out = ""
    for value, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"),
                           (90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"),
                           (4, "iv"), (1, "i")):
        count, number = divmod(number, value)
        out += letters * count
    return out


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
