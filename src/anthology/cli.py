"""The command line's entry point: the parser made of the commands (``commands/``), dispatch,
and each error's message and exit code (the table is in ``errors.py``). The library never
prints or exits; this module and the commands do."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import traceback

from . import __version__
from .commands import build, check, import_, new, preflight, preview, terminal, theme
from .errors import AnthologyError

COMMANDS = (build, new, preview, check, preflight, import_, theme)  # in the order --help lists them


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="anthology", description="Turn a YAML manifest of stories into a PDF and an EPUB 3.")
    parser.add_argument("--version", action="version", version=f"anthology {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(subparsers).set_defaults(run=command.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    terminal.catch_interrupts()
    if args.debug:  # the library logs what it decided quietly (e.g. a discarded cache entry)
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("anthology: debug: %(message)s"))
        logging.getLogger("anthology").addHandler(handler)
        logging.getLogger("anthology").setLevel(logging.DEBUG)
    try:
        return args.run(args)
    except AnthologyError as error:
        print(terminal.describe(error), file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("anthology: interrupted; earlier outputs are unchanged", file=sys.stderr)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C: let threads end
        return 128 + signal.SIGINT
    except Exception as error:  # noqa: BLE001 - the last line of defence for users
        if args.debug:
            traceback.print_exc()
        print(f"anthology: internal error: {type(error).__name__}: {error}\n"
              "Rerun with --debug for the traceback, and report it if it persists.",
              file=sys.stderr)
        return AnthologyError.exit_code


if __name__ == "__main__":  # python -m anthology.cli, as before __main__.py
    sys.exit(main())
