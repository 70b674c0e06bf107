"""`anthology import` on the scraped article the default book came from."""

from __future__ import annotations

import datetime as dt

import yaml

from anthology.cli import main
from anthology.model import load_book
from conftest import FIXTURES

SEED = FIXTURES / "seed.txt"
EXPECTED = [  # author, handle, date, first words, last words (artifacts gone)
    ("Esther Choo", "@choo_ek", "2018-05-05", "When I first met B", "10 years now."),
    ("Alastair McAlpine", "@AlastairMcA30", "2018-05-05", "Delivered a 450g baby", "healthy 6y.o."),
    ("Amit Thadhani", "@amitsurg", "2018-05-06", "Ten years ago", "needs of 3 villages."),
    ("Rick MacDonald MD", "@Kidsdoc1Rick", "2018-05-05", "Was called from 3 courts", "still ticking."),
    ("AbbersMD", "@AbbersMD", "2018-05-05", "U collapsed at work", "You saved me back."),
    ("Phoebe Scott-Wyard, DO", "@Dr_PhoebeSW", "2018-05-05", "As a med student", "made sure I knew it."),
    ("Brave Enough MD", "@RUBraveEnough", "2018-05-05", "You were hit by a car", "ended up saving me."),
    ("Abigail Harrington", "@howboutdatsass", "2018-05-06", "We went to a softball", "always been ours."),
    ("Stacey Springs", "@SpringsStacey", "2018-05-06", "I smuggled contraband", "rules that night."),
    ("Allan McDougall", "@phdhpe", "2018-05-05", "I'm the 1st person", "changed my life."),
]


def test_import_finds_the_ten_seed_stories(tmp_path, capsys):
    out = tmp_path / "book.yaml"
    assert main(["import", str(SEED), "-o", str(out), "--title", "Seed"]) == 0
    data = yaml.safe_load(out.read_text())
    assert data["keywords"] == ["ShareAStoryInOneTweet"]
    stories = data["stories"]
    assert len(stories) == len(EXPECTED)
    for story, (author, handle, date, first, last) in zip(stories, EXPECTED):
        assert (story["author"], story["handle"], story["date"]) == \
            (author, handle, dt.date.fromisoformat(date))
        text = story["text"].strip()
        assert text.startswith(first) and text.endswith(last), text
        assert "#ShareAStory" not in text and "pic.twitter" not in text
        assert "date 2018-05" not in text and "It seems the flurry" not in text
    assert "#medicine" in stories[5]["text"]  # a hashtag inside the story is the author's words
    assert "\n\n" in stories[0]["text"]  # paragraphs kept
    book = load_book(out)  # and the manifest is valid
    assert [s.author for s in book.all_stories] == [e[0] for e in EXPECTED]


def test_import_escapes_markdown_so_text_stays_text(tmp_path):
    source = tmp_path / "s.txt"
    source.write_text("1. not a list *not emphasis* <b>\n# not a heading - Ann Lee (@ann) May 1, 2020\n")
    out = tmp_path / "book.yaml"
    assert main(["import", str(source), "-o", str(out)]) == 0
    from anthology.text import to_html
    html = to_html(load_book(out).all_stories[0].text)
    assert "<ol" not in html and "<em>" not in html and "<h1" not in html
    assert "1. not a list *not emphasis* &lt;b&gt;" in html


def test_import_without_stories_is_invalid_input(tmp_path, capsys):
    source = tmp_path / "s.txt"
    source.write_text("just an article, no attributions\n")
    assert main(["import", str(source)]) == 2
    assert "no stories found" in capsys.readouterr().err
