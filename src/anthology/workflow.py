"""The editor's loop: scaffold a book, rebuild when its files change, preview it in a browser.

Changes are found by polling modification times: a book folder is small, and polling needs
no platform-specific watcher. The preview serves the laid-out pages as images with their
text (searchable) on 127.0.0.1 only, and the page reloads itself when a rebuild finishes.
"""

from __future__ import annotations

import datetime as dt
import html
import http.server
import io
import re
import selectors
import shutil
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InputError, reason

if TYPE_CHECKING:  # imported when first needed: `new` and `build --watch` need neither
    from .model import Book
    from .pageimages import Pages

SCAFFOLD = Path(__file__).resolve().parent / "scaffold"


def new_book(folder: Path, title: str) -> Path:
    """A working book folder: manifest, foreword, a story file, an empty styles/ override."""
    if folder.exists() and any(folder.iterdir()):
        raise FileExistsError(f"{folder} exists and is not empty; choose a new folder")
    (folder / "stories").mkdir(parents=True, exist_ok=True)
    (folder / "styles").mkdir(exist_ok=True)
    shutil.copy(SCAFFOLD / "foreword.md", folder / "foreword.md")
    shutil.copy(SCAFFOLD / "stories" / "second.md", folder / "stories" / "second.md")
    shutil.copy(SCAFFOLD / "styles_README.md", folder / "styles" / "README.md")
    manifest = (SCAFFOLD / "book.yaml").read_text(encoding="utf-8")
    quoted = '"' + title.replace("\\", "\\\\").replace('"', '\\"') + '"'
    manifest = manifest.replace("{title}", quoted).replace("{date}", dt.date.today().isoformat())
    (folder / "book.yaml").write_text(manifest, encoding="utf-8")
    return folder / "book.yaml"


def snapshot(book_dir: Path, ignore: tuple[Path, ...] = ()) -> dict[str, int]:
    """Modification times of the book's files (outputs and hidden folders left out)."""
    ignored = [p.resolve() for p in ignore]
    found = {}
    for path in book_dir.rglob("*"):
        if any(part.startswith(".") for part in path.relative_to(book_dir).parts):
            continue
        if path.is_file() and not any(path.resolve().is_relative_to(i) for i in ignored):
            found[str(path)] = path.stat().st_mtime_ns
    return found


def watch(book_dir: Path, on_change: Callable[[], None], stop: threading.Event,
          ignore: tuple[Path, ...] = (), interval: float = 0.3) -> None:
    """Call ``on_change`` once now and after every change, until ``stop`` is set."""
    seen = None
    while not stop.is_set():
        current = snapshot(book_dir, ignore)
        if current != seen:
            seen = current
            on_change()
        stop.wait(interval)


FIRST_PIECES = 3   # laid out first, and shown while the rest of a longer book is
EDITED_PIECES = 8  # at most this many edited pieces are laid out alone before the whole


@dataclass
class Laid:
    """A whole layout of the book."""
    book: Book
    pages: Pages
    spans: dict[str, tuple[str, str]]  # each piece's first and last page label, by anchor


