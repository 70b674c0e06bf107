"""The editors' guide (docs/guide.md) cannot drift from the code: every ```yaml snippet in it is
validated as `anthology check` validates a manifest, every code it names exists, every code
and exit code is explained, and every manifest key has an example.

The snippet convention (the guide's own "About the examples" says it for editors):

- A ```yaml snippet with no marker is a whole manifest, checked as it is: it must be valid and
  give no warning.
- An HTML comment on the line just above the fence, ``<!-- guide: WORD ... -->``, says how
  to check it; its words are:

  ``fragment=book``    top-level keys: written after a minimal book's ``title:`` (unless the
                       snippet has its own) and, unless it gives ``stories:`` or ``parts:``,
                       before the minimal book's one story;
  ``fragment=story``   one story entry (a mapping) or a list of them: the book's ``stories:``;
  ``fragment=catalogue`` a catalogue (``books:``, ``out:``): loaded beside a small book for
                       each of its entries;
  ``error=M047,M016``  ``check`` must fail, with each of these codes among its problems;
  ``warning=W005``     ``check`` must pass, with each of these warnings (and no other).

- A block of any language preceded by ``<!-- guide: file=stories/x.md -->`` is a file of the
  example book: it is written into the folder of every snippet's book.
- Every other file a valid snippet names (``file:``, an image ``![...](path)``) is made
  for it: a line of text, or a small PNG. An error snippet gets only the guide's files.

Fragments are merged as text, not as parsed YAML, so a snippet that shows a YAML error (a key
given twice, a bad indent) keeps it. The library is used, not a subprocess: ``load_book``
(its ManifestError's problems) and ``lint`` are what ``check`` runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from anthology import errors, model
from anthology.catalogue import load_catalogue
from anthology.codes import Code
from anthology.errors import ManifestError
from anthology.lint import lint
from anthology.model import load_book

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "guide.md"
FENCE = re.compile(r"^```(\S*)\s*$")
MARKER = re.compile(r"^<!--\s*guide:(.*?)-->\s*$")
WORDS = {"fragment", "error", "warning", "file"}
BASE_TITLE = "title: An Example Book\n"
BASE_STORIES = "stories:\n  - author: Ana Ruiz\n    text: A short piece for the example.\n"
PLACEHOLDER = "A line of text for the guide's example.\n"
IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)|^\s*image:\s*(\S+)", re.M)  # Markdown, cover.image


@dataclass
class Snippet:
    line: int                      # of the opening fence, 1-based
    language: str
    text: str
    marks: dict[str, str] = field(default_factory=dict)

    @property
    def codes(self) -> list[str]:
        return [c for c in self.marks.get("error", "").split(",") if c]

    @property
    def warnings(self) -> list[str]:
        return [c for c in self.marks.get("warning", "").split(",") if c]

    def __str__(self) -> str:
        return f"docs/guide.md:{self.line}"


def parse_marks(comment: str, line: int) -> dict[str, str]:
    marks = {}
    for word in comment.split():
        key, _, value = word.partition("=")
        if key not in WORDS or not value:
            raise ValueError(f"docs/guide.md:{line}: unknown guide marker {word!r} "
                             f"(expected one of {sorted(WORDS)}, each as word=value)")
        marks[key] = value
    if marks.get("fragment", "book") not in ("book", "story", "catalogue"):
        raise ValueError(f"docs/guide.md:{line}: fragment is 'book', 'story' or 'catalogue'")
    return marks


def snippets(text: str) -> list[Snippet]:
    """Every fenced block of the guide, with the marks of the comment just above it."""
    found, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
        marker = MARKER.match(lines[i - 1]) if i else None
        marks = parse_marks(marker[1], i) if marker else {}
        found.append(Snippet(i + 1, opening[1], "\n".join(lines[i + 1:end]) + "\n", marks))
        i = end + 1
    return found


def manifest_text(snippet: Snippet) -> str:
    """The whole manifest a snippet stands for."""
    kind = snippet.marks.get("fragment")
    if kind is None:
        return snippet.text
    if kind == "story":
        lines = snippet.text.splitlines()
        if lines and lines[0].startswith("- "):
            body = "".join(f"  {line}\n" for line in lines)
        else:
            body = "".join(("  - " if n == 0 else "    ") + line + "\n" if line.strip()
                           else "\n" for n, line in enumerate(lines))
        return BASE_TITLE + "stories:\n" + body
    head = "" if re.search(r"^title:", snippet.text, re.M) else BASE_TITLE
    tail = "" if re.search(r"^(stories|parts):", snippet.text, re.M) else BASE_STORIES
    return head + snippet.text + tail


def _picture(path: Path) -> None:
    """A small picture in the format its name says (PNG unless .jpg, .jpeg or .gif)."""
    from PIL import Image
    kind = {".jpg": "JPEG", ".jpeg": "JPEG", ".gif": "GIF"}.get(path.suffix.lower(), "PNG")
    Image.new("RGB", (16, 16), (200, 180, 150)).save(path, kind)


def make_folder(snippet: Snippet, folder: Path, files: dict[str, str]) -> Path:
    """The snippet's book folder: book.yaml, the guide's files and (for a snippet that must
    pass) every other file it names."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = folder / "book.yaml"
    manifest.write_text(manifest_text(snippet), encoding="utf-8")
    for name, content in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(content, encoding="utf-8")
    if snippet.codes:
        return manifest
    texts = [manifest.read_text(encoding="utf-8"), *files.values()]
    named = [m[1] for m in re.finditer(r"^\s*-?\s*file:\s*['\"]?([^'\"#\s]+)", texts[0], re.M)]
    for name in named:
        target = folder / name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(PLACEHOLDER, encoding="utf-8")
    for text in texts:
        for markdown, cover in IMAGE.findall(text):
            target = folder / (markdown or cover)
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                _picture(target)
    return manifest


