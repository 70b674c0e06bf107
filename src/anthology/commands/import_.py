"""``anthology import``: a manifest made from scraped tweet text, a story file made from a
Word submission (.docx), or a book folder made from a folder of them (``import`` is a keyword,
hence the module's name)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..errors import InputError
from .terminal import warn


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "import", help="make a manifest from scraped tweet text, or stories from Word files")
    parser.add_argument("source", type=Path, help="text with stories followed by "
                        "'- Name (@handle) Month D, YYYY'; or a Word .docx; or a folder of "
                        ".docx files")
    # A string, not a Path: a trailing / (a folder to write into) must survive.
    parser.add_argument("-o", "--output", help="where to write: the manifest (text), a "
                        "story file or a folder ending in / (a .docx: default standard "
                        "output), the new book's folder (a folder of .docx files)")
    parser.add_argument("--title", default="Imported stories", help="the book's title")
    parser.add_argument("--kind", choices=("prose", "verse", "letter"),
                        help="the imported pieces' kind (Word files): verse keeps a poem's "
                        "lines and stanzas")
    return parser


def run(args) -> int:
    if args.source.is_dir():
        return _folder(args)
    if args.source.suffix.lower() == ".docx":
        return _docx(args)
    if args.source.suffix.lower() == ".doc":
        raise InputError(f"{args.source}: an old-style Word file; save it as .docx in Word "
                         "(or LibreOffice) and import that")
    from ..importer import to_manifest
    try:
        text = args.source.read_text(encoding="utf-8-sig")
        manifest = to_manifest(text, args.title)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise InputError(f"{args.source}: {error}") from None
    if args.output:
        from ..files import write_atomically
        write_atomically(Path(args.output), manifest.encode())
    else:
        sys.stdout.write(manifest)
    return 0


def _docx(args) -> int:
    from ..files import write_atomically
    from ..word import read_docx, write_story
    story = read_docx(args.source, args.kind)
    if not args.output:
        warn(story.warnings, f"{args.source.name}: ")
        sys.stdout.write(story.text)
        return 0
    output = Path(args.output)
    if args.output.endswith(("/", os.sep)) or output.is_dir():
        path = write_story(story, output, fallback_stem=args.source.stem)
    else:
        path = write_atomically(output, story.text.encode())
    warn(story.warnings, f"{path}: ")
    print(f"anthology: wrote {path}", file=sys.stderr)
    return 0


def _folder(args) -> int:
    from ..word import import_folder
    if not args.output:
        raise InputError(f"{args.source} is a folder: give the new book's folder with -o "
                         "FOLDER (it gets book.yaml and stories/)")
    done = import_folder(args.source, Path(args.output), args.title, args.kind)
    warn(done.warnings)
    print(f"anthology: wrote {done.manifest} and {len(done.stories)} "
          f"stor{'y' if len(done.stories) == 1 else 'ies'} in "
          f"{done.manifest.parent / 'stories'}\nNext: anthology check {done.manifest}",
          file=sys.stderr)
    return 0
