"""mammoth's HTML -> blocks: paragraphs and headings as inline items, lists, section breaks, and
the notes' blocks by their ids. mammoth emits few elements (paragraphs, headings, ``<em>``,
``<strong>``, ``<br />``, links, lists, tables, images, the note calls and the list of notes):
tables are walked through, their cells becoming paragraphs; images are only counted."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from lxml import etree

from ..text import is_allowed_link
from .package import CONTROL

_NOTE_CALL = re.compile(r"^#((?:footnote|endnote)-\d+)$")
_NOTE_BACK = re.compile(r"^#(?:footnote|endnote)-ref-\d+$")
_NOTE_ID = re.compile(r"^(?:footnote|endnote)-\d+$")
_SPACE_LIKE = re.compile(r"[\r\n\u2028\u2029]")
_CONTAINERS = {"table", "thead", "tbody", "tfoot", "tr", "td", "th", "div", "blockquote",
               "section", "body"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


class Item(NamedTuple):
    """A piece of a paragraph: text ("t", str), a line break ("br", None), a note call ("n",
    mammoth's note id) or a link ("l", (text, url)), with its emphasis ("em", "strong")."""

    kind: str
    value: object
    formats: frozenset = frozenset()


@dataclass
class Block:
    kind: str                 # "para", "heading", "list" or "break"
    items: list[Item] = field(default_factory=list)   # of a paragraph or heading
    byline: bool = False      # styled Subtitle, Author or Byline
    element: object = None    # the <ul> or <ol> of a list


@dataclass
class Content:
    """What the HTML holds: the body's blocks (empty paragraphs left out), the notes' blocks
    by note id, the images' descriptions ("" if none) and the number of tables."""

    blocks: list[Block] = field(default_factory=list)
    notes: dict[str, list[Block]] = field(default_factory=dict)
    images: list[str] = field(default_factory=list)
    tables: int = 0


def read_html(html: str, section_break: str) -> Content:
    """The blocks of mammoth's ``html``; a paragraph holding ``section_break`` ends a section."""
    parser = etree.HTMLParser(huge_tree=True, no_network=True, remove_comments=True)
    root = etree.fromstring(f"<html><body>{html}</body></html>", parser)
    content = Content()
    _walk(root.find("body"), content, section_break)
    content.blocks = [b for b in content.blocks if b.kind != "para" or plain(b.items)
                      or any(item.kind == "n" for item in b.items)]
    return content


def plain(items: list[Item]) -> str:
    """The words of a paragraph, whitespace collapsed (for titles, bylines, ornaments)."""
    words = "".join(value if kind == "t" else value[0] if kind == "l" else " " if kind == "br"
                    else "" for kind, value, _ in items)
    return " ".join(words.split())


def _walk(element, content: Content, section_break: str) -> None:
    """Collect the blocks under ``element`` (the body, a table, a note) in order."""
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "p" or tag in _HEADINGS:
            kind = "para" if tag == "p" else "heading"
            items = inline_items(child, content)
            if any(item.kind == "t" and section_break in item.value for item in items):
                items = [item._replace(value=item.value.replace(section_break, ""))
                         if item.kind == "t" else item for item in items]
                content.blocks += [Block(kind, items), Block("break")]
            else:
                byline = "byline" in (child.get("class") or "").split()
                content.blocks.append(Block(kind, items, byline=byline))
        elif tag == "ol" and len(child) and all(_NOTE_ID.match(li.get("id") or "")
                                                 for li in child):
            for li in child:  # mammoth's list of footnotes or endnotes
                note = Content()
                _walk(li, note, section_break)
                content.notes[li.get("id")] = note.blocks
                content.images += note.images
        elif tag in ("ul", "ol"):
            content.blocks.append(Block("list", element=child))
        elif tag in _CONTAINERS:
            content.tables += tag == "table"
            _walk(child, content, section_break)
        elif tag:  # an inline element alone at block level
            content.blocks.append(Block("para", inline_items(child, content, whole=True)))


def inline_items(element, content: Content, whole: bool = False) -> list[Item]:
    """The inline content of ``element`` (with ``whole``, of ``element`` itself) as items;
    images are counted in ``content``."""
    items: list[Item] = []

    def visit(node, formats: frozenset) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in ("em", "i"):
            formats |= {"em"}
        elif tag in ("strong", "b"):
            formats |= {"strong"}
        elif tag == "br":
            items.append(Item("br", None, formats))
            return
        elif tag == "img":
            content.images.append(node.get("alt") or "")
            return
        elif tag == "a":
            href = node.get("href") or ""
            if call := _NOTE_CALL.match(href):
                items.append(Item("n", call[1], formats))
                return
            if _NOTE_BACK.match(href):
                return  # a note's link back to its call
            if href and is_allowed_link(href):
                items.append(Item("l", (_clean("".join(node.itertext())), href), formats))
                return
        children(node, formats)

    def children(node, formats: frozenset) -> None:
        if node.text:
            items.append(Item("t", _clean(node.text), formats))
        for child in node:
            if isinstance(child.tag, str):
                visit(child, formats)
            if child.tail:
                items.append(Item("t", _clean(child.tail), formats))

    (visit if whole else children)(element, frozenset())
    return items


def _clean(text: str) -> str:
    return _SPACE_LIKE.sub(" ", CONTROL.sub("", text))
