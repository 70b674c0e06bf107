"""Catalogues (catalogue.py): many books built by one `anthology build catalogue.yaml`, their
layouts in one pool; a title that fails (its manifest, its preflight) does not stop the
others."""

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
    "pier": ("A Pier Too Short", [  # KDP prints 24 pages or more: its preflight fails
        ("Gulls", "Ada Example", "The gulls sat on the pier and waited for the boats.")]),
}


MORE = ("The tide turned at noon and the boats came back one by one, their nets heavy, "
        "their crews quiet; on the quay the children counted them and ran to tell the "
        "houses up the hill which of the fathers were home, and which were still out.")


def _write_books(folder: Path) -> Path:
    for name, (title, pieces) in BOOKS.items():
        lines = [f"title: {title}", "editors: [Ana Ortiz]", "date: 2024-06-01", "stories:"]
        for heading, author, text in pieces:
            lines += [f"  - title: {heading}", f"    author: {author}", "    text: |",
                      f"      {text}"]
            if name in ("coast", "valley"):  # long enough to print: KDP wants 24 pages
                lines += ["", *(f"      {n}. " + MORE + "\n" for n in range(1, 46))]
        if name == "tide":
            lines.append("    titel: A misspelt key")
        if name == "pier":
            lines += ["print:", "  profile: kdp"]
        (folder / name).mkdir(parents=True)
        (folder / name / "book.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    catalogue = folder / "catalogue.yaml"
    catalogue.write_text('books:\n  - "*/book.yaml"\nout: build/{folder}\n'
                         "formats: [print, epub]\n", encoding="utf-8")
    return catalogue


@pytest.mark.slow
def test_a_catalogue_builds_every_good_title_and_names_the_failed_ones(tmp_path):
    catalogue = _write_books(tmp_path)
    command = [ANTHOLOGY, "build", str(catalogue), "--cache", str(tmp_path / "cache")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 3, result.stderr  # the highest: pier's preflight
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    # Progress: a line per title as it ends, then the titles and layouts of them all.
    ended = [line.strip() for line in lines if line.strip().startswith("[")]
    assert sorted(line[:5] for line in ended) == ["[1/4]", "[2/4]", "[3/4]", "[4/4]"]
    assert any("failed  tide/book.yaml: book.yaml:" in line and "M016" in line
               for line in ended)
    summary = re.search(r"2 of 4 titles built, 2 failed, in .* from the cache: 0 of (\d+) "
                        r"layouts", result.stderr)
    assert summary, result.stderr
    # The summary names each failed title and its error: the manifest's file and line, the
    # preflight check that failed.
    assert "anthology: tide/book.yaml failed: the manifest has 1 problem:\n" \
        "book.yaml:9: M016 stories[0]: unknown key 'titel' (did you mean 'title'?)" in \
        result.stderr
    assert re.search(r"anthology: pier/book.yaml failed: preflight failed: P001 page count: "
                     r"\d+ pages \(kdp: 24-828\)", result.stderr), result.stderr
    assert "2 of 4 titles failed: pier/book.yaml, tide/book.yaml" in result.stderr
    assert not (tmp_path / "build" / "tide").exists()

    for name, slug in (("coast", "salt-and-harbour-lights"),
                       ("valley", "poems-of-the-upper-valley")):
        out = tmp_path / "build" / name
        assert sorted(p.name for p in out.iterdir()) == [f"{slug}-print.pdf", f"{slug}.epub"]
        printed = squash(" ".join(pdf_pages(out / f"{slug}-print.pdf")))
        read = squash(" ".join(text for _, text in epub_spine_texts(out / f"{slug}.epub")))
        for _, _, text in BOOKS[name][1]:
            assert squash(text) in printed and squash(text) in read

    # Built again, every title is found in the cache the titles share: nothing is laid out.
    again = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert again.returncode == 3
    layouts = summary[1]
    assert f"from the cache: {layouts} of {layouts} layouts" in again.stderr and \
        "; 0 pages laid out" in again.stderr, again.stderr


def test_a_catalogue_is_told_from_a_manifest(tmp_path):
    catalogue = _write_books(tmp_path)
    assert is_catalogue(catalogue)
    assert not is_catalogue(tmp_path / "coast" / "book.yaml")
    flow = tmp_path / "flow.json"
    flow.write_text(f'{{"books": ["{tmp_path}/*/book.yaml"], "out": "out/{{folder}}"}}')
    assert is_catalogue(flow)  # JSON is YAML too; and a pattern may be absolute
    assert len(load_catalogue(flow).titles) == 4
    assert [t.name for t in load_catalogue(catalogue).titles] == \
        ["coast/book.yaml", "pier/book.yaml", "tide/book.yaml", "valley/book.yaml"]


@pytest.mark.parametrize("text, expected", [
    ('books:\n  - "*/book.yaml"\n  - "nowhere/*.yaml"\n',
     "catalogue.yaml:3: M071 books[1]: 'nowhere/*.yaml' matches no manifest in"),
    ('books: ["*/book.yaml", "coast/book.yaml"]\nout: build\n',
     "catalogue.yaml:2: M072 out: "),
    ('books: ["*/book.yaml"]\nout: "build/{title}"\n',
     "catalogue.yaml:2: M033 out: unknown {title} in the out folder pattern"),
    ('books: ["*/book.yaml"]\nformat: [pdf]\n',
     "catalogue.yaml:2: M016 unknown key 'format' (did you mean 'formats'?)"),
    ('books: ["*/book.yaml"]\nout: "build/{folder"\n',
     "catalogue.yaml:2: M033 out: a lone { or } in the out folder pattern"),
    ('books: ["*.yaml"]\n',  # only the catalogue itself: not a book
     "catalogue.yaml:1: M071 books[0]: '*.yaml' matches no manifest"),
    ('books: ["*/book.yaml", "more/catalogue.yaml"]\n',
     "catalogue.yaml:1: M071 books[1]: "),  # a catalogue in a catalogue
    ('books: [coast/book.yaml, "*/*/book.yaml"]\nout: "build/{folder}"\n',  # two "coast"s
     "catalogue.yaml:2: M072 out: coast/book.yaml and more/coast/book.yaml would both be "
     "written to"),
    ('books: [\n', "catalogue.yaml:"),  # its YAML
])
def test_a_catalogues_problems_are_named_at_their_lines(tmp_path, text, expected):
    _write_books(tmp_path)
    (tmp_path / "more" / "coast").mkdir(parents=True)
    (tmp_path / "more" / "coast" / "book.yaml").write_text(
        (tmp_path / "coast" / "book.yaml").read_text())
    (tmp_path / "more" / "catalogue.yaml").write_text('books: ["../coast/book.yaml"]\n')
    (tmp_path / "catalogue.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError) as raised:
        load_catalogue(tmp_path / "catalogue.yaml")
    assert expected in str(raised.value) and raised.value.what == "catalogue", \
        str(raised.value)
    if "M072" in expected:
        assert str(raised.value).endswith("put {path} in the pattern")
    if "more/catalogue.yaml" in text:
        assert "is a catalogue, not a book's manifest" in str(raised.value)


def test_the_command_refuses_out_for_a_catalogue(tmp_path):
    catalogue = _write_books(tmp_path)
    result = subprocess.run([ANTHOLOGY, "build", str(catalogue), "--out", str(tmp_path / "x")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "is a catalogue: it names each title's out folder" in \
        result.stderr and not (tmp_path / "x").exists()


@pytest.mark.slow
def test_ctrl_c_stops_a_catalogue_at_once_and_writes_nothing(tmp_path):
    """Once interrupted, the titles still building stop at their next step: the command
    ends at once (it waited for ever on a title whose jobs went to stopped workers, and on
    the progress display's own lock)."""
    import json
    import signal
    import time

    import books
    for name in ("north", "south", "east"):
        (tmp_path / name).mkdir()
        data = json.loads(books.manifest(120))
        data["title"] = f"Stars over the {name.title()}"
        (tmp_path / name / "book.yaml").write_text(json.dumps(data, ensure_ascii=False))
    (tmp_path / "catalogue.yaml").write_text('books: ["*/book.yaml"]\n')
    process = subprocess.Popen([ANTHOLOGY, "build", str(tmp_path / "catalogue.yaml"),
                                "--cache", str(tmp_path / "cache")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(4)  # (the titles are laying out)
    process.send_signal(signal.SIGINT)
    try:
        _, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("the catalogue did not stop")
    assert process.returncode == 130, err
    assert err.strip().endswith("anthology: interrupted; earlier outputs are unchanged"), err
    assert "Traceback" not in err and not (tmp_path / "build").exists()
