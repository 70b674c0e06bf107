"""What ``anthology build`` shows of its progress: named counts, stage times and what came from
the cache (progress.Progress), on a terminal or not (commands/terminal.py)."""

from __future__ import annotations

import pytest

from anthology.commands import terminal
from anthology.paged.cache import Cache
from anthology.paged.join import BodyJoin
from anthology.progress import Callbacks, Count, Progress, clock


class Ticks:
    """A clock the test moves."""

    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _events(progress: Progress, ticks: Ticks) -> None:
    """A small build as the library reports it."""
    progress.stage("checking the manifest")
    ticks.now += 0.5
    progress.stage("laying out the print interior (paperback)")
    for done in range(3):
        progress.count("stories", done, 2, "chunks")
        progress.cached("layouts", found=done != 1)
    progress.laid_out(23)
    progress.count("contents", 0, 7, "windows")
    progress.count("contents", 3, 7, "windows")
    ticks.now += 61
    progress.stage("writing")
    progress.cached("body groups", found=False)
    ticks.now += 1
    progress.finish()


def test_stages_keep_their_times_and_last_counts():
    ticks = Ticks()
    progress = Progress(clock=ticks)
    _events(progress, ticks)
    assert [(s.name, s.seconds(ticks.now)) for s in progress.stages] == [
        ("checking the manifest", 0.5), ("laying out the print interior (paperback)", 61),
        ("writing", 1)]
    laid = progress.stages[1]
    assert [str(c) for c in laid.counts.values()] == ["stories 2/2 chunks",
                                                       "contents 3/7 windows"]
    assert progress.seconds() == 62.5
    assert progress.reuse() == \
        "from the cache: 2 of 3 layouts, 0 of 1 body groups; 23 pages laid out"


def test_a_count_reads_as_what_it_counts():
    assert str(Count("stories", 12, 40, "chunks")) == "stories 12/40 chunks"
    assert str(Count("contents", 3, None, "windows")) == "contents 3 windows"
    assert Count("stories", 40, 40, "chunks").final() == "stories 40 chunks"
    assert Count("stories", 1, 1, "chunks").final() == "stories 1 chunk"
    assert Count("body", 1, 1, "pages joined").final() == "body 1 page joined"
    assert Count("contents", 3, 7, "windows").final() == "contents 3/7 windows"
    assert [clock(s) for s in (4.24, 65, 3725)] == ["4.2s", "1:05", "1:02:05"]


def test_counting_again_from_fewer_is_another_pass():
    progress = Progress()
    progress.stage("laying out the print interior")
    for done in (0, 1, 2, 0, 1):
        progress.count("stories", done, 2, "chunks")
    assert str(progress.last) == "stories 1/2 chunks (pass 2)"
    progress.count("stories", 2, 2, "chunks")
    assert progress.last.final() == "stories 2 chunks (2 passes)"


def test_the_summary_lines():
    ticks = Ticks()
    progress = Progress(clock=ticks)
    _events(progress, ticks)
    assert [terminal.stage_line(s, ticks.now) for s in progress.stages] == [
        "   0.5s  checking the manifest",
        "   1:01  laying out the print interior (paperback) · stories 2 chunks · "
        "contents 3/7 windows",
        "   1.0s  writing"]
    assert terminal.ending(progress) == \
        "built in 1:02 · from the cache: 2 of 3 layouts, 0 of 1 body groups; 23 pages laid out"


def test_off_a_terminal_a_line_per_stage_then_the_ending(capsys):
    with terminal.progress(quiet=False) as shown:
        shown.stage("checking the manifest")
        shown.count("stories", 1, 2, "chunks")
        shown.cached("layouts", True)
        shown.finish()
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "  checking the manifest"
    assert lines[1].startswith("  built in ") and lines[1].endswith(
        " · from the cache: 1 of 1 layouts; 0 pages laid out")
    assert len(lines) == 2


def test_a_failed_build_ends_without_the_summary(capsys):
    with pytest.raises(RuntimeError), terminal.progress(quiet=False) as shown:
        shown.stage("checking the manifest")
        raise RuntimeError("failed")
    assert capsys.readouterr().err == "  checking the manifest\n"


