"""The book's sections: their ids, fixed titles, the link scheme between documents, and the
outline every output shows.

A section's id is its anchor in the PDF, the name of its EPUB document (``ID.xhtml``) and,
for the book's own sections, the name of its template (``ID.html``). The outline
(``render.BookView.outline``) is made of ``Entry`` objects: the PDF's bookmarks, the EPUB's
nav and NCX, and the contents page all draw it.

Which sections a book has, and in what order, is said here: ``FRONT_MATTER`` and
``BACK_MATTER`` in reading order, ``OPTIONAL`` those a book has only when its manifest gives
them (``front_matter(book)`` and ``back_matter(book)`` are the ones it has). Adding a
back-matter section: its id in ``BACK_MATTER`` (and in ``OPTIONAL`` if it may be absent: the
``Book`` field of that name, with a ``title``, says so; or a test in ``_PRESENT``; else its
title in ``TITLES``), a
template ``styles/ID.html`` and its style (book.css: it opens on a right-hand page and sets
the running head, as ``.sources`` does).
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass, field
from typing import Literal

from .text import plain_title

# in reading order; the half-title and the contents are the printed book's only
FRONT_MATTER = ("halftitle", "titlepage", "copyright", "dedication", "epigraph", "contents",
                "foreword")
BACK_MATTER = ("afterword", "acknowledgements", "bios", "contributors", "sources",
               "index-titles", "index-first-lines")
# the back matter's lists that print the pages of the book's pieces
LISTS = ("bios", "contributors", "sources", "index-titles", "index-first-lines")
# The sections a book has only when the manifest gives them: the Book field of that name ...
OPTIONAL = ("dedication", "epigraph", "foreword", "afterword", "acknowledgements")
# ... or when this says so.
_PRESENT = {"bios": lambda book: any(entry.bio for entry in book.contributors),
            "index-titles": lambda book: "titles" in book.indexes,
            "index-first-lines": lambda book: "first_lines" in book.indexes}
TITLES = {  # the sections whose title is always the same
    "cover": "Cover",  # the EPUB's
    "copyright": "Copyright",
    "dedication": "Dedication",
    "epigraph": "Epigraph",
    "contents": "Contents",
    "bios": "About the Contributors",
    "contributors": "Contributors",
    "sources": "Sources and Permissions",
    "index-titles": "Index of Titles",
    "index-first-lines": "Index of First Lines",
}


def has(book, section_id: str) -> bool:
    """Whether ``book`` (a model.Book) has the section: an optional one only if given."""
    if section_id in _PRESENT:
        return _PRESENT[section_id](book)
    return section_id not in OPTIONAL or getattr(book, section_id) is not None


def front_matter(book) -> tuple[str, ...]:
    """The ids of the book's front matter, in reading order (the printed book's)."""
    return tuple(id_ for id_ in FRONT_MATTER if has(book, id_))


def back_matter(book) -> tuple[str, ...]:
    """The ids of the book's back matter, in reading order."""
    return tuple(id_ for id_ in BACK_MATTER if has(book, id_))


def title_of(book, section_id: str) -> str:
    """A front- or back-matter section's title: the fixed one, else the manifest's (the
    foreword's, afterword's, acknowledgements'), or the book's for its half-title and title
    page (as plain text: a title's emphasis is the templates' to show)."""
    if section_id in ("halftitle", "titlepage"):
        return plain_title(book.title)
    return TITLES[section_id] if section_id in TITLES else getattr(book, section_id).title

# The paged book is laid out as separate documents; a link from one to another is written as
# LINK_SCHEME + anchor (WeasyPrint drops links to anchors it cannot see), and the join makes
# it internal.
LINK_SCHEME = "anthology:"


def paged_link(anchor: str, section_id: str | None = None) -> str:
    """A link to ``anchor`` from any document of the paged book (which is one document to
    its reader: ``section_id`` does not matter)."""
    return LINK_SCHEME + anchor


def epub_document(section_id: str) -> str:
    """The file name of a section's EPUB document."""
    return f"{section_id}.xhtml"


def epub_link(anchor: str, section_id: str | None = None) -> str:
    """A link to ``anchor`` from any document of the EPUB: the section of that id, or an
    anchor inside the section ``section_id``."""
    return f"{epub_document(section_id or anchor)}#{anchor}"


Kind = Literal["front", "part", "story", "back"]


@dataclass(frozen=True)
class Entry:
    """One line of the outline: a section, and the sections under it (a titled part's
    stories)."""
    title: str
    anchor: str  # the section's id
    children: tuple[Entry, ...] = ()
    _: KW_ONLY
    kind: Kind  # the contents page's class for it: toc-front, toc-part, ...
    byline: str = ""  # a titled story's author, shown after the title on the contents page
    # the title as the contents page prints it (HTML: its emphasis), if any; the same entry
    markup: str = field(default="", compare=False)
