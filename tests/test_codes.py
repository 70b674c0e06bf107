"""Stable codes (codes.py) and exit codes (errors.py): unique, used, documented in one table,
printed where editors and CI can grep them."""

from __future__ import annotations

import errno
import re
from pathlib import Path

import pytest

from anthology import errors
from anthology.cli import main
from anthology.codes import Code
from anthology.errors import ManifestError, WriteError
from anthology.model import load_book
from anthology.preflight import Check, table

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "anthology"
# What an editor's or CI's problem matcher needs: file, line, code, the rest.
PROBLEM_LINE = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+): (?P<code>M\d{3}) (?P<rest>.+)$")


def test_codes_are_unique_and_well_formed():
    every = Code.__members__.values()  # aliases too: a reused value would be one
    assert len({c.value for c in every}) == len(every)
    assert len({c.label for c in every}) == len(every)
    assert all(re.fullmatch(r"[MPW]\d{3}", c) and c.label and c.meaning for c in every)


def test_every_code_is_used_and_by_the_right_layer():
    """Manifest codes come from reading and validating the manifest, P codes from preflight
    only; a code no module uses would be documented for nothing."""
    used: dict[str, set[str]] = {}
    for path in SOURCE.rglob("*.py"):
        if path.name != "codes.py":
            for name in re.findall(r"\bCode\.([A-Z0-9_]+)", path.read_text(encoding="utf-8")):
                used.setdefault(name, set()).add(path.name)
    assert set(used) == set(Code.__members__)
    for name, modules in used.items():
        expected = {"P": {"preflight.py"}, "W": {"lint.py"}}.get(
            Code[name][0], {"manifest.py", "model.py", "images.py", "catalogue.py"})
        assert modules <= expected, (name, modules)


def _readme_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## Error and check codes\n(.*?)(?=^## )", readme, re.M | re.S)
    assert match, "README.md has no section '## Error and check codes'"
    return match[1]


def readme_rows() -> list[str]:
    """The table of codes as the README shows it (paste this to update the README)."""
    return [f"| {c} | {c.label} | {c.meaning} |" for c in Code]


def test_the_readme_table_is_the_code_table():
    shown = re.findall(r"^\| [MPW]\d{3} \|.*$", _readme_section(), re.M)
    assert {row.split(" | ")[0][2:] for row in shown} == {c.value for c in Code}
    assert shown == readme_rows(), "\n" + "\n".join(readme_rows())


CASES = [  # manifest, extra files, the codes expected
    ("title: T\nstories:\n  - autor: A\n    text: x\n", {}, ["M016"]),
    ("title: T\nstories:\n  - author: A\n    date: May 5th\n    text: x\n"
     "  - author: B\n    file: nope.md\n", {}, ["M024", "M037"]),
    ("title: T\nstories:\n  - author: A\n    text: [unclosed\n", {}, ["M005"]),
    ("title: T\nprint:\n  trim: 7 by 9\n  bleed: 3mmm\n  recto_starts: perhaps\n"
     "stories:\n  - author: A\n    text: x\n", {}, ["M027", "M028", "M023"]),
    ("title: T\nstories:\n  - author: A\n    text: '![](a.png) ![b](b.png)'\n",
     {"a.png": "x"}, ["M043", "M042"]),
    ("title: T\nstories:\n  - file: s.md\n", {"s.md": "---\nauthor: [A\n---\nx\n"},
     ["M005", "M017"]),  # the author is missing too, since its front matter is unreadable
    ("title: T\nstories: []\nparts: 3\n", {}, ["M020", "M018"]),
]


@pytest.mark.parametrize("manifest, files, codes", CASES)
def test_representative_manifests_give_their_codes(manifest, files, codes, make_book):
    with pytest.raises(ManifestError) as raised:
        load_book(make_book(manifest, files))
    assert sorted(p.code for p in raised.value.problems) == sorted(codes)


def test_every_problem_line_has_file_line_and_code(make_book, capsys):
    path = make_book("title: T\nsubtitel: S\nstories:\n  - author: A\n    date: May 5th\n"
                     "    text: x\n")
    assert main(["check", str(path)]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "anthology: the manifest has 2 problems:"
    assert lines[1:] == [
        "book.yaml:2: M016 unknown key 'subtitel' (did you mean 'subtitle'?)",
        "book.yaml:5: M024 stories[0].date: expected a date like 2018-05-05, got 'May 5th'"]
    assert all(PROBLEM_LINE.match(line) for line in lines[1:])


def test_the_preflight_table_shows_each_checks_code():
    checks = [Check(Code.PAGE_COUNT, True, "30 pages"), Check(Code.GUTTER, False, "0.3in")]
    assert table(checks).splitlines() == ["PASS  P001  page count  30 pages",
                                          "FAIL  P005  gutter      0.3in"]


@pytest.mark.parametrize("number, exit_code", [
    (errno.ENOSPC, 4), (errno.EDQUOT, 4), (errno.EROFS, 5), (errno.EACCES, 6), (errno.EPERM, 6),
    (errno.EIO, 7)])
def test_a_write_error_chooses_its_exit_code_by_errno(number, exit_code):
    assert WriteError("x", OSError(number, "refused")).exit_code == exit_code


def test_the_exit_code_table_names_each_error():
    for error in (errors.AnthologyError, errors.InputError, errors.PreflightError,
                  errors.WriteError):
        assert re.search(rf"^\| {error.exit_code} +\| {error.__name__} ", errors.__doc__, re.M)
    assert errors.ManifestError.exit_code == errors.OutputConflict.exit_code == 2
    assert errors.MissingGlyphs.exit_code == 3
