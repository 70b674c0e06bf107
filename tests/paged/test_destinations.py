"""Named destinations gathered from the pieces as their pages are placed, and links across
pieces made internal."""

from __future__ import annotations

import io

import pikepdf

from anthology.paged.destinations import Destinations, link_across_documents
from anthology.paged.writer import PdfWriter


def piece(names: dict[str, tuple[int, float, float]], pages: int = 2) -> pikepdf.Pdf:
    """A document of ``pages`` pages with named destinations name -> (page, left, top)."""
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page()
    flat = pikepdf.Array()
    for name, (page, left, top) in sorted(names.items()):
        flat.append(pikepdf.String(name))
        flat.append(pikepdf.Array([pdf.pages[page].obj, pikepdf.Name.XYZ, left, top, 0]))
    pdf.Root.Names = pikepdf.Dictionary(Dests=pdf.make_indirect(pikepdf.Dictionary(Names=flat)))
    return pdf


def test_only_sections_on_placed_pages_are_kept_shifted_and_the_later_wins():
    first = piece({"story-1": (0, 72.0, 700), "story-1-p3": (0, 72.0, 600),
                   "story-2": (1, 72.0, 700)})
    second = piece({"story-2": (0, 80.0, 500)})
    out = pikepdf.new()
    for _ in range(3):
        out.add_blank_page()
    destinations = Destinations({"story-1", "story-2", "story-3"})
    destinations.gather(first, {first.pages[0].objgen: out.pages[0].obj},
                        {first.pages[0].objgen: (-18.0, 9.0)})  # its page 1 is not placed
    destinations.gather(second, {second.pages[0].objgen: out.pages[2].obj})
    destinations.write_into(out)
    data = io.BytesIO()
    out.save(data)
    written = pikepdf.open(io.BytesIO(data.getvalue()))
    names = dict(pikepdf.NameTree(written.Root.Names.Dests).items())
    assert sorted(names) == ["story-1", "story-2"]  # not a paragraph's anchor
    assert float(names["story-1"][2]) == 54.0  # moved with its page
    assert float(names["story-1"][3]) == 709.0
    assert float(names["story-2"][3]) == 500  # the second piece's


def test_the_writer_gets_a_sorted_name_tree_of_object_numbers():
    pdf = piece({"sources": (1, 63.0, 507.6), "contributors": (0, 63.0, 507.6)})
    destinations = Destinations({"contributors", "sources"})
    destinations.gather(pdf, {page.objgen: number for page, number
                              in zip(pdf.pages, (17, 23))})
    writer = PdfWriter("1.7", object_streams=False)
    number = destinations.write(writer)
    text = b" ".join(writer.out.getvalue().split())
    assert b"%d 0 obj << /Names [(contributors) [17 0 R /XYZ 63 507.6 0] " \
           b"(sources) [23 0 R /XYZ 63 507.6 0]] >>" % number in text


def test_links_to_another_piece_become_internal():
    pdf = pikepdf.new()
    pdf.add_blank_page()
    link = pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link,
                              Rect=[0, 0, 10, 10],
                              A=pikepdf.Dictionary(S=pikepdf.Name.URI,
                                                   URI=pikepdf.String("anthology:story-7")))
    web = pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link,
                             Rect=[0, 0, 10, 10],
                             A=pikepdf.Dictionary(S=pikepdf.Name.URI,
                                                  URI=pikepdf.String("https://example.org")))
    pdf.pages[0].obj.Annots = pikepdf.Array([link, web])
    link_across_documents(pdf.pages)
    internal, external = pdf.pages[0].obj.Annots
    assert str(internal.Dest) == "story-7" and "/A" not in internal
    assert str(external.A.URI) == "https://example.org"
