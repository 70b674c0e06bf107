"""The book's lists set like a book, read back from the print PDF of lists_book.py (one build,
~10 s): the contents and the indexes of titles and first lines hang their turnovers, and keep
each entry's page flush right on the line of its last words (never with leaders alone); no
list (those and the contributors, About the Contributors, sources) breaks a name or a page
number inside a word, and every page number is the page its piece starts on."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from lxml import html
from pypdf import PdfReader

import lists_book
from conftest import Word, words
from anthology.model import load_book
from anthology.outline import TITLES
from anthology.render import book_view, pdf_html, sections
from anthology.text import first_strong, last_word
from anthology.theme import Theme

pytestmark = pytest.mark.slow
LEADER = "."
COLUMN = 2.4 * 11  # points: the pages' column (book.css)
HEADING = 12  # points: a word taller than this is a section's heading (15pt)


def page_lines(pdf: Path) -> list[list[list[Word]]]:
    """Every page as lines of words (pdftotext -bbox), top to bottom, left to right. Words
    of one line share their middle (an Arabic face's box is taller than EB Garamond's)."""
    pages = []
    for page in words(pdf):
        lines: list[list[Word]] = []
        for word in sorted(page, key=lambda w: w.middle):
            if lines and abs(lines[-1][0].middle - word.middle) < 3:
                lines[-1].append(word)
            else:
                lines.append([word])
        pages.append([sorted(line, key=lambda w: w.x0) for line in lines])
    return pages


def tokens(text: str) -> list[str]:
    """Runs of letters and digits (a break at a hyphen or a slash is a break between words);
    a right-to-left word as pdftotext gives it (in visual order) counts as the same word."""
    out = []
    for token in re.findall(r"[^\W_]+", unicodedata.normalize("NFC", text)):
        out.append(min(token, token[::-1]) if first_strong(token) == "rtl" else token)
    return out


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """The built book: its view, its pages' lines, their labels, and each piece's page."""
    from anthology.build import build
    folder = tmp_path_factory.mktemp("lists")
    manifest = lists_book.write(folder / "book")
    pdf = build(manifest, folder / "out", formats=["print"]).outputs["print"]
    lines = page_lines(pdf)
    labels = PdfReader(pdf).page_labels
    view = book_view(load_book(manifest))
    starts = {}  # each piece's page: the page of its "— n —"
    for item in view.stories:
        marker = ["—", str(item.number), "—"]
        starts[item.id] = next(labels[p] for p, page in enumerate(lines)
                               if any([w.text for w in line] == marker for line in page))
    return view, lines, labels, starts


def heading(page: list[list[Word]]) -> int:
    """How many of the page's first lines are a section's heading (larger than a running
    head; a narrow page turns a long one over)."""
    return next((n for n, line in enumerate(page) if line[0].y1 - line[0].y0 < HEADING),
                len(page))


def section_pages(book, section: str) -> list[list[list[Word]]]:
    """The pages of a section, from its heading's page through the pages whose running head
    is its title or the book's, each without heading, running head and folio."""
    view, lines, _, _ = book
    title, heads = tokens(TITLES[section]), (tokens(TITLES[section]), tokens(view.book.title))
    first = next(p for p, page in enumerate(lines)
                 if tokens(" ".join(w.text for line in page[:heading(page)] for w in line))
                 == title)
    out = [lines[first][heading(lines[first]):]]
    for page in lines[first + 1:]:
        if not page or tokens(" ".join(w.text for w in page[0])) not in heads:
            break
        out.append(page[1:])
    return [page[:-1] if page and len(page[-1]) == 1 else page for page in out]  # the folio


def entries(book, section: str) -> list[tuple[list[list[Word]], Word, float]]:
    """A contents' or index's entries as they are set: (lines, page number, the right edge
    of the page's column of numbers). An entry ends at a line ending in a number."""
    out = []
    for page in section_pages(book, section):
        lines_so_far: list[list[Word]] = []
        numbers = [line[-1] for line in page if line[-1].text.isdigit()]
        right = max(n.x1 for n in numbers)
        for line in page:
            lines_so_far.append(line)
            if line[-1].text.isdigit() and line[-1].x1 > right - 1:
                out.append((lines_so_far, line[-1], right))
                lines_so_far = []
        assert not lines_so_far, [w.text for line in lines_so_far for w in line]
    return out


