"""Reading a .docx safely, up to mammoth's HTML.

Everything read is untrusted: the zip's declared sizes are checked before any part is read
(and zipfile never inflates a member past its declared size), XML is parsed without entities,
DTD or network, and any failure is one InputError naming the file.
"""

from __future__ import annotations

import io
import logging
import re
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ..errors import InputError

log = logging.getLogger(__name__)

MAX_UNPACKED = 200 * 1024 * 1024  # bytes, all parts together: a novel with photos is ~20 MB
MAX_PARTS = 10_000                # a story's .docx has ~15 parts, ~100 with many images

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
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class Converted:
    """A document as mammoth's HTML, the title and author of its core properties (each when
    set) and the text that stands in the HTML where a section ended."""

    html: str
    properties: dict[str, str]
    section_break: str


def convert(path: Path) -> Converted:
    """The .docx at ``path`` as HTML, or InputError saying why it cannot be read."""
    try:
        import mammoth
    except ImportError:
        raise InputError(f"{path}: reading Word files needs mammoth: "
                         "pip install 'anthology[word]'") from None
    package = _open_package(path)
    try:
        with package:
            names = set(package.namelist())
            main = _main_part(package, names)
            properties = _core_properties(package, names)
            marker = f"\ue000anthology-section-{secrets.token_hex(8)}\ue000"
            data = _mark_section_breaks(package, main, marker)
        result = mammoth.convert_to_html(
            io.BytesIO(data), style_map=_STYLE_MAP, include_embedded_style_map=False,
            convert_image=mammoth.images.img_element(_image_attributes))
    except InputError as error:
        raise InputError(f"{path}: {error}") from None
    except (RecursionError, MemoryError):
        raise InputError(f"{path}: the document is nested too deeply or too big to read") \
            from None
    except Exception as error:  # noqa: BLE001 - a bad CRC, bad XML, anything mammoth meets in
        # a malformed file (it raises ValueError, KeyError, AttributeError...): the file's fault
        raise InputError(f"{path}: not a readable Word document ({_brief(error)})") from None
    for message in result.messages:  # unrecognised styles and the like: not errors
        log.debug("%s: mammoth: %s", path.name, message.message)
    return Converted(result.value, properties, marker)


def _brief(error: BaseException) -> str:
    """The error's type and the first line of its message, cut to fit one line."""
    lines = str(error).strip().splitlines()
    if not lines:
        return type(error).__name__
    text = lines[0] if len(lines[0]) <= 120 else lines[0][:117] + "..."
    return f"{type(error).__name__}: {text}"


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
        value = " ".join(CONTROL.sub("", root.findtext(f"{{{_DC}}}{tag}") or "").split())
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
    root = _xml(package.read(main))
    ends = root.findall(f".//{{{W}}}p/{{{W}}}pPr/{{{W}}}sectPr/../..")
    for paragraph in ends:
        mark = etree.Element(f"{{{W}}}p")
        etree.SubElement(etree.SubElement(mark, f"{{{W}}}r"), f"{{{W}}}t").text = marker
        mark.tail, paragraph.tail = paragraph.tail, None
        paragraph.addnext(mark)
    replaced = {main: etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                     standalone=True)} if ends else {}
    out = io.BytesIO()  # the package again: every part read once (a bad CRC or size fails here)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as copy:  # stored: read once, soon
        for info in package.infolist():
            copy.writestr(info.filename, replaced.get(info.filename) or package.read(info))
    return out.getvalue()


def _image_attributes(image) -> dict[str, str]:
    """An image is left out: its bytes are never read, only its description kept."""
    return {"alt": image.alt_text} if image.alt_text else {}
