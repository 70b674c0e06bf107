"""The print interior's pages read back for preflight: where each page's text lies and the
fills it is shown in, read from the written file.

Every page is read, but a page is read only once: its result is remembered under a digest
of everything that draws it (its content streams, fonts, forms and boxes: the page object
and all it reaches), so a rebuild after one edit reads the pages that changed, and a page
that the join placed or stamped differently is a changed page. Text lies where pdfium puts
its text rects (tight to the glyphs, and to the space a justified line ends in: a point past
the text block at most, on the safe side), fills from the content stream (pikepdf), both
native code: about a millisecond a page.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pikepdf

from .paged.cache import Cache
from .native import PDFIUM

_VERSION = 1
_FILL = {"g": 1, "rg": 3, "k": 4, "sc": None, "scn": None}
_SHOW = {"Tj", "TJ", "'", '"'}
_OPERATORS = " ".join([*_FILL, *_SHOW, "q", "Q"])  # the only ones parsed


@dataclass(frozen=True)
class PageText:
    """What preflight reads of one page."""
    box: tuple[float, float, float, float] | None  # the text's left, top, right, bottom in
                                                   # points from the MediaBox's top-left
    fills: tuple[tuple[float, ...], ...]           # the fill colours text is shown in
    media: tuple[float, ...] | None = None         # its boxes, in points
    trim: tuple[float, ...] | None = None
    bleed: tuple[float, ...] | None = None


@dataclass(frozen=True)
class Interior:
    """What preflight reads of a print interior."""
    pages: list[PageText]
    fonts: dict[str, bool]   # each font's name (without its subset tag) -> embedded
    intents: list[str]       # its output intents' kinds (/GTS_PDFX)
    xmp: str                 # its XMP metadata


def read_interior(path: Path, cache: Cache | None = None, remember: str = "") -> Interior:
    """The PDF at ``path`` read back; the pages read for the last file remembered under
    ``remember`` (an edition's interior) are not read again."""
    cache = cache or Cache.nowhere()
    key = Cache.key("preflight pages", _VERSION, remember) if remember else ""
    known = remembered(cache, key) if key else {}
    data = path.read_bytes()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        digests = page_digests(pdf, hashlib.sha256(data).digest())
        todo = [i for i, d in enumerate(digests) if d not in known]
        if todo:
            import pypdfium2
            with PDFIUM:
                document = pypdfium2.PdfDocument(str(path))
                try:
                    for i in todo:
                        known[digests[i]] = [_text_box(document[i]), _fills(pdf.pages[i])]
                finally:
                    document.close()
        pages = [PageText(tuple(box) if box else None, tuple(map(tuple, fills)),
                          *(_box(page.obj, name) for name in ("/MediaBox", "/TrimBox",
                                                               "/BleedBox")))
                 for page, (box, fills) in zip(pdf.pages, (known[d] for d in digests))]
        intents = [str(i.get("/S")) for i in pdf.Root.get("/OutputIntents", [])]
        xmp = pdf.Root.Metadata.read_bytes().decode("utf-8", "replace") \
            if "/Metadata" in pdf.Root else ""
        interior = Interior(pages, _fonts(pdf), intents, xmp)
    if key:
        cache.put(key, json.dumps({d: known[d] for d in digests}).encode())
    return interior


def remembered(cache: Cache, key: str) -> dict[str, list]:
    """What pages read before showed, by their digests, as kept under ``key`` (none if
    nothing, or nothing readable, is)."""
    stored = cache.get(key)
    try:
        return dict(json.loads(stored)) if stored is not None else {}
    except ValueError:
        return {}


def _box(page: pikepdf.Dictionary, name: str) -> tuple[float, ...] | None:
    box = page.get(name)
    return tuple(float(v) for v in box) if box is not None else None


def _fonts(pdf: pikepdf.Pdf) -> dict[str, bool]:
    out, seen = {}, set()
    for page in pdf.pages:
        for font in page.obj.get("/Resources", {}).get("/Font", {}).values():
            if font.objgen in seen:
                continue
            seen.add(font.objgen)
            descriptor = (font.DescendantFonts[0].get("/FontDescriptor")
                          if "/DescendantFonts" in font else font.get("/FontDescriptor"))
            embedded = descriptor is not None and any(
                k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            name = str(font.get("/BaseFont", "?")).split("+")[-1]
            out[name] = out.get(name, True) and embedded
    return out


def _text_box(page) -> list[float] | None:
    text = page.get_textpage()
    try:
        rects = [text.get_rect(i) for i in range(text.count_rects())]
    finally:
        text.close()
    if not rects:
        return None
    left, bottom, right, top = page.get_mediabox()
    return [min(r[0] for r in rects) - left, top - max(r[3] for r in rects),
            max(r[2] for r in rects) - left, top - min(r[1] for r in rects)]


def _fills(page: pikepdf.Page) -> list[list[float]]:
    """The fill colours in effect where text is shown (q/Q kept track of)."""
    fill: tuple = ()
    stack, shown = [], set()
    for operands, operator in pikepdf.parse_content_stream(page, _OPERATORS):
        name = str(operator)
        if name in _FILL:
            fill = tuple(round(float(v), 3) for v in operands
                         if isinstance(v, (int, float)) or type(v).__name__ == "Decimal")
        elif name == "q":
            stack.append(fill)
        elif name == "Q" and stack:
            fill = stack.pop()
        elif name in _SHOW:
            shown.add(fill)
    return sorted(map(list, shown))


def page_digests(pdf: pikepdf.Pdf, file: bytes) -> list[str]:
    """Each page's ``page_digest``, kept by the digest of the ``file``'s bytes: a build's
    glyph check reads the print interior before it is written, and preflight after."""
    if file not in _DIGESTS:
        memo: dict[tuple, bytes] = {}
        _DIGESTS[file] = [page_digest(page.obj, memo).hex() for page in pdf.pages]
        while len(_DIGESTS) > 8:  # the files of the last build or two
            del _DIGESTS[next(iter(_DIGESTS))]
    return _DIGESTS[file]


_DIGESTS: dict[bytes, list[str]] = {}


def page_digest(obj, memo: dict[tuple, bytes]) -> bytes:
    """A digest of ``obj`` and everything it reaches but its page tree parent."""
    indirect = getattr(obj, "is_indirect", False)
    if indirect and obj.objgen in memo:
        return memo[obj.objgen]
    if indirect:
        memo[obj.objgen] = b""  # a cycle (an annotation's /P) digests as empty
    h = hashlib.sha256()
    if isinstance(obj, pikepdf.Stream):
        h.update(b"stream")
        h.update(obj.read_raw_bytes())
    if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
        for name in sorted(obj.keys()):
            if name != "/Parent":
                h.update(name.encode())
                h.update(page_digest(obj[name], memo))
    elif isinstance(obj, pikepdf.Array):
        h.update(b"[")
        for item in obj:
            h.update(page_digest(item, memo))
    elif isinstance(obj, pikepdf.String):
        h.update(b"(" + bytes(obj))
    else:
        h.update(repr(obj).encode())
    value = h.digest()
    if indirect:
        memo[obj.objgen] = value
    return value
