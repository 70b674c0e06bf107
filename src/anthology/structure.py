"""The tagged screen PDF's structure tree, carried through the join.

Each piece is laid out as PDF/UA-1 by WeasyPrint: a structure tree whose Document element
holds, page by page, the elements drawn on that page (a paragraph broken across pages is two
P elements), and a parent tree from each page's /StructParents (and each link's
/StructParent) to the elements of its marked content. Joining pieces keeps their pages'
elements in page order under one Document, and renumbers the parent-tree keys: a page's key
becomes the next free one of the book, set on the page before it is copied.
"""

from __future__ import annotations

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


def take(pdf: pikepdf.Pdf, indices: list[int], first_key: int, lang: dict[int, str] = {},
         contents: set[int] = frozenset()) -> tuple[list, dict[int, object], int]:
    """Prepare pages ``indices`` of ``pdf`` to join another document, before they are copied:
    their top-level elements in order, the parent-tree entries renumbered from ``first_key``
    (set on the pages and their links), and the next free key. Elements on a page in
    ``lang`` get that /Lang; on a page in ``contents`` the list becomes a TOC."""
    document = document_of(pdf)
    if document is None:
        return [], {}, first_key
    at = {pdf.pages[i].objgen: i for i in indices}
    old = _numbers(pdf.Root.StructTreeRoot.ParentTree)
    elements = []
    for kid in document.get("/K", []):
        page = kid.get("/Pg") if isinstance(kid, pikepdf.Dictionary) else None
        if page is None or page.objgen not in at:
            continue
        index = at[page.objgen]
        if index in lang:
            kid.Lang = pikepdf.String(lang[index])
        if index in contents:
            _retag(kid, CONTENTS_ROLES)
        elements.append(kid)
    tops = {kid.objgen for kid in document.get("/K", []) if isinstance(kid, pikepdf.Dictionary)}
    entries, key = {}, first_key
    for i in indices:
        page = pdf.pages[i].obj
        if "/StructParents" in page:
            entries[key] = _without_margins(pdf, pdf.pages[i],
                                            old.get(int(page.StructParents), pikepdf.Array()), tops)
            page.StructParents = key
            key += 1
        for annotation in page.get("/Annots", []):
            if "/StructParent" in annotation and int(annotation.StructParent) in old:
                entries[key] = old[int(annotation.StructParent)]
                annotation.StructParent = key
                key += 1
    return elements, entries, key


def _without_margins(pdf: pikepdf.Pdf, page, marked, tops: set) -> object:
    """WeasyPrint marks a margin box's text (folios, running heads) as content of an element
    outside the tree: make it an artifact, as PDF/UA wants pagination to be."""
    stray = {m for m, element in enumerate(marked)
             if isinstance(element, pikepdf.Dictionary) and _top(element).objgen not in tops}
    if not stray:
        return marked
    operations = []
    for operands, operator in pikepdf.parse_content_stream(page):
        if str(operator) == "BDC" and isinstance(operands[1], pikepdf.Dictionary) and \
                int(operands[1].get("/MCID", -1)) in stray:
            operands, operator = [pikepdf.Name.Artifact], pikepdf.Operator("BMC")
        operations.append(pikepdf.ContentStreamInstruction(operands, operator))
    page.obj.Contents = pikepdf.Stream(pdf, pikepdf.unparse_content_stream(operations))
    return pikepdf.Array([None if m in stray else element for m, element in enumerate(marked)])


def _top(element):
    """The element's ancestor just under the Document element."""
    while isinstance(element.get("/P"), pikepdf.Dictionary) and element.P.get("/S") not in (
            "/Document", None):
        element = element.P
    return element


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

    def prepare(self, pdf: pikepdf.Pdf, index: int, lang: str | None = None):
        """Before page ``index`` of ``pdf`` is appended: its elements, to ``add`` after."""
        elements, entries, self.next_key = take(
            pdf, [index], self.next_key, {index: lang} if lang else {})
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
