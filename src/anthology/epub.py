"""BookView -> EPUB 3 with EbookLib: one XHTML document per section, nav + NCX, metadata.

EbookLib stamps zip entries with the current time; ``_repack`` rewrites the container with
fixed timestamps so the same inputs give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from ebooklib import epub

from .render import BookView, epub_documents
from .theme import Theme


def render_epub(view: BookView, theme: Theme, moment: dt.datetime,
                cover_image: bytes | None = None) -> bytes:
    book = view.book
    out = epub.EpubBook()
    out.set_identifier(book.uid)
    out.set_title(book.title)
    out.set_language(book.language)
    for editor in book.editors:
        out.add_author(editor, role="edt", uid=f"editor-{book.editors.index(editor)}")
    for n, person in enumerate(view.contributors):
        out.add_metadata("DC", "contributor", person.name, {"id": f"contributor-{n}"})
    for name, value in (("publisher", book.publisher), ("rights", book.rights),
                        ("description", book.description)):
        if value:
            out.add_metadata("DC", name, value)
    for keyword in book.keywords:
        out.add_metadata("DC", "subject", keyword)
    if book.date:
        out.add_metadata("DC", "date", book.date.isoformat())

    css = epub.EpubItem(uid="css", file_name="book.css", media_type="text/css",
                        content=theme.read("epub.css").encode())
    out.add_item(css)

    documents = {}
    for section, body in epub_documents(view, theme):
        doc = epub.EpubHtml(uid=section.id, file_name=f"{section.id}.xhtml", title=section.title,
                            lang=section.language, content=body)
        doc.add_item(css)
        out.add_item(doc)
        documents[section.id] = doc

    nav = epub.EpubNav(uid="nav", file_name="nav.xhtml", title="Contents")
    nav.add_item(css)
    out.add_item(nav)
    out.add_item(epub.EpubNcx())
    out.toc = _toc(view)
    out.guide = [{"type": "toc", "href": "nav.xhtml", "title": "Contents"},
                 {"type": "bodymatter", "href": _first_body(view), "title": "Start of content"}]
    spine = list(documents.values())
    spine.insert(2, nav)  # after title and copyright pages, where a printed contents would be
    if cover_image:
        out.set_cover("cover.jpg", cover_image, create_page=True)
        spine.insert(0, "cover")
        out.guide.insert(0, {"type": "cover", "href": "cover.xhtml", "title": "Cover"})
    out.spine = spine

    buffer = io.BytesIO()
    epub.write_epub(buffer, out, {"mtime": moment, "epub2_guide": True, "epub3_landmark": True,
                                  "epub3_pages": False,
                                  "landmark_title": "Landmarks"})
    return _repack(buffer.getvalue(), moment)


def _first_body(view: BookView) -> str:
    part = view.parts[0]
    target = part.id if part.title else part.stories[0].id
    return f"{target}.xhtml"


def _toc(view: BookView) -> list:
    def link(id_, title):
        return epub.Link(f"{id_}.xhtml", title, id_)

    toc = []
    if view.book.foreword:
        toc.append(link("foreword", view.book.foreword.title))
    for part in view.parts:
        stories = [link(s.id, s.story.heading) for s in part.stories]
        if part.title:
            toc.append((epub.Section(part.title, f"{part.id}.xhtml"), stories))
        else:
            toc.extend(stories)
    toc.append(link("contributors", "Contributors"))
    toc.append(link("sources", "Sources and Permissions"))
    return toc


def _repack(data: bytes, moment: dt.datetime) -> bytes:
    """The same zip with every entry dated ``moment`` and the mimetype first and stored."""
    stamp = max(moment, dt.datetime(1980, 1, 1)).timetuple()[:6]
    source = zipfile.ZipFile(io.BytesIO(data))
    names = sorted(source.namelist(), key=lambda n: (n != "mimetype", n != "META-INF/container.xml", n))
    result = io.BytesIO()
    with zipfile.ZipFile(result, "w") as target:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(name), compresslevel=9)
    return result.getvalue()
