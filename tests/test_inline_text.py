"""Richer inline text: emphasis in titles, a piece's subtitle, language spans [words]{lang=el}
and GFM pipe tables, from the Markdown to the printed page and the EPUB."""

from __future__ import annotations

import re
import shutil
import zipfile

import pikepdf
import pytest
from lxml import etree
from pypdf import PdfReader

from anthology.build import build
from anthology.errors import ManifestError
from anthology.model import load_book
from anthology.outline import Entry
from anthology.render import book_view, epub_documents
from anthology.text import inline_html, plain_title, title_html, to_html
from anthology.theme import Theme
from conftest import ACE, CHROMIUM, ace, epubcheck

XHTML = "{http://www.w3.org/1999/xhtml}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

BOOK = """\
title: "Stories *Told* Twice"
subtitle: "A *Small* Test"
editors: [Mara Quill]
language: en
date: 2024-05-01
indexes: [titles]
parts:
  - title: "The *Blackwood* Papers"
    stories:
      - title: "How to Write a *Blackwood* Article"
        subtitle: "With a *Note* on the Greek"
        author: Edgar Poe
        headnote: "The word [φρενός]{lang=el} is Greek."
        text: |
          A word of Greek, [τὸ καλόν]{lang=el}, and of French, [je ne sais quoi]{lang=fr}.[^1]

          | Item | Pages | Cost |
          |:-----|:-----:|-----:|
          | Greek | 2 | 12.50 |
          | French | 14 | 3.75 |

          [^1]: A note with [une phrase]{lang=fr} in it.
      - title: A Predicament
        author: Edgar Poe
        kind: letter
        salutation: "Dear [Monsieur]{lang=fr},"
        text: I write in haste.
  - title: Verse
    kind: verse
    stories:
      - title: "*Lines*"
        author: Ann Lee
        text: |
          A line with [φρενός]{lang=el} in it,
          | and | pipes | kept |
"""


# ---- Titles ------------------------------------------------------------------------------

@pytest.mark.parametrize("source, shown, plain", [
    ("How to Write a *Blackwood* Article", "How to Write a <em>Blackwood</em> Article",
     "How to Write a Blackwood Article"),
    ("__Strong__ and _em_", "<strong>Strong</strong> and <em>em</em>", "Strong and em"),
    ("A [link](https://example.org) ![pic](a.png) `code`", "A link pic code",
     "A link pic code"),
    ("snake_case & <b> \\*stars\\*", "snake_case &amp; &lt;b&gt; *stars*",
     "snake_case & <b> *stars*"),
    ('Plain "quoted" title', "Plain &#34;quoted&#34; title", 'Plain "quoted" title'),
])
def test_a_title_keeps_only_its_emphasis(source, shown, plain):
    assert title_html(source) == shown
    assert plain_title(source) == plain


def test_titles_are_plain_in_the_outline_and_emphasised_on_the_contents_page(make_book):
    view = book_view(load_book(make_book(BOOK)))
    part = view.outline(paged=True)[1]
    assert part == Entry("The Blackwood Papers", "part-1", part.children, kind="part")
    assert part.markup == "The <em>Blackwood</em> Papers"
    assert [c.title for c in part.children] == ["How to Write a Blackwood Article",
                                               "A Predicament"]
    assert [e.text for e in view.index_of_titles] == [
        "How to Write a Blackwood Article", "Lines", "A Predicament"]


def _epub_body(make_book, section_id: str) -> str:
    view = book_view(load_book(make_book(BOOK)))
    return dict((s.id, body) for s, body in epub_documents(view, Theme()))[section_id]


def test_a_subtitle_is_in_the_header_with_its_role(make_book):
    body = _epub_body(make_book, "story-1")
    header = re.search(r"<header>(.*?)</header>", body, re.S)[1]
    assert '<h2 id="story-1-title"' in header
    assert re.search(r'<p class="subtitle" epub:type="subtitle" role="doc-subtitle">'
                     r"With a <em>Note</em> on the Greek</p>", header)
    assert 'data-book-title="Stories Told Twice"' in header  # running heads: plain


