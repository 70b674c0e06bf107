"""A PDF's pages for the preview: each page's label, text and PNG, each found again by a key
of the page's content, so that a rebuild that changed one story makes (and the browser
fetches) only that story's pages again.

A page's key digests what draws it (pageread's digest: the page object and all it reaches,
not where those objects sit in the file). Text is read when a page's key is new; a PNG is
drawn only when the browser asks for it.
"""

from __future__ import annotations

import copy
import hashlib
import io
import threading
from collections import OrderedDict

import pikepdf

from .native import PDFIUM
from .pageread import page_digests  # what preflight keeps a page's reading by

SCALE = 1.25            # PNG pixels per PDF point
KEPT_IMAGES = 400       # PNGs kept in memory, least recently used dropped


def _searchable(text: str) -> str:
    """A page's text with the words hyphenated at a line's end whole again (WeasyPrint
    hyphenates with U+2010; an author's own hyphen is U+002D and stays)."""
    return text.replace("\u2010\r\n", "").replace("\u2010\n", "")


class Store:
    """Text and PNGs by page key, kept across rebuilds."""

    def __init__(self):
        self.texts: dict[str, str] = {}
        self.images: OrderedDict[str, bytes] = OrderedDict()
        self.lock = threading.Lock()

    def image(self, key: str, draw) -> bytes:
        with self.lock:
            if key in self.images:
                self.images.move_to_end(key)
                return self.images[key]
        png = draw()
        with self.lock:
            self.images[key] = png
            while len(self.images) > KEPT_IMAGES:
                self.images.popitem(last=False)
        return png


class Pages:
    """A PDF's pages: ``labels``, ``keys``, ``texts``, ``sizes`` (points); ``png(key)`` draws
    one on demand. ``spliced`` puts another PDF's pages in place of some."""

    def __init__(self, pdf: bytes, store: Store):
        import pypdfium2
        self.store = store
        with pikepdf.open(io.BytesIO(pdf)) as document:
            self.labels = [page.label for page in document.pages]
            self.keys = list(page_digests(document, hashlib.sha256(pdf).digest()))
            self.sizes = [(float(page.mediabox[2]) - float(page.mediabox[0]),
                           float(page.mediabox[3]) - float(page.mediabox[1]))
                          for page in document.pages]
        with PDFIUM, store.lock:
            drawn = pypdfium2.PdfDocument(pdf)
            self.texts = [store.texts[key] if key in store.texts
                          else _searchable(drawn[n].get_textpage().get_text_range())
                          for n, key in enumerate(self.keys)]
            if len(store.texts) > 2 * len(self.keys) + 1000:  # bounded: this PDF's kept
                store.texts = {}
            store.texts.update(zip(self.keys, self.texts))
        self.where = {key: (drawn, n) for n, key in enumerate(self.keys)}

    def spliced(self, start: int, stop: int, other: Pages, first: int, last: int) -> Pages:
        """These pages with [start, stop) replaced by ``other``'s [first, last), which keep
        the labels of the pages they replace (a "+" on any more)."""
        out = copy.copy(self)
        labels = self.labels[start:stop] + [self.labels[stop - 1] + "+"] * (last - first)
        for name in ("keys", "texts", "sizes"):
            setattr(out, name, getattr(self, name)[:start] + getattr(other, name)[first:last]
                    + getattr(self, name)[stop:])
        out.labels = self.labels[:start] + labels[:last - first] + self.labels[stop:]
        out.where = {**self.where, **other.where}
        return out

    def png(self, key: str) -> bytes | None:
        """The page of this key as PNG (None if no page here has it)."""
        if key not in self.where:
            return None
        return self.store.image(key, lambda: self._draw(*self.where[key]))

    @staticmethod
    def _draw(document, n: int) -> bytes:
        with PDFIUM:
            image = document[n].render(scale=SCALE).to_pil()
        out = io.BytesIO()
        image.save(out, "PNG")
        return out.getvalue()
