"""The warnings of ``anthology check`` (the W codes of codes.py): the book is valid and builds,
but an editor should look at its people or its theme.

- W001: a contributor of the register whom no piece credits (nor the book, as one of its
  ``editors`` or its foreword's or afterword's author, which name people as plain text);
- W002: a piece's author without a bio when other contributors have one: About the
  Contributors leaves them out;
- W003: two people whose names differ only in accents, case or punctuation, or by one letter;
- W004: a one-word name no contributor has, close to a contributor's id (a mistyped id);
- W005: a piece translated from a language (``original_language``) with no translator;
- W006: a ``theme:`` font that is not installed on this machine.

``lint(book, path)`` lists them as Problems, sorted as a manifest's are; it never prints. The
book says who is credited where; the manifest is read again, to say on which line, only when
there is something to report, so a clean book costs no second parse.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from . import fonts
from .codes import Code
from .errors import Problem
from .manifest import load_manifest, locate
from .model import Book, as_given, credit_fields, dotted_path, located_stories, same_name
from .people import People, Person, folded

# W003's typo: one letter added, dropped or changed (a Levenshtein distance of 1) in names of
# at least TYPO_LETTERS letters. Chosen over difflib's ratio >= 0.9: a slip of the keyboard is
# one letter whatever the name's length, while the ratio lets longer names differ in more
# letters ('Alexandra Montgomery' / 'Alexander Montgomery', two people, is 0.95); and one letter
# can be looked up (see _same_person) instead of comparing every pair. Under 8 letters one
# letter too often makes another name ('Ana Ruiz' / 'Ana Cruz').
TYPO_LETTERS = 8
_PUNCTUATION = re.compile(r"[^\w\s]|_")
_NOT_LETTERS = re.compile(r"[\W\d_]")
LISTED = 3  # W002 names this many pieces, then says how many more


def lint(book: Book, path: str | Path) -> list[Problem]:
    """The warnings about the people of ``book``, read from the manifest at ``path``."""
    people = People(book)
    # Everyone the book names and where the manifest first does: the register's entries,
    # then the people only pieces name, in book order.
    named: list[tuple[Person, tuple]] = [(person, ("contributors", c, "name"))
                                         for c, person in enumerate(people.register)]
    credited: set[str] = set()
    authored: dict[str, list[tuple]] = {}  # a person's key -> the author fields naming them
    one_word: list[tuple[str, tuple]] = []  # (ref, where): one-word names the register lacks
    untranslated: list[tuple[tuple, str]] = []  # W005: (piece, language) translated by no one
    for loc, story, _ in located_stories(book):
        if story.original_language and not story.translator:
            untranslated.append((loc, story.original_language))
        handle = story.handle if story.author is not None else None
        for role, ref, where in credit_fields(loc, story):
            person = people.person(ref, handle if role == "author" else None)
            if not person.registered:
                if person.key not in credited:
                    named.append((person, where))
                if " " not in ref:
                    one_word.append((ref, where))
            credited.add(person.key)
            if role == "author":
                authored.setdefault(person.key, []).append(where)
    found = (_without_piece(book, people, credited) + _bios_missing(people, named, authored)
             + _same_person(named) + _unknown_ids(book, one_word)
             + _no_translator(untranslated) + _missing_fonts(book))
    if not found:
        return []
    data, _, _ = load_manifest(Path(path))

    def at(loc: tuple) -> str:
        return "{}:{}".format(*locate(data, loc))

    problems = []
    for code, loc, message in found:
        loc = as_given(data, loc)
        problems.append(Problem(*locate(data, loc), code, dotted_path(loc),
                                message(at) if callable(message) else message))
    return sorted(problems, key=lambda p: (p.file, p.line, p.path, p.message))


def _missing_fonts(book: Book) -> list:
    """W006: the theme's fonts the manifest names, the book's or an edition's, that are not
    installed (the fallback face is looked up only for one that is missing: a clean book
    costs no font search)."""
    themes = [(("theme",), book.theme)] + [(("editions", e, "theme"), edition.theme)
                                            for e, edition in enumerate(book.editions or ())]
    return [(Code.FONT_NOT_INSTALLED, (*where, key),
             f"font '{name}' is not installed here, so its text would be set in "
             f"{book.theme.body_font if key == 'heading_font' else fonts.fallback()}; install "
             f"it (Debian package {fonts.PACKAGES.get(name, 'providing it')}) or choose one "
             "that fc-list : family lists")
            for where, chosen in themes for key in ("body_font", "heading_font")
            if (name := getattr(chosen, key)) and key in chosen.model_fields_set
            and not fonts.installed(name)]


def _without_piece(book: Book, people: People, credited: set[str]) -> list:
    """W001: the register's entries no piece credits."""
    matter = [m.author for m in (book.foreword, book.afterword) if m and m.author]
    the_books = {same_name(name) for name in [*book.editors, *matter]}
    entries = book.contributors
    return [(Code.CONTRIBUTOR_WITHOUT_PIECE, ("contributors", c, "name"),
             f"no piece credits '{person.name}'; credit them in a piece (as "
             f"'{entries[c].id or person.name}') or remove the entry")
            for c, person in enumerate(people.register)
            if person.key not in credited and same_name(person.name) not in the_books
            and entries[c].id not in the_books]


