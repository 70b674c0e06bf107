"""Choosing a pool (paged/pool.py): a --cluster value that is not one is the user's error,
one clear line (exit 2), never a traceback; a worker's report against this machine's."""

from __future__ import annotations

import pytest

from anthology.errors import InputError
from anthology.fonts import family_faces
from anthology.paged.cluster import SOFTWARE, differences, faces
from anthology.paged.pool import open_pool


@pytest.mark.parametrize("value, says", [
    ("local:0", "expected local:N with N from 1 to 64"),
    ("local:many", "expected local:N with N from 1 to 64"),
    ("scheduler:8786", "expected a Dask scheduler's address, such as tcp://scheduler:8786"),
    ("tcp://127.0.0.1:notaport", "not a Dask scheduler's address"),
    ("http://127.0.0.1:8786", "not a Dask scheduler's address"),
])
def test_a_cluster_that_is_not_one_is_named(value, says):
    with pytest.raises(InputError, match=says):
        open_pool(value, 2)


def test_a_workers_other_fonts_and_software_are_told_in_words():
    paths = [face.path for face in family_faces("Noto Serif")[:2]]
    ours = faces(paths)
    assert differences(ours, faces(paths)) == []
    other = dict(ours)
    other[paths[0]] = ("DejaVu Serif", "Version 2.37", "0" * 64)
    del other[paths[1]]
    other[SOFTWARE] = ("anthology 0.1.0", "WeasyPrint 69.0", "Pango 1.50.12")
    said = differences(ours, other)
    assert said[0].startswith(f"{paths[0]} is DejaVu Serif Version 2.37 sha256 000000000000 "
                              "there, Noto Serif")
    assert said[1].startswith(f"it has no {paths[1]} (here: Noto Serif")
    assert said[2].startswith("it runs anthology 0.1.0, WeasyPrint 69.0, Pango 1.50.12, this "
                              "machine anthology")
