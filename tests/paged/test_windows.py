"""Long lists laid out a window at a time give the pages one pass would give."""

from __future__ import annotations

import lxml.html
import pytest

from anthology.paged.layout import Laid, LayoutJob
from anthology.paged.windows import NOT_YET, Counted, Entries, lay_out_in_windows

PER_PAGE = 4  # entries a page of the fake layout holds


def document(entries: int) -> str:
    items = "".join(f"<li>Entry {n}</li>" for n in range(entries))
    return (f"<!DOCTYPE html><html><body><section id='titlepage'><h1>A Book</h1></section>"
            f"<section id='contents'><h2 id='contents-title'>Contents</h2><ol>{items}</ol>"
            f"</section></body></html>")


def fake_layout(html: str) -> Laid:
    """Pages as a single pass would cut them: the title page alone, then PER_PAGE entries a
    page. Each page's anchors are the ids starting on it; its 'first words' list its text."""
    root = lxml.html.document_fromstring(html)
    pages: list[tuple[list[str], list[str]]] = []
    for section in root.body:
        anchors = [section.get("id")] if section.get("id") else []
        items = section.findall(".//li")
        if not items:
            pages.append((anchors, [section.text_content().strip()]))
            continue
        heading = section.find(".//h2")
        if heading is not None and heading.get("id"):
            anchors.append(heading.get("id"))
        for start in range(0, len(items), PER_PAGE):
            on_page = items[start:start + PER_PAGE]
            ids = [li.get("id") for li in on_page if li.get("id")]
            pages.append((anchors + ids, [li.text_content() for li in on_page]))
            anchors = []
    return Laid(b"", [a for a, _ in pages], [False] * len(pages),
                firsts=[["", " | ".join(texts)] for _, texts in pages])


def run(generator, counted: list | None = None):
    """Drive a windows.Layouts to its end, laying each job out with fake_layout; what it
    tells of its progress goes to ``counted``."""
    sent, jobs = None, 0
    while True:
        try:
            job = generator.send(sent)
        except StopIteration as done:
            return done.value, jobs
        if isinstance(job, Counted):
            (counted if counted is not None else []).append(job)
            sent = None
            continue
        jobs += 1
        sent = None if job is NOT_YET else fake_layout(job.html)


def make_job(html: str, number: int, continued: bool) -> LayoutJob:
    return LayoutJob(html, (), (), "", None)


@pytest.mark.parametrize("entries, size", [(10, 50), (50, 9), (101, 12), (37, 4)])
def test_windows_give_the_pages_of_one_pass(entries, size):
    html = document(entries)
    whole = fake_layout(html)
    pages, jobs = run(lay_out_in_windows(make_job, html, 1, size, size))
    assert [f[1] for f in pages.firsts] == [f[1] for f in whole.firsts]
    assert pages.anchors[:2] == [["titlepage"], ["contents", "contents-title"]]
    assert not any(a.startswith("anthology-entry-") for page in pages.anchors for a in page)
    if entries > size:
        assert jobs > 1  # it was cut into windows


def test_windows_tell_how_many_are_done_of_about_how_many():
    counted = []
    _, jobs = run(lay_out_in_windows(make_job, document(101), 1, 12, 12), counted)
    assert {c.what for c in counted} == {"contents"}
    assert counted[0].done == 0 and counted[0].total >= 101 // 12
    assert counted[-1].done == counted[-1].total == jobs
    assert [c.done for c in counted] == sorted(c.done for c in counted)
    assert all(c.done <= c.total for c in counted)


def test_a_document_of_one_window_tells_nothing():
    counted = []
    run(lay_out_in_windows(make_job, document(10), 1, 50, 50), counted)
    assert counted == []


def test_a_window_waits_while_its_job_cannot_be_made_yet():
    asked = []

    def later_then_ready(html, number, continued):
        asked.append(number)
        return NOT_YET if len(asked) < 3 else make_job(html, number, continued)

    pages, jobs = run(lay_out_in_windows(later_then_ready, document(5), 1, 50, 50))
    assert len(asked) == 3 and jobs == 3 and len(pages.blanks) == 3


def test_entries_keep_the_lists_apart_and_find_the_entry_that_opens_a_page():
    entries = Entries(document(20))
    assert len(entries.items) == 1 and len(entries.units) == 2 + 20
    assert entries.end(0, 5) == 2 + 5  # the title page and the contents' rest, then 5
    window = entries.html(7, 12)  # a continued list: no heading id, no section id
    root = lxml.html.document_fromstring(window)
    assert root.get_element_by_id("contents", None) is None
    assert [li.text_content() for li in root.iter("li")] == [f"Entry {n}" for n in range(5, 10)]
    assert entries.unit_of([root.findall(".//li")[-1].get("id")]) == 11
