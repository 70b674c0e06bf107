"""The EPUB as reading systems and accessibility checkers see it."""

from __future__ import annotations

import hashlib
import os
import re
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from anthology.build import build
from conftest import (ACE, CHROMIUM, NODE_MODULES, ROOT, ace, epubcheck, epubjs_read,
                      markdown_words, pdf_pages, squash)


VARIED = """\
title: Voices
language: en
date: 2025-06-01
editors: [Ada Editor]
foreword:
  text: A foreword.
stories:
  - author: No Handle Or Date
    text: A story without a handle or a date.
  - author: Long Teller
    handle: "@long"
    date: 2020-02-02
    title: A Long Story
    text: |
{long}
  - author: سارة أحمد
    language: ar
    title: قصة
    text: كانت هناك مرة فتاة صغيرة تحب القراءة كثيرا.
  - author: דוד כהן
    language: he
    text: היה היה ילד שאהב לקרוא ספרים.
  - author: 山田太郎
    language: ja
    text: 昔々、ある村に本が好きな子供がいました。
  - author: Emoji Fan
    handle: "@emoji"
    text: Dead for 20 min 😢 then back 🎉 — 450g of hope ❤️
"""


def varied_manifest() -> str:
    paragraph = "      " + " ".join(["Words that go on and on."] * 40)
    return VARIED.format(long="\n\n".join([paragraph] * 12))


def many_manifest(count: int) -> str:
    stories = "".join(f"  - author: Writer {n}\n    handle: '@w{n}'\n    date: 2019-01-{n % 28 + 1:02d}\n"
                      f"    text: Story number {n}, told briefly.\n" for n in range(1, count + 1))
    return f"title: Many\ndate: 2025-01-01\nstories:\n{stories}"


@pytest.fixture(scope="module")
def varied(tmp_path_factory):
    folder = tmp_path_factory.mktemp("varied")
    (folder / "book.yaml").write_text(varied_manifest(), encoding="utf-8")
    return build(folder / "book.yaml", folder / "out")


@pytest.fixture(scope="module")
def noto(tmp_path_factory):
    """The multilingual book (books.PIECES) set in Noto Serif (the theme's body_font)."""
    import books
    folder = tmp_path_factory.mktemp("noto")
    (folder / "book.yaml").write_text(books.manifest(face="Noto Serif"), encoding="utf-8")
    return build(folder / "book.yaml", folder / "out", ["epub"])


@pytest.mark.slow
def test_the_epub_embeds_the_faces_its_theme_names(noto):
    import io

    from fontTools.ttLib import TTFont
    with zipfile.ZipFile(noto.outputs["epub"]) as z:
        css = z.read("EPUB/fonts.css").decode()
        faces = {name: TTFont(io.BytesIO(z.read(name))) for name in z.namelist()
                 if name.endswith(".woff2")}
    assert 'font-family: "Noto Serif"' in css and "EB Garamond" not in css
    # The body face's roman and italic, and the scripts' faces it lacks (a reader may not
    # have them), each subset to what the book uses.
    assert set(faces) == {"EPUB/fonts/NotoSerif-normal-normal.woff2",
                          "EPUB/fonts/NotoSerif-italic-normal.woff2",
                          "EPUB/fonts/NotoNaskhArabic-normal-normal.woff2",
                          "EPUB/fonts/NotoSerifHebrew-normal-normal.woff2",
                          "EPUB/fonts/NotoSerifDevanagari-normal-normal.woff2",
                          "EPUB/fonts/NotoSansSymbols2-normal-normal.woff2"}
    regular = faces["EPUB/fonts/NotoSerif-normal-normal.woff2"]
    assert len(regular.getGlyphOrder()) < 400  # a subset: the full face has thousands
    assert all(ord(c) in regular.getBestCmap() for c in "Hélène Łucja Người Ἀλέξανδρος Ёжик")
    assert epubcheck(noto.outputs["epub"]) == []


