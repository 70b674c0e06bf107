"""Subsets of one face, made with their glyph ids kept, merge into one program."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fontTools import subset
from fontTools.ttLib import TTFont

from anthology.paged.cache import Cache
from anthology.paged.fontmerge import merge_programs, merged_program

FACES = [Path("/usr/share/fonts/opentype/ebgaramond/EBGaramond12-Regular.otf"),  # CFF
         Path("/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf")]           # TrueType


def subset_of(path: Path, text: str) -> bytes:
    """A subset as WeasyPrint makes one: the glyph ids of the whole font kept."""
    options = subset.Options()
    options.retain_gids = True
    options.notdef_outline = True
    font = subset.load_font(str(path), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    out = io.BytesIO()
    subset.save_font(font, out, options)
    return out.getvalue()


def drawn(program: bytes, text: str, path: Path) -> dict[str, bool]:
    """Whether each character's glyph (found by its id in the whole font at ``path``) has
    an outline and an advance in ``program``."""
    from fontTools.pens.boundsPen import BoundsPen
    whole = TTFont(str(path), lazy=True)
    font = TTFont(io.BytesIO(program))
    glyphs, order = font.getGlyphSet(), font.getGlyphOrder()
    out = {}
    for character in text:
        name = order[whole.getGlyphID(whole.getBestCmap()[ord(character)])]
        pen = BoundsPen(glyphs)
        glyphs[name].draw(pen)
        out[character] = pen.bounds is not None and font["hmtx"][name][0] > 0
    return out


@pytest.mark.parametrize("path", FACES, ids=lambda p: p.stem)
def test_subsets_merge_into_one_program_with_every_glyph(path):
    if not path.is_file():
        pytest.skip(f"{path} is not installed (scripts/setup-system.sh installs it)")
    first, second = subset_of(path, "Hamlet"), subset_of(path, "Ophelia, 1602")
    merged = merge_programs([first, second])
    assert all(drawn(merged, "HamletOphelia,1602", path).values())
    assert drawn(first, "Hp", path) == {"H": True, "p": False}  # it sees a missing glyph


def test_a_merge_is_found_again_in_the_cache_whatever_the_order(tmp_path):
    path = FACES[1]
    if not path.is_file():
        pytest.skip(f"{path} is not installed")
    programs = [subset_of(path, "abc"), subset_of(path, "xyz")]
    cache = Cache(tmp_path)
    merged = merged_program(programs, cache)
    assert merged_program(programs[::-1], cache) == merged
    assert len(list(tmp_path.glob("*/*"))) == 1
    assert merged_program(programs[:1], cache) == programs[0]  # one subset: itself


def test_subsets_that_cannot_be_merged_are_kept_quietly(capsys, caplog):
    """A CID-keyed face (CJK) is not merged: each piece keeps its subset, and the library
    prints nothing about it (the command line shows it with --debug)."""
    import logging

    import pikepdf

    from anthology.paged.fontmerge import merge_fonts
    pdf = pikepdf.new()
    programs = []
    for n in range(2):
        pdf.add_blank_page()
        program = pikepdf.Stream(pdf, b"not a font program %d" % n)
        programs.append(program)
        descriptor = pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.FontDescriptor, FontName=pikepdf.Name("/ABCDEF+Noto-Serif-CJK"),
            FontFile3=program))
        font = pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type0,
            DescendantFonts=[pikepdf.Dictionary(FontDescriptor=descriptor)]))
        pdf.pages[n].obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    with caplog.at_level(logging.DEBUG, logger="anthology"):
        merge_fonts(pdf, Cache.nowhere())
    assert capsys.readouterr().err == ""
    assert "kept the subsets of /ABCDEF+Noto-Serif-CJK apart" in caplog.text
    assert {record.levelno for record in caplog.records} == {logging.DEBUG}
    assert [bytes(page.Resources.Font.F1.DescendantFonts[0].FontDescriptor.FontFile3
                  .read_bytes()) for page in pdf.pages] == [b"not a font program 0",
                                                            b"not a font program 1"]
