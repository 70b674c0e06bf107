"""Long lists (the contents, the contributors, the sources) laid out a window at a time.

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

from .typeset import Laid, LayoutJob

WINDOWED = ("contents", "contributors", "sources")  # sections whose list is cut into windows
ENTRY = "anthology-entry-"  # ids given to the entries, to find where each page starts
MARKED_ENTRIES = 80  # entries at the end of a window given such an id (more than a page holds)

# A continued list's first page still carries its running head (the heading that set it is
# in an earlier window, so "first-except" must not hide it).
CONTINUED_HEADS = ("@page :first:left { @top-center { content: string(verso); } }\n"
                   "@page :first:right { @top-center { content: string(recto); } }\n")


@dataclass
class Pages:
    """A document laid out in one or more windows: its pages, in order, each as (window,
    page index in that window), with the anchors starting on it and whether it is blank."""
    pages: list[tuple[Laid, int]] = field(default_factory=list)
    anchors: list[list[str]] = field(default_factory=list)
    blanks: list[bool] = field(default_factory=list)

    @classmethod
    def of(cls, laid: Laid) -> Pages:
        return cls([(laid, i) for i in range(len(laid.blanks))], laid.anchors, laid.blanks)

    def add(self, laid: Laid, count: int) -> None:
        for i in range(count):
            self.pages.append((laid, i))
            self.anchors.append([a for a in laid.anchors[i] if not a.startswith(ENTRY)])
            self.blanks.append(laid.blanks[i])


class Entries:
    """A document's top-level sections, with the entries of its windowed lists numbered."""

    def __init__(self, html: str):
        self.root = lxml.html.document_fromstring(html)
        self.units: list[tuple[int, int | None]] = []  # (section, entry or None for the rest)
        self.lists: dict[int, lxml.html.HtmlElement] = {}
        for s, section in enumerate(self.root.body):
            self.units.append((s, None))
            if section.get("id") in WINDOWED:
                found = next(section.iter("ol", "ul"), None)
                if found is not None:
                    self.lists[s] = found
                    for e, _ in enumerate(found.findall("li")):
                        self.units.append((s, e))

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
        for anchor in anchors:
            if anchor.startswith(ENTRY):
                s, e = anchor[len(ENTRY):].split("-")
                return self.units.index((int(s), int(e)))
            break
        return None

    def html(self, start: int, stop: int) -> str:
        """The document holding units ``start`` to ``stop``; a list that began in an earlier
        window continues at the top of the page, without its heading's space or id."""
        root = copy.deepcopy(self.root)
        keep = set(self.units[start:stop])
        # Ids tell which entry opens the window's last page; only its last entries need one
        # (every id costs WeasyPrint time: it becomes an anchor and a named destination).
        marked = {u for u in self.units[max(start, stop - MARKED_ENTRIES):stop] if u[1] is not None}
        for s, section in reversed(list(enumerate(root.body))):
            items = next(section.iter("ol", "ul"), None) if s in self.lists else None
            kept = []
            if items is not None:
                for e, item in reversed(list(enumerate(items.findall("li")))):
                    if (s, e) in keep:
                        kept.append(item)
                        if (s, e) in marked and not item.get("id"):
                            item.set("id", f"{ENTRY}{s}-{e}")
                    else:
                        items.remove(item)
            if (s, None) in keep:
                continue
            if not kept:
                root.body.remove(section)
                continue
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
            kept[-1].set("style", "margin-top: 0")  # the first entry, at the top of a page
        return lxml.html.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>")


Layouts = Generator["LayoutJob | None", "Laid | None", "Pages"]


def lay_out_in_windows(job: Callable[[str, int, bool], LayoutJob | None],
                       html: str, first_page: int, size: int, first_size: int) -> Layouts:
    """Lay out ``html`` (page numbers from ``first_page``) in windows of ``size`` entries,
    the first of ``first_size``.

    A generator, driven by pdf.drive: it yields each window's job and is sent back its
    layout. ``job(html, first page number, continued)`` makes a window's job, or returns None
    while something the window shows is not known yet (then this yields None: "ask later")."""
    def lay_out(window_html: str, number: int, continued: bool):
        while (made := job(window_html, number, continued)) is None:
            yield None
        return (yield made)

    entries = Entries(html)
    if len(entries.units) - len(entries.root.body) <= size:  # one window: the page as it is
        return Pages.of((yield from lay_out(html, first_page, False)))
    pages, start = Pages(), 0
    while start < len(entries.units):
        stop = entries.end(start, size if start else max(1, first_size))
        number = first_page + len(pages.blanks)
        laid = yield from lay_out(entries.html(start, stop), number, start > 0)
        if stop == len(entries.units):
            pages.add(laid, len(laid.blanks))
            break
        opens_last = entries.unit_of(laid.anchors[-1])
        if opens_last is None or opens_last <= start or len(laid.blanks) < 2:
            # Cannot cut here: take the rest in one window.
            laid = yield from lay_out(entries.html(start, len(entries.units)), number, start > 0)
            pages.add(laid, len(laid.blanks))
            break
        pages.add(laid, len(laid.blanks) - 1)
        start = opens_last
    return pages
