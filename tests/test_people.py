"""The people of an anthology, read back from the built files of people_book.py's 30 pieces:
who is credited where, the indexes' order, and page numbers equal to where the pieces are."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pikepdf
import pytest
from lxml import etree
from pypdf import PdfReader

import people_book
from conftest import ACE, CHROMIUM, ace, epubcheck, has_java, squash

pytestmark = pytest.mark.slow
NS = {"x": "http://www.w3.org/1999/xhtml", "e": "http://www.idpf.org/2007/ops",
      "opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}
PIECES = [piece for part in people_book.pieces() for piece in part]
NAMES = {c["id"]: c["name"] for c in people_book.CONTRIBUTORS}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from anthology.build import build
    folder = tmp_path_factory.mktemp("people")
    return build(people_book.write(folder / "book"), folder / "out",
                 ["pdf", "print", "epub"]).outputs  # no cover: nothing here reads it


@pytest.fixture(scope="module")
def pages(built):
    """Each page's text, as poppler and as pypdf extract it."""
    path = built["print"]
    poppler = [subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(path), "-"],
                              capture_output=True, text=True, check=True).stdout
               for n in range(1, len(PdfReader(path).pages) + 1)]
    return poppler, [page.extract_text() or "" for page in PdfReader(path).pages]


@pytest.fixture(scope="module")
def true_pages(built, pages):
    """The printed number of the page each piece starts on: where its "— n —" stands."""
    labels = PdfReader(built["print"]).page_labels
    found = {}
    for index, text in enumerate(pages[0]):
        for number in re.findall(r"^—\s*(\d+)\s*—$", text, re.M):
            found[int(number)] = labels[index]
    assert sorted(found) == list(range(1, len(PIECES) + 1))
    return {n: found[n] for n in found}


def person(ref: str) -> str:
    return NAMES.get(ref, ref)


def refs(piece: dict, role: str) -> list[str]:
    given = piece.get("authors", [piece.get("author")]) if role == "author" else \
        piece.get(role, [])
    return [person(r) for r in ([given] if isinstance(given, str) else given)]


BACK_TITLES = ("About the Contributors", "Contributors", "Sources and Permissions",
               "Index of Titles", "Index of First Lines")


def section(pages: list[str], title: str, labels: list[str] | None = None) -> str:
    """The text of the back-matter section ``title``: from the page it opens on to the page
    the next one opens on; with ``labels``, without the folios (which poppler may set
    anywhere in the page's text)."""
    def opening(text: str) -> str | None:
        first = text.strip().splitlines()[0] if text.strip() else ""
        return first if first in BACK_TITLES else None
    back = len(pages) // 2
    start = next(i for i in range(back, len(pages)) if opening(pages[i]) == title)
    end = next((i for i in range(start + 1, len(pages)) if opening(pages[i]) not in (None, title)),
               len(pages))
    return "\n".join("\n".join(line for line in pages[i].splitlines()
                               if not labels or line.strip() != labels[i])
                     for i in range(start, end))


def piece_text(tool: list[str], labels: list[str], true_pages: dict, n: int) -> str:
    """The text of the pages piece ``n`` is on."""
    start = labels.index(true_pages[n])
    end = labels.index(true_pages[n + 1]) + 1 if n + 1 in true_pages else start + 2
    return squash(" ".join(tool[start:end]))


def test_attributions_credit_every_role(pages, true_pages, built):
    labels = PdfReader(built["print"]).page_labels
    for tool in pages:
        for n, piece in enumerate(PIECES, start=1):
            text = piece_text(tool, labels, true_pages, n)
            assert squash(" and ".join(refs(piece, "author"))) in text, (n, tool is pages[1])
            if piece.get("translator"):
                language = {"gl": "Galician", "vi": "Vietnamese", "el": "Greek"}[
                    piece["original_language"]]
                line = f"Translated from the {language} by {refs(piece, 'translator')[0]}"
                assert squash(line) in text, (n, line)
            if piece.get("original_title") and piece["original_title"] != piece["title"]:
                assert squash(f"Original title: {piece['original_title']}") in text
            if piece.get("illustrator"):
                assert squash(f"Illustrated by {person(piece['illustrator'])}") in text
            if piece.get("editor"):
                assert squash(f"Edited by {person(piece['editor'])}") in text
    # a short bio under its author's pieces, and no one else's
    assert squash("Zoë Núñez teaches chemistry in Leeds.") in squash(pages[0][
        labels.index(true_pages[1])])
    assert "teaches chemistry" not in pages[0][labels.index(true_pages[8])]


