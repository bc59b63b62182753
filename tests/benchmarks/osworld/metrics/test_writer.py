"""Writer metrics on .docx files python-docx builds (and a LibreOffice
registrymodifications.xcu): a right and a wrong answer each."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from docx import Document
from docx.enum.text import WD_BREAK, WD_PARAGRAPH_ALIGNMENT, WD_TAB_ALIGNMENT
from docx.shared import Inches, Pt, RGBColor
from PIL import Image

from benchmarks.osworld.metrics import METRICS


def _docx(path, paragraphs, table=None):
    doc = Document()
    for p in paragraphs:
        doc.add_paragraph(p)
    if table:
        t = doc.add_table(rows=len(table), cols=len(table[0]))
        for i, row in enumerate(table):
            for j, text in enumerate(row):
                t.cell(i, j).text = text
    doc.save(path)
    return str(path)


def test_compare_docx_files(tmp_path):
    gold = _docx(tmp_path / "gold.docx", ["Hello world", "Second line"])
    right = _docx(tmp_path / "right.docx", ["Hello   world", "Second line"])
    wrong = _docx(tmp_path / "wrong.docx", ["Hello world", "Another line"])
    f = METRICS["compare_docx_files"]
    assert f(right, gold) == 1.0
    assert f(right, gold, ignore_blanks=False) == 0.0
    assert f(wrong, gold) == 0.0
    assert 0.5 < f(wrong, gold, content_only=True) < 1.0
    assert f(None, gold) == 0.0


def test_compare_docx_tables(tmp_path):
    gold = _docx(tmp_path / "gold.docx", ["t"], [["a", "b"], ["1", "2"]])
    right = _docx(tmp_path / "right.docx", ["t"], [["a", " b"], ["1", "2"]])
    wrong = _docx(tmp_path / "wrong.docx", ["t"], [["a", "b"], ["1", "3"]])
    f = METRICS["compare_docx_tables"]
    assert f(right, gold) == 1.0
    assert f(wrong, gold) == 0.0
    assert f(None, gold) == 0.0


TEXT = ["Title", "First paragraph of the body.", "Last paragraph."]


def _doc(path: Path, paragraphs: list[str] = TEXT, style=None) -> str:
    """A .docx with the paragraphs; `style(doc)` adjusts formatting before saving."""
    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    if style:
        style(doc)
    doc.save(path)
    return str(path)


def test_find_default_font(tmp_path):
    xcu = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
        'xmlns:xs="http://www.w3.org/2001/XMLSchema">\n'
        '<item oor:path="/org.openoffice.Office.Writer/DefaultFont"><prop oor:name="Standard" oor:op="fuse">'
        "<value>{font}</value></prop></item>\n</oor:items>\n"
    )
    good, bad = tmp_path / "a.xcu", tmp_path / "b.xcu"
    good.write_text(xcu.format(font="Times New Roman"))
    bad.write_text(xcu.format(font="Liberation Serif"))
    f = METRICS["find_default_font"]
    assert f(str(good), {"font_name": "Times New Roman"}) == 1.0
    assert f(str(bad), {"font_name": "Times New Roman"}) == 0.0
    assert f(None, {"font_name": "Times New Roman"}) == 0.0


def test_contains_page_break(tmp_path):
    def breaks(n):
        def style(doc):
            for _ in range(n):
                doc.paragraphs[0].add_run().add_break(WD_BREAK.PAGE)

        return style

    f = METRICS["contains_page_break"]
    two = _doc(tmp_path / "two.docx", style=breaks(2))
    assert f(two, {"page_break_count": 2}) == 1.0
    assert f(two, {"page_break_count": 5}) == 0.0
    assert f(_doc(tmp_path / "none.docx"), {}) == 0.0


def test_compare_docx_images(tmp_path):
    def png(name, value):
        path = tmp_path / name
        Image.fromarray(np.full((8, 8, 3), value, np.uint8)).save(path)
        return str(path)

    gold = _doc(tmp_path / "gold.docx", style=lambda d: d.add_picture(png("a.png", 10), width=Inches(1)))
    same = _doc(tmp_path / "same.docx", style=lambda d: d.add_picture(png("b.png", 10), width=Inches(2)))
    other = _doc(tmp_path / "other.docx", style=lambda d: d.add_picture(png("c.png", 200), width=Inches(1)))
    f = METRICS["compare_docx_images"]
    assert f(same, gold) == 1.0
    assert f(other, gold) == 0.0
    assert f(_doc(tmp_path / "none.docx"), gold) == 0.0


def _spacing(value):
    def style(doc):
        for p in doc.paragraphs:
            p.paragraph_format.line_spacing = value

    return style


def test_compare_line_spacing(tmp_path):
    gold = _doc(tmp_path / "gold.docx", style=_spacing(2.0))
    f = METRICS["compare_line_spacing"]
    assert f(_doc(tmp_path / "a.docx", style=_spacing(2.0)), gold) == 1.0
    assert f(_doc(tmp_path / "b.docx", style=_spacing(1.5)), gold) == 0.0
    assert f(_doc(tmp_path / "c.docx", TEXT[:2], style=_spacing(2.0)), gold) == 0.0  # text differs


def test_fonts_subscript_centering_footer(tmp_path):
    def font(name):
        def style(doc):
            for p in doc.paragraphs:
                for r in p.runs:
                    r.font.name = name

        return style

    f = METRICS["compare_font_names"]
    assert (
        f(_doc(tmp_path / "tnr.docx", style=font("Times New Roman")), {"font_name": "Times New Roman"}) == 1.0
    )
    assert (
        f(_doc(tmp_path / "lib.docx", style=font("Liberation Serif")), {"font_name": "Times New Roman"})
        == 0.0
    )

    def sub(doc):
        doc.paragraphs[1].runs[0].font.subscript = True

    with_sub = _doc(tmp_path / "sub.docx", style=sub)
    assert METRICS["compare_subscript_contains"](with_sub, with_sub) == 1.0
    assert METRICS["compare_subscript_contains"](_doc(tmp_path / "plain.docx"), with_sub) == 0.0

    def center(doc):
        doc.paragraphs[0].alignment = WD_PARAGRAPH_ALIGNMENT.CENTER

    assert METRICS["is_first_line_centered"](_doc(tmp_path / "c.docx", style=center)) == 1.0
    assert METRICS["is_first_line_centered"](_doc(tmp_path / "l.docx")) == 0.0

    def footer(doc):
        doc.sections[0].footer.paragraphs[0].text = "Page 1"

    assert METRICS["has_page_numbers_in_footers"](_doc(tmp_path / "f.docx", style=footer)) == 1.0
    assert METRICS["has_page_numbers_in_footers"](_doc(tmp_path / "nf.docx")) == 0.0


def test_check_tabstops(tmp_path):
    def tabs(position, alignment=WD_TAB_ALIGNMENT.LEFT):
        def style(doc):
            for p in doc.paragraphs:
                p.paragraph_format.tab_stops.add_tab_stop(Inches(position), alignment)

        return style

    lines = ["Name\tValue one", "Other\tValue two"]
    gold = _doc(tmp_path / "gold.docx", lines, style=tabs(3))
    f = METRICS["check_tabstops"]
    assert f(_doc(tmp_path / "same.docx", lines, style=tabs(3)), gold) == pytest.approx(1.0)
    near = f(_doc(tmp_path / "near.docx", lines, style=tabs(3.5)), gold)
    assert 0.9 < near < 1.0  # half an inch off in a 6-inch text width
    assert f(_doc(tmp_path / "right.docx", lines, style=tabs(3, WD_TAB_ALIGNMENT.RIGHT)), gold) == 0.0
    assert f(_doc(tmp_path / "none.docx", lines), gold) == 0.0
    assert f(_doc(tmp_path / "w.docx", lines, style=tabs(3)), gold, word_number_split_by_tabstop=1) == 1.0
    assert f(_doc(tmp_path / "w2.docx", lines, style=tabs(3)), gold, word_number_split_by_tabstop=2) == 0.0


def test_strike_and_italic_size(tmp_path):
    gold = _doc(tmp_path / "gold.docx")

    def strike(doc):
        for r in doc.paragraphs[-1].runs:
            r.font.strike = True

    f = METRICS["evaluate_strike_through_last_paragraph"]
    assert f(_doc(tmp_path / "s.docx", style=strike), gold) == 1.0
    assert f(gold, gold) == 0.0

    def italic(size):
        def style(doc):
            run = doc.paragraphs[1].runs[0]
            run.italic = True
            run.font.size = Pt(size)

        return style

    g = METRICS["check_italic_font_size_14"]
    assert g(_doc(tmp_path / "i14.docx", style=italic(14)), gold) == 1.0
    assert g(_doc(tmp_path / "i12.docx", style=italic(12)), gold) == 0.0


def test_ignore_new_lines_and_references(tmp_path):
    gold = _doc(tmp_path / "gold.docx", ["A  b", "C"])
    f = METRICS["compare_docx_files_and_ignore_new_lines"]
    assert f(_doc(tmp_path / "a.docx", ["A b", "", "", "C"]), gold) == 1.0
    assert f(_doc(tmp_path / "b.docx", ["A b", "D"]), gold) == 0.0
    refs = [
        "Body",
        "References",
        "Smith, J. (2020). A study. Journal 1.",
        "Doe, A. (2019). Another. Journal 2.",
    ]
    gold_refs = _doc(tmp_path / "gr.docx", refs)
    g = METRICS["compare_references"]
    assert g(_doc(tmp_path / "r1.docx", refs), gold_refs) == pytest.approx(1.0)
    assert (
        g(_doc(tmp_path / "r2.docx", refs[:2] + ["Smith J 2020 A study", "Doe A 2019 Another"]), gold_refs)
        < 0.6
    )
    assert g(_doc(tmp_path / "r3.docx", refs[:3]), gold_refs) == 0.0


def test_train_records_and_place_math(tmp_path):
    initial = _doc(
        tmp_path / "init.docx", ["08:00:00, T1, S1, 1", "08:05:00, T1, S1, 1", "09:00:00, T2, S2, 2"]
    )
    gold = _doc(tmp_path / "gold.docx", ["08:00:00, T1, S1, 1", "09:00:00, T2, S2, 2"])
    f = METRICS["compare_unique_train_records"]
    assert (
        f(_doc(tmp_path / "ok.docx", ["08:05:00, T1, S1, 1", "09:00:00, T2, S2, 2"]), [gold, initial]) == 1.0
    )
    assert f(initial, [gold, initial]) == 0.0  # T1 twice
    assert f(_doc(tmp_path / "x.docx", ["10:00:00, T3, S3, 3"]), [gold, initial]) == 0.0
    g = METRICS["fuzzy_place_math"]
    answers = {"expected": ["alpha", "beta", "gamma"]}
    assert g(_doc(tmp_path / "p.docx", ["alpha", "beta gamma"]), answers) == pytest.approx(1.0)
    assert g(_doc(tmp_path / "q.docx", ["alpha beta"]), answers) == 0.0


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
    right = _table_doc(
        tmp_path / "right.docx", {"apple": (255, 0, 0), "ball": (0, 0, 255), "egg": (250, 2, 2)}
    )
    wrong = _table_doc(
        tmp_path / "wrong.docx", {"apple": (0, 0, 255), "ball": (0, 0, 255), "egg": (255, 0, 0)}
    )
    f = METRICS["evaluate_colored_words_in_tables"]
    assert f(right, right) == 1.0
    assert f(wrong, right) == 0.0
    assert f(None, right) == 0.0
