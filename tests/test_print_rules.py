"""Facts about the printed book that the layout and preflight both rely on."""

from __future__ import annotations

from anthology.model import PrintSettings
from anthology.profiles import is_recto


def test_page_one_is_a_right_hand_page():
    assert [n for n in range(1, 7) if is_recto(n)] == [1, 3, 5]


def test_margin_floor_depends_on_the_printer_and_on_bleed():
    assert PrintSettings(profile="kdp").margin_floor == 0.25
    assert PrintSettings(profile="kdp", bleed="0.125in").margin_floor == 0.375
    assert PrintSettings(profile="ingram", bleed="3mm").margin_floor == 0.5
