"""The tagged screen PDF's structure tree, carried through the join.

Each piece is laid out as PDF/UA-1 by WeasyPrint: a structure tree whose Document element
holds, page by page, the elements drawn on that page (a paragraph broken across pages is two
P elements), and a parent tree from each page's /StructParents (and each link's
/StructParent) to the elements of its marked content. Joining pieces keeps their pages'
elements in page order under one Document, and renumbers the parent-tree keys: a page's key
becomes the next free one of the book, set on the page before it is copied.
"""

from __future__ import annotations

import re

import pikepdf

# The contents page's list is a table of contents (PDF 1.7, 14.8.4.3.3): TOC and TOCI, whose
# items hold a label or a reference, not a list body.
CONTENTS_ROLES = {"/L": "/TOC", "/LI": "/TOCI", "/LBody": "/Reference"}


def document_of(pdf: pikepdf.Pdf):
    """The Document element of a tagged PDF, or None if it is not tagged."""
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return None
    kids = root.get("/K")
    return kids[0] if isinstance(kids, pikepdf.Array) else kids


class Source:
    """A tagged PDF's tree, read once: its Document element's kids by page, and its parent
    tree (a body group takes a chunk's pages one at a time)."""

    def __init__(self, pdf: pikepdf.Pdf):
        self.pdf, self.document = pdf, document_of(pdf)
        self.by_page: dict[tuple, list] = {}
        self.tops: set[tuple] = set()
        self.top_of: dict[tuple, tuple] = {}  # element -> its ancestor under the Document
        self.old: dict[int, object] = {}
        if self.document is None:
            return
        for kid in self.document.get("/K", []):
            if isinstance(kid, pikepdf.Dictionary):
                self.tops.add(kid.objgen)
                if kid.get("/Pg") is not None:
                    self.by_page.setdefault(kid.Pg.objgen, []).append(kid)
        self.old = _numbers(pdf.Root.StructTreeRoot.ParentTree)


def take(source: Source, indices: list[int], first_key: int, lang: dict[int, str] = {},
         contents: set[int] = frozenset(), margins: bool = False
         ) -> tuple[list, dict[int, object], int]:
    """Prepare pages ``indices`` of a source to join another document, before they are
    copied: their top-level elements in order, the parent-tree entries renumbered from
    ``first_key`` (set on the pages and their links), and the next free key. Elements on a
    page in ``lang`` get that /Lang; on a page in ``contents`` the list becomes a TOC. With
    ``margins``, the pages have margin boxes (whose text becomes artifacts)."""
    if source.document is None:
        return [], {}, first_key
    pdf, old = source.pdf, source.old
    elements, entries, key = [], {}, first_key
    for i in indices:
        page = pdf.pages[i].obj
        for kid in source.by_page.get(page.objgen, []):
            if i in lang:
                kid.Lang = pikepdf.String(lang[i])
            if i in contents:
                _retag(kid, CONTENTS_ROLES)
            elements.append(kid)
        if "/StructParents" in page:
            entries[key] = old.get(int(page.StructParents), pikepdf.Array())
            if margins:
                entries[key] = _without_margins(source, pdf.pages[i], entries[key])
            page.StructParents = key
            key += 1
        for annotation in page.get("/Annots", []):
            if "/StructParent" in annotation and int(annotation.StructParent) in old:
                entries[key] = old[int(annotation.StructParent)]
                annotation.StructParent = key
                key += 1
    return elements, entries, key


def _without_margins(source: Source, page, marked) -> object:
    """WeasyPrint marks a margin box's text (folios, running heads) as content of an element
    outside the tree: make it an artifact, as PDF/UA wants pagination to be."""
    stray = {m for m, element in enumerate(marked) if isinstance(element, pikepdf.Dictionary)
             and _top(source, element) not in source.tops}
    if not stray:
        return marked
    contents = page.obj.Contents
    data = b"\n".join(c.read_bytes() for c in contents) if isinstance(contents, pikepdf.Array) \
        else contents.read_bytes()

    def artifact(match: re.Match) -> bytes:
        return b"/Artifact BMC" if int(match.group(1)) in stray else match.group(0)

    page.obj.Contents = pikepdf.Stream(source.pdf, _MARKED.sub(artifact, data))
    return pikepdf.Array([None if m in stray else element for m, element in enumerate(marked)])


# A marked-content sequence as WeasyPrint opens it: "/Span <</MCID 2>> BDC".
_MARKED = re.compile(rb"/\w+\s*<<\s*/MCID\s+(\d+)\s*>>\s*BDC")


def _top(source: Source, element) -> tuple:
    """The element's ancestor just under the Document element (its object id)."""
    if element.objgen in source.top_of:
        return source.top_of[element.objgen]
    parent = element.get("/P")
    top = element.objgen if not isinstance(parent, pikepdf.Dictionary) or parent.get(
        "/S") in ("/Document", None) else _top(source, parent)
    source.top_of[element.objgen] = top
    return top


def _numbers(tree) -> dict[int, object]:
    """A number tree's entries (flat /Nums or /Kids of them)."""
    out = {}
    nums = tree.get("/Nums", [])
    for k in range(0, len(nums) - 1, 2):
        out[int(nums[k])] = nums[k + 1]
    for kid in tree.get("/Kids", []):
        out.update(_numbers(kid))
    return out


def _retag(element, roles: dict[str, str]) -> None:
    if not isinstance(element, pikepdf.Dictionary) or "/S" not in element:
        return
    role = roles.get(str(element.S))
    if role:
        element.S = pikepdf.Name(role)
    kids = element.get("/K")
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        _retag(kid, roles)


class Tree:
    """A structure tree assembled in a pikepdf document from other documents' pages (a body
    group of the join)."""

    def __init__(self, out: pikepdf.Pdf):
        self.out = out
        self.document = out.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.StructElem, S=pikepdf.Name.Document, K=pikepdf.Array()))
        self.parents = pikepdf.Array()
        self.next_key = 0
        self.sources: dict[int, Source] = {}

    def prepare(self, pdf: pikepdf.Pdf, index: int, lang: str | None = None):
        """Before page ``index`` of ``pdf`` is appended: its elements, to ``add`` after."""
        if id(pdf) not in self.sources:
            self.sources[id(pdf)] = Source(pdf)
        source = self.sources[id(pdf)]
        elements, entries, self.next_key = take(
            source, [index], self.next_key, {index: lang} if lang else {})
        for element in elements:
            del element["/P"]  # cut from its document (copied below, set after)
        return elements, entries

    def add(self, prepared) -> None:
        elements, entries = prepared
        for element in elements:
            copied = self.out.copy_foreign(element)
            copied.P = self.document
            self.document.K.append(copied)
        for key, value in entries.items():
            copied = pikepdf.Array([self.out.copy_foreign(v) for v in value]) \
                if isinstance(value, pikepdf.Array) else self.out.copy_foreign(value)
            self.parents.extend([key, copied])

    def finish(self) -> None:
        root = self.out.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.StructTreeRoot, K=self.document,
            ParentTree=self.out.make_indirect(pikepdf.Dictionary(Nums=self.parents)),
            ParentTreeNextKey=self.next_key))
        self.document.P = root
        self.out.Root.StructTreeRoot = root
