"""The build, as named stages: load the manifest, lay out the book, write each format."""

from __future__ import annotations

import datetime as dt
import functools
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import fonts
from .errors import InputError, OutputConflict
from .files import write_atomically
from .model import Book, book_images, load_book
from .paged.cache import Cache, default_folder
from .paged.runner import Runner
from .paged.workers import default_jobs, release_memory
from .pdf import render_pdf
from .render import book_view
from .theme import Theme, refuse_unread

FORMATS = ("pdf", "print", "cover", "epub")


@dataclass
class Built:
    book: Book
    outputs: dict[str, Path]                 # format -> file written
    preflight: list | None = None            # preflight checks of the print files, if made
    warnings: list[str] = field(default_factory=list)


def build_moment(book: Book) -> dt.datetime:
    """The time stamped into the outputs: SOURCE_DATE_EPOCH, else the book's date, else today.
    Never the clock's second, so an unchanged book rebuilds to the same bytes."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).replace(tzinfo=None)
    day = book.date or dt.datetime.now(dt.timezone.utc).date()
    return dt.datetime(day.year, day.month, day.day)


def output_paths(book: Book, out_dir: Path) -> dict[str, Path]:
    slug = book.slug
    return {"pdf": out_dir / f"{slug}.pdf", "print": out_dir / f"{slug}-print.pdf",
            "cover": out_dir / f"{slug}-cover.pdf", "cover-image": out_dir / f"{slug}-cover.jpg",
            "epub": out_dir / f"{slug}.epub"}


def build(manifest: str | Path, out_dir: str | Path = "build",
          formats: Iterable[str] = FORMATS,
          progress: Callable[[str], None] = lambda stage: None,
          jobs: int | None = None,
          chunk_progress: Callable[[int, int], None] = lambda done, total: None,
          cache_dir: str | Path | None = None,
          cancel: threading.Event | None = None) -> Built:
    """Validate the manifest and write the chosen formats into ``out_dir``.

    Every output is rendered in memory first and then moved into place atomically, so a
    failed or interrupted build leaves earlier outputs as they were. Laid-out pieces are
    kept in ``cache_dir`` (default: cache.default_folder()). Once ``cancel`` is set, the
    build stops (KeyboardInterrupt) at the next stage, and at the latest before writing.
    """
    def stage(name: str) -> None:
        if cancel is not None and cancel.is_set():
            raise KeyboardInterrupt
        progress(name)

    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise InputError(f"unknown format {', '.join(unknown)}; expected {', '.join(FORMATS)}")
    formats = [f for f in FORMATS if f in set(formats)]
    manifest = Path(manifest)
    with Runner(jobs or default_jobs(), None, chunk_progress) as runner:
        if {"pdf", "print", "cover"} & set(formats):
            runner.start()  # the workers import WeasyPrint while the manifest is read
        stage("checking the manifest")
        book = load_book(manifest)
        book_dir = manifest.resolve().parent
        theme = Theme(book_dir, book.theme)
        moment = build_moment(book)
        stamp = moment.isoformat() + "Z"
        view = book_view(book)
        release_memory()  # what parsing the manifest left behind, before the long part
        paths = output_paths(book, Path(out_dir))
        refuse_symlinked_output(Path(out_dir), manifest.absolute().parent)
        refuse_overwriting_inputs(paths, [manifest, *book.sources, *theme.files,
                                          *(book_dir / image for image in book_images(book))])
        cache = runner.cache = Cache(Path(cache_dir) if cache_dir else default_folder())
        fonts.remember_in(cache)
        warnings = fonts.warnings(fonts.pin(theme.stylesheet("book.css", emoji=True)).missing)
        from .cover import cover_image, cover_image_job, cover_job
        if "cover" in formats or "epub" in formats:  # laid out by a worker meanwhile
            image_job = cover_image_job(book, theme)
            image_key = Cache.key("cover image", 2, image_job.key())
            front_panel = runner.submit(image_job, urgent=True)  # from the cache if there

        @functools.cache
        def the_cover_image() -> bytes:
            return cache.get_or_make(image_key,
                                     lambda: cover_image(book, front_panel.result().pdf))

        rendered: dict[str, bytes] = {}
        laid_out = None  # the last edition laid out: its page count and page starts
        if "pdf" in formats:
            stage("laying out the screen PDF")
            laid_out = render_pdf(view, theme, book_dir, stamp, "screen", runner)
            rendered["pdf"] = laid_out.data
        if "print" in formats or "cover" in formats:
            stage("laying out the print interior")
            laid_out = render_pdf(view, theme, book_dir, stamp, "print", runner)
            if "print" in formats:
                rendered["print"] = laid_out.data
        if "cover" in formats:
            stage("drawing the cover")
            rendered["cover"] = runner.lay_out(cover_job(book, theme, laid_out.page_count)).pdf
            runner.release()  # the last layout: the workers' memory is not needed any more
        if "epub" in formats:
            if laid_out is None:  # the page-list needs the printed pages
                stage("laying out pages for the EPUB's page list")
                laid_out = render_pdf(view, theme, book_dir, stamp, "screen", runner,
                                      join=False)
            stage("packing the EPUB")
            from .epub import render_epub
            rendered["epub"] = render_epub(view, theme, moment, book_dir, the_cover_image,
                                           laid_out.page_starts, cache)
        if "cover" in formats:
            rendered["cover-image"] = the_cover_image()
        refuse_unread(runner.refused)
        from .preflight import require_glyphs
        for fmt in ("pdf", "print", "cover"):
            if fmt in rendered:
                require_glyphs(paths[fmt], rendered[fmt])

    cache.prune()
    warnings += cache.warnings
    stage("writing")
    outputs = {fmt: write_atomically(paths[fmt], data) for fmt, data in rendered.items()}
    report = None
    if "print" in outputs or "cover" in outputs:
        stage("preflight")
        from . import preflight
        report = preflight.check(book, outputs.get("print"), outputs.get("cover"),
                                 laid_out.page_count)
    return Built(book, outputs, report, warnings)


def refuse_overwriting_inputs(outputs: dict[str, Path], inputs: list[Path]) -> None:
    """Stop before anything is written if an output would replace a file the book reads."""
    read = {path.resolve(): path for path in inputs}
    for path in outputs.values():
        if path.resolve() in read:
            raise OutputConflict(f"the output {path} would overwrite {read[path.resolve()]}, "
                                 "which the book reads; choose another --out folder")


def refuse_symlinked_output(out_dir: Path, book_folder: Path) -> None:
    """A book folder may not choose where outputs go: an output folder inside it that is (or
    lies under) a symlink, such as a shipped ``build -> ~/elsewhere``, is refused."""
    out = Path(os.path.abspath(out_dir))
    for folder in (out, *out.parents):
        if folder == book_folder or not folder.is_relative_to(book_folder):
            return
        if folder.is_symlink():
            raise OutputConflict(f"the output folder {out_dir} goes through {folder}, a symlink "
                                 f"inside the book folder (to {folder.resolve()}); pass --out "
                                 "the real folder")

