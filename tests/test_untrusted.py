"""Everything in a book folder is untrusted (docs/architecture.md, "Trust model"): the cache holds data, a
theme runs sandboxed, the preview answers only this machine, limits are errors with their
line, outputs never replace inputs, and the machine's refusals are named."""

from __future__ import annotations

import errno
import hashlib
import os
import pickle
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
import zlib
from pathlib import Path

import pytest

from anthology import files as files_module
from anthology.paged import cache as cache_module
from anthology.build import build
from anthology.paged.cache import Cache
from anthology.cli import main
from anthology.model import load_book
from anthology.theme import BUILTIN
from anthology.paged.layout import Laid
from conftest import pdf_pages

MANIFEST = """\
title: Cats
date: 2024-01-01
stories:
  - author: Ada
    title: First
    text: |
      The cat sat by the door and waited for the rain to stop.
"""


class Planted:
    """A pickle that creates ``marker`` if anything ever unpickles it."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


class Refusing:
    """A module whose function ``name`` fails with ``code``, as the machine would."""

    def __init__(self, code: int, name: str, module=os):
        self.code, self.name, self.module = code, name, module

    def __getattr__(self, attribute):
        if attribute != self.name:
            return getattr(self.module, attribute)

        def refuse(*args, **kwargs):
            raise OSError(self.code, os.strerror(self.code))
        return refuse


# ---- The cache holds data, never code ------------------------------------------------------

def test_cache_round_trip_and_every_bad_entry_discarded(tmp_path, caplog):
    cache = Cache(tmp_path / "cache")
    key, other = "ab" + "0" * 62, "cd" + "1" * 62
    laid = Laid(b"%PDF-1.7 body", [["story-1"], []], [False, True])
    assert cache.put(key, laid.to_bytes())
    assert Laid.from_bytes(cache.get(key)) == laid
    entry = tmp_path / "cache" / "ab" / key
    good = entry.read_bytes()

    marker = tmp_path / "ran"
    bad = {"truncated": good[:-3], "corrupt": good[:-1] + b"X", "empty": b"",
           "other version": good[:16] + (99).to_bytes(2, "little") + good[18:],
           "pickle": pickle.dumps(Planted(marker))}
    caplog.set_level("DEBUG", logger="anthology")
    for name, data in bad.items():
        entry.write_bytes(data)
        assert cache.get(key) is None, name
        assert not entry.exists(), f"{name}: a bad entry must be deleted"
    # An entry copied under another key is foreign, though its checksum is right.
    (tmp_path / "cache" / "cd").mkdir()
    (tmp_path / "cache" / "cd" / other).write_bytes(good)
    assert cache.get(other) is None
    assert not marker.exists()
    assert sum("cache: discarded" in r.message for r in caplog.records) == len(bad) + 1


@pytest.mark.slow
def test_a_planted_cache_runs_nothing_and_is_rebuilt(make_book, tmp_path, monkeypatch):
    """Even a cache inside the book folder (passed with --cache), its entries replaced by
    pickles that would run code or corrupted by one byte, gives the same book: every entry
    is discarded and laid out again."""
    path = make_book(MANIFEST)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    planted = path.parent / "build" / ".cache"
    first = build(path, tmp_path / "a", ["pdf", "epub"], cache_dir=planted)
    entries = [p for p in planted.glob("??/*")]
    assert entries
    marker = tmp_path / "ran"
    for n, entry in enumerate(entries):
        data = entry.read_bytes()
        entry.write_bytes(pickle.dumps(Planted(marker)) if n % 2 else
                          data[:-1] + bytes([data[-1] ^ 1]))
    assert main(["--debug", "build", str(path), "--out", str(tmp_path / "b"), "--format",
                 "pdf,epub", "--cache", str(planted), "-q"]) == 0
    assert not marker.exists()
    for fmt, output in first.outputs.items():
        assert (tmp_path / "b" / output.name).read_bytes() == output.read_bytes(), fmt


def test_the_default_cache_is_outside_the_book(monkeypatch, tmp_path):
    monkeypatch.delenv("ANTHOLOGY_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_module.default_folder() == tmp_path / "xdg" / "anthology"


@pytest.mark.slow
def test_an_unwritable_cache_warns_and_leaves_no_temporary_file(make_book, tmp_path,
                                                                 monkeypatch):
    path = make_book(MANIFEST)

    def refused_rename(path, *parts, **options):  # only the cache's writes fail
        with monkeypatch.context() as patch:
            patch.setattr(files_module, "os", Refusing(errno.ENOSPC, "replace"))
            return files_module.atomic_write(path, *parts, **options)
    monkeypatch.setattr(cache_module, "atomic_write", refused_rename)
    built = build(path, tmp_path / "out", ["epub"], cache_dir=tmp_path / "cache")
    assert built.outputs["epub"].stat().st_size > 0
    assert any("cannot be written (the disk is full)" in w for w in built.warnings)
    assert not list((tmp_path / "cache").rglob("*.tmp"))


# ---- Theme templates run sandboxed; theme files stay inside styles/ -------------------------

@pytest.mark.parametrize("attack", [
    "{{ cycler.__init__.__globals__.os.popen('touch MARKER').read() }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ self._TemplateReference__context }}",
    "{{ lipsum.__globals__['os'].popen('touch MARKER').read() }}",
    "{% import 'os' as os %}{{ os }}",
    "{% include '../../../../etc/passwd' %}",
    # The objects templates are given are data: no method of a Path or a model is reachable.
    "{{ book.sources[0].joinpath('/etc/passwd').read_text() }}",
    "{{ book.sources[0].joinpath('MARKER').write_text('x') }}",
    "{{ book.parse_file('story.md', proto='pickle', allow_pickle=True) }}",
    "{{ book.model_validate_json('{}') }}",
    "{% macro again() %}{{ again() }}{% endmacro %}{{ again() }}",
    "{{ range(10 ** 9) | list }}",
    "{{ 9 ** (9 ** 10) }}",
    "{{ (((10 ** 64) ** 64) ** 64) ** 64 }}",
    "{{ 'a' * 10 ** 12 }}",
])
def test_theme_template_tricks_fail_with_template_and_line(attack, make_book, tmp_path, capsys):
    marker = tmp_path / "ran"
    path = make_book(MANIFEST + "  - author: Bo\n    file: story.md\n", {"story.md": "Hi.",
                                                                        "styles/titlepage.html":
                                "<section>\n<h1>{{ book.title }}</h1>\n"
                                + attack.replace("MARKER", str(marker)) + "\n</section>\n"})
    assert main(["build", str(path), "--out", str(tmp_path / "out"), "--format", "epub",
                 "--jobs", "1"]) == 2  # one job: no worker starts on the cover meanwhile
    err = capsys.readouterr().err
    assert "titlepage.html" in err and "Traceback" not in err, err
    if "{%" not in attack:
        assert "titlepage.html:3:" in err, err
    assert not marker.exists()
    assert not (tmp_path / "out" / "cats.epub").exists()


@pytest.mark.parametrize("name", ["epub.css", "titlepage.html", "fonts/face.otf", ""])
def test_a_theme_file_that_is_a_symlink_is_refused(name, make_book, tmp_path, capsys):
    """A file of styles/, a file in a sub-folder, and styles/ itself."""
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / (Path(name).name or "titlepage.html")
    secret.write_text("root:x:0:0:SECRET\n")
    path = make_book(MANIFEST)
    link = path.parent / "styles" / name if name else path.parent / "styles"
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(secret if name else outside)
    assert main(["build", str(path), "--out", str(tmp_path / "out"), "--format", "epub"]) == 2
    err = capsys.readouterr().err
    assert f"{link}: refused" in err and "symlink" in err, err
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


# ---- The preview answers only its own origin ---------------------------------------------

def _get(port: int, path: str = "/", host: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if host:
        request.add_header("Host", host)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.slow  # the preview lays the book out meanwhile
def test_preview_refuses_foreign_hosts_and_survives_idle_connections(make_book, capfd):
    import resource
    from anthology.workflow import serve
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 2000 <= hard or hard == resource.RLIM_INFINITY:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 2000), hard))
    path = make_book(MANIFEST)
    stop, urls = threading.Event(), []
    thread = threading.Thread(target=serve, args=(path, 0), daemon=True,
                              kwargs={"ready": urls.append, "stop": stop})
    thread.start()
    deadline = time.monotonic() + 10
    while not urls and time.monotonic() < deadline:
        time.sleep(0.05)
    port = int(urls[0].rsplit(":", 1)[1].strip("/"))
    idle = []
    try:
        assert _get(port, host=f"attacker.example:{port}")[0] == 403
        assert _get(port, host="127.0.0.1.attacker.example")[0] == 403
        assert _get(port, host=f"localhost:{port + 1}")[0] == 403
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"):
            assert _get(port, host=host)[0] == 200, host
        before = threading.active_count()
        for _ in range(200):
            idle.append(socket.create_connection(("127.0.0.1", port)))
        time.sleep(0.5)
        started = time.monotonic()
        status, body = _get(port, "/version")
        assert status == 200 and body.isdigit()
        assert time.monotonic() - started < 2
        assert threading.active_count() - before < 20  # no thread per idle connection
        for page in ("/page/-1.png", "/page/9999.png", "/page/x.png", "/etc/passwd"):
            assert _get(port, page)[0] == 404, page
        for connection in idle[:50]:  # clients that go away mid-request
            connection.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % port)
            connection.close()
        # Slow clients, a byte at a time, more of them than there are threads: no thread
        # waits on them, so a normal request is still answered at once.
        trickling = [socket.create_connection(("127.0.0.1", port)) for _ in range(20)]
        for _ in range(5):
            for connection in trickling:
                connection.sendall(b"G")
            time.sleep(0.1)
        started = time.monotonic()
        assert _get(port, "/version")[0] == 200
        assert time.monotonic() - started < 2
        idle += trickling
        # Connections that each sent a byte are bounded: the server keeps at most 512.
        fds = len(os.listdir("/proc/self/fd"))
        for _ in range(600):
            idle.append(socket.create_connection(("127.0.0.1", port)))
            idle[-1].sendall(b"G")
        time.sleep(1)
        assert len(os.listdir("/proc/self/fd")) - fds <= 600 + 512 + 10
        assert _get(port, "/version")[0] == 200
    finally:
        for connection in idle:
            connection.close()
        stop.set()
        thread.join(timeout=10)
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Error" not in err, err


# ---- Bounded, explained limits -------------------------------------------------------------

def _error_of(path, capsys) -> str:
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error" not in err, err
    return err


def test_alias_bomb_is_a_located_error_at_once(make_book, capsys):
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]" for n in range(1, 10)]
    path = make_book("title: Bomb\n" + "\n".join(lines) + "\nstories: *a9\n")
    started = time.monotonic()
    err = _error_of(path, capsys)
    assert time.monotonic() - started < 5
    assert "book.yaml:6: M014 aliases repeat more than 100,000 values" in err, err  # at a5


def test_aliases_of_long_text_are_bounded_too(make_book, capsys):
    story = "  - &s\n    author: A\n    text: \"" + "x" * 400_000 + "\"\n"
    path = make_book("title: Amp\nstories:\n" + story + "  - *s\n" * 3000)
    assert "book.yaml:8: M014 aliases repeat more than 100,000 values or 1,000,000 characters" \
        in _error_of(path, capsys)


def test_merge_keys_and_odd_scalars(make_book, capsys):
    path = make_book("title: Merge\nstories:\n  - &shared\n    author: Ann\n    text: One.\n"
                     "  - <<: *shared\n    text: Two.\n")
    assert [s.author for s in load_book(path).all_stories] == ["Ann", "Ann"]
    odd = {"rights: !!bool maybe": "M012 'maybe' cannot be read as a YAML bool",
           "subtitle: " + "9" * 5000: "cannot be read as a YAML int",
           "rights: !!python/object:os.system x": "M011 unsupported YAML tag",
           "print:\n  bleed: 0x" + "f" * 400: "M028 print.bleed: expected a length like 0.125in"}
    for line, message in odd.items():
        path = make_book(f"title: Odd\n{line}\nstories:\n  - author: A\n    text: x\n")
        assert f"book.yaml:{2 + line.count(chr(10))}: " in _error_of(path, capsys)
        assert message in _error_of(path, capsys)


def test_deep_nesting_is_a_located_error(make_book, capsys):
    path = make_book("title: Deep\nstories:\n  - author: A\n    text: x\nextra: "
                     + "[" * 500 + "]" * 500 + "\n")
    assert "book.yaml:5: M015 values nested more than 32 deep" in _error_of(path, capsys)


def test_list_markers_alone_on_their_lines_count_too(make_book, capsys):
    lines = "".join("  " * i + "-\n" for i in range(20)) + "  " * 20 + "SECRET\n\nend\n"
    path = make_book("title: Lists\nstories:\n  - author: A\n    file: s.md\n",
                     {"s.md": "start\n\n" + lines})
    assert "s.md:11: M039 stories[0].text: block quotes and lists nested more than 8 deep" \
        in _error_of(path, capsys)


def test_markdown_that_would_hide_words_keeps_them_or_is_refused(make_book, capsys):
    from anthology.text import to_html
    assert "THE END" in to_html("The last line.\n\n~~~ THE END ~~~\n\n``` also kept")
    assert "also kept" in to_html("``` also kept")
    path = make_book("title: Refs\nstories:\n  - author: A\n    text: '[x]: https://e.org'\n")
    assert "book.yaml:4: M040 stories[0].text: the text shows nothing (only link reference " \
        "definitions)" in _error_of(path, capsys)


def test_quotes_nested_past_the_layout_are_an_error_at_their_line(make_book, capsys):
    path = make_book("title: Quotes\nstories:\n  - author: A\n    file: deep.md\n",
                     {"deep.md": "---\ntitle: Deep\n---\nFirst paragraph.\n\n"
                                 + ">" * 21 + " Quoted 21 levels deep.\n"})
    err = _error_of(path, capsys)
    assert "deep.md:6: M039 stories[0].text: block quotes and lists nested more than 8 deep" in err


def _png_header_bomb(width: int, height: int) -> bytes:
    """A real, valid 1-bit PNG of width x height: a few kilobytes that decode to gigabytes."""
    def chunk(kind, data):
        return (len(data).to_bytes(4, "big") + kind + data
                + zlib.crc32(kind + data).to_bytes(4, "big"))
    row = b"\0" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([1, 0, 0, 0, 0])
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data)
            + chunk(b"IEND", b""))


def test_images_must_decode_and_stay_under_the_pixel_limit(make_book, capsys):
    from PIL import Image
    path = make_book("title: Pictures\nstories:\n  - author: A\n    text: |\n"
                     "      ![a cat](pics/cat.png)\n\n      ![a dog](pics/dog.png)\n"
                     "      ![a lie](pics/lie.jpg)\n      ![a cut](pics/cut.png)\n"
                     "      ![fine](pics/fine.gif)\n      ![phone](pics/phone.jpg)\n")
    pics = path.parent / "pics"
    pics.mkdir()
    (pics / "cat.png").write_text("not an image at all")
    (pics / "dog.png").write_bytes(_png_header_bomb(20000, 20000))
    assert (pics / "dog.png").stat().st_size < 100_000
    Image.new("RGB", (40, 30), "teal").save(pics / "lie.jpg", "PNG")
    Image.frombytes("L", (300, 200), os.urandom(60000)).save(pics / "whole.png")
    (pics / "cut.png").write_bytes((pics / "whole.png").read_bytes()[:30000])
    Image.new("P", (40, 30)).save(pics / "fine.gif")
    Image.new("RGB", (40, 30), "red").save(  # a phone's JPEG with a second picture: MPO
        pics / "phone.jpg", "MPO", save_all=True, append_images=[Image.new("RGB", (20, 15))])
    err = _error_of(path, capsys)
    assert "book.yaml:5: M046 stories[0].text: image 'pics/cat.png' cannot be read" in err, err
    assert "book.yaml:7: M045 stories[0].text: image 'pics/dog.png' has 20000×20000 pixels; " \
           "expected at most 36 million" in err, err
    assert "book.yaml:8: M044 stories[0].text: image 'pics/lie.jpg' is a PNG file but named .jpg" \
        in err, err
    assert "book.yaml:9: M046 stories[0].text: image 'pics/cut.png' cannot be read" in err, err
    assert "fine.gif" not in err and "phone.jpg" not in err


def test_a_latin1_manifest_and_a_pipe_are_named_for_what_they_are(make_book, capsys):
    path = make_book("title: T\nstories:\n  - author: A\n    file: pipe.md\n")
    os.mkfifo(path.parent / "pipe.md")
    assert "book.yaml:4: M036 stories[0].file: 'pipe.md' is not a regular file" \
        in _error_of(path, capsys)
    path.write_bytes("title: Café\nstories:\n  - author: A\n    text: x\n".encode("latin-1"))
    assert "book.yaml:1: M003 the file is not UTF-8 text" in _error_of(path, capsys)


def test_empty_story_and_folder_file_are_errors(make_book, capsys):
    path = make_book("title: Empty\nstories:\n  - author: A\n    text: '   '\n"
                     "  - author: B\n    file: stories\n  - author: C\n    file: blank.md\n",
                     {"stories/x.md": "x", "blank.md": "---\ntitle: Blank\n---\n\n  \n"})
    err = _error_of(path, capsys)
    assert "book.yaml:4: M029 stories[0].text: the text is empty; expected Markdown text" in err
    assert "book.yaml:6: M035 stories[1].file: 'stories' is a folder, expected a Markdown file" in err
    assert "blank.md:4: M029 stories[2].text: the text is empty" in err, err


def test_a_byte_order_mark_is_ignored_everywhere(make_book):
    path = make_book("title: BOM\nstories:\n  - author: A\n    file: story.md\n")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    (path.parent / "story.md").write_bytes(
        "\ufeff---\ntitle: Kept Title\n---\nThe body.\n".encode())
    book = load_book(path)
    assert book.title == "BOM"
    story = book.all_stories[0]
    assert story.title == "Kept Title" and story.text.strip() == "The body."


@pytest.mark.slow
def test_a_300000_letter_word_is_printed_whole(make_book, tmp_path):
    """Whole, over pages (a 200,000-letter word once never finished); the 1,000,000-letter
    word's time is measured by benchmarks/long_word.py (make bench-long-word)."""
    word = "".join(chr(ord("a") + (i * 7) % 26) for i in range(300_000))
    path = make_book(f"title: Long\nstories:\n  - author: A\n    text: |\n"
                     f"      Before {word} after.\n")
    built = build(path, tmp_path / "out", ["pdf"])  # its time: benchmarks/long_word.py
    heads = {"A", "Long"}  # the running heads: the story's author, the book's title

    def body(page_text: str) -> str:
        """A page's text without its folio and running head, its lines joined."""
        return "".join(line.strip() for line in page_text.splitlines()
                       if line.strip() and not line.strip().isdigit()
                       and line.strip() not in heads)
    pypdf_text = "".join(body(text) for text in pdf_pages(built.outputs["pdf"]))
    assert word in pypdf_text.replace("\u200b", "")
    poppler = subprocess.run(["pdftotext", "-enc", "UTF-8", str(built.outputs["pdf"]), "-"],
                             capture_output=True, text=True, check=True).stdout
    assert word in "".join(body(text) for text in poppler.split("\f"))


