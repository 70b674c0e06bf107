"""One font program per face: the pieces' subsets of a face, merged into one subset.

WeasyPrint subsets each font per document, keeping the original glyph ids, so the subsets of
one face from many pieces merge by glyph id into a single program holding all their glyphs.
``merge_fonts`` does it inside a pikepdf document (a body group); ``FacePrograms`` gathers
them across the documents the book's writer adds, and writes each merged program once.
"""

from __future__ import annotations

import hashlib
import io
import logging
import zlib
from dataclasses import dataclass, field

import pikepdf

from .cache import Cache
from .writer import PdfWriter

log = logging.getLogger(__name__)
_PROGRAM_KINDS = ("/FontFile3", "/FontFile2")  # CFF (or OpenType), TrueType
_STREAM_ONLY = ("/Length", "/Filter", "/DecodeParms", "/Length1")  # not kept from a subset


def embedded_programs(pages):
    """(face name, descriptor, program kind) of every composite font the pages (and their
    forms) use that embeds its program, each font once."""
    for font in _fonts(pages):
        if font.get("/Subtype") != "/Type0":
            continue
        descriptor = font.DescendantFonts[0].FontDescriptor
        kind = next((k for k in _PROGRAM_KINDS if k in descriptor), None)
        if kind is not None:
            yield str(descriptor.FontName), descriptor, kind


def merge_fonts(out: pikepdf.Pdf, cache: Cache) -> None:
    """Give every subset of the same face in ``out`` one font program holding all their
    glyphs."""
    groups: dict[str, list] = {}
    for name, descriptor, kind in embedded_programs(out.pages):
        group = groups.setdefault(name, [])
        if all(d.objgen != descriptor.objgen for d, _ in group):
            group.append((descriptor, kind))
    for name, group in groups.items():
        kind = group[0][1]
        descriptors = [d for d, _ in group]
        streams = {d[kind].objgen: d[kind] for d in descriptors if kind in d}
        if len(streams) < 2:
            continue
        try:
            merged = merged_program([s.read_bytes() for s in streams.values()], cache)
        except Exception as error:  # noqa: BLE001 - keep the per-chunk subsets then
            # (a CID-keyed CFF face, CJK's): each piece keeps its subset, drawn as it was.
            log.debug("kept the subsets of %s apart: %s", name, error)
            continue
        first = next(iter(streams.values()))
        stream = pikepdf.Stream(out, merged)
        for key in first.keys():
            if key not in _STREAM_ONLY:
                stream[key] = first[key]
        if kind == "/FontFile2":
            stream.Length1 = len(merged)
        for descriptor in descriptors:
            descriptor[kind] = stream
            if "/CIDSet" in descriptor:
                del descriptor["/CIDSet"]


def _resources(pages):
    """Every resource dictionary: the pages' and their form XObjects' (the folio overlays)."""
    seen = set()

    def walk(resources):
        yield resources
        for xobject in resources.get("/XObject", {}).values():
            if xobject.get("/Subtype") == "/Form" and "/Resources" in xobject \
                    and xobject.objgen not in seen:
                seen.add(xobject.objgen)
                yield from walk(xobject.Resources)

    for page in pages:
        yield from walk(page.Resources)


def _fonts(pages):
    seen = set()
    for resources in _resources(pages):
        for font in resources.get("/Font", {}).values():
            if font.objgen not in seen:
                seen.add(font.objgen)
                yield font


def merged_program(programs: list[bytes], cache: Cache) -> bytes:
    """merge_programs, found again in the cache if the same subsets were merged before (a
    rebuild after one edit mostly brings the same ones). Made from the subsets in the order
    of their digests, so that the result depends on the subsets only."""
    if len(programs) == 1:
        return programs[0]
    by_digest = sorted((hashlib.sha256(program).hexdigest(), program) for program in programs)
    return cache.get_or_make(Cache.key("merged font program", 5, [d for d, _ in by_digest]),
                             lambda: merge_programs([program for _, program in by_digest]))


