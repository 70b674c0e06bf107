"""Hyphenation a typesetter accepts, read back from a small print PDF: at least three letters
on each side of a break, none by a joined em dash or a slash, no name broken, no more than
two hyphenated lines in a row (across a page break too). The 300-page measurement is
benchmarks/typesetting.py (make typesetting)."""

from __future__ import annotations

import json

import pytest

from anthology.build import build
from anthology.paged.hyphenation import allowed
from pagelines import measure, read_lines

WJ = "\u2060"

# Long lowercase words with many break points: at this measure they ladder line after line.
LADDER = ("incomprehensible particularly pharmaceutical unremarkable embankment unforgivable "
          "considerably correspondence inexplicable photographically indefatigable ")
NAMES = (f"Philadelphia Bartholomew “Constantinople,” Wilhelmina "
         f"Evangeline{WJ}—{WJ}Montgomery Copenhagen ")
DASHED = (f"the apartment{WJ}—{WJ}at once the hall{WJ}—{WJ}but the kitchen/dining room and "
          f"her misunderstanding/apology, the undertaker’s wheelbarrow{WJ}—{WJ}ah ")


def test_breaks_keep_three_letters_within_their_run_and_names_whole():
    word = f"apartment{WJ}—{WJ}at"
    assert not allowed(word, 8)                  # apartmen-/t—at
    assert allowed(word, 5) and not allowed(word, 7)
    assert not allowed("Hell" + WJ + "—" + WJ + "but", 3)
    assert not allowed("kitchen/dining", 8) and not allowed("kitchen/dining", 6)
    assert not allowed("unforgivable", 2) and allowed("unforgivable", 5)
    assert not allowed("Philadelphia", 5) and not allowed("Russell", 3)
    assert not allowed("“Russell", 4) and not allowed(f"at{WJ}—{WJ}Philadelphia", 10)


@pytest.fixture(scope="module")
def pdf(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hyphenation")
    text = "\n\n".join([LADDER * 14,                       # runs over a page break
                        " ".join([NAMES + "and the " + LADDER[:60]] * 8),
                        " ".join(f"{DASHED[n:]} {DASHED[:n]}" for n in range(0, 120, 7))])
    book = {"title": "Hyphens", "language": "en", "date": "2026-11-29",
            "stories": [{"title": "Ladders", "author": "A. Writer", "text": text}]}
    (folder / "book.yaml").write_text(json.dumps(book, ensure_ascii=False), encoding="utf-8")
    return build(folder / "book.yaml", folder / "out", formats=["print"]).outputs["print"]


def test_no_break_leaves_fewer_than_three_letters_or_splits_a_name(pdf):
    counts = measure(pdf)
    assert counts.auto > 20  # the book does hyphenate
    assert counts.short == []
    assert counts.names == []


def test_no_more_than_two_hyphenated_lines_in_a_row(pdf):
    counts = measure(pdf)
    assert counts.longest == 2, counts.ladder_pages


def test_the_count_goes_on_across_a_page_break(pdf):
    pages = [page for page in read_lines(pdf) if page]
    for before, after in zip(pages, pages[1:]):
        text = [line for line in before if line.size == 11.0]
        if text and text[-1].hyphenated and text[-2].hyphenated:
            first = next(line for line in after if line.size == 11.0)
            assert not first.hyphenated
            return
    pytest.skip("no page ends on two hyphenated lines")  # then the other tests speak


def test_german_capitals_are_nouns_not_names():
    from anthology.paged.hyphenation import allowed
    import pyphen

    from anthology.paged.hyphenation import _dictionary_class
    word = "Kraftfahrzeughaftpflichtversicherung"
    assert not allowed(word, 5) and allowed(word, 5, names=False)
    german, english = (_dictionary_class(pyphen)(lang=lang) for lang in ("de_DE", "en_US"))
    assert german.positions(word) and not english.positions("Philadelphia")
