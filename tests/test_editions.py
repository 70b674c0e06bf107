"""Editions: a paperback, a hardcover, a large-print paperback and an ebook from one manifest,
each read back from its files: page counts, covers, barcodes, ISBNs, the ONIX record."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

import long_book
from anthology.build import build
from anthology.cli import main
from anthology.cover import CoverGeometry
from anthology.model import load_book
from conftest import epubcheck, has_java, squash

ISBNS = {"paperback": "9781402894626", "hardcover": "9780306406157",
         "large-print": "9783161484100", "ebook": "9791090636071"}
EDITIONS = [
    {"name": "paperback", "format": "paperback", "isbn": "978-1-4028-9462-6",
     "price": {"USD": 16.95, "GBP": 12.99}, "price_code": "auto"},
    {"name": "hardcover", "format": "hardcover", "isbn": "978-0-306-40615-7",
     "price": {"USD": 28}, "print": {"paper": "white"}},
    {"name": "large-print", "format": "paperback", "large_print": True,
     "isbn": "978-3-16-148410-0", "print": {"trim": "6x9", "paper": "white"}},
    {"name": "ebook", "format": "ebook", "isbn": "979-10-90636-07-1", "price": {"USD": 6.99}},
]
ONIX = "{http://ns.editeur.org/onix/3.0/reference}"


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    """The long test book's first 16 pieces (about 90 pages) in four editions, built once."""
    folder = tmp_path_factory.mktemp("editions")
    data = long_book.manifest(pieces=16)
    data.update(publisher="Quayside Press", keywords=["short fiction", "letters"],
                subjects={"bisac": ["FIC029000"], "thema": ["FYB", "DNT"]},
                description="Sixteen pieces written by a generator, in four editions.",
                editions=EDITIONS)
    manifest = folder / "book.yaml"
    manifest.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    built = build(manifest, folder / "out")
    return load_book(manifest), built


@pytest.mark.slow
def test_each_edition_has_its_own_pages_and_cover(editions):
    book, built = editions
    counts = {name: len(PdfReader(built.outputs[f"{name}:print"]).pages)
              for name in ("paperback", "hardcover", "large-print")}
    assert counts["hardcover"] == counts["paperback"] >= 75, counts  # KDP's hardcover minimum
    assert counts["large-print"] > 1.4 * counts["paperback"], counts  # 18pt on 6x9
    widths = {}
    for name, count in counts.items():
        expected = CoverGeometry.for_book(book.for_edition(_edition(book, name)), count)
        box = PdfReader(built.outputs[f"{name}:cover"]).pages[0].mediabox
        widths[name] = float(box.width) / 72
        assert abs(widths[name] - expected.width) < 0.01, (name, widths[name], expected)
    assert len(set(widths.values())) == 3, widths  # own paper, spine or trim: all differ
    report = {(c.edition, c.name): c for c in built.preflight}
    assert {edition for edition, _ in report} == set(counts)
    assert all(c.ok for c in built.preflight), [c for c in built.preflight if not c.ok]
    from anthology.model import Edition
    from anthology.preflight import check_interior
    odd = book.for_edition(Edition(name="odd", format="hardcover", print={"trim": "5x8"}))
    trim = next(c for c in check_interior(odd, built.outputs["hardcover:print"])
                if c.name == "trim size")
    assert not trim.ok and "KDP binds hardcovers only in 5.5x8.5, 6x9" in trim.detail


@pytest.mark.slow
def test_each_barcode_reads_as_its_isbn(editions):
    from anthology.barcode import read_barcodes
    book, built = editions
    for name in ("paperback", "hardcover", "large-print"):
        edition = _edition(book, name)
        printed = book.for_edition(edition)
        count = len(PdfReader(built.outputs[f"{name}:print"]).pages)
        zone = CoverGeometry.for_book(printed, count).barcode_zone.edges
        read = read_barcodes(built.outputs[f"{name}:cover"], zone, dpi=300)
        expected = ISBNS[name] + (" " + edition.addon if edition.addon else "")
        assert [squash(r) for r in read] == [squash(expected)], (name, read)
    assert _edition(book, "paperback").addon == "51695"


