"""The default book, built for real and read back as a reader and a checker would."""

from __future__ import annotations

import re
import zipfile

import pytest

from anthology.people import People
from pypdf import PdfReader

from conftest import epub_spine_texts, epubcheck, markdown_words, pdf_pages, squash

pytestmark = pytest.mark.slow  # every test reads the default book, built once


def test_pdf_has_every_story_with_its_attribution_in_manifest_order(default_build, default_book):
    pages = pdf_pages(default_build["pdf"])
    squashed = [squash(p) for p in pages]
    story_pages = []
    for story in default_book.all_stories:
        words = markdown_words(story.text)
        found = [i for i, page in enumerate(squashed) if words in page]
        assert found, f"story by {story.author} not found in the PDF"
        page = squashed[found[0]]
        assert squash(story.author) in page
        assert squash(story.handle) in page
        assert squash(f"{story.date:%B} {story.date.day}, {story.date.year}") in page
        story_pages.append(found[0])
    assert story_pages == sorted(story_pages) and len(set(story_pages)) == len(story_pages)


def test_pdf_front_matter_contents_and_contributors(default_build, default_book):
    pages = pdf_pages(default_build["pdf"])
    text = squash(" ".join(pages))
    assert squash(default_book.title) in squash(pages[0])
    assert squash(default_book.rights) in text
    assert "urn:uuid" not in text  # an identifier that is no ISBN is metadata, not print
    contents = next(p for p in pages if "Contents" in p)
    reader = PdfReader(default_build["pdf"])
    labels = reader.page_labels
    for story in default_book.all_stories:
        # The contents prints the label of the page where the story really is.
        page_index = next(i for i, p in enumerate(pages) if markdown_words(story.text) in squash(p))
        line = next(line for line in contents.splitlines() if story.author in line)
        assert line.rstrip().endswith(" " + labels[page_index]), (line, labels[page_index])
    contributors = squash(next(p for p in pages if p.lstrip().startswith("Contributors")))
    sources = squash(next(p for p in pages if p.lstrip().startswith("Sources and Permissions")))
    people = People(default_book)
    for story in default_book.all_stories:  # each under their sort name ("Choo, Esther")
        sort_as = people.credits(story).author[0].sort_as
        assert squash(sort_as) in contributors and squash(story.handle) in contributors
        assert squash(story.author) in sources


def test_pdf_metadata_outline_labels_and_fonts(default_build, default_book):
    reader = PdfReader(default_build["pdf"])
    meta = reader.metadata
    assert meta.title == default_book.title
    assert meta.author == ", ".join(default_book.editors)
    assert reader.trailer["/Root"]["/Lang"] == "en"
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    nested = [i.title for group in reader.outline if isinstance(group, list) for i in group]
    titles = outline + nested
    for story in default_book.all_stories:
        assert (story.title or story.author) in titles
    assert "Contents" in titles and "Foreword" in titles and "Contributors" in titles
    labels = reader.page_labels
    assert labels[0] == "i" and "1" in labels
    assert labels[labels.index("1") - 1] in ("iv", "vi", "viii", "x")  # front ends on a verso
    assert labels.index("1") % 2 == 0  # so story 1 opens on a right-hand page
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = (font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
                          if "/DescendantFonts" in font else font.get("/FontDescriptor"))
            embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts[font["/BaseFont"].split("+")[-1]] = embedded
    assert all(fonts.values()), fonts
    assert any(name.startswith("EB-Garamond") for name in fonts), fonts


def test_pdf_contents_links_go_to_the_stories(default_build, default_book):
    reader = PdfReader(default_build["pdf"])
    pages = pdf_pages(default_build["pdf"])
    contents_index = next(i for i, p in enumerate(pages) if "Contents" in p)
    named = reader.named_destinations
    links = dict.fromkeys(annot.get_object()["/Dest"]  # one link may have several boxes
                          for annot in reader.pages[contents_index]["/Annots"])
    targets = [reader.get_destination_page_number(named[name]) for name in links]
    story_pages = [next(i for i, p in enumerate(pages) if markdown_words(s.text) in squash(p))
                   for s in default_book.all_stories]
    assert targets[1:-2] == story_pages  # foreword first, then stories, then back matter
    assert squash("Foreword") in squash(pages[targets[0]])
    assert squash("Contributors") in squash(pages[targets[-2]])
    assert squash("Sources and Permissions") in squash(pages[targets[-1]])


def test_epub_spine_has_every_story_in_order_with_attribution(default_build, default_book):
    spine = epub_spine_texts(default_build["epub"])
    names = [name for name, _ in spine]
    assert names[:4] == ["cover.xhtml", "titlepage.xhtml", "copyright.xhtml", "nav.xhtml"]
    story_docs = [(n, squash(t)) for n, t in spine if n.startswith("story-")]
    assert len(story_docs) == len(default_book.all_stories)
    for (name, text), story in zip(story_docs, default_book.all_stories):
        assert markdown_words(story.text) in text, name
        assert squash(story.author) in text and squash(story.handle) in text
    assert names[-2:] == ["contributors.xhtml", "sources.xhtml"]


def test_epub_metadata_and_nav(default_build, default_book):
    with zipfile.ZipFile(default_build["epub"]) as z:
        assert z.namelist()[0] == "mimetype"
        assert z.getinfo("mimetype").compress_type == zipfile.ZIP_STORED
        opf = z.read("EPUB/content.opf").decode()
        nav = z.read("EPUB/nav.xhtml").decode()
    assert f">{default_book.uid}</dc:identifier>" in opf
    assert "<dc:language>en</dc:language>" in opf
    assert f"<dc:title>{default_book.title}</dc:title>" in opf
    for story in default_book.all_stories:
        assert f">{story.author}</dc:contributor>" in opf
    assert 'epub:type="toc"' in nav and 'epub:type="landmarks"' in nav
    assert 'epub:type="bodymatter"' in nav
    assert re.findall(r'href="(story-\d+)\.xhtml"', nav)[:3] == ["story-1", "story-2", "story-3"]


def test_epubcheck_reports_nothing(default_build):
    messages = epubcheck(default_build["epub"])
    assert messages == [], messages


def test_every_output_is_set_in_the_theme_face(default_build):
    """The screen PDF, the print interior and the cover all use the pinned book face (the
    cover is laid out apart: without a font configuration, pinned faces would be ignored)."""
    import books
    for fmt in ("pdf", "print", "cover"):
        names = books.font_names(default_build[fmt].read_bytes())
        assert any("EB-Garamond-anthology" in name for name in names), (fmt, names)
