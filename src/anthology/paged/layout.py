"""One WeasyPrint layout: a job as plain data in, the laid-out document as plain data out.

This is the only module that lays pages out with WeasyPrint (the body's chunks, the long
lists' windows, the stamp sheet, the cover). Of anthology it imports only the cache (keys,
and ``Stored``: a laid-out document kept there), so a worker process (workers.py) carries
WeasyPrint and little more.
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
import os
import struct
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from . import hyphenation
from .cache import Cache, digest

ENTRY = "anthology-entry-"  # ids windows.py gives a long list's entries, its own business

# What a cluster's worker reads of its own disk, the rest coming with the job: files of
# Debian packages, at the same paths on every machine set up alike (fonts.py's folders, the
# ICC profile's; cluster.py checks that they are the same files).
FONT_FOLDERS = ("/usr/share/fonts", "/usr/local/share/fonts")
SYSTEM_FOLDERS = (*FONT_FOLDERS, "/usr/share/color/icc")


def on_system(path: str) -> bool:
    return any(Path(path).is_relative_to(folder) for folder in SYSTEM_FOLDERS)


def local_fetcher(roots, carried: dict[str, tuple[bytes, str]] | None = None):
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class Carried(URLFetcherResponse):
        """A file that came with the job: no path, so that WeasyPrint never reads it
        again from a disk (it would reopen an image by its path)."""
        path = None

    class LocalFetcher(URLFetcher):
        """Lets WeasyPrint read the given files and files inside the given folders, and
        nothing else: no network, no other file on the machine (``data:`` URLs hold their
        own bytes). What it refuses, or cannot read, is listed in ``refused``: WeasyPrint
        would leave it out of the page without a word. On a cluster's worker, the files
        of the client's machine are ``carried`` (path -> bytes and media type: see
        cluster.carried) and only the rest, the system's, are read from disk."""

        def __init__(self):
            super().__init__(allowed_protocols={"file", "data"})
            self.roots = [Path(root).resolve() for root in roots
                          if carried is None or on_system(root)]
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme == "data":
                return super().fetch(url, headers)
            if carried is not None and parts.scheme == "file" and \
                    (found := carried.get(where := os.path.normpath(unquote(parts.path)))):
                data, media_type = found
                return Carried(Path(where).as_uri(), data, {"Content-type": media_type})
            path = Path(unquote(parts.path)).resolve()
            if parts.scheme != "file" or parts.netloc not in ("", "localhost") or not any(
                    path.is_relative_to(root) for root in self.roots):
                self.refused.append(url)
                raise ValueError(f"anthology does not read {url!r}")
            try:
                return super().fetch(path.as_uri(), headers)
            except Exception:
                self.refused.append(url)
                raise

    return LocalFetcher()


@dataclass(frozen=True)
class LayoutJob:
    """Everything one WeasyPrint layout needs, as plain data a worker process can receive."""
    html: str
    stylesheets: tuple[tuple[str, str], ...]  # (CSS text, base URL)
    roots: tuple[str, ...]                    # files, and folders, the layout may read
    base_url: str
    variant: str | None                       # "pdf/x-4", "pdf/x-1a" (print), "pdf/ua-1"
                                              # (screen, tagged) or None
    resources: str = ""                       # digest of the files it may read (images, fonts)
    identifier: bool = False                  # give the PDF an /ID (the cover)

    def key(self) -> str:
        """The cache key: everything that goes into the layout, the book's folder written
        as a placeholder, so that a book moved or renamed finds its layouts again (what a
        layout makes never depends on where the book lies: see ``content_key``)."""
        here = _in_book(self.base_url)
        return Cache.key("layout", 8, here(self.html),
                         tuple((here(css), here(base)) for css, base in self.stylesheets),
                         tuple(map(here, self.roots)), here(self.base_url), self.variant,
                         self.resources, self.identifier, weasyprint_version(),
                         hyphenation.RULES, FIRST_LINE_FIX)

    def content_key(self) -> str:
        """What the layout shows, wherever the book lies: seeds the PDF's XMP IDs, so that
        the same book gives the same bytes in any folder."""
        return digest((self.html, [css for css, _ in self.stylesheets], self.variant,
                       self.resources, weasyprint_version()))


BOOK = "<book>"  # the book's folder, in a cache key or a cached layout


def _in_book(base_url: str):
    """A function writing the book's folder (``base_url``, as a URL or a path) in a text
    as BOOK."""
    folder = unquote(urlsplit(base_url).path).rstrip("/") if base_url else ""
    url = base_url.rstrip("/")
    if not folder:
        return lambda text: text
    return lambda text: text.replace(url, BOOK).replace(folder, BOOK)


