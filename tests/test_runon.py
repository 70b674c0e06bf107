"""Pieces that run on (layout: new_page never | when_needed, numbers: false): 300 short poems
in three parts, with a few long pieces, laid out in chunks as one pass lays them out, and
read back: fewer pages, true page numbers, no short poem split, no heading left alone."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from anthology.model import load_book
from anthology.paged.runner import Runner
from anthology.pdf import render_pdf
from anthology.render import book_view
from anthology.theme import Theme

# Words for poems written for this test: every poem is made of its own choice of them.
_SUBJECTS = ["The heron", "A kettle", "My neighbour", "The late bus", "Snow", "The lighthouse",
             "A paper boat", "The orchard", "Grandmother’s radio", "The ferry", "An owl",
             "The bakery", "Low cloud", "The canal", "A moth"]
_VERBS = ["waits beside", "hums across", "forgets", "leans toward", "counts", "folds into",
          "listens to", "carries", "outlasts", "mends"]
_OBJECTS = ["the grey water", "a Tuesday morning", "the last of the light", "seven chimneys",
            "the crossing gate", "an unfinished letter", "the quiet field", "our kitchen door",
            "the tide tables", "a borrowed coat", "the station clock"]
_TITLES = ["Small Hours", "Weather Report", "Inventory", "Crossing", "Lantern", "Threshold",
           "Low Tide", "Almanac", "Errand", "Winter Kitchen", "Nocturne", "Field Notes"]

LONG_PROSE = ("Every evening the keeper climbed the hundred and twelve steps with a flask of "
              "tea and a notebook in which she wrote the colour of the sea, the number of "
              "boats, and one sentence about something she had not expected to see. ")


def poem(n: int) -> tuple[str, list[str]]:
    """Poem ``n``: its title and its lines (two to eight)."""
    count = 2 + (n * 5) % 7
    lines = []
    for k in range(count):
        line = (f"{_SUBJECTS[(n + 3 * k) % len(_SUBJECTS)]} "
                f"{_VERBS[(n * 7 + k) % len(_VERBS)]} "
                f"{_OBJECTS[(n * 3 + 5 * k) % len(_OBJECTS)]}")
        lines.append(line + ("," if k < count - 1 else "."))
    return f"{_TITLES[n % len(_TITLES)]} {n + 1}", lines


def long_piece(n: int, paragraphs: int) -> dict:
    text = "\n\n".join(f"{LONG_PROSE * 3}({n}.{p + 1})" for p in range(paragraphs))
    return {"author": "Mara Quill", "title": f"The Keeper's Notebook {n}", "kind": "prose",
            "text": text}


def manifest(new_page: str = "never", per_part: int = 100) -> str:
    """Three parts of ``per_part`` poems each (the first two with two long pieces among them,
    the third without numbers), then a part whose pieces open pages."""
    parts = []
    layouts = [{"new_page": new_page}, {"new_page": "when_needed" if new_page != "always"
                                        else "always"},
               {"new_page": new_page, "numbers": False}]
    for p, layout in enumerate(layouts):
        stories = []
        for n in range(p * per_part, (p + 1) * per_part):
            title, lines = poem(n)
            stories.append({"author": f"Poet {n % 23 + 1}", "title": title,
                            "text": "\n".join(lines)})
            if n % per_part in (per_part * 40 // 100, per_part * 77 // 100) and p < 2:
                stories.append(long_piece(n, 2 + n % 5 * 2))
        parts.append({"title": f"Book {p + 1}", "kind": "verse", "layout": layout,
                      "stories": stories})
    parts.append({"title": "Letters", "layout": {"new_page": "always"},
                  "stories": [long_piece(900 + k, 3 + k) for k in range(3)]})
    return json.dumps({"title": "Three Hundred Small Poems", "editors": ["Ivo Brandt"],
                       "date": "2024-06-01", "language": "en", "parts": parts}, indent=1)


def _page_texts(path: Path, *options: str) -> list[str]:
    """Each page's text as pdftotext reads it (reading order, or ``-layout``)."""
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", *options, str(path), "-"],
                         check=True, capture_output=True, text=True).stdout
    return out.split("\f")[:-1]


