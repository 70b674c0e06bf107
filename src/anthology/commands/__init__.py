"""The commands of the command line, one module each: ``add_parser(subparsers)`` declares its
arguments and returns its parser, ``run(args) -> int`` carries it out and returns the exit
code, raising an ``errors.AnthologyError`` for what the user can act on (cli.py dispatches and
reports). Modules a command needs only to run are imported in its ``run``."""

from __future__ import annotations

import argparse


def whole_number(low: int, high: int):
    """An argument type: a whole number from ``low`` to ``high``."""
    def parse(value: str) -> int:
        if not value.isdigit() or not low <= int(value) <= high:
            raise argparse.ArgumentTypeError(f"expected a whole number from {low} to {high}, "
                                             f"got {value!r}")
        return int(value)
    return parse
