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


def _layout_keys(book_dir) -> list[str]:
    """The cache keys of a book's body chunks and its cover, as a build makes them."""
    from anthology.cover import cover_job
    from anthology.model import load_book
    from anthology.pdf import edition_of
    from anthology.paged.pagination import _NO_MARGIN_BOXES, Pagination
    from anthology.paged.runner import Runner
    from anthology.render import book_view
    from anthology.theme import Theme
    book = load_book(book_dir / "book.yaml")
    view, theme = book_view(book), Theme(book_dir, book.theme)
    pagination = Pagination(view, theme, "2024-01-01T00:00:00Z",
                            edition_of(view, theme, book_dir, "screen"), Runner())
    setup = pagination.setup(40, printed=False)
    return [pagination.edition.job(pagination._html(chunk), _NO_MARGIN_BOXES, setup=setup).key()
            for chunk in pagination.chunks] + [cover_job(book, theme, 40, book_dir).key()]


def test_layout_keys_do_not_depend_on_where_the_book_lies(tmp_path):
    import shutil
    from pathlib import Path
    from anthology.theme import Theme
    here = tmp_path / "a" / "book"
    shutil.copytree(Path(__file__).parents[2] / "book", here)
    (here / "styles").mkdir()  # a theme file of the book's own, read by every layout
    shutil.copy(Theme(here).path("book.css"), here / "styles" / "book.css")
    keys = _layout_keys(here)
    moved = tmp_path / "elsewhere, with spaces" / "renamed"
    shutil.move(here, moved)
    assert _layout_keys(moved) == keys
    manifest = moved / "book.yaml"
    manifest.write_text(manifest.read_text().replace("Christmas Eve", "New Year's Eve"))
    changed = _layout_keys(moved)
    assert changed != keys and len(set(changed) & set(keys)) >= 1  # one chunk changed
