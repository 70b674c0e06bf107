"""Untrusted input: shown as text, never executed or fetched; odd text still builds."""

from __future__ import annotations

import socket
import threading
import zipfile

import pytest
from lxml import etree
from pypdf import PdfReader

from anthology.build import build
from anthology.cli import main
from anthology.pageread import read_interior
from conftest import epubcheck, pdf_pages, squash


class Listener:
    """A TCP listener on 127.0.0.1 that counts the connections it receives."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self.running = False
        self.thread.join()
        self.sock.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


HOSTILE = """\
title: "<script>alert('title')</script> Book"
subtitle: "<style>body {{ display: none }}</style>"
editors: ["<img src=x onerror=alert(1)>", "@import url(http://127.0.0.1:{port}/e.css);"]
publisher: '<iframe src="http://127.0.0.1:{port}/frame"></iframe>'
rights: 'url(http://127.0.0.1:{port}/r.png) "quoted" & <b>bold</b>'
description: '</p><script src="http://127.0.0.1:{port}/d.js"></script>'
keywords: ['"><svg onload=alert(1)>']
foreword:
  author: '<a href="javascript:alert(1)">Fore</a>'
  text: |
    <script>fetch('http://127.0.0.1:{port}/f')</script>

    [click](javascript:alert(1)) and [data](data:text/html,hi) and [ok](http://127.0.0.1:{port}/link)

    <div style="background: url(http://127.0.0.1:{port}/bg.png)">styled</div>
stories:
  - author: '<script>alert("author")</script>'
    handle: '@x" onmouseover="alert(1)'
    title: '<iframe src="file:///etc/passwd">'
    source: 'https://example.org/?q=%3Cscript%3E'
    text: |
      <style>@import url(http://127.0.0.1:{port}/s.css);</style>
      <img src="http://127.0.0.1:{port}/i.png"> <object data="file:///etc/passwd"></object>
      <link rel="stylesheet" href="http://127.0.0.1:{port}/l.css">
"""

OVERRIDE_CSS = """\
@import url("http://127.0.0.1:{port}/theme.css");
@import url("file:///etc/passwd");
body {{ background: url("http://127.0.0.1:{port}/bg.png"); }}
@font-face {{ font-family: X; src: url("http://127.0.0.1:{port}/font.woff"); }}
.story {{ font-family: X, serif; }}
"""


@pytest.mark.slow
def test_a_theme_that_fetches_is_refused_by_name(make_book, tmp_path, listener, capsys):
    """A theme's CSS naming remote or outside files: nothing is fetched, and the build stops
    naming them (WeasyPrint would leave them out without a word)."""
    base_css = (__import__("anthology.theme", fromlist=["BUILTIN"]).BUILTIN / "book.css").read_text()
    path = make_book("title: T\nstories:\n  - author: A\n    text: Hi.\n",
                     {"styles/book.css": OVERRIDE_CSS.format(port=listener.port) + base_css})
    assert main(["build", str(path), "--out", str(tmp_path / "out"), "--format", "pdf"]) == 2
    err = capsys.readouterr().err
    assert "the theme names files it may not or cannot read" in err, err
    for url in ("/theme.css", "file:///etc/passwd", "/bg.png", "/font.woff"):
        assert url in err, (url, err)
    assert listener.connections == 0
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_hostile_book_is_text_and_fetches_nothing(make_book, tmp_path, listener):
    path = make_book(HOSTILE.format(port=listener.port))
    built = build(path, tmp_path / "out", ["pdf", "print", "cover", "epub"])
    assert listener.connections == 0
    text = " ".join(pdf_pages(built.outputs["pdf"]))
    for shown in ("<script>alert('title')</script> Book", "<script>alert(\"author\")</script>",
                  "<iframe src=\"file:///etc/passwd\">", "[click](javascript:alert(1))"):
        assert squash(shown) in squash(text), shown
    assert "root:x:0:0" not in text
    with zipfile.ZipFile(built.outputs["epub"]) as z:
        for name in z.namelist():
            if name.endswith(".xhtml"):
                doc = etree.fromstring(z.read(name))
                for element in doc.iter("{*}*"):
                    tag = etree.QName(element).localname
                    assert tag not in ("script", "style", "iframe", "object", "embed"), name
                    assert not [a for a in element.attrib if a.lower().startswith("on")], name
                    href = element.get("href", "") + element.get("src", "")
                    assert not href.startswith(("javascript:", "data:", "file:")), name
                    if tag == "link":
                        assert not element.get("href").startswith("http"), name
    assert epubcheck(built.outputs["epub"]) == []


def test_remote_and_outside_images_are_manifest_errors(make_book, tmp_path, listener, capsys):
    path = make_book(f"""\
title: T
stories:
  - author: A
    text: |
      ![remote](http://127.0.0.1:{listener.port}/a.png)
  - author: B
    text: "![outside](../../etc/x.png)"
  - author: C
    text: "![](pics/a.png)"
  - author: D
    text: "![vector](pics/a.svg)"
  - author: E
    text: "![missing](pics/none.png)"
""", {"pics/a.png": "not really a png", "pics/a.svg": "<svg/>"})
    assert main(["build", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert f"book.yaml:5: M041 stories[0].text: image 'http://127.0.0.1:{listener.port}/a.png' is not a file inside the book folder" in err
    assert "book.yaml:7: M041 stories[1].text: image '../../etc/x.png' is not a file inside the book folder" in err
    assert "book.yaml:9: M043 stories[2].text: image 'pics/a.png' needs a description" in err
    assert "book.yaml:11: M041 stories[3].text: image 'pics/a.svg' is not a file inside" in err
    assert "book.yaml:13: M042 stories[4].text: image 'pics/none.png' not found" in err
    assert listener.connections == 0
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_image_inside_the_book_reaches_both_outputs(make_book, tmp_path):
    from PIL import Image
    folder = tmp_path / "book"
    (folder / "pics").mkdir(parents=True)
    Image.new("RGB", (60, 40), "teal").save(folder / "pics" / "clock.png")
    path = make_book("title: T\nstories:\n  - author: A\n    text: |\n      The clock:\n\n"
                     "      ![A mantle clock](pics/clock.png)\n")
    built = build(path, tmp_path / "out", ["pdf", "epub"])
    pages = PdfReader(built.outputs["pdf"]).pages
    assert any("/XObject" in p["/Resources"] and any(
        x.get_object()["/Subtype"] == "/Image" for x in p["/Resources"]["/XObject"].values())
        for p in pages)
    with zipfile.ZipFile(built.outputs["epub"]) as z:
        assert "EPUB/pics/clock.png" in z.namelist()
        assert '<img src="pics/clock.png" alt="A mantle clock"' in z.read("EPUB/story-1.xhtml").decode()
    assert epubcheck(built.outputs["epub"]) == []


ODD = {
    "controls": "Bell\x07 and NUL\x00 and escape\x1b and form feed\x0c gone.",
    "bidi": "Left \u202eright-to-left override\u202c and \u2067isolate\u2069 back.",
    "zero width": "zero\u200bwidth\u200cjoiner\u200dand\ufeffBOM",
    "math": "𝐁𝐨𝐥𝐝 𝑖𝑡𝑎𝑙𝑖𝑐 𝔉𝔯𝔞𝔨𝔱𝔲𝔯 𝟙𝟚𝟛",
    "long word": "x" * 300,
    "arabic": "كانت هناك مرة فتاة صغيرة تحب القراءة كثيرا.",
    "hebrew": "היה היה ילד שאהב לקרוא ספרים.",
    "cjk": "昔々、ある村に本が好きな子供がいました。我们都喜欢读书。",
}


@pytest.mark.slow
def test_odd_text_builds(make_book, tmp_path):
    files = {f"s{n}.md": text + "\n" for n, text in enumerate(ODD.values())}
    files["huge.md"] = "\n\n".join(["A sentence that repeats, for a very long story."] * 2100)
    stories = "".join(f"  - author: Odd {n}\n    file: s{n}.md\n" for n in range(len(ODD)))
    stories += "  - author: Huge\n    file: huge.md\n"
    stories += "  - author: Arabic\n    language: ar\n    text: مرحبا بالعالم\n"
    path = make_book(f"title: Odd\nstories:\n{stories}", files)
    assert len((path.parent / "huge.md").read_text()) > 100_000
    built = build(path, tmp_path / "out", ["pdf", "epub"])
    text = " ".join(pdf_pages(built.outputs["pdf"]))
    assert "Bell and NUL and escape and form feed gone." in text
    for key in ("cjk", "hebrew"):
        assert squash(ODD[key][:6]) in squash(text), key
    width = float(PdfReader(built.outputs["pdf"]).pages[0].mediabox.width)
    for page in read_interior(built.outputs["pdf"]).pages:
        assert page.box is None or page.box[2] <= width - 0.5 * 72  # nothing runs off the page
    assert epubcheck(built.outputs["epub"]) == []
    with zipfile.ZipFile(built.outputs["epub"]) as z:
        assert 'dir="rtl"' in z.read(f"EPUB/story-{len(ODD) + 2}.xhtml").decode()


def test_source_with_markup_is_a_manifest_error(make_book, capsys):
    path = make_book("title: T\nstories:\n  - author: A\n    source: 'https://e.org/?q=<script>'\n"
                     "    text: x\n")
    assert main(["check", str(path)]) == 2
    assert "book.yaml:4: M026 stories[0].source: expected an address without spaces" in \
        capsys.readouterr().err


def test_yaml_control_character_names_its_line(make_book, tmp_path, capsys):
    path = make_book("title: T\nstories:\n  - author: A\n    text: bell\x07here\n")
    assert main(["check", str(path)]) == 2
    assert "book.yaml:4: M004 character U+0007 is not allowed in YAML" in capsys.readouterr().err
