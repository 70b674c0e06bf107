"""The build, as named stages: load the manifest, lay out the book, write each format."""

from __future__ import annotations

import datetime as dt
import difflib
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import fonts
from .errors import InputError, OutputConflict
from .files import write_atomically
from .editions import Editions
from .model import Book, Edition, book_images, load_book
from .paged.cache import Cache, default_folder
from .paged.pool import Pool
from .paged.runner import Runner
from .paged.workers import default_jobs, release_memory
from .progress import Callbacks, Progress
from .theme import refuse_unread

FORMATS = ("pdf", "print", "cover", "epub", "onix")
# What each format of edition makes, of the formats asked for.
MAKES = {"paperback": ("print", "cover"), "hardcover": ("print", "cover"),
         "ebook": ("epub", "cover"), "pdf": ("pdf",)}


@dataclass
class Built:
    book: Book
    outputs: dict[str, Path]                 # output -> file written ("print", "hardcover:cover")
    preflight: list | None = None            # preflight checks of the print files, if made
    warnings: list[str] = field(default_factory=list)


@dataclass
class Target:
    """One edition to build, and its files by kind ("print", "cover", "cover-image", "epub",
    "pdf"). ``name`` is the edition whose settings the book takes (Editions.book_as): its
    own, or for a proof PDF its print edition's; "" for a book without editions."""
    edition: Edition
    name: str
    paths: dict[str, Path]

    def key(self, kind: str) -> str:
        """The output's name in Built.outputs: the kind alone for a book without editions."""
        return f"{self.edition.name}:{kind}" if self.name else kind


def build_moment(book: Book) -> dt.datetime:
    """The time stamped into the outputs: SOURCE_DATE_EPOCH, else the book's date, else today.
    Never the clock's second, so an unchanged book rebuilds to the same bytes."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).replace(tzinfo=None)
    day = book.date or dt.datetime.now(dt.timezone.utc).date()
    return dt.datetime(day.year, day.month, day.day)


def edition_paths(book: Book, edition: Edition, out_dir: Path) -> dict[str, Path]:
    """The files of ``edition``: a book without ``editions:`` keeps its names of old
    (book.pdf, book-print.pdf, ...); an edition's files carry its name (book-hardcover-print.pdf)."""
    stem = book.slug if book.editions is None else f"{book.slug}-{edition.name}"
    if edition.printed:
        return {"print": out_dir / f"{stem}-print.pdf", "cover": out_dir / f"{stem}-cover.pdf",
                "cover-image": out_dir / f"{stem}-cover.jpg"}
    if edition.format == "ebook":
        paths = {"epub": out_dir / f"{stem}.epub"}
        return paths if book.editions is None else \
            {**paths, "cover-image": out_dir / f"{stem}-cover.jpg"}
    return {"pdf": out_dir / f"{stem}.pdf"}


def targets(book: Book, out_dir: Path, formats: Iterable[str] | None,
            names: Iterable[str] = ()) -> list[Target]:
    """The editions to build (all, or those ``names``), each with the files of ``formats``
    (default: all) it makes. Asked for a screen PDF (``pdf``) of a book none of whose chosen
    editions is one, the first print edition's pages are made as one: the proof to read."""
    chosen = list(book.all_editions)
    if names := list(names):
        known = [e.name for e in chosen]
        for name in names:
            if name not in known:
                close = difflib.get_close_matches(name.lower(), known, n=1, cutoff=0.6)
                raise InputError(f"no edition named {name}"
                                 + (f" (did you mean {close[0]}?)" if close else "")
                                 + f"; the book's editions are {', '.join(known)}")
        chosen = [e for e in chosen if e.name in names]
    wanted = set(formats) if formats is not None else set(FORMATS)
    out = []
    for edition in chosen:
        kinds = set(MAKES[edition.format]) & wanted
        paths = {kind: path for kind, path in edition_paths(book, edition, out_dir).items()
                 if kind in kinds or (kind == "cover-image" and "cover" in kinds)}
        if paths:
            out.append(Target(edition, edition.name if book.editions else "", paths))
    if formats is not None and "pdf" in wanted and not any("pdf" in t.paths for t in out):
        proof = next((e for e in chosen if e.printed), None)
        if proof is not None:
            screen = Edition(name=proof.name, format="pdf")
            out.append(Target(screen, proof.name if book.editions else "",
                              edition_paths(book, screen, out_dir)))
    return out


