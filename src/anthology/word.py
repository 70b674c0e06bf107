"""Word submissions (.docx) -> Markdown story files with YAML front matter; a folder of them ->
a book folder (``book.yaml`` and ``stories/``).

mammoth reads the document (styles, runs, notes, lists) and gives clean HTML; this module turns
the few elements mammoth emits into Markdown: paragraphs, ``<em>``, ``<strong>``, ``<br />``,
links, lists, the footnote and endnote calls and the list of their notes. What mammoth leaves out
never reaches the story: images (left out here, with a warning), comments (mammoth leaves them out
unless asked), tracked changes (mammoth reads the document as if they were accepted:
insertions kept, deletions dropped), underline, small caps, fonts, colours, alignment, indents
and page breaks. Tables come out of mammoth as tables; here their cells become paragraphs (with
a warning). Section breaks mammoth drops: they are read from ``word/document.xml`` here (see
_mark_section_breaks).

Everything read is untrusted: the zip's declared sizes are checked before any part is read (and
zipfile never inflates a member past its declared size), XML is parsed without entities or
network, and any failure is one InputError naming the file. The library never prints: warnings
are returned with the story.
"""

from __future__ import annotations

import io
import logging
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from lxml import etree

from .errors import InputError, WriteError
from .files import atomic_write
from .importer import escape_inline, escape_line_starts
from .text import is_allowed_link

log = logging.getLogger(__name__)

MAX_UNPACKED = 200 * 1024 * 1024  # bytes, all parts together: a novel with photos is ~20 MB
MAX_PARTS = 10_000                # a story's .docx has ~15 parts, ~100 with many images
INSTALL_HINT = "pip install 'anthology[word]'"

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_DC = "http://purl.org/dc/elements/1.1/"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE_DOCUMENT = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
                    "officeDocument")

# Word's own styles for a title and a byline; Heading 1-6 are in mammoth's default map.
_STYLE_MAP = """
p[style-name='Title'] => h1:fresh
p[style-name='Subtitle'] => p.byline:fresh
p[style-name='Author'] => p.byline:fresh
p[style-name='Byline'] => p.byline:fresh
"""
# Names that programs put in core properties by themselves: not the submission's title or author.
_PLACEHOLDER_AUTHORS = {"python-docx", "microsoft office user", "microsoft office", "user",
                        "author", "unknown", "owner", "windows user", "admin", "administrator"}
_PLACEHOLDER_TITLES = {"untitled", "document", "word document", "title", "microsoft word document"}

