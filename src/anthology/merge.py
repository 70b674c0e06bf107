"""Joins the separately laid-out documents of a book into one PDF with pikepdf.

The front matter's file is the base (its metadata, XMP, output intent and language stay).
Body pages come from the chunks, each under its page of the folio layer; a page that landed
on the other side than it was laid out on is shifted by the margin difference. Then one
outline, one table of named destinations, page labels, and one program per font: the chunks'
subsets keep the original glyph ids, so they merge into a single subset.
"""

from __future__ import annotations

import io
import logging

import pikepdf

from .render import BookView

log = logging.getLogger(__name__)
LINK_SCHEME = "anthology:"  # see render.pdf_html


def assemble(view: BookView, front, layout, chunks, folios, backs, blank,
             pages: dict[str, int], setup, printing: bool, pdf_x: str) -> bytes:
    """Join the pieces: ``front`` and each of ``backs`` are windows.Pages, ``chunks`` and
    ``folios`` laid-out documents placed by ``layout`` (pdf.BodyLayout)."""
    opened: dict[int, pikepdf.Pdf] = {}  # laid-out document -> its PDF, opened once

    def pdf_of(laid) -> pikepdf.Pdf:
        if id(laid) not in opened:
            opened[id(laid)] = pikepdf.open(io.BytesIO(laid.pdf))
        return opened[id(laid)]

    first_window = front.pages[0][0]
    out = pdf_of(first_window)
    blank_page = pdf_of(blank).pages[0]
    sources = []  # (pdf, {page objgen: merged index}, horizontal shift per merged index)

    def register(pdf, pairs, shifts=None):
        sources.append((pdf, {pdf.pages[p].objgen: i for p, i in pairs}, shifts or {}))

    def add_document(document) -> None:
        """Append a windows.Pages document, padded to an even page count."""
        pairs: dict[int, list] = {}
        for laid, p in document.pages:
            if laid is first_window:  # already there: ``out`` is its PDF
                index = p
            else:
                out.pages.append(pdf_of(laid).pages[p])
                index = len(out.pages) - 1
            pairs.setdefault(id(laid), (laid, []))[1].append((p, index))
        for laid, laid_pairs in pairs.values():
            register(pdf_of(laid), laid_pairs)
        if len(out.pages) % 2:
            out.pages.append(blank_page)

    del out.pages[len([1 for laid, _ in front.pages if laid is first_window]):]
    add_document(front)
    front_count = len(out.pages)

    chunk_pdfs = [pikepdf.open(io.BytesIO(c.pdf)) for c in chunks]
    folio_pdfs = [pikepdf.open(io.BytesIO(laid.pdf)) for laid in folios]
    folio_pages = [page for pdf in folio_pdfs for page in pdf.pages]
    shift = (setup.outside - setup.inside) * 72  # a right-hand layout moved to a left page
    pairs: dict[int, list] = {}
    shifts: dict[int, dict[int, float]] = {}
    for chunk, p, number in layout.placements:
        out.pages.append(blank_page if chunk < 0 else chunk_pdfs[chunk].pages[p])
        index = len(out.pages) - 1
        page = out.pages[index]
        if chunk >= 0:
            pairs.setdefault(chunk, []).append((p, index))
            laid_right, lands_right = p % 2 == 0, number % 2 == 1
            if laid_right != lands_right:
                dx = shift if laid_right else -shift
                _shift_page(out, page, dx)
                shifts.setdefault(chunk, {})[index] = dx
        _overlay(out, page, folio_pages[number - 1])
    for chunk, pdf in enumerate(chunk_pdfs):
        register(pdf, pairs.get(chunk, []), shifts.get(chunk))

    for back in backs:  # each opens on a right-hand page
        add_document(back)

    _named_destinations(out, sources)
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


def _overlay(out: pikepdf.Pdf, page: pikepdf.Page, layer: pikepdf.Page) -> None:
    """Page.add_overlay, with a fixed resource name (add_overlay's is random)."""
    form = out.copy_foreign(layer.as_form_xobject())
    # The pages of one laid-out document share a resource dictionary: give this page its own.
    resources = pikepdf.Dictionary(dict(page.obj.Resources.items()))
    xobjects = pikepdf.Dictionary(dict(resources.get("/XObject", {}).items()))
    name = pikepdf.Name("/Folio")
    xobjects[name] = form
    resources.XObject = xobjects
    page.obj.Resources = resources
    placement = page.calc_form_xobject_placement(form, name, pikepdf.Rectangle(page.mediabox))
    page.contents_add(b"q\n", prepend=True)
    page.contents_add(b"Q\n" + placement)


def _shift_page(out: pikepdf.Pdf, page: pikepdf.Page, dx: float) -> None:
    page.contents_add(pikepdf.Stream(out, f"q 1 0 0 1 {dx:.4f} 0 cm\n".encode()), prepend=True)
    page.contents_add(pikepdf.Stream(out, b"\nQ\n"))
    for annot in page.obj.get("/Annots", []):
        rect = [float(v) for v in annot.Rect]
        annot.Rect = pikepdf.Array([rect[0] + dx, rect[1], rect[2] + dx, rect[3]])


def _named_destinations(out: pikepdf.Pdf, sources) -> None:
    """One name tree for every anchor of every source, pointing at the merged pages."""
    names = pikepdf.NameTree.new(out)
    for pdf, index_of, shifts in sources:
        if "/Names" not in pdf.Root or "/Dests" not in pdf.Root.Names:
            continue
        for name, dest in pikepdf.NameTree(pdf.Root.Names.Dests).items():
            index = index_of.get(dest[0].objgen)
            if index is None:
                continue
            left = float(dest[2]) + shifts.get(index, 0.0)
            names[name] = pikepdf.Array([out.pages[index].obj, pikepdf.Name.XYZ, left,
                                         dest[3], 0])
    out.Root.Names = pikepdf.Dictionary(Dests=names.obj)


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
        return TTFont(io.BytesIO(program), recalcTimestamp=False, lazy=True)

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
    for i, program in enumerate(programs):
        if i == longest:
            continue
        other = load(program)
        if "CFF " in base:
            source = other["CFF "].cff.topDictIndex[0].CharStrings
            for name in source.keys():
                if name in target and _empty_charstring(target[name]) \
                        and not _empty_charstring(source[name]):
                    charstring = source[name]
                    charstring.private = target[name].private
                    target[name] = charstring
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


def _empty_charstring(charstring) -> bool:
    charstring.decompile()
    return [op for op in charstring.program if isinstance(op, str)] == ["endchar"]
