"""Windows: long lists (the contents, the contributors, the sources) laid out a window at a
time.

WeasyPrint's memory grows with the document it lays out, and in a 4,000-story book the
contents and the two indexes are the longest documents. So a document holding such a list is
laid out in windows of ``size`` entries, one after another: a window keeps every page but its
last, and the next window starts with the entry that opened that last page, on a fresh page
with the same number and side. Entries never break across pages (book.css), every page of a
list starts with an entry, and so the pages are those a single pass would make.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Generator
from dataclasses import dataclass, field

import lxml.html

from ..outline import LISTS
from .layout import ENTRY, LayoutJob, Piece
from .workers import release_memory

WINDOWED = ("contents", *LISTS)  # sections whose list (if any) is cut into windows
MARKED_ENTRIES = 80  # entries at the end of a window given such an id (more than a page holds)

# A continued list's first page still carries its running head (the heading that set it is
# in an earlier window, so "first-except" must not hide it).
CONTINUED_HEADS = ("@page :first:left { @top-center { content: string(verso); } }\n"
                   "@page :first:right { @top-center { content: string(recto); } }\n")


@dataclass
class Pages:
    """A document laid out in one or more windows: its pages, in order, each as (window,
    page index in that window), with the anchors starting on it and whether it is blank."""
    pages: list[tuple[Piece, int]] = field(default_factory=list)
    anchors: list[list[str]] = field(default_factory=list)
    blanks: list[bool] = field(default_factory=list)
    firsts: list[list[str]] = field(default_factory=list)  # see layout.Laid

    @classmethod
    def of(cls, laid: Piece) -> Pages:
        return cls([(laid, i) for i in range(len(laid.blanks))], laid.anchors, laid.blanks,
                   laid.firsts)

    def add(self, laid: Piece, count: int) -> None:
        for i in range(count):
            self.pages.append((laid, i))
            self.anchors.append([a for a in laid.anchors[i] if not a.startswith(ENTRY)])
            self.blanks.append(laid.blanks[i])
            self.firsts.append(laid.firsts[i])


class Entries:
    """A document's top-level sections, with the entries of its windowed lists kept apart as
    HTML strings (so the parent's memory for a 4,000-entry list is its text, not a tree)."""

    def __init__(self, html: str):
        self.skeleton = lxml.html.document_fromstring(html)  # the lists emptied
        self.units: list[tuple[int, int | None]] = []  # (section, entry or None for the rest)
        self.items: dict[int, list[str]] = {}           # section -> its entries' HTML
        for s, section in enumerate(self.skeleton.body):
            self.units.append((s, None))
            found = next(section.iter("ol", "ul"), None) if section.get("id") in WINDOWED \
                else None
            if found is None:
                continue
            entries = found.findall("li")
            self.items[s] = [lxml.html.tostring(li, encoding="unicode", with_tail=False)
                             for li in entries]
            for li in entries:
                found.remove(li)
            found.text = _slot(s)
            self.units += [(s, e) for e in range(len(entries))]
        self.position = {unit: u for u, unit in enumerate(self.units)}
        self.name = ", ".join(self.skeleton.body[s].get("id") for s in self.items)

    def windows_left(self, start: int, size: int) -> int:
        """About how many windows of ``size`` entries the units from ``start`` take (a
        window takes back its last page's entries, so it may be one or two more)."""
        entries = sum(e is not None for _, e in self.units[start:])
        return max(1, -(-entries // size))

    def end(self, start: int, size: int) -> int:
        """Where a window that starts at unit ``start`` ends: after ``size`` entries."""
        entries = 0
        for u in range(start, len(self.units)):
            entries += self.units[u][1] is not None
            if entries > size:
                return u
        return len(self.units)

    def unit_of(self, anchors: list[str]) -> int | None:
        """The unit that opens a page, from the anchors that start on it (topmost first)."""
        if anchors and anchors[0].startswith(ENTRY):
            s, e = anchors[0][len(ENTRY):].split("-")
            return self.position[(int(s), int(e))]
        return None

    def html(self, start: int, stop: int) -> str:
        """The document holding units ``start`` to ``stop``; a list that began in an earlier
        window continues at the top of the page, without its heading's space or id."""
        root = copy.deepcopy(self.skeleton)
        keep = set(self.units[start:stop])
        # Ids tell which entry opens the window's last page; only its last entries need one
        # (every id costs WeasyPrint time: it becomes an anchor and a named destination).
        marked = set(self.units[max(start, stop - MARKED_ENTRIES):stop])
        entries: dict[int, list[str]] = {}
        for s, section in reversed(list(enumerate(root.body))):
            kept = [e for e in range(len(self.items.get(s, ()))) if (s, e) in keep]
            entries[s] = [self._entry(s, e, (s, e) in marked, continued=False) for e in kept]
            if (s, None) in keep:
                continue
            if not kept:
                root.body.remove(section)
                continue
            items = next(section.iter("ol", "ul"))
            for child in list(section):  # a continuation: keep the list, hide the heading
                if child is items or items in child.iterdescendants():
                    continue
                if child.tag in ("h1", "h2", "h3", "h4", "h5", "h6"):  # it sets the running head
                    child.attrib.pop("id", None)
                    child.set("style", "height: 0; margin: 0; padding: 0; overflow: hidden; "
                                       "visibility: hidden")
                else:
                    section.remove(child)
            section.attrib.pop("id", None)  # the section starts in an earlier window
            section.set("style", "break-before: auto; margin-top: 0; padding-top: 0")
            items.set("style", "margin-top: 0; padding-top: 0")
            entries[s][0] = self._entry(s, kept[0], (s, kept[0]) in marked, continued=True)
        text = lxml.html.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>")
        for s, html in entries.items():
            text = text.replace(_slot(s), "".join(html))
        return text

    def _entry(self, s: int, e: int, marked: bool, continued: bool) -> str:
        """An entry's HTML, with an id if ``marked``; at the top of a page if ``continued``."""
        html = self.items[s][e]
        if not (marked or continued):
            return html
        item = lxml.html.fragment_fromstring(html)
        if marked and not item.get("id"):
            item.set("id", f"{ENTRY}{s}-{e}")
        if continued:
            item.set("style", "margin-top: 0")
        return lxml.html.tostring(item, encoding="unicode")


def _slot(section: int) -> str:
    """Where a section's entries go back in (private-use characters: never in the text)."""
    return f"\ue002{section}\ue003"


class NotYet:
    """What a window's job maker returns while something the window shows is not known yet
    (a page number that another document's layout will tell): ask again later."""


NOT_YET = NotYet()


@dataclass(frozen=True)
class Counted:
    """What a document in windows yields as it goes (and is sent None for): ``done`` of
    about ``total`` windows of its list ``what`` ("contents") laid out."""
    what: str
    done: int
    total: int


# A document's layout as a coroutine: it yields the job of each window (or NOT_YET, or how
# far it has got: Counted) and is sent back each one's layout (None after NOT_YET or
# Counted); it returns the document's Pages.
Layouts = Generator["LayoutJob | NotYet | Counted", "Piece | None", "Pages"]


def lay_out_in_windows(job: Callable[[str, int, bool], LayoutJob | NotYet],
                       html: str, first_page: int, size: int, first_size: int) -> Layouts:
    """Lay out ``html`` (page numbers from ``first_page``) in windows of ``size`` entries,
    the first of ``first_size``, driven by runner.Runner.drive: ``job(html, first page
    number, continued)`` makes a window's job, or NOT_YET."""
    def lay_out(window_html: str, number: int, continued: bool):
        while (made := job(window_html, number, continued)) is NOT_YET:
            yield NOT_YET
        return (yield made)

    entries = Entries(html)
    if len(entries.units) - len(entries.skeleton.body) <= size:  # one window: the page as is
        return Pages.of((yield from lay_out(html, first_page, False)))
    del html  # the entries hold it now
    release_memory()  # and what parsing it took, before the windows are laid out
    pages, start, done = Pages(), 0, 0
    first_end = entries.end(0, max(1, first_size))
    yield Counted(entries.name, 0, 1 + entries.windows_left(first_end, size)
                  if first_end < len(entries.units) else 1)
    while start < len(entries.units):
        stop = entries.end(start, size if start else max(1, first_size))
        number = first_page + len(pages.blanks)
        laid = yield from lay_out(entries.html(start, stop), number, start > 0)
        done += 1
        if stop == len(entries.units):
            pages.add(laid, len(laid.blanks))
            break
        opens_last = entries.unit_of(laid.anchors[-1])
        if opens_last is None or opens_last <= start or len(laid.blanks) < 2:
            # Cannot cut here: take the rest in one window.
            yield Counted(entries.name, done, done + 1)
            laid = yield from lay_out(entries.html(start, len(entries.units)), number, start > 0)
            done += 1
            pages.add(laid, len(laid.blanks))
            break
        pages.add(laid, len(laid.blanks) - 1)
        start = opens_last
        yield Counted(entries.name, done, done + entries.windows_left(start, size))
    yield Counted(entries.name, done, done)
    return pages
