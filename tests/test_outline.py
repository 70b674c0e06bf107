"""The book's outline, and the three things drawn from it: the printed contents page, the EPUB's
nav and its NCX (the PDF's bookmarks are the fourth). No book is laid out here."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from lxml import etree, html

from anthology.epub import render_epub
from anthology.model import load_book
from anthology.outline import BACK_MATTER, FRONT_MATTER, Entry, back_matter, front_matter
from anthology.render import book_view, pdf_html, sections
from anthology.styling import resolved
from anthology.theme import Theme

PARTS = """\
title: Letters and Lines
foreword:
  title: Before the Letters
  text: Two parts.
parts:
  - title: Saved
    stories:
      - {author: Ann Lee, title: The Clock, text: A clock.}
      - {author: Bo Chen, text: "Untitled, listed by author."}
  - title: Taught
    stories:
      - {author: Chloé Dupont, title: La leçon, language: fr, text: Bonjour.}
"""

STORIES = """\
title: Loose Leaves
stories:
  - {author: Ann Lee, text: Untitled.}
  - {author: Bo Chen, title: Two, text: Titled.}
"""


@pytest.fixture
def view(make_book):
    return lambda manifest: book_view(load_book(make_book(manifest)))


def test_outline_of_a_book_in_parts_with_a_foreword_and_untitled_stories(view):
    saved = (Entry("The Clock", "story-1", kind="story", byline="Ann Lee"),
             Entry("Bo Chen", "story-2", kind="story"))
    taught = (Entry("La leçon", "story-3", kind="story", byline="Chloé Dupont"),)
    epub = [Entry("Before the Letters", "foreword", kind="front"),
            Entry("Saved", "part-1", saved, kind="part"),
            Entry("Taught", "part-2", taught, kind="part"),
            Entry("Contributors", "contributors", kind="back"),
            Entry("Sources and Permissions", "sources", kind="back")]
    book = view(PARTS)
    assert book.outline(paged=False) == epub
    assert book.outline(paged=True) == [Entry("Contents", "contents", kind="front"), *epub]


def test_outline_of_a_book_without_parts_lists_its_stories(view):
    assert view(STORIES).outline(paged=False) == [
        Entry("Ann Lee", "story-1", kind="story"),
        Entry("Two", "story-2", kind="story", byline="Bo Chen"),
        Entry("Contributors", "contributors", kind="back"),
        Entry("Sources and Permissions", "sources", kind="back")]


def test_sections_take_their_ids_and_titles_from_the_outline(view):
    book = view(PARTS)
    titles = {s.id: s.title for s in sections(book, paged=True)}

    def flat(entries):
        return [e for entry in entries for e in (entry, *flat(entry.children))]
    assert [(e.anchor, e.title) for e in flat(book.outline(paged=True))] == \
        [(id_, title) for id_, title in titles.items() if id_ not in ("halftitle", "titlepage",
                                                                       "copyright")]


def _contents_page(book) -> str:
    contents = [s for s in sections(book, paged=True) if s.id == "contents"]
    pages = {s.id: str(n) for n, s in enumerate(sections(book, paged=True), start=1)}
    return pdf_html(book, Theme(), contents, "2024-01-01T00:00:00Z", pages)


def _contents_entries(book) -> list[tuple[str, str, int]]:
    """(anchor, title, depth) of every line of the printed contents page."""
    page = html.fromstring(_contents_page(book).encode())
    for a in page.iterfind(".//nav[@id='contents']//a"):  # the title: not byline, not page
        for span in a.xpath(".//span[@class='by' or @class='page']"):
            span.drop_tree()
    return [(a.get("href").removeprefix("anthology:"), a.text_content().strip(),
             2 if "toc-story" in li.get("class") and book.book.parts else 1)
            for li in page.iterfind(".//nav[@id='contents']/ol/li") for a in [li.find("a")]]


def _epub_entries(book, tmp_path) -> tuple[list, list]:
    """(anchor, title, depth) of every entry of the EPUB's nav and of its NCX."""
    data = render_epub(book, Theme(), dt.datetime(2024, 1, 1), tmp_path)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        nav = etree.fromstring(z.read("EPUB/nav.xhtml"))
        ncx = etree.fromstring(z.read("EPUB/toc.ncx"))
    toc = nav.find(".//{*}nav[@{http://www.idpf.org/2007/ops}type='toc']")

    def anchor(href):
        return re.fullmatch(r"([\w-]+)\.xhtml", href)[1]
    in_nav = [(anchor(a.get("href")), a.text, len(list(a.iterancestors("{*}ol"))))
              for a in toc.iter("{*}a", "{*}span")]
    in_ncx = [(anchor(point.find("{*}content").get("src")),
               point.find("{*}navLabel/{*}text").text,
               len(list(point.iterancestors("{*}navPoint"))) + 1)
              for point in ncx.iter("{*}navPoint")]
    return in_nav, in_ncx