def test_a_manifest_without_subtitles_is_unchanged(make_book):
    body = _epub_body(make_book, "story-2")
    assert "subtitle" not in body


# ---- Language spans ----------------------------------------------------------------------

def test_a_span_gives_its_language_to_html_and_xhtml():
    shown = to_html("a [φρενός]{lang=el} b")
    assert '<span lang="el" xml:lang="el">φρενός</span>' in shown
    assert '<span lang="he" xml:lang="he" dir="rtl">שלום</span>' in to_html("[שלום]{lang=he}")
    assert 'dir="ltr"' in to_html("[Paris]{lang=fr}", language="ar")
    assert inline_html("Dear [Jean]{lang=fr},") == \
        'Dear <span lang="fr" xml:lang="fr">Jean</span>,'
    assert "{.c}" in to_html("![x](a.png){.c}")  # no attributes on images, links or code


@pytest.mark.parametrize("span, code, message", [
    ("[mot]{.foreign lang=fr}", "M033", "may give only a language"),
    ("[mot]{#id}", "M033", "may give only a language"),
    ("[mot]{lang=f}", "M025", "expected a BCP 47 language tag"),
])
def test_a_span_with_anything_but_a_language_is_an_error_at_its_line(make_book, span, code,
                                                                    message):
    path = make_book(f"""\
        title: T
        stories:
          - author: A
            text: |
              First line.

              Third line has {span}.
        """)
    with pytest.raises(ManifestError) as error:
        load_book(path)
    assert re.search(rf"book\.yaml:7: {code} stories\[0\]\.text: .*{re.escape(message)}",
                     str(error.value)), str(error.value)


def test_a_bad_span_in_a_letters_field_is_an_error(make_book):
    path = make_book("""\
        title: T
        stories:
          - author: A
            kind: letter
            text: Body.
            closing: "Yours, [ami]{class=x}"
        """)
    with pytest.raises(ManifestError, match=r"book\.yaml:6: M033 stories\[0\]\.closing"):
        load_book(path)


# ---- Tables ------------------------------------------------------------------------------

def test_a_pipe_table_is_a_table_with_column_headers_and_alignment():
    shown = to_html("| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |\n", id_prefix="s-p")
    assert '<table id="s-p-1" class="short">' in shown
    assert '<th class="align-left" scope="col">a</th>' in shown
    assert '<td class="align-right">3</td>' in shown
    assert "<thead>" in shown and "<tbody>" in shown and "style=" not in shown
    long = to_html("| a |\n|---|\n" + "| 1 |\n" * 20)
    assert "<table>" in long and "<th scope=\"col\">a</th>" in long


def test_verse_has_no_tables():
    shown = to_html("| a | b |\n|---|---|\n| 1 | 2 |", kind="verse")
    assert "<table" not in shown and "| a | b |" in shown


# ---- The built book (one build for the module) -------------------------------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inline")
    (folder / "book.yaml").write_text(BOOK, encoding="utf-8")
    return build(folder / "book.yaml", folder / "out", formats=["pdf", "epub"],
                 cache_dir=folder / "cache").outputs


def _fonts_of(page, word: str) -> set[str]:
    """The fonts the parts of ``page``'s text holding ``word`` are drawn in."""
    found = set()

    def visit(text, cm, tm, font, size):
        if word in text and font is not None:
            found.add(str(font.get("/BaseFont")))
    page.extract_text(visitor_text=visit)
    return found