@pytest.mark.slow
def test_epubcheck_passes_on_varied_and_many_story_books(varied, tmp_path):
    assert epubcheck(varied.outputs["epub"]) == []
    (tmp_path / "book.yaml").write_text(many_manifest(60))
    many = build(tmp_path / "book.yaml", tmp_path / "out", ["epub"])
    assert epubcheck(many.outputs["epub"]) == []


@pytest.mark.slow
def test_languages_are_marked_on_every_document(varied):
    with zipfile.ZipFile(varied.outputs["epub"]) as z:
        opf = z.read("EPUB/content.opf").decode()
        assert re.search(r'<package[^>]* xml:lang="en"', opf)
        for name in z.namelist():
            if name.endswith(".xhtml"):
                head = z.read(name).decode()[:600]
                assert re.search(r'<html[^>]* lang="[a-z]+"[^>]* xml:lang="[a-z]+"', head), name
        assert 'lang="ar" xml:lang="ar"' in z.read("EPUB/story-3.xhtml").decode()[:600]
        assert 'lang="ja" xml:lang="ja"' in z.read("EPUB/story-5.xhtml").decode()[:600]


@pytest.mark.slow
def test_accessibility_metadata_and_semantics(default_build):
    with zipfile.ZipFile(default_build["epub"]) as z:
        opf = z.read("EPUB/content.opf").decode()
        nav = z.read("EPUB/nav.xhtml").decode()
        story = z.read("EPUB/story-1.xhtml").decode()
        docs = {n: z.read(n).decode() for n in z.namelist() if n.endswith(".xhtml")}
    meta = dict.fromkeys(re.findall(r'<meta property="([^"]+)">([^<]*)</meta>', opf))
    props = {}
    for prop, value in meta:
        props.setdefault(prop, []).append(value)
    assert props["schema:accessMode"] == ["textual", "visual"]
    assert props["schema:accessModeSufficient"] == ["textual"]
    assert set(props["schema:accessibilityFeature"]) >= {
        "structuralNavigation", "tableOfContents", "readingOrder", "pageNavigation",
        "alternativeText"}
    assert props["schema:accessibilityHazard"] == ["none"]
    assert "page list" in props["schema:accessibilitySummary"][0]
    assert props["dcterms:conformsTo"] == ["EPUB Accessibility 1.1 - WCAG 2.1 Level AA"]
    assert props["pageBreakSource"]
    assert 'properties="cover-image"' in opf
    for kind in ("cover", "toc", "bodymatter"):
        assert f'epub:type="{kind}"' in nav.split('epub:type="landmarks"')[1]
    assert 'epub:type="chapter" role="doc-chapter"' in story
    assert 'role="doc-credit" epub:type="credit"' in story
    assert 'epub:type="titlepage"' in docs["EPUB/titlepage.xhtml"]
    assert 'epub:type="copyright-page"' in docs["EPUB/copyright.xhtml"]
    assert 'epub:type="foreword"' in docs["EPUB/foreword.xhtml"]
    assert 'alt="Cover of Share a Story in One Tweet' in docs["EPUB/cover.xhtml"]


@pytest.mark.slow
def test_book_face_is_embedded_as_a_subset(default_build):
    from fontTools.ttLib import TTFont
    import io
    with zipfile.ZipFile(default_build["epub"]) as z:
        css = z.read("EPUB/fonts.css").decode()
        face = TTFont(io.BytesIO(z.read("EPUB/fonts/EBGaramond-normal-normal.woff2")))
    assert 'font-family: "EB Garamond"' in css and "woff2" in css
    glyphs = len(face.getGlyphOrder())
    assert 40 < glyphs < 400  # a subset: the full face has thousands
    assert all(ord(c) in face.getBestCmap() for c in "Share a Story 450g “”’")


