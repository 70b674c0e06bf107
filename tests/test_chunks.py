"""Laid out in chunks on several processes, the book is the one a single pass makes."""

from __future__ import annotations


import pytest
from pypdf import PdfReader

from anthology.model import load_book
from anthology.paged.runner import Runner
from anthology.pdf import render_pdf
from anthology.render import book_view
from anthology.theme import Theme
from conftest import pdf_pages


def _manifest(count: int) -> str:
    parts = []
    for p in range(3):
        stories = []
        for n in range(p * count // 3, (p + 1) * count // 3):
            words = " ".join(["A line that fills the page."] * (200 if n % 37 == 0 else 6))
            stories.append(f"      - author: Writer {n}\n        handle: '@w{n}'\n"
                           f"        text: Story {n}. {words}\n")
        parts.append(f"  - title: Part {p + 1}\n    intro: The part's intro.\n    stories:\n"
                     + "".join(stories))
    return "title: Chunks\ndate: 2024-01-01\nforeword:\n  text: Hello.\nparts:\n" + "".join(parts)


@pytest.mark.slow
def test_chunked_layout_matches_a_single_pass(make_book, tmp_path):
    path = make_book(_manifest(150))
    book = load_book(path)
    view, theme = book_view(book), Theme(path.parent)

    def render(jobs, chunk):  # chunk: pages per chunk, and entries per window of a list
        with Runner(jobs) as runner:
            pdf = render_pdf(view, theme, path.parent, "2024-01-01T00:00:00Z", "screen",
                             runner, chunk_pages=chunk, window_entries=chunk)
        out = tmp_path / f"book-{jobs}-{chunk}.pdf"
        out.write_bytes(pdf.data)
        return pdf, out

    single, single_path = render(1, 10_000)
    chunked, chunked_path = render(2, 12)
    assert single.chunks == 3 and chunked.chunks >= 12  # parts always open a chunk
    assert chunked.page_count == single.page_count
    assert chunked.labels == single.labels  # every story's page number
    assert chunked.page_starts == single.page_starts
    one, many = PdfReader(single_path), PdfReader(chunked_path)
    assert one.page_labels == many.page_labels

    def outline(reader):
        def walk(items):
            return [walk(i) if isinstance(i, list) else (i.title, reader.get_destination_page_number(i))
                    for i in items]
        return walk(reader.outline)
    assert outline(one) == outline(many)
    assert pdf_pages(single_path) == pdf_pages(chunked_path)  # contents, folios, heads, text
    # Fonts are merged, not repeated per chunk: the file is about the size of a single pass.
    assert chunked_path.stat().st_size < single_path.stat().st_size * 1.1
    fonts = {str(f.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
                 .get_object()["/FontFile3"].indirect_reference)
             for page in many.pages for f in page["/Resources"]["/Font"].values()}
    assert len(fonts) <= 4
