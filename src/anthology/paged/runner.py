"""Running layout jobs: from the cache when it has them, else on the worker processes.

``Runner.submit`` returns a ``Pending`` layout; ``run`` lays out a sequence of jobs keeping
every worker busy; ``drive`` runs documents laid out in windows (windows.Layouts) side by
side. The parent lays out nothing itself unless it has one worker, so its memory stays small.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, wait

from ..progress import Progress
from .cache import Cache
from .layout import BOOK, Laid, LayoutJob, Piece, Stored, lay_out
from .pool import Pool
from .windows import NOT_YET, Counted, Layouts, Pages
from .workers import Workers


class Runner:
    """Lays out jobs: from the cache when it has them, else in ``jobs`` worker processes,
    started on first need (use it as a context manager), or in a ``pool`` that others share
    (a catalogue's, a Dask cluster: pool.py), which its owner starts and stops. Tells
    ``progress`` what it lays out and what it finds in the cache. With ``keep_workers`` (the
    preview), the workers outlive each ``release()`` but one of a failure."""

    def __init__(self, jobs: int = 1, cache: Cache | None = None,
                 progress: Progress | None = None, keep_workers: bool = False,
                 pool: Pool | None = None):
        self.jobs = pool.size if pool is not None else max(1, jobs)
        self.progress, self.keep_workers, self.pool = progress or Progress(), keep_workers, pool
        self.cache = cache or Cache.nowhere()
        self._workers: Workers | None = None
        self._submitted: list[Future] = []  # to a shared pool: cancelled if this build fails
        self.refused: set[str] = set()  # URLs a layout could not read (see build)

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, kind, error, trace) -> None:
        self._stop(failed=kind is not None)

    def release(self, failed: bool = False) -> None:
        """Stop the workers (they are started again if more is submitted), unless they are
        kept and nothing ``failed``."""
        if failed or not self.keep_workers:
            self._stop(failed)

    def _stop(self, failed: bool) -> None:
        """Let the workers finish what was submitted, or after a failure kill them at once
        (of a shared pool, cancel what this runner submitted)."""
        if failed:
            for running in self._submitted:
                running.cancel()
        self._submitted = []
        if self._workers is not None:
            self._workers.kill() if failed else self._workers.close()
            self._workers = None

    def start(self) -> None:
        """Start the workers ahead of the first job (a build does while reading the book)."""
        if self.jobs > 1 and self.pool is None and self._workers is None:
            self._workers = Workers(self.jobs)
            self._workers.start()

    def submit(self, job: LayoutJob, urgent: bool = False) -> Pending:
        """Start laying out ``job`` (unless the cache has it); ``.result()`` waits for it.
        An ``urgent`` job (one that others wait for) goes before the rest of the queue."""
        key = job.key()
        cached = self.cache.get(key)
        if cached is not None:
            try:
                found = Pending(self, key, job.base_url,
                                done=Stored(self.cache, key, Laid.from_bytes(cached)))
                self.progress.cached("layouts", True)
                return found
            except ValueError:  # an entry of the right checksum but not a layout: rebuild
                pass
        self.progress.cached("layouts", False)
        if self.pool is not None:
            running = self.pool.submit(job, urgent)
            self._submitted = [f for f in self._submitted if not f.done()] + [running]
            return Pending(self, key, job.base_url, running=running)
        if self.jobs == 1:
            return Pending(self, key, job.base_url, job=job)
        if self._workers is None:
            self._workers = Workers(self.jobs)
        return Pending(self, key, job.base_url, running=self._workers.submit(job, urgent))

    def lay_out(self, job: LayoutJob) -> Piece:
        """Lay ``job`` out now, before anything queued."""
        return self.submit(job, urgent=True).result()

    def run(self, jobs: Iterable[LayoutJob], count: int,
            what: tuple[str, str] = ("stories", "chunks")) -> list[Piece]:
        """Lay out ``count`` jobs, in order. A few are submitted ahead of the one awaited,
        enough to keep every worker busy: the rest are made (their HTML written) only when
        their turn comes, so that the parent does not hold a big book's HTML all at once.
        Counted as ``what``: ("stories", "chunks") says "stories 12/40 chunks"."""
        waiting: deque[Pending] = deque()
        results: list[Piece] = []
        self.progress.count(what[0], 0, count, what[1])
        for job in itertools.chain(jobs, [None]):
            if job is not None:
                waiting.append(self.submit(job))
            while waiting and (job is None or len(waiting) > 2 * self.jobs):
                results.append(waiting.popleft().result())
                self.progress.count(what[0], len(results), count, what[1])
        return results

    def drive(self, layouts: list[Layouts]) -> list[Pages]:
        """Run documents laid out in windows side by side: each yields a job, waits for its
        layout and yields the next, or yields NOT_YET until another's layout tells it what
        it shows; the workers are kept busy with all of them at once. A document may also
        yield how far its windows have got (Counted), which goes to ``progress``."""
        results: list = [None] * len(layouts)
        waiting: dict[int, Pending | None] = {i: None for i in range(len(layouts))}
        while waiting:
            advanced = False
            for i, pending in list(waiting.items()):
                if pending is not None and pending.would_wait():
                    continue
                try:
                    job = layouts[i].send(pending.result() if pending is not None else None)
                    while isinstance(job, Counted):
                        self.progress.count(job.what, job.done, job.total, "windows")
                        job = layouts[i].send(None)
                except StopIteration as done:
                    results[i] = done.value
                    del waiting[i]
                    advanced = True
                    continue
                waiting[i] = None if job is NOT_YET else self.submit(job, urgent=True)
                advanced = advanced or job is not NOT_YET
            running = [p.running for p in waiting.values() if p is not None and p.would_wait()]
            if running:
                wait(running, return_when=FIRST_COMPLETED)
            elif not advanced and waiting:
                raise RuntimeError("the front and back matter wait for each other")
        return results


class Pending:
    """A layout on its way: found in the cache (``done``), running in a worker
    (``running``), or to run in this process when its result is asked for (``job``)."""

    def __init__(self, runner: Runner, key: str, base_url: str, done: Piece | None = None,
                 running: Future | None = None, job: LayoutJob | None = None):
        self.runner, self.key, self.done, self.running, self.job = runner, key, done, running, job
        self.base_url = base_url.rstrip("/")  # where the book is: what BOOK stands for

    def would_wait(self) -> bool:
        """Whether ``result()`` would wait for a worker still laying it out."""
        return self.done is None and self.running is not None and not self.running.done()

    def result(self) -> Piece:
        if self.done is None:
            self.done = self.running.result() if self.running is not None else lay_out(self.job)
            self.runner.progress.laid_out(len(self.done.blanks))
            if self.runner.cache.put(self.key, self.done.to_bytes()):
                self.done = Stored(self.runner.cache, self.key, self.done)
        self.runner.refused.update(url.replace(BOOK, self.base_url) for url in self.done.refused)
        return self.done
