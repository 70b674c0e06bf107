"""Layouts on a Dask cluster (paged/cluster.py): the same bytes as a local build, through a
real ``distributed.LocalCluster`` and through a scheduler and workers in processes of their
own; a worker killed during a job; a scheduler that goes away; a worker with other fonts.

The book has a picture in a story, a cover picture and a stylesheet of its own, all of which
a job must carry: the workers run with an audit hook that logs every file they open under
the book's folder or anthology's built-in styles, and must log none.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import dask
import pytest
from PIL import Image

import books
from anthology.build import build
from anthology.errors import ClusterError
from anthology.fonts import family_faces
from anthology.paged.pool import opened
from anthology.progress import Progress
from anthology.theme import BUILTIN

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
EPOCH = {"SOURCE_DATE_EPOCH": "1700000000"}
FACE = "Noto Serif"

# Loaded by each `dask worker --preload`: logs every file the worker opens inside the folders
# of $SPY_FOLDERS (":"-separated) to $SPY_LOG.
SPY = '''
import os, sys
_folders = tuple(f for f in os.environ["SPY_FOLDERS"].split(":") if f)
_log = open(os.environ["SPY_LOG"], "a", buffering=1)
def _hook(event, args):
    if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        path = os.path.abspath(os.fsdecode(args[0]))
        if path.startswith(_folders):
            _log.write(path + "\\n")
sys.addaudithook(_hook)
'''


@pytest.fixture(scope="module", autouse=True)
def _epoch():
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ.update(EPOCH)
    yield
    if saved is None:
        del os.environ["SOURCE_DATE_EPOCH"]
    else:
        os.environ["SOURCE_DATE_EPOCH"] = saved


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    """Eleven pieces in eleven scripts, one long, set in Noto Serif; a picture in a story, a
    cover picture, and a stylesheet of the book's own that draws a picture of its folder."""
    folder = tmp_path_factory.mktemp("cluster") / "book"
    (folder / "art").mkdir(parents=True)
    (folder / "styles").mkdir()
    Image.new("RGB", (120, 80), "navy").save(folder / "art" / "lighthouse.png")
    Image.new("RGB", (600, 900), (40, 60, 90)).save(folder / "art" / "cover.png")
    (folder / "styles" / "rule.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="2">'
        '<rect width="40" height="1" fill="#555"/></svg>', encoding="utf-8")
    (folder / "styles" / "book.css").write_text(  # the built-in's, with a rule under headings
        (BUILTIN / "book.css").read_text(encoding="utf-8")
        + "\n.story-heading { background: url(rule.svg) no-repeat left bottom; }\n",
        encoding="utf-8")
    data = json.loads(books.manifest(11, long_every=6, face=FACE))
    data["stories"][0]["text"] = "![A lighthouse](art/lighthouse.png)\n\n" + \
        data["stories"][0]["text"]
    data["cover"] = {"image": "art/cover.png"}
    (folder / "book.yaml").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return folder / "book.yaml"


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def local(book, tmp_path_factory) -> dict[str, str]:
    """The book built on this machine's processes: what every cluster build must equal."""
    out = tmp_path_factory.mktemp("local")
    build(book, out, jobs=2, cache_dir=tmp_path_factory.mktemp("cache"))
    return digests(out)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Processes:
    """A scheduler and workers started as `dask scheduler` and `dask worker` commands."""

    def __init__(self, folder: Path):
        self.folder, self.port = folder, free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.log = folder / "opened.log"
        self.log.touch()
        (folder / "spy.py").write_text(SPY)
        self.scheduler = self._start(["dask", "scheduler", "--port", str(self.port),
                                      "--no-dashboard"])
        self.workers: list[subprocess.Popen] = []

    def _start(self, command: list[str], prefix: list[str] = ()) -> subprocess.Popen:
        env = {**os.environ, "SPY_LOG": str(self.log), "SPY_FOLDERS": self.spied}
        return subprocess.Popen([*prefix, str(BIN / command[0]), *command[1:]], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)

    spied = ""

    def worker(self, prefix: list[str] = ()) -> subprocess.Popen:
        process = self._start(["dask", "worker", self.address, "--nthreads", "1",
                               "--no-dashboard", "--no-nanny",
                               "--preload", str(self.folder / "spy.py")], prefix)
        self.workers.append(process)
        return process

    def wait_for(self, count: int) -> None:
        from distributed import Client
        with Client(self.address, timeout=20) as client:
            client.wait_for_workers(count, timeout=60)

    def stop(self) -> None:
        for process in [*self.workers, self.scheduler]:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture
def processes(tmp_path, book):
    started = Processes(tmp_path)
    started.spied = f"{book.parent}:{BUILTIN}"
    yield started
    started.stop()


