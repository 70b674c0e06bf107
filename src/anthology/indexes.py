"""The indexes of titles and of first lines (outline.py: index-titles, index-first-lines):
their entries, in the order a reader of the book's language looks them up.

An entry is a piece under a text: its title (untitled pieces are not in the index of titles)
or its first line (text.first_line). Entries sort by that text collated for the book's
language (people.sort_key: ICU when installed), from its first letter or digit (leading
punctuation and quotation marks do not count); a title in an English book is filed after a
leading "A", "An" or "The", while a first line is filed as it reads (the convention of
indexes of first lines: a reader remembers a line as it begins). The text prints in full.
Ties keep book order. The first entry under each letter (people.initial) is marked, for the
space a designer puts above it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .people import initial, sort_key

# Leading words an index does not file under, by primary language subtag.
_ARTICLES = {"en": re.compile(r"(?:a|an|the)\s+", re.IGNORECASE)}


@dataclass(frozen=True)
class IndexEntry:
    text: str                 # as printed: the title or first line, in full
    item: Any                 # the piece's render.StoryView (its id, byline, page)
    new_letter: bool = False  # the first entry under its letter


def filed_as(text: str, language: str, articles: bool = True) -> str:
    """The words ``text`` is filed under, from its first letter or digit and, in English,
    after an article: '“The Orchard”' -> 'Orchard”' (with ``articles=False``,
    'The Orchard”')."""
    text = _unpunctuated(text)
    article = _ARTICLES.get(language.split("-")[0].lower()) if articles else None
    found = article.match(text) if article else None
    if found and _unpunctuated(text[found.end():]):
        text = _unpunctuated(text[found.end():])
    return text


def _unpunctuated(text: str) -> str:
    """``text`` from its first letter or digit: without leading spaces, punctuation,
    quotation marks and signs."""
    start = 0
    while start < len(text) and not text[start].isalnum():
        start += 1
    return text[start:].rstrip()


def index(entries: Iterable[tuple[str, Any]], language: str,
          articles: bool = True) -> list[IndexEntry]:
    """(text, piece) pairs in book order, as a sorted index; ``articles``: a leading article
    is not filed under (titles), see filed_as."""
    keyed = []
    for number, (text, item) in enumerate(entries):
        filed = filed_as(text, language, articles) or text
        keyed.append(((sort_key(filed, language), sort_key(text, language), number),
                      filed, text, item))
    keyed.sort(key=lambda entry: entry[0])
    out, letter = [], None
    for _, filed, text, item in keyed:
        this = initial(filed, language)
        out.append(IndexEntry(text, item, new_letter=this != letter))
        letter = this
    return out
