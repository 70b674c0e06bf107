"""A book in parts, with titled and untitled stories, built and checked end to end."""

from __future__ import annotations

import pytest

from anthology.build import build
from conftest import epub_spine_texts, epubcheck, pdf_pages, squash

PARTS = """\
title: Letters and Lines
language: en
date: 2024-03-01
foreword:
  text: |
    Two parts.

    ***

    After the break.
parts:
  - title: Saved
    intro: Stories of *rescue*.
    stories:
      - author: Ann Lee
        title: The Clock
        text: A clock, ticking.
      - author: Bo Chen
        handle: "@bo"
        text: Untitled, listed by author.
  - title: Taught
    stories:
      - author: Chloé Dupont
        language: fr
        title: La leçon
        date: 2020-01-02
        source: https://example.org/lecon
        text: '"Bonjour", dit-elle.'
"""


@pytest.mark.slow
def test_book_in_parts(make_book, tmp_path):
    outputs = build(make_book(PARTS), tmp_path / "out").outputs
    pages = pdf_pages(outputs["pdf"])
    contents = squash(next(p for p in pages if "Contents" in p))
    for entry in ("Saved", "The Clock", "Ann Lee", "Bo Chen", "Taught", "La leçon"):
        assert squash(entry) in contents
    saved = next(i for i, p in enumerate(pages) if "Saved" in p and "rescue" in p)
    clock = next(i for i, p in enumerate(pages) if "A clock, ticking." in p)
    lecon = next(i for i, p in enumerate(pages) if "Bonjour" in p)
    assert saved < clock < lecon
    assert "« Bonjour »" in pages[lecon]  # French quotes for the French story
    spine = epub_spine_texts(outputs["epub"])
    names = [n for n, _ in spine]
    assert names.index("part-1.xhtml") < names.index("story-1.xhtml") < names.index("part-2.xhtml")
    story3 = dict(spine)["story-3.xhtml"]
    assert "example.org/lecon" in story3 and "January 2, 2020" in story3
    assert epubcheck(outputs["epub"]) == []
