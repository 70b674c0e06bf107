"""Mends WeasyPrint's ToUnicode maps where one character is drawn as several glyphs.

With ``font-variant: small-caps`` EB Garamond draws "é" as two glyphs, a small-cap "e" and a
combining acute. WeasyPrint 70 maps a glyph to the text of its cluster the first time it
meets it (weasyprint/draw/text.py, ``font.to_unicode[glyph_id] = utf8_text[t1:t2]``): the
first glyph of a cluster gets "" and the last the whole cluster, and a glyph keeps that
mapping wherever it appears later. So "café naïve" extracts as "caf é naï v": the small-cap
"e" is "" everywhere after it first appeared in "é" (Kozea/WeasyPrint#2841).

A map per glyph can still be right for such clusters if each glyph stands for its own part:
the base glyph for the letter, the mark glyph for the combining mark. Text then extracts in
decomposed form, which NFC makes equal to the source. The glyph's own character comes from
its name in the embedded program ("e.sc", "acutecomb", "uni0301"). Only letters of Latin,
Greek and Cyrillic, the scripts whose accented letters decompose this way, are changed:
in Indic and Arabic clusters a glyph's order and part are not its name's.
"""

from __future__ import annotations

import io
import re
import unicodedata

import pikepdf

_DECOMPOSING = ("LATIN", "GREEK", "CYRILLIC")
_ENTRY = re.compile(rb"<([0-9a-fA-F]{4})>\s*<([0-9a-fA-F]*)>")


def mend_pdf(data: bytes) -> bytes:
    """``data`` with every page font's map mended (for a PDF that is not joined: the cover)."""
    pdf = pikepdf.open(io.BytesIO(data))
    for page in pdf.pages:
        for font in page.Resources.get("/Font", {}).values():
            mend(font)
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True)
    return out.getvalue()


def mend(font) -> None:
    """Mend the ToUnicode map of ``font`` if it is a Type0 font with named glyphs."""
    if font.get("/Subtype") != "/Type0" or "/ToUnicode" not in font:
        return
    names = _glyph_names(font)
    if not names:
        return
    stream = font.ToUnicode
    cmap = stream.read_bytes()
    changed = False

    def entry(match: re.Match) -> bytes:
        nonlocal changed
        gid = int(match.group(1), 16)
        text = bytes.fromhex(match.group(2).decode()).decode("utf-16-be", "replace")
        own = _character(names[gid]) if gid < len(names) else ""
        better = _better(text, own)
        if better is None:
            return match.group(0)
        changed = True
        return b"<%s> <%s>" % (match.group(1), better.encode("utf-16-be").hex().encode())

    mended = _ENTRY.sub(entry, cmap)
    if changed:
        stream.write(mended)


def _better(text: str, own: str) -> str | None:
    """What a glyph mapped to ``text`` should stand for, given its own character; None to keep."""
    if len(own) != 1 or not _decomposing(own):
        return None
    if text == "" and unicodedata.category(own)[0] == "L":
        return own  # the base of an accented letter's cluster
    if len(text) == 1 and text != own:
        marks = unicodedata.normalize("NFD", text)[1:]
        if marks and unicodedata.category(own) == "Mn" and own in marks:
            return own  # the mark of an accented letter's cluster
        if marks and unicodedata.category(own) == "Sk":  # a spacing accent drawn as the mark
            return marks
    return None


def _decomposing(character: str) -> bool:
    name = unicodedata.name(character, "")
    return name.startswith(_DECOMPOSING) or name.startswith("COMBINING") or \
        unicodedata.category(character) in ("Mn", "Sk")


def _character(glyph_name: str) -> str:
    from fontTools.agl import toUnicode
    return toUnicode(glyph_name.split(".")[0] if not glyph_name.startswith(".") else "")


def _glyph_names(font) -> list[str]:
    """The embedded program's glyph names by glyph id ([] if it has none to read)."""
    from fontTools.ttLib import TTFont
    descriptor = font.DescendantFonts[0].FontDescriptor
    kind = next((k for k in ("/FontFile3", "/FontFile2") if k in descriptor), None)
    if kind is None:
        return []
    try:
        program = TTFont(io.BytesIO(descriptor[kind].read_bytes()), lazy=True)
        if "CFF " in program and hasattr(program["CFF "].cff.topDictIndex[0], "ROS"):
            return []  # CID-keyed: glyphs have numbers, not names
        return program.getGlyphOrder()
    except Exception:  # noqa: BLE001 - a program fontTools cannot read: leave its map
        return []