_BYLINE = re.compile(r"^by\s+(\S.*)$", re.I | re.S)
# A paragraph of only these (spaces aside) is a scene break: * * *, ***, #, ~, ⁂, ❦, - - -, ...
_ORNAMENT = re.compile(r"^[*#~⁂⁎∗✱✲✳✻✼✽❦❧☙✦✧◆◇❖•·§※\-–—=_+]{1,40}$")
_NOTE_CALL = re.compile(r"^#((?:footnote|endnote)-\d+)$")
_NOTE_BACK = re.compile(r"^#(?:footnote|endnote)-ref-\d+$")
_NOTE_ID = re.compile(r"^(?:footnote|endnote)-\d+$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACE_LIKE = re.compile(r"[\r\n\u2028\u2029]")
_CONTAINERS = {"table", "thead", "tbody", "tfoot", "tr", "td", "th", "div", "blockquote",
               "section", "body"}
_MAX_LINES_BEFORE_TITLE = 8
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_DELIMITER = {"em": "*", "strong": "**"}
BREAK = "* * *"


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
        return story_file(self.matter, self.body)


def story_file(matter: dict[str, str], body: str) -> str:
    if not matter:
        return body
    front = yaml.safe_dump(matter, sort_keys=False, allow_unicode=True, width=10_000)
    return f"---\n{front}---\n\n{body}"


def slug(title: str) -> str:
    """An ASCII file name stem: lowercase words joined by hyphens ("" if none)."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60].strip("-")


def free_path(folder: Path, stem: str, taken: set[str] = frozenset()) -> Path:
    """``folder/stem.md``, or ``stem-2.md``, ``stem-3.md``... if the name exists or is taken."""
    number = 1
    while True:
        name = f"{stem}.md" if number == 1 else f"{stem}-{number}.md"
        if name not in taken and not (folder / name).exists():
            return folder / name
        number += 1


# --- reading the .docx ---------------------------------------------------------------------

def read_docx(path: Path) -> WordStory:
    """The story in a .docx file, or InputError saying why it cannot be read."""
    try:
        import mammoth
    except ImportError:
        raise InputError(f"{path}: reading Word files needs mammoth: {INSTALL_HINT}") from None
    package = _open_package(path)
    try:
        with package:
            names = set(package.namelist())
            main = _main_part(package, names)
            core = _core_properties(package, names)
            marker = f"\ue000anthology-section-{secrets.token_hex(8)}\ue000"
            data = _mark_section_breaks(package, main, marker)
        result = mammoth.convert_to_html(
            io.BytesIO(data), style_map=_STYLE_MAP, include_embedded_style_map=False,
            convert_image=mammoth.images.img_element(_image_attributes))
        for message in result.messages:  # unrecognised styles and the like: not errors
            log.debug("%s: mammoth: %s", path.name, message.message)
        html = result.value
    except InputError as error:
        raise InputError(f"{path}: {error}") from None
    except (RecursionError, MemoryError):
        raise InputError(f"{path}: the document is nested too deeply or too big to read") \
            from None
    except Exception as error:  # noqa: BLE001 - a bad CRC, bad XML, anything mammoth meets in
        # a malformed file (it raises ValueError, KeyError, AttributeError...): the file's fault
        raise InputError(f"{path}: not a readable Word document ({_brief(error)})") from None
    try:
        story = _to_story(html, core, marker)
    except RecursionError:
        raise InputError(f"{path}: the document is nested too deeply to read") from None
    if not story.body.strip():
        raise InputError(f"{path}: the document has no text to import")
    return story


def _brief(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    text = text if len(text) <= 120 else text[:117] + "..."
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _open_package(path: Path) -> zipfile.ZipFile:
    """The .docx as a zip whose declared sizes are within the limits (nothing inflated yet)."""
    try:
        if path.stat().st_size > MAX_UNPACKED:
            raise InputError(f"{path}: the file is over {MAX_UNPACKED // 2**20} MB; "
                             "a story's .docx is far smaller")
        package = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    except zipfile.BadZipFile:
        raise InputError(f"{path}: not a Word .docx file (it is not a zip archive; a .doc or a "
                         "password-protected document must be saved as .docx first)") from None
    except (OSError, ValueError) as error:
        raise InputError(f"{path}: cannot read: {_brief(error)}") from None
    parts = package.infolist()
    unpacked = sum(info.file_size for info in parts)
    if len(parts) > MAX_PARTS or unpacked > MAX_UNPACKED:
        package.close()
        raise InputError(f"{path}: refused: it would unpack to {unpacked:,} bytes in "
                         f"{len(parts):,} parts (at most {MAX_UNPACKED // 2**20} MB and "
                         f"{MAX_PARTS:,} parts); a zip bomb, or not a story")
    return package


def _xml(data: bytes) -> etree._Element:
    """Parse a part of the package: no entities, no DTD, no network."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=True)  # sizes are bounded by MAX_UNPACKED
    return etree.fromstring(data, parser)


def _main_part(package: zipfile.ZipFile, names: set[str]) -> str:
    """The main document's part name (from _rels/.rels, as Word finds it)."""
    if "_rels/.rels" in names:
        for rel in _xml(package.read("_rels/.rels")).iter(f"{{{_RELS}}}Relationship"):
            if rel.get("Type") == _OFFICE_DOCUMENT:
                target = (rel.get("Target") or "").lstrip("/")
                if target in names:
                    return target
    if "word/document.xml" in names:
        return "word/document.xml"
    raise InputError("not a Word document: it has no word/document.xml")


def _core_properties(package: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    """dc:title and dc:creator of docProps/core.xml, when set to more than a placeholder."""
    if "docProps/core.xml" not in names:
        return {}
    try:
        root = _xml(package.read("docProps/core.xml"))
    except etree.XMLSyntaxError:
        return {}  # the document itself may still be fine
    found = {}
    for key, tag, placeholders in (("title", "title", _PLACEHOLDER_TITLES),
                                   ("author", "creator", _PLACEHOLDER_AUTHORS)):
        value = " ".join(_CONTROL.sub("", root.findtext(f"{{{_DC}}}{tag}") or "").split())
        if value and value.casefold() not in placeholders:
            found[key] = value
    return found


def _mark_section_breaks(package: zipfile.ZipFile, main: str, marker: str) -> bytes:
    """The package's bytes, with a paragraph holding only ``marker`` after every paragraph
    that ends a section (a ``w:sectPr`` in its ``w:pPr``; the body's last ``w:sectPr``, which
    ends the document, is not a break).

    mammoth drops section properties, and its paragraphs do not map one to one onto the XML's
    (empty ones are dropped, deleted paragraph marks merge two, tables and notes interleave),
    so counting paragraphs would misplace a break. A marker paragraph travels through mammoth
    as text, exactly where the break is, whatever the styles around it; its random token
    cannot occur in a document's own text."""
    document = package.read(main)
    root = _xml(document)
    ends = root.findall(f".//{{{W}}}p/{{{W}}}pPr/{{{W}}}sectPr/../..")
    if not ends:
        return _package_bytes(package, {})
    for paragraph in ends:
        mark = etree.Element(f"{{{W}}}p")
        etree.SubElement(etree.SubElement(mark, f"{{{W}}}r"), f"{{{W}}}t").text = marker
        mark.tail, paragraph.tail = paragraph.tail, None
        paragraph.addnext(mark)
    return _package_bytes(package, {main: etree.tostring(root, xml_declaration=True,
                                                         encoding="UTF-8", standalone=True)})


def _package_bytes(package: zipfile.ZipFile, replaced: dict[str, bytes]) -> bytes:
    """The package again (every part read once: a bad CRC or size fails here), with
    ``replaced`` parts."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as copy:  # stored: read once, soon
        for info in package.infolist():
            data = replaced[info.filename] if info.filename in replaced else package.read(info)
            copy.writestr(info.filename, data)
    return out.getvalue()


def _image_attributes(image) -> dict[str, str]:
    """An image is left out: its bytes are never read, only its description kept."""
    return {"alt": image.alt_text} if image.alt_text else {}


# --- mammoth's HTML -> blocks ----------------------------------------------------------------

@dataclass
class _Block:
    kind: str                 # "para", "heading", "list" or "break"
    items: list = field(default_factory=list)   # inline items (para, heading)
    byline: bool = False      # styled Subtitle/Author/Byline
    element: object = None    # the <ul>/<ol> of a list


@dataclass
class _Found:
    blocks: list[_Block] = field(default_factory=list)
    notes: dict[str, list[_Block]] = field(default_factory=dict)
    images: list[str] = field(default_factory=list)
    tables: int = 0


def _walk(element, found: _Found, marker: str) -> None:
    """Collect the blocks under ``element`` (the body, a table, a note) in order."""
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "p" or tag in _HEADINGS:
            items = _inline_items(child, found)
            if any(kind == "t" and marker in value for kind, value, _ in items):
                items = [(k, v.replace(marker, "") if k == "t" else v, f) for k, v, f in items]
                found.blocks.append(_Block("para" if tag == "p" else "heading", items))
                found.blocks.append(_Block("break"))
                continue
            found.blocks.append(_Block("para" if tag == "p" else "heading", items,
                                       byline="byline" in (child.get("class") or "").split()))
        elif tag == "ol" and len(child) and all(_NOTE_ID.match(li.get("id") or "")
                                                 for li in child):
            for li in child:  # mammoth's list of footnotes or endnotes
                note = _Found()
                _walk(li, note, marker)
                found.notes[li.get("id")] = note.blocks
                found.images += note.images
        elif tag in ("ul", "ol"):
            found.blocks.append(_Block("list", element=child))
        elif tag in _CONTAINERS:
            found.tables += tag == "table"
            _walk(child, found, marker)
        elif tag:  # an inline element alone at block level
            found.blocks.append(_Block("para", _inline_items(child, found, whole=True)))


def _inline_items(element, found: _Found, whole: bool = False) -> list[tuple]:
    """The inline content of ``element`` as items ``(kind, value, formats)``: text ("t", str),
    a line break ("br"), a note call ("n", mammoth's note id), a link ("l", (text, url))."""
    items: list[tuple] = []

    def visit(node, formats: frozenset) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in ("em", "i"):
            formats |= {"em"}
        elif tag in ("strong", "b"):
            formats |= {"strong"}
        elif tag == "br":
            items.append(("br", None, formats))
            return
        elif tag == "img":
            found.images.append(node.get("alt") or "")
            return
        elif tag == "a":
            href = node.get("href") or ""
            if call := _NOTE_CALL.match(href):
                items.append(("n", call[1], formats))
                return
            if _NOTE_BACK.match(href):
                return  # a note's link back to its call
            if href and is_allowed_link(href):
                items.append(("l", (_clean("".join(node.itertext())), href), formats))
                return
        children(node, formats)

    def children(node, formats: frozenset) -> None:
        if node.text:
            items.append(("t", _clean(node.text), formats))
        for child in node:
            if isinstance(child.tag, str):
                visit(child, formats)
            if child.tail:
                items.append(("t", _clean(child.tail), formats))

    if whole:
        visit(element, frozenset())
    else:
        children(element, frozenset())
    return items


def _clean(text: str) -> str:
    return _SPACE_LIKE.sub(" ", _CONTROL.sub("", text))


def _plain(items: list[tuple]) -> str:
    """The words of a paragraph, whitespace collapsed (for titles, bylines, ornaments)."""
    words = "".join(value if kind == "t" else value[0] if kind == "l" else " " if kind == "br"
                    else "" for kind, value, _ in items)
    return " ".join(words.split())


# --- blocks -> the story ----------------------------------------------------------------------

def _to_story(html: str, core: dict[str, str], marker: str) -> WordStory:
    parser = etree.HTMLParser(huge_tree=True, no_network=True, remove_comments=True)
    root = etree.fromstring(f"<html><body>{html}</body></html>", parser)
    found = _Found()
    body = root.find("body") if root is not None else None
    if body is not None:
        _walk(body, found, marker)
    blocks = [b for b in found.blocks if b.kind != "para" or _plain(b.items)
              or any(k == "n" for k, _, _ in b.items)]
    matter, warnings = _front_matter(blocks, core)
    notes = _Notes(found.notes)
    chunks, headings, simplified = _body_chunks(blocks, notes)
    notes_md = notes.markdown()
    body = "\n\n".join(chunks + notes_md) + "\n" if chunks else ""
    if "author" not in matter:
        warnings.append("no author found (in the document's properties or a 'by Name' line "
                        "under the title): add 'author:' to the story's front matter or to "
                        "its entry in the manifest")
    if "title" not in matter:
        warnings.append("no title found (in the document's properties or a Title or Heading "
                        "styled first heading)")
    if headings:
        warnings.append(f"{headings} heading(s) inside the text became bold paragraphs")
    if simplified:
        warnings.append(f"{simplified} line(s) lost their bold (or italics too): Markdown "
                        "could not express the overlapping spans")
    if found.images:
        described = [a for a in found.images if a]
        warnings.append(f"{len(found.images)} image(s) left out"
                        + (f" (described as: {'; '.join(described)[:200]})" if described else ""))
    if found.tables:
        warnings.append(f"{found.tables} table(s): their cells became paragraphs")
    if notes.uncalled:
        warnings.append(f"{notes.uncalled} note(s) left out: their calls were in the title or "
                        "byline, or nowhere")
    return WordStory(matter, body, warnings)


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _front_matter(blocks: list[_Block], core: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Title and author (core properties first, else the first heading and the byline under
    it); the heading and byline used are removed from ``blocks``."""
    matter, warnings = dict(core), []
    first = next((i for i, b in enumerate(blocks) if b.kind == "heading"), None)
    # Only a heading near the top is the title: a manuscript may open with a few short lines
    # (the author's address, a word count), never with the story's paragraphs.
    if first is None or first > _MAX_LINES_BEFORE_TITLE or any(
            b.kind not in ("para", "break") or len(_plain(b.items)) > 150
            for b in blocks[:first]):
        return matter, warnings
    heading = _plain(blocks[first].items)
    if "title" in core and not _same(core["title"], heading):
        return matter, warnings  # a heading of the text, not its title
    matter.setdefault("title", heading)
    remove = [first]
    following = blocks[first + 1] if first + 1 < len(blocks) else None
    if following is not None and following.kind == "para":
        text = _plain(following.items)
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


class _Notes:
    """Markdown labels for mammoth's note ids, numbered in the order of their calls."""

    def __init__(self, notes: dict[str, list[_Block]]):
        self.notes, self.labels = notes, {}

    def label(self, note_id: str) -> str | None:
        if note_id not in self.notes:
            return None
        return self.labels.setdefault(note_id, str(len(self.labels) + 1))

    @property
    def uncalled(self) -> int:
        return len(set(self.notes) - set(self.labels))

    def markdown(self) -> list[str]:
        out = []
        for note_id, label in self.labels.items():
            chunks, _, _ = _body_chunks(self.notes[note_id], self, in_note=True)
            chunks = [c for c in chunks if c != BREAK] or [""]
            lines = [f"[^{label}]: {chunks[0]}".rstrip()]
            for chunk in chunks[1:]:
                lines.append("")
                lines += [("    " + line) if line else "" for line in chunk.split("\n")]
            out.append("\n".join(line.replace("\n", "\n    ") for line in lines))
        return out


def _body_chunks(blocks: list[_Block], notes: _Notes,
                 in_note: bool = False) -> tuple[list[str], int, int]:
    """Markdown blocks (paragraphs, lists, breaks), the number of headings turned into bold
    paragraphs and of lines whose emphasis was dropped."""
    chunks: list[str] = []
    headings = simplified = 0
    for block in blocks:
        if block.kind == "break" or (block.kind == "para" and _is_ornament(block.items)):
            if chunks and chunks[-1] != BREAK:
                chunks.append(BREAK)
            continue
        if block.kind == "list":
            lines, lost = _list_lines(block.element, notes)
            simplified += lost
            if lines:
                chunks.append("\n".join(lines))
            continue
        items = block.items
        if block.kind == "heading":
            headings += 1
            items = [(k, v, f | {"strong"}) for k, v, f in items]
        lines, lost = _lines(items, notes)
        simplified += lost
        if lines:
            chunks.append("\n".join(lines))
    while chunks and chunks[-1] == BREAK:
        chunks.pop()
    return chunks, headings, simplified


def _is_ornament(items: list[tuple]) -> bool:
    if any(kind in ("n", "l") for kind, _, _ in items):
        return False
    return bool(_ORNAMENT.match("".join(_plain(items).split())))


def _list_lines(element, notes: _Notes, indent: str = "") -> tuple[list[str], int]:
    """A Word list as Markdown list lines (nested lists indented under their item)."""
    lines, simplified = [], 0
    items = [li for li in element if li.tag == "li"]
    for number, li in enumerate(items, start=1):
        marker = f"{number}. " if element.tag == "ol" else "- "
        inner = indent + " " * len(marker)
        nested = [c for c in li if c.tag in ("ul", "ol")]
        for c in nested:
            li.remove(c)  # (the tree is ours, parsed for this story alone)
        text, lost = _lines(_inline_items(li, _Found()), notes)
        simplified += lost
        text = [t for t in text if t]  # a blank line would end the list
        lines.append((indent + marker + (text[0] if text else "")).rstrip())
        lines += [inner + t for t in text[1:]]
        for c in nested:
            more, lost = _list_lines(c, notes, inner)
            lines += more
            simplified += lost
    return lines, simplified


def _lines(items: list[tuple], notes: _Notes) -> tuple[list[str], int]:
    """A paragraph's Markdown lines (a soft return starts a line; two make an empty line) and
    how many lines had to drop their emphasis."""
    lines: list[list[tuple]] = [[]]
    for kind, value, formats in items:
        if kind == "br":
            lines.append([])
        elif kind == "t":
            lines[-1] += [("c", ch, formats) for ch in value]
        elif kind == "n":
            label = notes.label(value)
            if label:
                lines[-1].append(("n", label, frozenset()))
        else:
            lines[-1].append((kind, value, formats))
    out, simplified = [], 0
    for atoms in lines:
        while atoms and _is_space(atoms[0]):
            atoms = atoms[1:]
        while atoms and _is_space(atoms[-1]):
            atoms = atoms[:-1]
        if not atoms:
            if out and out[-1]:
                out.append("")
            continue
        markdown = _line(atoms)
        if _shown(markdown) != _expected(atoms):  # overlapping spans: keep the italics, else none
            simplified += 1
            markdown = _line([(k, v, f & {"em"}) for k, v, f in atoms])
            if _shown(markdown) != _expected(atoms):
                markdown = _line([(k, v, frozenset()) for k, v, _ in atoms])
        out.append(markdown)
    while out and not out[-1]:
        out.pop()
    return out, simplified


def _is_space(atom) -> bool:
    return atom[0] == "c" and atom[1].isspace()


def _is_punct(atom) -> bool:
    """Punctuation as CommonMark's flanking rules see it (a call or link starts with [)."""
    return atom[0] != "c" or unicodedata.category(atom[1])[0] in "PS"


def _is_word(atom) -> bool:
    return atom[0] == "c" and not atom[1].isspace() and not _is_punct(atom)


def _line(atoms: list[tuple]) -> str:
    """One line of Markdown. Each italic or bold span is shrunk so that its delimiters work:
    spaces at its ends move outside it (``* x *`` is no emphasis), and so does punctuation
    that touches a letter outside it (``a*"b"*c`` is none either). Adjacent spans of the same
    kind are one span (``*a**b*`` would be read as bold)."""
    n = len(atoms)
    formats = [set() for _ in atoms]
    for name in ("strong", "em"):
        i = 0
        while i < n:
            if name not in atoms[i][2]:
                i += 1
                continue
            j = i
            while j < n and name in atoms[j][2]:
                j += 1
            start, end = i, j
            changed = True
            while changed and start < end:
                changed = False
                while start < end and _is_space(atoms[start]):
                    start += 1
                while end > start and _is_space(atoms[end - 1]):
                    end -= 1
                if start < end and _is_punct(atoms[start]) and start and \
                        _is_word(atoms[start - 1]):
                    start, changed = start + 1, True
                if start < end and _is_punct(atoms[end - 1]) and end < n and \
                        _is_word(atoms[end]):
                    end, changed = end - 1, True
            for k in range(start, end):
                formats[k].add(name)
            i = j

    def run_end(name: str, i: int) -> int:
        while i < n and name in formats[i]:
            i += 1
        return i

    out: list[str] = []
    text: list[str] = []
    stack: list[str] = []

    def flush() -> None:
        if text:
            out.append(escape_inline("".join(text)))
            text.clear()

    for i, (kind, value, _) in enumerate(atoms):
        want = formats[i]
        if any(name not in want for name in stack):
            flush()
            first = min(k for k, name in enumerate(stack) if name not in want)
            out.extend(_DELIMITER[name] for name in reversed(stack[first:]))
            del stack[first:]
        opening = sorted((name for name in want if name not in stack),
                         key=lambda name: (-run_end(name, i), name))
        if opening:
            flush()
            out.extend(_DELIMITER[name] for name in opening)
            stack += opening
        if kind == "c":
            text.append(value)
            continue
        flush()
        if out and out[-1].endswith("!") and kind == "l":
            out[-1] = out[-1][:-1] + "\\!"  # ![...](...) would be an image
        if kind == "n":
            out.append(f"[^{value}]")
        else:
            words, url = value
            url = re.sub(r"[\s()<>]", lambda m: f"%{ord(m[0]):02X}", url.strip())
            out.append(f"[{escape_inline(words) or escape_inline(url)}]({url})")
    flush()
    out.extend(_DELIMITER[name] for name in reversed(stack))
    line = escape_line_starts("".join(out))
    return re.sub(r"^(\[\^\d+\]):", r"\1\\:", line)  # a call, then ':' would define a note


def _expected(atoms: list[tuple]) -> str:
    return "".join(value if kind == "c" else f"[^{value}]" if kind == "n"
                   else (value[0] or value[1].strip()) for kind, value, _ in atoms)


_CHECKER = None


def _shown(markdown: str) -> str:
    """The text a line of Markdown shows (no typographer): what _line checks its output by."""
    global _CHECKER
    if _CHECKER is None:
        from markdown_it import MarkdownIt
        _CHECKER = MarkdownIt("commonmark", {"html": False})
    tokens = _CHECKER.parseInline(markdown)[0].children or []
    return "".join(t.content for t in tokens if t.type in ("text", "text_special",
                                                           "code_inline"))


# --- writing ---------------------------------------------------------------------------------

def write(path: Path, text: str) -> Path:
    """Write ``text`` whole (atomically), or WriteError."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return atomic_write(path, text.encode("utf-8"), sync=True)
    except OSError as error:
        raise WriteError(path, error) from None


def write_story(story: WordStory, folder: Path, fallback_stem: str = "story") -> Path:
    """Write ``story`` as ``folder/<slug of its title>.md`` (a free name); returns the path."""
    stem = slug(story.matter.get("title", "")) or slug(fallback_stem) or "story"
    return write(free_path(folder, stem), story.text)


@dataclass
class FolderImport:
    manifest: Path
    stories: list[Path]
    warnings: list[str]   # each starting with the .docx file's name


def docx_files(folder: Path) -> list[Path]:
    """The .docx files of ``folder`` by name (Word's ``~$`` lock files left out)."""
    try:
        found = [p for p in folder.iterdir() if p.suffix.lower() == ".docx"
                 and not p.name.startswith("~$") and p.is_file()]
    except OSError as error:
        raise InputError(f"{folder}: cannot read the folder: {_brief(error)}") from None
    return sorted(found, key=lambda p: (p.name.casefold(), p.name))


def import_folder(source: Path, out: Path, title: str = "Imported stories") -> FolderImport:
    """Every .docx of ``source`` -> ``out/stories/<slug>.md``, and ``out/book.yaml`` listing
    them. Nothing is written unless every file reads; an existing book.yaml is never
    replaced."""
    manifest = out / "book.yaml"
    if manifest.exists():
        raise InputError(f"{manifest} exists; import into a new folder (it is never replaced)")
    files = docx_files(source)
    if not files:
        raise InputError(f"{source}: no .docx files in the folder")
    stories, failures = [], []
    for path in files:
        try:
            stories.append((path, read_docx(path)))
        except InputError as error:
            failures.append(str(error))
    if failures:
        raise InputError(f"{len(failures)} of {len(files)} files cannot be imported; nothing "
                         "was written:\n" + "\n".join(failures))
    folder = out / "stories"
    written, warnings, taken = [], [], set()
    for path, story in stories:
        stem = slug(story.matter.get("title", "")) or slug(path.stem) or "story"
        target = free_path(folder, stem, taken)
        taken.add(target.name)
        write(target, story.text)
        written.append(target)
        warnings += [f"{path.name} -> stories/{target.name}: {w}" for w in story.warnings]
    data = {"title": title, "language": "en",
            "stories": [{"file": f"stories/{p.name}"} for p in written]}
    write(manifest, yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10_000))
    return FolderImport(manifest, written, warnings)