# ---- Outputs never overwrite inputs; any subset of formats -------------------------------

def test_an_output_that_is_an_input_stops_the_build_first(make_book, capsys):
    path = make_book(MANIFEST.replace("rain to stop.", "rain to stop.\n\n      ![us](cats-cover.jpg)"))
    from PIL import Image
    Image.new("RGB", (40, 30), "teal").save(path.parent / "cats-cover.jpg", "JPEG")
    before = hashlib.sha256((path.parent / "cats-cover.jpg").read_bytes()).hexdigest()
    assert main(["build", str(path), "--out", str(path.parent), "--jobs", "1"]) == 2
    err = capsys.readouterr().err
    assert "cats-cover.jpg would overwrite" in err and "which the book reads" in err, err
    after = hashlib.sha256((path.parent / "cats-cover.jpg").read_bytes()).hexdigest()
    assert before == after
    assert not (path.parent / "cats.pdf").exists()


@pytest.mark.slow
@pytest.mark.parametrize("formats", ["cover", "cover,epub", "print", "epub,pdf"])
def test_any_subset_of_formats_builds(formats, make_book, tmp_path):
    path = make_book(MANIFEST)
    assert main(["build", str(path), "--out", str(tmp_path / "out"), "--format", formats,
                 "-q"]) in (0, 3)  # 3: preflight's verdict on a one-story book, not a crash
    written = {p.name for p in (tmp_path / "out").iterdir()}
    wanted = {"cover": {"cats-cover.pdf", "cats-cover.jpg"}, "epub": {"cats.epub"},
              "print": {"cats-print.pdf"}, "pdf": {"cats.pdf"}}
    assert written == set().union(*(wanted[f] for f in formats.split(",")))


