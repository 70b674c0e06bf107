"""A submission read whole: its title and author, its Markdown body, and what the editor should
know about what the Markdown could not keep (warnings, each a sentence)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..importer import dump_yaml
from .blocks import Block, Content, plain, read_html
from .markdown import Chunks, Notes
from .package import convert

_BYLINE = re.compile(r"^by\s+(\S.*)$", re.I | re.S)
_MAX_LINES_BEFORE_TITLE = 8


@dataclass
class WordStory:
    """One submission: its front matter (title, author: each when found), its Markdown body
    and what the editor should know (warnings, each a sentence)."""

    matter: dict[str, str]
    body: str
    warnings: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The story file: YAML front matter, then the Markdown."""
        return f"---\n{dump_yaml(self.matter)}---\n\n{self.body}" if self.matter else self.body


def read_docx(path: Path, kind: str | None = None) -> WordStory:
    """The story in a .docx file (its front matter saying ``kind``, when given: a poem's
    line breaks are verse only with ``kind: verse``), or InputError saying why it cannot be
    read."""
    converted = convert(path)
    try:
        content = read_html(converted.html, converted.section_break)
        story = _story(content, converted.properties)
    except RecursionError:
        raise InputError(f"{path}: the document is nested too deeply to read") from None
    if not story.body.strip():
        raise InputError(f"{path}: the document has no text to import")
    if kind:
        story.matter["kind"] = kind
    return story


def _story(content: Content, properties: dict[str, str]) -> WordStory:
    blocks = content.blocks
    matter, warnings = _front_matter(blocks, properties)
    notes = Notes(content.notes)
    body = Chunks(blocks, notes)
    text = "\n\n".join(body.chunks + notes.markdown()) + "\n" if body.chunks else ""
    if "author" not in matter:
        warnings.append("no author found (in the document's properties or a 'by Name' line "
                        "under the title): add 'author:' to the story's front matter or to "
                        "its entry in the manifest")
    if "title" not in matter:
        warnings.append("no title found (in the document's properties or a Title or Heading "
                        "styled first heading)")
    if body.headings:
        warnings.append(f"{body.headings} heading(s) inside the text became bold paragraphs")
    if body.simplified:
        warnings.append(f"{body.simplified} line(s) lost their bold (or italics too): Markdown "
                        "could not express the overlapping spans")
    if content.images:
        described = "; ".join(a for a in content.images if a)[:200]
        warnings.append(f"{len(content.images)} image(s) left out"
                        + (f" (described as: {described})" if described else ""))
    if content.tables:
        warnings.append(f"{content.tables} table(s): their cells became paragraphs")
    if notes.uncalled:
        warnings.append(f"{notes.uncalled} note(s) left out: their calls were in the title or "
                        "byline, or nowhere")
    return WordStory(matter, text, warnings)


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _front_matter(blocks: list[Block],
                  properties: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Title and author (core properties first, else the first heading and the byline under
    it); the heading and byline used are removed from ``blocks``."""
    matter, warnings = dict(properties), []
    first = next((i for i, b in enumerate(blocks) if b.kind == "heading"), None)
    # Only a heading near the top is the title: a manuscript may open with a few short lines
    # (the author's address, a word count), never with the story's paragraphs.
    if first is None or first > _MAX_LINES_BEFORE_TITLE or any(
            b.kind not in ("para", "break") or len(plain(b.items)) > 150
            for b in blocks[:first]):
        return matter, warnings
    heading = plain(blocks[first].items)
    if "title" in properties and not _same(properties["title"], heading):
        return matter, warnings  # a heading of the text, not its title
    matter.setdefault("title", heading)
    remove = [first]
    following = blocks[first + 1] if first + 1 < len(blocks) else None
    if following is not None and following.kind == "para":
        text = plain(following.items)
        byline = _BYLINE.match(text)
        if (byline or following.byline) and len(text) <= 200:
            name = byline[1].strip() if byline else text
            remove.append(first + 1)
            if "author" not in matter:
                matter["author"] = name
            elif not _same(matter["author"], name):
                warnings.append(f"the document's properties name the author "
                                f"{matter['author']!r}, its byline {name!r}: used the "
                                "properties' (edit 'author:' if the byline is right)")
    for index in reversed(remove):
        del blocks[index]
    if above := sum(b.kind == "para" for b in blocks[:first]):
        warnings.append(f"{above} paragraph(s) above the title were kept at the text's start "
                        "(an address? a word count?): delete them if they are not the story's")
    return {k: matter[k] for k in ("title", "author") if k in matter}, warnings
