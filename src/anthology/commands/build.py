"""``anthology build``: validate the manifest and write the book; with ``--watch``, again after
every change."""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path

from ..build import FORMATS, build
from ..errors import AnthologyError
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
    parser = subparsers.add_parser("build", help="validate the manifest and write the book")
    parser.add_argument("manifest", type=Path, help="the book's YAML manifest")
    parser.add_argument("--out", type=Path, default=Path("build"),
                        help="output folder (default: build)")
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
    return parser


def run(args) -> int:
    if args.watch:
        return _watch(args)
    with terminal.progress(args.quiet) as shown:
        built = build(args.manifest, args.out, args.format, jobs=args.jobs,
                      cache_dir=args.cache, cancel=terminal.INTERRUPTED,
                      editions=args.edition, reporter=shown)
    terminal.warn(built.warnings)
    if not args.quiet:
        for path in built.outputs.values():
            print(path)
    if built.preflight is not None:
        report(built.book, built.preflight, args.quiet)
    return 0


def _watch(args) -> int:
    """Build now and after every change of the book's files, until interrupted."""
    from ..workflow import watch

    def rebuild():
        try:
            built = build(args.manifest, args.out, args.format, jobs=args.jobs,
                          cache_dir=args.cache, editions=args.edition)
            print(f"built {', '.join(str(p) for p in built.outputs.values())}", flush=True)
        except AnthologyError as error:
            print(terminal.describe(error), file=sys.stderr, flush=True)
        except Exception as error:  # noqa: BLE001 - keep watching
            print(f"anthology: build failed: {type(error).__name__}: {error}", file=sys.stderr,
                  flush=True)
        print("watching for changes (Ctrl-C stops)", flush=True)

    watch(args.manifest.resolve().parent, rebuild, threading.Event(), ignore=(args.out,))
    return 0
