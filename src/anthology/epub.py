"""BookView -> EPUB 3 with EbookLib: one XHTML document per section, nav + NCX, landmarks,
a page-list from the print edition, accessibility metadata and the book face (subset).

EbookLib stamps zip entries with the current time; ``_repack`` rewrites the container with
fixed timestamps so the same inputs give the same bytes.
"""

from __future__ import annotations

import bisect
import datetime as dt
import html
import io
import logging
import posixpath
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from ebooklib import epub
from lxml import etree

from . import fonts
from .paged.cache import Cache
from .manifest import read_inside
from .model import book_images, same_name
from .people import RELATORS, default_sort_as
from .outline import FRONT_MATTER, TITLES, Entry, epub_document
from .render import BookView, epub_documents
from .styling import resolved
from .text import plain_title
from .theme import Theme

IMAGE_MEDIA = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif"}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
# Documents given a landmark (besides the toc and the body matter): id -> landmark type.
LANDMARKS = {"dedication": "dedication", "afterword": "afterword",
             "acknowledgements": "acknowledgments"}


class _Writer(epub.EpubWriter):
    """EbookLib's writer, plus the package's xml:lang and a page-list in the nav."""

    page_list: list[tuple[str, str]] = []  # (page label, href)

    def _write_opf_metadata(self, root):
        root.set(XML_LANG, self.book.language)
        super()._write_opf_metadata(root)

    def _get_nav(self, item):
        nav = super()._get_nav(item)
        if not self.page_list:
            return nav
        tree = etree.fromstring(nav)
        body = tree.find("{*}body")
        pages = etree.SubElement(body, "nav", {EPUB_TYPE: "page-list", "id": "page-list",
                                               "hidden": "hidden", "aria-label": "Page list"})
        etree.SubElement(pages, "h2").text = "Pages"
        ol = etree.SubElement(pages, "ol")
        for label, href in self.page_list:
            etree.SubElement(etree.SubElement(ol, "li"), "a", {"href": href}).text = label
        return etree.tostring(tree, encoding="utf-8", xml_declaration=True, pretty_print=True)


