"""``anthology check``'s warnings (lint.py, the W codes): one line each on stderr, exit 0, or
exit 2 with --strict; none for a manifest with errors or a clean one."""

from __future__ import annotations

import time

from anthology.cli import main
from anthology.lint import lint
from anthology.model import load_book
from conftest import DEFAULT_MANIFEST


def warnings(path) -> list[tuple[int, str, str]]:
    return [(p.line, p.code, p.path) for p in lint(load_book(path), path)]


def test_a_contributor_no_piece_credits(make_book):
    path = make_book("title: T\ncontributors:\n  - id: ana\n    name: Ana Ruiz\n"
                     "  - name: Jo Penrose\n  - name: The Editor\n"
                     "editors: The Editor\nstories:\n  - author: ana\n    text: x\n")
    assert warnings(path) == [(5, "W001", "contributors[1].name")]  # the book's editor is not
    problem, = lint(load_book(path), path)
    assert "no piece credits 'Jo Penrose'" in problem.message
    assert "remove the entry" in problem.message


def test_a_contributor_credited_in_any_role_is_used(make_book):
    path = make_book("title: T\ncontributors:\n  - {id: ana, name: Ana Ruiz}\n"
                     "  - {id: jo, name: Jo Penrose}\nstories:\n"
                     "  - {author: ana, illustrator: jo, text: x}\n")
    assert warnings(path) == []


def test_an_author_without_a_bio_when_others_have_one(make_book):
    path = make_book("""\
        title: T
        contributors:
          - id: ana
            name: Ana Ruiz
            bio: She writes.
          - id: jo
            name: Jo Penrose
        stories:
          - author: jo
            text: x
          - authors: [ana, Kim Park]
            text: y
          - author: Kim Park
            text: z
          - author: ana
            translator: Lee Marsh
            text: w
        """)
    # Jo at their register entry; Kim (not registered) at the first author field naming
    # them, once; Lee only translates.
    assert warnings(path) == [(6, "W002", "contributors[1]"),
                              (11, "W002", "stories[1].authors[1]")]
    kim = lint(load_book(path), path)[1]
    assert kim.message.startswith("'Kim Park' (author of stories[1], stories[2]) has no bio")


def test_no_bio_warning_when_nobody_has_a_bio(make_book):
    path = make_book("title: T\ncontributors:\n  - {id: jo, name: Jo Penrose}\nstories:\n"
                     "  - {author: jo, text: x}\n  - {author: Kim Park, text: y}\n")
    assert warnings(path) == []


def test_names_that_differ_in_accents_case_punctuation_or_a_letter(make_book):
    path = make_book("""\
        title: T
        contributors:
          - id: zoe
            name: Zoë Núñez
          - id: esther
            name: Esther Choo
        stories:
          - authors: [zoe, esther]
            text: x
          - author: Zoe Nunez
            text: y
          - author: ana ruíz
            translator: Ana Ruiz.
            text: z
          - author: Ester Choo
            illustrator: Jo Penrose
            text: w
          - author: Jo Penrosе
            text: v
          - author: Ana Cruz
            text: u
        """)
    found = lint(load_book(path), path)
    assert [(p.line, p.code, p.path) for p in found] == [
        (10, "W003", "stories[1].author"), (13, "W003", "stories[2].translator"),
        (15, "W003", "stories[3].author"), (18, "W003", "stories[4].author")]
    assert found[0].message.startswith("'Zoe Nunez' differs from 'Zoë Núñez' (book.yaml:4) "
                                       "only in accents, case or punctuation")
    assert "'Ana Ruiz.' differs from 'ana ruíz' (book.yaml:12)" in found[1].message
    assert "'Ester Choo' differs from 'Esther Choo' (book.yaml:6) by one letter" \
        in found[2].message
    assert "(book.yaml:16) by one letter" in found[3].message  # a Cyrillic 'е'
    # 'Ana Cruz' / 'Ana Ruiz': one letter apart, but under 8 letters: another name.


def test_two_register_entries_of_one_name_are_two_people(make_book):
    path = make_book("title: T\ncontributors:\n  - {id: jo1, name: Jo Penrose}\n"
                     "  - {id: jo2, name: Jo Penrose}\nstories:\n"
                     "  - {authors: [jo1, jo2], text: x}\n")
    assert warnings(path) == []


def test_many_contributors_are_not_compared_pair_by_pair(make_book):
    names = [f"Writer {chr(97 + n % 26)}{chr(97 + n // 26 % 26)}{chr(97 + n // 676)}son"
             for n in range(4000)]
    path = make_book("title: T\ncontributors:\n"
                     + "".join(f"  - {{id: w{n}, name: {name}}}\n" for n, name in enumerate(names))
                     + "stories:\n" + "".join(f"  - {{author: w{n}, text: x}}\n"
                                              for n in range(4000)))
    book = load_book(path)
    start = time.perf_counter()
    found = lint(book, path)
    assert time.perf_counter() - start < 5
    # 'Writer aaason' and 'Writer baason' are one letter apart: every name has such twins.
    assert found and {p.code for p in found} == {"W003"}


def test_the_default_book_is_clean():
    assert lint(load_book(DEFAULT_MANIFEST), DEFAULT_MANIFEST) == []


PEOPLE = ("title: T\ncontributors:\n  - {id: ana, name: Ana Ruiz}\n  - {name: Jo Penrose}\n"
          "stories:\n  - {author: ana, text: x}\n")


def test_check_prints_warnings_and_succeeds(make_book, capsys):
    path = make_book(PEOPLE)
    assert main(["check", str(path)]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines() == ["book.yaml:4: W001 contributors[1].name: no piece credits "
                                "'Jo Penrose'; credit them in a piece (as 'Jo Penrose') or "
                                "remove the entry"]
    assert out == f"{path}: ok (1 story, 1 warning)\n"


def test_check_strict_fails_on_warnings(make_book, capsys):
    path = make_book(PEOPLE)
    assert main(["check", "--strict", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines()[-1] == "anthology: 1 warning, and --strict fails the check on them"
    assert main(["check", "--strict", str(DEFAULT_MANIFEST)]) == 0


def test_a_manifest_with_errors_gives_errors_only(make_book, capsys):
    path = make_book(PEOPLE.replace("text: x", "text: x, date: soon"))
    assert main(["check", "--strict", str(path)]) == 2
    err = capsys.readouterr().err
    assert "M024" in err and "W001" not in err
    assert main(["check", str(path)]) == 2


def test_a_mistyped_id_and_a_translation_without_translator(make_book):
    path = make_book("title: T\ncontributors:\n  - {id: piotr, name: Piotr Zielinski}\n"
                     "stories:\n"
                     "  - {author: piotr, translator: piotrr, text: x}\n"
                     "  - {author: piotr, translator: [Jo Penrose, pitr], text: y}\n"
                     "  - {author: piotr, original_language: pl, text: z}\n"
                     "  - {author: Cher, translator: Jo Penrose, original_language: pl, "
                     "text: w}\n")
    assert warnings(path) == [(5, "W004", "stories[0].translator"),
                              (6, "W004", "stories[1].translator[1]"),
                              (7, "W005", "stories[2].original_language")]