def check_catalogue(snippet: Snippet, folder: Path) -> str | None:
    """A catalogue: loaded as `anthology build` loads one, beside a small book for each of its
    books: entries (a pattern's * made a folder's name)."""
    import yaml
    catalogue = folder / "catalogue.yaml"
    folder.mkdir(parents=True, exist_ok=True)
    catalogue.write_text(snippet.text, encoding="utf-8")
    for n, pattern in enumerate(yaml.safe_load(snippet.text)["books"]):
        manifest = folder / pattern.replace("*", f"title-{n}")
        manifest.parent.mkdir(parents=True, exist_ok=True)
        manifest.write_text("title: T\nstories:\n  - author: A\n    text: hi\n")
    try:
        load_catalogue(catalogue)
    except ManifestError as error:
        return f"{snippet}: the example is not a valid catalogue:\n{error}"
    return None


def check_snippet(snippet: Snippet, folder: Path, files: dict[str, str]) -> str | None:
    """Why the snippet does not do what the guide says it does, or None."""
    if snippet.marks.get("fragment") == "catalogue":
        return check_catalogue(snippet, folder)
    manifest = make_folder(snippet, folder, files)
    try:
        book = load_book(manifest)
    except ManifestError as error:
        found = [p.code for p in error.problems]
        if snippet.codes:
            lacking = [c for c in snippet.codes if c not in found]
            return f"{snippet}: expected {lacking}, got:\n{error}" if lacking else None
        return f"{snippet}: the example is not a valid manifest:\n{error}"
    if snippet.codes:
        return f"{snippet}: expected check to fail with {snippet.codes}, but it passed"
    warned = sorted({w.code for w in lint(book, manifest)})
    if warned != sorted(set(snippet.warnings)):
        return (f"{snippet}: expected warnings {sorted(set(snippet.warnings))}, got "
                f"{warned}:\n" + "\n".join(map(str, lint(book, manifest))))
    return None


def guide_text() -> str:
    return GUIDE.read_text(encoding="utf-8")


def guide_files(found: list[Snippet]) -> dict[str, str]:
    return {s.marks["file"]: s.text for s in found if "file" in s.marks}


ALL = snippets(guide_text()) if GUIDE.exists() else []
YAML = [s for s in ALL if s.language == "yaml" and "file" not in s.marks]


def test_the_guide_has_examples():
    assert len(YAML) >= 30, "docs/guide.md should show its keys in ```yaml examples"


