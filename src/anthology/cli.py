"""The command line: a thin layer that parses arguments, calls the library, prints, exits.

Exit codes: 0 success, 1 internal error, 2 invalid input (the manifest, a theme file or the
command line), 3 the print files fail preflight, 4 the disk is full, 5 a read-only folder,
6 permission denied, 7 another error writing a file, 130 interrupted.
"""

from __future__ import annotations

import argparse
import errno
import logging
import signal
import sys
import threading
import traceback
from contextlib import contextmanager
from pathlib import Path

from . import __version__
from .build import FORMATS
from .exceptions import AnthologyError, InputError, MissingGlyphs, WriteError
from .manifest import ManifestError

EXIT_OK, EXIT_INTERNAL, EXIT_INVALID, EXIT_PREFLIGHT = 0, 1, 2, 3
EXIT_DISK_FULL, EXIT_READ_ONLY, EXIT_PERMISSION, EXIT_WRITE = 4, 5, 6, 7
_WRITE_EXITS = {errno.ENOSPC: EXIT_DISK_FULL, errno.EDQUOT: EXIT_DISK_FULL,
                errno.EROFS: EXIT_READ_ONLY, errno.EACCES: EXIT_PERMISSION,
                errno.EPERM: EXIT_PERMISSION}


def _formats(value: str) -> list[str]:
    chosen = [f.strip().lower() for f in value.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"unknown format {', '.join(unknown) or repr(value)}; expected a comma-separated "
            f"list of {', '.join(FORMATS)}")
    return list(dict.fromkeys(chosen))


