"""``anthology theme``: where the built-in theme is, and a copy of it to change."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import InputError


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "theme", help="show where the built-in theme is, or copy it into a book's styles/",
        description="The built-in theme's templates and stylesheets. A book's own styles/ "
                    "folder overrides them file by file; the manifest's theme: settings come "
                    "before every stylesheet, so your copy may override them too.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("path", help="print the built-in theme's folder")
    export = actions.add_parser("export", help="copy the built-in theme into DIR (e.g. a "
                                "book's styles/ folder), keeping the files DIR already has")
    export.add_argument("folder", type=Path, metavar="DIR")
    return parser


def run(args) -> int:
    from ..theme import BUILTIN, export_builtin
    if args.action == "path":
        print(BUILTIN)
        return 0
    try:
        copied, kept = export_builtin(args.folder)
    except OSError as error:
        raise InputError(f"cannot write {args.folder}: {error.strerror or error}") from None
    print(f"copied {len(copied)} files of the built-in theme ({BUILTIN}) into {args.folder}"
          + (f", keeping the {len(kept)} it already had" if kept else "") + ".\n"
          "Keep the files you change and delete the others: a book's styles/ overrides the "
          "built-in theme file by file.")
    return 0