def merge_programs(programs: list[bytes]) -> bytes:
    """Subsets of one font made with retained glyph ids -> one subset with all their glyphs.
    They are read one at a time, so memory does not grow with the number of chunks."""
    # Subsets drop the empty slots after their last glyph: the longest one is the base.
    longest = max(range(len(programs)), key=lambda i: _load(programs[i])["maxp"].numGlyphs)
    base = _load(programs[longest])
    target = _glyph_outlines(base)
    names = base.getGlyphOrder()
    filled = {gid for gid, size in enumerate(_sizes(target)) if size > 1} if "CFF " in base \
        else set()
    # By glyph id, never by name: a subset names its unused slots as it likes, so one name
    # can be another glyph in another subset.
    for i, program in enumerate(programs):
        if i == longest:
            continue
        other = _load(program)
        their_names = other.getGlyphOrder()
        if "CFF " in base:
            # An empty slot is one byte (endchar): compare sizes, decode only what is copied.
            source = other["CFF "].cff.topDictIndex[0].CharStrings
            for gid, size in enumerate(_sizes(source)[:len(names)]):
                if size > 1 and gid not in filled:
                    charstring = source[their_names[gid]]
                    charstring.private = target[names[gid]].private
                    target[names[gid]] = charstring
                    _copy_metrics(other, their_names[gid], base, names[gid])
                    filled.add(gid)
        else:
            source = other["glyf"]
            for gid, their_name in enumerate(their_names[:len(names)]):
                glyph = source[their_name]
                if glyph.numberOfContours and target[names[gid]].numberOfContours == 0:
                    if glyph.isComposite():
                        glyph.components = [_renamed(c, their_names, names, other)
                                            for c in glyph.components]
                    target[names[gid]] = glyph
                    _copy_metrics(other, their_name, base, names[gid])
        del other
    if "glyf" in base:
        # maxp holds the largest glyph's points and contours: a glyph copied in can exceed
        # the base's, and FreeType then draws it wrong or not at all (pdfium, poppler).
        base["maxp"].recalc(base)
    data = io.BytesIO()
    base.save(data)
    return data.getvalue()


def _copy_metrics(source, their_name: str, target, name: str) -> None:
    """A glyph's advance and side bearing go with it: a subset holds zeros for the glyphs it
    left out, and FreeType places a TrueType outline by its left side bearing."""
    for table in ("hmtx", "vmtx"):
        if table in source and table in target:
            target[table][name] = source[table][their_name]


def _renamed(component, their_names, names, other):
    """A composite glyph's component, named as the base subset names that glyph id."""
    component.glyphName = names[other.getGlyphID(component.glyphName)]
    return component


def _load(program: bytes):
    from fontTools.ttLib import TTFont
    return TTFont(io.BytesIO(program), recalcTimestamp=False, recalcBBoxes=False, lazy=True)


def _glyph_outlines(font):
    """The glyph outlines merge_programs fills in: a CFF font's charstrings or the glyf table."""
    if "CFF " in font:
        top = font["CFF "].cff.topDictIndex[0]
        if hasattr(top, "FDArray"):
            raise ValueError("CID-keyed CFF is not merged")
        return top.CharStrings
    if "glyf" in font:
        return font["glyf"]
    raise ValueError("neither CFF nor TrueType outlines")


def _sizes(charstrings) -> list[int]:
    """Each glyph's charstring size in bytes by glyph id, read from the CFF index without
    decoding."""
    offsets = charstrings.charStringsIndex.offsets
    return [offsets[gid + 1] - offsets[gid] for gid in range(len(offsets) - 1)]


@dataclass
class _Face:
    """One font's programs in the pieces, to be merged into the program numbered ``number``."""
    number: int
    keys: bytes  # the program stream's dictionary entries but its length and filter
    truetype: bool  # a /FontFile2, which states its decoded length
    programs: dict[bytes, bytes] = field(default_factory=dict)  # digest -> program


class FacePrograms:
    """The font programs of the documents a PdfWriter adds, one merged program per face:
    ``share`` points a document's fonts at the face's program number, ``write`` writes each
    program once, merged, when every document has been added."""

    def __init__(self, writer: PdfWriter, cache: Cache):
        self.writer, self.cache = writer, cache
        self.faces: dict[str, _Face | None] = {}  # None: a font whose subsets are not merged

    def share(self, pages, numbers: dict[int, int | None]) -> None:
        """Point the pages' fonts at their face's one program (``numbers``: the object
        numbers the writer gives the source's objects), written by ``write``."""
        for name, descriptor, kind in embedded_programs(pages):
            if descriptor[kind].objgen[0] in numbers:
                continue
            program = descriptor[kind].read_bytes()
            if name not in self.faces:
                self.faces[name] = None
                if _mergeable(program):
                    keys = {k: v for k, v in descriptor[kind].stream_dict.items()
                            if k not in _STREAM_ONLY}
                    self.faces[name] = _Face(self.writer.reserve(),
                                             pikepdf.Dictionary(keys).unparse().strip()[2:-2],
                                             kind == "/FontFile2")
            face = self.faces[name]
            if face is None:
                continue
            face.programs[hashlib.sha256(program).digest()] = program
            numbers[descriptor[kind].objgen[0]] = face.number
            if "/CIDSet" in descriptor:
                del descriptor["/CIDSet"]

    def write(self) -> None:
        for face in self.faces.values():
            if face is None:
                continue
            program = merged_program(list(face.programs.values()), self.cache)
            data = zlib.compress(program)
            length1 = b" /Length1 %d" % len(program) if face.truetype else b""
            self.writer.write(face.number, b"<< %s%s /Filter /FlateDecode /Length %d >>"
                              % (face.keys, length1, len(data)), data)


def _mergeable(program: bytes) -> bool:
    """Whether merge_programs can merge subsets of this font."""
    try:
        _glyph_outlines(_load(program))
        return True
    except Exception:  # noqa: BLE001 - not a font merge_programs reads: keep its subsets
        return False
