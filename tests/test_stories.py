"""Story text: Markdown from files with front matter, typography, and escaping."""

from __future__ import annotations

from anthology.model import load_book
from anthology.text import to_html


def test_story_from_markdown_file_with_front_matter(make_book):
    path = make_book(
        """\
        title: Files
        stories:
          - file: stories/clock.md
            handle: "@manifest_wins"
        """,
        {"stories/clock.md": """\
            ---
            author: Rick MacDonald MD
            handle: "@Kidsdoc1Rick"
            title: The Clock
            date: 2018-05-05
            ---
            1 mo later he delivered a *beautiful* mantle clock.

            12 yrs later, it and he are still ticking.
            """})
    story = load_book(path).all_stories[0]
    assert story.author == "Rick MacDonald MD" and story.title == "The Clock"
    assert story.handle == "@manifest_wins"  # the manifest entry wins on conflict
    assert str(story.date) == "2018-05-05"
    assert story.text.startswith("1 mo later")
    html = to_html(story.text)
    assert "<em>beautiful</em>" in html and html.count("<p>") == 2


def test_typography_and_line_breaks():
    html = to_html('He said "it\'s over"... -- then --- nothing.\nNew line')
    assert "“it’s over”…" in html and "–" in html and "—" in html
    assert "<br />\nNew line" in html


def test_quotes_follow_the_language():
    assert "„Ja“" in to_html('"Ja"', "de") and "« Oui »" in to_html('"Oui"', "fr")


def test_raw_html_and_scripts_are_text():
    html = to_html('<script>alert(1)</script> <img src=x onerror=alert(1)> '
                   '[x](javascript:alert(1)) [ok](https://example.org)')
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and 'href="javascript' not in html
    assert '<a href="https://example.org">ok</a>' in html
