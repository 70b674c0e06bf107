"""What a build tells as it goes: the stage it is in, what that stage has counted so far
("stories 12/40 chunks", "contents 3/7 windows"), how long each stage took, and how many
layouts it found in the cache rather than made. The library only records and calls
``changed()``; a display (commands/terminal.py) overrides that and reads the rest."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Count:
    """How far a stage has got with one kind of thing: ``done`` of ``total`` (None: not
    known) ``unit`` of ``what`` ("stories", 12, 40, "chunks"), in its ``passes``-th pass
    (the book is laid out again when its page count moves the gutter, the front matter
    when the foreword's page moves)."""
    what: str
    done: int
    total: int | None
    unit: str
    passes: int = 1

    def __str__(self) -> str:
        total = "" if self.total is None else f"/{self.total}"
        again = f" (pass {self.passes})" if self.passes > 1 else ""
        return f"{self.what} {self.done}{total} {self.unit}{again}"

    def final(self) -> str:
        """As a finished stage shows it: "stories 40 chunks" (or "stories 12/40 chunks")."""
        if self.done != self.total:
            return str(self)
        unit = self.unit if self.done != 1 else self.unit.replace("s", "", 1)  # 1 chunk
        again = f" ({self.passes} passes)" if self.passes > 1 else ""
        return f"{self.what} {self.done} {unit}{again}"


@dataclass
class Stage:
    name: str
    started: float
    ended: float | None = None
    counts: dict[str, Count] = field(default_factory=dict)  # what -> its latest count

    def seconds(self, now: float) -> float:
        return (self.ended if self.ended is not None else now) - self.started


class Progress:
    """A build's progress, recorded; ``changed()`` is called after every change."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.started = clock()
        self.ended: float | None = None
        self.stages: list[Stage] = []
        self.cache: dict[str, list[int]] = {}  # what -> [found in the cache, made]
        self.pages_laid_out = 0                 # pages of the layouts made, not found
        self.last: Count | None = None          # the count updated last

    @property
    def current(self) -> Stage | None:
        return self.stages[-1] if self.stages and self.stages[-1].ended is None else None

    def stage(self, name: str) -> None:
        """A new stage starts (and the one before ends)."""
        now = self.clock()
        if self.current is not None:
            self.current.ended = now
        self.stages.append(Stage(name, now))
        self.last = None
        self.changed()

    def count(self, what: str, done: int, total: int | None, unit: str) -> None:
        """The current stage has done ``done`` of ``total`` ``unit`` of ``what`` (fewer
        than it had: another pass)."""
        stage = self.current
        before = stage.counts.get(what) if stage is not None else None
        passes = before.passes + (done < before.done) if before is not None else 1
        self.last = Count(what, done, total, unit, passes)
        if stage is not None:
            stage.counts[what] = self.last
        self.changed()

    def cached(self, what: str, found: bool) -> None:
        """One of ``what`` ("layouts") was found in the cache, or had to be made."""
        self.cache.setdefault(what, [0, 0])[0 if found else 1] += 1

    def laid_out(self, pages: int) -> None:
        """A layout of ``pages`` pages was made (not found in the cache)."""
        self.pages_laid_out += pages

    def finish(self) -> None:
        """The build is done: its last stage ends."""
        self.ended = self.clock()
        if self.current is not None:
            self.current.ended = self.ended
        self.changed()

    def changed(self) -> None:
        """Called after every change; a display overrides it."""

    def seconds(self) -> float:
        return (self.ended if self.ended is not None else self.clock()) - self.started

    def reuse(self) -> str:
        """What came from the cache: "from the cache: 38 of 40 layouts, 2 of 3 body groups;
        45 pages laid out"."""
        if not self.cache:
            return ""
        return "from the cache: " + ", ".join(
            f"{found} of {found + made} {what}" for what, (found, made) in self.cache.items()
        ) + f"; {self.pages_laid_out} page{'s' if self.pages_laid_out != 1 else ''} laid out"


@dataclass
class Ended:
    """A catalogue's title done: its name, its time, and its error if it failed."""
    name: str
    seconds: float
    error: Exception | None


class Titles(Progress):
    """A catalogue's progress: a Progress of each title's own (``title``), which also adds
    its layouts to the whole's; the titles ended (``done_with``), with their outcomes. Titles
    are built side by side, on threads: what they share is changed under a lock."""

    def __init__(self, total: int, clock: Callable[[], float] = time.monotonic):
        super().__init__(clock)
        self.total = total
        self.building: dict[str, Progress] = {}
        self.done: list[Ended] = []
        self.lock = threading.Lock()

    def title(self, name: str) -> Progress:
        """The progress of the title ``name``, which starts now."""
        shown = _Title(self)
        with self.lock:
            self.building[name] = shown
        self.changed()
        return shown

    def done_with(self, name: str, error: Exception | None) -> None:
        """The title ``name`` ended, with ``error`` if it failed."""
        with self.lock:
            shown = self.building.pop(name)
            ended = Ended(name, shown.seconds(), error)
            self.done.append(ended)
        self.title_ended(ended)
        self.changed()

    def title_ended(self, ended: Ended) -> None:
        """Called as each title ends; a display overrides it."""


class _Title(Progress):
    def __init__(self, whole: Titles):
        super().__init__(whole.clock)
        self.whole = whole

    def cached(self, what: str, found: bool) -> None:
        super().cached(what, found)
        with self.whole.lock:
            self.whole.cached(what, found)

    def laid_out(self, pages: int) -> None:
        super().laid_out(pages)
        with self.whole.lock:
            self.whole.laid_out(pages)

    def changed(self) -> None:
        self.whole.changed()


class Callbacks(Progress):
    """The build's two callbacks of old as a Progress: ``stage(name)`` at each stage,
    ``chunks(done, total)`` as the body's chunks are laid out."""

    def __init__(self, stage: Callable[[str], None], chunks: Callable[[int, int], None]):
        super().__init__()
        self.on_stage, self.on_chunks = stage, chunks

    def stage(self, name: str) -> None:
        super().stage(name)
        self.on_stage(name)

    def count(self, what: str, done: int, total: int | None, unit: str) -> None:
        super().count(what, done, total, unit)
        if unit == "chunks":
            self.on_chunks(done, total)


def clock(seconds: float) -> str:
    """Seconds as a clock: "4.2s" under a minute, else "1:05" (or "1:02:05")."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, second = divmod(int(seconds), 60)
    hours, minute = divmod(minutes, 60)
    return f"{hours}:{minute:02}:{second:02}" if hours else f"{minute}:{second:02}"
