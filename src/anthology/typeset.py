"""One WeasyPrint layout, and the worker processes that run them.

This is the only module that lays pages out with WeasyPrint. It imports nothing else of
anthology, so a worker process (``python -m anthology.typeset``) carries WeasyPrint and
nothing more: jobs come down its stdin and laid-out documents go back up its stdout, as
length-prefixed pickles. Workers are plain subprocesses rather than a multiprocessing pool:
no resource-tracker process, no re-import of the caller's ``__main__``, and a worker is
replaced once it has grown by ``WORKER_GROWTH`` since its first job: WeasyPrint keeps about
half a megabyte of each layout that neither the garbage collector nor ``malloc_trim`` gets
back, and a worker's size must not grow with the book.
"""

from __future__ import annotations

import gc
import itertools
import hashlib
import importlib.metadata
import json
import logging
import os
import pickle
import queue
import signal
import struct
import subprocess
import sys
import threading
import uuid
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

WORKER_GROWTH = 10 << 20  # bytes
ENTRY = "anthology-entry-"  # ids windows.py gives a long list's entries, its own business


def local_fetcher(roots):
    from weasyprint.urls import URLFetcher

    class LocalFetcher(URLFetcher):
        """Lets WeasyPrint read the given files and files inside the given folders, and
        nothing else: no network, no other file on the machine (``data:`` URLs hold their
        own bytes). What it refuses, or cannot read, is listed in ``refused``: WeasyPrint
        would leave it out of the page without a word."""

        def __init__(self):
            super().__init__(allowed_protocols={"file", "data"})
            self.roots = [Path(root).resolve() for root in roots]
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme == "data":
                return super().fetch(url, headers)
            path = Path(unquote(parts.path)).resolve()
            if parts.scheme != "file" or parts.netloc not in ("", "localhost") or not any(
                    path.is_relative_to(root) for root in self.roots):
                self.refused.append(url)
                raise ValueError(f"anthology does not read {url!r}")
            try:
                return super().fetch(path.as_uri(), headers)
            except Exception:
                self.refused.append(url)
                raise

    return LocalFetcher()


@dataclass(frozen=True)
class LayoutJob:
    """Everything one WeasyPrint layout needs, as plain data a worker process can receive."""
    html: str
    stylesheets: tuple[tuple[str, str], ...]  # (CSS text, base URL)
    roots: tuple[str, ...]                    # files, and folders, the layout may read
    base_url: str
    variant: str | None                       # "pdf/x-4", "pdf/x-1a" (print), "pdf/ua-1"
                                              # (screen, tagged) or None
    resources: str = ""                       # digest of the files it may read (images, fonts)

    def key(self) -> str:
        """The cache key: everything, where the book lies included."""
        return _digest((self, weasyprint_version(), 3))

    def content_key(self) -> str:
        """What the layout shows, wherever the book lies: seeds the PDF's XMP IDs, so that
        the same book gives the same bytes in any folder."""
        return _digest((self.html, [css for css, _ in self.stylesheets], self.variant,
                        self.resources, weasyprint_version()))


def _digest(value) -> str:
    return hashlib.sha256(repr(value).encode("utf-8", "surrogatepass")).hexdigest()


@lru_cache(maxsize=1)
def weasyprint_version() -> str:
    """Part of every cache key; read from the package metadata (importing WeasyPrint takes
    most of a second, and an EPUB-only or cached build need not)."""
    return importlib.metadata.version("weasyprint")


@dataclass
class Laid:
    """A laid-out document: its PDF, and per page the anchors that start there (topmost
    first) and whether WeasyPrint left it blank."""
    pdf: bytes
    anchors: list[list[str]]
    blanks: list[bool]
    refused: list[str] = field(default_factory=list)  # URLs the layout could not read
    # Per page, where its text begins: [the id of the nearest element around it ("" if none),
    # its first words], or [] (used where no anchor starts the page: it begins inside a block).
    firsts: list[list[str]] = field(default_factory=list)

    def __post_init__(self):
        self.firsts = self.firsts or [[] for _ in self.blanks]

    def to_bytes(self) -> bytes:
        """Plain data for the cache: the length of a JSON head, the head, the PDF."""
        head = json.dumps([self.anchors, self.blanks, self.refused, self.firsts],
                          separators=(",", ":")).encode()
        return struct.pack("<Q", len(head)) + head + self.pdf

    @classmethod
    def from_bytes(cls, data: bytes) -> Laid:
        """Read ``to_bytes`` back; ValueError if it is not that."""
        try:
            (size,) = struct.unpack_from("<Q", data)
            anchors, blanks, refused, firsts = json.loads(data[8:8 + size])
        except (struct.error, ValueError, TypeError) as error:
            raise ValueError(f"not a laid-out document: {error}") from None
        if not (isinstance(anchors, list) and isinstance(blanks, list)
                and len(anchors) == len(blanks)
                and all(isinstance(a, list) and all(isinstance(x, str) for x in a)
                        for a in anchors)
                and all(isinstance(b, bool) for b in blanks)
                and isinstance(refused, list) and all(isinstance(u, str) for u in refused)
                and isinstance(firsts, list) and len(firsts) == len(blanks)
                and all(isinstance(f, list) and all(isinstance(x, str) for x in f)
                        for f in firsts)):
            raise ValueError("not a laid-out document: wrong head")
        return cls(data[8 + size:], anchors, blanks, refused, firsts)


