"""Scraped tweet text -> a manifest.

The source format is an article's text with each story followed by its attribution:
``<story> - Name (@handle) Month D, YYYY``. Scraping glues the hashtag and
``pic.twitter.com/...`` links to the end of a tweet; those are removed from the text, and
the hashtag becomes a keyword of the book.
"""

from __future__ import annotations

import datetime as dt
import re

import yaml

_ATTRIBUTION = re.compile(
    r"[-–—]\s*(?P<name>[^\n().!?#@]{1,60}?)\s*,?\s*\((?P<handle>@\w{1,15})\)\s*"
    r"(?P<month>[A-Z][a-z]+)\s+(?P<day>\d{1,2}),\s*(?P<year>\d{4})")
_LINK_TAIL = re.compile(r"\s*(?:pic\.twitter\.com/\w+|https?://t\.co/\w+)\s*$")
_HASHTAG_TAIL = re.compile(r"\s*#(\w+)\s*$")
_SCRAPER_HEADER = re.compile(r"^\s*date \d{4}-\d{2}\b.*$", re.M)  # the article's dateline + lede
_MONTHS = {m: i for i, m in enumerate(
    "January February March April May June July August September October November December".split(),
    start=1)}
# What makes a line start block syntax (prose) or a verse line's markup: a heading's #s, a quote's
# > (with or without a space), a list's bullet or number, a setext underline or thematic break
# (a line of only - or =: each is escaped, or -- would become a dash), and verse's dropped line
# (~ ) and right-aligned line (->). The escape goes before the one character that decides (a
# list number's . or ), since a backslash before a digit is no escape and would print).
_MARKDOWN_LINE_START = re.compile(
    r"^([ \t]*)(?:(#+|[+\-*~])(?=[ \t]|$)|(>|->)|(\d{1,9})([.)])(?=[ \t]|$)|([=-][=\- \t]*)$)",
    re.M)
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")  # &amp; &#169; would become the character


def parse_stories(text: str) -> tuple[list[dict], list[str]]:
    """The stories found in ``text`` (in order) and the hashtags removed from their ends."""
    text = _SCRAPER_HEADER.sub("", text.replace("\r\n", "\n"))
    stories, tags, start = [], [], 0
    for match in _ATTRIBUTION.finditer(text):
        body = text[start:match.start()]
        start = match.end()
        body, found = strip_tail(body)
        tags += found
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
        if not paragraphs:
            continue
        month = _MONTHS.get(match["month"])
        story = {"author": match["name"].strip().rstrip(",").strip(), "handle": match["handle"]}
        if month:
            story["date"] = dt.date(int(match["year"]), month, int(match["day"]))
        story["text"] = escape_markdown("\n\n".join(paragraphs)) + "\n"
        stories.append(story)
    return stories, tags


def strip_tail(body: str) -> tuple[str, list[str]]:
    """Remove trailing hashtags and picture links; return the text and the hashtags."""
    tags = []
    while True:
        link = _LINK_TAIL.search(body)
        if link:
            body = body[:link.start()]
            continue
        tag = _HASHTAG_TAIL.search(body)
        if not tag:
            return body, tags[::-1]
        tags.append(tag[1])
        body = body[:tag.start()]


def escape_markdown(text: str) -> str:
    """Plain text -> Markdown that renders as the same text (no accidental lists or headings)."""
    return escape_line_starts(escape_inline(text))


def escape_inline(text: str) -> str:
    """Plain text -> Markdown whose inline syntax (emphasis, code, links, HTML, entities) is
    text; what a line starts with is left to escape_line_starts."""
    return _ENTITY.sub(r"\\&", re.sub(r"([\\`*_\[\]<])", r"\\\1", text))


def escape_line_starts(text: str) -> str:
    """Escape what would start block syntax (or verse markup) at the start of each line."""
    return _MARKDOWN_LINE_START.sub(_escape_start, text)


def _escape_start(match: re.Match) -> str:
    if match[4]:  # 1. -> 1\.
        return f"{match[1]}{match[4]}\\{match[5]}"
    if match[6]:  # a line of only - and =
        return match[1] + re.sub(r"([=-])", r"\\\1", match[6])
    return f"{match[1]}\\{match[2] or match[3]}"


def to_manifest(text: str, title: str = "Imported stories") -> str:
    """A manifest (YAML text) for the stories in ``text``; raises ValueError if none."""
    stories, tags = parse_stories(text)
    if not stories:
        raise ValueError("no stories found; expected each story to be followed by "
                         "'- Name (@handle) Month D, YYYY'")
    keywords = sorted({t.casefold(): t for t in tags}.values(), key=str.casefold)
    # Prefer the most common spelling of each hashtag.
    keywords = [max((t for t in tags if t.casefold() == k.casefold()), key=tags.count)
                for k in keywords]
    manifest = {"title": title, "language": "en"}
    if keywords:
        manifest["keywords"] = keywords
    manifest["stories"] = stories
    return dump_yaml(manifest)


def dump_yaml(data) -> str:
    """``data`` as YAML a person would write: keys in their order, Unicode as it is, no line
    folded, text with line breaks as a ``|`` block. The manifests and front matter that
    anthology writes."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10_000)


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(str, lambda dumper, value: dumper.represent_scalar(
    "tag:yaml.org,2002:str", value, style="|" if "\n" in value else None))
