"""A test anthology that stresses the book's lists (contents, indexes, bios, sources).

On a narrow trim (4in x 6in), 36 short pieces, each opening a page. Long titles and bylines of several co-authors and translators
("Title Authors, translated by X"); a run of titles one letter longer each, so that some
title fills a contents line exactly whatever the measure; names in Greek, Vietnamese and
Arabic; people credited on many pages, so their index entries turn over between numbers.
"""

from __future__ import annotations

from pathlib import Path

import yaml

CONTRIBUTORS = [
    {"id": "eleni", "name": "Ελένη Παπαδοπούλου", "sort_as": "Παπαδοπούλου, Ελένη",
     "bio": "Ελένη Παπαδοπούλου writes about the harbours of Θεσσαλονίκη."},
    {"id": "lan", "name": "Nguyễn Thị Phương Lan", "sort_as": "Nguyễn Thị Phương Lan",
     "bio": "Nguyễn Thị Phương Lan writes short fiction in Hà Nội."},
    {"id": "mahmoud", "name": "محمود عبد الرحمن", "sort_as": "محمود عبد الرحمن",
     "bio": "محمود عبد الرحمن teaches in Amman."},
    {"id": "jo", "name": "Jo Penrose-Featherstonehaugh",
     "bio": "Jo Penrose-Featherstonehaugh translates from Greek and Vietnamese.",
     "website": "https://penrose-featherstonehaugh.example.net/translations/greek-and-vietnamese"},
    {"id": "max", "name": "Maximilian Wolfeschlegelsteinhausen",
     "bio": "Maximilian Wolfeschlegelsteinhausen signs his name slowly."},
]
AUTHORS = ["eleni", "lan", "mahmoud", "max", "Ana Ruiz", "Bo Chen"]
# Titles one letter longer each: one of them fills a contents line exactly.
GROWING = "Wide Sargasso Harbour at the Edge of the Summer Evening Light"
PIECES = 36


def story(n: int) -> dict:
    author = AUTHORS[n % len(AUTHORS)]
    piece = {"author": author, "text": f"Piece {n}. The tide goes out with all our names."}
    if n < 30:
        piece["title"] = GROWING[:20 + n].rstrip()
    elif n % 5 == 0:
        piece.pop("author")
        piece.update(title="The Very Long Afternoon When Nobody in the Village Could Agree",
                     authors=["eleni", "lan", "Ana Ruiz", "max"], translator=["jo", "Bo Chen"])
    elif n % 5 == 2:
        piece.update(title="Ferry", translator="jo", original_language="el")
    else:
        piece["title"] = f"Tide Table {n}"
    # people credited on many pages: their index entries turn over between numbers
    piece["illustrator"] = ["max", "lan"] if n % 2 else "max"
    if n % 7 == 0:
        piece["first_published"] = "The Lantern Review of Very Short Prose and Verse, no. 12"
        piece["source"] = "https://example.org/archive/2021/the-lantern-review/issue-12/piece"
    return piece


def manifest() -> dict:
    return {"title": "Long Lists", "language": "en", "date": "2026-11-29",
            "identifier": "urn:uuid:2b7e6c1a-5d0f-4f8e-9a3c-1e2d3c4b5a69",
            "indexes": ["titles", "first_lines"], "contributors": CONTRIBUTORS,
            "print": {"trim": "4in x 6in"},
            "stories": [story(n) for n in range(1, PIECES + 1)]}


def write(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "book.yaml"
    path.write_text(yaml.safe_dump(manifest(), allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    return path
