"""The cache's one API: keys, get-or-make, entries read back whole or not at all."""

from __future__ import annotations

import os
import time

from anthology.paged.cache import Cache
from anthology.paged.layout import Laid, Stored


def test_a_key_names_the_maker_its_version_and_everything_that_went_in():
    key = Cache.key("layout", 1, "html", ("css", ""))
    assert key == Cache.key("layout", 1, "html", ("css", "")) and len(key) == 64
    assert len({key, Cache.key("layout", 2, "html", ("css", "")),
                Cache.key("subset", 1, "html", ("css", "")),
                Cache.key("layout", 1, "html", ("css", "x"))}) == 4


def test_get_or_make_makes_once_then_reads_back(tmp_path):
    cache, made = Cache(tmp_path), []

    def make() -> bytes:
        made.append(1)
        return b"payload"
    key = Cache.key("test", 1, "a")
    assert cache.get_or_make(key, make) == b"payload"
    assert Cache(tmp_path).get_or_make(key, make) == b"payload"  # another build
    assert len(made) == 1
    assert not list(tmp_path.rglob("*.tmp"))


def test_a_cache_nowhere_keeps_nothing(tmp_path):
    cache, made = Cache.nowhere(), []
    for _ in range(2):
        cache.get_or_make(Cache.key("test", 1), lambda: made.append(1) or b"x")
    assert len(made) == 2 and cache.get(Cache.key("test", 1)) is None
    cache.prune()  # nothing to do, and no error


def test_an_entry_changed_on_disk_is_discarded(tmp_path):
    cache = Cache(tmp_path)
    key = Cache.key("test", 1, "b")
    cache.put(key, b"good bytes")
    path = tmp_path / key[:2] / key
    path.write_bytes(path.read_bytes()[:-1] + b"!")
    assert cache.get(key) is None and not path.exists()


def test_a_stored_layout_reads_its_pdf_back_when_asked(tmp_path):
    cache = Cache(tmp_path)
    laid = Laid(b"%PDF-1.7 fake", [["story-1"]], [False], firsts=[["", "Once"]])
    key = Cache.key("layout", 1, "c")
    cache.put(key, laid.to_bytes())
    stored = Stored(cache, key, laid)
    assert stored.anchors == [["story-1"]] and stored.pdf == laid.pdf


def test_prune_removes_the_least_recently_used_first(tmp_path):
    cache = Cache(tmp_path)
    keys = [Cache.key("test", 1, n) for n in range(3)]
    for n, key in enumerate(keys):
        cache.put(key, bytes(1000))
        past = time.time() - 100 + n
        os.utime(tmp_path / key[:2] / key, (past, past))
    cache.get(keys[0])  # used now: kept
    cache.prune(max_bytes=2300)
    assert [cache.get(k) is not None for k in keys] == [True, False, True]


def test_entries_are_readable_by_their_owner_only(tmp_path):
    """They hold laid-out pages of books not yet published."""
    cache = Cache(tmp_path)
    key = Cache.key("test", 1, "private")
    cache.put(key, b"pages")
    assert (tmp_path / key[:2] / key).stat().st_mode & 0o777 == 0o600
