"""Joins the separately laid-out documents of a book into one PDF.

Body pages come from the chunks, joined with pikepdf in groups of BODY_GROUP_PAGES (cached);
a page that landed on the other side than it was laid out on is shifted by the margin
difference; body and back-matter pages get their folio and running head from the stamp sheet
(``Stamps``). The book is then written by pdfwrite.PdfWriter, one document at a time: the
front matter's windows, the groups, the back matter's windows. The front matter's first window
gives the metadata, XMP, output intent and language; the book gets one outline, one table of
named destinations, page labels, and one program per font: the pieces' subsets keep the
original glyph ids, so they merge into a single subset.
"""

from __future__ import annotations

import hashlib
import io
import logging
import zlib
from dataclasses import dataclass, field

import pikepdf

from . import structure
from .pdfwrite import PdfWriter
from .render import FRONT_MATTER, BookView
from .typeset import Laid, release_memory

log = logging.getLogger(__name__)
LINK_SCHEME = "anthology:"  # see render.pdf_html
BODY_GROUP_PAGES = 300  # body pages joined at a time (each group's pieces then let go)


def assemble(view: BookView, front, layout, chunks, stamps, backs, blank,
             pages: dict[str, int], setup, printing: bool, pdf_x: str, cache=None) -> bytes:
    """Join the pieces: ``front`` is a windows.Pages, ``backs`` (windows.Pages, first page
    number, running head) documents to stamp, ``chunks`` laid-out documents placed by
    ``layout`` (pdf.BodyLayout), ``stamps`` the stamp sheet.

    A body group is cached by what went into it, so a rebuild after one edit joins one."""
    anchors = _section_ids(view)
    heads = layout.recto_heads([head for _, _, head in backs])
    base = pikepdf.open(io.BytesIO(front.pages[0][0].pdf))
    book = _Book(PdfWriter(base.pdf_version, object_streams=not (printing and pdf_x == "x-1a")),
                 anchors, cache, tagged=structure.document_of(base) is not None)
    contents = _contents_pages(front)
    for laid, indices in _slices(front):
        book.add(laid.pdf, indices, contents=set(indices) & contents.get(id(laid), set()),
                 margins=True)
    book.pad(blank)
    front_count = len(book.pages)

    placements = layout.placements
    kinds = layout.kinds()
    languages = _languages(view, layout)
    for start in range(0, len(placements), BODY_GROUP_PAGES):
        part = placements[start:start + BODY_GROUP_PAGES]
        key = hashlib.sha256(repr((
            part, [hashlib.sha256(chunks[c].pdf).hexdigest() for c in sorted({c for c, _, _ in part
                                                                            if c >= 0})],
            hashlib.sha256(stamps.pdf).hexdigest(), hashlib.sha256(blank.pdf).hexdigest(),
            heads, [(kinds[n], layout.heads.get(n)) for _, _, n in part],
            setup, sorted(anchors), languages, "body-group", 3)).encode()).hexdigest()
        joined = cache.get(key) if cache else None
        if joined is None:
            joined = _join_body(part, layout, kinds, chunks, stamps, blank, setup, anchors,
                                heads, languages, cache)
            if cache:
                cache.put(key, joined)
        book.add(joined)  # the body's blanks are placed
        release_memory(collect=False)

    for back, first_number, head in backs:  # each opens on a right-hand page
        done = 0
        for laid, indices in _slices(back):
            def stamp(pdf: pikepdf.Pdf, indices=indices, done=done) -> None:
                stamper = Stamps(pdf, stamps, heads, setup)
                for k, i in enumerate(indices, start=done):
                    if not back.blanks[k]:
                        stamper.stamp(pdf.pages[i], first_number + k, head if k else None)
            book.add(laid.pdf, indices, stamp)
            done += len(indices)
        book.pad(blank)

    front_index = {a: i for i, anchors in enumerate(front.anchors) for a in anchors}
    outline = b""
    if not printing or view.book.print.rules.bookmarks:
        outline = b"/Outlines %d 0 R " % _outline(
            book, view, lambda anchor: front_index[anchor] if anchor in front_index
            else front_count + pages[anchor] - 1)
    catalog = {key: value for key, value in base.Root.items()
               if key not in ("/Type", "/Pages", "/Outlines", "/Names", "/Dests", "/PageLabels",
                              "/StructTreeRoot")}
    entries = book.writer.copy(base, pikepdf.Dictionary(catalog).unparse(resolved=True), {})
    info = book.writer.copy(base, base.trailer.Info.unparse(resolved=True), {}) \
        if "/Info" in base.trailer else b"<< >>"
    return book.finish(entries.strip()[2:-2] + b" %s/PageLabels << /Nums "
                       b"[0 << /S /r >> %d << /S /D >>] >>" % (outline, front_count), info)


