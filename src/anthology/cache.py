"""A content-addressed store under ``build/.cache``: a laid-out chunk is found again by the
hash of everything that went into it (HTML, stylesheets, settings, WeasyPrint's version)."""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path


class Cache:
    def __init__(self, folder: Path):
        self.folder = folder

    def get(self, key: str):
        try:
            with open(self.folder / key[:2] / key, "rb") as handle:
                return pickle.load(handle)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
            return None

    def put(self, key: str, value) -> None:
        folder = self.folder / key[:2]
        folder.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temp, folder / key)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise


class Stored:
    """A laid-out document (typeset.Laid) whose PDF is read back from the cache when it is
    needed: the pieces of a 4,000-story book are ten megabytes the parent need not hold."""

    def __init__(self, cache: Cache, key: str, laid):
        self.cache, self.key, self.anchors, self.blanks = cache, key, laid.anchors, laid.blanks

    @property
    def pdf(self) -> bytes:
        laid = self.cache.get(self.key)
        if laid is None:
            raise OSError(f"{self.cache.folder} lost a laid-out piece during the build")
        return laid.pdf