@pytest.mark.slow
def test_every_edition_lists_every_isbn(editions):
    _, built = editions
    lines = ["ISBN 978-1-4028-9462-6 (paperback)", "ISBN 978-0-306-40615-7 (hardcover)",
             "ISBN 978-3-16-148410-0 (large print)", "ISBN 979-10-90636-07-1 (ebook)"]
    for name in ("paperback", "hardcover", "large-print"):
        path = built.outputs[f"{name}:print"]
        poppler = "\n".join(_poppler_pages(path, last=6))
        pypdf = "\n".join(page.extract_text() for page in PdfReader(path).pages[:6])
        for line in lines:
            assert line in poppler and line in pypdf, (name, line)
        xmp = PdfReader(path).xmp_metadata
        assert f"urn:isbn:{ISBNS[name]}" in str(xmp.dc_identifier), name
    title_page = _poppler_pages(built.outputs["large-print:print"], last=4)
    assert any("Large Print" in page for page in title_page)
    with zipfile.ZipFile(built.outputs["ebook:epub"]) as z:
        opf = z.read(next(n for n in z.namelist() if n.endswith(".opf"))).decode()
        copyright_page = next(z.read(n).decode() for n in z.namelist() if "copyright" in n)
    assert "<dc:identifier id=\"id\">urn:isbn:9791090636071</dc:identifier>" in opf
    assert '<meta property="pageBreakSource">urn:isbn:9781402894626</meta>' in opf
    assert all(line in copyright_page for line in lines)


@pytest.mark.slow
def test_onix_validates_and_lists_every_piece_with_its_pages(editions):
    from onixcheck import validate
    book, built = editions
    path = built.outputs["onix"]
    assert validate(str(path)) == []
    products = etree.parse(str(path)).getroot().findall(f"{ONIX}Product")
    by_isbn = {p.findtext(f"{ONIX}ProductIdentifier/{ONIX}IDValue"): p for p in products}
    assert set(by_isbn) == set(ISBNS.values())
    titles = [s.title for s in book.all_stories]
    for name in ("paperback", "large-print"):
        items = by_isbn[ISBNS[name]].findall(f".//{ONIX}ContentItem")
        assert [i.findtext(f".//{ONIX}TitleText") for i in items] == titles
        reader = PdfReader(built.outputs[f"{name}:print"])
        labels = reader.page_labels
        pages = _poppler_pages(built.outputs[f"{name}:print"])
        extent = by_isbn[ISBNS[name]].findall(f".//{ONIX}Extent")
        assert str(len(pages)) in [e.findtext(f"{ONIX}ExtentValue") for e in extent]
        previous_last = 0
        for item, title in zip(items, titles):
            first = int(item.findtext(f".//{ONIX}FirstPageNumber"))
            last = int(item.findtext(f".//{ONIX}LastPageNumber"))
            assert previous_last <= first <= last, (name, title, first, last)
            assert squash(title) in squash(pages[labels.index(str(first))]), (name, title, first)
            previous_last = last
    ebook = by_isbn[ISBNS["ebook"]]
    assert ebook.find(f".//{ONIX}PageRun") is None
    main = [(s.findtext(f"{ONIX}SubjectSchemeIdentifier"), s.findtext(f"{ONIX}SubjectCode"))
            for s in ebook.findall(f".//{ONIX}Subject") if s.find(f"{ONIX}MainSubject") is not None]
    assert main == [("10", "FIC029000"), ("93", "FYB")]
    features = [f.findtext(f"{ONIX}ProductFormFeatureValue")
                for f in ebook.findall(f".//{ONIX}ProductFormFeature")
                if f.findtext(f"{ONIX}ProductFormFeatureType") == "09"]
    from anthology.onix import accessibility_codes
    with zipfile.ZipFile(built.outputs["ebook:epub"]) as z:
        declared, _ = accessibility_codes(z.read(next(n for n in z.namelist()
                                                      if n.endswith(".opf"))))
    assert set(declared) <= set(features) and {"11", "19", "85"} <= set(declared)


@pytest.mark.slow
@pytest.mark.skipif(not has_java(), reason="EPUBCheck needs Java")
def test_the_ebook_edition_passes_epubcheck(editions):
    """(Ace checks the accessibility the EPUB writer declares, and so the ONIX record
    claims, in test_epub.py: an edition's EPUB differs from the default book's only in its
    identifier and page source.)"""
    _, built = editions
    assert [m for m in epubcheck(built.outputs["ebook:epub"])
            if m["severity"] in ("ERROR", "FATAL")] == []


