"""The screen PDF is tagged (PDF/UA-1), chunked as it is: the pieces' structure trees are
joined in the book's order. The print PDF stays PDF/X and untagged, without bookmarks for KDP.

Checked with the `pdfua` package (the machine-checkable subset of PDF/UA-1) and by walking the
structure tree here: reading order, every marked content's element, headings in the book's
order, languages, the contents as a TOC, figures' alternative text, pagination as artifacts."""

from __future__ import annotations

import pikepdf
import pytest
from PIL import Image

import books
from anthology.build import build
from conftest import pdf_pages, squash


@pytest.fixture(scope="module")
def tagged(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tagged")
    Image.new("RGB", (60, 40), "navy").save(folder / "lighthouse.png")
    manifest = books.manifest(60, long_every=20).replace(
        '"text": "She came off', '"text": "![A lighthouse at night](lighthouse.png)\\n\\nShe came off', 1)
    (folder / "book.yaml").write_text(manifest, encoding="utf-8")
    built = build(folder / "book.yaml", folder / "out", ["pdf", "print"])
    return built, pikepdf.open(built.outputs["pdf"]), pikepdf.open(built.outputs["print"])


def _walk(element, found: list) -> None:
    if not isinstance(element, pikepdf.Dictionary) or "/S" not in element:
        return  # a marked-content id, or a reference to an annotation
    found.append(element)
    kids = element.get("/K")
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        _walk(kid, found)


@pytest.mark.slow
def test_the_screen_pdf_passes_the_pdfua_checks(tagged):
    import pdfua
    built, _, _ = tagged
    report = pdfua.validate(str(built.outputs["pdf"]))
    assert not report.findings, [str(f) for f in report.findings]


@pytest.mark.slow
def test_the_structure_tree_follows_the_book(tagged):
    built, pdf, _ = tagged
    root = pdf.Root
    assert root.MarkInfo.Marked is True and str(root.Lang) == "en"
    assert root.ViewerPreferences.DisplayDocTitle is True
    assert "pdfuaid:part" in root.Metadata.read_bytes().decode()
    index = {page.objgen: i for i, page in enumerate(pdf.pages)}
    elements: list = []
    _walk(root.StructTreeRoot.K, elements)
    assert str(elements[0].S) == "/Document"

    # Reading order: the tree visits the pages in order, and every marked content on a page
    # belongs to an element of that page.
    pages = [index[e.Pg.objgen] for e in elements if e.get("/Pg") is not None]
    assert pages == sorted(pages) and set(pages) >= set(range(8, len(pdf.pages) - 4))
    nums = root.StructTreeRoot.ParentTree.Nums
    parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    for page in pdf.pages:
        marked = parents[int(page.obj.StructParents)]
        for operands, _ in pikepdf.parse_content_stream(page, "BDC"):
            if isinstance(operands[1], pikepdf.Dictionary) and "/MCID" in operands[1]:
                assert marked[int(operands[1].MCID)].Pg.objgen == page.objgen

    # The stories' headings come in the book's order, each on its story's first page.
    heading_pages = [index[e.Pg.objgen] for e in elements if str(e.S) in ("/H1", "/H2")]
    first = int(root.PageLabels.Nums[2])  # front matter in roman, then the body from 1
    texts = pdf_pages(built.outputs["pdf"])
    openers = [next(i for i in range(first, len(texts)) if squash(story.title) in squash(texts[i]))
               for story in built.book.all_stories
               if story.language not in ("hi", "he", "ar")]  # read in another order by pypdf
    assert openers == sorted(openers) and set(openers) <= set(heading_pages)

    # Languages, the contents, figures, pagination.
    languages = {str(e.Lang) for e in elements if "/Lang" in e}
    assert languages == {p[0] for p in books.PIECES} - {"en"}
    kinds = [str(e.S) for e in elements]
    assert "/TOC" in kinds and kinds.count("/TOCI") >= 60
    figures = [e for e in elements if str(e.S) == "/Figure"]
    assert figures and all(str(f.Alt) == "A lighthouse at night" for f in figures)
    body = pdf.pages[first + 1]  # a body page: folio stamped as pagination artifact
    assert b"/Artifact" in body.obj.Contents.read_bytes() if isinstance(
        body.obj.Contents, pikepdf.Stream) else any(
        b"/Artifact" in c.read_bytes() for c in body.obj.Contents)



@pytest.mark.slow
def test_the_print_pdf_is_untagged_and_kdp_gets_no_bookmarks(tagged):
    _, _, printed = tagged
    assert "/StructTreeRoot" not in printed.Root and "/MarkInfo" not in printed.Root
    assert "/Outlines" not in printed.Root  # KDP: no bookmarks in print files
    assert "GTS_PDFX" in str(printed.Root.OutputIntents[0].S)
