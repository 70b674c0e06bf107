"""Reads a PDF's pages back glyph by glyph: every glyph a page draws must have an outline in
the font program embedded for it.

A font can claim a character in its cmap and still have an empty glyph for it (Debian's EB
Garamond Italic for Greek), and a join of subsets can lose outlines. The text layer is right
either way, so only the drawn glyphs tell. This decodes the content streams and form
XObjects, follows ``Tf`` through ``q``/``Q``, and looks every glyph id up in the embedded
TrueType (glyf) or CFF program, CID-keyed too. An empty glyph is only right for a space or an
invisible character (by the font's ToUnicode map).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import sys
import unicodedata
from array import array
from dataclasses import dataclass
from functools import cached_property

import pikepdf

from .pageread import page_digests, remembered
from .paged.cache import Cache

_SHOW = {"Tj", "TJ", "'", '"'}
_OPERATORS = "q Q Tf Tj TJ ' \" Do"
# Characters whose glyph is meant to be empty: spaces, separators, controls, format marks.
INVISIBLE = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf"})


@dataclass(frozen=True)
class MissingGlyph:
    page: int  # 1-based
    font: str
    text: str  # what the font's ToUnicode map says the glyph is
    glyph: int

    def __str__(self) -> str:
        shown = " ".join(f"U+{ord(c):04X} {unicodedata.name(c, '')}".strip() for c in self.text)
        return (f"page {self.page}: '{self.text}' ({shown or 'no text'}) has no outline in "
                f"{self.font} (glyph {self.glyph})")


def missing_glyphs(data: bytes, limit: int = 50, cache: Cache | None = None,
                   remember: str = "") -> list[MissingGlyph]:
    """The first ``limit`` glyphs drawn without an outline, one per (font, glyph). A build
    checks each PDF before writing it and preflight reads the written file back: the second
    look is found here, by the file's digest. With a ``cache``, what each page of the last
    file remembered under ``remember`` showed is kept by the page's digest (pageread's: all
    that draws it, its fonts' programs too), and a page with the same digest is not read
    again."""
    key = (hashlib.sha256(data).digest(), limit)
    if key not in _checked:
        memo = Cache.key("glyph pages", 1, remember) if cache and remember else ""
        known = remembered(cache, memo) if memo else None
        pdf = pikepdf.open(io.BytesIO(data))
        try:
            found, pages = _Reader().read(pdf, limit, known, key[0])
        finally:
            pdf.close()
        if memo:
            cache.put(memo, json.dumps(pages).encode())
        _checked[key] = tuple(found)
        while len(_checked) > 8:  # the files of the last build or two
            del _checked[next(iter(_checked))]
    return list(_checked[key])


_checked: dict[tuple[bytes, int], tuple[MissingGlyph, ...]] = {}  # by the file's digest


class _Font:
    """One Type0 font of the PDF: its codes -> glyph ids, which ids have outlines, and what
    text each code stands for."""

    def __init__(self, font: pikepdf.Dictionary, programs: dict):
        self.name = str(font.get("/BaseFont", "?")).split("+")[-1]
        self.text = _to_unicode(font)
        descendant = font.DescendantFonts[0]
        descriptor = descendant.FontDescriptor
        kind = next((k for k in ("/FontFile2", "/FontFile3") if k in descriptor), None)
        self.program = None
        if kind:  # the join gives the fonts of many pieces one program: read it once
            stream = descriptor[kind]
            if stream.objgen not in programs:
                programs[stream.objgen] = _program(stream.read_bytes())
            self.program = programs[stream.objgen]
        self.cid_to_gid = None
        cid_map = descendant.get("/CIDToGIDMap")
        if isinstance(cid_map, pikepdf.Stream):
            raw = cid_map.read_bytes()
            self.cid_to_gid = [int.from_bytes(raw[i:i + 2], "big") for i in range(0, len(raw), 2)]
        self.seen: set[int] = set()  # codes already looked up on the page being read

    def empty(self, code: int) -> bool:
        """Whether the glyph for ``code`` draws nothing where it should draw something."""
        if self.program is None:
            return False
        gid = code if self.cid_to_gid is None else (
            self.cid_to_gid[code] if code < len(self.cid_to_gid) else 0)
        if (gid, code) not in self.program.outlined:
            self.program.outlined[gid, code] = self.program.has_outline(gid, code)
        # A glyph mapped to no text (the first of a cluster) is known by its name: "space".
        text = self.text.get(code) or self.program.character(gid)
        return not self.program.outlined[gid, code] and not (text and all(
            unicodedata.category(c) in INVISIBLE for c in text))


class _Program:
    """A font program: TrueType glyf, or CFF (in an OpenType wrapper or bare, CID-keyed or not)."""

    def __init__(self, font=None, cff=None):
        self.font, self.cff = font, cff
        self.outlined: dict[tuple[int, int], bool] = {}  # (glyph, code) -> has an outline
        if font is not None and "CFF " in font:
            self.cff = font["CFF "].cff
        self.glyf = font["glyf"] if font is not None and "glyf" in font else None
        if self.cff is not None:
            top = self.cff.topDictIndex[0]
            self.charstrings = top.CharStrings
            self.cid_keyed = hasattr(top, "ROS")
            self.order = top.charset

    @cached_property
    def images(self) -> bool:
        """Whether no glyph has an outline: a colour (emoji) font whose glyphs WeasyPrint
        draws as images, or a face whose every glyph used is blank."""
        if self.glyf is not None:
            return all(self.glyf[name].numberOfContours == 0 for name in self.glyf.keys())
        return False

    def character(self, gid: int) -> str:
        """The character the glyph's name stands for ("space", "uni00A0"), if it has one."""
        from fontTools.agl import toUnicode
        order = self.font.getGlyphOrder() if self.font is not None else self.order
        return toUnicode(order[gid].split(".")[0]) if 0 < gid < len(order) else ""

    def has_outline(self, gid: int, cid: int) -> bool:
        from fontTools.pens.boundsPen import ControlBoundsPen
        if self.glyf is not None:
            order = self.font.getGlyphOrder()
            if gid >= len(order):
                return False
            glyph = self.glyf[order[gid]]
            return glyph.numberOfContours != 0 and bool(len(glyph.getCoordinates(self.glyf)[0]))
        if self.cff is not None:
            name = f"cid{cid:05d}" if self.cid_keyed else (
                self.order[gid] if gid < len(self.order) else None)
            if name is None or name not in self.charstrings:
                return False
            pen = ControlBoundsPen(None)
            self.charstrings[name].draw(pen)
            return pen.bounds is not None
        return True  # a program we cannot read: not ours to judge


