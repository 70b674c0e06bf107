"""make typesetting: the long test book (tests/long_book.py, over 300 pages of generated
prose) built to the print PDF in a temporary folder, read back with ``pdftotext
-bbox-layout`` (tests/pagelines.py), and the typesetter's counts printed: hyphenated lines
and ladders of them, bad breaks, split names, widows, orphans, lone headings, attributions
cut off from their piece.

Usage: python benchmarks/typesetting.py [--pdf FILE] [--keep FOLDER] [--format print|pdf]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import long_book  # noqa: E402
import pagelines  # noqa: E402


def build(folder: Path, form: str) -> Path:
    manifest = long_book.write(folder / "book")
    started = time.monotonic()
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))  # this checkout's anthology
    subprocess.run([sys.executable, "-m", "anthology", "build", str(manifest), "--out",
                    str(folder / "out"), "--cache", str(folder / "cache"), "--format", form,
                    "-q"], check=True, env=env)
    print(f"built in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return next((folder / "out").glob("*.pdf"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdf", type=Path, help="measure this PDF instead of building")
    parser.add_argument("--keep", type=Path, help="build into this folder and keep it")
    parser.add_argument("--format", default="print", choices=["print", "pdf"])
    args = parser.parse_args()
    if args.pdf:
        pdf = args.pdf
    elif args.keep:
        pdf = build(args.keep, args.format)
    else:
        scratch = tempfile.TemporaryDirectory()
        pdf = build(Path(scratch.name), args.format)
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    print(next(l for l in pages.splitlines() if l.startswith("Pages:")))
    print(pagelines.measure(pdf).report())


if __name__ == "__main__":
    main()
