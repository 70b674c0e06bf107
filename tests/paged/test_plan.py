"""The plan of a paged book: chunks, where their pages land, page sides and setup."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest

from anthology.model import PrintSettings
from anthology.paged.layout import Laid
from anthology.paged.plan import (BLANK, CHARS_PER_PAGE, LINES_PER_PAGE, BodyLayout, PageSetup,
                                  Placement, estimated_pages, even, page_start, plan_chunks,
                                  roman)
from anthology.profiles import is_recto
from anthology.render import Section, StoryView


def story(n: int) -> Section:
    return Section(f"story-{n}", "story.html", f"Story {n}", {}, "en")


def part(n: int) -> Section:
    return Section(f"part-{n}", "part.html", f"Part {n}", {}, "en")


def laid(*pages: list[str], blank: int | None = None) -> Laid:
    """A laid-out chunk whose pages start the given anchors (page ``blank`` left blank)."""
    return Laid(b"", [list(p) for p in pages], [i == blank for i in range(len(pages))],
                firsts=[["", "first words"] if not p else [] for p in pages])


def test_page_sides_and_padding():
    assert [is_recto(n) for n in range(1, 5)] == [True, False, True, False]
    assert [even(n) for n in range(5)] == [0, 2, 2, 4, 4]
    assert [roman(n) for n in (1, 4, 9, 14, 40, 1994)] == ["i", "iv", "ix", "xiv", "xl",
                                                           "mcmxciv"]


def test_chunks_hold_at_most_size_stories_and_a_part_always_opens_one():
    body = [part(1), story(1), story(2), story(3), part(2), story(4), story(5)]
    chunks = plan_chunks(body, size=2, gap=NONE)
    assert [[s.id for s in c] for c in chunks] == [
        ["part-1", "story-1", "story-2"], ["story-3"], ["part-2", "story-4", "story-5"]]


def test_body_layout_places_pages_and_pads_before_parts():
    chunks = [[story(1)], [part(1), story(2)]]
    pieces = [laid(["story-1"]), laid(["part-1"], [], ["story-2"], [], blank=1)]
    body = BodyLayout.place(chunks, pieces, recto_starts=False)
    # story-1 takes page 1; the part opens on a recto, so page 2 is an added blank.
    assert body.placements == [Placement(0, 0, 1), Placement(BLANK, 0, 2), Placement(1, 0, 3),
                               Placement(1, 1, 4), Placement(1, 2, 5), Placement(1, 3, 6)]
    assert body.pages == {"story-1": 1, "part-1": 3, "story-2": 5}
    assert body.page_count == 6
    # A part's title page carries no folio, like a blank.
    assert [body.kind(n) for n in range(1, 7)] == ["opener", "blank", "blank", "blank",
                                                   "opener", "running"]
    assert [body.head(n) for n in range(1, 7)] == [None, None, None, None, None, "Story 2"]
    assert body.starts == [(1, "story-1", ""), (3, "part-1", ""), (5, "story-2", "")]


def test_the_back_matter_opens_on_a_recto_and_recto_starts_pads_every_story():
    body = BodyLayout.place([[story(1)], [story(2)]], [laid(["story-1"]), laid(["story-2"])],
                           recto_starts=True)
    assert [(p.chunk, p.number) for p in body.placements] == [(0, 1), (BLANK, 2), (1, 3),
                                                               (BLANK, 4)]
    assert body.page_count == 4 and body.blanks == {1: False, 2: True, 3: False, 4: True}


def test_a_page_laid_out_as_a_recto_moves_when_it_lands_on_a_verso():
    assert not Placement(0, 0, 1).moves and not Placement(0, 1, 2).moves
    assert Placement(0, 0, 2).moves and Placement(0, 0, 2).laid_recto
    assert Placement(0, 1, 3).moves and not Placement(0, 1, 3).laid_recto


def test_page_start_prefers_an_anchor_then_the_block_then_the_section():
    assert page_start(["story-3", "story-3-p1"], ["story-2-p4", "words"]) == ("story-3", "")
    assert page_start([], ["story-2-p4", "the words"]) == ("story-2-p4", "the words")
    assert page_start([], ["", "the words"], "contributors") == ("contributors", "the words")
    assert page_start([], ["", "the words"]) is None
    assert page_start([], []) is None


@pytest.mark.parametrize("pages", [24, 151, 400, 828])
def test_page_setup_keeps_the_text_width_on_either_side(pages):
    setup = PageSetup.for_book(PrintSettings(), pages, bleed=False)
    width = (setup.width - setup.inside - setup.outside) * 72
    assert setup.centre(True) - setup.centre(False) == pytest.approx(setup.inside * 72
                                                                     - setup.outside * 72)
    assert setup.centre(True) == pytest.approx(setup.inside * 72 + width / 2)
    assert setup.shift == pytest.approx(-(setup.centre(True) - setup.centre(False)))
    assert setup.inside >= setup.outside  # the gutter grows with the page count
    assert f"margin: {setup.top}in {setup.outside}in" in setup.css()


def piece(n: int, text: str, new_page: str = "always") -> Section:
    """A piece of the given text (only its length and lines matter to the plan)."""
    item = StoryView(SimpleNamespace(text=text), f"story-{n}", n, "", "en", "", "ltr",
                     new_page=new_page)
    return Section(f"story-{n}", "story.html", f"Story {n}", {"item": item}, "en")


def runon(n: int, new_page: str = "never") -> Section:
    """A piece of about a page that runs on (``new_page`` never or when_needed)."""
    return piece(n, "x" * CHARS_PER_PAGE, new_page)


def test_a_piece_is_estimated_by_its_characters_or_its_lines():
    assert estimated_pages(piece(1, "")) == 1  # the page it opens
    assert estimated_pages(piece(1, "x" * 3 * CHARS_PER_PAGE)) == 4
    assert estimated_pages(piece(1, "x" * 3 * CHARS_PER_PAGE, "never")) == 3
    verse = "\n".join(["a short line"] * 2 * LINES_PER_PAGE)
    assert estimated_pages(piece(1, verse, "never")) == pytest.approx(2, abs=0.1)
    assert estimated_pages(part(1)) == 0


def test_chunks_are_sized_by_pages_not_by_pieces():
    long = [piece(n, "x" * 10 * CHARS_PER_PAGE) for n in range(10)]  # 11 pages each
    assert [len(c) for c in plan_chunks(long, size=24, gap=NONE)] == [2, 2, 2, 2, 2]
    short = [piece(n, "") for n in range(100)]  # a page each
    assert [len(c) for c in plan_chunks(short, size=24, gap=NONE)] == [24, 24, 24, 24, 4]
    # A piece longer than a chunk is one chunk of its own.
    mixed = [piece(0, "x" * 40 * CHARS_PER_PAGE), piece(1, "x"), piece(2, "x")]
    assert [len(c) for c in plan_chunks(mixed, size=24, gap=NONE)] == [1, 2]


@pytest.mark.parametrize("shortest, longest", [(100, 400), (300, 9000), (15000, 40000)])
def test_one_edit_moves_the_bounds_of_its_own_chunk_and_few_others(shortest, longest):
    """Content-defined bounds: a piece made longer or shorter re-plans its own chunk and at
    most the few after it up to the next chosen piece, never the rest of the book (filled
    greedily, one shortened piece re-planned 27 of 57 chunks)."""
    rng = random.Random(7)
    lengths = [rng.randint(shortest, longest) for _ in range(300)]

    def planned(lengths):
        return {tuple(s.id for s in chunk): sum(map(estimated_pages, chunk)) for chunk in
                plan_chunks([piece(n, "x" * size) for n, size in enumerate(lengths)], 28)}
    before = planned(lengths)
    assert all(pages <= 28 or len(ids) == 1 for ids, pages in before.items())
    again = []
    for edited in range(0, 300, 11):
        for change in (1500, -250, 3000):
            after = planned([max(1, size + change * (n == edited))
                             for n, size in enumerate(lengths)])
            again.append(sum(pages for ids, pages in after.items()
                             if ids not in before or f"story-{edited}" in ids))
    again.sort()
    assert again[len(again) // 2] <= 30  # pages laid out again: the median edit's
    assert again[-1] <= 80               # the worst's


NONE = float("inf")  # no piece chosen to end a chunk: chunks bounded by size alone


def ids(chunks: list[list[Section]]) -> list[list[str]]:
    return [[s.id for s in chunk] for chunk in chunks]


def test_only_parts_and_pieces_that_always_start_a_page_open_a_chunk():
    assert story(1).forced and part(1).forced
    assert not runon(1).forced and not runon(1, "when_needed").forced
    body = [part(1), runon(1), runon(2), runon(3, "when_needed"), story(4), runon(5), story(6),
            story(7), part(2), runon(8), runon(9)]
    assert ids(plan_chunks(body, size=1, gap=NONE)) == [
        ["part-1", "story-1", "story-2", "story-3"], ["story-4", "story-5"], ["story-6"],
        ["story-7"], ["part-2", "story-8", "story-9"]]
    # With room for more, the chunks fill up to the next forced start past ``size``.
    assert ids(plan_chunks(body, size=3, gap=NONE)) == [
        ["part-1", "story-1", "story-2", "story-3"], ["story-4", "story-5", "story-6"],
        ["story-7"], ["part-2", "story-8", "story-9"]]


def test_a_run_longer_than_a_chunk_stays_one_chunk():
    body = [runon(n) for n in range(1, 101)]
    assert ids(plan_chunks(body, size=40, gap=NONE)) == [[f"story-{n}" for n in range(1, 101)]]
    body = [story(0), *body, story(101)]
    assert [len(c) for c in plan_chunks(body, size=40, gap=NONE)] == [101, 1]


def test_an_always_book_is_chunked_as_before():
    body = [part(1), *[story(n) for n in range(1, 8)], part(2), story(8)]
    assert ids(plan_chunks(body, size=3, gap=NONE)) == [
        ["part-1", "story-1", "story-2", "story-3"], ["story-4", "story-5", "story-6"],
        ["story-7"], ["part-2", "story-8"]]


def test_pages_holding_several_pieces_that_run_on():
    chunks = [[part(1), runon(1), runon(2), runon(3)], [story(4), runon(5)]]
    first = Laid(b"", [["part-1", "part-1-title"], ["story-1", "story-1-title", "story-2"],
                       ["story-2-p-2", "story-3", "story-3-title"], []],
                 [False] * 4, firsts=[["part-1-title", "Part"], ["story-1", "1"],
                                      ["story-2", "— Author"], ["story-3-p-1", "words"]])
    second = Laid(b"", [["story-4", "story-4-title", "story-5"]], [False],
                  firsts=[["story-4", "4"]])
    body = BodyLayout.place(chunks, [first, second], recto_starts=False)
    # Every piece's anchor has its true page; story-2 runs on from page 2 to page 3.
    assert {a: body.pages[a] for a in ("story-1", "story-2", "story-3", "story-4",
                                       "story-5")} == {"story-1": 2, "story-2": 2,
                                                       "story-3": 3, "story-4": 5,
                                                       "story-5": 5}
    # The part's page carries nothing; openers: the page where the first piece after it
    # opens (under the opener's sink, though it runs on) and the page where story 4 (always)
    # starts.
    assert [body.kind(n) for n in range(1, 7)] == ["blank", "opener", "running",
                                                   "running", "opener", "blank"]
    # The head is the piece at the top: page 3 begins with story 2's attribution (no id of
    # its own: the section's); page 4 is all story 3.
    assert [body.head(n) for n in range(1, 6)] == [None, None, "Story 2", "Story 3", None]
    assert body.on == {1: ("part-1",), 2: ("story-1", "story-2"), 3: ("story-2", "story-3"),
                       4: ("story-3",), 5: ("story-4", "story-5")}
    # A page that begins inside the piece before starts there (the EPUB's page list).
    assert body.starts == [(1, "part-1", ""), (2, "story-1", ""), (3, "story-2", "— Author"),
                           (4, "story-3-p-1", "words"), (5, "story-4", "")]


def test_a_page_that_starts_with_a_piece_running_on_has_it_as_its_head():
    chunks = [[runon(1), runon(2)]]
    piece = Laid(b"", [["story-1", "story-1-title"], ["story-2", "story-2-title"]],
                 [False] * 2, firsts=[["story-1", "1"], ["story-2", "2"]])
    body = BodyLayout.place(chunks, [piece], recto_starts=False)
    assert [body.head(n) for n in (1, 2)] == [None, "Story 2"]  # the first opens the body
    assert [body.kind(n) for n in (1, 2)] == ["opener", "running"]


def test_a_page_in_one_other_language_says_so_and_a_mixed_page_does_not():
    from types import SimpleNamespace

    from anthology.paged.join import languages
    chunks = [[runon(1), runon(2), runon(3)]]
    piece = Laid(b"", [["story-1", "story-2"], ["story-3"], []], [False] * 3,
                 firsts=[["story-1", "1"], ["story-2-p-1", "words"], ["story-3", "w"]])
    body = BodyLayout.place(chunks, [piece], recto_starts=False)
    stories = [SimpleNamespace(id=f"story-{n}", language=lang)
               for n, lang in ((1, "en"), (2, "fr"), (3, "fr"))]
    view = SimpleNamespace(stories=stories, book=SimpleNamespace(language="en"))
    assert languages(view, body) == {2: "fr", 3: "fr"}