def test_quiet_says_nothing(capsys):
    with terminal.progress(quiet=True) as shown:
        shown.stage("checking the manifest")
        shown.finish()
    assert capsys.readouterr().err == ""


def test_on_a_terminal_the_ended_stages_stay_and_the_current_one_ticks():
    from rich.console import Console
    ticks = Ticks()
    console = Console(record=True, width=100, force_terminal=True)
    shown = terminal._Live(console)
    shown.clock = ticks
    shown.started = ticks.now
    shown.stage("checking the manifest")
    ticks.now += 2
    shown.stage("laying out the print interior")
    shown.count("stories", 12, 40, "chunks")

    def drawn() -> str:
        with console.capture() as captured:
            console.print(shown.render())
        return captured.get()
    first = drawn()
    assert "laying out the print interior" in first and "stories 12/40 chunks" in first
    assert "0.0s · 2.0s in all" in first
    ticks.now += 30  # no progress meanwhile: the clocks still move
    assert "30.0s · 32.0s in all" in drawn()
    assert "   2.0s  checking the manifest\n" in console.export_text()


def test_the_old_callbacks_still_hear_stages_and_chunks():
    heard = []
    callbacks = Callbacks(lambda name: heard.append(name),
                          lambda done, total: heard.append((done, total)))
    callbacks.stage("checking the manifest")
    callbacks.count("stories", 1, 4, "chunks")
    callbacks.count("contents", 1, 4, "windows")
    assert heard == ["checking the manifest", (1, 4)]


def test_body_groups_found_in_the_cache_are_counted(tmp_path):
    """BodyJoin.groups, with a fake join: the second time every group is found."""
    from types import SimpleNamespace

    class Join(BodyJoin):
        def _key(self, part):
            return Cache.key("test group", 1, part)

        def _join(self, part):
            return repr(part).encode()

    def groups(progress):
        body = SimpleNamespace(placements=list(range(700)))
        join = Join(body, [], None, None, None, None, frozenset(), {}, Cache(tmp_path),
                    progress)
        return list(join.groups())

    first, again = Progress(), Progress()
    assert groups(first) == groups(again)
    assert first.cache == {"body groups": [0, 3]} and again.cache == {"body groups": [3, 0]}
    assert str(again.last) == "body 700/700 pages joined"


@pytest.mark.slow
def test_a_rebuild_finds_every_layout_in_the_cache(make_book, tmp_path):
    from anthology.build import build
    path = make_book("title: T\nstories:\n  - author: A\n    text: Hello.\n"
                     "  - author: B\n    text: Goodbye.\n")
    first, again = Progress(), Progress()
    build(path, tmp_path / "a", ["pdf"], cache_dir=tmp_path / "cache", reporter=first, jobs=1)
    build(path, tmp_path / "b", ["pdf"], cache_dir=tmp_path / "cache", reporter=again, jobs=1)
    found, made = first.cache["layouts"]
    assert found < made
    assert again.cache["layouts"] == [found + made, 0]
    assert again.cache["body groups"] == [first.cache["body groups"][1], 0]
    assert [s.name for s in again.stages][0] == "checking the manifest"
    assert again.ended is not None


def test_a_catalogues_live_display_never_waits_on_itself():
    """Titles end on their own threads while rich's thread redraws the display: neither may
    wait for a lock the other holds (a title's line printed under the titles' lock did)."""
    import io
    import threading

    from rich.console import Console
    from rich.live import Live

    from anthology.commands.terminal import _LiveTitles
    shown = _LiveTitles(64, Console(file=io.StringIO(), force_terminal=True, width=100))

    def titles(k: int) -> None:
        for i in range(32):
            shown.title(f"t{k}-{i}")
            shown.done_with(f"t{k}-{i}", None)

    def display() -> None:
        with Live(get_renderable=shown.render, console=shown.console, transient=True,
                  refresh_per_second=200) as shown.live:
            threads = [threading.Thread(target=titles, args=(k,), daemon=True)
                       for k in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()

    displaying = threading.Thread(target=display, daemon=True)  # a hang fails, not blocks
    displaying.start()
    displaying.join(30)
    assert not displaying.is_alive(), "the display hung"
    assert len(shown.done) == 64
    printed = shown.console.file.getvalue()
    assert all(f"[{n}/64]" in printed for n in range(1, 65))