def build(manifest: str | Path, out_dir: str | Path = "build",
          formats: Iterable[str] | None = None,
          progress: Callable[[str], None] = lambda stage: None,
          jobs: int | None = None,
          chunk_progress: Callable[[int, int], None] = lambda done, total: None,
          cache_dir: str | Path | None = None,
          cancel: threading.Event | None = None,
          editions: Iterable[str] = (),
          reporter: Progress | None = None,
          pool: Pool | None = None, prune: bool = True) -> Built:
    """Validate the manifest and write the chosen formats of the chosen ``editions`` (default:
    all) into ``out_dir``.

    Every output is rendered in memory first and then moved into place atomically, so a
    failed or interrupted build leaves earlier outputs as they were. Laid-out pieces are
    kept in ``cache_dir`` (default: cache.default_folder()), which every edition shares.
    Once ``cancel`` is set, the build stops (KeyboardInterrupt) at the next stage, and at the
    latest before writing. ``reporter`` is told the stages, their counts and what the cache
    held (else ``progress`` is called with each stage's name, and ``chunk_progress`` with
    the body's chunks done of their total). Layouts run in ``jobs`` processes of this
    machine, or in a ``pool`` the caller started (a Dask cluster, a catalogue's shared
    workers: paged/pool.py), which it also stops. The cache is pruned at the end, if
    ``prune``.
    """
    if reporter is None:
        reporter = Callbacks(progress, chunk_progress)

    def stage(name: str) -> None:
        if cancel is not None and cancel.is_set():
            raise KeyboardInterrupt
        reporter.stage(name)

    if formats is not None:
        formats = list(formats)
        if unknown := set(formats) - set(FORMATS):
            raise InputError(f"unknown format {', '.join(unknown)}; expected "
                             f"{', '.join(FORMATS)}")
    manifest = Path(manifest)
    out_dir = Path(out_dir)
    with Runner(jobs or default_jobs(), None, reporter, pool=pool) as runner:
        runner.start()  # the workers import WeasyPrint while the manifest is read
        stage("checking the manifest")
        book = load_book(manifest)
        book_dir = manifest.resolve().parent
        chosen = targets(book, out_dir, formats, editions)
        onix = formats is not None and "onix" in formats or \
            formats is None and book.editions is not None and not editions
        if not chosen and not onix:
            asked = ", ".join(formats or FORMATS)
            made = "; ".join(f"{e.name} makes {', '.join(MAKES[e.format])}"
                             for e in book.all_editions if not editions or e.name in editions)
            raise InputError(f"nothing to build: no chosen edition makes {asked} ({made})")
        onix_path = out_dir / f"{book.slug}-onix.xml"
        release_memory()  # what parsing the manifest left behind, before the long part
        refuse_symlinked_output(out_dir, manifest.absolute().parent)
        cache = runner.cache = Cache(Path(cache_dir) if cache_dir else default_folder())
        made = Editions(book, book_dir, build_moment(book), runner, cache, stage)
        refuse_overwriting_inputs([*(p for t in chosen for p in t.paths.values()), onix_path],
                                  [manifest, *book.sources,
                                   *(f for t in chosen for f in made.theme(t.name).files),
                                   *(book_dir / image for image in book_images(book))])
        fonts.remember_in(cache)
        rendered: dict[Path, bytes] = {}
        outputs: dict[str, Path] = {}
        warnings: list[str] = []
        for target in chosen:
            warnings += made.warnings(target.name)
            for kind, data in made.make(target.name, target.paths).items():
                rendered[target.paths[kind]] = data
                outputs[target.key(kind)] = target.paths[kind]
        if onix:
            stage("writing the ONIX record")
            rendered[onix_path] = made.onix()
            outputs["onix"] = onix_path
        runner.release()
        refuse_unread(runner.refused)
        from .preflight import require_glyphs
        for path, data in rendered.items():
            if path.suffix == ".pdf":
                require_glyphs(path, data, cache, f"{book.uid} {path.name}")

    if prune:  # (not while other builds sharing the cache still read it: a catalogue)
        cache.prune()
    warnings = list(dict.fromkeys(warnings + cache.warnings))
    stage("writing the files")
    for path, data in rendered.items():
        write_atomically(path, data)
    report = None
    printed = [t for t in chosen if {"print", "cover"} & set(t.paths)]
    if printed:
        stage("preflight")
        from . import preflight
        report = []
        for target in printed:
            report += preflight.check(made.book_as(target.name), target.paths.get("print"),
                                      target.paths.get("cover"), made.page_count(target.name),
                                      target.name, cache)
    reporter.finish()
    return Built(book, outputs, report, warnings)


def refuse_overwriting_inputs(outputs: Iterable[Path], inputs: list[Path]) -> None:
    """Stop before anything is written if an output would replace a file the book reads."""
    read = {path.resolve(): path for path in inputs}
    for path in outputs:
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

