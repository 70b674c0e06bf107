"""Footnotes in text.to_html (notes="end" and notes="call") and text.note_problems."""

import re

from anthology.text import note_problems, to_html

PROSE = ("The well was dry[^w] and the bucket[^b] hung there.\n\nStill dry[^w].\n\n"
         "[^w]: Since the *spring* of that year.\n\n    A second paragraph.\n\n"
         "[^b]: Tin, with a hole.\n")


def ids(out):
    return re.findall(r' id="([^"]+)"', out)


def test_end_notes():
    out = to_html(PROSE, id_prefix="story-3-p", note_prefix="story-3")
    assert ('was <span class="called">dry<a class="noteref" id="story-3-ref-1" '
            'href="#story-3-note-1" epub:type="noteref" role="doc-noteref">1</a></span> and '
            'the <span class="called">bucket<a class="noteref" id="story-3-ref-2" '
            'href="#story-3-note-2"') in out  # a call is tied to its word
    assert 'id="story-3-ref-1-2" href="#story-3-note-1"' in out  # the second call of note 1
    body, notes = out.split('<div class="notes">\n')
    assert "[^" not in body and "Tin" not in body
    assert notes.startswith('<aside class="note" id="story-3-note-1" epub:type="footnote" '
                            'role="doc-footnote">\n<p><a class="note-number" '
                            'href="#story-3-ref-1" role="doc-backlink">1</a> Since the '
                            '<em>spring</em> of that year.</p>\n<p>A second paragraph.</p>\n'
                            '</aside>\n')
    assert notes.index("story-3-note-1") < notes.index("story-3-note-2")
    assert "<section" not in out and "doc-endnotes" not in out
    assert len(ids(out)) == len(set(ids(out)))


def test_call_notes():
    out = to_html(PROSE, id_prefix="story-3-p", notes="call", note_prefix="story-3")
    assert ('role="doc-noteref">1</a></span><span class="footnote" id="story-3-note-1" '
            'data-mark="1">Since the <em>spring</em> of that year.<br />A second paragraph.'
            '</span> and the') in out
    assert out.count('class="footnote"') == 2 and 'class="notes"' not in out
    assert "<p" not in out.split('<span class="footnote"')[1].split("</span>")[0]
    assert len(ids(out)) == len(set(ids(out)))


def test_prefixes_keep_ids_unique_across_pieces():
    one = to_html(PROSE, id_prefix="story-1-p")
    two = to_html(PROSE, id_prefix="story-2-p")
    plain = to_html(PROSE)
    assert not set(ids(one)) & set(ids(two))
    assert "note-ref-1" in plain and "note-note-1" in plain


def test_no_notes_no_change():
    text = "A line with [brackets] and ^[caret] and [^undefined].\n"
    assert to_html(text) == ("<p>A line with [brackets] and ^[caret] and "
                             "[^undefined].</p>\n")


def test_note_text_is_escaped():
    out = to_html("x[^1]\n\n[^1]: <img src=x onerror=alert(1)> [a](javascript:x)",
                  notes="call")
    assert "<img" not in out and "&lt;img" in out and 'href="javascript' not in out


def test_note_problems():
    assert note_problems("No notes here.") == []
    assert note_problems(PROSE) == []
    text = "One[^1] two[^2].\n\n[^1]: Fine.\n\n[^3]: Nobody calls me.\n"
    assert note_problems(text) == [
        (1, "no text", "footnote [^2] has no text; expected a line '[^2]: …' after the text"),
        (5, "never called", "footnote text [^3] is never called; expected [^3] in the text "
            "where the note belongs")]


def test_note_problems_in_verse():
    poem = "a line[^a]\nanother[^b]\n\n[^a]: The note.\n\nstray words"
    found = note_problems(poem, kind="verse")
    assert (2, "no text", "footnote [^b] has no text; expected a line '[^b]: …' after the "
            "text") in found
    assert any(line == 6 and what == "misplaced" and "after the poem's notes" in message
               for line, what, message in found)
    assert note_problems("a line[^a]\n\n[^a]: The note.", kind="verse") == []


def test_notes_in_every_field_of_a_book_have_ids_unique_in_the_book(make_book):
    from anthology.model import load_book
    from anthology.render import book_view, epub_documents, pdf_html, sections
    from anthology.theme import Theme
    import json
    noted = "Text with a note.[^1]\n\n[^1]: The note."
    piece = {"author": "Ann Vale", "text": noted, "headnote": noted,
             "epigraph": {"text": noted}}
    path = make_book(json.dumps({
        "title": "Notes Everywhere", "dedication": noted, "epigraph": noted,
        "foreword": {"text": noted}, "afterword": {"text": noted},
        "acknowledgements": noted,
        "parts": [{"title": "One", "intro": noted, "stories": [piece, piece]},
                  {"title": "Two", "intro": noted, "stories": [piece]}]}))
    view, theme = book_view(load_book(path)), Theme(path.parent)
    chosen = sections(view, paged=True)
    paged = pdf_html(view, theme, chosen, "2024-01-01T00:00:00Z",
                     {s.id: n for n, s in enumerate(chosen, start=1)})
    found = ids(paged)
    assert len(found) == len(set(found)) and sum("-note-1" in i for i in found) == 5 + 2 + 3 * 3
    for _, body in epub_documents(view, theme):
        assert len(ids(body)) == len(set(ids(body)))


def test_brackets_with_a_caret_but_no_notes_stay_text_as_before():
    text = "She typed [^a-z]+ and then [^_^] into the search box."
    assert note_problems(text) == []
    assert "[^a-z]+" in to_html(text) and "[^_^]" in to_html(text)
