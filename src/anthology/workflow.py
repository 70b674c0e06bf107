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

from .exceptions import InputError

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
            pages, error = _pages(built.outputs["pdf"]), ""
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
PREVIEW_CONNECTIONS = 512   # connections held open, waiting for their request, at once
REQUEST_TIMEOUT = 10.0      # seconds a connection may take to send its request


class PreviewServer(http.server.HTTPServer):
    """An HTTP server for one user on this machine. A request is handed to one of
    PREVIEW_THREADS threads only once it has arrived, so idle connections hold no thread; they
    wait in one selector and are closed after REQUEST_TIMEOUT (the oldest first when more than
    PREVIEW_CONNECTIONS wait). A client that goes away is not an error."""

    daemon_threads = True
    request_queue_size = 128  # connections the kernel holds until they are accepted

    def __init__(self, address, handler):
        super().__init__(address, handler)
        self.pool = ThreadPoolExecutor(PREVIEW_THREADS, thread_name_prefix="preview")
        self.waiting: dict[socket.socket, float] = {}  # connection -> when it was accepted
        self.lock = threading.Lock()
        self.selector = selectors.DefaultSelector()
        self.closing = threading.Event()
        threading.Thread(target=self._wait_for_requests, daemon=True).start()

    def process_request(self, request, client_address):
        with self.lock:
            if len(self.waiting) >= PREVIEW_CONNECTIONS:
                oldest = min(self.waiting, key=self.waiting.get)
                self._forget(oldest)
                self.shutdown_request(oldest)
            self.waiting[request] = time.monotonic()
            self.selector.register(request, selectors.EVENT_READ, client_address)

    def _forget(self, request) -> None:
        del self.waiting[request]
        self.selector.unregister(request)

    def _wait_for_requests(self) -> None:
        while not self.closing.is_set():
            with self.lock:
                ready = self.selector.select(timeout=0) if self.waiting else []
                for key, _ in ready:
                    self._forget(key.fileobj)
                    self.pool.submit(self._answer, key.fileobj, key.data)
                now = time.monotonic()
                for request in [r for r, since in self.waiting.items()
                                if now - since > REQUEST_TIMEOUT]:
                    self._forget(request)
                    self.shutdown_request(request)
            if not ready:
                self.closing.wait(0.05)

    def _answer(self, request, client_address) -> None:
        try:
            request.settimeout(REQUEST_TIMEOUT)
            self.finish_request(request, client_address)
        except OSError:
            pass  # the client went away or stalled: nothing to tell anyone
        finally:
            self.shutdown_request(request)

    def server_close(self):
        self.closing.set()
        super().server_close()
        with self.lock:
            for request in list(self.waiting):
                self._forget(request)
                self.shutdown_request(request)
        self.pool.shutdown(wait=False, cancel_futures=True)


def allowed_host(host: str | None, port: int) -> bool:
    """Only this machine's own names, with the server's port: a page on another site that
    rebinds its name to 127.0.0.1 sends its own name, and is refused (DNS rebinding)."""
    return host is not None and host.strip().lower() in {f"{name}:{port}"
                                                         for name in ALLOWED_HOSTS}


def serve(manifest: Path, port: int, ready: Callable[[str], None] = lambda url: None,
          stop: threading.Event | None = None) -> None:
    """Serve the preview on 127.0.0.1:port until ``stop`` is set (or forever)."""
    preview = Preview(manifest)
    stop = stop or threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        timeout = REQUEST_TIMEOUT

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

    server = PreviewServer(("127.0.0.1", port), Handler)
    watcher = threading.Thread(target=watch, daemon=True, args=(
        manifest.resolve().parent, preview.rebuild, stop, (preview.out,)))
    watcher.start()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ready(f"http://127.0.0.1:{server.server_port}/")
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.shutdown()
        server.server_close()
        shutil.rmtree(preview.out, ignore_errors=True)
