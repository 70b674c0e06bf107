"""The object-by-object writer: pages from several documents, references renumbered, strings
left alone, identical streams written once, a file qpdf reads back without complaint."""

from __future__ import annotations

import io

import pikepdf

from anthology.paged.writer import PdfWriter

TRICKY = "(1 0 R) 2 0 R \\ ) ("  # looks like references and unbalanced parentheses


def _source(label: str, pages: int) -> pikepdf.Pdf:
    pdf = pikepdf.new()
    profile = pikepdf.Stream(pdf, b"the same colour profile in every source")
    for n in range(pages):
        pdf.add_blank_page(page_size=(200, 300))
        page = pdf.pages[-1]
        page.obj.Contents = pdf.make_indirect(pikepdf.Stream(pdf, f"% {label} {n}".encode()))
        page.obj.Resources = pikepdf.Dictionary(
            ColorSpace=pikepdf.Dictionary(CS0=pikepdf.Array([pikepdf.Name.ICCBased, profile])))
        page.obj.Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[0, 0, 10, 10],
            A=pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String(f"{TRICKY}{label}"))))]))
    saved = io.BytesIO()
    pdf.save(saved)
    return pikepdf.open(saved)


def test_pages_of_several_documents_are_written_into_one(tmp_path):
    writer = PdfWriter("1.7", object_streams=True)
    first, second = _source("A", 3), _source("B", 2)
    added = writer.add_pages(first, [0, 2], {})  # page 1 left out
    added += writer.add_pages(second, [0, 1], {})
    path = tmp_path / "joined.pdf"
    path.write_bytes(writer.finish(b"/Lang (en)", b"<< /Title (Joined) >>"))

    joined = pikepdf.open(path)
    assert joined.check_pdf_syntax() == []
    assert len(joined.pages) == 4
    assert [p.objgen[0] for p in joined.pages] == added
    assert [p.Contents.read_bytes() for p in joined.pages] == [b"% A 0", b"% A 2", b"% B 0",
                                                               b"% B 1"]
    assert [str(p.Annots[0].A.URI) for p in joined.pages] == [f"{TRICKY}{x}" for x in "AABB"]
    profiles = {p.Resources.ColorSpace.CS0[1].objgen for p in joined.pages}
    assert len(profiles) == 1  # identical streams without references: one object
    assert str(joined.Root.Lang) == "en" and str(joined.docinfo.Title) == "Joined"


def test_without_object_streams_the_file_has_a_classic_cross_reference_table(tmp_path):
    writer = PdfWriter("1.3", object_streams=False)
    writer.add_pages(_source("A", 2), [0, 1], {})
    data = writer.finish(b"", b"<< >>")
    assert data.startswith(b"%PDF-1.3") and b"/ObjStm" not in data and b"\ntrailer\n" in data
    (tmp_path / "classic.pdf").write_bytes(data)
    assert len(pikepdf.open(tmp_path / "classic.pdf").pages) == 2
