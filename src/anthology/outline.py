"""The book's sections: their ids, fixed titles, the link scheme between documents, and the
outline every output shows.

A section's id is its anchor in the PDF, the name of its EPUB document (``ID.xhtml``) and,
for the book's own sections, the name of its template (``ID.html``). The outline
(``render.BookView.outline``) is made of ``Entry`` objects: the PDF's bookmarks, the EPUB's
nav and NCX, and the contents page all draw it.

Adding a back-matter section: its id and title in ``BACK_MATTER_TITLES``, a template
``styles/ID.html`` and its style (book.css: it opens on a right-hand page and sets the running
head, as ``.sources`` does).
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from typing import Literal

FRONT_MATTER = ("halftitle", "titlepage", "copyright", "contents", "foreword")
BACK_MATTER_TITLES = {"contributors": "Contributors", "sources": "Sources and Permissions"}
BACK_MATTER = tuple(BACK_MATTER_TITLES)  # in reading order
TITLES = {  # the sections whose title is always the same
    "cover": "Cover",  # the EPUB's
    "copyright": "Copyright",
    "contents": "Contents",
    **BACK_MATTER_TITLES,
}

# The paged book is laid out as separate documents; a link from one to another is written as
# LINK_SCHEME + anchor (WeasyPrint drops links to anchors it cannot see), and the join makes
# it internal.
LINK_SCHEME = "anthology:"


def paged_link(anchor: str) -> str:
    """A link to ``anchor`` from any document of the paged book."""
    return LINK_SCHEME + anchor


def epub_document(section_id: str) -> str:
    """The file name of a section's EPUB document."""
    return f"{section_id}.xhtml"


def epub_link(anchor: str) -> str:
    """A link to the section ``anchor`` from any document of the EPUB."""
    return f"{epub_document(anchor)}#{anchor}"


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