@pytest.mark.parametrize("snippet", YAML, ids=str)
def test_every_yaml_example_checks_as_the_guide_says(snippet, tmp_path):
    assert (failure := check_snippet(snippet, tmp_path, guide_files(ALL))) is None, failure


def test_markers_only_mark_checked_blocks():
    for snippet in ALL:
        if snippet.language != "yaml":
            assert set(snippet.marks) <= {"file"}, f"{snippet}: only a file= mark here"


# The checker itself: a snippet that is wrong must fail it.

@pytest.mark.parametrize("text, marks", [
    ("title: T\nstories:\n  - author: A\n    txet: hi\n", {}),                   # whole
    ("author: A\ntitel: The Lighthouse\ntext: hi\n", {"fragment": "story"}),     # a story
    ("print:\n  trimm: 6x9\n", {"fragment": "book"}),                            # the book's
    ("theme:\n  body_fnt: Gentium Plus\n", {"fragment": "book"}),                # misspelt
])
def test_an_example_with_a_key_that_does_not_exist_fails(text, marks, tmp_path):
    failure = check_snippet(Snippet(1, "yaml", text, marks), tmp_path, {})
    assert failure and "M016" in failure and "not a valid manifest" in failure


def test_an_error_example_must_fail_with_its_code(tmp_path):
    valid = Snippet(1, "yaml", "author: A\ntext: hi\n", {"fragment": "story", "error": "M047"})
    assert "but it passed" in check_snippet(valid, tmp_path / "a", {})
    other = Snippet(1, "yaml", "author: A\nsalutation: Dear B,\ntext: hi\n",
                    {"fragment": "story", "error": "M030"})
    assert "expected ['M030']" in check_snippet(other, tmp_path / "b", {})


def test_an_unexpected_warning_fails(tmp_path):
    snippet = Snippet(1, "yaml", "author: A\noriginal_language: gl\ntext: hi\n",
                      {"fragment": "story"})
    assert "W005" in check_snippet(snippet, tmp_path, {})


def test_a_fragment_keeps_its_yaml_errors(tmp_path):
    snippet = Snippet(1, "yaml", "author: A\nauthor: B\ntext: hi\n",
                      {"fragment": "story", "error": "M010"})
    assert check_snippet(snippet, tmp_path, {}) is None


def test_an_unknown_marker_is_refused():
    with pytest.raises(ValueError, match="unknown guide marker"):
        snippets("<!-- guide: fragmnet=story -->\n```yaml\na: b\n```\n")


# Codes and exit codes.

def test_every_code_the_guide_names_exists():
    named = set(re.findall(r"\b[MWP]\d{3}\b", guide_text()))
    unknown = named - {c.value for c in Code}
    assert not unknown, f"docs/guide.md names codes codes.py lacks: {sorted(unknown)}"


def test_every_code_is_explained_in_the_guide():
    named = set(re.findall(r"\b[MWP]\d{3}\b", guide_text()))
    missing = [c.value for c in Code if c.value not in named]
    assert not missing, f"docs/guide.md does not explain {missing}"


def test_every_exit_code_is_explained_in_the_guide():
    documented = {int(n) for n in re.findall(r"^\| (\d+) +\|", errors.__doc__, re.M)}
    section = re.search(r"^## [^\n]*exit codes[^\n]*$(.*?)(?=^## |\Z)", guide_text(), re.M | re.S | re.I)
    assert section, "docs/guide.md has no section on exit codes"
    shown = {int(n) for n in re.findall(r"^\| (\d+) \|", section[1], re.M)}
    assert shown == documented


# Every key of the manifest has an example.

def _keys(cls, seen=None) -> set[str]:
    seen = set() if seen is None else seen
    if cls in seen:
        return set()
    seen.add(cls)
    keys = set()
    for name, info in cls.model_fields.items():
        keys.add(name)
        if nested := model._nested_model(info.annotation):
            keys |= _keys(nested, seen)
    return keys


def test_every_manifest_key_has_an_example():
    shown = set()
    for snippet in ALL:
        if snippet.language == "yaml" or "file" in snippet.marks:
            shown |= set(re.findall(r"^[\s-]*([a-z_]+):", snippet.text, re.M))
    missing = sorted(_keys(model.Book) - shown)
    assert not missing, f"docs/guide.md has no example of {missing}"
