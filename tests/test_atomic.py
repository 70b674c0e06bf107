"""Outputs change all at once or not at all: failed and interrupted builds leave the previous
files and no temporary ones."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import time

import pytest

from anthology import files as files_module
from anthology.errors import WriteError
from anthology.build import build


def _manifest(count: int) -> str:
    stories = "".join(f"  - author: Writer {n}\n    text: Story {n}. " + "Words go on. " * 60 + "\n"
                      for n in range(count))
    return f"title: Atomic\ndate: 2024-01-01\nstories:\n{stories}"


def _snapshot(folder):
    """The outputs' bytes; any temporary file left anywhere (the cache included) shows up."""
    temps = sorted(p.name for p in folder.rglob("*.tmp"))
    return temps, {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                   for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_build_leaves_previous_outputs(sig, make_book, tmp_path):
    path = make_book(_manifest(3))
    out = tmp_path / "out"
    build(path, out, ["pdf", "epub"])
    before = _snapshot(out)
    path.write_text(_manifest(400))
    process = subprocess.Popen([sys.executable, "-m", "anthology.cli", "build", str(path),
                                "--out", str(out), "--format", "pdf,epub"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3)
    assert process.poll() is None, "the build finished before it could be interrupted"
    process.send_signal(sig)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "interrupted; earlier outputs are unchanged" in err and "Traceback" not in err
    assert _snapshot(out) == before  # same files, same bytes, no temporary leftovers


@pytest.mark.slow
def test_failed_write_leaves_previous_file_and_no_temp(make_book, tmp_path, monkeypatch):
    path = make_book(_manifest(2))
    out = tmp_path / "out"
    build(path, out, ["epub"])
    before = _snapshot(out)

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(files_module.os, "fsync", broken_fsync)
    path.write_text(_manifest(3))
    with pytest.raises(WriteError, match="atomic.epub: the disk is full"):
        build(path, out, ["epub"])
    assert _snapshot(out) == before
    assert not list(out.rglob("*.tmp"))
