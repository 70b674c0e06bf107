"""``anthology check``: validate the manifest only; write nothing."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("check", help="validate the manifest only; write nothing")
    parser.add_argument("manifest", type=Path)
    return parser


def run(args) -> int:
    from ..model import load_book
    book = load_book(args.manifest)
    print(f"{args.manifest}: ok ({len(book.all_stories)} stories)")
    return 0