@lru_cache(maxsize=1)
def weasyprint_version() -> str:
    """Part of every cache key; read from the package metadata (importing WeasyPrint takes
    most of a second, and an EPUB-only or cached build need not)."""
    return importlib.metadata.version("weasyprint")


class Piece(Protocol):
    """A laid-out document as the engine reads it: a ``Laid``, or one kept in the cache
    (Stored) whose PDF is read back when it is needed."""
    pdf: bytes
    anchors: list[list[str]]
    blanks: list[bool]
    refused: list[str]
    firsts: list[list[str]]


@dataclass
class Laid:
    """A laid-out document: its PDF, and per page the anchors that start there (topmost
    first) and whether WeasyPrint left it blank."""
    pdf: bytes
    anchors: list[list[str]]
    blanks: list[bool]
    refused: list[str] = field(default_factory=list)  # URLs the layout could not read
    # Per page, where its text begins: [the id of the nearest element around it ("" if none),
    # its first words], or [] (used where no anchor starts the page: it begins inside a block).
    firsts: list[list[str]] = field(default_factory=list)

    def __post_init__(self):
        self.firsts = self.firsts or [[] for _ in self.blanks]

    def to_bytes(self) -> bytes:
        """Plain data for the cache: the length of a JSON head, the head, the PDF."""
        head = json.dumps([self.anchors, self.blanks, self.refused, self.firsts],
                          separators=(",", ":")).encode()
        return struct.pack("<Q", len(head)) + head + self.pdf

    @classmethod
    def from_bytes(cls, data: bytes) -> Laid:
        """Read ``to_bytes`` back; ValueError if it is not that."""
        try:
            (size,) = struct.unpack_from("<Q", data)
            anchors, blanks, refused, firsts = json.loads(data[8:8 + size])
        except (struct.error, ValueError, TypeError) as error:
            raise ValueError(f"not a laid-out document: {error}") from None
        if not (isinstance(anchors, list) and isinstance(blanks, list)
                and len(anchors) == len(blanks)
                and all(isinstance(a, list) and all(isinstance(x, str) for x in a)
                        for a in anchors)
                and all(isinstance(b, bool) for b in blanks)
                and isinstance(refused, list) and all(isinstance(u, str) for u in refused)
                and isinstance(firsts, list) and len(firsts) == len(blanks)
                and all(isinstance(f, list) and all(isinstance(x, str) for x in f)
                        for f in firsts)):
            raise ValueError("not a laid-out document: wrong head")
        return cls(data[8 + size:], anchors, blanks, refused, firsts)


class Stored:
    """A laid-out document (Laid) whose PDF is read back from the cache when it is
    needed: the pieces of a 4,000-story book are ten megabytes the parent need not hold."""

    def __init__(self, cache: Cache, key: str, laid):
        self.cache, self.key, self.anchors, self.blanks = cache, key, laid.anchors, laid.blanks
        self.refused, self.firsts = laid.refused, laid.firsts

    @property
    def pdf(self) -> bytes:
        data = self.cache.get(self.key)
        if data is None:
            raise OSError(f"{self.cache.folder} lost a laid-out piece during the build")
        return Laid.from_bytes(data).pdf


def warm_up() -> None:
    """Import WeasyPrint (most of a second) before the first job needs it."""
    import weasyprint  # noqa: F401


def lay_out(job: LayoutJob, carried: dict[str, tuple[bytes, str]] | None = None) -> Laid:
    """Run WeasyPrint on one document (in a worker process, or in this one); on a cluster's
    worker, with the files of the client's machine ``carried`` (see local_fetcher)."""
    from weasyprint import HTML
    _cache_page_references()
    _keep_notes_with_their_calls()
    _subsets_keep_glyph_ids()
    hyphenation.install()
    _first_line_once()
    logging.getLogger("weasyprint").setLevel(logging.CRITICAL)  # refusals are by design
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    fetcher = local_fetcher(job.roots, carried)
    fonts = font_configuration()
    profiles: dict = {}  # print.css's @color-profile lands here; the PDF writer reads it
    sheets = []
    for text, base in job.stylesheets:
        sheet, found = _stylesheet(text, base, job.roots, job.resources, fetcher, fonts)
        sheets.append(sheet)
        profiles.update(found)
    printing = (job.variant or "").startswith("pdf/x")
    options = {"pdf_variant": job.variant} if job.variant else {}
    if printing:
        options["output_intent"] = "device-cmyk"
    document = HTML(string=job.html, base_url=job.base_url, url_fetcher=fetcher).render(
        stylesheets=sheets, color_profiles=profiles, font_config=fonts, **options)
    seen: set[str] = set()
    anchors, blanks, firsts = [], [], []
    for page in document.pages:
        new = sorted((a for a in page.anchors if a not in seen),
                     key=lambda a: (page.anchors[a][1], page.anchors[a][0]))
        seen.update(page.anchors)
        anchors.append(new)
        blanks.append(bool(page._page_box.page_type.blank))
        firsts.append(_first_words(page._page_box))
    if job.identifier:
        options["pdf_identifier"] = True
    with _stable_xmp_ids(job.content_key()):
        pdf = document.write_pdf(finisher=_drop_links if printing else None, **options)
    # written with the book's folder as BOOK, as the cache key is: a moved book's layouts,
    # found in the cache, name the files they could not read where the book is now
    here = _in_book(job.base_url)
    return Laid(pdf, anchors, blanks, sorted({here(url) for url in fetcher.refused}), firsts)


