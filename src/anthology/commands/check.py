"""``anthology check``: validate the manifest, and warn about its people (lint.py); write
nothing."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import InputError


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "check", help="validate the manifest and warn about its people (W codes); write nothing",
        description="Validate the manifest (a problem fails the check, exit 2). A valid "
        "manifest's warnings are printed on stderr, one a line, and do not fail the check "
        "unless --strict is given.")
    parser.add_argument("manifest", type=Path)
    parser.add_argument("--strict", action="store_true",
                        help="fail on warnings too (exit 2), e.g. in CI")
    return parser


def run(args) -> int:
    from ..lint import lint
    from ..model import load_book
    book = load_book(args.manifest)
    warnings = lint(book, args.manifest)
    for warning in warnings:
        print(warning, file=sys.stderr)
    count = f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}"
    if warnings and args.strict:
        print(f"anthology: {count}, and --strict fails the check on them", file=sys.stderr)
        return InputError.exit_code
    pieces = len(book.all_stories)
    print(f"{args.manifest}: ok ({pieces} {'story' if pieces == 1 else 'stories'}"
          f"{', ' + count if warnings else ''})")
    return 0
