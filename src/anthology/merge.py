"""Joins the separately laid-out documents of a book into one PDF with pikepdf.

The front matter's file is the base (its metadata, XMP, output intent and language stay).
Body pages come from the chunks, joined in groups; a page that landed on the other side than
it was laid out on is shifted by the margin difference; body and back-matter pages get their
folio and running head from the stamp sheet (``Stamps``). Then one outline, one table of named
destinations, page labels, and one program per font: the pieces' subsets keep the original
glyph ids, so they merge into a single subset.
"""

from __future__ import annotations

import hashlib
import io
import logging

import pikepdf

from .render import BookView
from .typeset import Laid, release_memory

log = logging.getLogger(__name__)
LINK_SCHEME = "anthology:"  # see render.pdf_html
BODY_GROUP_PAGES = 300  # body pages joined at a time (each group's pieces then let go)


def assemble(view: BookView, front, layout, chunks, stamps, backs, blank,
             pages: dict[str, int], setup, printing: bool, pdf_x: str, cache=None) -> bytes:
    """Join the pieces: ``front`` is a windows.Pages, ``backs`` (windows.Pages, first page
    number, running head) documents to stamp, ``chunks`` laid-out documents placed by
    ``layout`` (pdf.BodyLayout), ``stamps`` the stamp sheet.

    The body is joined in groups of about BODY_GROUP_PAGES pages, each saved and its pieces
    closed before the next, so that memory follows the group and not the whole book; a
    group is cached by what went into it, so a rebuild after one edit joins one group."""
    anchors = _section_ids(view)
    heads = layout.recto_heads([head for _, _, head in backs])
    front = _join_windows(front, anchors)
    backs = [_join_windows(back, anchors, (stamps, heads, setup, first_number, head))
             for back, first_number, head in backs]
    out = pikepdf.open(io.BytesIO(front.pdf))
    blank_pdf = pikepdf.open(io.BytesIO(blank.pdf))
    sources = []  # (pdf, {page objgen: merged index}, horizontal shift per merged index)

    def add(pdf: pikepdf.Pdf, pad: bool = True) -> None:
        """Append ``pdf``'s pages (``out``'s own are there already), remember where they
        went for the named destinations, and pad to an even page count."""
        first = 0 if pdf is out else len(out.pages)
        pairs = [(i, first + i) for i in range(len(pdf.pages))]
        if pdf is not out:
            out.pages.extend(pdf.pages)
        sources.append((pdf, {pdf.pages[p].objgen: i for p, i in pairs}, {}))
        if pad and len(out.pages) % 2:
            out.pages.append(blank_pdf.pages[0])

    add(out)
    front_count = len(out.pages)

    placements = layout.placements
    kinds = layout.kinds()
    for start in range(0, len(placements), BODY_GROUP_PAGES):
        part = placements[start:start + BODY_GROUP_PAGES]
        key = hashlib.sha256(repr((
            part, [hashlib.sha256(chunks[c].pdf).hexdigest() for c in sorted({c for c, _, _ in part
                                                                            if c >= 0})],
            hashlib.sha256(stamps.pdf).hexdigest(), hashlib.sha256(blank.pdf).hexdigest(),
            heads, [(kinds[n], layout.heads.get(n)) for _, _, n in part],
            setup, sorted(anchors), "body-group", 1)).encode()).hexdigest()
        joined = cache.get(key) if cache else None
        if joined is None:
            joined = _join_body(part, layout, kinds, chunks, stamps, blank, setup, anchors,
                                heads)
            if cache:
                cache.put(key, joined)
        add(pikepdf.open(io.BytesIO(joined)), pad=False)  # the body's blanks are placed
        release_memory()

    for back in backs:  # each opens on a right-hand page
        add(pikepdf.open(io.BytesIO(back.pdf)))

    _named_destinations(out, sources, anchors)
    _link_across_documents(out)
    _outline(out, view, front, pages, front_count)
    out.Root.PageLabels = pikepdf.Dictionary(Nums=pikepdf.Array([
        0, pikepdf.Dictionary(S=pikepdf.Name.r),
        front_count, pikepdf.Dictionary(S=pikepdf.Name.D)]))
    merge_fonts(out)
    _share_colour_profiles(out)
    result = io.BytesIO()
    out.save(result, deterministic_id=True, compress_streams=True,
             object_stream_mode=pikepdf.ObjectStreamMode.disable if printing and pdf_x == "x-1a"
             else pikepdf.ObjectStreamMode.generate)
    return result.getvalue()