_SHEETS: dict[tuple, tuple] = {}  # (CSS text, base URL, roots, resources) -> (CSS, profiles)


def _stylesheet(text: str, base: str, roots: tuple[str, ...], resources: str, fetcher,
                fonts) -> tuple:
    """A parsed stylesheet and the colour profiles it declares, parsed once per process:
    every chunk of a book has the same theme, and parsing it (its @font-face rules loaded)
    was a sixth of a chunk's layout. Kept by its text and the digest of the files it may
    read (an @import, a font, a profile: edited, it is parsed again). One that could not read
    a file is parsed again by each job, so that each job lists what it could not read. One
    that declares a colour profile (print.css, a small sheet) too: WeasyPrint's profile,
    once written into a PDF, is written differently the next time (LittleCMS writes it back
    out once its name has been read), and a layout's bytes must not depend on the layouts
    its worker did before."""
    from weasyprint import CSS
    key = (text, base, roots, resources)
    if key in _SHEETS:
        return _SHEETS[key]
    refused, profiles = len(fetcher.refused), {}
    sheet = CSS(string=text, base_url=base, url_fetcher=fetcher, color_profiles=profiles,
                font_config=fonts)
    if len(fetcher.refused) == refused and not profiles:
        _SHEETS[key] = sheet, profiles
        while len(_SHEETS) > 32:
            del _SHEETS[next(iter(_SHEETS))]
    return sheet, profiles


FIRST_WORDS = 12  # words that trace where a page begins (epub.py finds them in the text)


def _first_words(page) -> list[str]:
    """[the id of the nearest element with one around the page's first text, its first
    whole words, across lines and inline elements], or [] if the page has no text."""
    lines: list[str] = []
    block, last = None, None
    for around, line, text in _texts(page):
        if block is None:
            block = around
        if line is not last:
            if lines and lines[-1].rstrip()[-1:] in ("-", "\u2010", "\u00ad"):
                lines[-1] = lines[-1].rstrip().rsplit(None, 1)[0] if " " in \
                    lines[-1].strip() else ""  # hyphenated at the line's end: not whole
                break
            if len(" ".join(lines).split()) >= FIRST_WORDS:
                break
            lines.append("")
            last = line
        lines[-1] += text
    words = " ".join(lines).split()[:FIRST_WORDS]
    return [block, " ".join(words)] if words else []


def _texts(box, block: str = "", line=None):
    """The visible texts of a page in order: (the id of the nearest element around it, its
    line box, the text). Generated content (a list's bullet) is not in the text."""
    if "::" in (getattr(box, "element_tag", None) or ""):
        return
    element = getattr(box, "element", None)
    own = element.get("id") if element is not None and box.element_tag != "html" else None
    block = own if own and not own.startswith(ENTRY) else block
    if type(box).__name__ == "LineBox":
        line = box
    text = getattr(box, "text", None)
    if text is not None:
        if text.strip() and box.style["visibility"] == "visible":
            yield block, line, text
        return
    for child in getattr(box, "children", ()):
        yield from _texts(child, block, line)


@lru_cache(maxsize=1)
def _cache_page_references() -> None:
    """pydyf builds the list of every page's reference anew each time ``page_references`` is
    read, and WeasyPrint's tagging (pdf/tags.py) reads it once per structure element: a
    tagged layout is quadratic in its pages (44 of 125 s for a 350-page piece). The list
    only grows, one page at a time, so it is kept until the page count changes."""
    import pydyf

    def page_references(pdf) -> tuple:
        kids = pdf.pages["Kids"]
        cached = pdf.__dict__.get("_anthology_page_references")
        if cached is None or cached[0] != len(kids):
            cached = len(kids), tuple(f"{n} 0 R".encode("ascii") for n in kids[::3])
            pdf.__dict__["_anthology_page_references"] = cached
        return cached[1]

    pydyf.PDF.page_references = property(page_references)


