"""CIEDE2000 against published reference pairs (the coloured-words metric is in test_writer.py)."""

from __future__ import annotations

import pytest

from benchmarks.osworld.metrics.colour import (
    colour_difference,
    delta_e_ciede2000,
    rgb_to_lab,
)


@pytest.mark.parametrize(
    "lab1,lab2,want",
    [  # Sharma, Wu & Dalal (2005), table 1
        ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
        ((50.0, 2.5, 0.0), (50.0, 0.0, -2.5), 4.3065),
        ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
        ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
        ((22.7233, 20.0904, -46.6940), (23.0331, 14.9730, -42.5619), 2.0373),
    ],
)
def test_ciede2000_reference_pairs(lab1, lab2, want):
    assert delta_e_ciede2000(lab1, lab2) == pytest.approx(want, abs=1e-4)


def test_rgb_to_lab_known_colours():
    assert rgb_to_lab((1.0, 1.0, 1.0)) == pytest.approx((100.0, 0.0, 0.0), abs=0.01)
    assert rgb_to_lab((1.0, 0.0, 0.0)) == pytest.approx((53.24, 80.09, 67.20), abs=0.05)
    assert colour_difference((255, 0, 0), (250, 5, 0)) < 3.5 < colour_difference((255, 0, 0), (200, 0, 60))
