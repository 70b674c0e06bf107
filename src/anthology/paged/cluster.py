"""The workers of a Dask cluster as a layout pool (pool.Pool), for ``--cluster``.

A job goes to the cluster with everything it reads of this machine: the book's images and
the theme's files (``carried``, sent once per set of files, not once per job). A
worker never reads this machine's disk; what it reads of its own is the system's: fonts
and the ICC profile, from Debian packages, at the same paths. Those must be the same
files, laid out by the same software, or the same book would print otherwise: each worker,
now and as it joins, checks them (``SameFiles``) and only one that matches takes the Dask
resource every job asks for; the others are named in a warning. Each job comes back as
the bytes of its ``Laid``; a worker killed during a job is the scheduler's to retry.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import os
import re
import signal
import threading
import time
import uuid
import warnings
from concurrent.futures import Future
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..errors import ClusterError, InputError
from .cache import digest
from .layout import Laid, LayoutJob, lay_out, on_system

try:
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError:  # without the cluster extra: Cluster says what to install
    WorkerPlugin = object

log = logging.getLogger(__name__)
_FILE_URL = re.compile(r"""url\(\s*['"]?(file://[^)'"\s]+)""")
WAIT_FOR_WORKERS = 30  # seconds a scheduler may take to have its first worker
WORKERS_EVERY = 2      # seconds between looks at which workers may lay jobs out
NO_WORKER = 60         # seconds jobs may wait with no worker left that may lay them out


def carried(job: LayoutJob) -> dict[str, tuple[bytes, str]]:
    """What a job reads of this machine: the files of its roots that are not the system's
    (each file a root names, every file inside a folder it names that really lies inside
    it, as layout.local_fetcher allows), path -> (bytes, media type)."""
    files: dict[str, tuple[bytes, str]] = {}
    for root in _carried_roots(job):
        top = Path(root)
        found = [top] if top.is_file() else [Path(folder, name) for folder, _, names in
                                              os.walk(top) for name in names]
        inside = top.resolve()
        for path in found:
            real = path.resolve()
            if real.is_file() and (real == inside or real.is_relative_to(inside)):
                files[os.path.normpath(path)] = (
                    real.read_bytes(), mimetypes.guess_type(str(path))[0] or "text/plain")
    return files


def _carried_roots(job: LayoutJob) -> tuple[str, ...]:
    return tuple(root for root in job.roots if not on_system(root))


def expected(stylesheets: tuple[tuple[str, str], ...]) -> tuple:
    """What a worker must have to lay out with ``stylesheets`` as this machine would: the
    ``faces`` report of the system files they name, as sorted items."""
    named = {unquote(urlsplit(url).path) for css, _ in stylesheets
             for url in _FILE_URL.findall(css)}
    return tuple(sorted(faces([path for path in named if on_system(path)
                               and Path(path).is_file()]).items()))


def mismatch(wanted: tuple) -> list[str]:
    """How this machine differs from ``expected``'s report, in words (none: it matches)."""
    return differences(dict(wanted), faces([path for path, _ in wanted if path != SOFTWARE]))


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


SOFTWARE = "software"  # a report's entry for what lays pages out, beside the files'


def faces(paths: list[str]) -> dict[str, tuple[str, str, str] | None]:
    """What a worker reports of the system files ``paths`` (each a ``face``), and under
    SOFTWARE the versions of what lays pages out: the same files in another WeasyPrint or
    Pango would not give the same pages."""
    return {**{path: face(path) for path in paths}, SOFTWARE: software()}


@lru_cache(maxsize=1)
def software() -> tuple[str, str, str]:
    from weasyprint.text.ffi import pango

    from .. import __version__
    from .layout import weasyprint_version
    pango_version = pango.pango_version()
    return (f"anthology {__version__}", f"WeasyPrint {weasyprint_version()}",
            f"Pango {pango_version // 10000}.{pango_version // 100 % 100}.{pango_version % 100}")


def differences(ours: dict, theirs: dict) -> list[str]:
    """How a worker's system files differ from ours, in words."""
    out = []
    for path, mine in ours.items():
        other = theirs.get(path)
        if other == mine:
            continue
        if path == SOFTWARE:
            out.append(f"it runs {', '.join(other or ['?'])}, this machine {', '.join(mine)}")
        elif other is None:
            out.append(f"it has no {path} (here: {_named(mine)})")
        else:
            out.append(f"{path} is {_named(other)} there, {_named(mine)} here")
    return out


def _named(found: tuple[str, str, str]) -> str:
    name, version, sha = found
    return " ".join(filter(None, [name, version, f"sha256 {sha[:12]}"]))


class SameFiles(WorkerPlugin):
    """Run by every worker, those there now and those that join later (a restart, an
    adaptive cluster): if it matches the client's ``wanted`` report (system files and
    software), it takes the resource ``tag``, which every layout job asks for. A worker
    without it is never given one, not even by Dask's work stealing."""

    def __init__(self, tag: str, wanted: tuple):
        self.tag, self.wanted, self.name = tag, wanted, tag

    async def setup(self, worker) -> None:
        if not mismatch(self.wanted):
            await worker.set_resources(**{self.tag: worker.state.nthreads})


class Cluster:
    """The workers of a Dask cluster: one a LocalCluster started here (``local``), or one
    reached through its scheduler (``connect``)."""

    def __init__(self, client, cluster=None, address: str = ""):
        self.client, self._cluster, self.address = client, cluster, address
        self.warnings: list[str] = []
        self._files: dict[tuple, object] = {}   # (carried roots, resources) -> their task
        self._expected: dict[tuple, tuple] = {}  # stylesheets -> what workers must have
        self._tags: set[str] = set()            # the resources of the workers that have it
        self._refused: set[str] = set()         # workers warned of
        self._wanted: dict[str, list] = {}      # a Dask key -> [our futures waiting, its future]
        self._lock = threading.Lock()
        self._stopping: str | None = None       # why our futures end, once we stop them
        workers = client.scheduler_info(n_workers=-1)["workers"]
        self.size = max(1, sum(info.get("nthreads", 1) for info in workers.values()))
        threading.Thread(target=self._watch, daemon=True).start()

    @classmethod
    def local(cls, count: int) -> Cluster:
        """A LocalCluster of ``count`` worker processes, one job at a time each."""
        distributed = _distributed()
        with _interrupts_ignored():  # by the workers: Ctrl-C is the client's to handle
            cluster = distributed.LocalCluster(
                n_workers=count, threads_per_worker=1, processes=True,
                dashboard_address="127.0.0.1:0",  # its HTTP server on a free port, not 8787
                silence_logs=logging.CRITICAL)
        return cls(distributed.Client(cluster), cluster, f"local:{count}")

    @classmethod
    def connect(cls, address: str) -> Cluster:
        """The cluster whose scheduler is at ``address``, once it has a worker."""
        distributed = _distributed()
        _check_address(address)
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

    def start(self) -> None:
        """The workers are already started."""

    def submit(self, job: LayoutJob, urgent: bool = False) -> Future:
        future: Future = Future()
        key = f"anthology-layout-{job.key()}"
        try:
            files, wanted = self._prepared(job)
            # Two titles' equal layouts are one Dask task (the same key): it is cancelled
            # only once neither waits for it (a Dask key is cancelled for all its futures).
            remote = self.client.submit(run_job, job, files, wanted, key=key,
                                        resources={self._tag(wanted): 1},
                                        priority=1 if urgent else 0)
        except (ClusterError, InputError):
            raise
        except Exception as error:  # noqa: BLE001 - the scheduler went away
            raise self._lost(error) from None
        with self._lock:
            self._wanted.setdefault(key, [0, remote])[0] += 1
        remote.add_done_callback(lambda done: self._finished(done, future))
        future.add_done_callback(lambda ours: self._let_go(key, remote, ours.cancelled()))
        return future

    def _let_go(self, key: str, remote, cancelled: bool) -> None:
        with self._lock:
            if key not in self._wanted:  # all cancelled at once (kill)
                return
            self._wanted[key][0] -= 1
            last = self._wanted[key][0] == 0
            if last:
                del self._wanted[key]
        if cancelled and last:
            remote.cancel()

    def _finished(self, remote, future: Future) -> None:
        """A Dask future's outcome, given to ours (on the client's callback thread)."""
        if not future.set_running_or_notify_cancel():
            return  # we cancelled it
        try:
            if self._stopping:
                future.set_exception(ClusterError(self._stopping))
            elif remote.status == "finished":
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
        log.debug("lost the scheduler: %r", error)
        return ClusterError(f"lost the Dask scheduler at {self.address} during the build; "
                            "no file of a book under way was written")

    def _prepared(self, job: LayoutJob) -> tuple[object, tuple]:
        """The task holding the job's files, sent once for every job that reads the same
        (a build's screen and print layouts, its pieces), and what a worker must have."""
        with self._lock:
            key = (_carried_roots(job), job.resources)
            if key not in self._files:
                # a task, not scattered data: if the worker holding it dies, the scheduler
                # makes it again elsewhere
                self._files[key] = self.client.submit(
                    _identity, carried(job), priority=2,
                    key=f"anthology-files-{uuid.uuid4().hex}")
            if job.stylesheets not in self._expected:
                self._expected[job.stylesheets] = expected(job.stylesheets)
            return self._files[key], self._expected[job.stylesheets]

    def _tag(self, wanted: tuple) -> str:
        """The resource of the workers that have what ``wanted`` reports, given by
        SameFiles to each worker, now and as they join; a warning for each worker without
        it, a ClusterError if no worker has it."""
        tag = "anthology-" + digest(wanted)[:16]
        with self._lock:
            if tag in self._tags:
                return tag
            self.client.register_plugin(SameFiles(tag, wanted))
            workers = self.client.scheduler_info(n_workers=-1)["workers"]
            without = [w for w, info in workers.items()
                       if tag not in info.get("resources", {})]
            paths = [path for path, _ in wanted if path != SOFTWARE]
            reports = self.client.run(faces, paths, workers=without, on_error="return") \
                if without else {}
            for worker in without:
                theirs = reports.get(worker, RuntimeError("no answer"))
                why = [f"it could not tell ({theirs})"] if isinstance(theirs, Exception) \
                    else differences(dict(wanted), theirs)
                if worker not in self._refused:
                    self._refused.add(worker)
                    self.warnings.append(f"the Dask worker {worker} has other fonts or "
                                         f"software than this machine: {'; '.join(why)}; "
                                         "anthology does not use it")
            if len(without) == len(workers):
                raise ClusterError("no Dask worker can lay out this book as this machine "
                                   "would: " + " ".join(self.warnings) + ". Give the workers "
                                   "the same font packages and versions (README, Building "
                                   "on a cluster)")
            self._tags.add(tag)
        return tag

    def _watch(self) -> None:
        """While jobs wait, a worker must be left that may lay them out: once none has been
        for NO_WORKER seconds, they fail (Dask would keep them waiting for ever)."""
        since = None
        while self._stopping is None and self.client.status not in ("closed", "closing"):
            time.sleep(WORKERS_EVERY)
            with self._lock:
                tags, waiting = set(self._tags), bool(self._wanted)
            try:
                workers = self.client.scheduler_info(n_workers=-1)["workers"].values()
            except Exception:  # noqa: BLE001 - the scheduler is gone: the futures say so
                return
            able = any(tags & set(info.get("resources", {})) for info in workers)
            since = None if able or not waiting else since or time.monotonic()
            if since is not None and time.monotonic() - since > NO_WORKER:
                self.kill(f"no Dask worker with this machine's fonts and software has been "
                          f"left for {NO_WORKER} s; no file of a book under way was written")

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()

    def kill(self, why: str = "not built: the build was stopped") -> None:
        """Stop at once: every job still waiting fails, saying ``why``."""
        self._stopping = why
        with self._lock:
            waiting, self._wanted = [remote for _, remote in self._wanted.values()], {}
        if waiting:
            self.client.cancel(waiting)
        self.close()


@contextmanager
def _interrupts_ignored():
    """SIGINT ignored while processes are started, which inherit it: a Ctrl-C at the
    terminal reaches the whole process group, and a LocalCluster's workers would each print
    a traceback. (Only the main thread may change a signal's handler.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    handler = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, handler)


def _check_address(address: str) -> None:
    """An InputError unless ``address`` is one a Dask client can connect to (checked before
    a client is made: one made of a bad address may hang the next)."""
    from distributed.comm import registry
    from distributed.comm.addressing import parse_address, parse_host_port
    try:
        scheme, where = parse_address(address)
        if scheme not in registry.backends:
            raise ValueError(f"no Dask protocol {scheme}://")
        if scheme != "inproc":
            parse_host_port(where)
    except (ValueError, TypeError) as error:
        raise InputError(f"--cluster (or ANTHOLOGY_CLUSTER) {address}: not a Dask "
                         f"scheduler's address ({error}); expected tcp://HOST:PORT, or "
                         "local:N") from None


def _identity(value):
    return value


def _distributed():
    try:
        import distributed
    except ImportError:
        raise ClusterError("--cluster needs Dask: pip install 'anthology[cluster]'") from None
    for name in ["distributed", *logging.root.manager.loggerDict]:  # our messages say it
        if name.startswith("distributed"):
            logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    # A job's files are one task of each build, however big: not a slowdown to warn of
    warnings.filterwarnings("ignore", message="Sending large graph", category=UserWarning)
    return distributed


_ONE_AT_A_TIME = threading.Lock()  # a worker with threads: layouts patch WeasyPrint's state
_CHECKED: set[tuple] = set()


def run_job(job: LayoutJob, files: dict[str, tuple[bytes, str]], wanted: tuple) -> bytes:
    """On a worker: lay ``job`` out from the ``files`` it carries, once this worker is
    checked to have what it ``wanted`` (in case one without the resource was given it all
    the same)."""
    with _ONE_AT_A_TIME:
        if wanted not in _CHECKED:
            if wrong := mismatch(wanted):
                from distributed import get_worker
                raise ClusterError(f"the Dask worker {get_worker().address} has other fonts "
                                   f"or software than this machine: {'; '.join(wrong)}; give "
                                   "it the same packages (README, Building on a cluster)")
            _CHECKED.add(wanted)
        from .workers import release_memory
        try:
            return lay_out(job, files).to_bytes()
        finally:
            release_memory()
