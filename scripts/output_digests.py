"""Build a set of books and print the SHA-256 of every output, for checking that a change
that should not alter the outputs does not (run it before and after; compare the lists).

    SOURCE_DATE_EPOCH=1700000000 python scripts/output_digests.py OUT_FOLDER

The books: the default book; 154 pieces in eleven scripts with long ones (four chunks,
windowed contents and index); the same in three parts with a foreword, every story on a
recto, in Gentium Plus.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import books  # noqa: E402

from anthology.build import build  # noqa: E402


def in_parts(text: str) -> str:
    book = json.loads(text)
    stories = book.pop("stories")
    book["foreword"] = {"title": "Foreword", "text": "Three parts.\n\n***\n\nAfter the break."}
    book["print"] = {"recto_starts": True}
    book["parts"] = [{"title": f"Part {n + 1}", "intro": "Pieces of the *night*.",
                      "stories": stories[n * 50:(n + 1) * 50]} for n in range(3)]
    return json.dumps(book, ensure_ascii=False, indent=1)


def main(out: Path) -> None:
    folders = {"multilingual": (books.manifest(154, long_every=25), None),
               "parts": (in_parts(books.manifest(150, long_every=30)),
                         books.face_css("Gentium Plus"))}
    manifests = {"default": ROOT / "book" / "book.yaml"}
    for name, (text, css) in folders.items():
        folder = out / "books" / name
        (folder / "styles").mkdir(parents=True, exist_ok=True)
        (folder / "book.yaml").write_text(text, encoding="utf-8")
        if css:
            (folder / "styles" / "book.css").write_text(css, encoding="utf-8")
        manifests[name] = folder / "book.yaml"
    for name, manifest in manifests.items():
        built = build(manifest, out / "built" / name, cache_dir=out / "cache")
        for fmt, path in sorted(built.outputs.items()):
            print(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {name}/{fmt}", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