def _unknown_ids(book: Book, one_word: list[tuple[str, tuple]]) -> list:
    """W004: a piece naming, in one word, someone the register lacks, close to one of its ids
    ('piotrr' for 'piotr'): a typo prints as a person's name."""
    ids = [entry.id for entry in book.contributors if entry.id]
    return [(Code.UNKNOWN_ID, where,
             f"'{ref}' is no contributor's id or name, so it prints as a name; did you mean "
             f"the id '{close[0]}'?")
            for ref, where in one_word
            if (close := difflib.get_close_matches(ref, ids, n=1, cutoff=0.75))]


def _no_translator(untranslated: list[tuple[tuple, str]]) -> list:
    """W005: a piece translated from a language by no one (an anonymous translation may be
    meant; usually the translator was forgotten)."""
    return [(Code.NO_TRANSLATOR, (*loc, "original_language"),
             f"translated from '{language}', and no "
             "'translator:': it prints \"Translated from the ...\" with no name; add the "
             "translator, or leave it for an anonymous translation")
            for loc, language in untranslated]


def _bios_missing(people: People, named: list, authored: dict[str, list[tuple]]) -> list:
    """W002: the pieces' authors without a bio, when some contributor has one."""
    if not any(person.bio for person in people.register):
        return []
    found = []
    for person, loc in named:
        fields = authored.get(person.key)
        if not fields or person.bio:
            continue
        pieces = list(dict.fromkeys(dotted_path(field[:-2] if isinstance(field[-1], int)
                                          else field[:-1]) for field in fields))
        more = f" and {len(pieces) - LISTED} more" if len(pieces) > LISTED else ""
        what = "add a 'bio' to their entry" if person.registered else \
            "add them to 'contributors:' with a 'bio'"
        found.append((Code.BIO_MISSING, loc[:2] if person.registered else fields[0],
                      f"'{person.name}' (author of {', '.join(pieces[:LISTED])}{more}) has no "
                      f"bio, while other contributors have one, so About the Contributors "
                      f"leaves them out; {what}"))
    return found


def _same_person(named: list) -> list:
    """W003: each person whose name is another's, earlier named, but for accents, case,
    punctuation or a typo. Names are found by their folded form and, when long enough, that
    form with each of its letters dropped: two names one letter apart share one of these keys
    (a changed letter: both without it; an added one: the longer without it), so 4,000
    contributors are looked up, not compared in 8 million pairs."""
    earlier: dict[str, list[int]] = {}
    found = []
    for i, (person, loc) in enumerate(named):
        name = _folded(person.name)
        keys = [name]
        if _letters(name) >= TYPO_LETTERS:
            keys += [name[:k] + name[k + 1:] for k in range(len(name))]
        matches = [next((j for j in earlier.get(key, ()) if _alike(named[j][0], person)), None)
                   for key in keys]
        if (first := min((j for j in matches if j is not None), default=None)) is not None:
            other, other_loc = named[first]
            how = "only in accents, case or punctuation" if _folded(other.name) == name else \
                "by one letter"
            found.append((Code.SAME_PERSON, loc, _differs(person, other, other_loc, how)))
        for key in dict.fromkeys(keys):
            earlier.setdefault(key, []).append(i)
    return found


def _differs(person: Person, other: Person, other_loc: tuple, how: str):
    """W003's message, given ``at``: where a location is (file:line)."""
    return lambda at: (f"'{person.name}' differs from '{other.name}' ({at(other_loc)}) {how}: "
                       "the same person twice? If so, name them one way (by the register's "
                       "id or its exact name); if they are two people, ignore this")


def _folded(name: str) -> str:
    """A name as W003 compares it: folded (people.folded), without punctuation."""
    return " ".join(_PUNCTUATION.sub("", folded(name)).split())


def _letters(name: str) -> int:
    return len(_NOT_LETTERS.sub("", name))


def _alike(one: Person, other: Person) -> bool:
    """Whether two people's folded names are equal, or one letter apart in names of
    TYPO_LETTERS letters or more. Two register entries of the very same name are two people
    on purpose (a piece must tell them apart by id: M052)."""
    if one.registered and other.registered and same_name(one.name) == same_name(other.name):
        return False
    a, b = sorted((_folded(one.name), _folded(other.name)), key=len)
    if a == b:
        return True
    if len(b) - len(a) > 1 or _letters(a) < TYPO_LETTERS:
        return False
    k = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), len(a))
    return (a[k + 1:] if len(a) == len(b) else a[k:]) == b[k + 1:]