def _join_windows(document, anchors: set[str], stamping=None) -> Laid:
    """A document laid out in windows (windows.Pages) as one laid-out document holding just
    its pages, so the final join opens one PDF for it, not one per window. The first
    window's file is the base (it carries the metadata). With ``stamping`` (stamp sheet,
    recto heads, page setup, first page number, running head), its pages get their folios
    and heads here too."""
    windows = list({id(laid): laid for laid, _ in document.pages}.values())  # in order
    if stamping is None and len(windows) == 1 and len(document.pages) == len(windows[0].blanks):
        return windows[0]
    pdfs = {id(laid): pikepdf.open(io.BytesIO(laid.pdf)) for laid in windows}
    out = pdfs[id(windows[0])]
    kept = sum(1 for laid, _ in document.pages if laid is windows[0])
    del out.pages[kept:]
    pairs: dict[int, list] = {id(windows[0]): [(p, p) for p in range(kept)]}
    for laid, p in document.pages[kept:]:
        out.pages.append(pdfs[id(laid)].pages[p])
        pairs.setdefault(id(laid), []).append((p, len(out.pages) - 1))
    if stamping is not None:
        sheet, heads, setup, first_number, head = stamping
        stamper = Stamps(out, sheet, heads, setup)
        for k, page in enumerate(out.pages):
            if not document.blanks[k]:
                stamper.stamp(page, first_number + k, head if k else None)
    _named_destinations(out, [(pdfs[id(laid)], {pdfs[id(laid)].pages[p].objgen: i
                                                 for p, i in pairs[id(laid)]}, {})
                              for laid in windows], anchors)
    result = io.BytesIO()
    out.save(result, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    del pdfs, out
    release_memory()
    return Laid(result.getvalue(), document.anchors, document.blanks)


def _join_body(placements, layout, kinds: dict[int, str], chunks, stamps, blank, setup,
               anchors: set[str], heads: list[str]) -> bytes:
    """Body pages from the chunks, shifted where they landed on the other side than they
    were laid out on, stamped with their folios and running heads; with their named
    destinations and one program per font."""
    out = pikepdf.new()
    blank_pdf = pikepdf.open(io.BytesIO(blank.pdf))
    used = sorted({chunk for chunk, _, _ in placements if chunk >= 0})
    chunk_pdfs = {c: pikepdf.open(io.BytesIO(chunks[c].pdf)) for c in used}
    stamper = Stamps(out, stamps, heads, setup)
    shift = (setup.outside - setup.inside) * 72  # a right-hand layout moved to a left page
    pairs: dict[int, list] = {}
    shifts: dict[int, dict[int, float]] = {}
    for chunk, p, number in placements:
        if chunk < 0:
            out.pages.append(blank_pdf.pages[0])
            continue
        out.pages.append(chunk_pdfs[chunk].pages[p])
        index = len(out.pages) - 1
        page = out.pages[index]
        pairs.setdefault(chunk, []).append((p, index))
        laid_right, lands_right = p % 2 == 0, number % 2 == 1
        if laid_right != lands_right:
            dx = shift if laid_right else -shift
            _shift_page(out, page, dx)
            shifts.setdefault(chunk, {})[index] = dx
        if kinds[number] != "blank":
            head = layout.heads.get(number, "") if kinds[number] == "running" else None
            stamper.stamp(page, number, head)
    _named_destinations(out, [(chunk_pdfs[c], {chunk_pdfs[c].pages[p].objgen: i
                                               for p, i in pairs.get(c, [])}, shifts.get(c, {}))
                              for c in used], anchors)
    merge_fonts(out)
    result = io.BytesIO()
    out.save(result, compress_streams=True,
             object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return result.getvalue()


class Stamps:
    """Folio digits and running heads cut out of the stamp sheet (pdf.BodyLayout.stamp_html)
    as form XObjects, and placed on body pages: a page's folio is composed of its digits,
    each set where it falls when the number is centred as on the sheet.

    The sheet's page d shows the folio d (0 to 9; even ones on right-hand pages); page
    10 + 2k the k-th recto head, page 11 the verso head. WeasyPrint draws a page's content
    upside down and in CSS pixels (two ``cm`` at the start); every text object (BT..ET) is
    cut out with the graphics state around it."""

    def __init__(self, out: pikepdf.Pdf, laid, recto_heads: list[str], setup):
        self.out = out
        self.sheet = pikepdf.open(io.BytesIO(laid.pdf))
        pages = self.sheet.pages
        box = [float(v) for v in pages[0].mediabox]
        self.resources = out.copy_foreign(pages[0].obj.Resources)
        width = setup.width - setup.inside - setup.outside
        self.centre = {True: (setup.bleed + setup.inside + width / 2) * 72,   # right-hand page
                       False: (setup.bleed + setup.outside + width / 2) * 72}
        self.forms: dict[str, pikepdf.Stream] = {}  # resource name -> form
        self.digits = []  # (name, x of the digit as laid out, its width)
        for d in range(10):
            (name, x), = self._cut(pages[d], box, top=False)
            self.digits.append((name, x, 2 * (self.centre[d % 2 == 0] - x)))
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
        right = number % 2 == 1
        digits = [self.digits[int(c)] for c in str(number)]
        heads = [] if head is None else self.recto.get(head, []) if right else self.verso
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
        page.contents_add(pikepdf.Stream(self.out, ("Q\n" + "\n".join(ops)).encode()))


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


def _section_ids(view: BookView) -> set[str]:
    """The anchors that get named destinations: the book's sections (not every paragraph)."""
    from .render import sections
    return {section.id for section in sections(view, paged=True)}


def _shift_page(out: pikepdf.Pdf, page: pikepdf.Page, dx: float) -> None:
    page.contents_add(pikepdf.Stream(out, f"q 1 0 0 1 {dx:.4f} 0 cm\n".encode()), prepend=True)
    page.contents_add(pikepdf.Stream(out, b"\nQ\n"))
    for annot in page.obj.get("/Annots", []):
        rect = [float(v) for v in annot.Rect]
        annot.Rect = pikepdf.Array([rect[0] + dx, rect[1], rect[2] + dx, rect[3]])


def _named_destinations(out: pikepdf.Pdf, sources, anchors: set[str]) -> None:
    """One flat, sorted name tree of the sections' anchors in every source, pointing at the
    merged pages (links across documents and deep links like book.pdf#story-7 use them)."""
    names: dict[bytes, pikepdf.Array] = {}
    for pdf, index_of, shifts in sources:
        if "/Names" not in pdf.Root or "/Dests" not in pdf.Root.Names:
            continue
        for name, dest in pikepdf.NameTree(pdf.Root.Names.Dests).items():
            if name not in anchors:
                continue
            index = index_of.get(dest[0].objgen)
            if index is None:
                continue
            left = float(dest[2]) + shifts.get(index, 0.0)
            names[name.encode()] = pikepdf.Array([out.pages[index].obj, pikepdf.Name.XYZ,
                                                  left, dest[3], 0])
    flat = pikepdf.Array()
    for key in sorted(names):
        flat.append(pikepdf.String(key))
        flat.append(names[key])
    out.Root.Names = pikepdf.Dictionary(Dests=out.make_indirect(pikepdf.Dictionary(Names=flat)))


def _link_across_documents(out: pikepdf.Pdf) -> None:
    """Links between the separately laid-out documents were written as ``anthology:ANCHOR``
    URIs (WeasyPrint drops internal links to anchors it cannot see); make them internal."""
    for page in out.pages:
        for annot in page.obj.get("/Annots", []):
            action = annot.get("/A")
            if action is not None and str(action.get("/URI", "")).startswith(LINK_SCHEME):
                del annot["/A"]
                annot.Dest = pikepdf.String(str(action.URI)[len(LINK_SCHEME):])


def _outline(out: pikepdf.Pdf, view: BookView, front, pages: dict[str, int],
             front_count: int) -> None:
    """Contents, foreword, parts with their stories (or the stories), back matter."""
    front_index = {a: i for i, anchors in enumerate(front.anchors) for a in anchors}

    def item(title, anchor):
        index = front_index[anchor] if anchor in front_index else front_count + pages[anchor] - 1
        return pikepdf.OutlineItem(title, index)

    with out.open_outline() as outline:
        outline.root.clear()
        outline.root.append(item("Contents", "contents"))
        if view.book.foreword:
            outline.root.append(item(view.book.foreword.title, "foreword"))
        for part in view.parts:
            stories = [item(s.story.heading, s.id) for s in part.stories]
            if part.title:
                entry = item(part.title, part.id)
                entry.children.extend(stories)
                outline.root.append(entry)
            else:
                outline.root.extend(stories)
        outline.root.append(item("Contributors", "contributors"))
        outline.root.append(item("Sources and Permissions", "sources"))


def merge_fonts(out: pikepdf.Pdf) -> None:
    """Give every subset of the same face one font program holding all their glyphs."""
    groups: dict[str, list] = {}
    for font in _fonts(out):
        if font.get("/Subtype") != "/Type0":
            continue
        descriptor = font.DescendantFonts[0].FontDescriptor
        key = str(descriptor.FontName)
        groups.setdefault(key, [])
        if all(d.objgen != descriptor.objgen for d in groups[key]):
            groups[key].append(descriptor)
    for name, descriptors in groups.items():
        kind = "/FontFile3" if "/FontFile3" in descriptors[0] else "/FontFile2"
        streams = {d[kind].objgen: d[kind] for d in descriptors if kind in d}
        if len(streams) < 2:
            continue
        try:
            merged = merge_programs([s.read_bytes() for s in streams.values()])
        except Exception as error:  # noqa: BLE001 - keep the per-chunk subsets then
            log.warning("could not merge the subsets of %s: %s", name, error)
            continue
        first = next(iter(streams.values()))
        stream = pikepdf.Stream(out, merged)
        for key in first.keys():
            if key not in ("/Length", "/Filter", "/DecodeParms", "/Length1"):
                stream[key] = first[key]
        if kind == "/FontFile2":
            stream.Length1 = len(merged)
        for descriptor in descriptors:
            descriptor[kind] = stream
            if "/CIDSet" in descriptor:
                del descriptor["/CIDSet"]


def _resources(out: pikepdf.Pdf):
    """Every resource dictionary: the pages' and their form XObjects' (the folio overlays)."""
    seen = set()

    def walk(resources):
        yield resources
        for xobject in resources.get("/XObject", {}).values():
            if xobject.get("/Subtype") == "/Form" and "/Resources" in xobject \
                    and xobject.objgen not in seen:
                seen.add(xobject.objgen)
                yield from walk(xobject.Resources)

    for page in out.pages:
        yield from walk(page.Resources)


def _fonts(out: pikepdf.Pdf):
    seen = set()
    for resources in _resources(out):
        for font in resources.get("/Font", {}).values():
            if font.objgen not in seen:
                seen.add(font.objgen)
                yield font


def _share_colour_profiles(out: pikepdf.Pdf) -> None:
    """Each laid-out document brought its own copy of the ICC profile; keep one."""
    first: dict[bytes, pikepdf.Object] = {}
    for intent in out.Root.get("/OutputIntents", []):
        if "/DestOutputProfile" in intent:
            first.setdefault(intent.DestOutputProfile.read_raw_bytes(), intent.DestOutputProfile)
    for resources in _resources(out):
        for space in resources.get("/ColorSpace", {}).values():
            if isinstance(space, pikepdf.Array) and len(space) == 2 \
                    and space[0] == pikepdf.Name.ICCBased:
                profile = first.setdefault(space[1].read_raw_bytes(), space[1])
                if profile.objgen != space[1].objgen:
                    space[1] = profile


def merge_programs(programs: list[bytes]) -> bytes:
    """Subsets of one font made with retained glyph ids -> one subset with all their glyphs.
    They are read one at a time, so memory does not grow with the number of chunks."""
    from fontTools.ttLib import TTFont

    def load(program: bytes) -> TTFont:
        return TTFont(io.BytesIO(program), recalcTimestamp=False, recalcBBoxes=False, lazy=True)

    # Subsets drop the empty slots after their last glyph: the longest one is the base.
    longest = max(range(len(programs)), key=lambda i: load(programs[i])["maxp"].numGlyphs)
    base = load(programs[longest])
    if "CFF " in base:
        top = base["CFF "].cff.topDictIndex[0]
        if hasattr(top, "FDArray"):
            raise ValueError("CID-keyed CFF is not merged")
        target = top.CharStrings
    elif "glyf" in base:
        target = base["glyf"]
    else:
        raise ValueError("neither CFF nor TrueType outlines")
    filled = {name for name, size in _sizes(target).items() if size > 1} if "CFF " in base \
        else set()
    for i, program in enumerate(programs):
        if i == longest:
            continue
        other = load(program)
        if "CFF " in base:
            # An empty slot is one byte (endchar): compare sizes, decode only what is copied.
            source = other["CFF "].cff.topDictIndex[0].CharStrings
            for name, size in _sizes(source).items():
                if size > 1 and name not in filled and name in target.charStrings:
                    charstring = source[name]
                    charstring.private = target[name].private
                    target[name] = charstring
                    filled.add(name)
        else:
            for name in other["glyf"].keys():
                glyph = other["glyf"][name]
                if name in target and target[name].numberOfContours == 0 \
                        and glyph.numberOfContours:
                    target[name] = glyph
        del other
    data = io.BytesIO()
    base.save(data)
    return data.getvalue()


def _sizes(charstrings) -> dict[str, int]:
    """Each glyph's charstring size in bytes, read from the CFF index without decoding."""
    offsets = charstrings.charStringsIndex.offsets
    return {name: offsets[gid + 1] - offsets[gid] for name, gid in charstrings.charStrings.items()}
