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
    md.enable(["replacements", "smartquotes"])
    md.disable("fence")  # a line of ``` or ~~~ is text in a story, and its words are kept
    md.validateLink = lambda url: is_allowed_link(url) or image_path(url) is not None
    return md


@lru_cache(maxsize=1)
def _image_scanner() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "maxNesting": _MAX_NESTING})  # every image
    md.disable("fence")
    md.validateLink = lambda url: True
    return md


def markdown_images(text: str) -> list[tuple[str, str, int]]:
    """(URL, alt text, line within ``text``) of every image the Markdown shows (for
    validation before rendering)."""
    if "![" not in text:  # no image syntax, nothing to parse
        return []
    found = []
    for token in _image_scanner().parse(text):
        line = token.map[0] + 1 if token.map else 1
        for child in token.children or ():
            line += child.type in ("softbreak", "hardbreak")
            if child.type == "image":
                found.append((child.attrGet("src") or "", child.content, line))
    return found


def nesting_problem(text: str) -> tuple[int, str] | None:
    """(line within ``text``, message) if block quotes and lists nest deeper than the layout
    keeps, else None. Only text with a quote or list marker is parsed at all."""
    if not _CONTAINER_LINE.search(text):
        return None
    depth = 0
    for token in _image_scanner().parse(text):
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


def shows_nothing(text: str) -> bool:
    """True if the Markdown would show nothing at all: only link reference definitions
    (``[x]: https://...``), which define a link and print nothing."""
    if not _REFERENCE_LINE.search(text):
        return False
    return not any(token.type == "inline" and (token.content.strip() or token.children)
                   for token in _image_scanner().parse(text))


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


def to_html(text: str, language: str = "en", image_prefix: str = "", id_prefix: str = "") -> str:
    """Render Markdown to an XHTML-compatible fragment; images get ``image_prefix``.

    With ``id_prefix``, every top-level block gets an id (``prefix-1``, ``prefix-2``, ...), so
    that a page of the print edition can be traced to the paragraph it starts with.
    """
    md = _parser(language)
    tokens = md.parse(text)
    if id_prefix:
        blocks = (t for t in tokens if t.level == 0 and t.nesting in (0, 1) and t.block
                  and t.type not in ("inline", "text"))
        for number, token in enumerate(blocks, start=1):
            token.attrSet("id", f"{id_prefix}-{number}")
    for opener, inline in zip(tokens, tokens[1:]):
        if opener.type == "paragraph_open":
            strong = first_strong(inline.content)
            if strong and strong != direction(language):
                opener.attrSet("dir", strong)
    for token in tokens:
        for child in token.children or ():
            if child.type == "text" and len(child.content) > LONG_WORD \
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
                    _drop_close(token.children, child)
    return md.renderer.render(tokens, md.options, {})


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
