"""One layout serves the screen PDF, the print interior and the EPUB's page-list: the print
pages are the screen's moved onto the sheet, and a book moved elsewhere finds every layout
in the cache."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from anthology.build import build
from conftest import squash

BLEED = 0.125


def _words(pdf: Path) -> list[list[tuple[str, float, float]]]:
    """Each page's words (pdftotext -bbox): text, left and top in points."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    return [[(w, float(x), float(y)) for x, y, w in re.findall(
        r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="[\d.]+">([^<]*)<', page)]
        for page in html.split("<page ")[1:]]


def _book(folder: Path) -> Path:
    """A book of prose, verse and run-on pieces in several languages, with a bleed."""
    stories = []
    for n in range(1, 13):
        if n % 4 == 0:
            text = "\n".join(f"      line {k} of the poem numbered {n}, which the wind"
                             for k in range(30))
            stories.append(f"  - author: Poet {n}\n    kind: verse\n    text: |\n{text}\n")
        else:
            words = " ".join(f"word{n}x{i}" for i in range(60 + 90 * (n % 3)))
            greek = " Ἐν ἀρχῇ ἦν ὁ λόγος, καὶ ὁ λόγος ἦν πρὸς τὸν θεόν." if n % 5 == 0 else ""
            viet = " Tiếng Việt có dấu: những ngôi sao." if n % 3 == 0 else ""
            stories.append(f"  - author: Author {n}\n    title: Story {n}\n"
                           f"    text: |\n      {words}{greek}{viet}\n")
    (folder / "book.yaml").parent.mkdir(parents=True, exist_ok=True)
    (folder / "book.yaml").write_text(
        "title: One Layout\neditors: [An Editor]\ndate: 2024-01-01\n"
        f"print:\n  bleed: {BLEED}\n  trim: 6x9\n"
        "stories:\n" + "".join(stories), encoding="utf-8")
    return folder / "book.yaml"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("shared")
    cache = root / "cache"
    manifest = _book(root / "here" / "book")
    result = build(manifest, root / "out", cache_dir=cache)
    return root, cache, manifest, result


@pytest.mark.slow
def test_print_pages_are_the_screen_pages_moved_onto_the_sheet(built):
    _, _, _, result = built
    screen, printed = result.outputs["pdf"], result.outputs["print"]
    assert PdfReader(screen).page_labels == PdfReader(printed).page_labels
    pages = list(zip(_words(screen), _words(printed)))
    assert len(pages) >= 20
    offsets = {}
    for number, (on_screen, in_print) in enumerate(pages, start=1):
        assert [w for w, _, _ in on_screen] == [w for w, _, _ in in_print], number
        moved = {(round(x2 - x1, 2), round(y2 - y1, 2))
                 for (_, x1, y1), (_, x2, y2) in zip(on_screen, in_print)}
        if moved:
            assert len(moved) == 1, (number, moved)  # every word moved alike
            offsets.setdefault(number % 2, set()).update(moved)
    # Rectos and versos each move one way: the bleed, and the gutter on the bound side.
    (recto,), (verso,) = offsets[1], offsets[0]
    assert recto[1] == verso[1] == BLEED * 72
    assert recto[0] + verso[0] == pytest.approx(2 * BLEED * 72, abs=0.02)
    assert recto[0] > verso[0]  # the recto's wider inside margin is on the left
    # The second reader agrees on the text.
    assert [squash(p.extract_text()) for p in PdfReader(screen).pages] == \
        [squash(p.extract_text()) for p in PdfReader(printed).pages]
    reader = PdfReader(printed)
    assert not any("/Annots" in page or "/StructParents" in page for page in reader.pages)
    assert "/StructTreeRoot" not in reader.trailer["/Root"]
    assert "/StructTreeRoot" in PdfReader(screen).trailer["/Root"]
    assert all(c.ok for c in result.preflight), [c for c in result.preflight if not c.ok]


