"""Where layout jobs run: a pool of workers behind one interface, ``Pool``.

Two pools: ``workers.Workers``, processes on this machine (the default, started by a
Runner of its own), and ``cluster.Cluster``, the workers of a Dask cluster (``--cluster``).
A catalogue's titles share one pool, so that many small books keep every worker busy.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Protocol

from ..errors import InputError
from .layout import LayoutJob


class Pool(Protocol):
    size: int             # the jobs it runs at once
    warnings: list[str]   # what a user should know of it (a worker refused)

    def start(self) -> None:
        """Start the workers ahead of the first job."""

    def submit(self, job: LayoutJob, urgent: bool = False) -> Future:
        """Lay out ``job``: a Future of its ``Laid``. An ``urgent`` job goes first."""

    def close(self) -> None:
        """Let the workers finish what was submitted, then stop them."""

    def kill(self) -> None:
        """Stop at once (an error or an interrupt)."""


@contextmanager
def opened(cluster: str | None, jobs: int) -> Iterator[Pool]:
    """``open_pool``, started; closed at the end, or killed if what ran in it failed."""
    pool = open_pool(cluster, jobs)
    pool.start()
    try:
        yield pool
    except BaseException:
        pool.kill()
        raise
    pool.close()


def open_pool(cluster: str | None, jobs: int) -> Pool:
    """The pool ``cluster`` names: None, this machine's ``jobs`` processes; "local:N", a Dask
    LocalCluster of N worker processes started for the build; else a Dask scheduler's address
    ("tcp://host:8786")."""
    if not cluster:
        from .workers import Workers
        return Workers(jobs)
    from .cluster import Cluster
    if cluster.startswith("local:"):
        count = cluster.removeprefix("local:")
        if not count.isdigit() or not 1 <= int(count) <= 64:
            raise InputError(f"--cluster (or ANTHOLOGY_CLUSTER) {cluster}: expected local:N "
                             "with N from 1 to 64 (the number of worker processes)")
        return Cluster.local(int(count))
    if "://" not in cluster:
        raise InputError(f"--cluster (or ANTHOLOGY_CLUSTER) {cluster}: expected a Dask "
                         "scheduler's address, such as tcp://scheduler:8786, or local:N")
    return Cluster.connect(cluster)