def test_local_cluster_and_workers_elsewhere_give_the_local_bytes_reading_nothing_of_ours(
        book, local, processes, tmp_path):
    with opened("local:2", 2) as pool:
        build(book, tmp_path / "local2", pool=pool, cache_dir=tmp_path / "c1")
    assert digests(tmp_path / "local2") == local

    # Workers that cannot see the book's folder, nor anthology's built-in theme (where this
    # machine can hide them), and log any file they open there.
    hidden = in_namespace(*(f'-t tmpfs none "{folder}"' for folder in (book.parent, BUILTIN)))
    processes.worker(hidden)
    processes.worker(hidden)
    processes.wait_for(2)
    with opened(processes.address, 2) as pool:
        build(book, tmp_path / "remote", pool=pool, cache_dir=tmp_path / "c2")
    assert digests(tmp_path / "remote") == local
    assert processes.log.read_text() == "", "a worker read the client's files"

    # The spy does see what a worker opens there: a worker told to open the book's picture.
    from distributed import Client

    def try_to_open(path: str) -> None:  # (defined here: sent by value, not by name)
        try:
            open(path, "rb").close()
        except OSError:
            pass  # hidden from it

    with Client(processes.address) as client:
        client.run(try_to_open, str(book.parent / "art" / "lighthouse.png"))
    assert "lighthouse.png" in processes.log.read_text()


def test_a_worker_killed_during_a_job_is_replaced_and_the_bytes_are_the_same(
        book, local, tmp_path):
    killed: list[str] = []
    with opened("local:2", 2) as pool:
        pids = pool.client.run(os.getpid)

        def kill_one_at_work():
            deadline = time.monotonic() + 60
            while not killed and time.monotonic() < deadline:
                for worker, tasks in pool.client.processing().items():
                    if any(str(t).startswith("anthology-layout-") for t in tasks):
                        os.kill(pids[worker], signal.SIGKILL)
                        killed.append(worker)
                        return
                time.sleep(0.01)

        killer = threading.Thread(target=kill_one_at_work)
        killer.start()
        build(book, tmp_path / "out", pool=pool, cache_dir=tmp_path / "cache")
        killer.join()
    assert killed, "no worker was caught laying out"
    assert digests(tmp_path / "out") == local


def test_a_scheduler_that_goes_away_fails_the_build_and_writes_nothing(
        book, processes, tmp_path):
    processes.worker()
    processes.wait_for(1)
    submitted = threading.Event()

    class Watch(Progress):
        def cached(self, what, found):
            super().cached(what, found)
            if not found:
                submitted.set()

    out, failure = tmp_path / "out", []

    def run():
        try:  # (a submit after the loss waits for Dask's connect timeout: shortened here)
            with dask.config.set({"distributed.comm.timeouts.connect": "3s"}), \
                    opened(processes.address, 2) as pool:
                build(book, out, pool=pool, cache_dir=tmp_path / "cache", reporter=Watch())
        except ClusterError as error:
            failure.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    assert submitted.wait(60)
    os.killpg(processes.scheduler.pid, signal.SIGKILL)
    thread.join(120)
    assert not thread.is_alive()
    assert failure and "lost the Dask scheduler" in str(failure[0]) and \
        "no file of a book under way was written" in str(failure[0])
    assert not out.exists() or not any(out.iterdir())


def test_an_unreachable_scheduler_is_one_clear_line(book, tmp_path):
    result = subprocess.run(
        [str(BIN / "anthology"), "build", str(book), "--out", str(tmp_path / "out"),
         "--cluster", f"tcp://127.0.0.1:{free_port()}"], capture_output=True, text=True,
        timeout=120, env={**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"})
    assert result.returncode == 8, result.stderr
    assert result.stderr.startswith("anthology: cannot reach the Dask scheduler at tcp://")
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()


def in_namespace(*mounts: str) -> list[str]:
    """A command prefix running a worker in a mount namespace of its own, with ``mounts``
    made there (`mount` arguments); [] if this machine cannot make one (unshare -m)."""
    script = " && ".join([*(f"mount {m}" for m in mounts), 'exec "$0" "$@"'])
    prefix = ["unshare", "-m", "sh", "-c", script]
    if shutil.which("unshare") is None or subprocess.run(
            [*prefix, "true"], capture_output=True).returncode != 0:
        return []
    return prefix


def _other_fonts() -> list[str]:
    """A worker that sees DejaVu Serif where Noto Serif Regular is."""
    noto = next(f.path for f in family_faces(FACE) if f.style == "normal" and
                f.weight == "normal")
    dejavu = subprocess.run(["fc-match", "-f", "%{file}", "DejaVu Serif"], capture_output=True,
                            text=True).stdout
    return in_namespace(f'--bind "{dejavu}" "{noto}"')


def test_a_worker_with_other_fonts_is_not_used(book, local, processes, tmp_path):
    prefix = _other_fonts()
    if not prefix:
        pytest.skip("this machine cannot give a worker other fonts (unshare -m)")
    good = processes.worker()
    processes.worker(prefix)
    processes.wait_for(2)
    with opened(processes.address, 2) as pool:
        build(book, tmp_path / "out", pool=pool, cache_dir=tmp_path / "c1")
    assert digests(tmp_path / "out") == local
    refused = [w for w in pool.warnings if "has other fonts or software than this" in w]
    assert len(refused) == 1 and "NotoSerif-Regular.ttf is DejaVu Serif" in refused[0], \
        pool.warnings

    os.killpg(good.pid, signal.SIGKILL)
    good.wait()
    with opened(processes.address, 2) as pool:
        for _ in range(100):  # until the scheduler has let the killed worker go
            if len(pool.client.scheduler_info()["workers"]) == 1:
                break
            time.sleep(0.1)
        with pytest.raises(ClusterError, match="no Dask worker can lay out this book"):
            build(book, tmp_path / "out2", pool=pool, cache_dir=tmp_path / "c2")
    assert not (tmp_path / "out2").exists()