@pytest.mark.slow
def test_page_list_matches_the_print_edition(tmp_path):
    built = build(ROOT / "book" / "book.yaml", tmp_path, ["print", "epub"])
    pages = pdf_pages(built.outputs["print"])
    contents = next(p for p in pages if p.lstrip().startswith("Contents"))
    printed = {}
    for line in contents.splitlines():
        match = re.match(r"(.+?)[ .]*\s([ivxlc]+|\d+)$", line.strip())
        if match:
            printed[squash(match[1])] = match[2]
    with zipfile.ZipFile(built.outputs["epub"]) as z:
        nav = z.read("EPUB/nav.xhtml").decode()
        page_list = dict(re.findall(r'<a href="(story-\d+)\.xhtml#page-[^"]+">([^<]+)</a>',
                                    nav.split('epub:type="page-list"')[1]))
        for n, story in enumerate(built.book.all_stories, start=1):
            label = printed[squash(story.title or story.author)]
            assert page_list[f"story-{n}"] == label
            doc = z.read(f"EPUB/story-{n}.xhtml").decode()
            assert re.search(rf'<section id="story-{n}"[^>]*><span epub:type="pagebreak" '
                             rf'role="doc-pagebreak" id="page-{label}" aria-label="{label}"', doc)
    labels = [label for label, _ in re.findall(r'#page-([^"]+)">([^<]+)<', nav)]
    assert labels[:2] == ["iii", "iv"] and "1" in labels


@pytest.mark.slow
def test_page_breaks_inside_a_long_story(varied):
    reader = PdfReader(varied.outputs["pdf"])
    labels = reader.page_labels
    pages = pdf_pages(varied.outputs["pdf"])
    long_pages = [labels[i] for i, p in enumerate(pages) if "Words that go on" in p]
    assert len(long_pages) >= 3
    with zipfile.ZipFile(varied.outputs["epub"]) as z:
        doc = z.read("EPUB/story-2.xhtml").decode()
    marked = re.findall(r'id="page-(\d+)"', doc)
    assert marked[0] == long_pages[0] and set(marked) <= set(long_pages) and len(marked) >= 2


@pytest.mark.slow
def test_builds_are_byte_identical(tmp_path):
    def digests(out, **env):
        old = os.environ.copy()
        os.environ.update(env)
        if not env:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        try:
            built = build(ROOT / "book" / "book.yaml", out)
        finally:
            os.environ.clear()
            os.environ.update(old)
        return {f: hashlib.sha256(p.read_bytes()).hexdigest() for f, p in built.outputs.items()}

    first = digests(tmp_path / "a", SOURCE_DATE_EPOCH="1700000000")
    second = digests(tmp_path / "b", SOURCE_DATE_EPOCH="1700000000")
    assert first == second and set(first) == {"pdf", "print", "cover", "cover-image", "epub"}
    plain = digests(tmp_path / "c")
    assert plain == digests(tmp_path / "d")  # without SOURCE_DATE_EPOCH: the manifest's date
    assert plain["epub"] != first["epub"]
    with zipfile.ZipFile(tmp_path / "c" / "share-a-story-in-one-tweet.epub") as z:
        assert "2026-11-23T00:00:00Z" in z.read("EPUB/content.opf").decode()
        assert {i.date_time for i in z.infolist()} == {(2026, 11, 23, 0, 0, 0)}


def _needs(*tools):
    missing = [t for t in tools if not Path(t).exists()]
    return pytest.mark.skipif(bool(missing), reason=f"not installed: {', '.join(missing)} "
                              "(make test installs chromium, node and the npm packages)")


@pytest.mark.slow
@_needs(CHROMIUM, str(ACE))
@pytest.mark.parametrize("which", ["default", "varied", "noto"])
def test_ace_reports_no_violations(which, default_build, varied, noto, tmp_path):
    epub = {"default": default_build["epub"], "varied": varied.outputs["epub"],
            "noto": noto.outputs["epub"]}[which]
    violations, outcome, stderr = ace(epub, tmp_path)
    assert violations == [], stderr[-2000:]
    assert outcome == "pass"
    # What the ONIX record says of an ebook's accessibility is what this EPUB declares.
    from anthology.onix import epub_accessibility
    codes, summary = epub_accessibility(epub.read_bytes())
    assert {"04", "11", "13", "29", "52", "81", "85"} <= set(codes) and summary


