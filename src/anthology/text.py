"""Untrusted Markdown -> safe HTML.

markdown-it-py does the parsing and the typography (curly quotes, dashes, ellipses); raw HTML
is disabled, so anything that looks like a tag is shown as text. Links are kept only for
http(s) and mailto; images only when they name a file inside the book folder.
"""

from __future__ import annotations

import html
import posixpath
import re
import unicodedata
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup, escape
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.footnote import footnote_plugin

# Quotation marks by primary language subtag (markdown-it's "quotes" option: “”‘’ order).
_QUOTES = {
    "de": "„“‚‘", "cs": "„“‚‘", "da": "»«›‹", "fr": ["« ", " »", "‹ ", " ›"], "es": "«»“”",
    "it": "«»“”", "pt": "«»“”", "ru": "«»„“", "pl": "„”‚’", "nl": "“”‘’", "sv": "””’’",
    "fi": "””’’", "no": "«»‘’", "nb": "«»‘’", "ja": "「」『』", "zh": "“”‘’",
}
IMAGE_TYPES = {".png", ".jpg", ".jpeg", ".gif"}  # in both PDF and EPUB; no SVG (it can script)
# Block quotes and lists nested deeper than this are an error, never dropped: at 1.5em a level
# the eighth leaves a readable measure on the smallest trim. markdown-it itself stops (and
# drops the rest) at _MAX_NESTING token levels, well past it (a list level takes two).
MAX_BLOCK_DEPTH = 8
_MAX_NESTING = 4 * MAX_BLOCK_DEPTH
# A word longer than LONG_WORD letters gets a break opportunity (U+200B, invisible, never
# extracted) every _WORD_PIECE letters, and is cut into spans: the engine then breaks it at
# the measure, in time linear in its length (overflow-wrap alone is quadratic in WeasyPrint).
LONG_WORD = 80
_WORD_PIECE = 20
_SPAN = 1000
_LONG_WORD = re.compile(r"[^\s\u200b]{%d,}" % (LONG_WORD + 1))
_CONTAINER_LINE = re.compile(r"^[ \t]*(?:>|[-+*](?:[ \t]|$)|\d{1,9}[.)](?:[ \t]|$))", re.M)
_REFERENCE_LINE = re.compile(r"^[ ]{0,3}\[[^\]]+\]:", re.M)
_LINK_SCHEMES = ("http", "https", "mailto")


def is_allowed_link(url: str) -> bool:
    return urlsplit(url.strip()).scheme.lower() in _LINK_SCHEMES


# A BCP 47 language tag as the manifest gives one: "en", "pt-BR", "grc", "sr-Latn".
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
RTL_LANGUAGES = {"ar", "he", "fa", "ur", "yi", "ps", "dv", "ug", "sd", "ckb"}


def direction(language: str) -> str:
    return "rtl" if language.split("-")[0].lower() in RTL_LANGUAGES else "ltr"