@pytest.mark.parametrize("manifest", [PARTS, STORIES], ids=["parts", "stories"])
def test_nav_ncx_and_contents_page_list_the_same_entries(view, manifest, tmp_path):
    book = view(manifest)
    printed = _contents_entries(book)
    in_nav, in_ncx = _epub_entries(book, tmp_path)
    assert printed == in_nav == in_ncx
    assert [title for _, title, _ in printed][-2:] == ["Contributors", "Sources and Permissions"]
    assert len(printed) == (8 if manifest is PARTS else 4)


def test_contents_page_markup(view):
    """The contents page's lines, byte for byte (the foreword's and a part's line run into
    the next); each line's last word, leader and page are one run (.last, book.css)."""
    ol = re.search(r"<ol>\n(.*)</ol>", _contents_page(view(PARTS)), re.S)[1]
    assert ol == (
        '<li class="toc-front"><a href="anthology:foreword">Before the <span class="last">'
        'Letters<span class="page">5</span></span></a></li><li class="toc-part">'
        '<a href="anthology:part-1"><span class="last">Saved<span class="page">6</span></span>'
        '</a></li>      <li class="toc-story"><a href="anthology:story-1">The Clock'
        '<span class="by"> Ann <span class="last">Lee<span class="page">7</span></span></span>'
        '</a></li>\n'
        '      <li class="toc-story"><a href="anthology:story-2">Bo <span class="last">Chen'
        '<span class="page">8</span></span></a></li>\n'
        '<li class="toc-part"><a href="anthology:part-2"><span class="last">Taught'
        '<span class="page">9</span></span></a></li>'
        '      <li class="toc-story"><a href="anthology:story-3">La leçon<span class="by">'
        ' Chloé <span class="last">Dupont<span class="page">10</span></span></span></a></li>\n'
        '    <li class="toc-back"><a href="anthology:contributors"><span class="last">'
        'Contributors<span class="page">11</span></span></a></li>\n'
        '    <li class="toc-back"><a href="anthology:sources">Sources and <span class="last">'
        'Permissions<span class="page">12</span></span></a></li>\n  ')


APPARATUS = """\
title: Low Tide
dedication: For *R.*
epigraph: {text: The sea is a fact., source: Marianne Moore}
foreword: {text: Before.}
afterword: {title: Editor’s Note, author: M. P., text: After.}
acknowledgements: Thanks to all.
stories:
  - {author: Ann Lee, text: Untitled.}
  - {author: Bo Chen, title: Two, text: Titled.}
"""


def test_the_apparatus_each_in_its_conventional_place(view):
    book = view(APPARATUS)
    assert [s.id for s in sections(book, paged=True)] == [
        "halftitle", "titlepage", "copyright", "dedication", "epigraph", "contents", "foreword",
        "story-1", "story-2", "afterword", "acknowledgements", "contributors", "sources"]
    assert [s.id for s in sections(book)] == [
        "titlepage", "copyright", "dedication", "epigraph", "foreword", "story-1", "story-2",
        "afterword", "acknowledgements", "contributors", "sources"]
    titles = {s.id: s.title for s in sections(book, paged=True)}
    assert (titles["dedication"], titles["epigraph"], titles["afterword"],
            titles["acknowledgements"]) == ("Dedication", "Epigraph", "Editor’s Note",
                                            "Acknowledgements")