@dataclass
class _Face:
    """One font's programs in the pieces, to be merged into the program numbered ``number``."""
    number: int
    keys: bytes  # the program stream's dictionary entries but its length and filter
    truetype: bool  # a /FontFile2, which states its decoded length
    programs: dict[bytes, bytes] = field(default_factory=dict)  # digest -> program


class _Book:
    """The book being written: its pages' object numbers, the sections' named destinations
    and the fonts' programs, gathered as documents are added one at a time."""

    def __init__(self, writer: PdfWriter, anchors: set[str], cache=None, tagged: bool = False):
        self.writer, self.anchors, self.cache = writer, anchors, cache
        self.pages: list[int] = []
        self.destinations: dict[bytes, bytes] = {}
        self.faces: dict[str, _Face | None] = {}  # None: a font whose subsets are not merged
        # The structure tree (structure.py), for a tagged book: the Document element's
        # number, its kids and the parent tree's entries, as written.
        self.document = writer.reserve() if tagged else None
        self.kids: list[bytes] = []
        self.parents: list[bytes] = []
        self.next_key = 0

    def add(self, data: bytes, indices: list[int] | None = None, prepare=None,
            contents: set[int] = frozenset(), margins: bool = False) -> None:
        """Pages ``indices`` (all by default) of the PDF ``data``, after ``prepare(pdf)``;
        the pages ``contents`` are the contents (tagged as a TOC). ``margins``: the pages
        have margin boxes (the front matter's folios; the rest are stamped)."""
        pdf = pikepdf.open(io.BytesIO(data))
        indices = list(range(len(pdf.pages))) if indices is None else indices
        if prepare:
            prepare(pdf)
        chosen = [pdf.pages[i] for i in indices]
        _link_across_documents(chosen)
        numbers: dict[int, int | None] = {}
        self._share_fonts(chosen, numbers)
        elements, entries = [], {}
        source = structure.Source(pdf) if self.document is not None else None
        if source and source.document is not None:
            elements, entries, self.next_key = structure.take(
                source, indices, self.next_key, contents=contents, margins=margins)
            numbers[source.document.objgen[0]] = self.document
        added = self.writer.add_pages(pdf, indices, numbers)
        if elements:
            self.kids.append(self.writer.copy(pdf, pikepdf.Array(elements).unparse(), numbers)
                             .strip()[1:-1])
        for key, value in entries.items():
            self.parents.append(b"%d %s" % (key, self.writer.copy(pdf, value.unparse(),
                                                                  numbers)))
        at = {page.objgen: number for page, number in zip(chosen, added)}
        for name, page, left, top in _destinations(pdf, self.anchors):
            if page in at:
                self.destinations[name] = b"[%d 0 R /XYZ %s 0]" % (
                    at[page], pikepdf.Array([left, top]).unparse().strip()[1:-1])
        self.pages += added
        pdf.close()

    def pad(self, blank: Laid) -> None:
        """A blank page, if the pages so far are odd (what follows opens on a right side)."""
        if len(self.pages) % 2:
            self.add(blank.pdf)

    def _share_fonts(self, pages, numbers: dict[int, int | None]) -> None:
        """Point the pages' fonts at the one program per face written by ``finish``."""
        for font in _fonts(pages):
            if font.get("/Subtype") != "/Type0":
                continue
            descriptor = font.DescendantFonts[0].FontDescriptor
            kind = next((k for k in ("/FontFile3", "/FontFile2") if k in descriptor), None)
            name = str(descriptor.FontName)
            if kind is None or descriptor[kind].objgen[0] in numbers:
                continue
            program = descriptor[kind].read_bytes()
            if name not in self.faces:
                self.faces[name] = None
                if _mergeable(program):
                    keys = {k: v for k, v in descriptor[kind].stream_dict.items()
                            if k not in ("/Length", "/Filter", "/DecodeParms", "/Length1")}
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

    def finish(self, catalog: bytes, info: bytes) -> bytes:
        for name, face in self.faces.items():
            if face is None:
                continue
            programs = list(face.programs.values())
            program = merged_program(programs, self.cache)
            data = zlib.compress(program)
            length1 = b" /Length1 %d" % len(program) if face.truetype else b""
            self.writer.write(face.number, b"<< %s%s /Filter /FlateDecode /Length %d >>"
                              % (face.keys, length1, len(data)), data)
        names = self.writer.reserve()
        self.writer.write(names, b"<< /Names [%s] >>" % b" ".join(
            pikepdf.String(name).unparse() + b" " + self.destinations[name]
            for name in sorted(self.destinations)))
        catalog += b" /Names << /Dests %d 0 R >>" % names
        if self.document is not None:
            root, parents = self.writer.reserve(), self.writer.reserve()
            self.writer.write(self.document, b"<< /Type /StructElem /S /Document /P %d 0 R "
                              b"/K [%s] >>" % (root, b" ".join(self.kids)))
            self.writer.write(parents, b"<< /Nums [%s] >>" % b" ".join(self.parents))
            self.writer.write(root, b"<< /Type /StructTreeRoot /K %d 0 R /ParentTree %d 0 R "
                              b"/ParentTreeNextKey %d >>" % (self.document, parents,
                                                             self.next_key))
            catalog += b" /StructTreeRoot %d 0 R" % root
        return self.writer.finish(catalog, info)


