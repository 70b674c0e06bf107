"""Book -> HTML through the theme's templates.

``book_view(book)`` turns the model into what the templates show (ids, rendered Markdown, dates
as words, the contributors list, the indexes of titles and first lines, the outline);
``pdf_html`` makes the single paged document and ``epub_documents`` the one-per-section XHTML
files. Both use the same section templates.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

from markupsafe import escape

from . import isbn as isbns
from .indexes import IndexEntry, index
from .model import ROLES, Book, Part, Story
from .people import Credits, People, Person, names
from .outline import TITLES, Entry, back_matter, epub_link, front_matter, paged_link, title_of
from .text import direction, first_line, plain_title, title_html, to_html, to_html_parts
from .theme import Theme

SHORT_LINES = 8    # a run-on piece of at most this many lines of text ...
SHORT_CHARS = 600  # ... and characters is "short": it never breaks across pages


def language_name(tag: str | None) -> str:
    """'gl' -> 'Galician' (CLDR's English names, through Babel); an unknown tag as given."""
    if not tag:
        return ""
    from babel import Locale
    return Locale("en").languages.get(tag.split("-")[0].lower(), tag)


def long_date(value: dt.date | None, language: str = "en") -> str:
    """'May 5, 2018', or '5 May 2018' in a book in British English: English, as the
    templates' words are, written the way the book's region writes it (CLDR, through Babel);
    independent of the machine's locale."""
    if not value:
        return ""
    from babel import Locale, UnknownLocaleError
    from babel.dates import format_date
    try:
        locale = Locale.parse(language.replace("-", "_")) if language.lower().startswith(
            "en") else Locale("en")
    except (ValueError, UnknownLocaleError):
        locale = Locale("en")
    return format_date(value, "long", locale=locale)


@dataclass
class StoryView:
    story: Story
    id: str
    number: int
    html: str
    language: str
    date_text: str
    direction: str
    kind: str = "prose"            # prose, verse or letter
    new_page: str = "always"       # always, never or when_needed (Book.layout_of)
    numbered: bool = True          # the "— n —" over its heading
    paged_html: str = ""           # the text in print: with its notes at their calls, when
                                   # the book sets notes at the page's foot
    notes_html: str = ""           # its notes, listed (the EPUB's, or print's at the end)
    headnote_html: str = ""
    epigraph_html: str = ""
    credits: Credits | None = None  # who made it, role by role
    short_bios: list[str] = field(default_factory=list)  # its authors' short bios' HTML

    @property
    def heading(self) -> str:
        """How the piece is named in bookmarks, the nav and running heads, as plain text: its
        title, else its byline."""
        return plain_title(self.story.title) if self.story.title else self.credits.byline

    @property
    def heading_html(self) -> str:
        """The heading as printed (its heading, the contents page, the indexes): the title's
        emphasis kept (text.title_html)."""
        return title_html(self.story.title, self.language) if self.story.title else \
            str(escape(self.credits.byline))  # names are not Markdown

    @property
    def contents_byline(self) -> str:
        """A piece's line in the contents after its title: its authors and translators ('Ana
        Ruiz, translated by Jo Penrose'); an untitled one's heading is its authors already."""
        translators = self.credits.translator
        by = f"translated by {names(translators)}" if translators else ""
        if not self.story.title:
            return by
        return self.credits.byline + (f", {by}" if by else "")

    @property
    def quoted_title(self) -> str:
        """The title's HTML in quotation marks, its own double quotes made single: “From
        ‘X’”."""
        if not self.story.title:
            return ""
        title = title_html(self.story.title, self.language)
        return "“" + title.replace("“", "‘").replace("”", "’") + "”"

    @property
    def first_line(self) -> str:
        """Its first line, as the index of first lines prints it (text.first_line)."""
        return first_line(self.story.text, self.kind, self.language) or self.heading

    @property
    def source_language(self) -> str:
        """The English name of the language it was translated from ('Galician'), or ''."""
        return language_name(self.story.original_language)

    @property
    def short(self) -> bool:
        """A short piece (a heading, up to about eight lines and its attribution), which a
        run-on layout never breaks across pages (the ``short`` class)."""
        text = self.story.text
        return len(text) <= SHORT_CHARS and \
            sum(1 for line in text.splitlines() if line.strip()) <= SHORT_LINES


@dataclass
class PartView:
    id: str
    title_source: str  # the manifest's, with its inline Markdown
    intro_html: str
    stories: list[StoryView]
    language: str = "en"  # the book's: a span's direction is against it

    @property
    def title(self) -> str:
        """Its title as plain text (bookmarks, nav, running heads)."""
        return plain_title(self.title_source)

    @property
    def title_html(self) -> str:
        """Its title as printed, emphasis kept."""
        return title_html(self.title_source, self.language)


@dataclass
class ContributorView:
    """A person with the pieces they are credited for: (piece, role), in book order."""
    person: Person
    pieces: list[tuple[StoryView, str]] = field(default_factory=list)
    bio_html: str = ""
    number: int = 0  # its place in the index (set once sorted), for its anchor

    @property
    def id(self) -> str:
        return f"bio-{self.number}"

    @property
    def by_role(self) -> list[tuple[str, list[StoryView]]]:
        """Their pieces grouped by role, in ROLES order."""
        return [(role, items) for role in ROLES
                if (items := [item for item, r in self.pieces if r == role])]


@dataclass
class Section:
    """One document of the EPUB (and one block of the PDF)."""
    id: str
    template: str
    title: str
    context: dict
    language: str

    @property
    def is_part(self) -> bool:
        """A part's opener: it breaks to a right-hand page."""
        return self.template == "part.html"

    @property
    def new_page(self) -> str:
        """Whether this section starts a new page: "always" (parts, and the book's own
        sections, always do), "never" or "when_needed" (a piece that runs on)."""
        item = self.context.get("item")
        return "always" if self.is_part or item is None else item.new_page

    @property
    def forced(self) -> bool:
        """Whether a page break is forced before it: a part's opener, a piece that always
        starts a new page. A piece that runs on may start anywhere on a page."""
        return self.new_page == "always"


@dataclass
class BookView:
    book: Book
    parts: list[PartView]
    stories: list[StoryView]
    foreword_html: str
    contributors: list[ContributorView]  # everyone credited or registered, in index order
    date_text: str
    direction: str
    dedication_html: str = ""
    epigraph_html: str = ""          # the book's epigraph (its source is book.epigraph.source)
    afterword_html: str = ""
    acknowledgements_html: str = ""

    @property
    def creators(self) -> list[str]:
        """The book's creators: its editors, else the authors of its pieces (a collection
        of one writer's work), in index order."""
        return list(self.book.editors) or [entry.person.name for entry in self.contributors
                                           if any(r == "author" for _, r in entry.pieces)]

    @property
    def isbn_lines(self) -> list[str]:
        """The copyright page's ISBNs: one per edition that has one ("ISBN 978-... (paperback)",
        "(large print)"), or the identifier's ISBN of a book without editions."""
        if not self.book.editions:
            return [f"ISBN {self.book.isbn}"] if self.book.isbn else []
        return [f"ISBN {isbns.hyphenated(e.isbn)} ({_edition_label(e)})"
                for e in self.book.editions if e.isbn]

    @functools.cached_property
    def contributor(self) -> dict[str, ContributorView]:
        """Each person's entry by ``Person.key`` (its ``id`` is the bio's anchor)."""
        return {entry.person.key: entry for entry in self.contributors}

    @functools.cached_property
    def index_of_titles(self) -> list[IndexEntry]:
        """The titled pieces under their titles, sorted (indexes.py)."""
        return index(((s.heading, s) for s in self.stories if s.story.title),
                     self.book.language)

    @functools.cached_property
    def index_of_first_lines(self) -> list[IndexEntry]:
        """Every piece under its first line, sorted as it reads (indexes.py)."""
        return index(((s.first_line, s) for s in self.stories), self.book.language,
                     articles=False)

    def outline(self, paged: bool) -> list[Entry]:
        """The foreword, the parts with their stories (or the stories), the back matter: the
        EPUB's nav, or with ``paged`` the printed book's bookmarks and contents page, which
        start with the contents. The dedication and epigraph pages are not listed."""
        out = [Entry(TITLES["contents"], "contents", kind="front")] if paged else []
        if self.book.foreword:
            out.append(Entry(self.book.foreword.title, "foreword", kind="front"))
        for part in self.parts:
            stories = tuple(Entry(s.heading, s.id, kind="story", byline=s.contents_byline,
                                  markup=s.heading_html) for s in part.stories)
            out += [Entry(part.title, part.id, stories, kind="part", markup=part.title_html)] \
                if part.title else stories
        return out + [Entry(title_of(self.book, id_), id_, kind="back")
                      for id_ in back_matter(self.book)]


def _edition_label(edition) -> str:
    """'paperback', 'hardcover', 'ebook', 'large print', 'large print hardcover'."""
    if edition.large_print:
        return "large print" + (" hardcover" if edition.format == "hardcover" else "")
    return edition.format


def book_view(book: Book, image_prefix: str = "") -> BookView:
    language, people = book.language, People(book)
    stories: list[StoryView] = []
    parts: list[PartView] = []
    for p, part in enumerate(book.all_parts, start=1):
        views = []
        for story in part.stories:
            view = _story_view(book, story, part, len(stories) + 1, image_prefix,
                               people.credits(story))
            views.append(view)
            stories.append(view)
        parts.append(PartView(f"part-{p}", part.title,
                              to_html(part.intro, language, image_prefix,
                                      note_prefix=f"part-{p}-intro") if part.intro else "",
                              views, language))
    contributors = _contributors(book, people, stories, image_prefix)
    for view in stories:  # each copy of a short bio has its own ids
        view.short_bios = [_markdown(person.short_bio, language, image_prefix,
                                     f"{view.id}-bio-{k}")
                           for k, person in enumerate(view.credits.author, start=1)
                           if person.short_bio]

    def matter(id_: str) -> str:  # a section's Markdown
        section = getattr(book, id_)
        return _markdown(section.text if section else None, language, image_prefix, id_)

    return BookView(book, parts, stories, matter("foreword"), contributors,
                    long_date(book.date, book.language), direction(language),
                    dedication_html=_markdown(book.dedication, language, image_prefix,
                                              "dedication"),
                    epigraph_html=_markdown(book.epigraph.text if book.epigraph else None,
                                            language, image_prefix, "epigraph"),
                    afterword_html=matter("afterword"),
                    acknowledgements_html=matter("acknowledgements"))


def _contributors(book: Book, people: People, stories: list[StoryView],
                  image_prefix: str) -> list[ContributorView]:
    """Everyone the pieces credit and everyone in the register, sorted as an index, each with
    their pieces and roles and their bios' HTML."""
    found: dict[str, ContributorView] = {p.key: ContributorView(p) for p in people.register}
    for view in stories:
        for role, person in view.credits.roles():
            found.setdefault(person.key, ContributorView(person)).pieces.append((view, role))
    ordered = [found[p.key] for p in people.in_index_order(c.person for c in found.values())]
    for number, entry in enumerate(ordered, start=1):
        entry.number = number
        entry.bio_html = _markdown(entry.person.bio, book.language, image_prefix, entry.id)
    return ordered


def _markdown(text: str | None, language: str, image_prefix: str, id_: str,
              **options) -> str:
    """A Markdown field's HTML, its notes listed after it: its blocks' ids ``ID-p-n`` and its
    notes' ``ID-note-n`` (unique in the book, for the PDF's links and the EPUB)."""
    return to_html(text, language, image_prefix, f"{id_}-p", note_prefix=id_,
                   **options) if text else ""


def _story_view(book: Book, story: Story, part: Part, number: int, image_prefix: str,
                credits: Credits) -> StoryView:
    """One piece's view: its text's HTML (and, when its notes go to the page's foot in print,
    the print HTML with each note at its call), its notes listed, headnote and epigraph."""
    language, kind, id_ = story.language or book.language, book.kind_of(story, part), \
        f"story-{number}"
    body, notes = to_html_parts(story.text, language, image_prefix, f"{id_}-p", kind,
                                note_prefix=id_)
    paged = to_html(story.text, language, image_prefix, f"{id_}-p", kind, "call", id_) \
        if notes and book.notes == "page" else body
    return StoryView(story, id_, number, body, language,
                     long_date(story.date, book.language), direction(language), kind,
                     *book.layout_of(part), paged_html=paged, notes_html=notes,
                     headnote_html=_markdown(story.headnote, language, image_prefix,
                                             f"{id_}-headnote"),
                     epigraph_html=_markdown(story.epigraph.text if story.epigraph else None,
                                             language, image_prefix, f"{id_}-epigraph"),
                     credits=credits)


def sections(view: BookView, paged: bool = False) -> list[Section]:
    """The book's documents in reading order: the EPUB spine, or with ``paged`` the printed
    book's, which adds a half-title and a contents page (the EPUB's nav is its contents)."""
    book, lang = view.book, view.book.language

    def own(id_: str, **context) -> Section:
        """One of the book's own sections, set by the template of its name."""
        return Section(id_, f"{id_}.html", title_of(book, id_), context, lang)

    out = [own(id_, outline=view.outline(paged=True)) if id_ == "contents" else own(id_)
           for id_ in front_matter(book) if paged or id_ not in ("halftitle", "contents")]
    for part in view.parts:
        if part.title:
            out.append(Section(part.id, "part.html", part.title, {"part": part}, lang))
        for story in part.stories:
            out.append(Section(story.id, "story.html", story.heading, {"item": story},
                               story.language))
    return out + [own(id_) for id_ in back_matter(book)]


def pdf_html(view: BookView, theme: Theme, chosen: list[Section], timestamp: str,
             pages: dict[str, int] | None = None) -> str:
    """One document of the paged book holding the ``chosen`` sections. The front and back
    matter print the body's page numbers (``pages``: anchor -> page) as plain text."""
    return theme.render("book.html", view=view, book=view.book, sections=chosen, epub=False,
                        pages={} if pages is None else pages, timestamp=timestamp,
                        link=paged_link)


def epub_documents(view: BookView, theme: Theme) -> list[tuple[Section, str]]:
    """(section, body XHTML) for every EPUB document; links point to other documents."""
    return [(s, theme.render(s.template, view=view, book=view.book, epub=True, section=s,
                             link=epub_link))
            for s in sections(view)]