def test_contents_lists_authors_and_translators(pages):
    contents = squash(" ".join(t for t in pages[0][:12] if "Contents" in t or ". ." in t))
    assert squash("A casa da avoa María Olalla Rei, translated by Jo Penrose") in contents
    assert squash("Two Hands on a Rope Zoë Núñez and Øystein Ødegård") in contents


def test_contributors_index_is_collated_with_true_pages(built, pages, true_pages):
    text = section(pages[0], "Contributors", PdfReader(built["print"]).page_labels)
    lines = [line for line in text.splitlines() if re.search(r"\d+$", line)]
    shown = [next((name for name in people_book.INDEX_ORDER
                   if line.startswith((name + ",", name + " "))), line) for line in lines]
    assert shown == people_book.INDEX_ORDER  # in the page's reading order
    for name in people_book.INDEX_ORDER:
        line = next(line for line in lines if line.startswith(name))
        printed = set(re.findall(r"\b(\d+)\b", line[len(name):]))
        display = next((c["name"] for c in people_book.CONTRIBUTORS
                        if c.get("sort_as", "") == name), None)
        expected = {true_pages[n] for n, piece in enumerate(PIECES, start=1)
                    for role in ("author", "translator", "illustrator", "editor")
                    if any(_sorts_as(p) == name or p == display for p in refs(piece, role))}
        assert printed == expected, name


def _sorts_as(name: str) -> str:
    from anthology.people import default_sort_as
    return next((c.get("sort_as") for c in people_book.CONTRIBUTORS
                 if c["name"] == name and c.get("sort_as")), None) or default_sort_as(name)


def test_about_the_contributors_prints_bios_with_pieces_and_pages(pages, true_pages):
    text = squash(section(pages[0], "About the Contributors"))
    for c in people_book.CONTRIBUTORS:
        assert squash(c["bio"]) in text, c["name"]
    # each bio lists the person's pieces with their pages
    for n, piece in enumerate(PIECES, start=1):
        if piece["title"] and piece.get("author") == "oscar":
            assert squash(f"{piece['title']}, {true_pages[n]}") in text


def test_sources_list_every_piece_in_book_order_with_its_page(pages, true_pages):
    text = section(pages[0], "Sources and Permissions")
    flat = " ".join(text.split())
    entries = re.findall(r"(\d+) “(.+?)” by", flat)
    titled = [(n, p) for n, p in enumerate(PIECES, start=1) if p["title"]]
    assert [t for _, t in entries] == [p["title"].replace("“", "‘").replace("”", "’")
                                       for _, p in titled]
    assert [int(page) for page, _ in entries] == [int(true_pages[n]) for n, _ in titled]
    for piece in PIECES:
        for key in ("first_published", "permission"):
            if piece.get(key):
                assert squash(piece[key]) in squash(flat), piece[key]


@pytest.mark.parametrize("index,key", [("Index of Titles", "title"),
                                       ("Index of First Lines", "first")])
def test_indexes_of_titles_and_first_lines_give_true_pages(built, pages, true_pages, index,
                                                          key):
    entries, words = [], []  # (entry's text squashed, its page), from poppler's -layout
    # text: an entry's last line ends in its page (after leaders, unless it reaches them)
    labels = PdfReader(built["print"]).page_labels
    layout = [subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n),
                              str(built["print"]), "-"], capture_output=True, text=True,
                             check=True).stdout for n in range(1, len(labels) + 1)]
    for line in section(layout, index, labels).splitlines():
        if line.strip() in ("", index, "Many Hands"):  # not a running head
            continue
        last = re.fullmatch(r"(.*?)[\s.]*\s(\d+)", line.strip())
        words.append(last[1] if last else line)
        if last:
            entries.append((squash(" ".join(words)), last[2]))
            words = []
    listed = 0
    for n, piece in enumerate(PIECES, start=1):
        if key == "title" and not piece["title"]:
            continue
        label = squash(piece["title"] if key == "title" else piece["text"][:30])
        byline = squash(" and ".join(refs(piece, "author")))
        found = [page for text, page in entries if text.startswith(label) and byline in text]
        assert found.count(true_pages[n]) == 1, (label, found)
        listed += 1
    assert len(entries) == listed


