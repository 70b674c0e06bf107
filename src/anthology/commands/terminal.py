"""What the commands share of the terminal: the interrupt, the progress display, the message
of an error."""

from __future__ import annotations

import signal
import sys
import threading
from contextlib import contextmanager

from ..errors import AnthologyError, ManifestError

INTERRUPTED = threading.Event()


def catch_interrupts() -> None:
    """Ctrl-C and SIGTERM unwind, so temporary files are removed on the way out. The event
    is kept too: the build checks it before writing, in case native code (Pango, qpdf)
    swallowed the KeyboardInterrupt. Cleared at each start: main() may run many times in a
    process."""
    INTERRUPTED.clear()
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)


def _stop(signum, frame):
    INTERRUPTED.set()
    raise KeyboardInterrupt


def describe(error: AnthologyError) -> str:
    """The message for a user's error: the manifest's problems one a line, else one line."""
    if isinstance(error, ManifestError):
        count = len(error.problems)
        return f"anthology: the manifest has {count} problem{'s' if count != 1 else ''}:\n{error}"
    return f"anthology: {error}"


@contextmanager
def progress(quiet: bool):
    """A progress bar on a terminal; one line per stage otherwise; nothing with --quiet.
    Yields the build's two callbacks: the stage's name, and chunks done of a total."""
    if quiet:
        yield (lambda stage: None), (lambda done, total: None)
        return
    if not sys.stderr.isatty():
        yield (lambda stage: print(f"  {stage}", file=sys.stderr)), (lambda done, total: None)
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), transient=True) as bar:
        task = bar.add_task("starting", total=None)

        def stage(name):
            bar.update(task, description=name, completed=0, total=None)

        def chunks(done, total):
            bar.update(task, completed=done, total=total)

        yield stage, chunks


def warn(warnings: list[str], prefix: str = "") -> None:
    """Each warning a line on stderr: 'anthology: warning: ...'."""
    for warning in warnings:
        print(f"anthology: warning: {prefix}{warning}", file=sys.stderr)
