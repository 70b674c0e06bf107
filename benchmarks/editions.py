"""make bench-editions: what the editions of one book cost, against one edition of it, in the
same run. The long test book (tests/long_book.py, ``--pieces`` of it) with four editions
(paperback, hardcover of the same trim, large print on 6x9, ebook), each build from a cold
cache in its own folder:

  (a) the paperback alone (print and cover): the baseline;
  (b) every edition, with the ONIX record;
  (c) the hardcover alone, after (a) filled the cache: what an edition set like another costs.

Prints wall and CPU seconds (this process's children) and the ratios to (a).

Usage: python benchmarks/editions.py [--pieces N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import long_book  # noqa: E402

EDITIONS = [
    {"name": "paperback", "format": "paperback", "isbn": "978-1-4028-9462-6"},
    {"name": "hardcover", "format": "hardcover", "isbn": "978-0-306-40615-7"},
    {"name": "large-print", "format": "paperback", "large_print": True,
     "isbn": "978-3-16-148410-0", "print": {"trim": "6x9"}},
    {"name": "ebook", "format": "ebook", "isbn": "979-10-90636-07-1"},
]


def run(manifest: Path, out: Path, cache: Path, *options: str) -> tuple[float, float]:
    """One ``anthology build``: (wall seconds, CPU seconds of it and its workers)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), SOURCE_DATE_EPOCH="1700000000")
    subprocess.run([sys.executable, "-m", "anthology", "build", str(manifest), "--out",
                    str(out), "--cache", str(cache), "-q", *options], check=True, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return time.monotonic() - started, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pieces", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="anthology-editions-") as tmp:
        folder = Path(tmp)
        data = long_book.manifest(pieces=args.pieces)
        data["editions"] = EDITIONS
        manifest = folder / "book" / "book.yaml"
        manifest.parent.mkdir()
        manifest.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        paperback = run(manifest, folder / "a", folder / "cache-a", "--edition", "paperback",
                        "--format", "print,cover")
        every = run(manifest, folder / "b", folder / "cache-b")
        hardcover = run(manifest, folder / "c", folder / "cache-a", "--edition", "hardcover",
                        "--format", "print,cover")
        pages = {e["name"]: _pages(next((folder / "b").glob(f"*-{e['name']}-print.pdf")))
                 for e in EDITIONS if e["format"] != "ebook"}
        shutil.rmtree(folder / "b", ignore_errors=True)
    print(f"{args.pieces} pieces; pages: " + ", ".join(f"{name} {n}" for name, n in pages.items()))
    print(f"{'build':<44} {'wall':>7} {'CPU':>7} {'wall/(a)':>9} {'CPU/(a)':>8}")
    for name, (wall, cpu) in [("(a) paperback alone, cold", paperback),
                              ("(b) all four editions + ONIX, cold", every),
                              ("(c) hardcover after (a), same trim", hardcover)]:
        print(f"{name:<44} {wall:6.1f}s {cpu:6.1f}s {wall / paperback[0]:8.2f}x "
              f"{cpu / paperback[1]:7.2f}x")


def _pages(path: Path) -> int:
    from pypdf import PdfReader
    return len(PdfReader(path).pages)


if __name__ == "__main__":
    main()
