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
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .errors import InputError, reason

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


class Preview:
    """The latest rendering of the book: page images and text, or the manifest's problems."""

    def __init__(self, manifest: Path):
        self.manifest = manifest
        self.out = Path(tempfile.mkdtemp(prefix="anthology-preview-"))
        self.version = 0
        self.pages: list[tuple[str, bytes, str]] = []  # (label, PNG, text)
        self.error = ""
        self.lock = threading.Lock()

    def rebuild(self) -> None:
        from .build import build
        try:
            built = build(self.manifest, self.out, ["pdf"], jobs=1)
            # the screen PDF: the book's, a PDF edition's, or the first print edition's proof
            pages, error = _pages(next(iter(built.outputs.values()))), ""
        except InputError as problem:
            pages, error = self.pages, str(problem)
        except Exception as failure:  # noqa: BLE001 - shown in the page, the server goes on
            pages, error = self.pages, f"{type(failure).__name__}: {failure}"
        with self.lock:
            self.pages, self.error = pages, error
            self.version += 1

    def page_html(self) -> str:
        with self.lock:
            version, pages, error = self.version, self.pages, self.error
        figures = "".join(
            f'<figure class="page"><div class="sheet"><img src="/page/{n}.png?v={version}" '
            f'alt="page {html.escape(label)}"><div class="text">{html.escape(text)}</div></div>'
            f'<figcaption>{html.escape(label)}</figcaption></figure>'
            for n, (label, _, text) in enumerate(pages))
        problem = f'<pre class="error">{html.escape(error)}</pre>' if error else ""
        return PAGE.format(version=version, problem=problem, figures=figures,
                           title=html.escape(self.manifest.name))


def _pages(pdf: Path) -> list[tuple[str, bytes, str]]:
    import pypdfium2
    from pypdf import PdfReader
    reader = PdfReader(pdf)
    labels = reader.page_labels
    document = pypdfium2.PdfDocument(str(pdf))
    out = []
    for n, page in enumerate(reader.pages):
        image = document[n].render(scale=1.25).to_pil()
        png = io.BytesIO()
        image.save(png, "PNG")
        out.append((labels[n], png.getvalue(), page.extract_text() or ""))
    return out


PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{title}: preview</title><style>
body {{ background: #777; margin: 0; padding: 1em; font-family: sans-serif; }}
.error {{ background: #fee; color: #900; padding: 1em; white-space: pre-wrap; }}
.pages {{ display: flex; flex-wrap: wrap; gap: 1.2em; justify-content: center; }}
.page {{ margin: 0; text-align: center; color: #fff; }}
.sheet {{ position: relative; box-shadow: 0 2px 8px #0008; }}
.sheet img {{ display: block; }}
.text {{ position: absolute; inset: 0; color: transparent; font-size: 9px; overflow: hidden;
         white-space: pre-wrap; text-align: left; padding: 3em; }}
</style></head><body data-version="{version}">{problem}<div class="pages">{figures}</div>
<script>
setInterval(async () => {{
  const response = await fetch("/version", {{cache: "no-store"}}).catch(() => null);
  if (response && (await response.text()) !== document.body.dataset.version) location.reload();
}}, 500);
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
          stop: threading.Event | None = None) -> None:
    """Serve the preview on 127.0.0.1:port until ``stop`` is set (or forever)."""
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
            elif page := re.fullmatch(r"/page/(\d{1,6})\.png", path):
                pages = preview.pages
                number = int(page[1])
                if number >= len(pages):
                    return self._send(404, "text/plain", b"no such page")
                self._send(200, "image/png", pages[number][1])
            else:
                self._send(404, "text/plain", b"not found")

        def _send(self, status, kind, body):
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    try:
        server = PreviewServer(("127.0.0.1", port), Handler)
    except OSError as error:
        raise InputError(f"cannot listen on 127.0.0.1:{port}: {reason(error)}; choose another "
                         "--port") from None
    preview = Preview(manifest)
    watcher = threading.Thread(target=watch, daemon=True, args=(
        manifest.resolve().parent, preview.rebuild, stop, (preview.out,)))
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
        shutil.rmtree(preview.out, ignore_errors=True)