def expected_contents(view, starts):
    """(words, page or None, the words kept with the page) of every line of the contents:
    pieces, then back matter."""
    out = [f"{item.heading} {item.contents_byline}".strip() for item in view.stories]
    out += [TITLES[s] for s in ("bios", "contributors", "sources", "index-titles",
                                "index-first-lines")]
    pages = [starts[item.id] for item in view.stories] + [None] * 5
    return [(text, page, last_word(text)[1]) for text, page in zip(out, pages)]


def expected_index(view, starts, section):
    index = view.index_of_titles if section == "index-titles" else view.index_of_first_lines
    return [(f"{e.text} {e.item.credits.byline}", starts[e.item.id],
             e.item.credits.author[-1].name) for e in index]  # the last name kept whole


@pytest.mark.parametrize("section", ["contents", "index-titles", "index-first-lines"])
def test_entries_hang_and_end_with_their_page_flush_right_after_their_words(book, section):
    view, _, _, starts = book
    expected = (expected_contents(view, starts) if section == "contents"
                else expected_index(view, starts, section))
    found = entries(book, section)
    assert len(found) == len(expected)
    turned = 0
    for (lines, number, right), (text, page, glued) in zip(found, expected):
        words = [w for line in lines for w in line if w.text != LEADER and w is not number]
        assert Counter(tokens(" ".join(w.text for w in words))) == Counter(tokens(text)), \
            (text, [w.text for w in words])  # every name and title word whole
        if page is not None:
            assert number.text == page, text  # a whole page number, the piece's
        assert abs(number.x1 - right) < 0.5, text  # flush right in the column
        last = [w for w in lines[-1] if w.text != LEADER and w is not number]
        assert last, (text, "a line of leaders alone")  # the number is with its last words
        for line in lines[1:]:  # a turnover hangs under the entry's first line
            assert line[0].x0 > lines[0][0].x0 + 8, (text, line[0].text)
            turned += 1
        for line, after in zip(lines, lines[1:]):  # no line turns over early, as WeasyPrint
            measure, room = right - COLUMN - line[0].x0, right - COLUMN - line[-1].x1  # 70 can
            unit = after[0]  # the next word, or the words kept with the page
            kept = [w for w in after if w.text != LEADER and w is not number]
            if after is lines[-1] and len(kept) == len(glued.split()):
                unit = kept[-1]
            fits = unit.x1 - after[0].x0 + 3 < room  # it had room here
            assert not fits or room < measure / 2, (text, [w.text for w in line])
        assert all(w.x1 < number.x0 for line in lines for w in line if w is not number)
    assert turned > 10  # the book's long entries did turn over


@pytest.mark.parametrize("section", ["contributors", "bios", "sources"])
def test_no_list_breaks_a_name_or_a_number_inside_a_word(book, section):
    """The section's words on its pages are the words of its HTML with the pieces' pages:
    a word broken across lines would be two words there, a wrong page a wrong word."""
    view, _, _, starts = book
    chosen = [s for s in sections(view, paged=True) if s.id == section]
    page = html.fromstring(pdf_html(view, Theme(), chosen, "2024-01-01T00:00:00Z", starts))
    own = page.get_element_by_id(section)
    own.find("h2").drop_tree()
    expected = tokens(" ".join(own.itertext()))  # the elements' words, not run together
    printed = [t for pg in section_pages(book, section) for line in pg
               for t in tokens(" ".join(w.text for w in line))]
    assert Counter(printed) == Counter(expected), (Counter(printed) - Counter(expected),
                                                   Counter(expected) - Counter(printed))
    assert any(len(p) == 2 for p in starts.values())  # two-digit pages among them
