"""The print interior and the cover, read back from the files a printer would receive."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from anthology.people import People
from pypdf import PdfReader

import books
from anthology.build import build
from anthology.cli import main
from conftest import markdown_words, pdf_pages, squash


def _inches(box) -> tuple[float, float]:
    return round((float(box[2]) - float(box[0])) / 72, 3), round((float(box[3]) - float(box[1])) / 72, 3)


def _book(count: int, print_block: str = "", long_every: int = 0) -> str:
    stories = []
    for n in range(1, count + 1):
        words = " ".join(f"word{n}x{i}" for i in range(40 if not long_every or n % long_every else 900))
        stories.append(f"  - author: Author {n:04d}\n    handle: '@a{n}'\n    text: Story {n} {words}\n")
    return f"title: Book of {count}\ndate: 2024-01-01\n{print_block}stories:\n" + "".join(stories)


@pytest.fixture(scope="module")
def default_print(tmp_path_factory):
    out = tmp_path_factory.mktemp("print")
    return build(Path(__file__).parents[1] / "book" / "book.yaml", out,
                 ["print", "cover"])


@pytest.mark.slow
def test_default_interior_boxes_labels_fonts_and_pdfx(default_print):
    reader = PdfReader(default_print.outputs["print"])
    for page in reader.pages:
        assert _inches(page.trimbox) == (5.5, 8.5)
        assert _inches(page.mediabox) == (5.5, 8.5)  # no interior bleed asked for
    labels = reader.page_labels
    first = labels.index("1")
    assert labels[:first] == ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii"][:first]
    assert labels[first:] == [str(n) for n in range(1, len(labels) - first + 1)]
    intents = reader.trailer["/Root"]["/OutputIntents"]
    assert intents[0].get_object()["/S"] == "/GTS_PDFX"
    assert b"PDF/X-4" in reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert len(reader.pages) % 2 == 0 and len(reader.pages) >= 24
    assert not any("/Annots" in page for page in reader.pages)  # PDF/X: no links on the page
    assert all(c.ok for c in default_print.preflight), default_print.preflight
    faces = {c.detail for c in default_print.preflight if c.name == "fonts embedded"}
    assert "EB-Garamond" in next(iter(faces))


@pytest.mark.slow
def test_printed_labels_and_index_match_where_stories_are(default_print, default_book):
    pages = pdf_pages(default_print.outputs["print"])
    labels = PdfReader(default_print.outputs["print"]).page_labels
    people = People(default_book)  # the index lists each under their sort name
    where = {people.credits(s).author[0].sort_as: labels[
        next(i for i, p in enumerate(pages) if markdown_words(s.text) in squash(p))]
        for s in default_book.all_stories}
    index = next(p for p in pages if p.lstrip().startswith("Contributors"))
    for author, label in where.items():
        line = next(line for line in index.splitlines() if line.startswith(author))
        assert line.rstrip().endswith(label), (line, label)
    # recto_starts: every story opens on a right-hand page (odd arabic number)
    assert all(int(label) % 2 == 1 for label in where.values())
    # running heads and folios: none on blank pages
    blank = [i for i, p in enumerate(pages) if not p.strip()]
    assert blank, "a recto-start book has blank versos"


@pytest.mark.slow
def test_default_cover_width_and_image(default_print):
    reader = PdfReader(default_print.outputs["cover"])
    interior_pages = len(PdfReader(default_print.outputs["print"]).pages)
    width, height = _inches(reader.pages[0].mediabox)
    assert width == pytest.approx(2 * 0.125 + 2 * 5.5 + interior_pages * 0.0025, abs=0.002)
    assert height == pytest.approx(8.5 + 0.25, abs=0.002)
    assert "/BleedBox" in reader.pages[0] and "/TrimBox" in reader.pages[0]
    from PIL import Image
    with Image.open(default_print.outputs["cover-image"]) as image:
        assert image.format == "JPEG" and image.width >= 1600 and image.height >= 2560


@pytest.mark.slow
def test_gutter_and_spine_grow_with_page_count(make_book, tmp_path):
    small = build(make_book(_book(10, "print: {paper: white}\n")), tmp_path / "small",
                  ["print", "cover"])
    big_manifest = tmp_path / "big" / "book.yaml"
    big_manifest.parent.mkdir()
    big_manifest.write_text(_book(360, "print: {paper: white}\n", long_every=60))
    big = build(big_manifest, tmp_path / "big-out", ["print", "cover"])
    results = {}
    for name, built in (("small", small), ("big", big)):
        reader = PdfReader(built.outputs["print"])
        count = len(reader.pages)
        gutter = next(c for c in built.preflight if c.name == "gutter")
        spine = next(c for c in built.preflight if c.name == "spine text")
        cover_width = _inches(PdfReader(built.outputs["cover"]).pages[0].mediabox)[0]
        results[name] = (count, gutter, spine, cover_width)
        assert cover_width == pytest.approx(0.25 + 11 + count * 0.002252, abs=0.002)
    small_count, small_gutter, small_spine, _ = results["small"]
    big_count, big_gutter, big_spine, _ = results["big"]
    assert small_count < 150 and 301 <= big_count <= 500, (small_count, big_count)
    assert "needs 0.375in" in small_gutter.detail and small_gutter.ok
    assert "needs 0.625in" in big_gutter.detail and big_gutter.ok
    assert small_spine.ok and "no spine text" in small_spine.detail
    assert big_spine.ok and "words on the spine" in big_spine.detail
    # the inside margin really is wider in the bigger book: measured on page 1 (a recto)
    def inside(check):
        return float(re.search(r"inside margin ([\d.]+)in", check.detail)[1])
    # (measured to the ink: an italic's overhang may reach a point into the margin)
    assert inside(big_gutter) == pytest.approx(0.625 + 0.25, abs=0.02)
    assert inside(small_gutter) == pytest.approx(0.375 + 0.25, abs=0.02)
    # the index's page numbers are where the stories are, also in a long book
    pages = pdf_pages(big.outputs["print"])
    labels = PdfReader(big.outputs["print"]).page_labels
    start = next(i for i, p in enumerate(pages) if p.lstrip().startswith("Contributors"))
    end = next(i for i, p in enumerate(pages) if p.lstrip().startswith("Sources and Perm"))
    index = "\n".join(pages[start:end])
    for n in (1, 60, 359):
        page = next(i for i, p in enumerate(pages)  # (justified: pypdf reads wide spaces)
                    if f"Story {n} word{n}x0" in " ".join(p.split()))
        line = next(line for line in index.splitlines() if line.startswith(f"{n:04d}, Author"))  # sort name
        assert line.rstrip().endswith(labels[page])


@pytest.mark.slow
def test_bleed_ingram_and_pdfx1a(make_book, tmp_path):
    built = build(make_book(_book(30, "print:\n  trim: 6x9\n  bleed: 0.125in\n  profile: ingram\n"
                                      "  pdf_x: x-1a\n")), tmp_path / "out", ["print"])
    reader = PdfReader(built.outputs["print"])
    page = reader.pages[0]
    assert _inches(page.trimbox) == (6.0, 9.0)
    assert _inches(page.mediabox) == (6.25, 9.25)
    assert _inches(page.bleedbox) == (6.25, 9.25)
    assert b"PDF/X-1" in reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    report = {c.name: c for c in built.preflight}
    assert report["margins"].ok and "needs 0.5in" in report["margins"].detail
    assert all(c.ok for c in built.preflight), built.preflight


@pytest.mark.slow
def test_emoji_come_from_the_emoji_font_and_digits_never_do(make_book, tmp_path):
    digits = build(make_book("title: D\nstories:\n  - author: A\n    text: 'Dead for 20 min, a 450g baby, #1 *2*'\n"),
                   tmp_path / "d", ["pdf"])
    emoji = build(make_book("title: E\nstories:\n  - author: A\n    text: 'Dead for 20 min 😢 450g'\n"),
                  tmp_path / "e", ["pdf"])

    def faces(path):
        return {str(f.get_object()["/BaseFont"]).split("+")[-1]
                for page in PdfReader(path).pages
                for f in page["/Resources"]["/Font"].values()}
    assert not any("Emoji" in f for f in faces(digits.outputs["pdf"]))
    assert any("Emoji" in f for f in faces(emoji.outputs["pdf"]))


def test_trim_and_paper_errors_name_the_field(make_book, tmp_path, capsys):
    path = make_book("title: T\nprint:\n  trim: 7 by 9\n  paper: blue\n  bleed: 3\n"
                     "stories:\n  - author: A\n    text: x\n")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "book.yaml:3: M027 print.trim: expected a trim like '5.5in x 8.5in' or one of 5x8" in err
    assert "book.yaml:4: M022 print.paper: expected 'white' or 'cream', got 'blue'" in err
    assert "book.yaml:5: M021 print.bleed: expected at most 0.5, got 3" in err


@pytest.mark.slow
def test_preflight_command_fails_on_a_too_short_book(make_book, tmp_path, capsys):
    path = make_book(_book(2))
    out = tmp_path / "out"
    assert main(["build", str(path), "--out", str(out), "--format", "print,cover", "-q"]) == 3
    capsys.readouterr()
    assert main(["preflight", str(path), "--out", str(out)]) == 3
    printed = capsys.readouterr().out
    assert "FAIL  P001  page count" in printed and "(kdp: 24-828)" in printed
    assert "PASS  P007  fonts embedded" in printed


@pytest.mark.slow
def test_missing_face_warns_once_naming_the_package(make_book, tmp_path):
    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?><fontconfig><dir>/usr/share/fonts/truetype/dejavu</dir>'
                    f'<cachedir>{tmp_path}/fc-cache</cachedir></fontconfig>')
    path = make_book("title: T\nstories:\n  - author: A\n    text: x\n  - author: B\n    text: y\n")
    result = subprocess.run([sys.executable, "-m", "anthology.cli", "build", str(path),
                             "--out", str(tmp_path / "out"), "--format", "pdf"],
                            capture_output=True, text=True, env={**os.environ, "FONTCONFIG_FILE": str(conf)})
    assert result.returncode == 0, result.stderr
    line = "font 'EB Garamond' is not installed; its text is set in the next installed " \
           "face of its font-family list, else DejaVu Serif (install the Debian package " \
           "fonts-ebgaramond)"
    assert result.stderr.count(line) == 1, result.stderr
    names = " ".join(books.font_names((tmp_path / "out" / "t.pdf").read_bytes()))
    assert "DejaVu-Serif" in names and "Math" not in names, names
