"""h: the preview's latency, as a reader of `anthology preview` sees it.

    python benchmarks/preview_latency.py book.yaml [PORT]

Starts `anthology preview book.yaml --port PORT`, opens http://127.0.0.1:PORT/ in Debian's
chromium (Playwright, as tests/conftest.py does), and measures
  first_view  seconds from starting the preview until the page's text shows the book's title;
  whole_book  seconds from starting it until the whole book is shown (its last piece in the
              contents: a long book shows its first pieces first);
  edit        seconds from changing one word of the middle story, once the whole book is
              shown, until that word is in the page's text (the preview reloads itself; this
              script never reloads the page).
It reads the text content of every frame of the page, so it does not depend on the preview's
markup; a preview that draws its pages as images only is reported as never showing the word.
Prints one JSON object: {"first_view": s, "edit": s} or {"skipped": why}.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import edit_one_word  # noqa: E402

TIMEOUT = float(os.environ.get("PREVIEW_TIMEOUT", "300"))
WORD = "trawler"  # new to the book, but of letters it sets: see generate.edit_one_word


def page_text(page) -> str:
    texts = []
    for frame in page.frames:
        try:
            texts.append(frame.evaluate(
                "document.documentElement ? document.documentElement.textContent : ''"))
        except Exception:  # noqa: BLE001 - a frame navigating away mid-read
            pass
    return "\n".join(texts).lower()


def wait_for(page, needle: str, url: str, start: float) -> float | None:
    """Seconds from ``start`` until ``needle`` is in the page's text, or None on timeout."""
    while time.perf_counter() - start < TIMEOUT:
        try:
            if page.url in ("about:blank", ""):
                page.goto(url, timeout=5_000)
            if needle in page_text(page):
                return time.perf_counter() - start
        except Exception:  # noqa: BLE001 - the server not up yet, or a reload in flight
            try:
                page.goto(url, timeout=5_000)
            except Exception:  # noqa: BLE001
                pass
        time.sleep(0.1)
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(manifest: Path, port: int) -> dict:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"skipped": "playwright is not installed (the test extra)"}
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        return {"skipped": "no chromium"}
    import yaml
    data = yaml.safe_load(manifest.read_text())
    title = str(data["title"]).lower()
    last = str(data["stories"][-1]["author"]).lower()  # in the contents once all is laid out
    url = f"http://127.0.0.1:{port}/"
    start = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "anthology", "preview", str(manifest),
                               "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page()
            first = wait_for(page, title, url, start)
            if first is None:
                return {"skipped": f"the page never showed the book's title in {TIMEOUT:.0f} s"}
            if server.poll() is not None:
                return {"skipped": "the preview exited: " + server.stderr.read().decode()[-500:]}
            whole = wait_for(page, last, url, start)  # the whole book, not its first pieces
            edited = time.perf_counter()
            edit_one_word(manifest, WORD)
            edit = wait_for(page, WORD, url, edited)
            browser.close()
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
    if edit is None:
        return {"first_view": first, "whole_book": whole, "edit": None,
                "note": f"the changed word never appeared in the page's text in {TIMEOUT:.0f} s"}
    return {"first_view": first, "whole_book": whole, "edit": edit}


if __name__ == "__main__":
    port = int(sys.argv[2]) if len(sys.argv) > 2 else free_port()
    print(json.dumps(main(Path(sys.argv[1]), port)))
