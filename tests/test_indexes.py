"""The indexes of titles and of first lines: each piece's first line (text.first_line), the
order of the entries (indexes.py) and the two sections in the EPUB and the paged HTML. No
book is laid out here (the slow test book checks their pages in the PDF)."""

from __future__ import annotations

import pytest
from lxml import html

from anthology import people
from anthology.indexes import filed_as, index
from anthology.model import load_book
from anthology.render import book_view, epub_documents, pdf_html, sections
from anthology.text import FIRST_LINE_CHARS, first_line
from anthology.theme import Theme

BOOK = """\
title: Lines
indexes: [titles, first_lines]
parts:
  - title: Verse
    kind: verse
    stories:
      - {author: Ezra Bell, title: Ezra, text: "I stayed\\nwhen the others left."}
      - {author: Ana Évora, title: Évora, text: "White walls\\nof the town."}
      - {author: Lena Eve, title: Eve, text: "She named the animals\\none by one."}
      - {author: Cai Moreno, text: "An untitled poem\\nof two lines."}
  - title: Prose
    stories:
      - {author: Bo Chen, title: The Clock, text: "The clock stopped.\\\\\\nNobody wound it."}
      - {author: Dana Frye, title: "“Apples”", text: "My mother kept apples."}
"""


def test_first_line_of_verse_drops_the_verse_markup_and_notes():
    assert first_line("    ->*Ode* to \"joy\"<-\n  and more", "verse") == "Ode to “joy”"
    assert first_line("\n  ->right, **bold**\nnext", "verse") == "right, bold"
    assert first_line("~ dropped _line_[^1]\nnext\n\n[^1]: A note.", "verse") == "dropped line"
    assert first_line("\tindented \\*star\\* [link](https://example.org)\nnext",
                      "verse") == "indented *star* link"


def test_first_line_of_prose_and_letters_ends_at_the_first_line_break():
    assert first_line("It was a *dark* night,\\\nand stormy.\n\nNext.") == "It was a dark night,"
    assert first_line("Dear friend, the jam\narrived.", "letter") == "Dear friend, the jam"
    assert first_line('"Bonjour," dit-il', "prose", "fr") == "« Bonjour, » dit-il"


def test_a_long_first_line_is_cut_at_a_word_with_an_ellipsis():
    line = first_line("An untitled poem begins with a line long enough, surely, to be cut at "
                      "a word somewhere\nnext", "verse")
    assert line == "An untitled poem begins with a line long enough, surely, to…"
    assert len(line) <= FIRST_LINE_CHARS
    assert first_line("x" * 100) == "x" * (FIRST_LINE_CHARS - 1) + "…"


def test_an_entry_is_filed_from_its_first_letter_after_an_english_article():
    assert filed_as("“The Wasteland”", "en") == "Wasteland”"
    assert filed_as("'Tis the Season", "en") == "Tis the Season"
    assert filed_as("An Almanac", "en-GB") == "Almanac"
    assert filed_as("The", "en") == "The"
    assert filed_as("The Clock", "en", articles=False) == "The Clock"
    assert filed_as("La leçon", "fr") == "La leçon"


@pytest.mark.parametrize("collation", ["icu", "fallback"])
def test_entries_sort_by_collation_and_mark_each_new_letter(collation, monkeypatch):
    if collation == "fallback":
        monkeypatch.setattr(people, "_collator", lambda language: None)
    else:
        pytest.importorskip("icu")
    texts = ["Ezra", "“Hope”", "The Évora Road", "Eve", "A Bird", "apples"]
    entries = index(((text, n) for n, text in enumerate(texts)), "en")
    assert [e.text for e in entries] == ["apples", "A Bird", "Eve", "The Évora Road", "Ezra",
                                         "“Hope”"]
    assert [e.new_letter for e in entries] == [True, True, True, False, False, True]
    lines = index(((text, n) for n, text in enumerate(["The end", "Apples", "Zinc"])), "en",
                  articles=False)
    assert [e.text for e in lines] == ["Apples", "The end", "Zinc"]


@pytest.fixture
def view(make_book):
    return book_view(load_book(make_book(BOOK)))


def test_untitled_pieces_are_only_in_the_index_of_first_lines(view):
    assert [e.text for e in view.index_of_titles] == ["“Apples”", "The Clock", "Eve", "Évora",
                                                      "Ezra"]
    assert [e.text for e in view.index_of_first_lines] == [
        "An untitled poem", "I stayed", "My mother kept apples.", "She named the animals",
        "The clock stopped.", "White walls"]


def test_the_epub_indexes_link_every_entry_to_its_piece(view):
    bodies = {section.id: body for section, body in epub_documents(view, Theme())}
    for id_, count in (("index-titles", 5), ("index-first-lines", 6)):
        section = html.fromstring(bodies[id_])
        assert section.get("role") == "doc-index"
        assert section.get("epub:type") == "index"
        items = section.findall(".//ul/li")
        assert len(items) == count and not section.findall(".//li//li")
        for item in items:
            (link,) = item.findall("a")
            piece = link.get("href").split("#")[1]
            assert link.get("href") == f"{piece}.xhtml#{piece}"
            assert item.find(".//span[@class='by']").text.strip() == \
                next(s for s in view.stories if s.id == piece).credits.byline
            assert not item.findall(".//span[@class='page']")
    links = html.fromstring(bodies["index-first-lines"]).findall(".//a")
    assert sorted(a.get("href").split("#")[1] for a in links) == \
        sorted(s.id for s in view.stories)


def test_the_paged_indexes_print_the_pages_they_are_given(view):
    chosen = [s for s in sections(view, paged=True) if s.id.startswith("index-")]
    pages = {s.id: 100 + s.number for s in view.stories}
    page = html.fromstring(pdf_html(view, Theme(), chosen, "2024-01-01T00:00:00Z", pages))
    for id_ in ("index-titles", "index-first-lines"):
        for item in page.get_element_by_id(id_).findall(".//ul/li"):
            piece = item.find("a").get("href").removeprefix("anthology:")
            assert item.find(".//span[@class='page']").text == str(pages[piece])
    first = page.get_element_by_id("index-titles").find(".//li")
    assert first.find(".//span[@class='entry']").text == "“Apples”"
    assert first.find(".//span[@class='page']").text == "106"
