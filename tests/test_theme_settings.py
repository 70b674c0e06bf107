"""The manifest's theme: block, validated, and read back from the PDFs, the cover and the
EPUB it drives; the book conventions the theme sets (ornaments, indents, part pages without
folios, symmetric screen margins, a publisher's copyright page)."""

from __future__ import annotations

import subprocess
import zipfile

import pytest

from anthology.cli import main
from anthology.model import ThemeSettings
from anthology.styling import css_string, properties, resolved, settings_css
from anthology.theme import BUILTIN, Theme
from conftest import epubcheck, has_java, lines, pdf_pages, words

THEMED = """\
title: The Lamplighter's Almanac
editors: [Mara Quell]
publisher: Quire Press
rights: "© 2026 the contributors"
edition: First edition, November 2026
identifier: urn:isbn:9780306406157
colophon: Set in Gentium Plus.
description: 'Twelve "small" tales of lamps and the sea; it''s a book to keep.'
keywords: [Horror tales, American]
theme:
  body_font: Gentium Plus
  heading_font: Linux Libertine O
  font_size: 10.5pt
  leading: 1.4
  ornament: "* * *"
  heading_case: upper
parts:
  - title: The Harbour
    stories:
      - title: The Keeper of the Light
        author: Ines Albescu
        text: |
          > I have kept this light for forty years.

          {long}

          {long}

          * * *

          {long}

          {long}

          {long}

          {long}
"""
LONG = ("The keeper rose before the gulls and lit the stove, and he stood at the window while "
        "the water came to the boil, watching the grey line of the horizon sharpen. ") * 4


@pytest.mark.parametrize("yaml, expected", [
    ("  body_font: 'Gentium; } html { x'", "book.yaml:3: M060 theme.body_font: expected a "
     "font family's name"),
    ("  body_font: 'EB Garamond,EB Garamond 12'", "fc-list shows a family's other names after "
     "a comma"),
    ("  font_size: 40pt", "book.yaml:3: M061 theme.font_size: expected a type size from 8pt "
     "to 24pt"),
    ("  ornament: \"a very long ornament\"", "book.yaml:3: M062 theme.ornament: expected a "
     "short ornament"),
    ("  paragraphs: indented", "book.yaml:3: M022 theme.paragraphs: expected 'indent' or "
     "'block'"),
    ("  leading: 4", "book.yaml:3: M021 theme.leading: expected at most 2.5"),
    ("  hyphenation: false", "book.yaml:3: M016 theme: unknown key 'hyphenation' (did you "
     "mean 'hyphenate'?)"),
])
def test_a_bad_setting_is_one_line_with_file_line_and_field(make_book, capsys, yaml, expected):
    manifest = make_book(f"title: T\ntheme:\n{yaml}\nstories:\n  - author: A\n    text: x\n")
    assert main(["check", str(manifest)]) == 2
    assert expected in capsys.readouterr().err


def test_settings_become_custom_properties_and_font_stacks():
    chosen = ThemeSettings(body_font="Gentium Plus", heading_font="Linux Libertine O",
                           paragraphs="block", heading_case="as-written",
                           small_caps_openings=False, justify=False, hyphenate=False,
                           ornament='"};')
    values = properties(chosen)
    assert (values["--paragraph-indent"], values["--paragraph-space"]) == ("0", "0.55em")
    assert values["--heading-variant"] == values["--opening-variant"] == "normal"
    assert (values["--text-align"], values["--hyphens"]) == ("start", "manual")
    assert values["--ornament"] == css_string('"};') == '"\\22 \\7d \\3b "'  # stays a string
    css = settings_css(chosen)
    assert 'html { font-family: "Gentium Plus", "Noto Serif"' in css
    assert 'h1, h2' in css
    assert '{ font-family: "Linux Libertine O", "Gentium Plus", "Noto Serif"' in css
    assert "Anthology Emoji" not in css and "Anthology Emoji" in settings_css(chosen, emoji=True)
    assert properties(ThemeSettings())["--paragraph-indent"] == "1.2em"  # books' default


