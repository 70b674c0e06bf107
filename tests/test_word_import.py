"""`anthology import` of Word submissions (.docx): story files with front matter, a book folder
from a folder of them, and hostile files refused with one message. The .docx files are made
here with python-docx (footnotes, which it cannot write, by adding the part ourselves)."""

from __future__ import annotations

import re
import struct
import zipfile
from pathlib import Path

import docx
import pytest
import yaml
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml

from anthology.cli import main
from anthology.importer import escape_markdown
from anthology.manifest import split_front_matter
from anthology.model import load_book
from anthology.text import to_html
from anthology.word import read_docx

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


# --- making .docx files ----------------------------------------------------------------------

def new_document(title: str = "", author: str = "") -> docx.Document:
    """An empty document whose core properties hold only ``title`` and ``author`` (python-docx
    writes 'python-docx' as the author of its template otherwise)."""
    document = docx.Document()
    document.core_properties.title = title
    document.core_properties.author = author
    return document


def add_footnotes(document: docx.Document, notes: dict[int, str]) -> None:
    """word/footnotes.xml (Word's two separators, then ``notes``), related to the document."""
    body = "".join(f'<w:footnote w:id="{i}"><w:p><w:r><w:t xml:space="preserve">{text}'
                   '</w:t></w:r></w:p></w:footnote>' for i, text in notes.items())
    xml = (f'<w:footnotes {W}>'
           '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p>'
           '</w:footnote><w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r>'
           f'<w:continuationSeparator/></w:r></w:p></w:footnote>{body}</w:footnotes>')
    part = Part(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, xml.encode(),
                document.part.package)
    document.part.relate_to(part, RT.FOOTNOTES)


def add_note_call(paragraph, number: int) -> None:
    """A footnote reference run, as Word writes it, at the end of ``paragraph``."""
    paragraph._p.append(parse_xml(
        f'<w:r {W}><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr>'
        f'<w:footnoteReference w:id="{number}"/></w:r>'))


