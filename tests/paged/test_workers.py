"""The worker processes, their wire protocol, and the runner that feeds them."""

from __future__ import annotations

import io

import pytest

from anthology.paged.cache import Cache
from anthology.paged.layout import Laid, LayoutJob, Stored
from anthology.paged.runner import Runner
from anthology.paged.windows import NOT_YET
from anthology.paged.workers import Workers, _receive, _send, default_jobs

HTML = "<!DOCTYPE html><html><body><p id='hello'>Hello, worker.</p></body></html>"


def job(text: str = "Hello") -> LayoutJob:
    return LayoutJob(HTML.replace("Hello", text), (("@page { size: 4in 4in }", ""),), (), "",
                     None)


def test_messages_are_length_prefixed_pickles():
    stream = io.BytesIO()
    _send(stream, ("done", {"pages": 3}))
    _send(stream, 123)
    stream.seek(0)
    assert _receive(stream) == ("done", {"pages": 3}) and _receive(stream) == 123
    with pytest.raises(EOFError):
        _receive(stream)
    assert default_jobs() >= 1


def test_a_worker_process_lays_out_and_reports_failures():
    workers = Workers(1)
    try:
        done = workers.submit(job()).result(timeout=120)
        failed = workers.submit(LayoutJob("<p>x</p>", ((None, ""),), (), "", None))
        with pytest.raises(Exception):
            failed.result(timeout=120)
        again = workers.submit(job("Again")).result(timeout=120)  # the worker carries on
    finally:
        workers.close()
    assert isinstance(done, Laid) and done.anchors == [["hello"]] and done.pdf.startswith(b"%PDF")
    assert done.firsts == [["hello", "Hello, worker."]] and again.firsts[0][1] == "Again, worker."


def test_workers_killed_before_they_start_leave_no_process_behind(monkeypatch):
    """A build that fails while reading the manifest kills the workers it started early:
    none may go on importing WeasyPrint and exit later on its own."""
    import subprocess

    from anthology.paged import workers as workers_module
    started, real_popen = [], subprocess.Popen

    def popen(*args, **kwargs):
        started.append(real_popen(*args, **kwargs))
        return started[-1]
    monkeypatch.setattr(workers_module.subprocess, "Popen", popen)
    workers = Workers(2)
    workers.start()
    workers.kill()
    for thread in workers._threads:
        thread.join(timeout=60)
    assert all(process.wait(timeout=60) != 0 for process in started)  # killed, never finished
    assert not workers._processes


def test_the_runner_finds_a_layout_in_the_cache_before_starting_a_worker(tmp_path):
    cache = Cache(tmp_path)
    with Runner(1, cache) as runner:
        first = runner.lay_out(job())
    with Runner(2, cache) as runner:
        pending = runner.submit(job())
        assert isinstance(pending.done, Stored) and not pending.would_wait()
        assert runner._workers is None  # nothing was started
        assert pending.result().pdf == first.pdf


def test_drive_runs_documents_side_by_side_and_one_may_wait_for_another():
    order = []
    known = {}

    def first():
        laid = yield job("One")
        order.append("one")
        known["one"] = laid
        return "first"

    def second():
        while "one" not in known:  # shows what the first lays out
            yield NOT_YET
        yield job("Two")
        order.append("two")
        return "second"

    with Runner(1) as runner:
        assert runner.drive([second(), first()]) == ["second", "first"]
    assert order == ["one", "two"]


def test_drive_refuses_documents_that_wait_for_each_other():
    def stuck():
        while True:
            yield NOT_YET

    with Runner(1) as runner, pytest.raises(RuntimeError, match="wait for each other"):
        runner.drive([stuck(), stuck()])