def test_epub_credits_roles_and_links_both_ways(built):
    with zipfile.ZipFile(built["epub"]) as z:
        opf = etree.fromstring(z.read(next(n for n in z.namelist() if n.endswith(".opf"))))
        docs = {Path(n).name: etree.fromstring(z.read(n)) for n in z.namelist()
                if n.endswith(".xhtml")}
    meta = opf.find("opf:metadata", NS)
    refines: dict[str, dict[str, list[str]]] = {}
    for m in meta.findall("opf:meta[@refines]", NS):
        refines.setdefault(m.get("refines")[1:], {}).setdefault(m.get("property"), []).append(
            m.text)
    people = {e.text: refines[e.get("id")] for e in meta.findall("dc:contributor", NS)}
    creators = {e.text: refines[e.get("id")] for e in meta.findall("dc:creator", NS)}
    assert creators == {"Rosa Quint": {"role": ["edt"], "file-as": ["Quint, Rosa"]}}
    assert people["Jo Penrose"]["role"] == ["trl"]
    assert people["Hugh Dalby"]["role"] == ["trl"]
    assert people["Kit Marlowe-Hay"]["role"] == ["ill"]
    assert people["Ruth Abara"]["role"] == ["edt"]
    assert people["Zoë Núñez"]["role"] == ["aut"]
    assert sorted(p["file-as"][0] for p in people.values()) == \
        sorted(people_book.INDEX_ORDER)
    bios = docs["bios.xhtml"]
    assert bios.xpath("//*[@e:type='contributors']", namespaces=NS)
    # every byline name with a bio links to it, and the bio links back to the piece
    linked = 0
    for name, doc in docs.items():
        for a in doc.xpath("//x:div[@class='attribution']//x:a[@class='person']",
                           namespaces=NS):
            target = a.get("href").split("#")[1]
            entry = bios.xpath(f"//x:li[@id='{target}']", namespaces=NS)[0]
            assert a.text in "".join(entry.itertext())
            assert any(link.get("href").startswith(name) for link in
                       entry.xpath(".//x:p[@class='bio-pieces']/x:a", namespaces=NS))
            linked += 1
    assert linked >= 30


def test_pdf_metadata_credits_the_editors_and_every_contributor(built):
    for path in (built["print"], built["pdf"]):
        with pikepdf.open(path) as pdf:
            assert str(pdf.docinfo["/Author"]) == "Rosa Quint"
            xmp = pdf.open_metadata()
            assert set(xmp["dc:contributor"]) == {c["name"] for c in people_book.CONTRIBUTORS
                                                  } | {"Sam Hale", "Priya Natarajan",
                                                       "Hugh Dalby"}


@pytest.mark.skipif(not has_java(), reason="EPUBCheck needs Java")
def test_epubcheck_finds_nothing(built):
    assert epubcheck(built["epub"]) == []


@pytest.mark.skipif(not (Path(CHROMIUM).exists() and ACE.exists()), reason="no Ace")
def test_ace_finds_nothing(built, tmp_path):
    violations, outcome, stderr = ace(built["epub"], tmp_path)
    assert violations == [] and outcome == "pass", stderr[-2000:]


def test_every_pdf_link_to_a_bio_or_piece_has_its_destination(built):
    """Bylines link to bios, bios and indexes to pieces: each named destination exists."""
    for path in (built["print"], built["pdf"]):
        with pikepdf.open(path) as pdf:
            names = set(pikepdf.NameTree(pdf.Root.Names.Dests).keys())
            targets = [str(annot.Dest) for page in pdf.pages
                       for annot in page.get("/Annots", [])
                       if annot.get("/Subtype") == "/Link" and "/Dest" in annot
                       and isinstance(annot.Dest, pikepdf.String)]
            bios = [t for t in targets if t.startswith("bio-")]
            assert len(bios) >= 30 or path == built["print"], len(bios)
            assert {t for t in targets if t.startswith(("bio-", "story-"))
                    and "-note-" not in t and "-p-" not in t} <= names
