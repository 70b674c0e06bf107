"""A book with the whole apparatus, built once: the dedication and the book's epigraph on
pages of their own in the front matter, the afterword and acknowledgements in the back matter,
each in its place in the PDF, on the contents page and in the EPUB."""

from __future__ import annotations

import json
import os
import re
import subprocess
import zipfile

import pytest
from lxml import etree
from pypdf import PdfReader

from anthology.build import build
from conftest import epubcheck, squash
from test_epub import ACE, CHROMIUM, _needs

MANIFEST = """\
title: Lanterns at Low Tide
editors: [Mira Patel]
language: en
date: 2024-09-01
dedication: |
  For my mother,
  who read to us every night.
epigraph:
  text: |
    The sea is not a place but a *fact*,
    and a mystery.
  source: Marianne Moore
foreword:
  author: Mira Patel
  text: |
{foreword}
afterword:
  title: Editor’s Note
  author: M. P.
  text: |
{afterword}
acknowledgements: Thanks to the writers, who said yes, and to the harbour’s night watch.
stories:
{stories}
"""
WORDS = "The lamps along the quay were lit one by one as the water went out."


def _manifest() -> str:
    def paragraphs(count: int) -> str:
        return "\n\n".join("    " + " ".join([WORDS] * 8) for _ in range(count))
    stories = "".join(f"  - author: Writer {n}\n    title: Piece {n}\n"
                      f"    text: Piece number {n}. {WORDS}\n" for n in range(1, 6))
    return MANIFEST.format(foreword=paragraphs(6), afterword=paragraphs(9), stories=stories)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("apparatus")
    (folder / "book.yaml").write_text(_manifest(), encoding="utf-8")
    return build(folder / "book.yaml", folder / "out", ["print", "epub"]).outputs


def _pages(path) -> list[str]:
    count = len(PdfReader(path).pages)
    return [subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(path), "-"],
                           capture_output=True, text=True, check=True).stdout
            for n in range(1, count + 1)]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@pytest.mark.slow
def test_the_apparatus_in_the_printed_book(built):
    pages = _pages(built["print"])
    labels = PdfReader(built["print"]).page_labels
    copyright_ = next(i for i, p in enumerate(pages) if "Published" in p)

    # The dedication: the page after the copyright page, nothing else on it (no folio).
    dedication = copyright_ + 1
    assert _lines(pages[dedication]) == ["For my mother,", "who read to us every night."]
    # The epigraph: the next page with text, alone too, its source below it.
    epigraph = next(i for i in range(dedication + 1, len(pages)) if pages[i].strip())
    assert labels[epigraph] in ("vi", "vii") and labels[dedication] == "v"
    assert [squash(line) for line in _lines(pages[epigraph])] == [
        "theseaisnotaplacebutafact", "andamystery", "mariannemoore"]
    assert _lines(pages[epigraph])[-1].startswith("—")

    contents = next(i for i, p in enumerate(pages) if _lines(p)[:1] == ["Contents"])
    assert contents > epigraph and labels[contents] in ("vii", "ix")
    printed = {}
    for line in _lines(pages[contents])[1:]:
        if match := re.match(r"(.+?)[ .]*\s([ivxlc]+|\d+)$", line):
            printed[squash(match[1])] = match[2]

    def opening(title: str) -> int:
        return next(i for i, p in enumerate(pages) if _lines(p)[:1] == [title])
    foreword = opening("Foreword")
    last_piece = next(i for i, p in enumerate(pages) if "Piece number 5." in p)
    afterword = opening("Editor’s Note")
    thanks = opening("Acknowledgements")
    contributors = opening("Contributors")
    assert contents < foreword < last_piece < afterword < thanks < contributors
    # The contents gives each one's true page; the back matter opens on right-hand pages.
    assert printed[squash("Foreword")] == labels[foreword]
    assert printed[squash("Editor’s Note")] == labels[afterword]
    assert printed[squash("Acknowledgements")] == labels[thanks]
    assert printed[squash("Contributors")] == labels[contributors]
    assert all(int(labels[i]) % 2 for i in (afterword, thanks, contributors))
    # The afterword runs over a page: folio and running head like the indexes'; the opening
    # page has a folio but no running head.
    assert _lines(pages[afterword])[-1] == labels[afterword]
    following = _lines(pages[afterword + 1])
    assert following[-1] == labels[afterword + 1]
    assert following[0] == ("Lanterns at Low Tide" if int(labels[afterword + 1]) % 2 == 0
                            else "Editor’s Note")
    assert "M. P." in [line for i in range(afterword, thanks) for line in _lines(pages[i])]


EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


@pytest.mark.slow
def test_the_apparatus_in_the_epub(built):
    with zipfile.ZipFile(built["epub"]) as z:
        opf = etree.fromstring(z.read("EPUB/content.opf"))
        items = {i.get("id"): i.get("href") for i in opf.iter("{*}item")}
        spine = [ref.get("idref") for ref in opf.iter("{*}itemref")]
        docs = {id_: etree.fromstring(z.read("EPUB/" + items[id_])) for id_ in spine}
    assert spine == ["cover", "titlepage", "copyright", "dedication", "epigraph", "nav",
                     "foreword", *[f"story-{n}" for n in range(1, 6)], "afterword",
                     "acknowledgements", "contributors", "sources"]

    def marked(id_: str, kind: str, role: str):
        found = [e for e in docs[id_].iter() if e.get(EPUB_TYPE) == kind]
        assert len(found) == 1 and found[0].get("role") == role, id_
        return found[0]
    marked("dedication", "dedication", "doc-dedication")
    quote = marked("epigraph", "epigraph", "doc-epigraph")
    source = quote.find("{*}p[@class='epigraph-source']")
    assert source is not None and source.text == "Marianne Moore"
    marked("afterword", "afterword", "doc-afterword")
    marked("acknowledgements", "acknowledgments", "doc-acknowledgments")
    assert epubcheck(built["epub"]) == []


@pytest.mark.slow
@_needs(CHROMIUM, str(ACE))
def test_ace_reports_no_violations_on_the_apparatus(built, tmp_path):
    result = subprocess.run(["node", str(ACE), "-f", "-s", "-o", str(tmp_path),
                             str(built["epub"])], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PUPPETEER_EXECUTABLE_PATH": CHROMIUM})
    report = json.loads((tmp_path / "report.json").read_text())
    violations = [(b["earl:test"]["dct:title"], a["earl:testSubject"]["url"])
                  for a in report["assertions"] for b in a.get("assertions", [])
                  if b["earl:result"]["earl:outcome"] == "fail"]
    assert violations == [], result.stderr[-2000:]
    assert report["earl:result"]["earl:outcome"] == "pass"