def _lines(page: str) -> list[str]:
    return [" ".join(line.split()) for line in page.splitlines() if line.strip()]


_NUMBER = re.compile(r"—\s*\d+\s*—")
_ENTRY = re.compile(r"^(.+?) (Poet \d+|Mara Quill)[ .]*?(\d+)$")


POEMS = 50  # a part's (the suite's time: a hundred took twice as long, and showed no more)


@pytest.mark.slow
def test_pieces_run_on_and_chunks_join_as_one_pass(make_book, tmp_path):
    path = make_book(manifest(per_part=POEMS))
    view, theme = book_view(load_book(path)), Theme(path.parent)

    def render(chunk: int):
        with Runner(2) as runner:
            pdf = render_pdf(view, theme, path.parent, "2024-01-01T00:00:00Z", "screen",
                             runner, chunk_pages=chunk)
        out = tmp_path / f"book-{chunk}.pdf"
        out.write_bytes(pdf.data)
        return pdf, out

    usual, usual_path = render(40)
    small, small_path = render(1)
    # Runs of run-on pieces are never split: one chunk per run-on part; the last part's
    # pieces, which open pages, are split as small as asked.
    assert usual.chunks == 4 and small.chunks == 6
    assert small.page_count == usual.page_count and small.labels == usual.labels
    assert small.page_starts == usual.page_starts
    pages = _page_texts(usual_path)
    assert _page_texts(small_path) == pages
    # (not the same bytes: the last part's pieces are joined from other chunks)

    # Far fewer pages than one per poem (one per poem made 354 pages of 300 poems before
    # run-on pieces; run on, 150 take 116).
    assert usual.page_count < 3 * POEMS * 4 // 5

    # Every piece's title is on the page the contents gives it.
    labels = {}
    for index, page in enumerate(pages):
        lines = _lines(page)
        if lines and lines[-1].isdigit():
            labels[lines[-1]] = index
    entries = {}
    contents = [i for i, p in enumerate(pages) if "Contents" in p.split("\n", 3)[0]]
    laid_out = _page_texts(usual_path, "-layout")  # an entry and its page on one line
    body = next(i for i, page in enumerate(pages) if _lines(page)[:1] == ["Book 1"])
    for index in range(contents[0], body):
        for line in _lines(laid_out[index]):
            if match := _ENTRY.match(line):
                entries[match[1]] = match[3]
    titles = [poem(n)[0] for n in range(3 * POEMS)]
    assert set(titles) <= set(entries)
    for title, label in entries.items():
        lines = _lines(pages[labels[label]])
        assert title in lines, (title, label)

    def heading_at(title: str) -> tuple[list[str], int]:
        """The lines of the page with ``title``'s heading, and where it is among them (the
        last time: a recto's running head may be the same title)."""
        lines = _lines(pages[labels[entries[title]]])
        return lines, len(lines) - 1 - lines[::-1].index(title)

    # No short poem is split: its heading, its lines and its attribution share a page.
    for n in range(3 * POEMS):
        title, text = poem(n)
        lines, at = heading_at(title)
        end = lines.index(f"— Poet {n % 23 + 1}", at)  # a long line may wrap, hyphenated
        assert " ".join(lines[at + 1:end]).replace("\u2010 ", "") == " ".join(text), title
    # No heading is left alone at a page's foot: two lines of text follow it (the last
    # line of a page is its folio).
    for title in entries:
        lines, at = heading_at(title)
        assert len(lines) - 1 - (at + 1) >= 2, title

    # "— n —" over the headings of the first two parts, none in the third (numbers: false).
    part = {p: next(i for i, page in enumerate(pages)
                    if _lines(page) and _lines(page)[0] == f"Book {p}" and i > contents[-1])
            for p in (1, 2, 3)}
    letters = next(i for i, page in enumerate(pages) if i > part[3] and
                   _lines(page)[:1] == ["Letters"])
    assert any(_NUMBER.search(page) for page in pages[part[1]:part[3]])
    assert not any(_NUMBER.search(page) for page in pages[part[3]:letters])
