"""The glyph-coverage check (glyphs.py) and the faces pinned for it (fonts.py), on small PDFs
made here: a glyph deliberately emptied in the embedded program must be found, by font, page
and character, in a CFF (EB Garamond) and a TrueType (Noto Serif) font."""

from __future__ import annotations

import io

import pikepdf
import pytest
from fontTools.ttLib import TTFont

from anthology import fonts
from anthology.glyphs import missing_glyphs


def _pdf(family: str, text: str = "Hello, world") -> bytes:
    from weasyprint import HTML
    return HTML(string=f'<html><body style="font-family: \'{family}\'; font-size: 20pt">'
                       f'<p>{text}</p><p style="font-style: italic">{text}</p>'
                       f'<p style="break-before: page">{text}</p></body></html>').write_pdf()


def _empty_glyph(data: bytes, character: str) -> bytes:
    """``data`` with the glyph for ``character`` emptied in its regular font's program."""
    pdf = pikepdf.open(io.BytesIO(data))
    font = next(f for f in pdf.pages[0].Resources.Font.values() if "Italic" not in
                str(f.BaseFont))
    code = _code_of(font, character)
    descriptor = font.DescendantFonts[0].FontDescriptor
    kind = "/FontFile3" if "/FontFile3" in descriptor else "/FontFile2"
    program = TTFont(io.BytesIO(descriptor[kind].read_bytes()))
    name = program.getGlyphOrder()[code]
    if "glyf" in program:
        from fontTools.ttLib.tables._g_l_y_f import Glyph
        program["glyf"][name] = Glyph()
    else:
        from fontTools.misc.psCharStrings import T2CharString
        charstrings = program["CFF "].cff.topDictIndex[0].CharStrings
        charstrings[name] = T2CharString(program=["endchar"],
                                         private=charstrings[name].private)
    out = io.BytesIO()
    program.save(out)
    descriptor[kind].write(out.getvalue())
    if kind == "/FontFile2":
        descriptor[kind].Length1 = len(out.getvalue())
    result = io.BytesIO()
    pdf.save(result)
    return result.getvalue()


def _code_of(font, character: str) -> int:
    cmap = font.ToUnicode.read_bytes().decode("latin-1")
    wanted = character.encode("utf-16-be").hex()
    for line in cmap.splitlines():
        parts = line.strip("<>").split("> <")
        if len(parts) == 2 and parts[1].lower() == wanted:
            return int(parts[0], 16)
    raise AssertionError(f"{character!r} is not in the ToUnicode map")


@pytest.mark.parametrize("family", ["EB Garamond", "Noto Serif"])
def test_an_emptied_glyph_is_found_by_font_page_and_character(family):
    intact = _pdf(family)
    assert missing_glyphs(intact) == []
    broken = missing_glyphs(_empty_glyph(intact, "H"))
    assert [(m.page, m.text) for m in broken] == [(1, "H")]
    assert family.split()[0] in broken[0].font and "Italic" not in broken[0].font
    assert "U+0048 LATIN CAPITAL LETTER H" in str(broken[0])


def test_pages_drawn_alike_are_read_once_and_a_changed_font_is_read_again(tmp_path,
                                                                          monkeypatch):
    from anthology import glyphs
    from anthology.paged.cache import Cache
    cache, reads = Cache(tmp_path), []
    original = glyphs._Reader.page
    monkeypatch.setattr(glyphs._Reader, "page",
                        lambda self, page: reads.append(1) or original(self, page))
    intact = _pdf("Noto Serif")
    glyphs._checked.clear()  # the same file, checked by another test
    assert missing_glyphs(intact, cache=cache, remember="book") == [] and len(reads) == 2
    glyphs._checked.clear()
    assert missing_glyphs(intact, cache=cache, remember="book") == [] and len(reads) == 2
    broken = missing_glyphs(_empty_glyph(intact, "H"), cache=cache, remember="book")
    assert [(m.page, m.text) for m in broken] == [(1, "H")]  # its font program changed
    assert len(reads) == 4


def test_the_build_stops_before_writing_a_glyph_that_would_print_blank(tmp_path):
    from anthology.errors import MissingGlyphs
    from anthology.preflight import require_glyphs
    intact = _pdf("Noto Serif")
    require_glyphs(tmp_path / "book.pdf", intact)  # nothing missing: nothing raised
    with pytest.raises(MissingGlyphs) as stopped:
        require_glyphs(tmp_path / "book.pdf", _empty_glyph(intact, "w"))
    assert stopped.value.exit_code == 3
    assert str(stopped.value).startswith("P008 book.pdf would print blanks where these "
                                         "characters are:\n  page 1")
    assert "U+0077 LATIN SMALL LETTER W" in str(stopped.value)


def test_spaces_may_be_empty_but_a_letter_may_not():
    assert missing_glyphs(_pdf("Noto Serif", "a\u00a0b\u2009c d")) == []


def test_a_face_is_pinned_to_the_characters_it_draws():
    """EB Garamond's italic is pinned to the file that draws Greek (the 08 italic claims
    Greek with empty glyphs), and nothing that file leaves empty is in its range."""
    faces = {(f.style, f.weight): f for f in fonts.family_faces("EB Garamond")}
    italic = faces[("italic", "normal")]
    assert 0x3B1 in fonts.drawn(italic.path)
    assert all(fonts.drawn(f.path) >= {ord(c) for c in "Aa1"} for f in faces.values())
    pinned = fonts.pin('p { font-family: "No Such Face", "EB Garamond", serif; }')
    assert pinned.missing == ["No Such Face"]  # skipped, as CSS would
    assert 'font-family: "EB Garamond anthology", serif' in pinned.css
    assert "unicode-range: U+" in pinned.css
    alone = fonts.pin('p { font-family: "No Such Face", serif; }')  # nothing installed left
    assert 'font-family: "Noto Serif anthology", serif' in alone.css


def test_pinning_leaves_comments_custom_properties_and_var_alone():
    css = ('/* headings: font-family: see below */\nh1 { color: red }\n'
           ':root { --font-family: x; } p { font-family: var(--body); }')
    pinned = fonts.pin(css)
    assert pinned.css.startswith(css) and pinned.missing == []


@pytest.mark.slow
def test_a_missing_face_falls_back_to_the_text_face_with_one_warning(make_book, tmp_path,
                                                                      monkeypatch):
    import books
    from anthology.build import build
    monkeypatch.setitem(fonts.PACKAGES, "Missing Face Pro", "fonts-missing-face")
    path = make_book("title: T\ntheme:\n  body_font: Missing Face Pro\nstories:\n"
                     "  - author: Ana Ortiz\n    text: Zażółć *gęślą* 1984.\n")
    built = build(path, tmp_path / "out", ["pdf"])
    assert [w for w in built.warnings if "Missing Face Pro" in w] == [
        "font 'Missing Face Pro' is not installed; its text is set in the next installed face "
        "of its font-family list, else Noto Serif (install the Debian package "
        "fonts-missing-face)"]
    data = built.outputs["pdf"].read_bytes()
    names = " ".join(books.font_names(data))
    assert "Noto-Serif-anthology" in names and "Math" not in names and "DejaVu" not in names
    assert missing_glyphs(data) == []