def lay_out(job: LayoutJob) -> Laid:
    """Run WeasyPrint on one document (in a worker process, or in this one)."""
    from weasyprint import CSS, HTML
    _cache_page_references()
    logging.getLogger("weasyprint").setLevel(logging.CRITICAL)  # refusals are by design
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    fetcher = local_fetcher(job.roots)
    fonts = font_configuration()
    profiles: dict = {}  # print.css's @color-profile lands here; the PDF writer reads it
    sheets = [CSS(string=text, base_url=base, url_fetcher=fetcher, color_profiles=profiles,
                  font_config=fonts) for text, base in job.stylesheets]
    printing = (job.variant or "").startswith("pdf/x")
    options = {"pdf_variant": job.variant} if job.variant else {}
    if printing:
        options["output_intent"] = "device-cmyk"
    document = HTML(string=job.html, base_url=job.base_url, url_fetcher=fetcher).render(
        stylesheets=sheets, color_profiles=profiles, font_config=fonts, **options)
    seen: set[str] = set()
    anchors, blanks, firsts = [], [], []
    for page in document.pages:
        new = sorted((a for a in page.anchors if a not in seen),
                     key=lambda a: (page.anchors[a][1], page.anchors[a][0]))
        seen.update(page.anchors)
        anchors.append(new)
        blanks.append(bool(page._page_box.page_type.blank))
        firsts.append(_first_words(page._page_box))
    with _stable_xmp_ids(job.content_key()):
        pdf = document.write_pdf(finisher=_drop_links if printing else None, **options)
    return Laid(pdf, anchors, blanks, sorted(set(fetcher.refused)), firsts)


FIRST_WORDS = 12  # words that trace where a page begins (epub.py finds them in the text)


def _first_words(page) -> list[str]:
    """[the id of the nearest element with one around the page's first text, its first
    whole words, across lines and inline elements], or [] if the page has no text."""
    lines: list[str] = []
    block, last = None, None
    for around, line, text in _texts(page):
        if block is None:
            block = around
        if line is not last:
            if lines and lines[-1].rstrip()[-1:] in ("-", "\u2010", "\u00ad"):
                lines[-1] = lines[-1].rstrip().rsplit(None, 1)[0] if " " in \
                    lines[-1].strip() else ""  # hyphenated at the line's end: not whole
                break
            if len(" ".join(lines).split()) >= FIRST_WORDS:
                break
            lines.append("")
            last = line
        lines[-1] += text
    words = " ".join(lines).split()[:FIRST_WORDS]
    return [block, " ".join(words)] if words else []


def _texts(box, block: str = "", line=None):
    """The visible texts of a page in order: (the id of the nearest element around it, its
    line box, the text). Generated content (a list's bullet) is not in the text."""
    if "::" in (getattr(box, "element_tag", None) or ""):
        return
    element = getattr(box, "element", None)
    own = element.get("id") if element is not None and box.element_tag != "html" else None
    block = own if own and not own.startswith(ENTRY) else block
    if type(box).__name__ == "LineBox":
        line = box
    text = getattr(box, "text", None)
    if text is not None:
        if text.strip() and box.style["visibility"] == "visible":
            yield block, line, text
        return
    for child in getattr(box, "children", ()):
        yield from _texts(child, block, line)


@lru_cache(maxsize=1)
def _cache_page_references() -> None:
    """pydyf builds the list of every page's reference anew each time ``page_references`` is
    read, and WeasyPrint's tagging (pdf/tags.py) reads it once per structure element: a
    tagged layout is quadratic in its pages (44 of 125 s for a 350-page piece). The list
    only grows, one page at a time, so it is kept until the page count changes."""
    import pydyf

    def page_references(pdf) -> tuple:
        kids = pdf.pages["Kids"]
        cached = pdf.__dict__.get("_anthology_page_references")
        if cached is None or cached[0] != len(kids):
            cached = len(kids), tuple(f"{n} 0 R".encode("ascii") for n in kids[::3])
            pdf.__dict__["_anthology_page_references"] = cached
        return cached[1]

    pydyf.PDF.page_references = property(page_references)


@lru_cache(maxsize=1)
def font_configuration():
    """One Fontconfig configuration for every layout in this process: WeasyPrint would load
    the system's fonts again for each document (a tenth of a small layout's time)."""
    from weasyprint.text.fonts import FontConfiguration
    return FontConfiguration()


def _drop_links(document, pdf):
    """PDF/X allows no link annotations on the page."""
    import pydyf
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/Page":
            obj.pop("Annots", None)


