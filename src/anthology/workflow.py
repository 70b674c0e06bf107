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
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from .manifest import ManifestError

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
        except ManifestError as problem:
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


def serve(manifest: Path, port: int, ready: Callable[[str], None] = lambda url: None,
          stop: threading.Event | None = None) -> None:
    """Serve the preview on 127.0.0.1:port until ``stop`` is set (or forever)."""
    preview = Preview(manifest)
    stop = stop or threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server name
            path = self.path.split("?")[0]
            if path == "/":
                self._send(200, "text/html; charset=utf-8", preview.page_html().encode())
            elif path == "/version":
                self._send(200, "text/plain", str(preview.version).encode())
            elif path.startswith("/page/") and path.endswith(".png"):
                try:
                    image = preview.pages[int(path[6:-4])][1]
                except (ValueError, IndexError):
                    return self._send(404, "text/plain", b"no such page")
                self._send(200, "image/png", image)
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

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
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
        shutil.rmtree(preview.out, ignore_errors=True)