def _whole(low: int, high: int):
    def parse(value: str) -> int:
        if not value.isdigit() or not low <= int(value) <= high:
            raise argparse.ArgumentTypeError(f"expected a whole number from {low} to {high}, "
                                             f"got {value!r}")
        return int(value)
    return parse


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="anthology", description="Turn a YAML manifest of stories into a PDF and an EPUB 3.")
    parser.add_argument("--version", action="version", version=f"anthology {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser("build", help="validate the manifest and write the book")
    build.add_argument("manifest", type=Path, help="the book's YAML manifest")
    build.add_argument("--out", type=Path, default=Path("build"),
                       help="output folder (default: build)")
    build.add_argument("--format", type=_formats, default=list(FORMATS),
                       help=f"comma-separated formats to write (default: {','.join(FORMATS)})")
    build.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")
    build.add_argument("--jobs", "-j", type=_whole(1, 64), default=None,
                       help="worker processes for laying out pages (default: the machine's cores)")
    build.add_argument("--watch", action="store_true",
                       help="rebuild whenever the manifest, a story file or a style changes")
    build.add_argument("--cache", type=Path, default=None,
                       help="where laid-out pieces are kept between builds (default: "
                       "$ANTHOLOGY_CACHE_DIR, else ~/.cache/anthology)")

    new = commands.add_parser("new", help="create a book folder that builds as is")
    new.add_argument("folder", type=Path)
    new.add_argument("--title", default="My Anthology")

    preview = commands.add_parser("preview", help="show the laid-out pages in a browser, "
                                  "reloading on every change (127.0.0.1 only)")
    preview.add_argument("manifest", type=Path)
    preview.add_argument("--port", type=_whole(1, 65535), default=8000)

    check = commands.add_parser("check", help="validate the manifest only; write nothing")
    check.add_argument("manifest", type=Path)

    flight = commands.add_parser("preflight", help="check the built print files against the "
                                 "printer's rules (the manifest's print.profile)")
    flight.add_argument("manifest", type=Path)
    flight.add_argument("--out", type=Path, default=Path("build"),
                        help="where the book was built (default: build)")

    imp = commands.add_parser("import", help="make a manifest from scraped tweet text")
    imp.add_argument("source", type=Path, help="text with stories followed by "
                     "'- Name (@handle) Month D, YYYY'")
    imp.add_argument("-o", "--output", type=Path, help="where to write the manifest "
                     "(default: standard output)")
    imp.add_argument("--title", default="Imported stories", help="the book's title")
    return parser


INTERRUPTED = threading.Event()


def _stop(signum, frame):
    """Ctrl-C and SIGTERM unwind, so temporary files are removed on the way out. The event
    is kept too: the build checks it before writing, in case native code (Pango, qpdf)
    swallowed the KeyboardInterrupt."""
    INTERRUPTED.set()
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    INTERRUPTED.clear()
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    if args.debug:  # the library logs what it decided quietly (e.g. a discarded cache entry)
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("anthology: debug: %(message)s"))
        logging.getLogger("anthology").addHandler(handler)
        logging.getLogger("anthology").setLevel(logging.DEBUG)
    try:
        return _run(args)
    except AnthologyError as error:
        print(describe(error), file=sys.stderr)
        return exit_code(error)
    except KeyboardInterrupt:
        print("anthology: interrupted; earlier outputs are unchanged", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - the last line of defence for users
        if args.debug:
            traceback.print_exc()
        print(f"anthology: internal error: {type(error).__name__}: {error}\n"
              "Rerun with --debug for the traceback, and report it if it persists.",
              file=sys.stderr)
        return EXIT_INTERNAL


def describe(error: Exception) -> str:
    """The message for a user's error: the manifest's problems one a line, else one line."""
    if isinstance(error, ManifestError):
        count = len(error.problems)
        return f"anthology: the manifest has {count} problem{'s' if count != 1 else ''}:\n{error}"
    return f"anthology: {error}"


def exit_code(error: Exception) -> int:
    if isinstance(error, WriteError):
        return _WRITE_EXITS.get(error.errno, EXIT_WRITE)
    if isinstance(error, MissingGlyphs):
        return EXIT_PREFLIGHT
    return EXIT_INVALID if isinstance(error, InputError) else EXIT_INTERNAL


def _run(args) -> int:
    if args.command == "build":
        from .build import build
        if args.watch:
            return _watch_builds(args)
        with _progress(args.quiet) as (say, chunks):
            built = build(args.manifest, args.out, args.format, progress=say, jobs=args.jobs,
                          chunk_progress=chunks, cache_dir=args.cache, cancel=INTERRUPTED)
        for warning in built.warnings:
            print(f"anthology: warning: {warning}", file=sys.stderr)
        if not args.quiet:
            for path in built.outputs.values():
                print(path)
        if built.preflight is not None:
            return _report(built.book, built.preflight, args.quiet)
    elif args.command == "new":
        from .workflow import new_book
        try:
            manifest = new_book(args.folder, args.title)
        except FileExistsError as error:
            print(f"anthology: {error}", file=sys.stderr)
            return EXIT_INVALID
        print(f"{manifest}\nNext: anthology build {manifest}  (or: anthology preview {manifest})")
    elif args.command == "preview":
        from .workflow import serve
        if not args.manifest.is_file():
            print(f"anthology: {args.manifest}: no such manifest file", file=sys.stderr)
            return EXIT_INVALID
        serve(args.manifest, args.port,
              ready=lambda url: print(f"Previewing {args.manifest} at {url} (Ctrl-C stops)",
                                      flush=True))
    elif args.command == "preflight":
        from .build import output_paths
        from .model import load_book
        from .preflight import check
        book = load_book(args.manifest)
        paths = output_paths(book, args.out)
        missing = [str(paths[k]) for k in ("print", "cover") if not paths[k].is_file()]
        if missing:
            print(f"anthology: nothing to check: {', '.join(missing)} not found; run "
                  f"'anthology build {args.manifest} --format print,cover' first", file=sys.stderr)
            return EXIT_INVALID
        return _report(book, check(book, paths["print"], paths["cover"]), quiet=False)
    elif args.command == "check":
        from .model import load_book
        book = load_book(args.manifest)
        print(f"{args.manifest}: ok ({len(book.all_stories)} stories)")
    elif args.command == "import":
        from .importer import to_manifest
        try:
            text = args.source.read_text(encoding="utf-8-sig")
            manifest = to_manifest(text, args.title)
        except (OSError, UnicodeDecodeError, ValueError) as error:
            print(f"anthology: {args.source}: {error}", file=sys.stderr)
            return EXIT_INVALID
        if args.output:
            from .build import write_atomically
            write_atomically(args.output, manifest.encode())
        else:
            sys.stdout.write(manifest)
    return EXIT_OK


def _watch_builds(args) -> int:
    """Build now and after every change of the book's files, until interrupted."""
    import threading

    from .build import build
    from .workflow import watch

    def rebuild():
        try:
            built = build(args.manifest, args.out, args.format, jobs=args.jobs,
                          cache_dir=args.cache)
            print(f"built {', '.join(str(p) for p in built.outputs.values())}", flush=True)
        except AnthologyError as error:
            print(describe(error), file=sys.stderr, flush=True)
        except Exception as error:  # noqa: BLE001 - keep watching
            print(f"anthology: build failed: {type(error).__name__}: {error}", file=sys.stderr,
                  flush=True)
        print("watching for changes (Ctrl-C stops)", flush=True)

    watch(args.manifest.resolve().parent, rebuild, threading.Event(), ignore=(args.out,))
    return EXIT_OK


@contextmanager
def _progress(quiet: bool):
    """A progress bar on a terminal; one line per stage otherwise; nothing with --quiet."""
    if quiet:
        yield (lambda stage: None), (lambda done, total: None)
        return
    if not sys.stderr.isatty():
        yield (lambda stage: print(f"  {stage}", file=sys.stderr)), (lambda done, total: None)
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), transient=True) as bar:
        task = bar.add_task("starting", total=None)

        def stage(name):
            bar.update(task, description=name, completed=0, total=None)

        def chunks(done, total):
            bar.update(task, completed=done, total=total)

        yield stage, chunks


def _report(book, checks, quiet: bool) -> int:
    from .preflight import table
    failed = [c for c in checks if not c.ok]
    if failed or not quiet:
        print(f"Preflight ({book.print.profile}):\n{table(checks)}")
    if failed:
        print(f"anthology: {len(failed)} preflight check{'s' if len(failed) > 1 else ''} "
              "failed", file=sys.stderr)
        return EXIT_PREFLIGHT
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
