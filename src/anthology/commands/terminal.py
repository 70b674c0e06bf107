"""What the commands share of the terminal: the interrupt, the progress display, the message
of an error."""

from __future__ import annotations

import signal
import sys
import threading
from contextlib import contextmanager, nullcontext

from ..errors import AnthologyError, ManifestError
from ..progress import Ended, Progress, Stage, Titles, clock

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
        return (f"anthology: the {error.what} has {count} problem{'s' if count != 1 else ''}:"
                f"\n{error}")
    return f"anthology: {error}"


@contextmanager
def progress(quiet: bool):
    """Yields the build's Progress, shown: on a terminal, each stage's line with its time as
    it ends and the current one live below (its counts, a bar, its clock and the build's);
    otherwise each stage's name on a line as it starts. Then, if the build got to its end, a
    line of the whole time and what came from the cache. Nothing with --quiet."""
    if quiet:
        yield Progress()
        return
    if not sys.stderr.isatty():
        shown = _Lines()
        yield shown
    else:
        from rich.console import Console
        from rich.live import Live
        shown = _Live(Console(stderr=True))
        with Live(get_renderable=shown.render, console=shown.console, transient=True,
                  refresh_per_second=8) as shown.live:  # rich's thread redraws it: the
            yield shown                                   # clocks tick while the build waits
    if shown.ended is not None:
        print(f"  {ending(shown)}", file=sys.stderr)


@contextmanager
def titles_progress(quiet: bool, total: int):
    """Yields a catalogue's Progress (progress.Titles), shown: a line as each title ends;
    on a terminal, live below them, the titles done, the layouts made and found, and each
    title building with its stage. Nothing with --quiet."""
    if quiet:
        yield Titles(total)
        return
    if not sys.stderr.isatty():
        shown, live = _TitleLines(total), nullcontext()
    else:
        from rich.console import Console
        from rich.live import Live
        shown = _LiveTitles(total, Console(stderr=True))
        live = Live(get_renderable=shown.render, console=shown.console, transient=True,
                    refresh_per_second=8)
    with live as shown.live:
        try:
            yield shown
        finally:
            shown.close()


def title_line(ended: Ended, number: int, total: int) -> str:
    """The ``number``-th title to end: "[3/20]   12.3s  river/book.yaml", or
    "[4/20]  failed  tide/book.yaml: why"."""
    if ended.error is None:
        return f"[{number}/{total}] {clock(ended.seconds):>7}  {ended.name}"
    why = str(ended.error).splitlines()[0] if str(ended.error) else type(ended.error).__name__
    return f"[{number}/{total}]  failed  {ended.name}: {why}"


def titles_ending(shown: Titles) -> str:
    """The last line: "19 of 20 titles built, 1 failed, in 3:12 · from the cache: ..."."""
    failed = sum(ended.error is not None for ended in shown.done)
    return " · ".join(filter(None, [f"{len(shown.done) - failed} of {shown.total} titles "
                                    f"built, {failed} failed, in {clock(shown.seconds())}",
                                    shown.reuse()]))


class _TitleLines(Titles):
    def __init__(self, total: int):
        super().__init__(total)
        self.printing = threading.Lock()  # a line at a time, from the titles' threads
        self.printed = 0
        self.closed = False

    def close(self) -> None:
        """Print no more: titles still ending after a stop (Ctrl-C) say nothing."""
        with self.printing:
            self.closed = True

    def title_ended(self, ended: Ended) -> None:
        with self.printing:
            if not self.closed:
                self.printed += 1
                self.show(title_line(ended, self.printed, self.total))

    def show(self, line: str) -> None:
        print(f"  {line}", file=sys.stderr, flush=True)


