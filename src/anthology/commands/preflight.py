"""``anthology preflight``: check the built print files against the printer's rules; and the
report of preflight that ``build`` prints too."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import InputError, PreflightError


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("preflight", help="check the built print files against the "
                                   "printer's rules (the manifest's print.profile)")
    parser.add_argument("manifest", type=Path)
    parser.add_argument("--out", type=Path, default=Path("build"),
                        help="where the book was built (default: build)")
    return parser


def run(args) -> int:
    from ..build import output_paths
    from ..model import load_book
    from ..preflight import check
    book = load_book(args.manifest)
    paths = output_paths(book, args.out)
    missing = [str(paths[k]) for k in ("print", "cover") if not paths[k].is_file()]
    if missing:
        raise InputError(f"nothing to check: {', '.join(missing)} not found; run "
                         f"'anthology build {args.manifest} --format print,cover' first")
    report(book, check(book, paths["print"], paths["cover"]), quiet=False)
    return 0


def report(book, checks, quiet: bool) -> None:
    """Print the table of checks (with --quiet, only if one failed); raise PreflightError if
    one failed."""
    from ..preflight import table
    failed = [c for c in checks if not c.ok]
    if failed or not quiet:
        print(f"Preflight ({book.print.profile}):\n{table(checks)}")
    if failed:
        raise PreflightError(f"{len(failed)} preflight check{'s' if len(failed) > 1 else ''} "
                             "failed")
