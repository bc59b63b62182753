"""CIEDE2000 against published reference pairs, and the coloured-words Writer metric."""

from __future__ import annotations

import pytest
from docx import Document
from docx.shared import RGBColor

from benchmarks.osworld.metrics import METRICS
from benchmarks.osworld.metrics_colour import colour_difference, delta_e_ciede2000, rgb_to_lab


@pytest.mark.parametrize("lab1,lab2,want", [  # Sharma, Wu & Dalal (2005), table 1
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 2.5, 0.0), (50.0, 0.0, -2.5), 4.3065),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((22.7233, 20.0904, -46.6940), (23.0331, 14.9730, -42.5619), 2.0373),
])
def test_ciede2000_reference_pairs(lab1, lab2, want):
    assert delta_e_ciede2000(lab1, lab2) == pytest.approx(want, abs=1e-4)


def test_rgb_to_lab_known_colours():
    assert rgb_to_lab((1.0, 1.0, 1.0)) == pytest.approx((100.0, 0.0, 0.0), abs=0.01)
    assert rgb_to_lab((1.0, 0.0, 0.0)) == pytest.approx((53.24, 80.09, 67.20), abs=0.05)
    assert colour_difference((255, 0, 0), (250, 5, 0)) < 3.5 < colour_difference((255, 0, 0), (200, 0, 60))


def _table_doc(path, colours: dict[str, tuple[int, int, int]]) -> str:
    doc = Document()
    doc.add_paragraph("Sight words")
    table = doc.add_table(rows=1, cols=len(colours))
    for cell, (word, rgb) in zip(table.rows[0].cells, colours.items()):
        run = cell.paragraphs[0].add_run(word)
        run.font.color.rgb = RGBColor(*rgb)
    doc.save(path)
    return str(path)


def test_evaluate_colored_words_in_tables(tmp_path):
    right = _table_doc(tmp_path / "right.docx", {"apple": (255, 0, 0), "ball": (0, 0, 255), "egg": (250, 2, 2)})
    wrong = _table_doc(tmp_path / "wrong.docx", {"apple": (0, 0, 255), "ball": (0, 0, 255), "egg": (255, 0, 0)})
    f = METRICS["evaluate_colored_words_in_tables"]
    assert f(right, right) == 1.0
    assert f(wrong, right) == 0.0
    assert f(None, right) == 0.0