@pytest.mark.slow
def test_a_layout_as_print_breaks_its_pages_where_the_shared_one_does(built):
    """Laid out as print (mirrored margins, bleed, print.css), the book's pages start where
    the shared layout's do: the EPUB's page-list is the one a print layout would give."""
    from anthology.model import load_book
    from anthology.paged.pagination import Pagination
    from anthology.paged.runner import Runner
    from anthology.pdf import edition_of, lay_out_book
    from anthology.render import book_view
    from anthology.theme import Theme
    _, cache, manifest, result = built
    book = load_book(manifest)
    view, theme = book_view(book), Theme(manifest.parent, book.theme)
    shared = lay_out_book(view, theme, manifest.parent, "2024-01-01T00:00:00Z",
                          with_sheet=False).rendered("print", join=False)
    as_print = Pagination(view, theme, "2024-01-01T00:00:00Z",
                          edition_of(view, theme, manifest.parent, "print"), Runner()).run(False)
    assert as_print.setup.bleed == BLEED and as_print.setup.inside != as_print.setup.outside
    assert shared.page_starts == as_print.page_starts()
    assert shared.page_count == as_print.page_count
    with zipfile.ZipFile(result.outputs["epub"]) as epub:
        nav = next(epub.read(n).decode() for n in epub.namelist() if n.endswith("nav.xhtml"))
    listed = re.findall(r">([^<>]+)</a>", nav.split('epub:type="page-list"')[1].split("</ol>")[0])
    starts = [label for label, _, _ in as_print.page_starts()]
    assert len(listed) >= 15 and listed == [label for label in starts if label in listed]


@pytest.mark.slow
def test_a_moved_book_lays_out_nothing_again_and_gives_the_same_bytes(built, monkeypatch):
    root, cache, manifest, result = built
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    first = build(manifest, root / "first", cache_dir=cache)
    entries = sorted(p.name for p in cache.rglob("*") if p.is_file())
    moved = root / "elsewhere" / "renamed book"
    shutil.copytree(manifest.parent, moved)
    again = build(moved / "book.yaml", root / "again", cache_dir=cache)
    assert sorted(p.name for p in cache.rglob("*") if p.is_file()) == entries
    for kind, path in first.outputs.items():
        assert path.read_bytes() == again.outputs[kind].read_bytes(), kind


@pytest.mark.slow
def test_preflight_reads_again_only_the_pages_that_changed_and_sees_a_broken_margin(
        built, tmp_path, monkeypatch):
    import pikepdf
    from anthology import pageread
    from anthology.model import load_book
    from anthology.paged.cache import Cache
    from anthology.preflight import check_interior
    _, cache, manifest, result = built
    book = load_book(manifest)
    read = []
    original = pageread._text_box
    monkeypatch.setattr(pageread, "_text_box", lambda page: read.append(page) or original(page))
    cache = Cache(cache)
    def checked(path):
        return check_interior(book, path, pageread.read_interior(path, cache, "it"))
    assert all(c.ok for c in checked(result.outputs["print"]))
    assert all(c.ok for c in checked(result.outputs["print"]))
    pages = len(read)
    assert pages >= 20  # read once, then remembered
    # A join that moved page 9's text 40pt to the left, into its gutter.
    broken = tmp_path / "broken.pdf"
    with pikepdf.open(result.outputs["print"]) as pdf:
        pdf.pages[8].contents_add(pikepdf.Stream(pdf, b"q 1 0 0 1 -40 0 cm"), prepend=True)
        pdf.pages[8].contents_add(pikepdf.Stream(pdf, b"Q"))
        pdf.save(broken)
    checks = {c.code.value: c for c in checked(broken)}
    assert len(read) == pages + 1  # only the changed page was read again
    assert not checks["P005"].ok, checks["P005"]  # the gutter: page 9 is a recto


@pytest.mark.slow
def test_a_print_css_of_the_books_own_lays_the_interior_out_as_print(tmp_path):
    """The shared layout assumes print.css only turns the black to K: a book's own may do
    more (here, bigger type in print), and its interior is then laid out as print."""
    import pikepdf
    from anthology.theme import BUILTIN

    def sizes(pdf: Path) -> set[float]:
        with pikepdf.open(pdf) as document:
            return {round(float(operands[1]), 2) for page in document.pages
                    for operands, _ in pikepdf.parse_content_stream(page, "Tf")}
    manifest = _book(tmp_path / "book")
    (manifest.parent / "styles").mkdir()
    (manifest.parent / "styles" / "print.css").write_text(
        (BUILTIN / "print.css").read_text() + "\n.story-text { font-size: 20pt; }\n")
    built = build(manifest, tmp_path / "out", ["pdf", "print"], cache_dir=tmp_path / "cache")
    assert round(20 / 0.75, 2) in sizes(built.outputs["print"])  # 20pt, in CSS pixels
    assert round(20 / 0.75, 2) not in sizes(built.outputs["pdf"])
    assert all(c.ok for c in built.preflight), [c for c in built.preflight if not c.ok]