class Preview:
    """The latest pages of the book, or the manifest's problems. ``rebuild`` (on every change)
    shows at once what is quick to lay out: a long book's first pieces the first time, an
    edited piece on its own in the last whole layout's pages after. The whole book is laid
    out on a thread of its own, which starts again on the newest book when it is done, and is
    shown unless newer pages are. Layouts run on a pool of workers kept between them, and
    the layout cache, so that an edit lays out only its chunk. ``report`` hears one line per
    whole layout (its time) or error."""

    def __init__(self, manifest: Path, report: Callable[[str], None] = lambda line: None,
                 jobs: int | None = None, cache_dir: Path | None = None):
        from .paged.cache import Cache, default_folder
        from .paged.runner import Runner
        from .paged.workers import default_jobs
        from .pageimages import Store
        self.manifest, self.report = manifest, report
        self.cache = Cache(cache_dir or default_folder())
        # The workers outlive each layout: an edit's layout should not wait for new workers
        # to import WeasyPrint. They stop when a layout fails, or on release(failed=True).
        self.runner = Runner(jobs or default_jobs(), self.cache, keep_workers=True)
        self.runner.start()  # the workers import WeasyPrint while the book is read
        self.store = Store()
        self.pages = None  # pageimages.Pages shown, once laid out
        self.shown = 0     # the change (a count) the pages shown are of
        self.laid: Laid | None = None  # the last whole layout
        self.theme = None  # (what it was made of, theme.Theme)
        self.note = ""     # what the pages shown leave out
        self.version = 0
        self.error = ""
        self.lock = threading.Lock()
        self.changes = 0
        self.wanted = None  # (change, book, when it was read, what was shown early)
        self.want = threading.Event()
        self.closed = False
        threading.Thread(target=self._whole, daemon=True).start()

    def rebuild(self) -> None:
        from .model import load_book
        started, early = time.monotonic(), ""
        self.changes += 1
        change, laid = self.changes, self.laid
        try:
            book = load_book(self.manifest)
            pieces = book.all_stories
            if self.pages is None and len(pieces) > FIRST_PIECES:
                first = self._lay_out(with_pieces(book, pieces[:FIRST_PIECES]))
                early = self._show(first.pages, change, f"The first {FIRST_PIECES} of "
                                   f"{len(pieces)} pieces only: the rest is being laid out.",
                                   started, f"the first {FIRST_PIECES} pieces")
            elif laid is not None:
                early = self._edited(laid, change, book, started)
        except Exception as failure:  # noqa: BLE001 - shown in the page, the server goes on
            return self._failed(failure, change, started)
        with self.lock:
            self.wanted = change, book, started, early
        self.want.set()

    def _edited(self, laid: Laid, change: int, book, started: float) -> str:
        """Show the pieces edited since ``laid`` laid out alone in its pages, if only a few
        were; what was shown, for the report."""
        changed = edited_pieces(laid.book, book)
        pages = self._redraw(laid, book, changed) if changed else None
        if pages is None:
            return ""
        return self._show(pages, change, "The edited piece laid out on its own (its numbers "
                          "and line breaks may differ): the whole book is being laid out.",
                          started, "the edited piece" if len(changed) == 1
                          else f"the {len(changed)} edited pieces", if_newest=True)

    def _whole(self) -> None:
        """The layout thread: the whole of the newest book wanted, until closed."""
        while self.want.wait() and not self.closed:
            self.want.clear()
            change, book, started, early = self.wanted
            try:
                self.laid = self._lay_out(book)
            except Exception as failure:  # noqa: BLE001 - shown in the page
                self._failed(failure, change, started)
                continue
            if shown := self._show(self.laid.pages, change, "", started, "", if_newest=True):
                self.report(shown + early)  # else an edit made since shows on its own
            newer, book, started, early = self.wanted
            if self.want.is_set() and newer > change and not early:  # its edits, not shown yet
                try:
                    if shown := self._edited(self.laid, newer, book, started):
                        with self.lock:
                            if self.wanted[0] == newer:
                                self.wanted = newer, book, started, shown
                except Exception:  # noqa: BLE001 - its whole layout follows, and tells
                    pass

    def _failed(self, failure: Exception, change: int, started: float) -> None:
        if self.closed:
            return  # stopped with the preview: nothing to tell
        if not isinstance(failure, InputError):
            self.runner.release(failed=True)  # a layout may have been left running
        error = str(failure) if isinstance(failure, InputError) else \
            f"{type(failure).__name__}: {failure}"
        with self.lock:
            self.error, self.version = error, self.version + 1
            self.shown = max(self.shown, change)
        self.report(f"error after {time.monotonic() - started:.1f} s: {error}")

    def _lay_out(self, book) -> Laid:
        """The book's screen PDF (a PDF edition's, or the first print edition's proof), as
        pages: what ``build --format pdf`` writes first."""
        from . import fonts
        from .build import build_moment, targets
        from .editions import Editions
        from .pageimages import Pages
        from .theme import refuse_unread
        book_dir = self.manifest.resolve().parent
        chosen = targets(book, book_dir, ["pdf"])
        if not chosen:
            raise InputError("nothing to preview: no edition makes a PDF or a print file")
        fonts.remember_in(self.cache)
        self.runner.refused.clear()
        made = Editions(book, book_dir, build_moment(book), self.runner, self.cache,
                        lambda stage: None)
        name = chosen[0].name
        # The theme is kept while its settings and the book's styles/ are unchanged: compiling
        # its templates again would be a third of an edit's layout.
        key = (name, repr(made.book_as(name).theme), snapshot(book_dir / "styles"))
        if self.theme is None or self.theme[0] != key:
            self.theme = key, made.theme(name)
        made.themes[name] = self.theme[1]
        rendered = made.layout(name, "screen")
        refuse_unread(self.runner.refused)
        return Laid(book, Pages(rendered.data, self.store),
                    rendered.piece_pages(made.view(name)))

    def _redraw(self, laid: Laid, book, changed: list[int]):
        """The last whole layout with the ``changed`` pieces (indexes) laid out alone in place
        of their pages: quicker than the whole book, which follows. None if a piece's pages
        are not found (it shares them with another)."""
        alone = self._lay_out(with_pieces(book, [book.all_stories[n] for n in changed]))
        pages = laid.pages
        for place, n in reversed(list(enumerate(changed, start=1))):  # from the end back
            old = _span(pages, laid.spans.get(f"story-{n + 1}"))
            new = _span(alone.pages, alone.spans.get(f"story-{place}"))
            if old is None or new is None:
                return None
            pages = pages.spliced(*old, alone.pages, *new)
        return pages

    def _show(self, pages: Pages, change: int, note: str, started: float, what: str,
              if_newest: bool = False) -> str:
        """Show ``pages`` of the ``change``-th book read (``if_newest``: unless those shown
        are of a later one); what they are, and when, for the report ("" if not shown)."""
        with self.lock:
            if if_newest and self.shown > change:
                return ""
            self.pages, self.shown, self.note, self.error = pages, change, note, ""
            self.version += 1
        seconds = time.monotonic() - started
        return f" ({what} shown after {seconds:.1f} s)" if what else \
            f"laid out {len(pages.keys)} pages in {seconds:.1f} s"

    def png(self, key: str) -> bytes | None:
        pages = self.pages
        return None if pages is None else pages.png(key)

    def close(self) -> None:
        """Stop the workers, and with them a layout under way; trim the cache."""
        self.closed = True
        self.want.set()
        self.runner.release(failed=True)
        self.cache.prune()

    def page_html(self) -> str:
        with self.lock:
            version, pages, error, note = self.version, self.pages, self.error, self.note
        sheets = [] if pages is None else list(zip(pages.keys, pages.labels, pages.texts,
                                                    pages.sizes))
        problem = f'<pre class="error">{html.escape(error)}</pre>' if error else ""
        if note:
            problem += f'<p class="note">{html.escape(note)}</p>'
        return PAGE.format(version=version, problem=problem, spreads=spreads(sheets),
                           title=html.escape(self.manifest.name))