def render_epub(view: BookView, theme: Theme, moment: dt.datetime, book_dir: Path,
                cover_image: bytes | Callable[[], bytes] | None = None,
                page_starts: list[tuple[str, str, str]] | None = None,
                cache: Cache | None = None, page_source: str | None = None) -> bytes:
    """The EPUB's bytes. ``page_starts`` (pdf.RenderedPdf.page_starts) come from the print
    edition's layout and become page-break markers and the nav's page-list; ``page_source``
    identifies that edition (its urn:isbn:, by default the book's own id + "#print").
    ``cover_image`` may be a function: it is called late, so a worker can draw the cover
    meanwhile."""
    book = view.book
    out = epub.EpubBook()
    if view.direction == "rtl":
        out.set_direction("rtl")
    out.set_identifier(book.uid)
    out.set_title(plain_title(book.title))
    out.set_language(book.language)
    _credit_people(out, view)
    for name, value in (("publisher", book.publisher), ("rights", book.rights),
                        ("description", book.description)):
        if value:
            out.add_metadata("DC", name, value)
    for keyword in book.keywords:
        out.add_metadata("DC", "subject", keyword)
    if book.date:
        out.add_metadata("DC", "date", book.date.isoformat())

    bodies = epub_documents(view, theme)
    page_list = []
    if page_starts:
        bodies, page_list = _mark_pages(bodies, page_starts)
        out.add_metadata(None, "meta", page_source or f"{book.uid}#print",
                         {"property": "pageBreakSource"})
    _accessibility_metadata(out, book, bool(page_list), bool(cover_image))

    css = resolved(theme.stylesheet("epub.css"))
    styles = [epub.EpubItem(uid="css", file_name="book.css", media_type="text/css",
                            content=css.encode())]
    text = "".join(body for _, body in bodies) + book.title + "".join(book.editors)
    styles[:0] = _embed_fonts(out, css, html.unescape(re.sub(r"<[^>]+>", "", text)),
                              bool(re.search(r"<(strong|b)\b", text)), cache)
    for item in styles:
        out.add_item(item)
    images = book_images(book)
    for n, path in enumerate(images, start=1):
        out.add_item(epub.EpubImage(uid=f"image-{n}", file_name=path,
                                    media_type=IMAGE_MEDIA[posixpath.splitext(path)[1].lower()],
                                    content=read_inside(book_dir, path)))

    documents = []
    if cover_image:
        out.set_cover("cover.jpg", cover_image() if callable(cover_image) else cover_image,
                      create_page=False)
        alt = html.escape(f"Cover of {plain_title(book.title)}"
                          + (f": {plain_title(book.subtitle)}" if book.subtitle else "")
                          + (f", edited by {' and '.join(book.editors)}" if book.editors else ""))
        documents.append(epub.EpubHtml(
            uid="cover", file_name=epub_document("cover"), title=TITLES["cover"],
            lang=book.language,
            content=f'<section epub:type="cover" class="cover" aria-label="{TITLES["cover"]}">'
                    f'<img src="cover.jpg" alt="{alt}" /></section>'))
    for section, body in bodies:
        documents.append(epub.EpubHtml(uid=section.id, file_name=epub_document(section.id),
                                       title=section.title, lang=section.language, content=body))
    nav = epub.EpubNav(uid="nav", file_name=epub_document("nav"), title=TITLES["contents"])
    for doc in documents + [nav]:
        for item in styles:
            doc.add_item(item)
        out.add_item(doc)
    out.add_item(epub.EpubNcx())
    outline = view.outline(paged=False)
    out.toc = _toc(outline)
    cover_guide = [{"type": "cover", "href": epub_document("cover"), "title": TITLES["cover"]}]
    out.guide = (cover_guide if cover_image else []) + [
        {"type": "toc", "href": nav.file_name, "title": nav.title},
        {"type": "bodymatter", "href": _first_body(outline), "title": "Start of content"}] + [
        {"type": LANDMARKS[doc.id], "href": doc.file_name, "title": doc.title}
        for doc in documents if doc.id in LANDMARKS]
    spine = list(documents)
    # where the printed book has its contents: after the front matter that comes before it
    before = FRONT_MATTER[:FRONT_MATTER.index("contents")]
    spine.insert(max(i for i, doc in enumerate(documents) if doc.id in before) + 1, nav)
    out.spine = spine

    buffer = io.BytesIO()
    writer = _Writer(buffer, out, {"mtime": moment, "epub2_guide": True, "epub3_landmark": True,
                                   "epub3_pages": False, "landmark_title": "Landmarks"})
    writer.page_list = page_list
    writer.process()
    writer.write()
    return _repack(buffer.getvalue(), moment)


def _credit_people(out, view: BookView) -> None:
    """The book's editors as its creators (with no editors, its pieces' authors), and
    everyone else its pieces credit as contributors; each once, with a MARC relator ``role``
    per role they have and the name they sort under (``file-as``)."""
    book = view.book
    entries = {same_name(entry.person.name): entry for entry in view.contributors}
    editors = [same_name(name) for name in book.editors]
    for n, name in enumerate(editors):
        entry = entries.get(name)
        roles = ["editor"] + [role for role, _ in entry.by_role if role != "editor"] \
            if entry else ["editor"]
        _credit(out, "creator", f"editor-{n}", book.editors[n],
                entry.person.sort_as if entry else default_sort_as(name), roles)
    for entry in view.contributors:
        roles = [role for role, _ in entry.by_role]
        if roles and same_name(entry.person.name) not in editors:
            creator = not book.editors and "author" in roles
            _credit(out, "creator" if creator else "contributor",
                    f"contributor-{entry.number}", entry.person.name, entry.person.sort_as,
                    roles)


def _credit(out, element: str, uid: str, name: str, file_as: str, roles: list[str]) -> None:
    out.add_metadata("DC", element, name, {"id": uid})
    out.add_metadata(None, "meta", file_as, {"refines": f"#{uid}", "property": "file-as"})
    for role in roles:
        out.add_metadata(None, "meta", RELATORS[role],
                         {"refines": f"#{uid}", "property": "role", "scheme": "marc:relators"})