class _LiveTitles(_TitleLines):
    def __init__(self, total: int, console):
        from rich.spinner import Spinner
        super().__init__(total)
        self.console, self.spinner, self.live = console, Spinner("dots"), None

    def show(self, line: str) -> None:
        self.console.print(f"  {line}", highlight=False, markup=False)

    def render(self):
        from rich.table import Table
        now = self.clock()
        grid = Table.grid(padding=(0, 1), expand=True)
        grid.add_column(no_wrap=True, min_width=1)
        grid.add_column(no_wrap=True, overflow="ellipsis", ratio=1)
        grid.add_column(no_wrap=True, justify="right")
        layouts = self.cache.get("layouts", [0, 0])
        grid.add_row(self.spinner, f"titles {len(self.done)}/{self.total} · layouts "
                     f"{layouts[1]} laid out, {layouts[0]} from the cache",
                     clock(now - self.started))
        with self.lock:
            building = list(self.building.items())
        for name, title in building:
            stage = title.current
            if stage is not None:
                counts = [str(count) for count in list(stage.counts.values())]
                grid.add_row("", f"  {name}: " + " · ".join([stage.name, *counts]),
                             clock(stage.seconds(now)))
        return grid


def stage_line(stage: Stage, now: float) -> str:
    """A stage as the summary shows it: "   4.2s  laying out ... · stories 40 chunks"."""
    return "{:>7}  {}".format(*_stage_parts(stage, now))


def _stage_parts(stage: Stage, now: float) -> tuple[str, str]:
    return clock(stage.seconds(now)), " · ".join([stage.name, *(count.final() for count
                                                                in stage.counts.values())])


def ending(shown: Progress) -> str:
    """The last line: "built in 1:05 · from the cache: 38 of 40 layouts"."""
    return " · ".join(filter(None, [f"built in {clock(shown.seconds())}", shown.reuse()]))


class _Lines(Progress):
    """Not a terminal: each stage's name on a line as it starts."""

    def stage(self, name: str) -> None:
        super().stage(name)
        print(f"  {name}", file=sys.stderr)


class _Live(Progress):
    """A terminal: a stage's line stays, with its time, once it ends; ``render`` draws the
    current one and its counts (called by rich's thread, also while the build waits)."""

    def __init__(self, console):
        from rich.spinner import Spinner
        super().__init__()
        self.console, self.spinner, self.live = console, Spinner("dots"), None

    def stage(self, name: str) -> None:
        self._ended(self.current)
        super().stage(name)
        if self.live is not None:
            self.live.refresh()  # now, rather than the ended stage again until the next tick

    def finish(self) -> None:
        ended = self.current
        super().finish()
        self._ended(ended)

    def _ended(self, stage: Stage | None) -> None:
        """The stage's line, as stage_line, its counts wrapped under its name."""
        from rich.table import Table
        if stage is None:
            return
        grid = Table.grid(padding=(0, 2))
        grid.add_column(no_wrap=True, justify="right", min_width=7)
        grid.add_column()
        grid.add_row(*_stage_parts(stage, self.clock()))
        self.console.print(grid, highlight=False)

    def render(self):
        """The current stage, its clock and the build's; below, each of its counts with a
        bar."""
        from rich.progress_bar import ProgressBar
        from rich.table import Table
        now, stage = self.clock(), self.current
        grid = Table.grid(padding=(0, 1), expand=True)
        grid.add_column(no_wrap=True, min_width=1)
        grid.add_column(no_wrap=True, overflow="ellipsis", ratio=1)
        grid.add_column(no_wrap=True, justify="right")
        if stage is None:
            return grid
        grid.add_row(self.spinner, stage.name,
                     f"{clock(stage.seconds(now))} · {clock(now - self.started)} in all")
        for count in list(stage.counts.values()):
            grid.add_row("", f"  {count}", ProgressBar(total=count.total, completed=count.done,
                                                       width=24) if count.total else "")
        return grid


def warn(warnings: list[str], prefix: str = "") -> None:
    """Each warning a line on stderr: 'anthology: warning: ...'."""
    for warning in warnings:
        print(f"anthology: warning: {prefix}{warning}", file=sys.stderr)
