"""``anthology build``: validate the manifest and write the book; with ``--watch``, again after
every change."""

from __future__ import annotations

import argparse
import os
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

from ..build import FORMATS, build
from ..catalogue import is_catalogue
from ..errors import AnthologyError, ClusterError, InputError
from ..paged.pool import opened
from ..paged.workers import default_jobs
from . import terminal, whole_number
from .preflight import add_edition_option, report


def _formats(value: str) -> list[str]:
    chosen = [f.strip().lower() for f in value.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"unknown format {', '.join(unknown) or repr(value)}; expected a comma-separated "
            f"list of {', '.join(FORMATS)}")
    return list(dict.fromkeys(chosen))


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("build", help="validate the manifest and write the book "
                                   "(or every book of a catalogue)")
    parser.add_argument("manifest", type=Path, help="the book's YAML manifest, or a catalogue "
                        "(a YAML file with a books: list of manifests)")
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder (default: build; a catalogue names its own)")
    parser.add_argument("--format", type=_formats, default=None,
                        help=f"comma-separated formats to write, of {','.join(FORMATS)} "
                        "(default: every edition's; onix for a book with editions:)")
    add_edition_option(parser, "build")
    parser.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")
    parser.add_argument("--jobs", "-j", type=whole_number(1, 64), default=None,
                        help="worker processes for laying out pages (default: the machine's "
                        "cores)")
    parser.add_argument("--watch", action="store_true",
                        help="rebuild whenever the manifest, a story file or a style changes")
    parser.add_argument("--cache", type=Path, default=None,
                        help="where laid-out pieces are kept between builds (default: "
                        "$ANTHOLOGY_CACHE_DIR, else ~/.cache/anthology)")
    parser.add_argument("--cluster", default=os.environ.get("ANTHOLOGY_CLUSTER") or None,
                        metavar="ADDRESS",
                        help="lay out on a Dask cluster: its scheduler's address "
                        "(tcp://host:8786), or local:N to start N worker processes here "
                        "(default: $ANTHOLOGY_CLUSTER, else this machine's processes; needs "
                        "pip install 'anthology[cluster]')")
    return parser


def run(args) -> int:
    if is_catalogue(args.manifest):
        return _catalogue(args)
    args.out = args.out or Path("build")
    if args.watch:
        return _watch(args)
    with terminal.progress(args.quiet) as shown, _pool(args) as pool:
        built = build(args.manifest, args.out, args.format, jobs=args.jobs,
                      cache_dir=args.cache, cancel=terminal.INTERRUPTED,
                      editions=args.edition, reporter=shown, pool=pool)
    terminal.warn((pool.warnings if pool else []) + built.warnings)
    if not args.quiet:
        for path in built.outputs.values():
            print(path)
    if built.preflight is not None:
        report(built.book, built.preflight, args.quiet)
    return 0


@contextmanager
def _pool(args):
    """The cluster asked for, for the whole command; else None (the build starts this
    machine's processes, as it always has)."""
    if not args.cluster:
        yield None
        return
    with opened(args.cluster, args.jobs or default_jobs()) as pool:
        yield pool


def _catalogue(args) -> int:
    """Build every title of the catalogue; a title that fails does not stop the others."""
    from ..catalogue import build_catalogue, load_catalogue
    if args.out is not None or args.watch:
        raise InputError(f"{args.manifest} is a catalogue: it names each title's out folder "
                         "(out:), and --watch is for one book; leave out --out and --watch")
    catalogue = load_catalogue(args.manifest)
    catalogue.formats = args.format or catalogue.formats
    catalogue.editions = args.edition or catalogue.editions
    jobs = args.jobs or default_jobs()
    try:
        with terminal.titles_progress(args.quiet, len(catalogue.titles)) as shown, \
                opened(args.cluster, jobs) as pool:
            results = build_catalogue(catalogue, pool, shown, args.cache,
                                      terminal.INTERRUPTED)
    except ClusterError:  # the titles ended before it were built: say how many
        if shown.done and not args.quiet:
            print(f"  {terminal.titles_ending(shown)}", file=sys.stderr)
        raise
    if not args.quiet:
        print(f"  {terminal.titles_ending(shown)}", file=sys.stderr)
    terminal.warn(pool.warnings)
    failed = [r for r in results if r.error is not None]
    for result in results:
        if result.built is not None:
            terminal.warn(result.built.warnings, prefix=f"{result.title.name}: ")
            if not args.quiet:
                for path in result.built.outputs.values():
                    print(path)
    for result in failed:
        print(f"anthology: {result.title.name} failed: "
              + terminal.describe(result.error).removeprefix("anthology: "), file=sys.stderr)
    if failed:
        print(f"anthology: {len(failed)} of {len(results)} titles failed: "
              + ", ".join(r.title.name for r in failed), file=sys.stderr)
        return max(r.error.exit_code for r in failed)
    return 0


def _watch(args) -> int:
    """Build now and after every change of the book's files, until interrupted."""
    from ..workflow import watch

    def rebuild():
        try:
            built = build(args.manifest, args.out, args.format, jobs=args.jobs,
                          cache_dir=args.cache, editions=args.edition, pool=pool)
            print(f"built {', '.join(str(p) for p in built.outputs.values())}", flush=True)
        except AnthologyError as error:
            print(terminal.describe(error), file=sys.stderr, flush=True)
        except Exception as error:  # noqa: BLE001 - keep watching
            print(f"anthology: build failed: {type(error).__name__}: {error}", file=sys.stderr,
                  flush=True)
        print("watching for changes (Ctrl-C stops)", flush=True)

    with _pool(args) as pool:
        watch(args.manifest.resolve().parent, rebuild, threading.Event(), ignore=(args.out,))
    return 0
