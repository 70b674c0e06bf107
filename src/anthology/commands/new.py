"""``anthology new``: a book folder that builds as is."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import InputError


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("new", help="create a book folder that builds as is")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--title", default="My Anthology")
    return parser


def run(args) -> int:
    from ..workflow import new_book
    try:
        manifest = new_book(args.folder, args.title)
    except FileExistsError as error:
        raise InputError(str(error)) from None
    print(f"{manifest}\nNext: anthology build {manifest}  (or: anthology preview {manifest})")
    return 0
