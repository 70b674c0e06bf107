"""Catalogues (catalogue.py): many books built by one `anthology build catalogue.yaml`, their
layouts in one pool; a title that fails does not stop the others."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from anthology.catalogue import is_catalogue, load_catalogue
from anthology.errors import ManifestError
from conftest import epub_spine_texts, pdf_pages, squash

ANTHOLOGY = str(Path(sys.executable).parent / "anthology")

BOOKS = {
    "coast": ("Salt and Harbour Lights", [
        ("The Ferry Clerk", "Ines Duarte",
         "Every morning the ferry clerk counted the gulls on the pier before she sold a ticket."),
        ("Low Tide", "Tomasz Wierzbicki",
         "At low tide the old wall showed its green stones, and the children walked along it.")]),
    "valley": ("Poems of the Upper Valley", [
        ("Orchard", "Mei Lin Okafor",
         "The apples fell all night; by dawn the grass was a map of small red towns."),
        ("Snowmelt", "Ruth Abernethy",
         "The river woke in April and carried the winter's letters down to the sea.")]),
    "tide": ("Broken Tide", [
        ("Misspelt", "Ada Example", "This book has a key its schema does not know.")]),
}


def _write_books(folder: Path) -> Path:
    for name, (title, pieces) in BOOKS.items():
        lines = [f"title: {title}", "editors: [Ana Ortiz]", "date: 2024-06-01", "stories:"]
        for heading, author, text in pieces:
            lines += [f"  - title: {heading}", f"    author: {author}", f"    text: {text}"]
        if name == "tide":
            lines.append("    titel: A misspelt key")
        (folder / name).mkdir(parents=True)
        (folder / name / "book.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    catalogue = folder / "catalogue.yaml"
    catalogue.write_text('books:\n  - "*/book.yaml"\nout: build/{folder}\n'
                         "formats: [pdf, epub]\n", encoding="utf-8")
    return catalogue


@pytest.mark.slow
def test_a_catalogue_builds_every_good_title_and_names_the_broken_one(tmp_path):
    catalogue = _write_books(tmp_path)
    command = [ANTHOLOGY, "build", str(catalogue), "--cache", str(tmp_path / "cache")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2, result.stderr  # the broken title's manifest error
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    # Progress: a line per title as it ends, then the titles and layouts of them all.
    ended = [line.strip() for line in lines if line.strip().startswith("[")]
    assert sorted(line[:5] for line in ended) == ["[1/3]", "[2/3]", "[3/3]"]
    assert any("failed  tide/book.yaml: book.yaml:" in line and "M016" in line
               for line in ended)
    summary = re.search(r"built 2 of 3 titles in .* from the cache: 0 of (\d+) layouts",
                        result.stderr)
    assert summary, result.stderr
    # The summary names the failed title and its error, with the file and line.
    assert "anthology: tide/book.yaml failed: the manifest has 1 problem:" in result.stderr
    assert "book.yaml:8: M016 stories[0]: unknown key 'titel' (did you mean 'title'?)" in \
        result.stderr
    assert "1 of 3 titles failed: tide/book.yaml" in result.stderr
    assert not (tmp_path / "build" / "tide").exists()

    for name in ("coast", "valley"):
        title, pieces = BOOKS[name]
        out = tmp_path / "build" / name
        slug = {"coast": "salt-and-harbour-lights", "valley": "poems-of-the-upper-valley"}[name]
        assert sorted(p.name for p in out.iterdir()) == [f"{slug}.epub", f"{slug}.pdf"]
        printed = squash(" ".join(pdf_pages(out / f"{slug}.pdf")))
        read = squash(" ".join(text for _, text in epub_spine_texts(out / f"{slug}.epub")))
        for _, _, text in pieces:
            assert squash(text) in printed and squash(text) in read

    # Built again, every title is found in the cache the titles share: nothing is laid out.
    again = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert again.returncode == 2
    layouts = summary[1]
    assert f"from the cache: {layouts} of {layouts} layouts" in again.stderr and \
        "; 0 pages laid out" in again.stderr, again.stderr


def test_a_catalogue_is_told_from_a_manifest(tmp_path):
    catalogue = _write_books(tmp_path)
    assert is_catalogue(catalogue)
    assert not is_catalogue(tmp_path / "coast" / "book.yaml")
    assert [t.name for t in load_catalogue(catalogue).titles] == \
        ["coast/book.yaml", "tide/book.yaml", "valley/book.yaml"]


@pytest.mark.parametrize("text, expected", [
    ('books:\n  - "*/book.yaml"\n  - "nowhere/*.yaml"\n',
     "catalogue.yaml:3: M071 books[1]: 'nowhere/*.yaml' matches no manifest in"),
    ('books: ["*/book.yaml", "coast/book.yaml"]\nout: build\n',
     "catalogue.yaml:2: M072 out: "),
    ('books: ["*/book.yaml"]\nout: "build/{title}"\n',
     "catalogue.yaml:2: M033 out: unknown {title} in the out folder pattern"),
    ('books: ["*/book.yaml"]\nformat: [pdf]\n',
     "catalogue.yaml:2: M016 unknown key 'format' (did you mean 'formats'?)"),
])
def test_a_catalogues_problems_are_named_at_their_lines(tmp_path, text, expected):
    _write_books(tmp_path)
    (tmp_path / "catalogue.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError) as raised:
        load_catalogue(tmp_path / "catalogue.yaml")
    assert expected in str(raised.value), str(raised.value)


def test_the_command_refuses_out_for_a_catalogue(tmp_path):
    catalogue = _write_books(tmp_path)
    result = subprocess.run([ANTHOLOGY, "build", str(catalogue), "--out", str(tmp_path / "x")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "is a catalogue: it names each title's out folder" in \
        result.stderr and not (tmp_path / "x").exists()
