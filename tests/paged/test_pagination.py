"""The front and back matter laid out side by side: the contents waits for the back
matter's page numbers, then prints them."""

from __future__ import annotations

from types import SimpleNamespace

from anthology.model import PrintSettings
from anthology.paged.layout import Laid
from anthology.paged.pagination import _later, _Matter
from anthology.paged.plan import BodyLayout, PageSetup
from anthology.paged.windows import NOT_YET
from anthology.render import Section

BACK = [Section("contributors", "contributors.html", "Contributors", {}, "en"),
        Section("sources", "sources.html", "Sources and Permissions", {}, "en")]


def matter() -> _Matter:
    story = Section("story-1", "story.html", "One", {}, "en")
    body = BodyLayout.place([[story]], [Laid(b"", [["story-1"], [], []], [False] * 3)],
                            recto_starts=False)
    assert body.page_count == 4  # padded: the back matter opens on a recto
    return _Matter(SimpleNamespace(back_matter=BACK), PageSetup.for_book(PrintSettings(), 40,
                                                                         False), body)


def test_back_matter_starts_are_known_one_after_another():
    m = matter()
    assert m.starts() == {"contributors": 5}
    m.counts["contributors"] = 4  # laid out: 3 pages, padded to 4
    assert m.starts() == {"contributors": 5, "sources": 9}


def test_the_contents_waits_for_a_page_number_not_known_yet():
    m = matter()
    html = f"<li>Contributors {_later('contributors')}</li><li>Sources {_later('sources')}</li>" \
           f"<li>Foreword {_later('foreword')}</li>"
    assert m.fill_in(html, "vii") is NOT_YET
    m.counts["contributors"] = 2
    assert m.fill_in(html, "vii") == "<li>Contributors 5</li><li>Sources 7</li>" \
                                     "<li>Foreword vii</li>"
    assert m.fill_in("<li>Foreword</li>", "") == "<li>Foreword</li>"  # nothing to wait for