def _contents_pages(front) -> dict[int, set[int]]:
    """The contents' pages in the front matter's windows: id(window) -> its page indices."""
    out: dict[int, set[int]] = {}
    inside = False
    for (laid, p), anchors in zip(front.pages, front.anchors):
        if anchors and anchors[0] in FRONT_MATTER:
            inside = anchors[0] == "contents"
        if inside:
            out.setdefault(id(laid), set()).add(p)
    return out


def _languages(view: BookView, layout) -> dict[int, str]:
    """Body page -> the language of the story on it, where it is not the book's."""
    out = {}
    starts = sorted([(layout.pages[s.id], s.language) for s in view.stories
                     if s.id in layout.pages]  # a part's opener is in the book's language:
                    + [(layout.pages[p.id], "") for p in view.parts if p.id in layout.pages])
    for (start, language), (end, _) in zip(starts, starts[1:] + [(layout.page_count + 1, "")]):
        if language and language != view.book.language:
            out.update({n: language for n in range(start, end)})
    return out


def _slices(document) -> list[tuple[Laid, list[int]]]:
    """A windows.Pages's pages as (window, the indices of its pages kept), in order."""
    slices: list[tuple[Laid, list[int]]] = []
    for laid, p in document.pages:
        if slices and slices[-1][0] is laid:
            slices[-1][1].append(p)
        else:
            slices.append((laid, [p]))
    return slices


def _mergeable(program: bytes) -> bool:
    """Whether merge_programs can merge subsets of this font."""
    try:
        _outlines(_load(program))
        return True
    except Exception:  # noqa: BLE001 - not a font merge_programs reads: keep its subsets
        return False


def _join_body(placements, layout, kinds: dict[int, str], chunks, stamps, blank, setup,
               anchors: set[str], heads: list[str], languages: dict[int, str],
               cache=None) -> bytes:
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
    tree = structure.Tree(out) if any(structure.document_of(pdf) is not None
                                      for pdf in chunk_pdfs.values()) else None
    for chunk, p, number in placements:
        if chunk < 0:
            out.pages.append(blank_pdf.pages[0])
            if "/StructParents" in out.pages[-1].obj:
                del out.pages[-1].obj["/StructParents"]  # nothing marked on it
            continue
        prepared = tree.prepare(chunk_pdfs[chunk], p, languages.get(number)) if tree else None
        out.pages.append(chunk_pdfs[chunk].pages[p])
        if tree:
            tree.add(prepared)
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
    merge_fonts(out, cache)
    if tree:
        tree.finish()
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
        page.contents_add(pikepdf.Stream(self.out, ("Q\n/Artifact <</Type /Pagination>> BDC\n"
                                                    + "\n".join(ops) + "\nEMC").encode()))


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


def _destinations(pdf: pikepdf.Pdf, anchors: set[str]):
    """The named destinations of ``pdf`` that are sections: (name, page objgen, left, top)."""
    if "/Names" not in pdf.Root or "/Dests" not in pdf.Root.Names:
        return
    for name, dest in pikepdf.NameTree(pdf.Root.Names.Dests).items():
        if name in anchors:
            yield name.encode(), dest[0].objgen, float(dest[2]), dest[3]