def with_pieces(book, pieces: list):
    """The book with only ``pieces`` of its own (in its order; parts left empty go)."""
    keep = {id(piece) for piece in pieces}
    if book.parts is None:
        return book.model_copy(update={"stories": [s for s in book.stories if id(s) in keep]})
    parts = [part.model_copy(update={"stories": [s for s in part.stories if id(s) in keep]})
             for part in book.parts]
    return book.model_copy(update={"parts": [part for part in parts if part.stories]})


def edited_pieces(old, new) -> list[int]:
    """The indexes of the pieces that differ, if only a few pieces changed and nothing else
    did; else none."""
    before, after = old.all_stories, new.all_stories
    changed = [n for n, (a, b) in enumerate(zip(before, after)) if a != b]
    if len(before) != len(after) or not 0 < len(changed) <= EDITED_PIECES:
        return []
    unchanged = old.model_copy(update={"stories": new.stories, "parts": new.parts})
    return changed if unchanged == new else []


def _span(pages, labels: tuple[str, str] | None) -> tuple[int, int] | None:
    """The indexes [start, stop) of the pages from label to label, if there are such."""
    if labels is None or not set(labels) <= set(pages.labels):
        return None
    return pages.labels.index(labels[0]), pages.labels.index(labels[1]) + 1