def test_the_epub_stylesheet_has_its_properties_resolved_and_a_books_own_wins():
    css = ":root { --a: 1em; --b: x }\n:root { --a: 2em }\np { margin: var(--a); x: var(--c, 3) }"
    assert resolved(css).endswith("p { margin: 2em; x: 3 }")


def test_a_books_own_stylesheet_comes_after_the_settings(tmp_path):
    (tmp_path / "styles").mkdir()
    (tmp_path / "styles" / "book.css").write_text(":root { --ornament: '~'; }\n")
    css = Theme(tmp_path, ThemeSettings(ornament="+")).stylesheet("book.css")
    assert css.index('--ornament: "+"') < css.index("--ornament: '~'")


def test_theme_export_copies_the_builtin_theme_and_never_overwrites(tmp_path, capsys):
    target = tmp_path / "styles"
    assert main(["theme", "export", str(target)]) == 0
    assert str(BUILTIN) in capsys.readouterr().out
    assert {p.name for p in target.iterdir()} == {p.name for p in BUILTIN.iterdir()}
    assert (target / "book.css").read_text() == (BUILTIN / "book.css").read_text()
    (target / "book.css").write_text("/* mine */")
    (target / "story.html").unlink()
    assert main(["theme", "export", str(target)]) == 0
    assert "copied 1 files" in capsys.readouterr().out  # the missing one, back
    assert (target / "book.css").read_text() == "/* mine */"
    assert (target / "story.html").is_file()
    assert main(["theme", "path"]) == 0 and capsys.readouterr().out.strip() == str(BUILTIN)


@pytest.fixture(scope="module")
def themed(tmp_path_factory):
    from anthology.build import build
    folder = tmp_path_factory.mktemp("themed")
    (folder / "book.yaml").write_text(THEMED.replace("{long}", LONG), encoding="utf-8")
    return build(folder / "book.yaml", folder / "out").outputs


def _fonts(pdf) -> str:
    return subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                          check=True).stdout


def _page_of(pages: list[str], text: str) -> int:
    return next(i for i, page in enumerate(pages) if text in page)


@pytest.mark.slow
def test_one_setting_drives_the_pdfs_the_cover_and_the_epub(themed):
    for fmt in ("pdf", "print", "cover"):
        assert "Gentium-Plus" in _fonts(themed[fmt]) and "Linux-Libertine-O" in _fonts(
            themed[fmt]), fmt
    assert "EB-Garamond" not in _fonts(themed["print"])
    pages = pdf_pages(themed["print"])
    assert "THE KEEPER OF THE LIGHT" in pages[_page_of(pages, "KEEPER")]  # heading_case: upper
    with zipfile.ZipFile(themed["epub"]) as z:
        css = z.read("EPUB/book.css").decode()
        embedded = {n for n in z.namelist() if n.startswith("EPUB/fonts/")}
    assert "var(" not in css and "content: \"* * *\"" in css and "text-transform: uppercase" in css
    assert {"EPUB/fonts/GentiumPlus-normal-normal.woff2",
            "EPUB/fonts/LinuxLibertineO-normal-normal.woff2"} <= embedded
    if has_java():
        assert epubcheck(themed["epub"]) == []


@pytest.mark.slow
def test_paragraphs_are_indented_after_the_first_and_the_ornament_is_centred(themed):
    pages = words(themed["pdf"])
    page = next(p for p in pages if any(w.text == "*" for w in p))
    found = lines(page)
    body = [line for line in found if len(line) > 8]
    left = min(line[0].x0 for line in body)
    starts = sorted({round(line[0].x0 - left, 1) for line in body})
    assert starts == [0.0, pytest.approx(12.6, abs=0.3)]  # 1.2em of 10.5pt, and flush
    ornament = next(line for line in found if "".join(w.text for w in line) == "***")
    right = max(line[-1].x1 for line in body)
    middle = (ornament[0].x0 + ornament[-1].x1) / 2
    assert middle == pytest.approx((left + right) / 2, abs=1)
    after = found[found.index(ornament) + 1]
    assert after[0].x0 == pytest.approx(left, abs=0.3)  # no indent after an ornament