@contextmanager
def _stable_xmp_ids(seed: str):
    """WeasyPrint gives PDF/X-4's XMP a random DocumentID (uuid4); derive it from the content
    instead, so that the same book gives the same bytes."""
    from weasyprint.pdf import metadata as xmp
    original = xmp.uuid4
    xmp.uuid4 = lambda: uuid.uuid5(uuid.NAMESPACE_URL, seed)
    try:
        yield
    finally:
        xmp.uuid4 = original


# ---- Worker processes ---------------------------------------------------------------------

def _send(stream, value) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("<Q", len(data)) + data)
    stream.flush()


def _receive(stream):
    head = stream.read(8)
    if len(head) < 8:
        raise EOFError
    return pickle.loads(stream.read(struct.unpack("<Q", head)[0]))


def serve() -> None:
    """A worker's loop: lay out each job read from stdin, answer on stdout, until EOF."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed goes to stderr, never into the replies
    requests = os.fdopen(0, "rb")
    import weasyprint  # noqa: F401 - imported while the parent writes the first job
    while True:
        try:
            job = _receive(requests)
        except EOFError:
            return
        try:
            reply = ("done", lay_out(job))
        except Exception as error:  # noqa: BLE001 - the parent raises it
            reply = ("failed", error if _picklable(error) else RuntimeError(repr(error)))
        _send(replies, reply)
        del reply
        release_memory()  # WeasyPrint's box trees hold cycles: free them before the next job
        _send(replies, _resident())  # the parent replaces a worker that keeps growing


def _resident() -> int:
    """This process's resident memory in bytes (0 where /proc does not tell: never replaced)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def release_memory(collect: bool = True) -> None:
    """Free reference cycles (unless not ``collect``: there are none) and give the freed
    memory back to the system (glibc keeps it otherwise, and a process's size would be its
    largest job's for the rest of the build)."""
    if collect:
        gc.collect()
    if _malloc_trim():
        _malloc_trim()(0)


@lru_cache(maxsize=1)
def _malloc_trim():
    try:
        from ctypes import CDLL
        return CDLL("libc.so.6").malloc_trim
    except OSError:
        return None


def _picklable(value) -> bool:
    try:
        pickle.dumps(value)
        return True
    except Exception:  # noqa: BLE001
        return False


class Workers:
    """``count`` worker processes fed from one queue; ``submit`` returns a Future."""

    def __init__(self, count: int):
        self._queue: queue.PriorityQueue = queue.PriorityQueue()
        self._order = itertools.count()  # first in, first out within a priority
        self._processes: set[subprocess.Popen] = set()
        self._lock = threading.Lock()
        self._killed = False
        self._threads = [threading.Thread(target=self._feed, daemon=True) for _ in range(count)]
        for thread in self._threads:
            thread.start()

    def start(self) -> None:
        """Start the worker processes now (they import WeasyPrint while the caller works)."""
        for _ in self._threads:
            self._queue.put((-1, next(self._order), "start"))

    def submit(self, job: LayoutJob, urgent: bool = False) -> Future:
        """Queue ``job``; an ``urgent`` one goes before every job that is not."""
        future: Future = Future()
        self._queue.put((0 if urgent else 1, next(self._order), (job, future)))
        return future

    def _stop_feeders(self) -> None:
        for _ in self._threads:
            self._queue.put((2, next(self._order), None))

    def close(self) -> None:
        """Let the workers finish what was submitted, then stop them."""
        self._stop_feeders()
        for thread in self._threads:
            thread.join()

    def kill(self) -> None:
        """Stop at once (on an error or an interrupt)."""
        self._killed = True
        with self._lock:
            for process in self._processes:
                process.kill()
        self._stop_feeders()

    def _start(self) -> subprocess.Popen:
        process = subprocess.Popen([sys.executable, "-m", "anthology.typeset"],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        with self._lock:
            self._processes.add(process)
        return process

    def _stop(self, process: subprocess.Popen) -> None:
        process.stdin.close()
        process.wait()
        with self._lock:
            self._processes.discard(process)

    def _feed(self) -> None:
        process, first, size = None, 0, 0  # first: the worker's size after its first job
        while (item := self._queue.get()[2]) is not None:
            if item == "start":
                process = process or self._start()
                continue
            job, future = item
            if self._killed:
                future.cancel()
            if not future.set_running_or_notify_cancel():
                continue
            if process is None or (first and size > first + WORKER_GROWTH):
                if process is not None:
                    self._stop(process)
                process, first = self._start(), 0
            try:
                _send(process.stdin, job)
                status, value = _receive(process.stdout)
            except Exception as error:  # noqa: BLE001 - never leave a Future waiting
                future.set_exception(RuntimeError(f"a layout worker stopped unexpectedly: {error!r}"))
                process.kill()
                process = None
                continue
            if status == "done":
                future.set_result(value)
            else:
                future.set_exception(value)
            try:
                size = _receive(process.stdout)
            except Exception:  # noqa: BLE001 - the worker is gone: start another next time
                process.kill()
                process = None
                continue
            first = first or size
        if process is not None:
            self._stop(process)


if __name__ == "__main__":  # run as the module itself, so that replies pickle as anthology.typeset.Laid
    from anthology.typeset import serve as serve_jobs
    serve_jobs()
