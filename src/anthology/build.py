"""The build, as named stages: load the manifest, lay out the book, write each format."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .model import Book, load_book
from .render import layout
from .theme import Theme

FORMATS = ("pdf", "epub")


@dataclass
class Built:
    book: Book
    outputs: dict[str, Path]


def build_moment(book: Book) -> dt.datetime:
    """The time stamped into the outputs: SOURCE_DATE_EPOCH, else the book's date, else today.
    Never the clock's second, so an unchanged book rebuilds to the same bytes."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).replace(tzinfo=None)
    day = book.date or dt.datetime.now(dt.timezone.utc).date()
    return dt.datetime(day.year, day.month, day.day)


def build(manifest: str | Path, out_dir: str | Path = "build",
          formats: Iterable[str] = FORMATS,
          progress: Callable[[str], None] = lambda stage: None) -> Built:
    """Validate the manifest and write ``<slug>.<format>`` for each format into ``out_dir``.

    Every output is rendered in memory first and then moved into place atomically, so a
    failed or interrupted build leaves earlier outputs as they were.
    """
    manifest = Path(manifest)
    progress("checking the manifest")
    book = load_book(manifest)
    book_dir = manifest.resolve().parent
    theme = Theme(book_dir)
    moment = build_moment(book)
    view = layout(book)
    rendered: dict[str, bytes] = {}
    for fmt in formats:
        progress(f"rendering {fmt}")
        if fmt == "pdf":
            from .pdf import render_pdf
            rendered[fmt] = render_pdf(view, theme, book_dir, moment.isoformat() + "Z")
        elif fmt == "epub":
            from .epub import render_epub
            rendered[fmt] = render_epub(view, theme, moment)
        else:
            raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs = {}
    for fmt, data in rendered.items():
        outputs[fmt] = write_atomically(out_dir / f"{book.slug}.{fmt}", data)
    return Built(book, outputs)


def write_atomically(path: Path, data: bytes) -> Path:
    """Write to a temporary file beside ``path``, then rename it over ``path``."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path