@pytest.mark.slow
def test_part_pages_have_no_folio_and_the_screen_pdf_symmetric_margins(themed):
    for fmt in ("pdf", "print"):
        pages = pdf_pages(themed[fmt])
        part = next(page for page in pages if page.strip().startswith("THE HARBOUR"))
        assert not any(c.isdigit() for c in part), (fmt, part)
        following = pages[pages.index(part) + 1]
        assert following.strip() == "", following  # its verso is blank: the piece opens a recto
    for fmt, symmetric in (("pdf", True), ("print", False)):
        by_page = words(themed[fmt])
        body = [i for i, page in enumerate(by_page) if sum(len(w.text) for w in page) > 900]
        lefts = {i % 2: min(w.x0 for w in by_page[i]) for i in body}
        assert len(lefts) == 2, body
        assert (abs(lefts[0] - lefts[1]) < 0.5) == symmetric, (fmt, lefts)


@pytest.mark.slow
def test_metadata_is_not_printed_as_decoration(themed):
    text = "\n".join(pdf_pages(themed["print"]))
    copyright_page = next(p for p in pdf_pages(themed["print"]) if "ISBN" in p)
    for line in ("© 2026 the contributors", "First edition, November 2026",
                 "Published by Quire Press", "ISBN 9780306406157", "Set in Gentium Plus."):
        assert line in copyright_page
    assert "#" not in text and "urn:" not in text and "Made with anthology" not in text
    cover = "\n".join(pdf_pages(themed["cover"]))
    assert "“small”" in cover and "it’s" in cover and "#" not in cover
    assert "Horror" not in cover + text
    with zipfile.ZipFile(themed["epub"]) as z:
        opf = z.read("EPUB/content.opf").decode()
    assert "<dc:subject>Horror tales</dc:subject>" in opf  # metadata only


def test_a_font_that_is_not_installed_is_a_warning_at_its_line(make_book, capsys):
    manifest = make_book("title: T\ntheme:\n  body_font: EB Garamond\n"
                         "  heading_font: Imaginary Sans\nstories:\n  - author: A\n"
                         "    text: x\n")
    assert main(["check", "--strict", str(manifest)]) == 2
    err = capsys.readouterr().err
    assert "book.yaml:4: W006 theme.heading_font: font 'Imaginary Sans' is not installed " \
           "here, so its text would be set in EB Garamond" in err
    assert "body_font" not in err


def test_a_books_imports_stay_first_for_css_to_read_them(tmp_path):
    (tmp_path / "styles").mkdir()
    (tmp_path / "styles" / "book.css").write_text(
        '/* mine */\n@import url("extra;1.css");\np { color: red }\n')
    css = Theme(tmp_path).stylesheet("book.css")
    assert css.startswith('/* mine */\n@import url("extra;1.css");\n')
    assert css.index(":root") < css.index("p { color: red }")


def test_only_a_real_isbn_is_printed_and_an_ornament_must_show(make_book, capsys):
    from anthology.model import load_book
    for identifier, printed in (("urn:isbn:978-0-306-40615-7", "978-0-306-40615-7"),
                                ("080442957X", "080442957X"), ("urn:isbn:9780306406158", None),
                                ("12345678901", None), ("urn:uuid:1b4e28ba", None)):
        book = load_book(make_book(f"title: T\nidentifier: '{identifier}'\nstories:\n"
                                   "  - author: A\n    text: x\n"))
        assert book.isbn == printed, identifier
    manifest = make_book("title: T\ntheme:\n  ornament: '   '\nstories:\n  - author: A\n"
                         "    text: x\n")
    assert main(["check", str(manifest)]) == 2
    assert "M062 theme.ornament" in capsys.readouterr().err


def test_the_heading_face_is_set_only_when_chosen():
    assert "h1, h2" not in settings_css(ThemeSettings(body_font="Gentium Plus"))
    assert "h1, h2" not in settings_css(ThemeSettings(heading_font="EB Garamond"))
