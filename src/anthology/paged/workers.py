"""The worker processes that run layouts, and their wire protocol.

Workers are plain subprocesses (``python -m anthology.paged.workers``) rather than a
multiprocessing pool: no resource-tracker process, no re-import of the caller's ``__main__``.
The protocol: jobs (layout.LayoutJob) come down a worker's stdin and answers go back up its
stdout, each a length-prefixed pickle: ("done", Laid) or ("failed", exception), then the
worker's resident size in bytes. A worker is replaced once it has grown by ``WORKER_GROWTH``
since its first job: WeasyPrint keeps about half a megabyte of each layout that neither the
garbage collector nor ``malloc_trim`` gets back, and a worker's size must not grow with the
book.
"""

from __future__ import annotations

import gc
import itertools
import os
import pickle
import queue
import signal
import struct
import subprocess
import sys
import threading
from concurrent.futures import Future
from functools import lru_cache

from .layout import LayoutJob, lay_out, warm_up

WORKER_GROWTH = 10 << 20  # bytes


def _send(stream, value) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("<Q", len(data)) + data)
    stream.flush()


def _receive(stream):
    head = stream.read(8)
    if len(head) < 8:
        raise EOFError
    return pickle.loads(stream.read(struct.unpack("<Q", head)[0]))


def default_jobs() -> int:
    """One worker per core this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def serve() -> None:
    """A worker's loop: lay out each job read from stdin, answer on stdout, until EOF."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed goes to stderr, never into the replies
    requests = os.fdopen(0, "rb")
    warm_up()  # while the parent writes the first job
    while True:
        try:
            job = _receive(requests)
        except EOFError:
            return
        try:
            reply = ("done", lay_out(job))
        except Exception as error:  # noqa: BLE001 - the parent raises it
            reply = ("failed", error if _picklable(error) else RuntimeError(repr(error)))
        _send(replies, reply)
        del reply
        release_memory()  # WeasyPrint's box trees hold cycles: free them before the next job
        _send(replies, _resident())  # the parent replaces a worker that keeps growing


def _resident() -> int:
    """This process's resident memory in bytes (0 where /proc does not tell: never replaced)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def release_memory(collect: bool = True) -> None:
    """Free reference cycles (unless not ``collect``: there are none) and give the freed
    memory back to the system (glibc keeps it otherwise, and a process's size would be its
    largest job's for the rest of the build)."""
    if collect:
        gc.collect()
    if _malloc_trim():
        _malloc_trim()(0)


@lru_cache(maxsize=1)
def _malloc_trim():
    try:
        from ctypes import CDLL
        return CDLL("libc.so.6").malloc_trim
    except OSError:
        return None


def _picklable(value) -> bool:
    try:
        pickle.dumps(value)
        return True
    except Exception:  # noqa: BLE001
        return False


class Workers:
    """``count`` worker processes of this machine fed from one queue (a pool.Pool);
    ``submit`` returns a Future."""

    def __init__(self, count: int):
        self.size, self.warnings = count, []
        self._queue: queue.PriorityQueue = queue.PriorityQueue()
        self._order = itertools.count()  # first in, first out within a priority
        self._processes: set[subprocess.Popen] = set()
        self._lock = threading.Lock()
        self._killed = False
        self._threads = [threading.Thread(target=self._feed, daemon=True) for _ in range(count)]
        for thread in self._threads:
            thread.start()

    def start(self) -> None:
        """Start the worker processes now (they import WeasyPrint while the caller works)."""
        for _ in self._threads:
            self._queue.put((-1, next(self._order), "start"))

    def submit(self, job: LayoutJob, urgent: bool = False) -> Future:
        """Queue ``job``; an ``urgent`` one goes before every job that is not."""
        future: Future = Future()
        if self._killed:  # (a catalogue's title still running after Ctrl-C)
            future.set_exception(RuntimeError("the layout workers were stopped"))
            return future
        self._queue.put((0 if urgent else 1, next(self._order), (job, future)))
        return future

    def _stop_feeders(self) -> None:
        for _ in self._threads:
            self._queue.put((2, next(self._order), None))

    def close(self) -> None:
        """Let the workers finish what was submitted, then stop them."""
        self._stop_feeders()
        for thread in self._threads:
            thread.join()

    def kill(self) -> None:
        """Stop at once (on an error or an interrupt)."""
        self._killed = True
        with self._lock:
            for process in self._processes:
                process.kill()
        self._stop_feeders()

    def _start(self) -> subprocess.Popen:
        process = subprocess.Popen([sys.executable, "-m", "anthology.paged.workers"],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        with self._lock:
            self._processes.add(process)
            if self._killed:  # kill() came while it started
                process.kill()
        return process

    def _stop(self, process: subprocess.Popen) -> None:
        process.stdin.close()
        process.wait()
        with self._lock:
            self._processes.discard(process)

    def _feed(self) -> None:
        process, first, size = None, 0, 0  # first: the worker's size after its first job
        while (item := self._queue.get()[2]) is not None:
            if item == "start":  # (not once killed: a build that failed early)
                process = process or (None if self._killed else self._start())
                continue
            job, future = item
            if self._killed:
                future.cancel()
            if not future.set_running_or_notify_cancel():
                continue
            if process is None or (first and size > first + WORKER_GROWTH):
                if process is not None:
                    self._stop(process)
                process, first = self._start(), 0
            try:
                _send(process.stdin, job)
                status, value = _receive(process.stdout)
            except Exception as error:  # noqa: BLE001 - never leave a Future waiting
                future.set_exception(RuntimeError(f"a layout worker stopped unexpectedly: {error!r}"))
                process.kill()
                process = None
                continue
            if status == "done":
                future.set_result(value)
            else:
                future.set_exception(value)
            try:
                size = _receive(process.stdout)
            except Exception:  # noqa: BLE001 - the worker is gone: start another next time
                process.kill()
                process = None
                continue
            first = first or size
        if process is not None:
            self._stop(process)


if __name__ == "__main__":
    serve()
