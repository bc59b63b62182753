"""Spreadsheet and CSV metrics on files the tests write: a right and a wrong answer
each, a missing file 0."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl

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
    rules = {
        "rules": [
            {
                "type": "check_cell",
                "sheet_idx": 0,
                "coordinate": "B1",
                "props": {"value": {"method": "approx:0.1", "ref": 3.1}},
            },
            {
                "type": "check_cell",
                "sheet_idx": 0,
                "coordinate": "A1",
                "props": {"font_bold": {"method": "eq", "ref": True}},
            },
        ]
    }
    f = METRICS["compare_table"]
    assert f(right, None, **rules) == 1.0
    assert f(wrong, None, **rules) == 0.0
    named = {"rules": [{"type": "sheet_name"}]}
    assert f(right, wrong, **named) == 1.0


def test_compare_table_sheet_fuzzy(tmp_path):
    gold = _xlsx(tmp_path / "g.xlsx", [["12 Main Road"]])
    right = _xlsx(tmp_path / "r.xlsx", [["12 main rd"]])
    wrong = _xlsx(tmp_path / "w.xlsx", [["7 Elm Street"]])
    rules = {
        "rules": [
            {
                "type": "sheet_fuzzy",
                "sheet_idx0": "RI0",
                "sheet_idx1": "EI0",
                "rules": [
                    {
                        "range": ["A1:A1"],
                        "type": "exact_match",
                        "ignore_case": True,
                        "normalization": [["Rd", "Road"], ["rd", "road"]],
                    }
                ],
            }
        ]
    }
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


def _csv(path: Path, rows: list[dict[str, str]]) -> str:
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["url", "user", "password"])
        writer.writeheader()
        writer.writerows(rows)
    return str(path)


def test_check_csv(tmp_path):
    account = {"url": "imap://outlook.office365.com", "user": "anonym-x2024@outlook.com", "password": "pw"}
    other = {"url": "smtp://smtp.example.org", "user": "me@example.org", "password": "pw"}
    still_there = _csv(tmp_path / "a.csv", [account, other])
    removed = _csv(tmp_path / "b.csv", [other])
    f = METRICS["check_csv"]
    rules = {"unexpect": [{"url": "imap://outlook.office365.com", "user": "anonym-x2024@outlook.com"}]}
    assert f(removed, rules) == 1.0
    assert f(still_there, rules) == 0.0
    assert f(removed, {"expect": [{"user": "me@example.org"}]}) == 1.0
    assert f(removed, {"expect": [{"user": "me@example.org"}, {"user": "nobody"}]}) == 0.0
    assert f(None, rules) == 0.0


def test_compare_conference_city_in_order(tmp_path):
    import openpyxl

    def book(name: str, cities: list[str]) -> str:
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(["Year", "Conference", "City"])
        for i, city in enumerate(cities):
            ws.append([2000 + i, f"Conf {i}", city])
        wb.save(tmp_path / name)
        return str(tmp_path / name)

    expected = {"expected": ["Scottsdale", ["Montreal", "Montréal"]] + ["X"] * 19}
    good = book("good.xlsx", ["Scottsdale, AZ", "Montréal (QC)"] + ["x"] * 19)
    swapped = book("bad.xlsx", ["Montreal", "Scottsdale"] + ["x"] * 19)
    f = METRICS["compare_conference_city_in_order"]
    assert f(good, expected) == 1.0
    assert f(swapped, expected) == 0.0
    assert f(book("short.xlsx", ["Scottsdale", "Montreal"]), expected) == 0.0  # empty rows