@pytest.mark.slow
def test_theme_css_reaches_no_file_of_the_book_so_cannot_be_overwritten(make_book, capsys):
    from PIL import Image
    builtin = (__import__("anthology.theme", fromlist=["BUILTIN"]).BUILTIN / "book.css")
    path = make_book(MANIFEST, {"styles/book.css": builtin.read_text()
                                + ".story-heading::before { content: url(../cats-cover.jpg) }"})
    Image.new("RGB", (40, 30), "teal").save(path.parent / "cats-cover.jpg", "JPEG")
    before = (path.parent / "cats-cover.jpg").read_bytes()
    assert main(["build", str(path), "--out", str(path.parent), "--format", "cover,pdf"]) == 2
    err = capsys.readouterr().err
    assert "the theme names files it may not or cannot read" in err and "cats-cover.jpg" in err
    assert (path.parent / "cats-cover.jpg").read_bytes() == before


def test_a_symlinked_folder_in_styles_is_refused(make_book, tmp_path, capsys):
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "red.png").write_bytes(b"x")
    path = make_book(MANIFEST, {"styles/README.md": "mine"})
    (path.parent / "styles" / "img").symlink_to(tmp_path / "outside")
    assert main(["build", str(path), "--out", str(tmp_path / "out"), "--format", "pdf",
                 "--jobs", "1"]) == 2
    assert "styles/img: refused" in capsys.readouterr().err


