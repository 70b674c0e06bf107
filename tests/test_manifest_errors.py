"""Every kind of broken manifest: one clear line per problem, exit 2, nothing written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from anthology.cli import main

ENTRY_POINT = str(Path(sys.executable).with_name("anthology"))  # pyproject's [project.scripts]

GOOD_STORY = """\
  - author: Esther Choo
    text: A story.
"""


def run_build(manifest, tmp_path, capsys):
    """``anthology build`` in-process. With one job no layout worker is started (a bad book
    would leave them importing WeasyPrint in the background)."""
    out = tmp_path / "out"
    code = main(["build", str(manifest), "--out", str(out), "--jobs", "1"])
    err = capsys.readouterr().err
    written = sorted(p.name for p in out.rglob("*")) if out.exists() else []
    return code, err, written


CASES = {
    "unknown key": (
        "title: T\nstories:\n  - author: A\n    text: x\n  - autor: B\n    text: y\n",
        {}, "book.yaml:5: M016 stories[1]: unknown key 'autor' (did you mean 'author'?)"),
    "unknown top-level key": (
        "title: T\nsubtitel: S\nstories:\n" + GOOD_STORY, {},
        "book.yaml:2: M016 unknown key 'subtitel' (did you mean 'subtitle'?)"),
    "missing required field": (
        "title: T\nstories:\n  - handle: '@x'\n    text: y\n", {},
        "book.yaml:3: M017 stories[0]: missing required field 'author'"),
    "missing title": (
        "stories:\n" + GOOD_STORY, {}, "book.yaml:1: M017 missing required field 'title'"),
    "both text and file": (
        "title: T\nstories:\n  - author: A\n    text: x\n    file: a.md\n", {"a.md": "y"},
        "book.yaml:3: M030 stories[0]: give either 'text' or 'file', not both"),
    "neither text nor file": (
        "title: T\nstories:\n  - author: A\n    handle: '@a'\n", {},
        "book.yaml:3: M031 stories[0]: missing 'text' (Markdown) or 'file' (a Markdown file)"),
    "bad date": (
        "title: T\nstories:\n  - author: A\n    date: May 5th\n    text: x\n", {},
        "book.yaml:4: M024 stories[0].date: expected a date like 2018-05-05, got 'May 5th'"),
    "impossible date": (
        "title: T\ndate: 2018-02-30\nstories:\n" + GOOD_STORY, {},
        "book.yaml:2: M024 date: expected a date like 2018-05-05, got '2018-02-30'"),
    "non-http source": (
        "title: T\nstories:\n  - author: A\n    source: javascript:alert(1)\n    text: x\n", {},
        "book.yaml:4: M026 stories[0].source: expected an http(s):// address, got 'javascript:alert(1)'"),
    "file source": (
        "title: T\nstories:\n  - author: A\n    source: file:///etc/passwd\n    text: x\n", {},
        "book.yaml:4: M026 stories[0].source: expected an http(s):// address"),
    "missing file": (
        "title: T\nstories:\n  - author: A\n    file: stories/nope.md\n", {},
        "book.yaml:4: M037 stories[0].file: no such file 'stories/nope.md'"),
    "path leaving the book folder": (
        "title: T\nstories:\n  - author: A\n    file: ../outside.md\n", {},
        "book.yaml:4: M034 stories[0].file: '../outside.md' is outside the book folder"),
    "absolute path": (
        "title: T\nforeword:\n  file: /etc/passwd\nstories:\n" + GOOD_STORY, {},
        "book.yaml:3: M034 foreword.file: '/etc/passwd' is outside the book folder"),
    "yaml syntax error": (
        "title: T\nstories:\n  - author: A\n    text: [unclosed\n", {},
        "book.yaml:5: M005 YAML syntax error"),
    "duplicate key": (
        "title: T\nstories:\n  - author: A\n    text: x\n    author: B\n", {},
        "book.yaml:5: M010 duplicate key 'author' (first given on line 3)"),
    "empty document": ("# nothing here\n", {}, "book.yaml:1: M008 the document is empty"),
    "not a mapping": ("- just\n- a list\n", {}, "book.yaml:1: M009 expected a mapping of keys"),
    "stories not a list": (
        "title: T\nstories: one story\n", {}, "book.yaml:2: M018 stories: expected a list, got text"),
    "empty stories": ("title: T\nstories: []\n", {},
                      "book.yaml:2: M020 stories: expected a list with at least one entry"),
    "stories and parts": (
        "title: T\nstories:\n" + GOOD_STORY + "parts:\n  - title: P\n    stories:\n"
        "      - author: B\n        text: y\n",
        {}, "book.yaml:1: M032 expected exactly one of 'stories' (a list) or 'parts'"),
    "bad language": ("title: T\nlanguage: english please\nstories:\n" + GOOD_STORY, {},
                     "book.yaml:2: M025 language: expected a BCP 47 language tag"),
    "front matter typo": (
        "title: T\nstories:\n  - file: s.md\n", {"s.md": "---\nauthor: A\ntitel: X\n---\nText\n"},
        "s.md:3: M016 stories[0]: unknown key 'titel' (did you mean 'title'?)"),
}


@pytest.mark.parametrize("name", CASES)
def test_invalid_manifest(name, make_book, tmp_path, capsys):
    manifest, files, expected = CASES[name]
    path = make_book(manifest, files)
    code, err, written = run_build(path, tmp_path, capsys)
    assert code == 2
    assert expected in err, err
    assert "Traceback" not in err
    assert written == []


def test_every_problem_is_reported_in_one_pass(make_book, tmp_path, capsys):
    path = make_book("title: T\nstories:\n  - autor: A\n    text: x\n"
                     "  - author: B\n    date: soon\n    text: y\n  - author: C\n")
    code, err, written = run_build(path, tmp_path, capsys)
    assert code == 2 and written == []
    assert "book.yaml:3: M016 stories[0]: unknown key 'autor' (did you mean 'author'?)" in err
    assert "missing required field 'author'" not in err  # the typo explains it
    assert "book.yaml:6: M024 stories[1].date: expected a date" in err
    assert "book.yaml:8: M031 stories[2]: missing 'text'" in err
    assert "has 3 problems" in err


def test_check_validates_without_writing(make_book, tmp_path, capsys):
    path = make_book("title: T\nstories:\n" + GOOD_STORY)
    assert main(["check", str(path)]) == 0
    assert "ok (1 story)" in capsys.readouterr().out
    assert sorted(p.name for p in path.parent.iterdir()) == ["book.yaml"]


def test_missing_manifest_file(tmp_path, capsys):
    code = main(["build", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "out"), "-j", "1"])
    assert code == 2
    assert "nope.yaml:0: M001 no such manifest file" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", [[sys.executable, "-m", "anthology"], [ENTRY_POINT]],
                         ids=["python -m anthology", "entry point"])
def test_the_process_exits_with_the_code_and_no_traceback(command, make_book):
    """The one place the process boundary is the point: main's code becomes the exit status.
    (The other tests call main in-process.)"""
    if not Path(command[0]).is_file():
        pytest.skip(f"{command[0]} is not installed (make test installs it)")
    path = make_book("title: T\nstories:\n  - autor: A\n    text: x\n")
    result = subprocess.run([*command, "check", str(path)], capture_output=True, text=True)
    assert result.returncode == 2
    assert "book.yaml:3: M016 stories[0]: unknown key 'autor' (did you mean 'author'?)" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_format_option_is_invalid_input(make_book, capsys):
    path = make_book("title: T\nstories:\n" + GOOD_STORY)
    with pytest.raises(SystemExit) as stopped:
        main(["build", str(path), "--format", "pdf,docx"])
    assert stopped.value.code == 2 and "unknown format docx" in capsys.readouterr().err


def test_broken_theme_template_is_invalid_input(make_book, tmp_path, capsys):
    path = make_book("title: T\nstories:\n" + GOOD_STORY,
                     {"styles/story.html": "<section>\n{{ item.story.author }\n</section>\n"})
    code, err, written = run_build(path, tmp_path, capsys)
    assert code == 2 and written == []
    assert "story.html:2: template error: unexpected '}'" in err


def test_internal_error_is_one_line_with_a_hint(monkeypatch, make_book, tmp_path, capsys):
    import anthology.editions
    def explode(*args, **kwargs):
        raise RuntimeError("the renderer fell over")
    monkeypatch.setattr(anthology.editions, "book_view", explode)
    path = make_book("title: T\nstories:\n" + GOOD_STORY)
    code, err, written = run_build(path, tmp_path, capsys)
    assert code == 1 and written == []
    assert "internal error: RuntimeError: the renderer fell over" in err
    assert "Rerun with --debug" in err and "Traceback" not in err
    assert main(["--debug", "build", str(path), "--out", str(tmp_path / "out"), "-j", "1"]) == 1
    assert "Traceback" in capsys.readouterr().err
