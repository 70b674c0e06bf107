"""Golden files (tests/golden, Standard Ebooks style: each case's in/ and out/): the HTML of
every document of three books (one with a dedication, epigraph, afterword and
acknowledgements), and what the command line says about broken manifests. No
layout: these run in the fast suite. ``pytest --update-golden`` rewrites the out/ folders;
review the diff of tests/golden before committing it."""

from __future__ import annotations

import pytest

from anthology.cli import main
from anthology.model import load_book
from anthology.render import book_view, epub_documents, pdf_html, sections
from anthology.theme import Theme
from conftest import DEFAULT_MANIFEST, GOLDEN

BOOKS = {"stars-in-parts": GOLDEN / "html" / "stars-in-parts" / "in" / "book.yaml",
         "apparatus": GOLDEN / "html" / "apparatus" / "in" / "book.yaml",
         "texts": GOLDEN / "html" / "texts" / "in" / "book.yaml",
         "default-book": DEFAULT_MANIFEST}  # book/ is the default book's in/
TIMESTAMP = "2024-01-01T00:00:00Z"
BROKEN = sorted(p.name for p in (GOLDEN / "manifest-errors").iterdir())


@pytest.mark.parametrize("case", BOOKS)
def test_html_of_every_document(case, golden):
    """Each section of the paged book as its own document, with made-up page numbers (odd
    ones, in reading order), and each EPUB document's body."""
    manifest = BOOKS[case]
    view = book_view(load_book(manifest))
    theme = Theme(manifest.parent)
    paged = sections(view, paged=True)
    pages = {section.id: 2 * n + 1 for n, section in enumerate(paged)}
    outputs = {f"pdf/{n:02}-{section.id}.html": pdf_html(view, theme, [section], TIMESTAMP, pages)
               for n, section in enumerate(paged)}
    outputs |= {f"epub/{n:02}-{section.id}.xhtml": body
                for n, (section, body) in enumerate(epub_documents(view, theme))}
    golden(GOLDEN / "html" / case / "out", outputs)


@pytest.mark.parametrize("case", BROKEN)
def test_manifest_error_message(case, golden, capsys):
    """``anthology check --strict`` on in/book.yaml: its exit code and every line it prints
    on stderr (the book folder's absolute path, where a message names it, as <book folder>).
    --strict makes a valid manifest's warnings fail too (people-warnings)."""
    folder = GOLDEN / "manifest-errors" / case
    code = main(["check", "--strict", str(folder / "in" / "book.yaml")])
    err = capsys.readouterr().err.replace(str((folder / "in").resolve()), "<book folder>")
    assert code != 0, err
    golden(folder / "out", {"stderr.txt": err, "exit-code.txt": f"{code}\n"})