def spreads(sheets: list) -> str:
    """Pages side by side as a printed book opens: the first alone on the right, then
    verso|recto (2|3, 4|5, ...). Images load when scrolled near."""
    from .pageimages import SCALE

    def page(sheet, beside) -> str:
        w, h = (round(length * SCALE) for length in (sheet or beside)[3])
        if sheet is None:
            return f'<div class="page blank" style="width:{w}px"></div>'
        key, label, text, _ = sheet
        return (f'<figure class="page"><div class="sheet" style="width:{w}px;height:{h}px">'
                f'<img src="/page/{key}.png" loading="lazy" width="{w}" height="{h}" '
                f'alt="page {html.escape(label)}"><div class="text">{html.escape(text)}</div>'
                f'</div><figcaption>{html.escape(label)}</figcaption></figure>')
    padded = [None, *sheets] + ([None] if len(sheets) % 2 == 0 else [])
    return "".join(f'<div class="spread">{page(padded[n], padded[n + 1])}'
                   f'{page(padded[n + 1], padded[n])}</div>'
                   for n in range(0, len(padded), 2) if sheets)


PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{title}: preview</title><style>
body {{ background: #777; margin: 0; padding: 1em; font-family: sans-serif; }}
.error, .note {{ position: sticky; top: 0; z-index: 1; margin: 0 0 1em; }}
.error {{ background: #fee; color: #900; padding: 1em; white-space: pre-wrap; }}
.note {{ background: #ffd; padding: 0.5em 1em; }}
.spread {{ display: flex; justify-content: center; margin-bottom: 1.2em; }}
.page {{ margin: 0; text-align: center; color: #fff; }}
.blank {{ visibility: hidden; }}
.sheet {{ position: relative; box-shadow: 0 2px 8px #0008; background: #fff; }}
.sheet img {{ display: block; }}
.text {{ position: absolute; inset: 0; color: transparent; font-size: 9px; overflow: hidden;
         white-space: pre-wrap; text-align: left; padding: 3em; }}
</style></head><body data-version="{version}">{problem}<div class="pages">{spreads}</div>
<script>
setInterval(async () => {{
  const response = await fetch("/version", {{cache: "no-store"}}).catch(() => null);
  if (response && (await response.text()) !== document.body.dataset.version) location.reload();
}}, 150);
</script></body></html>"""


ALLOWED_HOSTS = ("127.0.0.1", "localhost", "[::1]")
PREVIEW_THREADS = 8         # requests answered at once
PREVIEW_QUEUE = 64          # requests read and waiting for a thread, at most
PREVIEW_CONNECTIONS = 512   # connections still sending their request, at most
REQUEST_TIMEOUT = 10.0      # seconds a client has to send its request, and to take the answer
MAX_REQUEST_HEAD = 16384    # bytes of request line and headers


class PreviewServer:
    """An HTTP server for one user on this machine. One thread accepts connections and reads
    their requests without blocking; a request goes to one of PREVIEW_THREADS threads only
    once its head has arrived whole, so a client that sends nothing, or a byte at a time,
    holds no thread. Each gets REQUEST_TIMEOUT in all; past PREVIEW_CONNECTIONS the oldest is
    closed, past PREVIEW_QUEUE waiting requests new ones are. A client that goes away is not
    an error. ``handler`` is an http.server.BaseHTTPRequestHandler class."""

    def __init__(self, address: tuple[str, int], handler):
        self.handler, self.local = handler, threading.local()
        self.socket = socket.create_server(address, backlog=128)
        self.socket.setblocking(False)
        self.server_port = self.socket.getsockname()[1]
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.socket, selectors.EVENT_READ)
        self.wake, self._waker = socket.socketpair()
        self.selector.register(self.wake, selectors.EVENT_READ)
        self.reading: dict[socket.socket, tuple[float, bytearray]] = {}
        self.pool = ThreadPoolExecutor(PREVIEW_THREADS, thread_name_prefix="preview")
        self.queued = threading.BoundedSemaphore(PREVIEW_QUEUE)
        self.closing = threading.Event()

    def serve_forever(self) -> None:
        while not self.closing.is_set():
            for key, _ in self.selector.select(timeout=1.0):
                if key.fileobj is self.socket:
                    self._accept()
                elif key.fileobj is self.wake:
                    self.wake.recv(64)
                else:
                    self._read(key.fileobj)
            now = time.monotonic()
            for connection in [c for c, (since, _) in self.reading.items()
                               if now - since > REQUEST_TIMEOUT]:
                self._drop(connection)

    def _accept(self) -> None:
        try:
            connection, _ = self.socket.accept()
        except OSError:
            return
        if len(self.reading) >= PREVIEW_CONNECTIONS:
            self._drop(min(self.reading, key=lambda c: self.reading[c][0]))
        connection.setblocking(False)
        self.reading[connection] = (time.monotonic(), bytearray())
        self.selector.register(connection, selectors.EVENT_READ)

    def _read(self, connection: socket.socket) -> None:
        try:
            data = connection.recv(4096)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        head = self.reading[connection][1]
        head += data
        if not data or len(head) > MAX_REQUEST_HEAD:
            return self._drop(connection)
        if b"\r\n\r\n" in head or b"\n\n" in head:
            self._forget(connection)
            if not self.queued.acquire(blocking=False):
                return connection.close()  # busy: the browser will ask again
            self.pool.submit(self._answer, connection, bytes(head))

    def _forget(self, connection: socket.socket) -> None:
        self.selector.unregister(connection)
        del self.reading[connection]

    def _drop(self, connection: socket.socket) -> None:
        self._forget(connection)
        connection.close()

    def _answer(self, connection: socket.socket, head: bytes) -> None:
        try:
            connection.setblocking(True)
            connection.settimeout(REQUEST_TIMEOUT)
            self.local.head = head  # the handler reads its request from here
            self.handler(connection, ("127.0.0.1", 0), self)
        except OSError:
            pass  # the client went away or stopped reading: nothing to tell anyone
        finally:
            connection.close()
            self.queued.release()

    def shutdown(self) -> None:
        self.closing.set()
        self._waker.send(b"x")

    def server_close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
        for connection in list(self.reading):
            self._drop(connection)
        for sock in (self.socket, self.wake, self._waker):
            sock.close()
        self.selector.close()


def allowed_host(host: str | None, port: int) -> bool:
    """Only this machine's own names, with the server's port: a page on another site that
    rebinds its name to 127.0.0.1 sends its own name, and is refused (DNS rebinding)."""
    return host is not None and host.strip().lower() in {f"{name}:{port}"
                                                         for name in ALLOWED_HOSTS}


def serve(manifest: Path, port: int, ready: Callable[[str], None] = lambda url: None,
          stop: threading.Event | None = None,
          report: Callable[[str], None] = lambda line: None) -> None:
    """Serve the preview on 127.0.0.1:port until ``stop`` is set (or forever); ``report``
    hears one line per rebuild (Preview)."""
    stop = stop or threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        def setup(self):
            super().setup()
            self.rfile = io.BytesIO(self.server.local.head)  # read by PreviewServer

        def do_GET(self):  # noqa: N802 - the http.server name
            if not allowed_host(self.headers.get("Host"), self.server.server_port):
                return self._send(403, "text/plain", b"forbidden: use http://127.0.0.1:"
                                  + str(self.server.server_port).encode() + b"/")
            path = self.path.split("?")[0]
            if path == "/":
                self._send(200, "text/html; charset=utf-8", preview.page_html().encode())
            elif path == "/version":
                self._send(200, "text/plain", str(preview.version).encode())
            elif (page := re.fullmatch(r"/page/([0-9a-f]{64})\.png", path)) and \
                    (png := preview.png(page[1])) is not None:
                # named by its content: the browser need not ask again
                self._send(200, "image/png", png, "max-age=86400, immutable")
            else:
                self._send(404, "text/plain", b"not found")

        def _send(self, status, kind, body, caching="no-store"):
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", caching)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    try:
        server = PreviewServer(("127.0.0.1", port), Handler)
    except OSError as error:
        raise InputError(f"cannot listen on 127.0.0.1:{port}: {reason(error)}; choose another "
                         "--port") from None
    preview = Preview(manifest, report)
    watcher = threading.Thread(target=watch, daemon=True, args=(
        manifest.resolve().parent, preview.rebuild, stop), kwargs={"interval": 0.15})
    watcher.start()
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    ready(f"http://127.0.0.1:{server.server_port}/")
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.shutdown()
        serving.join()
        server.server_close()
        stop.set()
        preview.close()
