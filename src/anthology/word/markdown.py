"""Blocks -> Markdown: paragraphs (a soft return starts a line), bold and italic spans,
notes, lists and scene breaks. Whatever the text holds, the Markdown shows that text: it is
escaped, and each line is read back by a CommonMark parser to check its emphasis."""

from __future__ import annotations

import re
import unicodedata
from itertools import groupby

from markdown_it import MarkdownIt

from ..importer import escape_inline, escape_line_starts
from .blocks import Block, Content, Item, inline_items, plain

BREAK = "* * *"
# A paragraph of only these (spaces aside) is a scene break: * * *, ***, #, ~, ⁂, ❦, - - -, ...
_ORNAMENT = re.compile(r"^[*#~⁂⁎∗✱✲✳✻✼✽❦❧☙✦✧◆◇❖•·§※\-–—=_+]{1,40}$")
_DELIMITER = {"em": "*", "strong": "**"}
_CHECKER = MarkdownIt("commonmark", {"html": False})  # no typographer, no footnotes


class Notes:
    """Markdown labels for mammoth's note ids, numbered in the order of their calls."""

    def __init__(self, notes: dict[str, list[Block]]):
        self.notes, self.labels = notes, {}

    def label(self, note_id: str) -> str | None:
        if note_id not in self.notes:
            return None
        return self.labels.setdefault(note_id, str(len(self.labels) + 1))

    @property
    def uncalled(self) -> int:
        return len(set(self.notes) - set(self.labels))

    def markdown(self) -> list[str]:
        """The definitions of the notes called (``[^1]: ...``), later paragraphs indented."""
        out, called = [], list(self.labels)
        for note_id in called:
            chunks = [c for c in Chunks(self.notes[note_id], self).chunks if c != BREAK] or [""]
            called += list(self.labels)[len(called):]  # notes first called by this note
            first = f"[^{self.labels[note_id]}]: {chunks[0]}".rstrip()
            lines = [first.replace("\n", "\n    ")]
            for chunk in chunks[1:]:
                lines += [""] + [("    " + line) if line else "" for line in chunk.split("\n")]
            out.append("\n".join(lines))
        return out


class Chunks:
    """Markdown blocks (paragraphs, lists, scene breaks) for ``blocks``; with the number of
    headings turned into bold paragraphs and of lines that lost their emphasis."""

    def __init__(self, blocks: list[Block], notes: Notes):
        self.notes = notes
        self.chunks: list[str] = []
        self.headings = self.simplified = 0
        for block in blocks:
            if block.kind == "break" or (block.kind == "para" and _is_ornament(block.items)):
                if self.chunks and self.chunks[-1] != BREAK:
                    self.chunks.append(BREAK)
                continue
            if block.kind == "list":
                lines = self._list(block.element)
            elif block.kind == "heading":
                self.headings += 1
                lines = self._lines([i._replace(formats=i.formats | {"strong"})
                                     for i in block.items])
            else:
                lines = self._lines(block.items)
            if lines:
                self.chunks.append("\n".join(lines))
        while self.chunks and self.chunks[-1] == BREAK:
            self.chunks.pop()

    def _list(self, element, indent: str = "") -> list[str]:
        """A Word list as Markdown list lines (nested lists indented under their item)."""
        lines = []
        for number, li in enumerate((li for li in element if li.tag == "li"), start=1):
            marker = f"{number}. " if element.tag == "ol" else "- "
            inner = indent + " " * len(marker)
            nested = [c for c in li if c.tag in ("ul", "ol")]
            for c in nested:
                li.remove(c)  # (the tree is ours, parsed for this story alone)
            # (no blank line in an item: it would end the list)
            text = [t for t in self._lines(inline_items(li, Content())) if t]
            lines.append((indent + marker + (text[0] if text else "")).rstrip())
            lines += [inner + t for t in text[1:]]
            for c in nested:
                lines += self._list(c, inner)
        return lines

    def _lines(self, items: list[Item]) -> list[str]:
        """A paragraph's Markdown lines (two soft returns make an empty line)."""
        out = []
        for atoms in _split_lines(items, self.notes):
            if not atoms:
                if out and out[-1]:
                    out.append("")
                continue
            markdown = _line(atoms)
            if _shown(markdown) != _expected(atoms):  # overlapping spans: keep the italics,
                self.simplified += 1                  # else no emphasis
                markdown = _line([a._replace(formats=a.formats & {"em"}) for a in atoms])
                if _shown(markdown) != _expected(atoms):
                    markdown = _line([a._replace(formats=frozenset()) for a in atoms])
            out.append(markdown)
        while out and not out[-1]:
            out.pop()
        return out


def _is_ornament(items: list[Item]) -> bool:
    if any(item.kind in ("n", "l") for item in items):
        return False
    return bool(_ORNAMENT.match("".join(plain(items).split())))


