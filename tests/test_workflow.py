"""The editor's workflow: new, a theme override, build --watch, live preview in a browser."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from anthology.build import build
from anthology.cli import main
from anthology.model import load_book
from anthology.theme import BUILTIN
from conftest import pdf_pages

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def test_new_makes_a_valid_book_and_never_overwrites_one(tmp_path, capsys):
    folder = tmp_path / "tales"
    assert main(["new", str(folder), "--title", 'Tales "of" Night']) == 0
    assert (folder / "styles").is_dir() and (folder / "styles" / "README.md").is_file()
    book = load_book(folder / "book.yaml")
    assert book.title == 'Tales "of" Night' and len(book.all_stories) == 2
    assert book.foreword is not None
    assert main(["new", str(folder)]) == 2  # never overwrites a book
    assert "exists and is not empty" in capsys.readouterr().err


def test_preview_pairs_pages_as_a_book_opens_and_knows_an_edit_of_one_piece(tmp_path):
    from anthology.workflow import edited_pieces, spreads, with_pieces
    sheets = [(f"{n:064x}", label, "", (396.0, 612.0))
              for n, label in enumerate(["i", "ii", "iii", "iv"])]
    pairs = [re.findall(r"<figcaption>(\w+)<|class=\"page blank\"", spread)
             for spread in spreads(sheets).split('<div class="spread">')[1:]]
    assert pairs == [["", "i"], ["ii", "iii"], ["iv", ""]]  # blank|i, ii|iii, iv|blank
    main(["new", str(tmp_path / "book")])
    book = load_book(tmp_path / "book" / "book.yaml")
    story = book.stories[1].model_copy(update={"text": "Changed."})
    edited = book.model_copy(update={"stories": [book.stories[0], story]})
    assert edited_pieces(book, edited) == [1] and edited_pieces(book, book) == []
    assert edited_pieces(book, edited.model_copy(update={"title": "Another"})) == []
    assert with_pieces(edited, [story]).all_stories == [story]


@pytest.mark.slow
def test_new_book_builds_as_is(tmp_path):
    folder = tmp_path / "tales"
    assert main(["new", str(folder), "--title", 'Tales "of" Night']) == 0
    built = build(folder / "book.yaml", tmp_path / "out", ["pdf", "epub"])
    assert built.book.title == 'Tales "of" Night' and sorted(built.outputs) == ["epub", "pdf"]
    assert all(path.stat().st_size > 0 for path in built.outputs.values())


@pytest.mark.slow
def test_a_book_style_overrides_one_template(tmp_path):
    folder = tmp_path / "book"
    main(["new", str(folder)])
    story = (BUILTIN / "story.html").read_text().replace(
        '<div class="attribution"', '<p class="stamp">OVERRIDDEN STORY</p><div class="attribution"')
    (folder / "styles" / "story.html").write_text(story)
    built = build(folder / "book.yaml", tmp_path / "out", ["pdf"])
    text = "\n".join(pdf_pages(built.outputs["pdf"]))
    assert text.count("OVERRIDDEN STORY") == 2  # both stories, and the rest is built in
    assert "Contents" in text and "Contributors" in text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.slow
def test_build_watch_rebuilds_on_change(tmp_path):
    folder = tmp_path / "book"
    main(["new", str(folder)])
    out = tmp_path / "out"
    process = subprocess.Popen([sys.executable, "-m", "anthology.cli", "build",
                                str(folder / "book.yaml"), "--out", str(out), "--format", "pdf",
                                "--watch"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    try:
        pdf = out / "my-anthology.pdf"
        assert _wait_for(pdf.exists)
        first = pdf.stat().st_mtime_ns
        story = folder / "stories" / "second.md"
        story.write_text(story.read_text().replace("believed in me", "believed in us all"))
        assert _wait_for(lambda: pdf.stat().st_mtime_ns != first)
        assert _wait_for(lambda: "believed in us all" in " ".join(pdf_pages(pdf)), 20)
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.slow
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed "
                    "(make test installs Debian's chromium)")
def test_preview_reloads_in_a_real_browser(tmp_path):
    from playwright.sync_api import sync_playwright
    folder = tmp_path / "book"
    main(["new", str(folder)])
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "anthology.cli", "preview",
                               str(folder / "book.yaml"), "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page()
            assert _wait_for(lambda: _reachable(port))
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_function("document.body.innerText.includes('believed in me')",
                                   timeout=60_000)
            assert page.locator("figure.page").count() >= 8
            labels = page.locator("figcaption").all_inner_texts()  # page numbers, visible
            assert labels[:3] == ["i", "ii", "iii"] and "1" in labels
            story = folder / "stories" / "second.md"
            story.write_text(story.read_text().replace("believed in me", "believed in you"))
            page.wait_for_function("document.body.innerText.includes('believed in you')",
                                   timeout=30_000)  # no reload by hand: the page reloads itself
            (folder / "book.yaml").write_text((folder / "book.yaml").read_text() + "autor: x\n")
            page.wait_for_selector("pre.error", timeout=30_000)
            assert "unknown key 'autor'" in page.inner_text("pre.error")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


def _reachable(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _write_book_of(folder: Path, count: int) -> Path:
    """A book of ``count`` tweet-length stories, each in its own file (as benchmarks/generate.py
    makes them, but with files to edit)."""
    words = ("the night shift ended and she walked home through snow thinking of the boy in "
             "bed four who laughed at her jokes and asked if the stars were still there").split()
    (folder / "stories").mkdir(parents=True)
    entries = []
    for n in range(1, count + 1):
        text = " ".join(words[(n * 7 + i) % len(words)] for i in range(20 + n % 25))
        (folder / "stories" / f"{n:03}.md").write_text(
            f"---\nauthor: Author {n}\n---\n{text.capitalize()}.\n")
        entries.append(f"  - file: stories/{n:03}.md")
    (folder / "book.yaml").write_text("title: Three Hundred\neditors: [Ed]\ndate: 2024-01-01\n"
                                      "stories:\n" + "\n".join(entries) + "\n")
    return folder / "book.yaml"


@pytest.mark.slow
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed")
def test_preview_of_300_stories_shows_first_pages_then_edits_quickly(tmp_path):
    from playwright.sync_api import sync_playwright
    manifest = _write_book_of(tmp_path / "book", 300)
    port = _free_port()
    started = time.monotonic()
    server = subprocess.Popen([sys.executable, "-m", "anthology.cli", "preview", str(manifest),
                               "--port", str(port)], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page()
            assert _wait_for(lambda: _reachable(port), 20)
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_function("[...document.images].some(i => i.complete && i.naturalWidth)",
                                   timeout=20_000)
            first_view = time.monotonic() - started
            page.wait_for_function("document.querySelectorAll('figure.page').length > 300",
                                   timeout=60_000)  # the whole book, before the edit
            story = manifest.parent / "stories" / "150.md"
            story.write_text(story.read_text().replace("\n---\n", "\n---\nEdited right now. "))
            written = time.monotonic()
            page.wait_for_function("document.body.innerText.includes('Edited right now')",
                                   timeout=20_000)
            edit = time.monotonic() - written
            page.wait_for_selector(".note", state="detached", timeout=30_000)  # then the book
            assert "Edited right now" in page.inner_text("body")
            browser.close()
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    print(f"\n300 stories: first pages after {first_view:.1f} s, an edit shown after "
          f"{edit:.1f} s\n{output}")
    assert first_view < 20 and edit < 20
    assert output.count("laid out 342 pages") == 2  # a line per rebuild, with its times
    assert "first 3 pieces shown after" in output and "edited piece shown after" in output
