"""Writing a file whole or not at all: the build's outputs and the cache's entries."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import WriteError


def atomic_write(path: Path, *parts: bytes, sync: bool = False, private: bool = False) -> Path:
    """Write ``parts`` to a temporary file beside ``path``, then rename it over ``path``: a
    reader sees the old file or the new one, never a part. ``sync``: on disk before the
    rename (an output, which must survive a crash; a cache entry need not). ``private``:
    readable by its owner only (a cache entry: laid-out pages of unpublished books). OSError
    if the machine refuses; nothing is left behind."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:16]}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            for part in parts:
                handle.write(part)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
        if not private:
            os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path


def write_atomically(path: Path, data: bytes) -> Path:
    """An output written whole (atomic_write, synced) in its folder, made if missing; or
    WriteError."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return atomic_write(path, data, sync=True)
    except OSError as error:
        raise WriteError(path, error) from None