@lru_cache(maxsize=1)
def _keep_notes_with_their_calls() -> None:
    """When a line does not fit at a page's foot, WeasyPrint 70 may move the footnotes
    already on the page (whose calls stay on it) to the next page, to make room for one more
    line; and once a note is moved, every later note on the page follows it (the note is
    lost when two share a line: Kozea/WeasyPrint#1564, #2502). Measured on 2,127 notes in
    dense test pages, 12% landed on a later page than their call, 2% with
    ``footnote-policy: line``. Never moving those earlier notes (the line breaks to the next
    page instead, as the policy asks) put every one of them on its call's page. The change
    is one condition of ``_linebox_layout``, rewritten from its source here (the version is
    pinned; a version whose source differs fails loudly rather than misplacing notes).
    Pages without footnotes lay out exactly as before: the condition reads only them."""
    import inspect

    from weasyprint.layout import block
    source = inspect.getsource(block._linebox_layout)
    moves_notes = "report = not context.in_column and can_break_now and not could_break_before"
    if moves_notes not in source:
        raise RuntimeError("WeasyPrint's line layout changed: anthology's footnote fix "
                           "(paged/layout.py) needs a look")
    exec(compile(source.replace(moves_notes, "report = False"), block.__file__, "exec"),
         block.__dict__)


@lru_cache(maxsize=1)
def _subsets_keep_glyph_ids() -> None:
    """WeasyPrint 70 subsets a font in two HarfBuzz passes: the glyphs used, keeping their
    ids, then the glyphs up to the last one used, to drop the empty slots after it; but the
    second pass renumbers the glyphs past that last one that the first kept as parts of a
    composite glyph (Gentium Plus Italic's "ừ" is u, a horn and a grave accent, the accents
    far down the font). anthology merges the pieces' subsets of a face by glyph id
    (fontmerge.py): a renumbered accent landed in another glyph's slot, and a page printed
    "ừ" as a circumflex. The second pass keeps the ids too (the subset then ends at the last
    part of a composite, a few empty slots longer)."""
    import inspect
    import textwrap

    from weasyprint.pdf import fonts
    source = inspect.getsource(fonts.Font._harfbuzz_subset)
    second = ("        # Set flags.\n        flags = (\n"
              "            harfbuzz_subset.HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED |\n")
    if source.count(second) != 1:
        raise RuntimeError("WeasyPrint's font subsetting changed: anthology's glyph-id fix "
                           "(paged/layout.py) needs a look")
    fixed = source.replace(second, second.replace(
        "flags = (\n", "flags = (\n            harfbuzz_subset.HB_SUBSET_FLAGS_RETAIN_GIDS |\n"))
    namespace: dict = {}
    exec(compile(textwrap.dedent(fixed), fonts.__file__, "exec"), fonts.__dict__, namespace)
    fonts.Font._harfbuzz_subset = namespace["_harfbuzz_subset"]


FIRST_LINE_FIX = 1  # _first_line_once's revision, in the cache key: change it with it


@lru_cache(maxsize=1)
def _first_line_once() -> None:
    """WeasyPrint 70 gives a block's ``::first-line`` style to the first line of every page
    the block runs onto (book.css sets a piece's first line in small caps: a paragraph
    broken across pages had a second small-capped line atop the next page). A block
    resumed on a later page (WeasyPrint's skip stack is set) is laid out without it."""
    import inspect

    from weasyprint.layout import block, page

    original = block.block_container_layout
    if getattr(original, "anthology_wrapped", False):
        return
    if "if box.first_line_style is not None:" not in inspect.getsource(original):
        raise RuntimeError("WeasyPrint's block layout changed: anthology's ::first-line fix "
                           "(paged/layout.py) needs a look")

    def layout(context, box, bottom_space, skip_stack, *args, **kwargs):
        if skip_stack is None or box.first_line_style is None:
            return original(context, box, bottom_space, skip_stack, *args, **kwargs)
        style, box.first_line_style = box.first_line_style, None
        try:
            return original(context, box, bottom_space, skip_stack, *args, **kwargs)
        finally:
            box.first_line_style = style

    layout.anthology_wrapped = True
    block.block_container_layout = page.block_container_layout = layout


@lru_cache(maxsize=1)
def font_configuration():
    """One Fontconfig configuration for every layout in this process: WeasyPrint would load
    the system's fonts again for each document (a tenth of a small layout's time)."""
    from weasyprint.text.fonts import FontConfiguration
    return FontConfiguration()


def _drop_links(document, pdf):
    """PDF/X allows no link annotations on the page."""
    import pydyf
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/Page":
            obj.pop("Annots", None)


@contextmanager
def _stable_xmp_ids(seed: str):
    """WeasyPrint gives PDF/X-4's XMP a random DocumentID (uuid4); derive it from the content
    instead, so that the same book gives the same bytes."""
    from weasyprint.pdf import metadata as xmp
    original = xmp.uuid4
    xmp.uuid4 = lambda: uuid.uuid5(uuid.NAMESPACE_URL, seed)
    try:
        yield
    finally:
        xmp.uuid4 = original