def test_command_line_bounds_and_a_busy_port(make_book, capsys):
    path = make_book(MANIFEST)
    with pytest.raises(SystemExit) as stopped:
        main(["build", str(path), "--jobs", "100000"])
    assert stopped.value.code == 2
    assert "expected a whole number from 1 to 64" in capsys.readouterr().err
    busy = socket.create_server(("127.0.0.1", 0))
    previews = set(Path(tempfile.gettempdir()).glob("anthology-preview-*"))
    try:
        assert main(["preview", str(path), "--port", str(busy.getsockname()[1])]) == 2
    finally:
        busy.close()
    assert "cannot listen on 127.0.0.1:" in capsys.readouterr().err
    assert set(Path(tempfile.gettempdir()).glob("anthology-preview-*")) == previews


def test_an_output_folder_planted_as_a_symlink_is_refused(make_book, tmp_path, capsys):
    victim = tmp_path / "victim"
    victim.mkdir()
    path = make_book(MANIFEST)
    (path.parent / "build").symlink_to(victim)
    assert main(["build", str(path), "--out", str(path.parent / "build"), "--format",
                 "epub"]) == 2
    assert "a symlink inside the book folder" in capsys.readouterr().err
    assert list(victim.iterdir()) == []


# ---- Environment errors are named ----------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("code, reason, exit_code", [
    (errno.ENOSPC, "the disk is full", 4),
    (errno.EROFS, "the folder is on a read-only file system", 5),
    (errno.EACCES, "permission denied", 6),
])
def test_write_errors_are_named_with_their_exit_code(code, reason, exit_code, make_book,
                                                     tmp_path, monkeypatch, capsys):
    path = make_book(MANIFEST)

    monkeypatch.setattr(files_module, "tempfile", Refusing(code, "mkstemp", tempfile))
    assert main(["build", str(path), "--out", str(tmp_path / "out"), "--format", "epub"]) \
        == exit_code
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err == f"anthology: cannot write {tmp_path / 'out' / 'cats.epub'}: {reason}"


