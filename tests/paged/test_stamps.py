"""The stamp sheet: written once with its running heads, laid out, cut, stamped."""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pypdfium2
import pytest

from anthology.model import load_book
from anthology.paged.layout import Laid, lay_out
from anthology.paged.pagination import Edition
from anthology.paged.plan import BodyLayout, PageSetup
from anthology.paged.stamps import StampSheet, UnknownHead
from anthology.render import Section, book_view
from anthology.theme import Theme

BOOK = """\
title: Stamped
date: 2024-01-01
stories:
  - {author: Ann Lee, title: The Clock, text: Tick.}
  - {author: Bo Chen, title: The Door, text: Knock.}
"""


def story(n: int) -> Section:
    return Section(f"story-{n}", "story.html", f"Story {n}", {}, "en")


def test_the_sheet_holds_each_recto_head_once_body_first_then_the_back_matter():
    pieces = [Laid(b"", [["story-1"], [], []], [False] * 3),
              Laid(b"", [["story-2"], [], [], []], [False] * 4)]
    body = BodyLayout.place([[story(1)], [story(2)]], pieces, recto_starts=False)
    # Running rectos: page 3 (Story 1), page 5 (Story 2, page 4 opens it), page 7.
    sheet = StampSheet.for_book(body, ["Contributors", "Story 1"])
    assert sheet.recto_heads == ("Story 1", "Story 2", "Contributors")


@pytest.fixture(scope="module")
def laid_sheet(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stamped")
    (folder / "book.yaml").write_text(BOOK, encoding="utf-8")
    view, theme = book_view(load_book(folder / "book.yaml")), Theme(folder)
    setup = PageSetup.for_book(view.book.print, 40, bleed=False)
    css = theme.stylesheet("book.css", emoji=True)
    edition = Edition(((css, theme.path("book.css").as_uri()),),
                      tuple(map(str, theme.readable)), folder.as_uri() + "/", "pdf/ua-1", "")
    sheet = StampSheet(("The Clock", "The Door"))
    html = sheet.html(view, theme, "2024-01-01T00:00:00Z")
    job = edition.job(html, "@page :first { counter-reset: page 0; }", setup=setup,
                      tagged=False)
    return sheet, lay_out(job), setup


def test_stamped_pages_show_their_folio_and_running_head(laid_sheet):
    sheet, laid, setup = laid_sheet
    assert len(laid.blanks) == 10 + 2 * len(sheet.recto_heads)
    out = pikepdf.new()
    for _ in range(2):
        out.add_blank_page(page_size=(setup.width * 72, setup.height * 72))
    stamper = sheet.stamper(out, laid, setup)
    stamper.stamp(out.pages[0], 127, "The Door")  # a right-hand page
    stamper.stamp(out.pages[1], 38, "")           # a left-hand page: the book's title
    data = io.BytesIO()
    out.save(data)
    pages = pypdfium2.PdfDocument(data.getvalue())
    texts = [page.get_textpage().get_text_range().split() for page in pages]
    assert "127" in texts[0] and "Door" in " ".join(texts[0])
    assert "38" in texts[1] and "Stamped" in " ".join(texts[1])
    # Each folio is centred in the text area of its side, as a single pass sets it.
    for page, folio, recto in ((pages[0], "127", True), (pages[1], "38", False)):
        text = page.get_textpage()
        at = text.get_text_range().index(folio)
        boxes = [text.get_charbox(i) for i in range(at, at + len(folio))]
        centre = (boxes[0][0] + boxes[-1][2]) / 2
        assert centre == pytest.approx(setup.centre(recto), abs=1.5)


def test_a_head_not_on_the_sheet_fails_loudly(laid_sheet):
    sheet, laid, setup = laid_sheet
    out = pikepdf.new()
    out.add_blank_page(page_size=(setup.width * 72, setup.height * 72))
    with pytest.raises(UnknownHead, match="The Window"):
        sheet.stamper(out, laid, setup).stamp(out.pages[0], 9, "The Window")


def test_a_running_head_too_long_for_one_line_is_shortened_at_a_word():
    from anthology.model import Edition
    from anthology.paged.plan import PageSetup
    from anthology.paged.stamps import head_length, shortened
    book = load_book(Path(__file__).resolve().parents[2] / "book" / "book.yaml")
    setup = PageSetup.for_book(book.print, 200, bleed=False)
    large = book.for_edition(Edition(name="lp", format="paperback", large_print=True))
    assert head_length(large, setup) < 30 < 50 < head_length(book, setup)
    assert shortened("The Unaccountable Misunderstanding", 31) == "The Unaccountable…"
    assert shortened("Short", 31) == "Short" and shortened("Short", None) == "Short"
    assert shortened("Antidisestablishmentarianism forever", 12) == "Antidisesta…"
    assert shortened("Rooms, Rivers and the Sea", 12) == "Rooms…"