def _mark_pages(bodies, page_starts):
    """Insert a page-break marker where each printed page begins: at the element that opens
    it, or, for a page that begins inside a paragraph, a quotation or a list, before the word
    it begins with. Return the new bodies and the page-list entries (label, href) in reading
    order."""
    bodies = list(bodies)
    where = {}
    for index, (_, body) in enumerate(bodies):
        for anchor in re.findall(r'\sid="([^"]+)"', body):
            where.setdefault(anchor, index)
    page_list = []  # (body index, label, href)
    done: dict[int, int] = {}  # body -> where its last marker ends (pages run forward)
    for label, anchor, words in page_starts:
        index = where.get(anchor)
        if index is None:
            continue  # a page of the print edition only (half-title, contents)
        section, body = bodies[index]
        marker = (f'<span epub:type="pagebreak" role="doc-pagebreak" id="page-{label}" '
                  f'aria-label="{label}"></span>')
        start, end, name = _tag(body, anchor)
        if words:
            at = _word_at(body, max(end, done.get(index, 0)), words)
            if at is None:
                continue
        else:
            # inside a section or a list's entry (a list holds only entries), else before
            at = end if name in ("section", "li") else start
        bodies[index] = (section, body[:at] + marker + body[at:])
        done[index] = at + len(marker)
        page_list.append((index, label, f"{epub_document(section.id)}#page-{label}"))
    page_list.sort(key=lambda entry: entry[0])
    return bodies, [(label, href) for _, label, href in page_list]


def _tag(body: str, anchor: str) -> tuple[int, int, str]:
    """Where the start tag with ``id="anchor"`` begins and ends in ``body``, and its name (a
    search for the attribute, not a pattern compiled for each of a thousand anchors)."""
    needle = f'id="{anchor}"'
    attribute = body.index(needle)
    while not body[attribute - 1].isspace():  # an attribute of its own, not data-id="..."
        attribute = body.index(needle, attribute + 1)
    start = body.rindex("<", 0, attribute)
    return start, body.index(">", attribute) + 1, _NAME.match(body, start + 1)[0]


_NAME = re.compile(r"\w+")
_MARKUP = re.compile(r"<[^>]*>|&[#\w]+;")
_PAGE_SPAN = 50_000  # characters of markup and text a page's first words are looked for in


def _word_at(body: str, start: int, words: str) -> int | None:
    """Where in ``body``, from ``start``, the word that ``words`` begin in starts (markup
    skipped), or None."""
    pieces: list[str] = []
    segments: list[tuple[int, int, bool]] = []  # (start in the text, in the body, an entity)
    length, position, end = 0, start, min(len(body), start + _PAGE_SPAN)
    for match in [*_MARKUP.finditer(body, start, end), None]:
        stop = match.start() if match else end
        if stop > position:
            pieces.append(body[position:stop])
            segments.append((length, position, False))
            length += stop - position
        if match is None:
            break
        if match.group().startswith("&"):
            pieces.append(html.unescape(match.group()))
            segments.append((length, match.start(), True))
            length += len(pieces[-1])
        position = match.end()
    text = "".join(pieces)
    found = re.search(r"\s+".join(map(re.escape, words.split())), text)
    if found is None:
        return None
    k = found.start()
    while k > 0 and not text[k - 1].isspace():
        k -= 1  # the page may begin with the end of a word broken across pages
    at, where, entity = segments[bisect.bisect_right(segments, (k, float("inf"))) - 1]
    return where if entity else where + k - at


def _accessibility_metadata(out, book, has_pages: bool, has_cover: bool) -> None:
    """EPUB Accessibility 1.1 metadata, true of what this writer produces."""
    features = ["structuralNavigation", "tableOfContents", "readingOrder"]
    if has_pages:
        features.append("pageNavigation")
    if has_cover:
        features.append("alternativeText")
    modes = ["textual"] + (["visual"] if has_cover else [])
    aids = ["headings for every section and story", "a table of contents", "landmarks"]
    if has_pages:
        aids.append("a page list matching the print edition")
    summary = ("All of this publication's content is text, in reading order, with "
               + ", ".join(aids[:-1]) + " and " + aids[-1] + "."
               + (" The cover image has a text description." if has_cover else "")
               + " It meets WCAG 2.1 Level AA.")
    entries = [("schema:accessMode", m) for m in modes] + [
        ("schema:accessModeSufficient", "textual")] + [
        ("schema:accessibilityFeature", f) for f in features] + [
        ("schema:accessibilityHazard", "none"),
        ("schema:accessibilitySummary", summary),
        ("dcterms:conformsTo", "EPUB Accessibility 1.1 - WCAG 2.1 Level AA")]
    for prop, value in entries:
        out.add_metadata(None, "meta", value, {"property": prop})


