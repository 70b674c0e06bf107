"""The cache: a content-addressed store of what a build made (laid-out pieces, joined body
groups, merged font programs, font subsets), each found again by ``Cache.key`` of everything
that went into it (HTML, stylesheets, settings, WeasyPrint's version).

The cache holds data, never code. An entry is bytes: a header (magic, format version, the
key it was stored under, the SHA-256 of the payload), then the payload. Whatever is read back
is checked against all four; an entry that is corrupt, truncated, foreign or from another
version is deleted and rebuilt, never used. Structured values (a laid-out document) are
encoded by their owners as JSON plus raw bytes (``layout.Laid.to_bytes``).

It lives outside the book: in ``$ANTHOLOGY_CACHE_DIR``, else ``$XDG_CACHE_HOME/anthology``,
else ``~/.cache/anthology`` (as pip and mkdocs' plugins keep theirs), so that a book folder
someone sends cannot bring entries of its own.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import struct
import time
from collections.abc import Callable
from pathlib import Path

from ..errors import reason
from ..files import atomic_write

FORMAT_VERSION = 6
_MAGIC = b"anthology-cache\n"
_HEADER = struct.Struct(f"<{len(_MAGIC)}sH64s32s")
_ENTRY = re.compile(r"[0-9a-f]{64}")
_TEMPORARY = re.compile(r"\.([0-9a-f]{16}\.)?[a-z0-9_]+\.tmp")  # files.atomic_write's (or older)
MAX_BYTES = 2 << 30  # past this, the least recently used entries are removed after a build
log = logging.getLogger("anthology")


def default_folder() -> Path:
    if folder := os.environ.get("ANTHOLOGY_CACHE_DIR"):
        return Path(folder)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "anthology"


class Cache:
    """Entries under ``folder``. A cache that cannot be written (a full disk, a read-only
    home) is no reason to fail a build: it is then left alone, with one warning."""

    def __init__(self, folder: Path | None):
        self.folder = None if folder is None else Path(folder)
        self.warnings: list[str] = []

    @classmethod
    def nowhere(cls) -> Cache:
        """A cache that keeps nothing (a layout made outside a build, in a test)."""
        return cls(None)

    @staticmethod
    def key(kind: str, version: int, *parts) -> str:
        """The key of what was made from ``parts`` (anything with a stable repr): ``kind``
        names the maker, and its ``version`` changes when the maker makes something else."""
        return digest((kind, version, *parts))

    def get_or_make(self, key: str, make: Callable[[], bytes]) -> bytes:
        """The payload stored under ``key``, else ``make()``'s, stored."""
        payload = self.get(key)
        if payload is None:
            payload = make()
            self.put(key, payload)
        return payload

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / key

    def get(self, key: str) -> bytes | None:
        """The payload stored under ``key``, or None (absent, or discarded as unusable)."""
        if self.folder is None:
            return None
        path = self._path(key)
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            return None
        payload = _payload(data, key)
        if payload is None:
            log.debug("cache: discarded %s (corrupt, truncated, foreign or from another "
                      "version); it will be rebuilt", path)
            path.unlink(missing_ok=True)
            return None
        try:
            os.utime(path)  # recently used: kept when the cache is pruned
        except OSError:
            pass
        return payload

    def put(self, key: str, payload: bytes) -> bool:
        """Store ``payload``; False if the cache cannot be written (nothing is left behind)."""
        if self.warnings or self.folder is None:
            return False
        header = _HEADER.pack(_MAGIC, FORMAT_VERSION, key.encode("ascii"),
                              hashlib.sha256(payload).digest())
        try:
            self._path(key).parent.mkdir(parents=True, exist_ok=True)
            atomic_write(self._path(key), header, payload, private=True)
            return True
        except OSError as error:
            self.warnings.append(f"the cache {self.folder} cannot be written ({reason(error)}); "
                                 "building without it (set ANTHOLOGY_CACHE_DIR or --cache)")
            return False

    def prune(self, max_bytes: int = MAX_BYTES) -> None:
        """Remove the least recently used entries until the cache holds at most
        ``max_bytes``, and any temporary file an interrupted writer left over an hour ago."""
        entries, now = [], time.time()
        if self.folder is None:
            return
        try:
            for path in self.folder.glob("[0-9a-f][0-9a-f]/*"):
                if _ENTRY.fullmatch(path.name):
                    stat = path.stat()
                    entries.append((stat.st_mtime, stat.st_size, path))
                elif _TEMPORARY.fullmatch(path.name) and now - path.stat().st_mtime > 3600:
                    path.unlink(missing_ok=True)  # an hour old: no other build still writes it
            total = sum(size for _, size, _ in entries)
            for _, size, path in sorted(entries):
                if total <= max_bytes:
                    break
                path.unlink(missing_ok=True)
                total -= size
        except OSError:
            pass  # another build pruned it first, or the cache is read-only: nothing to do


def _payload(data: bytes, key: str) -> bytes | None:
    if len(data) < _HEADER.size:
        return None
    magic, version, stored_key, digest = _HEADER.unpack_from(data)
    payload = data[_HEADER.size:]
    if (magic != _MAGIC or version != FORMAT_VERSION or stored_key != key.encode("ascii")
            or hashlib.sha256(payload).digest() != digest):
        return None
    return payload


def digest(value) -> str:
    """The SHA-256 of a value's repr (tuples, strings, numbers, frozen dataclasses)."""
    return hashlib.sha256(repr(value).encode("utf-8", "surrogatepass")).hexdigest()


def files_digest(paths: list[Path]) -> str:
    """A digest of the bytes of the files a layout may read, so that a changed image or
    theme font is laid out again rather than found in the cache. Not of their paths: it
    seeds the print PDF's XMP DocumentID, the same for the same book in any folder."""
    contents = sorted(hashlib.sha256(path.read_bytes()).digest() for path in set(paths))
    return hashlib.sha256(b"".join(contents)).hexdigest()