def _named_destinations(out: pikepdf.Pdf, sources, anchors: set[str]) -> None:
    """One flat, sorted name tree of the sections' anchors in every source, pointing at the
    merged pages (links across documents and deep links like book.pdf#story-7 use them)."""
    names: dict[bytes, pikepdf.Array] = {}
    for pdf, index_of, shifts in sources:
        for name, page, left, top in _destinations(pdf, anchors):
            index = index_of.get(page)
            if index is not None:
                names[name] = pikepdf.Array([out.pages[index].obj, pikepdf.Name.XYZ,
                                             left + shifts.get(index, 0.0), top, 0])
    flat = pikepdf.Array()
    for key in sorted(names):
        flat.append(pikepdf.String(key))
        flat.append(names[key])
    out.Root.Names = pikepdf.Dictionary(Dests=out.make_indirect(pikepdf.Dictionary(Names=flat)))


def _link_across_documents(pages) -> None:
    """Links between the separately laid-out documents were written as ``anthology:ANCHOR``
    URIs (WeasyPrint drops internal links to anchors it cannot see); make them internal."""
    for page in pages:
        for annot in page.obj.get("/Annots", []):
            action = annot.get("/A")
            if action is not None and str(action.get("/URI", "")).startswith(LINK_SCHEME):
                del annot["/A"]
                annot.Dest = pikepdf.String(str(action.URI)[len(LINK_SCHEME):])


def _outline(book: _Book, view: BookView, index_of) -> int:
    """Contents, foreword, parts with their stories (or the stories), back matter: the
    outline's number. ``index_of(anchor)`` is the index of the page an anchor is on."""
    def item(title, anchor, children=()):
        return title, index_of(anchor), children

    items = [item("Contents", "contents")]
    if view.book.foreword:
        items.append(item(view.book.foreword.title, "foreword"))
    for part in view.parts:
        stories = [item(s.story.heading, s.id) for s in part.stories]
        items += [item(part.title, part.id, stories)] if part.title else stories
    items += [item("Contributors", "contributors"), item("Sources and Permissions", "sources")]

    writer = book.writer

    def write(items, parent: int) -> tuple[int, int, int]:
        """Write ``items`` under ``parent``: the first, the last, and how many are shown."""
        numbers = [writer.reserve() for _ in items]
        shown = len(items)
        for i, (title, index, children) in enumerate(items):
            fields = [b"/Title " + pikepdf.String(title).unparse(), b"/Parent %d 0 R" % parent,
                      b"/Dest [%d 0 R /Fit]" % book.pages[index]]
            if i:
                fields.append(b"/Prev %d 0 R" % numbers[i - 1])
            if i + 1 < len(items):
                fields.append(b"/Next %d 0 R" % numbers[i + 1])
            if children:
                first, last, count = write(children, numbers[i])
                fields.append(b"/First %d 0 R /Last %d 0 R /Count %d" % (first, last, count))
                shown += count
            writer.write(numbers[i], b"<< %s >>" % b" ".join(fields))
        return numbers[0], numbers[-1], shown

    root = writer.reserve()
    first, last, count = write(items, root)
    writer.write(root, b"<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count %d >>"
                 % (first, last, count))
    return root


def merge_fonts(out: pikepdf.Pdf, cache=None) -> None:
    """Give every subset of the same face one font program holding all their glyphs."""
    groups: dict[str, list] = {}
    for font in _fonts(out.pages):
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
            merged = merged_program([s.read_bytes() for s in streams.values()], cache)
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


def merged_program(programs: list[bytes], cache=None) -> bytes:
    """merge_programs, found again in the cache if the same subsets were merged before (a
    rebuild after one edit mostly brings the same ones). Made from the subsets in the order
    of their digests, so that the result depends on the subsets only."""
    if len(programs) == 1:
        return programs[0]
    programs = sorted(programs, key=lambda program: hashlib.sha256(program).digest())
    key = hashlib.sha256(b"".join(hashlib.sha256(p).digest() for p in programs)
                         + b"merged font program 4").hexdigest()
    merged = cache.get(key) if cache else None
    if merged is None:
        merged = merge_programs(programs)
        if cache:
            cache.put(key, merged)
    return merged


def merge_programs(programs: list[bytes]) -> bytes:
    """Subsets of one font made with retained glyph ids -> one subset with all their glyphs.
    They are read one at a time, so memory does not grow with the number of chunks."""
    # Subsets drop the empty slots after their last glyph: the longest one is the base.
    longest = max(range(len(programs)), key=lambda i: _load(programs[i])["maxp"].numGlyphs)
    base = _load(programs[longest])
    target = _outlines(base)
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


def _outlines(font):
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