def first_strong(text: str) -> str | None:
    """The direction of a paragraph by its first strongly directional letter (as dir=auto)."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return None


_TAG_OR_SPACE = re.compile(r"<[^>]*>| ")
_TAG_NAME = re.compile(r"<([\w-]+)")


def last_word(text: str) -> tuple[str, str]:
    """``text`` as (all but its last word, its last word), for a list entry that keeps its
    last word with its leader and page. A right-to-left run at the end is kept whole:
    WeasyPrint 70 orders a line's boxes left to right, so a run cut into two would read in
    the wrong order. ``text`` may be HTML (a Markup: a title with emphasis); then the cut is
    at a space between tags, the elements open there closed before it and opened again
    after it."""
    spaces, opened, stack = [], [], []  # where text spaces are; the elements open at each
    if isinstance(text, Markup):
        for match in _TAG_OR_SPACE.finditer(text):
            token = match.group()
            if token == " ":
                spaces.append(match.start())
                opened.append(list(stack))
            elif token.startswith("</"):
                stack = stack[:-1]
            elif not token.endswith("/>"):
                stack.append(token)
    else:
        spaces = [i for i, c in enumerate(text) if c == " "]
        opened = [[] for _ in spaces]
    bounds = [-1, *spaces, len(text)]
    words = [re.sub(r"<[^>]*>", "", text[a + 1:b]) for a, b in zip(bounds, bounds[1:])]
    cut = len(words) - 1
    if first_strong(words[cut]) == "rtl":
        while cut > 0 and first_strong(words[cut - 1]) != "ltr":
            cut -= 1
    if cut == 0:
        return text[:0], text
    at, still_open = spaces[cut - 1], opened[cut - 1]
    closing = "".join(f"</{_TAG_NAME.match(tag)[1]}>" for tag in reversed(still_open))
    return text[:at] + type(text)(closing), type(text)("".join(still_open)) + text[at + 1:]


def image_path(url: str) -> str | None:
    """The book-relative path an image URL names (normalised), or None if it names anything
    else: a URL, an absolute path, a name with unusual characters, a format not carried."""
    parts = urlsplit(url.strip())
    if parts.scheme or parts.netloc or parts.query or url.startswith("/"):
        return None
    path = posixpath.normpath(unquote(parts.path))
    if not re.fullmatch(r"[A-Za-z0-9._/-]+", path) or path.startswith(".."):
        return None
    if posixpath.splitext(path)[1].lower() not in IMAGE_TYPES:
        return None
    return path


@lru_cache(maxsize=32)
def _parser(language: str) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": True, "breaks": True,
                                   "xhtmlOut": True, "maxNesting": _MAX_NESTING,
                                   "quotes": _QUOTES.get(language.split("-")[0].lower(), "“”‘’")})
    md.enable(["replacements", "smartquotes", "table"])  # GFM pipe tables (no effect in verse)
    md.disable("fence")  # a line of ``` or ~~~ is text in a story, and its words are kept
    md.validateLink = lambda url: is_allowed_link(url) or image_path(url) is not None
    # Footnotes [^1] with their texts [^1]: ...; kept in place (to_html places them), and no
    # inline ^[...] notes: that text stays as written.
    return _with_spans(md.use(footnote_plugin, inline=False, move_to_end=False))


def _with_spans(md: MarkdownIt) -> MarkdownIt:
    """Spans ``[words]{lang=el}`` (mdit-py-plugins' attrs): only after a span, never on links,
    images or code (``![x](a.png){.c}`` keeps its braces as text). span_problems refuses any
    attribute but ``lang``; _clean_inline keeps only it."""
    return md.use(attrs_plugin, after=("span_close",), spans=True)


@lru_cache(maxsize=1)
def _image_scanner() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "maxNesting": _MAX_NESTING})  # every image
    md.disable("fence")
    md.enable("table")
    md.validateLink = lambda url: True
    # Calls of notes that have no text too (note_problems reports them).
    return _with_spans(md.use(footnote_plugin, inline=False, move_to_end=False,
                              always_match_refs=True))


def _scan(text: str, kind: str) -> tuple[tuple[int, Token], ...]:
    """Every token of ``text`` as the scanner parses it, inline ones followed by their
    children, each with its line (1-based) within ``text``. Validation asks four questions of
    each text one after another (nesting, notes, nothing shown, images): it is parsed once."""
    return _scanned(text, kind == "verse")


@lru_cache(maxsize=1)
def _scanned(text: str, verse: bool) -> tuple[tuple[int, Token], ...]:
    md, env = _image_scanner(), {}
    if not verse:
        return tuple(_numbered(md.parse(text, env), 0))
    verse, after, offset = _split_verse(text)
    notes = list(_numbered(md.parse(after, env), offset))
    lines = [(number, child) for number, line in enumerate(verse.split("\n"), start=1)
             if line.strip() for child in md.parseInline(line.strip(), env)[0].children]
    return tuple(lines + notes)


def _numbered(tokens: list[Token], offset: int):
    for token in tokens:
        line = offset + (token.map[0] + 1 if token.map else 1)
        yield line, token
        for child in token.children or ():
            line += child.type in ("softbreak", "hardbreak")
            yield line, child


def markdown_images(text: str, kind: str = "prose") -> list[tuple[str, str, int]]:
    """(URL, alt text, line within ``text``) of every image the Markdown shows (for
    validation before rendering)."""
    if "![" not in text:  # no image syntax, nothing to parse
        return []
    return [(token.attrGet("src") or "", token.content, line)
            for line, token in _scan(text, kind) if token.type == "image"]


def nesting_problem(text: str, kind: str = "prose") -> tuple[int, str] | None:
    """(line within ``text``, message) if block quotes and lists nest deeper than the layout
    keeps, else None. Only text with a quote or list marker is parsed at all; verse has no
    blocks to nest."""
    if kind == "verse" or not _CONTAINER_LINE.search(text):
        return None
    depth = 0
    for _, token in _scan(text, kind):  # (the inline children open and close no blocks)
        if token.type in ("blockquote_open", "bullet_list_open", "ordered_list_open"):
            depth += 1
            if depth > MAX_BLOCK_DEPTH:
                line = token.map[0] + 1 if token.map else 1
                return line, (f"block quotes and lists nested more than {MAX_BLOCK_DEPTH} deep "
                              f"(line {line} of the text); expected at most {MAX_BLOCK_DEPTH} "
                              "levels of '>' and list items")
        elif token.type in ("blockquote_close", "bullet_list_close", "ordered_list_close"):
            depth -= 1
    return None


def shows_nothing(text: str, kind: str = "prose") -> bool:
    """True if the Markdown would show nothing at all: only link reference definitions
    (``[x]: https://...``), which define a link and print nothing. (In verse they are text.)"""
    if kind == "verse" or not _REFERENCE_LINE.search(text):
        return False
    return not any(token.type == "inline" and (token.content.strip() or token.children)
                   for _, token in _scan(text, kind))


def _breakable_html(text: str) -> str:
    """Escaped ``text`` whose over-long words are spans with break opportunities."""
    out, last = [], 0
    for match in _LONG_WORD.finditer(text):
        word = match.group()
        spans = ("\u200b".join(html.escape(word[j:j + _WORD_PIECE], quote=False)
                               for j in range(i, min(i + _SPAN, len(word)), _WORD_PIECE))
                 for i in range(0, len(word), _SPAN))
        out += [html.escape(text[last:match.start()], quote=False),
                "\u200b".join(f'<span class="long-word">{span}</span>' for span in spans)]
        last = match.end()
    return "".join(out) + html.escape(text[last:], quote=False)


def to_html(text: str, language: str = "en", image_prefix: str = "", id_prefix: str = "",
            kind: str = "prose", notes: str = "end", note_prefix: str = "") -> str:
    """Render Markdown to an XHTML-compatible fragment, its notes listed after it: see
    to_html_parts."""
    return "".join(to_html_parts(text, language, image_prefix, id_prefix, kind, notes,
                                 note_prefix))


def to_html_parts(text: str, language: str = "en", image_prefix: str = "", id_prefix: str = "",
                  kind: str = "prose", notes: str = "end",
                  note_prefix: str = "") -> tuple[str, str]:
    """Render Markdown to an XHTML-compatible fragment and its notes (listed after it, or ""
    when it has none or they go to the page's foot); images get ``image_prefix``.

    With ``id_prefix``, every top-level block (in verse, every stanza) gets an id (``prefix-1``,
    ``prefix-2``, ...), so that a page of the print edition can be traced to the paragraph it
    starts with. ``kind="verse"`` renders a poem: see _verse_html.

    Footnotes: a call ``[^1]`` and, after the text, its note ``[^1]: text`` (further paragraphs
    indented four spaces). With ``notes="end"`` each call links to its note in a list after the
    text (EPUB readers show these as pop-ups); with ``notes="call"`` each first call is
    followed by its note's text in a span that the print CSS floats to the page's foot. Note
    ids start with ``note_prefix`` (default: ``id_prefix``, else "note"): ``{p}-ref-1``,
    ``{p}-note-1``, ``{p}-ref-1-2`` for a second call of note 1.
    """
    md = _parser(language)
    env: dict = {}
    prefix = html.escape(note_prefix or id_prefix or "note")
    if kind == "verse":
        verse, after, _ = _split_verse(text)
        definitions = _take_definitions(md.parse(after, env))[1]  # first: calls need them
        book_notes = _Notes(md, definitions, prefix, notes, image_prefix, language)
        body = _verse_html(verse, md, env, book_notes, language, image_prefix, id_prefix)
        return body, book_notes.end_html()
    # (A prose text's first line is never indented code: the manifest keeps its spaces, which
    # only verse reads.)
    tokens, definitions = _take_definitions(md.parse(text.lstrip(), env))
    book_notes = _Notes(md, definitions, prefix, notes, image_prefix, language)
    _number_blocks(tokens, id_prefix)
    book_notes.prepare(tokens)
    return md.renderer.render(tokens, md.options, {}), book_notes.end_html()


def _number_blocks(tokens: list[Token], id_prefix: str) -> None:
    if id_prefix:
        blocks = (t for t in tokens if t.level == 0 and t.nesting in (0, 1) and t.block
                  and t.type not in ("inline", "text"))
        for number, token in enumerate(blocks, start=1):
            token.attrSet("id", f"{id_prefix}-{number}")


def _set_directions(tokens: list[Token], language: str) -> None:
    """A paragraph whose first strong letter runs against the language gets its own dir."""
    for opener, inline in zip(tokens, tokens[1:]):
        if opener.type == "paragraph_open":
            strong = first_strong(inline.content)
            if strong and strong != direction(language):
                opener.attrSet("dir", strong)


def inline_html(text: str, language: str = "en") -> str:
    """A one-line field (a letter's salutation, an epigraph's source) with the typography and
    emphasis of the text around it; an image there shows its description (it is not
    checked as the text's images are)."""
    md = _parser(language)
    children = md.parseInline(text, {})[0].children or []
    for child in children:
        if child.type == "image":
            child.type, child.content = "text", child.content or "[image]"
    _clean_inline(children, "", language)
    return md.renderer.renderInline(children, md.options, {})


def _clean_inline(children: list[Token], image_prefix: str, language: str) -> None:
    """Make one block's inline tokens safe for the book: long words breakable, images only
    from the book folder (else their alt text), links only to the web or mail, spans only
    with a language (see _language_span)."""
    for child in children:
        if child.type == "span_open":
            _language_span(child, language)
        elif child.type == "text" and len(child.content) > LONG_WORD \
                and _LONG_WORD.search(child.content):
            child.type, child.content = "html_inline", _breakable_html(child.content)
        elif child.type == "image":
            src = child.attrGet("src") or ""
            if image_path(src) is None:
                child.type = "text"  # show the alt text instead
                child.content = child.content or "[image]"
            else:
                child.attrSet("src", image_prefix + image_path(src))
        elif child.type == "link_open":
            href = child.attrGet("href") or ""
            if not is_allowed_link(href):  # relative links lead nowhere in a book
                child.type, child.tag = "html_inline", ""
                child.content = ""
                _drop_close(children, child)


def _language_span(span: Token, language: str) -> None:
    """A span keeps only a valid ``lang``, given as ``lang`` (HTML: the paged engine
    hyphenates by it) and ``xml:lang`` (XHTML), with ``dir`` when its script runs against the
    text around it; any other attribute is dropped (span_problems has refused it)."""
    tag = str(span.attrs.get("lang", ""))
    span.attrs = {}
    if LANGUAGE_TAG.match(tag):
        span.attrs = {"lang": tag, "xml:lang": tag}
        if direction(tag) != direction(language):
            span.attrs["dir"] = direction(tag)


def span_problems(text: str, kind: str = "prose") -> list[tuple[int, str, str]]:
    """(line within ``text``, what is wrong, message) for each span ``[words]{...}`` that
    gives anything but one valid language tag: "attribute" (a class, an id, another
    attribute, no language) or "language" (not a BCP 47 tag). ``[φρενός]{lang=el}`` is the
    only form. Only text with ``]{`` is parsed at all."""
    if "]{" not in text:
        return []
    problems = []
    for line, token in _scan(text, kind):
        if token.type != "span_open":
            continue
        attrs = dict(token.attrs)
        others = sorted(set(attrs) - {"lang"})
        if others:
            problems.append((line, "attribute", "a span [...]{...} may give only a language, "
                             f"[words]{{lang=el}}; got {', '.join(others)}"))
        elif "lang" not in attrs:
            problems.append((line, "attribute", "a span [...]{...} gives no language; expected "
                             "[words]{lang=el}"))
        elif not LANGUAGE_TAG.match(str(attrs["lang"])):
            problems.append((line, "language", "expected a BCP 47 language tag like 'el' or "
                             f"'pt-BR' in [words]{{lang=...}}, got {str(attrs['lang'])!r}"))
    return problems


SHORT_TABLE = 12  # a table of at most this many rows (class "short") is never broken in print


def _table_cells(tokens: list[Token]) -> None:
    """A table's cells aligned by class (``align-right``; no inline style, which an EPUB's
    reader may drop), its header cells the headers of their columns; a short table is
    marked "short"."""
    opened: list[Token] = []
    rows = 0
    for token in tokens:
        if token.type == "table_open":
            opened.append(token)
            rows = 0
        elif token.type == "tr_open":
            rows += 1
        elif token.type == "table_close" and opened and rows <= SHORT_TABLE + 1:
            opened.pop().attrJoin("class", "short")
        elif token.type in ("th_open", "td_open"):
            style = str(token.attrs.pop("style", ""))
            if style.startswith("text-align:"):
                token.attrSet("class", "align-" + style.removeprefix("text-align:"))
            if token.type == "th_open":
                token.attrSet("scope", "col")


# ---- Titles ------------------------------------------------------------------------------

_TITLE_MARKUP = re.compile(r"[*_\\`\[!&<{]")  # what may make a title's Markdown differ from it
_EMPHASIS = {"em_open": "<em>", "em_close": "</em>", "strong_open": "<strong>",
             "strong_close": "</strong>"}


@lru_cache(maxsize=1)
def _title_parser() -> MarkdownIt:
    """Inline Markdown as written: no typography (a title prints as the manifest spells it);
    language spans as in the text."""
    return _with_spans(MarkdownIt("commonmark", {"html": False}))


def _title_tokens(text: str) -> list[Token]:
    return _title_parser().parseInline(text, {})[0].children or []


def title_html(text: str, language: str = "en") -> str:
    """A title (a piece's, its subtitle, a part's, the book's) as HTML: its emphasis, strong
    emphasis and language spans kept; links, images, code and the rest shown as their plain
    text."""
    if not _TITLE_MARKUP.search(text):
        return str(escape(text))
    out = []
    for child in _title_tokens(text):
        if child.type in _EMPHASIS:
            out.append(_EMPHASIS[child.type])
        elif child.type == "span_open":
            _language_span(child, language)
            out.append("<span" + "".join(f' {k}="{escape(v)}"' for k, v in child.attrs.items())
                       + ">")
        elif child.type == "span_close":
            out.append("</span>")
        elif child.type in ("text", "code_inline", "image"):
            out.append(str(escape(child.content)))
        elif child.type in ("softbreak", "hardbreak"):
            out.append(" ")
    return "".join(out)


def plain_title(text: str) -> str:
    """A title as plain text, its Markdown gone: for bookmarks, the EPUB's nav, running
    heads, sorting and metadata."""
    if not _TITLE_MARKUP.search(text):
        return text
    return "".join(child.content if child.type in ("text", "code_inline", "image") else " "
                   for child in _title_tokens(text)
                   if child.type in ("text", "code_inline", "image", "softbreak", "hardbreak"))


def _drop_close(children, opener) -> None:
    depth = 0
    for child in children[children.index(opener) + 1:]:
        if child.type == "link_open":
            depth += 1
        elif child.type == "link_close":
            if depth == 0:
                child.type, child.content = "html_inline", ""
                return
            depth -= 1


# ---- Footnotes ---------------------------------------------------------------------------

def _take_definitions(tokens: list[Token]) -> tuple[list[Token], dict[str, list[Token]]]:
    """The tokens outside footnote definitions, and each definition's tokens by label (the
    first definition of a label counts; note_problems reports the others)."""
    body: list[Token] = []
    definitions: dict[str, list[Token]] = {}
    inside: list[list[Token]] = []  # the definitions open (one may hold another)
    for token in tokens:
        if token.type == "footnote_reference_open":
            label = token.meta["label"]
            inside.append([] if label in definitions else definitions.setdefault(label, []))
        elif token.type == "footnote_reference_close":
            inside.pop()
        else:
            (inside[-1] if inside else body).append(token)
    return body, definitions


class _Notes:
    """The footnotes of one text, numbered in the order of their first call."""

    def __init__(self, md: MarkdownIt, definitions: dict[str, list[Token]], prefix: str,
                 mode: str, image_prefix: str, language: str):
        if mode not in ("end", "call"):
            raise ValueError(f"notes={mode!r}; expected 'end' or 'call'")
        self.md, self.definitions, self.prefix, self.mode = md, definitions, prefix, mode
        self.image_prefix, self.language = image_prefix, language
        self.numbers: dict[str, int] = {}
        self.calls: dict[str, int] = {}
        self.in_note = False

    def place_calls(self, children: list[Token]) -> None:
        """Each call, tied to the word before it (a line never starts with a call)."""
        for i, child in enumerate(children):
            if child.type == "footnote_ref":
                before = children[i - 1] if i else None
                word = re.search(r"\S+$", before.content) \
                    if before is not None and before.type == "text" else None
                call, note = self._call(child.meta["label"])
                if word:
                    before.content = before.content[:word.start()]
                    call = (f'<span class="called">{html.escape(word.group(), quote=False)}'
                            f"{call}</span>")
                child.type, child.content = "html_inline", call + note

    def _call(self, label: str) -> tuple[str, str]:
        """The call's link, and in print the note's text to float to the page's foot."""
        number = self.numbers.setdefault(label, len(self.numbers) + 1)
        count = self.calls[label] = self.calls.get(label, 0) + 1
        ref = f"{self.prefix}-ref-{number}" + (f"-{count}" if count > 1 else "")
        call = (f'<a class="noteref" id="{ref}" href="#{self.prefix}-note-{number}" '
                f'epub:type="noteref" role="doc-noteref">{number}</a>')
        if self.mode == "call" and count == 1 and not self.in_note:  # no notes in notes
            return call, self._span(label, number)
        return call, ""

    def _content(self, label: str) -> list[Token]:
        """The note's tokens, made safe, with their calls placed."""
        tokens = self.definitions[label]
        self.in_note = True
        self.prepare(tokens)
        self.in_note = False
        return tokens

    def prepare(self, tokens: list[Token]) -> None:
        """Blocks given their direction, inline text made safe, calls placed."""
        _set_directions(tokens, self.language)
        _table_cells(tokens)
        for token in tokens:
            if token.children:
                _clean_inline(token.children, self.image_prefix, self.language)
                self.place_calls(token.children)

    def _span(self, label: str, number: int) -> str:
        """The note as one inline span (its paragraphs joined by line breaks), to float."""
        text = "<br />".join(self.md.renderer.renderInline(t.children, self.md.options, {})
                             for t in self._content(label) if t.type == "inline")
        return (f'<span class="footnote" id="{self.prefix}-note-{number}" '
                f'data-mark="{number}">{text}</span>')

    def end_html(self) -> str:
        """The notes called, as asides after the text (notes="end"), each led by a back-link."""
        if self.mode != "end" or not self.numbers:
            return ""
        asides, done = [], 0
        while done < len(self.numbers):  # a note's own calls may number more notes
            label, number = list(self.numbers.items())[done]
            done += 1
            tokens = self._content(label)
            back = Token("html_inline", "", 0, content=(
                f'<a class="note-number" href="#{self.prefix}-ref-{number}" '
                f'role="doc-backlink">{number}</a> '))
            if tokens and tokens[0].type == "paragraph_open":
                tokens[1].children.insert(0, back)
                text = self.md.renderer.render(tokens, self.md.options, {})
            else:
                text = f"<p>{back.content.strip()}</p>\n" + \
                    self.md.renderer.render(tokens, self.md.options, {})
            asides.append(f'<aside class="note" id="{self.prefix}-note-{number}" '
                          f'epub:type="footnote" role="doc-footnote">\n{text}</aside>\n')
        return '<div class="notes">\n' + "".join(asides) + "</div>\n"


# ---- Verse -------------------------------------------------------------------------------

# A stanza of up to this many lines fits on any trim's page, and print keeps it whole; a
# longer one (class "long") breaks where it must, keeping two lines on each side. (Kept whole,
# it would move to the next page and could leave its piece's heading alone on this one.)
KEPT_STANZA = 20
MAX_INDENT = 12  # indent levels of a verse line (i1..i12 in the CSS)
_NOTE_LINE = re.compile(r"[ ]{0,3}\[\^[^\]\s]+\]:")
_INDENT = re.compile(r"[ \t]*")


def _split_verse(text: str) -> tuple[str, str, int]:
    """(the poem, its notes, the notes' first line index): the notes start at the first
    ``[^label]:`` line after a blank line."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for i, line in enumerate(lines):
        if _NOTE_LINE.match(line) and (i == 0 or not lines[i - 1].strip()):
            return "\n".join(lines[:i]), "\n".join(lines[i:]), i
    return "\n".join(lines), "", len(lines)


def _stanzas(verse: str) -> list[list[str]]:
    """The poem's lines grouped by the blank lines between them."""
    stanzas: list[list[str]] = [[]]
    for line in verse.split("\n"):
        if line.strip():
            stanzas[-1].append(line)
        elif stanzas[-1]:
            stanzas.append([])
    return [stanza for stanza in stanzas if stanza]


def _verse_line(line: str) -> tuple[int, str, bool, str]:
    """(indent level, alignment class, dropped?, Markdown) of one line of verse."""
    indent = _INDENT.match(line).group()
    level = min(indent.count("\t") + (indent.count(" ") + 1) // 2, MAX_INDENT)
    source = line[len(indent):].rstrip()
    if source.startswith("->") and source.endswith("<-") and len(source) >= 4:
        return 0, "center", False, source[2:-2].strip()
    if source.startswith("->"):
        return 0, "right", False, source[2:].strip()
    if source.startswith("~ "):
        return level, "", True, source[2:].lstrip()
    return level, "", False, source


def _verse_html(verse: str, md: MarkdownIt, env: dict, notes: _Notes, language: str,
                image_prefix: str, id_prefix: str) -> str:
    """A poem, Standard Ebooks style: a ``<p class="stanza">`` per stanza, a ``<span
    class="line">`` per line with ``<br />`` between them (a reader without CSS still breaks
    the lines). No block syntax at all: every line is text, with inline Markdown.

    Leading spaces and tabs indent a line (two spaces or a tab a level, up to 12: classes
    ``i1``..``i12``). ``->text<-`` centres a line, ``->text`` sets it right (``\\->`` is a
    literal arrow). ``~ text`` is a dropped line: it starts where the line before ended (the
    line before, hidden, takes up the space; ``\\~`` is a literal tilde).
    """
    out = []
    before = (0, "")  # the last line's level, and its plain text (no links, images, ids)
    for number, stanza in enumerate(_stanzas(verse), start=1):
        spans = []
        for line in stanza:
            level, align, dropped, source = _verse_line(line)
            children = md.parseInline(source, env)[0].children
            _clean_inline(children, image_prefix, language)
            quiet = _plain(children)
            notes.place_calls(children)
            shown = md.renderer.renderInline(children, md.options, {})
            if dropped and before[1]:
                level = before[0]
                space = before[1] + " "  # the dropped line starts a space after it
                shown = (f'<span class="drop-space" aria-hidden="true">'
                         f'{html.escape(space, quote=False)}</span>{shown}')
                quiet = space + quiet
            classes = "line" + (f" i{level}" if level else "") + (f" {align}" if align else "")
            spans.append(f'<span class="{classes}">{shown}</span>')
            before = (level, quiet)
        attrs = f' id="{id_prefix}-{number}"' if id_prefix else ""
        strong = first_strong("\n".join(stanza))
        if strong and strong != direction(language):
            attrs += f' dir="{strong}"'
        kept = "stanza" if len(stanza) <= KEPT_STANZA else "stanza long"
        out.append(f'<p class="{kept}"{attrs}>' + "<br />".join(spans) + "</p>\n")
    return '<div class="verse">\n' + "".join(out) + "</div>\n" if out else ""


def _plain(children: list[Token]) -> str:
    """A line's words as plain text: what a dropped line's hidden spacer repeats."""
    return "".join(html.unescape(re.sub(r"<[^>]+>", "", c.content)).replace("\u200b", "")
                   if c.type == "html_inline" else c.content
                   for c in children if c.type in ("text", "code_inline", "html_inline"))


def note_problems(text: str, kind: str = "prose") -> list[tuple[int, str, str]]:
    """(line within ``text``, what is wrong, message) for each footnote that cannot be set:
    a call with no note text ("no text"), a note text never called ("never called"), and
    ("misplaced") a second text for one note, a call inside a note (a page's foot holds no
    notes of notes), and in verse, text after the notes. Only text with ``[^`` is parsed at
    all."""
    if "[^" not in text:
        return []
    problems, texts, calls, inside = [], {}, {}, []
    for line, token in _scan(text, kind):
        if token.type == "footnote_reference_open":
            label = token.meta["label"]
            if label in texts:
                problems.append((line, "misplaced", f"footnote [^{label}] has a second text "
                                 f"(the first is on line {texts[label]}); expected one per "
                                 "note"))
            texts.setdefault(label, line)
            inside.append(label)
        elif token.type == "footnote_reference_close":
            inside.pop()
        elif token.type == "footnote_ref":
            calls.setdefault(token.meta["label"], line)
            if inside:
                problems.append((line, "misplaced", f"footnote [^{token.meta['label']}] is "
                                 f"called inside the note [^{inside[-1]}]; expected calls "
                                 "only in the text"))
        elif kind == "verse" and token.type == "inline" and not inside:
            problems.append((line, "misplaced", "text after the poem's notes; expected only "
                             "notes '[^1]: …' there (a note's further paragraphs indented "
                             "four spaces)"))
    if texts:  # without any note text, a "[^x]" is text as written (as it always was)
        problems += [(line, "no text", f"footnote [^{label}] has no text; expected a line "
                      f"'[^{label}]: …' after the text")
                     for label, line in calls.items() if label not in texts]
    problems += [(line, "never called", f"footnote text [^{label}] is never called; "
                  f"expected [^{label}] in the text where the note belongs")
                 for label, line in texts.items() if label not in calls]
    return sorted(problems)


# ---- First lines (the index of first lines) ---------------------------------------------

FIRST_LINE_CHARS = 60  # a longer first line is cut at a word, ending with "…"


@lru_cache(maxsize=32)
def _plain_parser(language: str) -> MarkdownIt:
    """The book's typography, and a note's call known as one even without its text."""
    md = MarkdownIt("commonmark", {"html": False, "typographer": True, "breaks": True,
                                   "maxNesting": _MAX_NESTING,
                                   "quotes": _QUOTES.get(language.split("-")[0].lower(), "“”‘’")})
    md.enable(["replacements", "smartquotes"])
    md.disable("fence")
    return _with_spans(md.use(footnote_plugin, inline=False, move_to_end=False,
                              always_match_refs=True))


def first_line(text: str, kind: str = "prose", language: str = "en") -> str:
    """A piece's first line as plain text, as an index of first lines prints it: in verse
    the poem's first line without its markup (indentation, ``->centred<-``, ``->right``,
    ``~ `` and note calls); in prose and letters the first paragraph up to its first line
    break. Emphasis, links and escapes give their text, an image its description; a line
    longer than FIRST_LINE_CHARS is cut at a word and ends with "…"."""
    md = _plain_parser(language)
    if kind == "verse":
        line = next((line for line in _split_verse(text)[0].split("\n") if line.strip()), "")
        children = md.parseInline(_verse_line(line)[3], {})[0].children or []
    else:
        tokens = _take_definitions(md.parse(text.lstrip(), {}))[0]
        children = next((t.children for t in tokens if t.type == "inline" and t.children), [])
    words = []
    for child in children:
        if child.type in ("softbreak", "hardbreak"):
            break
        if child.type in ("text", "code_inline", "image"):
            words.append(child.content)
    return _shortened(" ".join("".join(words).split()))


def _shortened(line: str, limit: int = FIRST_LINE_CHARS) -> str:
    """``line``, or its words that fit in ``limit`` characters with a "…" after them."""
    if len(line) <= limit:
        return line
    head = line[:limit]  # the words within limit - 1 characters, and room for the "…"
    words = head.rsplit(" ", 1)[0] if " " in head else head[:-1]
    return words.rstrip(" ,;:-–—") + "…"
