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
    add_edition_option(parser, "check")
    return parser


def add_edition_option(parser, verb: str) -> None:
    parser.add_argument("--edition", action="append", default=[], metavar="NAME",
                        help=f"{verb} only this edition (of the manifest's editions:); may be "
                        "given more than once (default: every edition)")


def run(args) -> int:
    from ..build import targets
    from ..model import load_book
    from ..preflight import check
    book = load_book(args.manifest)
    checks = []
    for target in targets(book, args.out, ["print", "cover"], args.edition):
        if not target.edition.printed:
            continue
        paths = target.paths
        missing = [str(paths[k]) for k in ("print", "cover") if not paths[k].is_file()]
        if missing:
            chosen = "".join(f" --edition {name}" for name in args.edition)
            raise InputError(f"nothing to check: {', '.join(missing)} not found; run "
                             f"'anthology build {args.manifest} --out {args.out}{chosen} "
                             "--format print,cover' first")
        checks += check(book.as_edition(target.name), paths["print"], paths["cover"],
                        edition=target.name)
    if not checks:
        raise InputError("nothing to check: the chosen editions are not printed (preflight "
                         "checks paperback and hardcover editions)")
    report(book, checks, quiet=False)
    return 0


def report(book, checks, quiet: bool) -> None:
    """Print the table of checks (with --quiet, only if one failed); raise PreflightError if
    one failed."""
    from ..preflight import table
    failed = [c for c in checks if not c.ok]
    if failed or not quiet:
        editions = dict.fromkeys(c.edition for c in checks if c.edition)
        print(f"Preflight ({', '.join(editions) if editions else book.print.profile}):\n"
              f"{table(checks)}")
    if failed:
        raise PreflightError(f"{len(failed)} preflight check{'s' if len(failed) > 1 else ''} "
                             "failed")