def _embed_fonts(out, css: str, text: str, bold: bool, cache: Cache | None = None) -> list:
    """Subsets of the faces the theme's stylesheet names, each holding just the characters
    used (the OFL allows it) that no family before it in a font-family list draws, and a
    stylesheet declaring them under their own names; nothing for a face that is not
    installed. Bold faces only if the text has bold."""
    needed = set(text + "0123456789")
    wanted: dict[tuple[str, fonts.Face], set[str]] = {}  # (family, face) -> its characters
    for stack in fonts.named_stacks(css):
        drawn: dict[tuple[str, str], set[str]] = {}  # (style, weight) -> drawn before
        for family in stack:
            for face in fonts.family_faces(family):
                if face.weight == "bold" and not bold:
                    continue
                done = drawn.setdefault((face.style, face.weight), set())
                characters = {c for c in needed - done if ord(c) in fonts.drawn(face.path)}
                done.update(characters)
                wanted.setdefault((family, face), set()).update(characters)
    faces, rules = [], []
    for (family, face), characters in wanted.items():
        characters = "".join(sorted(characters))
        if characters.strip():
            stat = Path(face.path).stat()
            data = (cache or Cache.nowhere()).get_or_make(
                Cache.key("woff2 subset", 3, face.path, stat.st_size, stat.st_mtime_ns,
                          characters),
                lambda face=face, characters=characters: _subset_woff2(face.path, characters))
            name = (re.sub(r"[^A-Za-z0-9]+", "", family) or f"face{len(faces)}") + \
                f"-{face.style}-{face.weight}"
            faces.append(epub.EpubItem(uid=f"font-{name}", file_name=f"fonts/{name}.woff2",
                                       media_type="font/woff2", content=data))
            rules.append(face.rule(family, f'url("fonts/{name}.woff2") format("woff2")'))
    if not faces:
        return []
    css = epub.EpubItem(uid="fonts-css", file_name="fonts.css", media_type="text/css",
                        content="\n".join(rules).encode() + b"\n")
    for face in faces:
        out.add_item(face)
    return [css]


def _subset_woff2(path: str, characters: str) -> bytes:
    from fontTools import subset

    logging.getLogger("fontTools").setLevel(logging.ERROR)
    options = subset.Options()
    options.layout_features = ["kern", "liga", "smcp", "c2sc", "onum", "pnum", "lnum"]
    options.flavor = "woff2"
    options.name_IDs = ["*"]
    font = subset.load_font(path, options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters)
    subsetter.subset(font)
    data = io.BytesIO()
    subset.save_font(font, data, options)
    return data.getvalue()


def _first_body(outline: list[Entry]) -> str:
    return epub_document(next(e.anchor for e in outline if e.kind in ("part", "story")))


def _toc(outline: list[Entry]) -> list:
    """EbookLib's table of contents (its nav and NCX): links, and (section, links) for a
    titled part."""
    def link(entry: Entry):
        if entry.children:
            return epub.Section(entry.title, epub_document(entry.anchor)), \
                [link(child) for child in entry.children]
        return epub.Link(epub_document(entry.anchor), entry.title, entry.anchor)

    return [link(entry) for entry in outline]


def _repack(data: bytes, moment: dt.datetime) -> bytes:
    """The same zip with every entry dated ``moment`` and the mimetype first and stored."""
    stamp = max(moment, dt.datetime(1980, 1, 1)).timetuple()[:6]
    source = zipfile.ZipFile(io.BytesIO(data))
    names = sorted(source.namelist(),
                   key=lambda n: (n != "mimetype", n != "META-INF/container.xml", n))
    result = io.BytesIO()
    with zipfile.ZipFile(result, "w") as target:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(name), compresslevel=9)
    return result.getvalue()