@pytest.fixture
def small_disk(tmp_path):
    """A real 16 KB file system (tmpfs), mounted for the test: needs root's mount."""
    folder = tmp_path / "disk"
    folder.mkdir()

    def mount(*options: str) -> Path:
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(["size=16k", *options]),
                                 "tmpfs", str(folder)], capture_output=True, check=False)
        if result.returncode:
            pytest.skip(f"cannot mount a tmpfs here: {result.stderr.decode().strip()}")
        return folder
    yield mount
    subprocess.run(["umount", str(folder)], capture_output=True, check=False)


@pytest.mark.slow
@pytest.mark.parametrize("options, exit_code, reason", [
    ((), 4, "the disk is full"), (("ro",), 5, "the folder is on a read-only file system")])
def test_a_real_full_or_read_only_disk_is_named(options, exit_code, reason, small_disk,
                                                make_book, capsys):
    path = make_book(MANIFEST)
    out = small_disk(*options)
    assert main(["build", str(path), "--out", str(out), "--format", "epub"]) == exit_code
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err == f"anthology: cannot write {out / 'cats.epub'}: {reason}", err
    assert list(out.iterdir()) == []  # no half-written file, no temporary one


# ---- Same bytes anywhere ---------------------------------------------------------------------

@pytest.mark.slow
def test_same_bytes_from_another_folder_user_locale_and_time_zone(make_book, tmp_path):
    import shutil
    import subprocess
    import sys
    # The book's own stylesheet is read from the book's folder (once a path in the print
    # PDF's XMP DocumentID seed).
    path = make_book(MANIFEST, {"styles/book.css": (Path(BUILTIN) / "book.css").read_text()})
    other = tmp_path / "elsewhere" / "deeper" / "copy"
    shutil.copytree(path.parent, other)
    digests = []
    for folder, zone, locale in ((path.parent, "UTC", "C.UTF-8"),
                                 (other, "Asia/Kathmandu", "POSIX")):
        env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000", "TZ": zone, "LC_ALL": locale,
               "ANTHOLOGY_CACHE_DIR": str(folder / "cache"), "USER": "someone-" + zone}
        subprocess.run([sys.executable, "-m", "anthology.cli", "build", "book.yaml", "--out",
                        "out", "-q"], cwd=folder, env=env, check=False, timeout=600)
        outputs = sorted((folder / "out").iterdir())
        assert len(outputs) == 5
        digests.append({p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in outputs})
    assert digests[0] == digests[1]