def _split_lines(items: list[Item], notes: Notes) -> list[list[Item]]:
    """A paragraph's lines as atoms (each character of the text its own "c" item, note calls
    by their labels; uncalled notes' calls dropped), spaces at the ends of each line removed."""
    lines: list[list[Item]] = [[]]
    for item in items:
        if item.kind == "br":
            lines.append([])
        elif item.kind == "t":
            lines[-1] += [Item("c", ch, item.formats) for ch in item.value]
        elif item.kind == "n":
            if label := notes.label(item.value):
                lines[-1].append(Item("n", label))
        else:
            lines[-1].append(item)
    for atoms in lines:
        while atoms and _is_space(atoms[-1]):
            atoms.pop()
        while atoms and _is_space(atoms[0]):
            del atoms[0]
    return lines


def _is_space(atom: Item) -> bool:
    return atom.kind == "c" and atom.value.isspace()


def _is_punct(atom: Item) -> bool:
    """Punctuation as CommonMark's flanking rules see it (a call or link starts with [)."""
    return atom.kind != "c" or unicodedata.category(atom.value)[0] in "PS"


def _is_word(atom: Item) -> bool:
    return atom.kind == "c" and not atom.value.isspace() and not _is_punct(atom)


def _line(atoms: list[Item]) -> str:
    """One line of Markdown, its emphasis where _emphasis puts it."""
    formats = _emphasis(atoms)
    out: list[str] = []
    text: list[str] = []
    open_: list[str] = []  # the delimiters open, outermost first

    def flush() -> None:
        if text:
            out.append(escape_inline("".join(text)))
            text.clear()

    for i, atom in enumerate(atoms):
        want = formats[i]
        if closing := [name for name in open_ if name not in want]:
            flush()
            first = open_.index(closing[0])
            out.extend(_DELIMITER[name] for name in reversed(open_[first:]))
            del open_[first:]
        # The span that runs longer opens first, so that it closes last.
        if opening := sorted((name for name in want if name not in open_),
                             key=lambda name: (-_run_end(formats, name, i), name)):
            flush()
            out.extend(_DELIMITER[name] for name in opening)
            open_ += opening
        if atom.kind == "c":
            text.append(atom.value)
            continue
        flush()
        if atom.kind == "n":
            out.append(f"[^{atom.value}]")
        else:
            if out and out[-1].endswith("!"):
                out[-1] = out[-1][:-1] + "\\!"  # ![...](...) would be an image
            out.append(_link(*atom.value))
    flush()
    out.extend(_DELIMITER[name] for name in reversed(open_))
    line = escape_line_starts("".join(out))
    return re.sub(r"^(\[\^\d+\]):", r"\1\\:", line)  # a call, then ':' would define a note


def _link(words: str, url: str) -> str:
    url = re.sub(r"[\s()<>]", lambda m: f"%{ord(m[0]):02X}", url.strip())
    return f"[{escape_inline(words) or escape_inline(url)}]({url})"


def _emphasis(atoms: list[Item]) -> list[set[str]]:
    """Each atom's emphasis, every italic or bold span shrunk so that its delimiters work:
    spaces at its ends move outside it (``* x *`` is no emphasis), and so does punctuation
    that touches a letter outside it (``a*"b"*c`` is none either). Adjacent spans of the same
    kind are one span (``*a**b*`` would be read as bold)."""
    formats = [set() for _ in atoms]
    for name in ("strong", "em"):
        start = 0
        for emphasised, run in groupby(atoms, key=lambda atom: name in atom.formats):
            end = start + len(list(run))
            if emphasised:
                for k in range(*_shrink(atoms, start, end)):
                    formats[k].add(name)
            start = end
    return formats


def _shrink(atoms: list[Item], start: int, end: int) -> tuple[int, int]:
    """The span ``start:end`` without the spaces and punctuation its delimiters cannot take."""
    changed = True
    while changed and start < end:
        changed = False
        while start < end and _is_space(atoms[start]):
            start += 1
        while end > start and _is_space(atoms[end - 1]):
            end -= 1
        if start < end and start and _is_punct(atoms[start]) and _is_word(atoms[start - 1]):
            start, changed = start + 1, True
        if start < end and end < len(atoms) and _is_punct(atoms[end - 1]) \
                and _is_word(atoms[end]):
            end, changed = end - 1, True
    return start, end


def _run_end(formats: list[set[str]], name: str, i: int) -> int:
    while i < len(formats) and name in formats[i]:
        i += 1
    return i


def _expected(atoms: list[Item]) -> str:
    """The text a line should show."""
    return "".join(value if kind == "c" else f"[^{value}]" if kind == "n"
                   else (value[0] or value[1].strip()) for kind, value, _ in atoms)


def _shown(markdown: str) -> str:
    """The text a line of Markdown shows: what _line's output is checked by."""
    tokens = _CHECKER.parseInline(markdown)[0].children or []
    return "".join(t.content for t in tokens if t.type in ("text", "text_special",
                                                           "code_inline"))