def save(document: docx.Document, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(path)
    return path


def prose_story(path: Path) -> Path:
    document = new_document()
    document.add_paragraph("The Salt Road", style="Title")
    document.add_paragraph("by Ana Ruiz")
    first = document.add_paragraph("The carts left before dawn, and ")
    first.add_run("nobody looked back").italic = True
    first.add_run(" at the ")
    first.add_run("empty").bold = True
    first.add_run(" village on the hill.")
    second = document.add_paragraph("Salt was worth more than silver")
    add_note_call(second, 1)
    second.add_run(" that winter.")
    document.add_paragraph("* * *")
    document.add_paragraph("By noon the road had turned to mud.")
    document.add_section()  # a real Word section break: the paragraph before ends a section
    document.add_paragraph("Years later her grandson walked the same road.")
    add_footnotes(document, {1: "A cart of salt bought a house in the valley."})
    return save(document, path)


def poem(path: Path) -> Path:
    document = new_document(title="Low Tide", author="Ben Okafor")
    document.add_paragraph("A Heading That Loses", style="Title")  # the properties win
    for stanza in (["The water goes out", "and leaves its silver", "on every stone"],
                   ["Gulls count", "what the sea forgot"]):
        paragraph = document.add_paragraph()
        for number, line in enumerate(stanza):
            run = paragraph.add_run(line)
            if number < len(stanza) - 1:
                run.add_break()  # a soft return: Shift+Enter
    return save(document, path)


def run_import(*args: str) -> int:
    return main(["import", *map(str, args)])


# --- 1. prose ---------------------------------------------------------------------------------

def test_a_prose_story_keeps_emphasis_notes_and_breaks(tmp_path, capsys):
    source = prose_story(tmp_path / "salt.docx")
    assert run_import(source) == 0
    text = capsys.readouterr().out
    meta, body = split_front_matter(text, "salt.md")
    assert dict(meta) == {"title": "The Salt Road", "author": "Ana Ruiz"}
    assert "Salt Road" not in body and "Ana Ruiz" not in body  # title and byline are used up
    assert "and *nobody looked back* at the **empty** village" in body
    assert "Salt was worth more than silver[^1] that winter." in body
    assert body.rstrip().endswith("[^1]: A cart of salt bought a house in the valley.")
    order = [body.index(s) for s in ("The carts left", "[^1] that winter", "* * *\n\nBy noon",
                                     "mud.\n\n* * *\n\nYears later", "[^1]: A cart")]
    assert order == sorted(order)
    assert body.count("* * *") == 2
    # The Markdown renders as meant: emphasis, one note, two scene breaks.
    html = to_html(body)
    assert "<em>nobody looked back</em>" in html and "<strong>empty</strong>" in html
    assert html.count("<hr") == 2 and html.count('class="noteref"') == 1


def test_a_story_is_written_by_its_title_into_a_folder(tmp_path, capsys):
    source = prose_story(tmp_path / "salt.docx")
    stories = tmp_path / "stories"
    assert run_import(source, "-o", f"{stories}/") == 0  # a new folder: ends in /
    assert run_import(source, "-o", stories) == 0        # an existing folder
    assert sorted(p.name for p in stories.iterdir()) == ["the-salt-road-2.md",
                                                         "the-salt-road.md"]
    assert "the-salt-road-2.md" in capsys.readouterr().err
    assert run_import(source, "-o", tmp_path / "mine.md") == 0
    assert (tmp_path / "mine.md").read_text() == (stories / "the-salt-road.md").read_text()


# --- 2. verse ----------------------------------------------------------------------------------

def test_a_poem_keeps_its_lines_and_its_properties_win(tmp_path, make_book):
    source = poem(tmp_path / "tide.docx")
    story = read_docx(source)
    assert story.matter == {"title": "Low Tide", "author": "Ben Okafor"}
    assert story.body.startswith("**A Heading That Loses**\n\n")  # kept, as a bold paragraph
    assert story.body.endswith("The water goes out\nand leaves its silver\non every stone\n\n"
                               "Gulls count\nwhat the sea forgot\n")
    manifest = make_book("""\
        title: Verse
        stories:
          - file: stories/low-tide.md
            kind: verse
        """, {"stories/low-tide.md": story.text})
    book = load_book(manifest)
    piece = book.all_stories[0]
    assert (piece.title, piece.author, piece.kind) == ("Low Tide", "Ben Okafor", "verse")
    html = to_html(piece.text, kind="verse")
    lines = re.findall(r'<span class="line">(.*?)</span>', html)
    assert lines[-5:] == ["The water goes out", "and leaves its silver", "on every stone",
                          "Gulls count", "what the sea forgot"]
    assert html.count('<p class="stanza"') == 3  # the bold heading, then two stanzas


# --- 3. a folder --------------------------------------------------------------------------------

def test_a_folder_of_submissions_becomes_a_book(tmp_path, capsys):
    submissions = tmp_path / "submissions"
    prose_story(submissions / "b-salt.docx")
    poem(submissions / "c-tide.docx")
    third = new_document(author="Chen Wei")
    third.add_paragraph("Lanterns", style="Heading 1")
    third.add_paragraph("Every window on the street was lit but one.")
    save(third, submissions / "A-lanterns.docx")
    (submissions / "~$lock.docx").write_bytes(b"\x00owner file Word keeps while editing")
    (submissions / "notes.txt").write_text("not a submission")
    out = tmp_path / "newbook"

    assert run_import(submissions, "-o", out, "--title", "Roads and Tides") == 0
    assert "3 stories" in capsys.readouterr().err
    manifest = yaml.safe_load((out / "book.yaml").read_text())
    assert manifest == {"title": "Roads and Tides", "language": "en", "stories": [
        {"file": "stories/lanterns.md"}, {"file": "stories/the-salt-road.md"},
        {"file": "stories/low-tide.md"}]}
    assert sorted(p.name for p in (out / "stories").iterdir()) == [
        "lanterns.md", "low-tide.md", "the-salt-road.md"]
    book = load_book(out / "book.yaml")
    assert [(s.title, s.author) for s in book.all_stories] == [
        ("Lanterns", "Chen Wei"), ("The Salt Road", "Ana Ruiz"), ("Low Tide", "Ben Okafor")]

    before = (out / "book.yaml").read_bytes()
    assert run_import(submissions, "-o", out) == 2  # never replaces a manifest
    assert "book.yaml exists" in capsys.readouterr().err
    assert (out / "book.yaml").read_bytes() == before
    assert len(list((out / "stories").iterdir())) == 3


def test_a_folder_needs_an_output_and_docx_files(tmp_path, capsys):
    assert run_import(tmp_path) == 2
    assert "-o FOLDER" in capsys.readouterr().err
    assert run_import(tmp_path, "-o", tmp_path / "book") == 2
    assert "no .docx files" in capsys.readouterr().err
    assert not (tmp_path / "book").exists()


def test_one_bad_file_in_a_folder_writes_nothing(tmp_path, capsys):
    submissions = tmp_path / "submissions"
    prose_story(submissions / "a.docx")
    (submissions / "b.docx").write_bytes(b"not a zip")
    assert run_import(submissions, "-o", tmp_path / "book") == 2
    err = capsys.readouterr().err
    assert "1 of 2 files cannot be imported; nothing was written" in err and "b.docx" in err
    assert not (tmp_path / "book").exists()


def test_a_missing_author_is_left_out_with_a_warning(tmp_path, capsys):
    document = new_document()
    document.add_paragraph("Nameless", style="Title")
    document.add_paragraph("A story whose author forgot to sign it.")
    source = save(document, tmp_path / "nameless.docx")
    assert run_import(source) == 0
    out, err = capsys.readouterr()
    assert dict(split_front_matter(out, "x")[0]) == {"title": "Nameless"}  # no placeholder
    assert "warning: nameless.docx: no author found" in err and "author:" in err
    # python-docx's own name in the properties is no author either
    document.core_properties.author = "python-docx"
    assert "author" not in read_docx(save(document, tmp_path / "again.docx")).matter


def test_a_byline_in_a_subtitle_style_and_yaml_quoting(tmp_path):
    document = new_document()
    document.add_paragraph("Yes: #1 & 'No'", style="Title")
    document.add_paragraph("Dana O'Neill", style="Subtitle")
    document.add_paragraph("Text.")
    story = read_docx(save(document, tmp_path / "q.docx"))
    assert story.matter == {"title": "Yes: #1 & 'No'", "author": "Dana O'Neill"}
    assert yaml.safe_load(story.text.split("---\n")[1]) == story.matter
    assert story.body == "Text.\n"


def test_a_title_under_a_manuscript_header_but_not_after_the_story(tmp_path):
    document = new_document()
    for line in ("Ana Ruiz", "ana@example.org", "About 1,200 words"):
        document.add_paragraph(line)
    document.add_paragraph("Cold Harbour", style="Heading 1")
    document.add_paragraph("by Ana Ruiz")
    document.add_paragraph("The boats were frozen in. " * 10)
    document.add_paragraph("Spring", style="Heading 2")
    document.add_paragraph("The ice went out in April.")
    story = read_docx(save(document, tmp_path / "harbour.docx"))
    assert story.matter == {"title": "Cold Harbour", "author": "Ana Ruiz"}
    assert story.body.startswith("Ana Ruiz\n\nana@example.org\n\nAbout 1,200 words\n\nThe")
    assert "**Spring**" in story.body
    assert any("3 paragraph(s) above the title" in w for w in story.warnings)

    document = new_document(author="Ana Ruiz")
    document.add_paragraph("The boats were frozen in. " * 10)
    document.add_paragraph("Spring", style="Heading 2")  # a heading of the text, not a title
    document.add_paragraph("The ice went out in April.")
    story = read_docx(save(document, tmp_path / "untitled.docx"))
    assert story.matter == {"author": "Ana Ruiz"} and "**Spring**" in story.body


def test_italic_spans_with_spaces_and_adjacent_runs(tmp_path):
    document = new_document(title="T", author="A")
    paragraph = document.add_paragraph("She said")
    paragraph.add_run(" never ").italic = True   # spaces inside the italics
    paragraph.add_run("again").italic = True     # an adjacent italic run
    paragraph.add_run(",")
    paragraph.add_run(" and").bold = True
    paragraph.add_run("\u201cleft.\u201d").italic = True
    paragraph.add_run("Then")
    body = read_docx(save(document, tmp_path / "i.docx")).body
    assert body.startswith("She said *never again*, **and**")
    html = to_html(body)
    assert "She said <em>never again</em>, <strong>and</strong>" in html
    assert "*" not in re.sub(r"<[^>]+>", "", html)  # no delimiter left as text


# --- 4. hostile files --------------------------------------------------------------------------

def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _declare_size(path: Path, size: int) -> Path:
    """Rewrite the central directory so that every member claims ``size`` bytes unpacked."""
    data = bytearray(path.read_bytes())
    for match in re.finditer(rb"PK\x01\x02", bytes(data)):
        struct.pack_into("<I", data, match.start() + 24, size)
    path.write_bytes(bytes(data))
    return path


def hostile_files(tmp_path: Path) -> dict[str, Path]:
    bomb = _zip(tmp_path / "bomb.docx", {"[Content_Types].xml": b"<x/>",
                                         "word/document.xml": b"<x/>"})
    return {
        "not a zip": tmp_path / "text.docx",
        "no document": _zip(tmp_path / "empty.docx", {"[Content_Types].xml": b"<Types/>"}),
        "zip bomb": _declare_size(bomb, 150 * 2**20),
        "bad xml": _zip(tmp_path / "xml.docx", {"word/document.xml": b"<w:document"}),
    }


@pytest.mark.parametrize("case, message", [
    ("not a zip", "not a zip archive"),
    ("no document", "no word/document.xml"),
    ("zip bomb", "zip bomb"),
    ("bad xml", "not a readable Word document"),
])
def test_hostile_files_are_refused_with_one_line(tmp_path, capsys, case, message):
    (tmp_path / "text.docx").write_text("just text, named .docx")
    source = hostile_files(tmp_path)[case]
    out = tmp_path / "out"
    out.mkdir()
    assert run_import(source, "-o", f"{out}/") == 2
    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err
    assert len(captured.err.strip().splitlines()) == 1 and "Traceback" not in captured.err
    assert list(out.iterdir()) == []


def test_a_note_called_only_by_a_note_and_the_title_is_kept(tmp_path):
    """Its label is first given while the notes are written (it once broke their loop)."""
    document = new_document(author="Ann Lee")
    add_note_call(document.add_paragraph("The Title", style="Title"), 2)
    add_note_call(document.add_paragraph("Text"), 1)
    add_footnotes(document, {1: "One", 2: "Two"})
    document.part.part_related_by(RT.FOOTNOTES)._blob = document.part.part_related_by(
        RT.FOOTNOTES).blob.replace(b"One</w:t></w:r>", b"One</w:t></w:r><w:r>"
                                   b'<w:footnoteReference w:id="2"/></w:r>')
    story = read_docx(save(document, tmp_path / "notes.docx"))
    assert story.body == "Text[^1]\n\n[^1]: One[^2]\n\n[^2]: Two\n"
    assert not any("note(s) left out" in w for w in story.warnings)


def test_a_document_without_text_is_refused(tmp_path, capsys):
    document = new_document(title="Empty", author="Nobody")
    document.add_paragraph("")
    assert run_import(save(document, tmp_path / "empty.docx")) == 2
    assert "has no text to import" in capsys.readouterr().err


def test_without_mammoth_the_message_says_what_to_install(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "mammoth", None)
    assert run_import(prose_story(tmp_path / "s.docx")) == 2
    assert "pip install 'anthology[word]'" in capsys.readouterr().err


# --- 5. Markdown in the text is text ---------------------------------------------------------

def test_markdown_characters_in_word_text_stay_text(tmp_path):
    document = new_document(title="Signs", author="Eve Marsh")
    for text in ["* not a bullet", "# not a heading", "1. not a list", "> not a quote",
                 "a [x] box, a <b> tag, a *star* and an &amp; entity",
                 "-> not right-aligned"]:
        document.add_paragraph(text)
    for second in ("# line two", "==="):  # "===" under a line would make it a heading
        paragraph = document.add_paragraph("line one")
        paragraph.runs[0].add_break()
        paragraph.add_run(second)
    body = read_docx(save(document, tmp_path / "signs.docx")).body
    for kind in ("prose", "verse"):
        html = to_html(body, kind=kind)
        assert not re.search(r"<(h\d|ul|ol|li|blockquote|em|hr|a)\b", html), html
        shown = re.sub(r"<[^>]+>", "", html)
        for text in ["* not a bullet", "# not a heading", "1. not a list", "&gt; not a quote",
                     "a [x] box, a &lt;b&gt; tag, a *star* and an &amp;amp; entity",
                     "-&gt; not right-aligned", "# line two", "==="]:
            assert text in shown, (kind, text, shown)
        assert "\\" not in shown


def test_escape_markdown_number_and_line_rules():
    assert escape_markdown("1. a") == "1\\. a"
    assert to_html(escape_markdown("1. a\n2) b\n#\n>x\n---\n~ d")) == \
        "<p>1. a<br />\n2) b<br />\n#<br />\n&gt;x<br />\n---<br />\n~ d</p>\n"


def test_tables_and_images_are_reported(tmp_path):
    from PIL import Image
    picture = tmp_path / "dot.png"
    Image.new("RGB", (4, 4)).save(picture)
    document = new_document(title="Ledger", author="Ann Lee")
    document.add_paragraph("Before the table.")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Flour", "two sacks"
    document.add_picture(str(picture))
    document.add_paragraph("After.")
    story = read_docx(save(document, tmp_path / "ledger.docx"))
    assert story.body == "Before the table.\n\nFlour\n\ntwo sacks\n\nAfter.\n"
    warnings = " ".join(story.warnings)
    assert "1 table(s)" in warnings and "1 image(s) left out" in warnings


@pytest.mark.slow
def test_an_imported_book_builds(tmp_path):
    from anthology.build import build
    from conftest import epub_spine_texts
    submissions = tmp_path / "submissions"
    prose_story(submissions / "a.docx")
    poem(submissions / "b.docx")
    assert run_import(submissions, "-o", tmp_path / "book") == 0
    outputs = build(tmp_path / "book" / "book.yaml", tmp_path / "out",
                    formats=("pdf", "epub")).outputs
    texts = " ".join(text for _, text in epub_spine_texts(outputs["epub"]))
    assert "A cart of salt bought a house" in texts and "what the sea forgot" in texts


def test_kind_verse_is_written_for_a_file_and_for_a_folder(tmp_path):
    """`--kind verse` marks what is imported: a story's front matter, a folder's book."""
    import docx
    from anthology.cli import main
    from anthology.model import load_book

    folder = tmp_path / "poems"
    folder.mkdir()
    document = docx.Document()
    document.core_properties.title, document.core_properties.author = "Tide", "Ana Ruiz"
    run = document.add_paragraph().add_run("the tide goes out")
    run.add_break()
    document.paragraphs[0].add_run("and comes back in")
    document.save(folder / "tide.docx")
    assert main(["import", str(folder / "tide.docx"), "--kind", "verse", "-o",
                 str(tmp_path / "tide.md")]) == 0
    assert "kind: verse" in (tmp_path / "tide.md").read_text(encoding="utf-8")
    assert main(["import", str(folder), "--kind", "verse", "-o", str(tmp_path / "book")]) == 0
    book = load_book(tmp_path / "book" / "book.yaml")
    assert book.kind == "verse" and book.kind_of(book.all_stories[0]) == "verse"
