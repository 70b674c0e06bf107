"""``anthology import``: a manifest made from scraped tweet text (``import`` is a keyword,
hence the module's name)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import InputError


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("import", help="make a manifest from scraped tweet text")
    parser.add_argument("source", type=Path, help="text with stories followed by "
                        "'- Name (@handle) Month D, YYYY'")
    parser.add_argument("-o", "--output", type=Path, help="where to write the manifest "
                        "(default: standard output)")
    parser.add_argument("--title", default="Imported stories", help="the book's title")
    return parser


def run(args) -> int:
    from ..importer import to_manifest
    try:
        text = args.source.read_text(encoding="utf-8-sig")
        manifest = to_manifest(text, args.title)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise InputError(f"{args.source}: {error}") from None
    if args.output:
        from ..build import write_atomically
        write_atomically(args.output, manifest.encode())
    else:
        sys.stdout.write(manifest)
    return 0