@pytest.mark.slow
def test_the_pdf_shows_the_italic_and_its_bookmarks_and_title_are_plain(built):
    reader = PdfReader(built["pdf"])
    texts = [page.extract_text() for page in reader.pages]
    assert not any("*" in text for text in texts)
    contents = next(p for p, text in zip(reader.pages, texts) if "Contents" in text)
    story = next(p for p, text in zip(reader.pages, texts) if "Blackwood Article" in text
                 and "Cost" in text)
    for page in (contents, story):
        assert any(font.endswith("Italic") for font in _fonts_of(page, "Blackwood")), \
            _fonts_of(page, "Blackwood")
        assert not any(font.endswith("Italic") for font in _fonts_of(page, "How to Write"))
    with pikepdf.open(built["pdf"]) as pdf:
        with pdf.open_outline() as outline:
            titles = [item.title for top in outline.root for item in [top, *top.children]]
        assert "The Blackwood Papers" in titles and "How to Write a Blackwood Article" in titles
        assert not any("*" in title or "<" in title for title in titles)
        assert str(pdf.docinfo["/Title"]) == "Stories Told Twice"


@pytest.mark.slow
def test_the_epub_carries_languages_tables_and_plain_navigation(built):
    with zipfile.ZipFile(built["epub"]) as z:
        story = etree.fromstring(z.read("EPUB/story-1.xhtml"))
        nav = etree.fromstring(z.read("EPUB/nav.xhtml"))
        opf = z.read("EPUB/content.opf").decode()
    spans = {s.text: (s.get("lang"), s.get(XML_LANG)) for s in story.iter(f"{XHTML}span")
             if s.get("lang")}
    assert spans["φρενός"] == ("el", "el") and spans["je ne sais quoi"] == ("fr", "fr")
    assert spans["une phrase"] == ("fr", "fr")
    table = story.find(f".//{XHTML}table")
    assert [th.get("scope") for th in table.iter(f"{XHTML}th")] == ["col"] * 3
    assert table.find(f"{XHTML}thead") is not None and table.find(f"{XHTML}tbody") is not None
    labels = ["".join(a.itertext()) for a in nav.iter(f"{XHTML}a")]
    assert "How to Write a Blackwood Article" in labels and "Lines" in labels
    assert "<dc:title>Stories Told Twice</dc:title>" in opf


@pytest.mark.slow
@pytest.mark.skipif(not (shutil.which("java") and ACE.exists() and shutil.which(CHROMIUM)),
                    reason="needs java, chromium and Ace (make test installs them)")
def test_epubcheck_and_ace_accept_the_epub(built, tmp_path):
    assert epubcheck(built["epub"]) == []
    violations, outcome, stderr = ace(built["epub"], tmp_path)
    assert violations == [], stderr[-2000:]
    assert outcome == "pass"


def test_an_untitled_pieces_heading_is_its_byline_as_written(make_book):
    view = book_view(load_book(make_book("""\
        title: T
        stories:
          - author: "*NSYNC_fan_"
            text: Words.
        """)))
    assert view.stories[0].heading_html == "*NSYNC_fan_"
    assert view.stories[0].heading == "*NSYNC_fan_"


def test_titles_and_subtitles_take_language_spans(make_book):
    assert title_html("after [Ἡράκλειτος]{lang=el}") == \
        'after <span lang="el" xml:lang="el">Ἡράκλειτος</span>'
    assert plain_title("after [Ἡράκλειτος]{lang=el}") == "after Ἡράκλειτος"
    path = make_book("""\
        title: T
        stories:
          - author: A
            title: "On [φύσις]{lang=el}"
            subtitle: "after [Ἡράκλειτος]{lang=e}"
            text: Words.
        """)
    with pytest.raises(ManifestError, match=r"book\.yaml:5: M025 stories\[0\]\.subtitle"):
        load_book(path)


def test_a_titles_last_word_is_cut_between_its_tags():
    from markupsafe import Markup

    from anthology.text import last_word
    assert last_word(Markup("The <em>Long Part</em>")) == (Markup("The <em>Long</em>"),
                                                          Markup("<em>Part</em>"))
    assert last_word(Markup("<em>One</em>")) == (Markup(""), Markup("<em>One</em>"))
    assert last_word("Ferry محمود عبد الرحمن") == ("Ferry", "محمود عبد الرحمن")
