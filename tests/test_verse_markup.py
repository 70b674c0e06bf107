"""Verse (text.to_html kind="verse"): every line is text, with inline Markdown only."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from anthology.text import markdown_images, nesting_problem, shows_nothing, to_html

STYLES = Path(__file__).parent.parent / "styles"


def verse(text, **kw):
    return to_html(text, kind="verse", **kw)


def lines(out):
    return re.findall(r'<span class="(line[^"]*)">(.*?)</span>(?=<br />|</p>)', out)


def test_markdown_looking_lines_stay_text():
    out = verse("# the lamp is lit\n1. one crow\n- a dash of rain\n* a star\n> a fence\n"
                "    four spaces in\n* * *\n---")
    assert "<h1" not in out and "<ol" not in out and "<ul" not in out
    assert "<blockquote" not in out and "<pre" not in out and "<hr" not in out
    texts = [text for _, text in lines(out)]
    assert texts[:6] == ["# the lamp is lit", "1. one crow", "- a dash of rain", "* a star",
                         "&gt; a fence", "four spaces in"]
    assert texts[6] == "* * *" and len(texts) == 8


def test_indent_levels():
    out = verse("none\n  one\n\tone tab\n   three round up\n    two\n" + " " * 40 + "capped")
    assert [cls for cls, _ in lines(out)] == ["line", "line i1", "line i1", "line i2",
                                              "line i2", "line i12"]


def test_inline_markdown_and_typography():
    out = verse('the *slow* **bell** "rings"\nan \\*escaped\\* star')
    assert "<em>slow</em>" in out and "<strong>bell</strong>" in out and "“rings”" in out
    assert "an *escaped* star" in out


def test_escaping_and_filtered_links():
    out = verse("<script>alert(1)</script>\n[x](javascript:alert(1)) [y](https://example.org)"
                "\n![a](../up.png) ![b](pics/b.png)", image_prefix="img/")
    assert "<script" not in out and "&lt;script&gt;" in out
    assert "javascript" in out and 'href="javascript' not in out
    assert '<a href="https://example.org">y</a>' in out
    assert '<img src="img/pics/b.png" alt="b" />' in out and "../up.png" not in out


def test_stanzas_ids_and_structure():
    out = verse("first stanza line\nsecond line\n\n\n third stanza\n", id_prefix="story-2-p")
    assert out.startswith('<div class="verse">\n') and out.endswith("</div>\n")
    assert ('<p class="stanza" id="story-2-p-1"><span class="line">first stanza line</span>'
            '<br /><span class="line">second line</span></p>') in out
    assert '<p class="stanza" id="story-2-p-2"><span class="line i1">third stanza</span></p>' \
        in out
    assert "story-2-p-3" not in out


def test_alignment_and_dropped_line():
    out = verse("->in the middle<-\n->to the right\n\\->an arrow\nthe tide goes out\n~ and stays")
    got = lines(out)
    assert got[0] == ("line center", "in the middle")
    assert got[1] == ("line right", "to the right")
    assert got[2] == ("line", "-&gt;an arrow")
    assert ('<span class="line"><span class="drop-space" aria-hidden="true">the tide goes out '
            '</span>and stays</span>') in out


def test_rtl_stanza_gets_dir():
    out = verse("ضوء في النافذة\nوالليل طويل\n\nlight in the window")
    assert '<p class="stanza" dir="rtl">' in out
    assert out.count("dir=") == 1
    assert 'dir=' not in verse("ضوء في النافذة", language="ar")


def test_footnotes_in_verse():
    out = verse("a gate[^g] that sticks\nand rain\n\n[^g]: Painted green, once.",
                id_prefix="s-p", note_prefix="s")
    assert '<a class="noteref" id="s-ref-1" href="#s-note-1"' in out
    assert "Painted green" in out.split('<div class="notes">')[1]
    assert "[^g]" not in out and len(lines(out)) == 2


def test_checks_take_the_kind():
    deep = "\n".join("> " * n + "x" for n in range(1, 12))
    assert nesting_problem(deep) and nesting_problem(deep, kind="verse") is None
    assert shows_nothing("[a]: https://example.org") \
        and not shows_nothing("[a]: https://example.org", kind="verse")
    assert markdown_images("one\n\n  two ![moon](moon.png)", kind="verse") == \
        [("moon.png", "moon", 3)]


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_levels_and_turnover_in_print(tmp_path):
    """The print CSS: levels 0, 1, 2 start further and further right; a turnover starts
    right of its line's start."""
    from weasyprint import CSS, HTML
    long = "windward " + "ran across the barley " * 6 + "and stopped"
    body = to_html(f"alpha line\n  bravo line\n    charlie line\n{long}", kind="verse")
    pdf = tmp_path / "verse.pdf"
    HTML(string=f"<html><body><div class='story-text'>{body}</div></body></html>").write_pdf(
        pdf, stylesheets=[CSS(filename=str(STYLES / "book.css")),
                          CSS(string="@page { size: 5in 7in; margin: 0.5in }")])
    words = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                           text=True, check=True).stdout
    boxes = [(m[2], float(m[0]), float(m[1])) for m in
             re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]+)</word>', words)]
    x = {word: left for word, left, _ in boxes}
    assert x["alpha"] < x["bravo"] < x["charlie"]
    start = next(i for i, (word, _, _) in enumerate(boxes) if word == "windward")
    after = [(left, top) for _, left, top in boxes[start:] if top > boxes[start][2] + 5]
    assert after, "the long line did not turn over"
    assert after[0][0] > x["windward"] + 10  # the turnover hangs right of the line's start


def test_one_line_fields_get_typography_and_stay_safe():
    from anthology.text import inline_html
    out = inline_html("<script>x</script> *Dear* 'Tom' ![a](pic.png) [x](javascript:y)")
    assert "<script" not in out and "&lt;script&gt;" in out
    assert "<em>Dear</em>" in out and "‘Tom’" in out
    assert "<img" not in out and 'href="javascript' not in out


def test_a_poems_first_line_keeps_its_indent_from_yaml_and_from_a_file(make_book):
    from anthology.model import load_book
    from anthology.render import book_view
    path = make_book("""\
        title: First Indents
        stories:
          - author: Ann Vale
            kind: verse
            text: |2
                  indented first line
                second at level one
              third flush
          - author: Ben Marsh
            file: poem.md
        """, {"poem.md": "---\nkind: verse\n---\n\n    deep first line\nflush second\n"})
    first, second = book_view(load_book(path)).stories
    assert '<span class="line i2">indented first line</span>' in first.html
    assert '<span class="line i1">second at level one</span>' in first.html
    assert '<span class="line i2">deep first line</span>' in second.html


def test_every_indent_level_has_its_style_in_both_outputs():
    from anthology.text import MAX_INDENT
    from anthology.theme import BUILTIN
    for sheet in ("book.css", "epub.css"):
        css = (BUILTIN / sheet).read_text(encoding="utf-8")
        levels = {int(n) for n in re.findall(r"\.verse \.i(\d+) \{", css)}
        assert levels == set(range(1, MAX_INDENT + 1)), sheet
