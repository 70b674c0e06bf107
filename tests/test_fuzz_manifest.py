"""Property-based: any mutation of a valid manifest gives a book or a located manifest error,
never another exception."""

from __future__ import annotations

import copy
import re
from html import unescape
import datetime as dt
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from anthology.build import build
from anthology.codes import Code
from anthology.errors import ManifestError
from anthology.model import load_book
from anthology.render import book_view, epub_documents, pdf_html, sections
from anthology.theme import Theme

BASE = {
    "title": "Fuzz",
    "editors": ["Ed"],
    "date": dt.date(2024, 1, 2),
    "print": {"trim": "6x9", "paper": "white"},
    "foreword": {"title": "Foreword", "text": "Hello *there*."},
    "stories": [
        {"author": "A", "handle": "@a", "date": dt.date(2018, 5, 5), "text": "One.\n\nTwo."},
        {"author": "B", "title": "Bee", "source": "https://example.org/b", "text": "Buzz."},
    ],
}
KEYS = ["title", "subtitle", "editors", "language", "date", "identifier", "rights", "keywords",
        "foreword", "stories", "parts", "print", "author", "handle", "text", "file", "source",
        "trim", "paper", "bleed", "recto_starts", "profile", "pdf_x", "intro", "autor", "titel"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True),
    st.text(max_size=40), st.dates(), st.sampled_from(
        ["2018-02-30", "5x8", "a5", "0.125in", "3mm", "cream", "ingram", "x-1a", "en", "pt-BR",
         "http://x", "javascript:alert(1)", "../../etc/passwd", "/etc/passwd", "a.md",
         "![i](http://127.0.0.1:9/x.png)", "<script>x</script>", "\u202e\u200b𝐁", "ﷺ"]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(KEYS), inner, max_size=3)),
    max_leaves=6)


def _containers(node, path=()):
    yield path, node
    children = node.items() if isinstance(node, dict) else enumerate(node) \
        if isinstance(node, list) else ()
    for key, child in children:
        yield from _containers(child, path + (key,))


@st.composite
def mutated_manifests(draw):
    data = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 3))):
        places = [(p, n) for p, n in _containers(data) if isinstance(n, (dict, list)) and n]
        _, node = draw(st.sampled_from(places))
        key = draw(st.sampled_from(list(node) if isinstance(node, dict) else range(len(node))))
        action = draw(st.sampled_from(["replace", "delete", "rename", "add"]))
        if action == "replace":
            node[key] = draw(values)
        elif action == "delete":
            del node[key]
        elif action == "rename" and isinstance(node, dict):
            node[draw(st.sampled_from(KEYS))] = node.pop(key)
        elif isinstance(node, dict):
            node[draw(st.sampled_from(KEYS))] = draw(values)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    if draw(st.booleans()):  # break the YAML itself now and then
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(
            [":", "- ", "\t", "{", "]", "'", '"', "&a", "*a", "!!python/object:os.system ",
             "\n  bad: [", "\x07", "\ufeff", "key: value\nkey: again\n"])) + text[at:]
    return text


def check(text: str, folder: Path) -> None:
    manifest = folder / "book.yaml"
    manifest.write_text(text, encoding="utf-8")
    try:
        book = load_book(manifest)
    except ManifestError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.line >= 1 and problem.file and problem.message, problem
            assert isinstance(problem.code, Code) and problem.code.startswith("M"), problem
        return
    view = book_view(book)
    theme = Theme(folder)
    pdf_html(view, theme, sections(view, paged=True), "2024-01-01T00:00:00Z",
             {s.id: 1 for s in sections(view, paged=True)})
    epub_documents(view, theme)


@given(mutated_manifests())  # as many examples as the profile (tests/conftest.py) says
def test_mutated_manifests_give_a_book_or_a_located_error(text):
    with tempfile.TemporaryDirectory() as folder:
        check(text, Path(folder))


@pytest.mark.slow
@settings(max_examples=12)
@given(mutated_manifests())
def test_mutated_manifests_build_end_to_end(text):
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        (folder / "book.yaml").write_text(text, encoding="utf-8")
        try:
            load_book(folder / "book.yaml")
        except ManifestError:
            return
        built = build(folder / "book.yaml", folder / "out", ["pdf", "epub"])
        assert all(path.stat().st_size > 0 for path in built.outputs.values())


# ---- Story Markdown: nesting, long words, byte-order marks --------------------------------

WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéøßΩж", min_size=1, max_size=12)
LONG_WORDS = st.integers(60, 3000).map(lambda n: "".join("xyzzy"[i % 5] for i in range(n)))
PREFIXES = st.lists(st.sampled_from(["> ", "- ", "1. ", "* ", "  "]), max_size=14)


@st.composite
def story_markdown(draw):
    """Lines of words, some very long, each behind a random stack of quote and list markers."""
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        words = draw(st.lists(st.one_of(WORDS, WORDS, LONG_WORDS), min_size=1, max_size=6))
        lines.append("".join(draw(PREFIXES)) + " ".join(words))
        if draw(st.booleans()):
            lines.append("")  # a new block, or the same one going on
    return "\n".join(lines).strip() or "word"


def letters(text: str) -> str:
    return "".join(ch for ch in text if ch.isalpha())


@settings(max_examples=min(300, settings.default.max_examples))  # 300 in CI
@given(story_markdown(), st.booleans(), st.booleans())
def test_story_markdown_is_shown_whole_or_refused_at_its_line(markdown, bom, front):
    """Every letter of a story reaches the page in order, or the manifest is refused with
    the story file's line: nesting is never silently dropped, long words never cut."""
    from anthology.text import to_html
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        (folder / "book.yaml").write_text("title: T\nstories:\n  - author: A\n    file: s.md\n")
        body = ("---\ntitle: Kept\n---\n" if front else "") + markdown + "\n"
        (folder / "s.md").write_text(("\ufeff" if bom else "") + body, encoding="utf-8")
        try:
            book = load_book(folder / "book.yaml")
        except ManifestError as error:
            assert all(p.file == "s.md" and p.line >= 1 for p in error.problems), error
            assert any("nested more than" in p.message for p in error.problems), error
            return
        story = book.all_stories[0]
        assert (story.title == "Kept") == front
        html = to_html(story.text)
        shown = letters(unescape(re.sub(r"<[^>]+>", "", html)).replace("\u200b", ""))
        assert shown == letters(markdown)
