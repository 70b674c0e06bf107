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

import functools
import unicodedata
from dataclasses import dataclass

from .model import ROLES, Book, Story, same_name

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


class People:
    """Every person of ``book`` and every piece's credits.

    A register entry's key is its place in the register (two entries are two people, even
    of one name); a name the register lacks is keyed by the name and the piece's handle.
    A piece's ``handle`` (given with a single ``author``) is its author's handle when the
    register gives them none: the first piece's, for every piece."""

    def __init__(self, book: Book):
        self.book = book
        contributors = book.contributors
        # the register's places by name (a name's first entry), then by id (an id wins)
        self._places = {same_name(e.name): c for c, e in reversed(list(enumerate(
            contributors)))} | {e.id: c for c, e in enumerate(contributors) if e.id}
        handles: dict[int, str] = {}
        for story in book.all_stories:
            if story.author is not None and story.handle:
                if (place := self._place(story.author)) is not None:
                    handles.setdefault(place, story.handle)
        self.register = [
            Person(f"contributor:{c}", e.name, e.sort_as or default_sort_as(e.name),
                   e.handle or handles.get(c), e.website, e.bio, e.short_bio, registered=True)
            for c, e in enumerate(contributors)]
        self._inline: dict[tuple[str, str | None], Person] = {}

    def _place(self, ref: str) -> int | None:
        """The place in the register of the entry ``ref`` names (by id, else by name)."""
        return self._places.get(ref, self._places.get(same_name(ref)))

    def person(self, ref: str, handle: str | None = None) -> Person:
        """The person a piece's ``ref`` (an id or a name) means; ``handle`` is the piece's, for
        a name the register does not hold."""
        place = self._place(ref)
        if place is not None:
            return self.register[place]
        key = (same_name(ref), handle)
        if key not in self._inline:
            self._inline[key] = Person(f"inline:{key[0]}|{handle or ''}", key[0],
                                       default_sort_as(key[0]), handle)
        return self._inline[key]

    def credits(self, story: Story) -> Credits:
        """Who made ``story``, role by role; a person named twice in one role counts once."""
        handle = story.handle if story.author is not None else None
        return Credits(**{role: tuple({p.key: p for p in (
            self.person(ref, handle if role == "author" else None)
            for ref in story.refs(role))}.values()) for role in ROLES})

    def index_key(self, person: Person):
        """Where ``person`` files in an index: by ``sort_as``, collated, then by name."""
        language = self.book.language
        return sort_key(person.sort_as, language), sort_key(person.name, language)

    def in_index_order(self, people) -> list[Person]:
        return sorted(people, key=self.index_key)
