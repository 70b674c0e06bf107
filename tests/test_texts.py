"""The texts of an anthology, read back from the built files: verse, letters, notes, scene
breaks and pieces that run on, in the 40-piece book of texts_book.py."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

import texts_book
from conftest import (ACE, CHROMIUM, ace, epubcheck, epubjs_read, has_java, lines, pdf_pages,
                      squash, Word, words)

pytestmark = pytest.mark.slow
EPUB_NS = {"x": "http://www.w3.org/1999/xhtml", "e": "http://www.idpf.org/2007/ops"}
BODY_SIZE = 9.5  # points: a word taller than this is body text (notes and folios are smaller)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from anthology.build import build
    folder = tmp_path_factory.mktemp("texts")
    return build(texts_book.write(folder / "book"), folder / "out").outputs


def line_of(pages, word: str, after: str = "") -> tuple[int, list[list[Word]], int]:
    """(page, its lines, index) of the first line holding ``word`` (on a page that holds
    ``after`` first, when given)."""
    for p, page in enumerate(pages):
        found = lines(page)
        text = " ".join(w.text for w in page)
        if after and after not in text:
            continue
        for i, line in enumerate(found):
            if any(w.text == word for w in line):
                return p, found, i
    raise AssertionError(f"{word!r} not found")


def start_x(pages, word: str, after: str) -> float:
    p, found, i = line_of(pages, word, after)
    return found[i][0].x0


def test_verse_indents_are_levels_and_turnovers_hang(built):
    pages = words(built["print"])
    level0, level1, level2 = (start_x(pages, word, "Harbour")
                              for word in ("boats", "engines", "gulls"))
    assert level0 + 5 < level1 and level1 + 5 < level2, (level0, level1, level2)
    # lines too long for the measure: each turnover starts right of where its line starts
    for word, after in (("deciding", "Harbour"), ("There", "Evening"), ("dog,", "Evening")):
        p, found, i = line_of(pages, word, after)
        assert found[i + 1][0].x0 > found[i][0].x0 + 5, (word, found[i][0].x0,
                                                          found[i + 1][0].x0)


def test_markdown_looking_verse_lines_are_text(built):
    text = "\n".join(pdf_pages(built["print"]))
    for line in ("# Four is the number", "1. one for the bow", "- and two for the weather",
                 "> and none for the sailor", "* * *"):
        assert line in text, line
    pages = words(built["print"])  # four spaces: level two
    assert abs(start_x(pages, "stanza", "Harbour") - start_x(pages, "gulls", "Harbour")) < 1


def test_stanzas_are_not_split_and_breaks_keep_two_lines(built):
    pages = pdf_pages(built["print"])
    stanzas = [s.split("\n") for s in texts_book.WINTER_LIST.split("\n\n")]
    for stanza in stanzas:
        first, last = squash(stanza[0]), squash(stanza[-1])
        holding = [p for p, page in enumerate(pages) if first in squash(page)]
        assert holding and last in squash(pages[holding[0]]), stanza[0]


def test_a_stanza_that_must_break_keeps_two_lines_on_each_page(built):
    pages = pdf_pages(built["print"])
    holding = [len(re.findall(r"Line \d+ of the tally", page)) for page in pages]
    counts = [n for n in holding if n]
    assert len(counts) >= 2 and sum(counts) == 44 and min(counts) >= 2, counts


def test_every_poems_heading_shares_its_page_with_its_first_line(built):
    pages = [squash(page) for page in pdf_pages(built["print"])]
    for poem in texts_book.pieces()[0]:
        title = squash(poem["title"])
        first = squash((poem.get("text") or texts_book.WINTER_LIST).split("\n")[0])[:30]
        page = next(p for p in pages if title in p and "contents" not in p[:20]
                    and p.find(title) < len(p) - len(title))
        assert first in page, poem["title"]


def calls_and_notes(page_text: str) -> tuple[set[int], set[int]]:
    calls = {int(n) for n in re.findall(r"[a-z]\.(\d{1,2})(?=\s|$)", page_text)}
    notes = {int(n) for n in re.findall(r"Note (\d{1,2}):", page_text)}
    return calls, notes


def test_every_note_is_on_its_calls_page(built):
    pages = pdf_pages(built["print"])
    story_pages = [p for p, page in enumerate(pages) if "Note 1:" in page]
    assert story_pages
    seen = 0
    for page in pages:
        calls, notes = calls_and_notes(page)
        assert calls == notes, (calls, notes, page[-400:])
        seen += len(notes)
    assert seen == 21 + 3  # the ferry's notes, the three on one page
    narrows = [page for page in pages if "A bend of the river" in page]  # the poem's note
    assert len(narrows) == 1 and "The Narrows" in narrows[0]
    three = next(page for page in pages if "Three Notes on One Page" in page
                 and "Note 1:" in page)
    assert calls_and_notes(three) == ({1, 2, 3}, {1, 2, 3})


def test_a_call_on_a_pages_last_line_has_its_note_on_that_page(built):
    found = 0
    for page_words, text in zip(words(built["print"]), pdf_pages(built["print"])):
        body = [line for line in lines(page_words) if max(w.height for w in line) > BODY_SIZE]
        if not body or "Note" not in text:
            continue
        last = body[-1][0]
        calls = [w.text for w in page_words if w.text.isdigit() and w.height < 8
                 and last.y0 - 4 < w.y1 <= last.y1]  # raised digits on the last line
        for call in calls:
            assert f"Note {call}:" in text, (call, text[-300:])
        found += len(calls)
    assert found, "no call fell on a page's last line: the test book needs another note"


def test_letters_sign_off_to_the_right_and_sign_once(built):
    pages = words(built["print"])
    p, found, i = line_of(pages, "Ruth", "Dearest")
    page = pages[p]
    middle = (min(w.x0 for w in page) + max(w.x1 for w in page)) / 2
    assert found[i][0].x0 > middle
    closing = line_of(pages, "loving", "Dearest")
    assert closing[1][closing[2]][0].x0 > middle
    text = pdf_pages(built["print"])
    ends = [t for t in text if "Ever yours" in t]
    assert ends and all(t.count("Arthur Penhale") == 1 for t in ends)


def test_scene_breaks_are_ornaments_never_ending_a_page(built):
    prose = [piece["text"] for piece in texts_book.pieces()[2]]
    expected = sum(text.count("\n* * *\n") for text in prose)
    assert expected >= 10
    pages = pdf_pages(built["print"])  # the stories open pages: no ornament between them
    first = next(p for p, page in enumerate(pages) if page.startswith("Stories"))
    last = next(p for p, page in enumerate(pages) if page.startswith("Editor"))
    assert sum(page.count("❧") for page in pages[first:last]) == expected
    for page in words(built["print"]):
        body = [line for line in lines(page) if max(w.height for w in line) > BODY_SIZE]
        assert not body or [w.text for w in body[-1]] != ["❧"]


def test_run_on_poems_share_pages_at_their_true_pages(built):
    pages = pdf_pages(built["print"])
    poems = texts_book.pieces()[0]
    holding = {poem["title"]: next(p for p, t in enumerate(pages)
                                   if squash(poem["title"]) in squash(t)
                                   and "Contents" not in t) for poem in poems}
    labels = PdfReader(built["print"]).page_labels
    contents = "\n".join(page for page in pages if ".   ." in page)
    for title, page in holding.items():  # the contents gives each poem's true page
        listed = re.search(re.escape(title) + r".*?(\d+)$", contents, re.M)
        assert listed and listed[1] == labels[page], (title, labels[page])
    shared = [title for title, page in holding.items()
              if list(holding.values()).count(page) > 1]
    assert len(shared) >= len(poems) / 2, holding  # most poems share their page


def test_epub_marks_verse_letters_and_notes(built):
    with zipfile.ZipFile(built["epub"]) as z:
        docs = {n: etree.fromstring(z.read(n)) for n in z.namelist()
                if n.endswith(".xhtml") and "story" in n}
    verse = [d for d in docs.values() if d.xpath("//*[@e:type='z3998:poem']",
                                                   namespaces=EPUB_NS)]
    assert len(verse) == 16
    harbour = next(d for d in verse if "Harbour" in "".join(d.itertext()))
    spans = harbour.xpath("//x:p[contains(@class,'stanza')]/x:span", namespaces=EPUB_NS)
    texts = {"".join(s.itertext()).strip(): s.get("class") for s in spans}
    assert texts["their engines ticking like a kitchen clock;"].split() == ["line", "i1"]
    assert "# Four is the number of ropes on the bollard," in texts
    letter = next(d for d in docs.values() if "Dearest" in "".join(d.itertext()))
    for kind in ("z3998:letter", "z3998:salutation", "z3998:valediction", "z3998:signature",
                 "z3998:postscript"):
        assert letter.xpath(f"//*[@e:type='{kind}']", namespaces=EPUB_NS), kind
    refs = [(d, a) for d in docs.values()
            for a in d.xpath("//x:a[@e:type='noteref']", namespaces=EPUB_NS)]
    assert len(refs) == 25
    for doc, ref in refs:
        note = doc.xpath(f"//x:aside[@id='{ref.get('href')[1:]}']", namespaces=EPUB_NS)
        assert note and note[0].get("{http://www.idpf.org/2007/ops}type") == "footnote"
        assert note[0].xpath(f".//x:a[@href='#{ref.get('id')}']", namespaces=EPUB_NS)


@pytest.mark.skipif(not has_java(), reason="EPUBCheck needs Java")
def test_epubcheck_finds_nothing(built):
    assert epubcheck(built["epub"]) == []


@pytest.mark.skipif(not (Path(CHROMIUM).exists() and ACE.exists()), reason="no Ace")
def test_ace_finds_nothing(built, tmp_path):
    violations, outcome, stderr = ace(built["epub"], tmp_path)
    assert violations == [] and outcome == "pass", stderr[-2000:]


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="no chromium")
def test_epubjs_shows_every_piece(built, tmp_path):
    result = epubjs_read(built["epub"], tmp_path)
    assert "error" not in result, result
    text = squash(" ".join(t for _, t in result["texts"]))
    for part in texts_book.pieces():
        for piece in part:
            assert squash(piece["title"]) in text
            assert piece["title"] in result["toc"]


def test_notes_at_the_piece_end_follow_its_attribution(tmp_path):
    from anthology.build import build
    path = texts_book.write(tmp_path / "book")
    path.write_text(path.read_text(encoding="utf-8").replace("language: en\n",
                                                             "language: en\nnotes: piece-end\n"),
                    encoding="utf-8")
    pdf = build(path, tmp_path / "out", ["print"]).outputs["print"]
    text = "\n".join(pdf_pages(pdf))
    ferry = text[text.index("The Annotated Ferry\nFirst read aloud"):]
    byline, notes = ferry.index("— Nadia Brooks"), [ferry.index(f"Note {n}:") for n in
                                                     range(1, 22)]
    assert byline < notes[0] and notes == sorted(notes)
