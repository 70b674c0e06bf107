"""Who a piece credits (people.People): register entries by id or name, people named only in
pieces, handles, and the order names sort in, with ICU and with the fallback."""

from __future__ import annotations

import pytest

from anthology import people as people_module
from anthology.model import load_book
from anthology.people import People, default_sort_as, sort_key


def _people(make_book, register: str, stories: str) -> tuple:
    book = load_book(make_book(f"title: T\ncontributors:\n{register}stories:\n{stories}"))
    return book, People(book)


def test_entries_of_one_name_are_two_people_and_an_id_wins_over_a_name(make_book):
    book, people = _people(make_book, "  - {id: jo, name: Jo Penrose, bio: One.}\n"
                                      "  - {name: jo, bio: Two.}\n"
                                      "  - {id: li1, name: Bo Li}\n  - {id: li2, name: Bo Li}\n",
                           "  - {author: jo, text: x}\n  - {author: li2, text: y}\n")
    first, second = (people.credits(s).author[0] for s in book.all_stories)
    assert (first.name, first.bio) == ("Jo Penrose", "One.")
    assert second.key == people.register[3].key != people.register[2].key
    assert len({p.key for p in people.register}) == 4


def test_a_person_named_twice_in_a_role_counts_once(make_book):
    book, people = _people(make_book, "  - {id: ana, name: Ana Ruiz}\n",
                           "  - {authors: [ana, Ana Ruiz, Jo], translator: [Kim, Kim], text: x}\n")
    credits = people.credits(book.all_stories[0])
    assert credits.byline == "Ana Ruiz and Jo"
    assert [p.name for p in credits.translator] == ["Kim"]


def test_a_pieces_handle_is_its_registered_authors_on_every_piece(make_book):
    book, people = _people(make_book, "  - {id: ana, name: Ana Ruiz}\n  - {id: jo, name: Jo, "
                                      "handle: '@jo'}\n",
                           "  - {author: ana, text: x}\n"
                           "  - {author: ana, handle: '@ana', text: y}\n"
                           "  - {author: ana, handle: '@other', text: z}\n"
                           "  - {author: jo, handle: '@not_jo', text: w}\n")
    handles = [people.credits(s).handles for s in book.all_stories]
    assert handles == [["@ana"], ["@ana"], ["@ana"], ["@jo"]]  # the register's wins


@pytest.mark.parametrize("name,expected", [
    ("Esther Choo", "Choo, Esther"), ("Ana de la Fuente", "Fuente, Ana de la"),
    ("Rick MacDonald MD", "MacDonald, Rick, MD"), ("Martin Luther King Jr.",
                                                   "King, Martin Luther, Jr."),
    ("Cher", "Cher")])
def test_default_sort_names(name, expected):
    assert default_sort_as(name) == expected


NAMES = ["Abara, Ruth", "Łęcka, Łucja", "Lopez, Laura", "Nguyễn Thị Lan", "Nunez, Zoe",
         "Núñez, Zoë", "Ó Briain, Tomás", "Oak, Ida", "Öberg, Örjan", "Ødegård, Øystein",
         "Ortiz, Oscar", "Zapata, Emiliano"]


@pytest.mark.parametrize("icu", [True, False])
def test_accents_sort_with_their_base_letter(monkeypatch, icu):
    if icu:
        pytest.importorskip("icu")
    else:
        monkeypatch.setattr(people_module, "_collator", lambda language: None)
    assert sorted(NAMES[::-1], key=sort_key) == NAMES  # an accent decides only a tie


def test_one_name_may_stand_for_a_list_of_names_and_a_number_may_not(make_book):
    book, people = _people(make_book, "  - {id: ana, name: Ana Ruiz}\n",
                           "  - {authors: ana, translator: Jo Penrose, text: x}\n")
    credits = people.credits(book.all_stories[0])
    assert (credits.byline, credits.translator[0].name) == ("Ana Ruiz", "Jo Penrose")
    from anthology.errors import ManifestError
    with pytest.raises(ManifestError) as error:
        load_book(make_book("title: T\nstories:\n  - {author: A, translator: 3, text: x}\n"))
    assert str(error.value).endswith(
        "M018 stories[0].translator: expected a name or a list of names, got a number")


def test_the_index_prints_a_page_once_though_two_pieces_start_on_it(make_book):
    from lxml import html

    from anthology.render import book_view, pdf_html, sections
    from anthology.theme import Theme
    view = book_view(load_book(make_book(
        "title: T\nstories:\n  - {author: Ana Ruiz, title: One, text: x}\n"
        "  - {author: Ana Ruiz, title: Two, text: y}\n"
        "  - {author: Ana Ruiz, translator: Jo, title: Three, text: z}\n")))
    chosen = [s for s in sections(view, paged=True) if s.id == "contributors"]
    pages = {"story-1": 3, "story-2": 3, "story-3": 4}
    page = html.fromstring(pdf_html(view, Theme(), chosen, "2024-01-01T00:00:00Z", pages))
    entries = [" ".join(li.text_content().split()) for li in page.iter("li")]
    assert entries == ["Jotranslator 4", "Ruiz, Ana3, 4"]  # the ", " after a name is CSS's
