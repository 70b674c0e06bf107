"""The workers of a Dask cluster as a layout pool (pool.Pool), for ``--cluster``.

A job goes to the cluster with everything it reads of this machine: the book's images and
the theme's files (``Carried``, sent once per set of files, not once per job). A
worker never reads this machine's disk; what it reads of its own is the system's: fonts
and the ICC profile, from Debian packages, at the same paths. Those must be the same
files, or the same book would print otherwise: every worker reports them (name, version,
SHA-256) before it is used, one whose files differ from this machine's is not used, and a
job checks them again where it runs (a worker that joined later). Each job comes back as
the bytes of its ``Laid``; a worker killed during a job is the scheduler's to retry.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import os
import re
import threading
import uuid
import warnings
from concurrent.futures import Future
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..errors import ClusterError
from .layout import Laid, LayoutJob, lay_out, on_system

_FILE_URL = re.compile(r"""url\(\s*['"]?(file://[^)'"\s]+)""")
WAIT_FOR_WORKERS = 30  # seconds a scheduler may take to have its first worker


@dataclass(frozen=True)
class Carried:
    """What a job reads of this machine: file path -> (bytes, media type); and the system
    files it reads of the worker's, with their SHA-256 here."""
    files: dict[str, tuple[bytes, str]]
    system: tuple[tuple[str, str], ...]


def carried(job: LayoutJob) -> Carried:
    """The files of ``job``'s roots that are not the system's (each file a root names, every
    file inside a folder it names that really lies inside it, as layout.local_fetcher
    allows), and the system files its stylesheets name."""
    files: dict[str, tuple[bytes, str]] = {}
    for root in job.roots:
        if on_system(root):
            continue
        top = Path(root)
        found = [top] if top.is_file() else [Path(folder, name) for folder, _, names in
                                              os.walk(top) for name in names]
        inside = top.resolve()
        for path in found:
            real = path.resolve()
            if real.is_file() and (real == inside or real.is_relative_to(inside)):
                files[os.path.normpath(path)] = (
                    real.read_bytes(), mimetypes.guess_type(str(path))[0] or "text/plain")
    named = {unquote(urlsplit(url).path) for css, _ in job.stylesheets
             for url in _FILE_URL.findall(css)}
    system = tuple((path, face(path)[2]) for path in sorted(named) if on_system(path)
                   and Path(path).is_file())
    return Carried(files, system)


@lru_cache(maxsize=None)
def _face(path: str, size: int, modified: int) -> tuple[str, str, str]:
    data = Path(path).read_bytes()
    name, version = Path(path).name, ""
    try:
        from fontTools.ttLib import TTFont
        names = TTFont(path, lazy=True)["name"]
        name, version = names.getDebugName(4) or name, names.getDebugName(5) or ""
    except Exception:  # noqa: BLE001 - not a font (the ICC profile): its file name
        pass
    return name, version, hashlib.sha256(data).hexdigest()


def face(path: str) -> tuple[str, str, str] | None:
    """A system file as this machine has it: (name, version, SHA-256); None if it has not."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return _face(path, stat.st_size, stat.st_mtime_ns)


def faces(paths: list[str]) -> dict[str, tuple[str, str, str] | None]:
    """What a worker reports of the system files ``paths``."""
    return {path: face(path) for path in paths}


def differences(ours: dict, theirs: dict) -> list[str]:
    """How a worker's system files differ from ours, in words."""
    out = []
    for path, mine in ours.items():
        other = theirs.get(path)
        if other == mine:
            continue
        if other is None:
            out.append(f"it has no {path} (here: {_named(mine)})")
        else:
            out.append(f"{path} is {_named(other)} there, {_named(mine)} here")
    return out


def _named(found: tuple[str, str, str]) -> str:
    name, version, sha = found
    return " ".join(filter(None, [name, version, f"sha256 {sha[:12]}"]))


class Cluster:
    """The workers of a Dask cluster: one a LocalCluster started here (``local``), or one
    reached through its scheduler (``connect``)."""

    def __init__(self, client, cluster=None, address: str = ""):
        self.client, self._cluster, self.address = client, cluster, address
        self.warnings: list[str] = []
        self._carried: dict[tuple, object] = {}    # (roots, resources, system) -> future
        self._allowed: dict[tuple, list | None] = {}  # system files -> workers (None: all)
        self._running: set = set()
        self._lock = threading.Lock()
        workers = client.scheduler_info(n_workers=-1)["workers"].values()
        self.size = max(1, sum(w.get("nthreads", 1) for w in workers))

    @classmethod
    def local(cls, count: int) -> Cluster:
        """A LocalCluster of ``count`` worker processes, one job at a time each."""
        distributed = _distributed()
        cluster = distributed.LocalCluster(
            n_workers=count, threads_per_worker=1, processes=True,
            dashboard_address="127.0.0.1:0",  # its HTTP server on a free port, not on 8787
            silence_logs=logging.CRITICAL)
        return cls(distributed.Client(cluster), cluster, f"local:{count}")

    @classmethod
    def connect(cls, address: str) -> Cluster:
        """The cluster whose scheduler is at ``address``, once it has a worker."""
        distributed = _distributed()
        try:
            client = distributed.Client(address)  # (dask's connect timeout: 30 s)
        except (OSError, TimeoutError) as error:
            raise ClusterError(f"cannot reach the Dask scheduler at {address} ({error}); "
                               "start it (dask scheduler) or check the address") from None
        try:
            client.wait_for_workers(1, timeout=WAIT_FOR_WORKERS)
        except TimeoutError:
            client.close()
            raise ClusterError(f"the Dask scheduler at {address} has had no worker for "
                               f"{WAIT_FOR_WORKERS} s; start some (dask worker {address})")
        return cls(client, None, address)

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, kind, error, trace) -> None:
        self.kill() if kind is not None else self.close()

    def start(self) -> None:
        """The workers are already started."""

    def submit(self, job: LayoutJob, urgent: bool = False) -> Future:
        future: Future = Future()
        try:
            bundle, workers = self._prepared(job)
            remote = self.client.submit(run_job, job, bundle, key=f"anthology-{job.key()}",
                                        priority=1 if urgent else 0, workers=workers)
        except ClusterError:
            raise
        except Exception as error:  # noqa: BLE001 - the scheduler went away
            raise self._lost(error) from None
        with self._lock:
            self._running.add(remote)
        remote.add_done_callback(lambda done: self._finished(done, future))
        future.add_done_callback(lambda f: remote.cancel() if f.cancelled() else None)
        return future

    def _finished(self, remote, future: Future) -> None:
        """A Dask future's outcome, given to ours (on the client's callback thread)."""
        with self._lock:
            self._running.discard(remote)
        if not future.set_running_or_notify_cancel():
            return
        try:
            if remote.status == "finished":
                future.set_result(Laid.from_bytes(remote.result()))
            elif remote.status == "cancelled":
                future.set_exception(self._lost(None))
            else:
                error = remote.exception()
                if type(error).__name__ == "KilledWorker":
                    error = ClusterError(f"a layout stopped its Dask worker again and again "
                                         f"({error}); see the workers' logs")
                future.set_exception(error)
        except Exception as error:  # noqa: BLE001 - never leave a Future waiting
            future.set_exception(self._lost(error))

    def _lost(self, error) -> ClusterError:
        return ClusterError(f"lost the Dask scheduler at {self.address} during the build"
                            + (f" ({error})" if error else "") + "; nothing was written")

    def _prepared(self, job: LayoutJob) -> tuple[object, list | None]:
        """The job's files, sent once for every job that reads the same; the workers
        that have this machine's system files."""
        with self._lock:
            key = (job.roots, job.resources, tuple(css for css, _ in job.stylesheets))
            if key not in self._carried:
                bundle = carried(job)
                with warnings.catch_warnings():  # "large object in the task graph": it is
                    warnings.simplefilter("ignore")
                    # a task, not scattered data: a worker that dies with it is not the
                    # end of it, the scheduler makes it again elsewhere
                    files = self.client.submit(_identity, bundle, priority=2,
                                               key=f"anthology-files-{uuid.uuid4().hex}")
                self._carried[key] = (files, tuple(path for path, _ in bundle.system))
            files, system = self._carried[key]
            if system not in self._allowed:
                self._allowed[system] = self._workers_with(list(system))
            return files, self._allowed[system]

    def _workers_with(self, system: list[str]) -> list | None:
        """The workers whose system files are ours (None: all of them); a warning for each
        that is not, a ClusterError if none is."""
        ours = faces(system)
        reports = self.client.run(faces, system, on_error="return")
        refused = {}
        for worker, theirs in sorted(reports.items()):
            why = [f"it could not tell ({theirs})"] if isinstance(theirs, Exception) \
                else differences(ours, theirs)
            if why:
                refused[worker] = why
        message = "; ".join(f"the Dask worker {w} has other fonts than this machine: "
                            + "; ".join(why) for w, why in refused.items())
        if refused and len(refused) == len(reports):
            raise ClusterError(message + ". No worker can lay out this book as this machine "
                               "would: give the workers the same font packages (README, "
                               "Building on a cluster)")
        if not refused:
            return None
        self.warnings.append(message + "; anthology does not use it")
        return sorted(set(reports) - set(refused))

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()

    def kill(self) -> None:
        with self._lock:
            running, self._running = list(self._running), set()
        for remote in running:
            remote.cancel()
        self.close()


def _identity(value):
    return value


def _distributed():
    try:
        import distributed
    except ImportError:
        raise ClusterError("--cluster needs Dask: pip install 'anthology[cluster]'") from None
    logging.getLogger("distributed").setLevel(logging.CRITICAL)  # our messages say it
    return distributed


_ONE_AT_A_TIME = threading.Lock()  # a worker with threads: layouts patch WeasyPrint's state
_CHECKED: set[tuple] = set()


def run_job(job: LayoutJob, bundle: Carried) -> bytes:
    """On a worker: lay ``job`` out from what it carries, once its system files are checked
    to be this machine's."""
    with _ONE_AT_A_TIME:
        if bundle.system not in _CHECKED:
            mine = {path: (found[2] if (found := face(path)) else None)
                    for path, _ in bundle.system}
            wrong = [path for path, sha in bundle.system if mine[path] != sha]
            if wrong:
                raise ClusterError(f"this Dask worker's system files differ from the client's "
                                   f"({', '.join(wrong)}); give it the same font packages")
            _CHECKED.add(bundle.system)
        from .workers import release_memory
        try:
            return lay_out(job, bundle.files).to_bytes()
        finally:
            release_memory()
