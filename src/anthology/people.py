"""The people of a book: who is credited for each piece and in what role, and the order
their names sort in.

A piece names its people by the id or the name of a ``contributors:`` entry; a name the
register does not hold is a person too (with the piece's ``handle``), so a manifest without a
register means what it always did. ``People(book)`` resolves every credit once.

Names sort by their ``sort_as`` ("Choo, Esther"), collated for the book's language by ICU
(PyICU, the ``icu`` extra): accents sort with their base letter, and Spanish puts "ñ" after
"n". Without PyICU the fallback key strips accents (NFKD), folds the letters that have no
decomposition (Ø, Ł, Đ, Æ, Œ, ß, Þ, ı) and compares case-insensitively, which is the same
order for Latin names but knows no language's own rules. ``sort_key`` and ``initial`` (the
letter an index files a text under) serve the indexes of titles and first lines too.
"""

from __future__ import annotations

import dataclasses
import functools
import unicodedata
from dataclasses import dataclass

from .model import ROLES, Book, Contributor, Story, same_name

# MARC relator codes (https://id.loc.gov/vocabulary/relators): the EPUB's role refinements.
RELATORS = {"author": "aut", "translator": "trl", "illustrator": "ill", "editor": "edt"}
# Letters NFKD leaves whole, as the letter they sort with.
_FOLD = str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "æ": "ae",
                       "Æ": "AE", "œ": "oe", "Œ": "OE", "ß": "ss", "þ": "th", "Þ": "TH",
                       "ı": "i", "ð": "d", "Ð": "D"})


_SUFFIXES = {"jr", "sr", "ii", "iii", "iv", "md", "phd", "rn", "do", "esq"}


def default_sort_as(name: str) -> str:
    """'Esther Choo' -> 'Choo, Esther'; 'Ana de la Fuente' -> 'Fuente, Ana de la'; 'Rick
    MacDonald MD' -> 'MacDonald, Rick, MD'. A name that sorts otherwise (a family name
    first, a compound surname) needs ``sort_as``."""
    words = name.replace(",", " ").split()
    suffixes = []
    while len(words) > 2 and words[-1].replace(".", "").casefold() in _SUFFIXES:
        suffixes.insert(0, words.pop())
    if len(words) < 2:
        return name
    return ", ".join([words[-1], " ".join(words[:-1]), *([" ".join(suffixes)] if suffixes
                                                        else [])])


@functools.cache
def _collator(language: str):
    try:
        import icu
    except ImportError:
        return None
    return icu.Collator.createInstance(icu.Locale.forLanguageTag(language))


def sort_key(text: str, language: str = "en"):
    """A key that sorts ``text`` as a reader of ``language`` expects (see the module's doc)."""
    collator = _collator(language)
    if collator is not None:
        return collator.getSortKey(text)
    return folded(text), text


def folded(text: str) -> str:
    """``text`` as the fallback sort key compares it: accents stripped (NFKD), the letters
    of _FOLD folded, case folded. (lint.py matches names by it too.)"""
    if text.isascii():
        return text.casefold()
    plain = "".join(c for c in unicodedata.normalize("NFKD", text.translate(_FOLD))
                    if not unicodedata.combining(c))
    return plain.casefold()


@functools.cache
def _alphabet(language: str):
    import icu
    return icu.AlphabeticIndex(icu.Locale.forLanguageTag(language)).buildImmutableIndex()


def initial(text: str, language: str = "en") -> str:
    """The letter an index files ``text`` under: 'Évora' under 'E', and in a Swedish book
    'Ärlig' under 'Ä' (ICU's alphabetic index of the language; other scripts, digits and
    signs under '…'). The fallback: the first character without its accents, '#' for a
    digit or sign."""
    if _collator(language) is not None:
        index = _alphabet(language)
        return index.getBucket(index.getBucketIndex(text))[0]
    first = unicodedata.normalize("NFKD", text[:1].translate(_FOLD))[:1]
    return first.upper() if first.isalpha() else "#"


@dataclass(frozen=True)
class Person:
    """A contributor as the outputs show them. ``key`` is unique in the book: the register's
    id (or its name), else 'name|handle' for a name the register does not hold."""
    key: str
    name: str
    sort_as: str
    handle: str | None = None
    website: str | None = None
    bio: str | None = None
    short_bio: str | None = None
    registered: bool = False  # from the ``contributors:`` register


@dataclass(frozen=True)
class Credits:
    """Who made one piece, role by role (ROLES)."""
    author: tuple[Person, ...]
    translator: tuple[Person, ...] = ()
    illustrator: tuple[Person, ...] = ()
    editor: tuple[Person, ...] = ()

    @property
    def byline(self) -> str:
        """'Ana Ruiz', 'Ana Ruiz and Jo Penrose', 'A, B and C'."""
        return names(self.author)

    def roles(self):
        """(role, person) for every credit, in ROLES order."""
        return [(role, person) for role in ROLES for person in getattr(self, role)]

    @property
    def handles(self) -> list[str]:
        return [person.handle for person in self.author if person.handle]


def names(people) -> str:
    """People's names as a list in words: 'A', 'A and B', 'A, B and C'."""
    names_ = [person.name for person in people]
    return names_[0] if len(names_) == 1 else ", ".join(names_[:-1]) + " and " + names_[-1]


def _person(entry: Contributor) -> Person:
    return Person(entry.id or entry.name, entry.name, entry.sort_as or default_sort_as(entry.name),
                  entry.handle, entry.website, entry.bio, entry.short_bio, registered=True)


class People:
    """Every person of ``book`` and every piece's credits."""

    def __init__(self, book: Book):
        self.book = book
        self.register = [_person(entry) for entry in book.contributors]
        self._by_id = {entry.id: person for entry, person in zip(book.contributors,
                                                                  self.register) if entry.id}
        self._by_name: dict[str, Person] = {}
        for person in self.register:
            self._by_name.setdefault(same_name(person.name), person)
        self._inline: dict[tuple[str, str | None], Person] = {}

    def person(self, ref: str, handle: str | None = None) -> Person:
        """The person a piece's ``ref`` (an id or a name) means; ``handle`` is the piece's, for
        a name the register does not hold."""
        found = self._by_id.get(ref) or self._by_name.get(same_name(ref))
        if found and handle and not found.handle:  # the piece gives the handle
            found = self._with_handle(found, handle)
        if found:
            return found
        key = (same_name(ref), handle)
        if key not in self._inline:
            self._inline[key] = Person(f"{key[0]}|{handle or ''}", key[0],
                                       default_sort_as(key[0]), handle)
        return self._inline[key]

    def _with_handle(self, person: Person, handle: str) -> Person:
        """The register's ``person`` given the handle a piece names them with."""
        found = dataclasses.replace(person, handle=handle)
        self.register = [found if p is person else p for p in self.register]
        for table in (self._by_id, self._by_name):
            table.update({k: found for k, p in table.items() if p is person})
        return found

    def credits(self, story: Story) -> Credits:
        handle = story.handle if story.author is not None else None
        return Credits(**{role: tuple(self.person(ref, handle if role == "author" else None)
                                      for ref in story.refs(role)) for role in ROLES})

    def sort_key(self, person: Person):
        return sort_key(person.sort_as, self.book.language), sort_key(person.name,
                                                                      self.book.language)

    def sorted(self, people) -> list[Person]:
        """``people`` in the order of an index: by ``sort_as``, collated."""
        return sorted(people, key=self.sort_key)
