"""``anthology preview``: the laid-out pages in a browser, reloaded on every change."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..errors import InputError
from . import whole_number


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("preview", help="show the laid-out pages in a browser, "
                                   "reloading on every change (127.0.0.1 only)")
    parser.add_argument("manifest", type=Path)
    parser.add_argument("--port", type=whole_number(1, 65535), default=8000)
    return parser


def run(args) -> int:
    from ..workflow import serve
    if not args.manifest.is_file():
        raise InputError(f"{args.manifest}: no such manifest file")
    try:
        serve(args.manifest, args.port,
              ready=lambda url: print(f"Previewing {args.manifest} at {url} (Ctrl-C stops)",
                                      flush=True),
              report=lambda line: print(f"{time.strftime('%H:%M:%S')} {line}", flush=True))
    except KeyboardInterrupt:  # Ctrl-C is how a preview ends: not a failure
        print("preview stopped", flush=True)
    return 0
