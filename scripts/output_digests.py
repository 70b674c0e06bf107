"""Build a set of books and print the SHA-256 of every output, for checking that a change
that should not alter the outputs does not (run it before and after; compare the lists).

    SOURCE_DATE_EPOCH=1700000000 python scripts/output_digests.py OUT_FOLDER

The books: the default book; 154 pieces in eleven scripts with long ones (four chunks,
windowed contents and index); the same in three parts with a foreword, every story on a
recto, in Gentium Plus.

A print PDF's XMP DocumentID (and so its trailer /ID) is seeded by a digest of the theme's
files, templates included: for it a second digest is printed with the two made constant
("print~"), which says whether anything else changed.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import sys
from pathlib import Path

import pikepdf

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


def without_document_id(path: Path) -> bytes:
    """The PDF with its XMP DocumentID and trailer /ID made constant."""
    pdf = pikepdf.open(path)
    metadata = pdf.Root.Metadata
    metadata.write(re.sub(rb"xmp\.did:[0-9a-f-]+", b"xmp.did:0", metadata.read_bytes()))
    pdf.trailer.ID = pikepdf.Array([pikepdf.String(b"0" * 16)] * 2)
    out = io.BytesIO()
    pdf.save(out, static_id=True, deterministic_id=False)
    return out.getvalue()


def digests(name: str, outputs: dict[str, Path]) -> list[str]:
    lines = [f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {name}/{fmt}"
             for fmt, path in sorted(outputs.items())]
    if "print" in outputs:
        lines.append(f"{hashlib.sha256(without_document_id(outputs['print'])).hexdigest()}  "
                     f"{name}/print~")
    return lines


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
        print("\n".join(digests(name, built.outputs)), flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--again"]:  # digests of a folder built before
        for folder in sorted(Path(sys.argv[2], "built").iterdir()):
            found = {fmt: next(folder.glob(pattern)) for fmt, pattern in (
                ("print", "*-print.pdf"), ("cover", "*-cover.pdf"), ("cover-image", "*.jpg"),
                ("epub", "*.epub"))}
            found["pdf"] = next(p for p in folder.glob("*.pdf") if p not in found.values())
            print("\n".join(digests(folder.name, found)))
    else:
        main(Path(sys.argv[1]))