def test_the_outline_lists_the_afterword_and_acknowledgements_not_the_dedication(view):
    book = view(APPARATUS)
    assert book.outline(paged=False) == [
        Entry("Foreword", "foreword", kind="front"),
        Entry("Ann Lee", "story-1", kind="story"),
        Entry("Two", "story-2", kind="story", byline="Bo Chen"),
        Entry("Editor’s Note", "afterword", kind="back"),
        Entry("Acknowledgements", "acknowledgements", kind="back"),
        Entry("Contributors", "contributors", kind="back"),
        Entry("Sources and Permissions", "sources", kind="back")]


@pytest.mark.parametrize("given", ["dedication", "epigraph", "afterword", "acknowledgements"])
def test_each_piece_of_the_apparatus_appears_only_when_given(view, given):
    entries = {"dedication": "dedication: For R.",
               "epigraph": "epigraph: {text: A fact.}",
               "afterword": "afterword: {text: After.}",
               "acknowledgements": "acknowledgements: {text: Thanks.}"}
    book = view(f"{entries[given]}\n{STORIES}")
    optional = {"dedication", "epigraph", "afterword", "acknowledgements", "foreword"}
    assert [s.id for s in sections(book, paged=True) if s.id in optional] == [given]
    assert [s.id for s in sections(book, paged=True) if s.id in BACK_MATTER] == \
        [id_ for id_ in BACK_MATTER if id_ in (given, "contributors", "sources")]


def test_front_and_back_matter_are_the_sections_the_book_has(view):
    book = view(APPARATUS).book
    assert front_matter(book) == FRONT_MATTER
    people = ("bios", "index-titles", "index-first-lines")  # tests/test_people.py
    assert back_matter(book) == tuple(id_ for id_ in BACK_MATTER if id_ not in people)
    plain = view(STORIES).book
    assert front_matter(plain) == ("halftitle", "titlepage", "copyright", "contents")
    assert back_matter(plain) == ("contributors", "sources")


def test_the_apparatus_in_the_contents_nav_and_ncx(view, tmp_path):
    book = view(APPARATUS)
    printed = _contents_entries(book)
    in_nav, in_ncx = _epub_entries(book, tmp_path)
    assert printed == in_nav == in_ncx
    assert [anchor for anchor, _, _ in printed] == [
        "foreword", "story-1", "story-2", "afterword", "acknowledgements", "contributors",
        "sources"]


def test_the_epub_spine_puts_the_nav_after_the_epigraph_and_lands_on_the_first_piece(
        view, tmp_path):
    data = render_epub(view(APPARATUS), Theme(), dt.datetime(2024, 1, 1), tmp_path)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        opf = etree.fromstring(z.read("EPUB/content.opf"))
        nav = z.read("EPUB/nav.xhtml").decode()
        css = z.read("EPUB/book.css").decode()
    spine = [ref.get("idref") for ref in opf.iter("{*}itemref")]
    assert spine == ["titlepage", "copyright", "dedication", "epigraph", "nav", "foreword",
                     "story-1", "story-2", "afterword", "acknowledgements", "contributors",
                     "sources"]
    landmarks = dict(re.findall(r'epub:type="([\w-]+)" href="([^"]+)"',
                                nav.split('epub:type="landmarks"')[1]))
    assert landmarks["bodymatter"] == "story-1.xhtml"
    assert landmarks["afterword"] == "afterword.xhtml"
    assert landmarks["acknowledgments"] == "acknowledgements.xhtml"
    assert ".dedication" in css


def test_a_book_without_the_apparatus_keeps_its_epub_stylesheet(view, tmp_path):
    data = render_epub(view(STORIES), Theme(), dt.datetime(2024, 1, 1), tmp_path)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        css = z.read("EPUB/book.css").decode()
    assert css == resolved(Theme().stylesheet("epub.css"))
    assert "var(" not in css and '--ornament: "❧"' in css  # resolved, for every reader