@pytest.mark.slow
def test_one_edition_is_built_alone_from_the_shared_cache(editions, tmp_path):
    book, built = editions
    manifest = Path(built.outputs["onix"]).parent.parent / "book.yaml"
    alone = build(manifest, tmp_path, ["print"], editions=["hardcover"])
    assert list(alone.outputs) == ["hardcover:print"]
    assert alone.outputs["hardcover:print"].read_bytes() == \
        built.outputs["hardcover:print"].read_bytes()
    assert main(["preflight", str(manifest), "--out", str(Path(built.outputs["onix"]).parent),
                 "--edition", "hardcover"]) == 0


def test_bad_and_duplicate_isbns_are_refused_with_their_lines(make_book, capsys):
    path = make_book("""\
        title: T
        stories:
          - author: A
            text: Hello.
        editions:
          - name: paperback
            format: paperback
            isbn: 978-1-4028-9462-7
          - name: hardcover
            format: hardcover
            isbn: 978-0-306-40615-7
          - name: ebook
            format: ebook
            isbn: 9780306406157
    """)
    assert main(["build", str(path)]) == 2
    err = capsys.readouterr().err
    assert "book.yaml:8: M063 editions[0].isbn: the check digit of '978-1-4028-9462-7' is " \
        "wrong: expected 6, got 7" in err
    assert "book.yaml:14: M064 editions[2].isbn: the ISBN 978-0-306-40615-7 is already " \
        "editions[1]'s" in err
    assert not (path.parent / "build").exists()


def test_edition_settings_are_checked(make_book, capsys):
    path = make_book("""\
        title: T
        stories:
          - author: A
            text: Hello.
        editions:
          - name: paperback
            format: paperback
            isbn: 0-306-40615-2
            price: {USD: 19.999, XYZ: 3}
            price_code: 5199
          - name: ebook
            format: ebook
            large_print: true
          - name: ebook
            format: pdf
    """)
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "book.yaml:8: M063 editions[0].isbn: expected an ISBN-13 (the trade's only form " \
        "since 2007), got the ISBN-10 '0-306-40615-2'; its ISBN-13 is 978-0-306-40615-7" in err
    assert "book.yaml:9: M065 editions[0].price.USD: expected a price like 19.95" in err
    assert "book.yaml:9: M065 editions[0].price.XYZ: expected an ISO 4217 currency" in err
    assert "book.yaml:10: M067 editions[0].price_code" in err
    path.write_text(path.read_text().replace("isbn: 0-306-40615-2", "isbn: 9780306406157")
                    .replace("price: {USD: 19.999, XYZ: 3}", "price: {USD: 19.95}")
                    .replace("price_code: 5199", "price_code: auto"))
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "book.yaml:13: M068 editions[1].large_print: 'large_print' is for a paperback or " \
        "hardcover edition, and this one is ebook" in err
    assert "book.yaml:14: M066 editions[2].name: the name ebook is already editions[1]'s" in err


def test_a_book_without_editions_keeps_its_files_and_a_proof_stands_in_for_a_pdf_edition(
        make_book):
    from anthology.build import targets
    path = make_book("title: T\nstories:\n  - author: A\n    text: Hello.\n")
    book = load_book(path)
    names = {kind: p.name for t in targets(book, Path("out"), None) for kind, p in t.paths.items()}
    assert names == {"print": "t-print.pdf", "cover": "t-cover.pdf", "cover-image": "t-cover.jpg",
                     "epub": "t.epub", "pdf": "t.pdf"}
    path.write_text(path.read_text() + "editions:\n  - {name: hard, format: hardcover}\n"
                    "  - {name: e, format: ebook}\n")
    book = load_book(path)
    assert {p.name for t in targets(book, Path("out"), ["pdf"]) for p in t.paths.values()} == \
        {"t-hard.pdf"}
    with pytest.raises(Exception, match="no edition named soft; the book's editions are hard, e"):
        targets(book, Path("out"), None, ["soft"])


def _poppler_pages(path: Path, last: int | None = None) -> list[str]:
    """The text of each page (to ``last``), as poppler's pdftotext reads it."""
    command = ["pdftotext", *(["-l", str(last)] if last else []), str(path), "-"]
    text = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


def _edition(book, name):
    return next(e for e in book.editions if e.name == name)


def test_subject_codes_are_checked(make_book, capsys):
    path = make_book("title: T\nsubjects: {bisac: [FIC029000, Fiction], thema: [FYB]}\n"
                     "stories:\n  - author: A\n    text: Hello.\n")
    assert main(["check", str(path)]) == 2
    assert "book.yaml:2: M070 subjects.bisac[1]: expected a code like FIC029000, got 'Fiction'" \
        in capsys.readouterr().err