@pytest.mark.slow
@_needs(CHROMIUM, str(NODE_MODULES / "epubjs" / "dist" / "epub.min.js"))
def test_epubjs_reads_every_story_in_order(default_build, default_book, tmp_path):
    result = epubjs_read(default_build["epub"], tmp_path)
    assert "error" not in result, result
    text = squash(" ".join(t for _, t in result["texts"]))
    positions = [text.find(markdown_words(s.text)) for s in default_book.all_stories]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)
    assert [s.title or s.author for s in default_book.all_stories] == \
        [label for label in result["toc"] if label not in ("Foreword", "Contributors",
                                                           "Sources and Permissions")]
    # epub.js reads page labels as numbers, so the roman front-matter labels come out as NaN
    assert [p for p in result["pages"] if p != "NaN"][:3] == ["1", "3", "5"]


NESTED = """\
title: Pages That Begin Anywhere
editors: [Ana Ortiz]
date: 2024-06-01
foreword:
  text: |
{foreword}
stories:
  - author: Rosa Quinn
    title: A Letter Quoted at Length
    text: |
      She kept the letter and read it to us the winter she was ill:

{quote}

      Then she folded it away.
  - author: Tomás Ferrer
    title: What the Ward Needed
    text: |
      The list we pinned by the door that year:

{items}
  - author: Ines Maro
    title: Lines at Night
    text: |
{verse}
"""


def nested_manifest() -> str:
    def sentences(n: int, count: int) -> str:
        return " ".join(f"The snow came down on the harbour {n}.{k} and the boats knocked "
                        "against each other all night, and nobody in the house could sleep "
                        "for the sound of it." for k in range(count))
    return NESTED.format(
        foreword="\n\n".join("    " + sentences(n, 6) for n in range(8)),
        quote="\n".join(f"      > {sentences(n, 3)}\n      >" for n in range(40)),
        items="\n".join(f"      - {sentences(n, 2)}" for n in range(60)),
        verse="\n".join(f"      the {n}th line of the night, and the sea below it\\"
                        for n in range(200)) + "\n      and morning.")


@pytest.mark.slow
def test_every_printed_page_is_in_the_page_list(make_book, tmp_path):
    """Pages that begin inside a long quotation, a list, a run of broken lines or the
    foreword's paragraphs are all in the page-list, each marker before that page's first
    word."""
    built = build(make_book(nested_manifest()), tmp_path / "out", ["print", "epub"])
    reader = PdfReader(built.outputs["print"])
    pages = pdf_pages(built.outputs["print"])
    printed = {label: text for label, text in zip(reader.page_labels, pages)
               if text.strip() and label.isdigit()}
    assert len(printed) > 20
    with zipfile.ZipFile(built.outputs["epub"]) as z:
        nav = z.read("EPUB/nav.xhtml").decode().split('epub:type="page-list"')[1]
        listed = dict((label, href) for href, label in
                      re.findall(r'<a href="([^"]+)">([^<]+)</a>', nav))
        documents = {name: z.read(name).decode() for name in z.namelist()
                     if name.endswith(".xhtml")}
    assert set(printed) <= set(listed), sorted(set(printed) - set(listed), key=int)
    for label in printed:
        name, anchor = listed[label].split("#")
        after = documents[f"EPUB/{name}"].split(f'id="{anchor}"', 1)[1]
        words = re.sub(r"<[^>]+>", " ", after.split(">", 1)[1])
        first = re.sub(r"\W+", "", printed[label].split()[0] if label != "1" else "")
        assert squash(first) in squash(" ".join(words.split()[:3])), (label, words[:80])
