"""Office metrics on documents the tests write: a right and a wrong answer each, a missing file 0."""

from __future__ import annotations

import openpyxl
import pytest
from docx import Document
from pptx import Presentation
from pptx.util import Inches, Pt

from benchmarks.osworld.metrics import METRICS


def _xlsx(path, rows, bold_a1=False):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for row in rows:
        ws.append(row)
    if bold_a1:
        ws["A1"].font = openpyxl.styles.Font(bold=True)
    wb.save(path)
    return str(path)


def test_compare_table_sheet_data(tmp_path):
    gold = _xlsx(tmp_path / "gold.xlsx", [["name", "total"], ["a", 1.00001], ["b", 2]])
    right = _xlsx(tmp_path / "right.xlsx", [["name", "total"], ["a", 1.000012], ["b", 2]])
    wrong = _xlsx(tmp_path / "wrong.xlsx", [["name", "total"], ["a", 1.5], ["b", 2]])
    rules = {"rules": [{"type": "sheet_data", "sheet_idx0": 0, "sheet_idx1": "EI0"}]}
    f = METRICS["compare_table"]
    assert f(right, gold, **rules) == 1.0
    assert f(wrong, gold, **rules) == 0.0
    assert f(None, gold, **rules) == 0.0
    assert f(str(tmp_path / "absent.xlsx"), gold, **rules) == 0.0


def test_compare_table_check_cell_and_names(tmp_path):
    right = _xlsx(tmp_path / "r.xlsx", [["x", 3.14159]], bold_a1=True)
    wrong = _xlsx(tmp_path / "w.xlsx", [["x", 3.3]])
    rules = {"rules": [
        {"type": "check_cell", "sheet_idx": 0, "coordinate": "B1", "props": {"value": {"method": "approx:0.1", "ref": 3.1}}},
        {"type": "check_cell", "sheet_idx": 0, "coordinate": "A1", "props": {"font_bold": {"method": "eq", "ref": True}}},
    ]}
    f = METRICS["compare_table"]
    assert f(right, None, **rules) == 1.0
    assert f(wrong, None, **rules) == 0.0
    named = {"rules": [{"type": "sheet_name"}]}
    assert f(right, wrong, **named) == 1.0


def test_compare_table_sheet_fuzzy(tmp_path):
    gold = _xlsx(tmp_path / "g.xlsx", [["12 Main Road"]])
    right = _xlsx(tmp_path / "r.xlsx", [["12 main rd"]])
    wrong = _xlsx(tmp_path / "w.xlsx", [["7 Elm Street"]])
    rules = {"rules": [{"type": "sheet_fuzzy", "sheet_idx0": "RI0", "sheet_idx1": "EI0", "rules": [
        {"range": ["A1:A1"], "type": "exact_match", "ignore_case": True, "normalization": [["Rd", "Road"], ["rd", "road"]]}]}]}
    f = METRICS["compare_table"]
    assert f(right, gold, **rules) == 1.0
    assert f(wrong, gold, **rules) == 0.0


def test_compare_csv(tmp_path):
    gold = tmp_path / "gold.csv"
    gold.write_text("a,b\n1,2\n")
    (tmp_path / "right.csv").write_text("A,B \n1,2\n")
    (tmp_path / "wrong.csv").write_text("a,b\n1,3\n")
    f = METRICS["compare_csv"]
    assert f(str(tmp_path / "right.csv"), str(gold), strict=False, ignore_case=True) == 1.0
    assert f(str(tmp_path / "right.csv"), str(gold)) == 0.0
    assert f(str(tmp_path / "wrong.csv"), [str(gold)], strict=False) == 0.0
    assert f(None, str(gold)) == 0.0


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


def _pptx(path, title, bold=False, left=1):
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    box = slide.shapes.add_textbox(Inches(left), Inches(1), Inches(4), Inches(1))
    run = box.text_frame.paragraphs[0].add_run()
    run.text = title
    run.font.bold = bold
    run.font.size = Pt(20)
    prs.save(path)
    return str(path)


def test_compare_pptx_files(tmp_path):
    gold = _pptx(tmp_path / "gold.pptx", "Quarterly report", bold=True)
    right = _pptx(tmp_path / "right.pptx", "Quarterly report", bold=True)
    not_bold = _pptx(tmp_path / "plain.pptx", "Quarterly report")
    moved = _pptx(tmp_path / "moved.pptx", "Quarterly report", bold=True, left=2)
    wrong = _pptx(tmp_path / "wrong.pptx", "Annual report", bold=True)
    f = METRICS["compare_pptx_files"]
    assert f(right, gold) == 1.0
    assert f(not_bold, gold) == 0.0 and f(not_bold, gold, examine_font_bold=False) == 1.0
    assert f(moved, gold) == 0.0 and f(moved, gold, examine_shape=False) == 1.0
    assert f(wrong, gold) == 0.0
    assert f(None, gold) == 0.0


def _pdf(path, text):
    """A one-page PDF with `text` in Helvetica, written by hand (no PDF library writes text)."""
    stream = f"BT /F1 24 Tf 72 700 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>"),
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return str(path)


def test_compare_pdfs(tmp_path):
    gold = _pdf(tmp_path / "gold.pdf", "Invoice 2024 total 300")
    right = _pdf(tmp_path / "right.pdf", "Invoice 2024 total 300")
    wrong = _pdf(tmp_path / "wrong.pdf", "Receipt 1999 sum 7")
    f = METRICS["compare_pdfs"]
    assert f(right, gold) == 1.0
    assert f(wrong, gold) < 0.6
    assert f([right, wrong], [gold, gold]) == pytest.approx((1.0 + f(wrong, gold)) / 2)
    assert f(None, gold) == 0.0
    assert f(str(tmp_path / "absent.pdf"), gold) == 0.0