def _program(data: bytes) -> _Program:
    from fontTools.cffLib import CFFFontSet
    from fontTools.ttLib import TTFont
    if data[:4] in (b"OTTO", b"\x00\x01\x00\x00", b"true"):
        return _Program(font=TTFont(io.BytesIO(data), lazy=True))
    cff = CFFFontSet()
    cff.decompile(io.BytesIO(data), None)
    return _Program(cff=cff)


_CHAR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>")
_RANGE = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>")


def _to_unicode(font) -> dict[int, str]:
    """A ToUnicode CMap's bfchar and bfrange entries, code -> text."""
    if "/ToUnicode" not in font:
        return {}
    cmap = font.ToUnicode.read_bytes()
    out: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, text in _CHAR.findall(block):
            out[int(code, 16)] = _text(text)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high, start in _RANGE.findall(block):
            text = _text(start)
            for i in range(int(high, 16) - int(low, 16) + 1):
                out[int(low, 16) + i] = text[:-1] + chr(ord(text[-1]) + i) if text else ""
    return out


def _text(hex_text: bytes) -> str:
    return bytes.fromhex(hex_text.decode()).decode("utf-16-be", "replace")


_HEX_STRING = re.compile(rb"<([0-9a-fA-F]*)>")


def _shown(operand) -> bytes:
    """The bytes a Tj string or TJ array shows (whole two-byte codes), read from its PDF
    syntax where it has only hex strings (WeasyPrint's), else one string at a time."""
    syntax = operand.unparse()
    if isinstance(operand, pikepdf.Array) and b"(" not in syntax:
        data = bytes.fromhex(b"".join(_HEX_STRING.findall(syntax)).decode())
    elif isinstance(operand, pikepdf.Array):
        data = b"".join(bytes(o) for o in operand if isinstance(o, pikepdf.String))
    else:
        data = bytes(operand)
    return data[:len(data) // 2 * 2]


class _Reader:
    """Reads a PDF a page at a time. What a page shows depends on that page alone (and what
    it reaches), so it can be remembered by the page's digest."""

    def __init__(self):
        self.fonts: dict[tuple, _Font | None] = {}
        self.programs: dict[tuple, _Program] = {}  # font file stream -> its program

    def read(self, pdf: pikepdf.Pdf, limit: int, known: dict[str, list] | None = None,
             file: bytes = b"") -> tuple[list[MissingGlyph], dict]:
        """The missing glyphs, and what each page read showed, by its digest (when ``known``
        holds what pages read before showed, by theirs; ``file``: the digest of the PDF's
        bytes)."""
        found: dict[tuple[str, int], MissingGlyph] = {}
        pages: dict[str, list] = {}
        digests = page_digests(pdf, file) if known is not None else []
        for number, page in enumerate(pdf.pages, 1):
            digest = digests[number - 1] if known is not None else ""
            shown = known.get(digest) if digest else None
            if shown is None:
                shown = self.page(page.obj)
            if digest:
                pages[digest] = shown
            for name, text, code in shown:
                found.setdefault((name, code), MissingGlyph(number, name, text, code))
            if len(found) >= limit:
                break
        return list(found.values())[:limit], pages

    def page(self, page: pikepdf.Dictionary) -> list[list]:
        """[font, text, glyph] of each glyph the page draws without an outline."""
        self.missing: dict[tuple[str, int], list] = {}
        self.forms: set[tuple] = set()
        # A colour font's glyphs are empty: WeasyPrint draws each as an image beside it.
        # A page showing such glyphs and no image at all prints blanks there.
        self.pictured: list[tuple[_Font, int]] = []
        self.imaged = False  # whether this page draws an image
        for font in self.fonts.values():
            if font is not None:
                font.seen.clear()
        self._stream(page, page.get("/Resources", pikepdf.Dictionary()))
        for font, code in [] if self.imaged else self.pictured:
            self._missing(font, code)
        return list(self.missing.values())

    def _missing(self, font: _Font, code: int) -> None:
        self.missing.setdefault((font.name, code), [font.name, font.text.get(code, ""), code])

    def _font(self, resources, name) -> _Font | None:
        font = resources.get("/Font", {}).get(name)
        if font is None:
            return None
        key = font.objgen
        if key not in self.fonts:
            self.fonts[key] = _Font(font, self.programs) \
                if font.get("/Subtype") == "/Type0" else None
        return self.fonts[key]

    def _stream(self, stream, resources) -> None:
        font, stack = None, []
        for operands, operator in pikepdf.parse_content_stream(stream, _OPERATORS):
            op = str(operator)
            if op == "q":
                stack.append(font)
            elif op == "Q":
                font = stack.pop() if stack else None
            elif op == "Tf":
                font = self._font(resources, operands[0])
            elif op in _SHOW and font is not None:
                codes = array("H", _shown(operands[-1] if op != "TJ" else operands[0]))
                if sys.byteorder == "little":
                    codes.byteswap()  # two-byte codes, big-endian
                for code in set(codes) - font.seen:
                    font.seen.add(code)
                    if font.program is not None and font.program.images:
                        self.pictured.append((font, code))
                    elif font.empty(code):
                        self._missing(font, code)
            elif op == "Do":
                xobject = resources.get("/XObject", {}).get(operands[0])
                if xobject is not None and xobject.get("/Subtype") == "/Image":
                    self.imaged = True
                if xobject is not None and xobject.get("/Subtype") == "/Form" \
                        and xobject.objgen not in self.forms:
                    self.forms.add(xobject.objgen)
                    self._stream(xobject, xobject.get("/Resources", resources))
