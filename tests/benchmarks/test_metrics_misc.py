"""CSV, SQLite, accessibility-tree, archive, folder and OS-setting metrics on real
files the tests build: a right and a wrong answer each."""

from __future__ import annotations

import csv
import shutil
import sqlite3
import tarfile
import zipfile
from pathlib import Path

import pytest

from benchmarks.osworld.metrics import METRICS


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


def test_run_sqlite3(tmp_path):
    db = tmp_path / "global-messages-db.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE messages (id INTEGER PRIMARY KEY, folderID INTEGER)")
        conn.execute("CREATE TABLE messageAttributes (attributeID INTEGER, value INTEGER, messageID INTEGER)")
        conn.executemany("INSERT INTO messages VALUES (?, ?)", [(1, 13), (2, 13), (3, 7)])
        conn.executemany("INSERT INTO messageAttributes VALUES (58, 1, ?)", [(1,)])
    sql = ("SELECT COALESCE((SELECT COUNT(*) FROM messageAttributes WHERE attributeID = 58 AND value = 1 "
           "AND messageID IN (SELECT id FROM messages WHERE folderID = 13)), 0) = "
           "(SELECT COUNT(*) FROM messages WHERE folderID = 13);")
    f = METRICS["run_sqlite3"]
    assert f(str(db), {"sql": sql}) == 0.0  # one of the two messages is starred
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO messageAttributes VALUES (58, 1, 2)")
    assert f(str(db), {"sql": sql}) == 1.0
    assert f(str(db), {"sql": "SELECT NULL"}) == 0.0
    assert f(None, {"sql": sql}) == 0.0


TREE = """<desktop-frame xmlns:attr="uri:deskat:attributes.at-spi.gnome.org"
  xmlns:st="uri:deskat:state.at-spi.gnome.org" name="main">
  <application name="Thunderbird">
    <frame name="Account Settings">
      <label name="Email address: anonym-x2024@outlook.com">anonym-x2024@outlook.com</label>
      <push-button name="Password" st:enabled="true">Manage Passwords</push-button>
    </frame>
  </application>
</desktop-frame>"""


def test_check_accessibility_tree_xpath():
    f = METRICS["check_accessibility_tree"]
    rules = [{"xpath": "//application[@name='Thunderbird']//*[contains(@name, 'anonym-x2024@outlook.com')]"},
             {"xpath": "//application[@name='Thunderbird']//*[contains(@name, 'Password')]"}]
    assert f(TREE, rules) == 1.0
    assert f(TREE.replace("anonym-x2024", "someone"), rules) == 0.0
    text_rule = [{"xpath": "//push-button[@st:enabled='true']", "text": "Manage Passwords", "exact": True}]
    assert f(TREE, text_rule) == 1.0
    assert f(TREE, [{**text_rule[0], "text": "Manage"}]) == 0.0
    fuzzy = f(TREE, [{**text_rule[0], "text": "Manage Password", "exact": False}])
    assert 0.9 < fuzzy < 1.0
    assert f(None, rules) == 0.0
    with pytest.raises(ValueError):
        f(TREE, [{"text": "x", "exact": True}])


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_compare_archive_zip_and_tar(tmp_path):
    gold_src = _tree(tmp_path / "gold_src", {"slides/a.txt": "one\n", "slides/b.txt": "two\n"})
    good_src = _tree(tmp_path / "good_src", {"slides/a.txt": "one\n", "slides/b.txt": "two\n"})
    half_src = _tree(tmp_path / "half_src", {"slides/a.txt": "one\n", "slides/b.txt": "TWO\n"})
    (tmp_path / "out").mkdir()
    gold = shutil.make_archive(str(tmp_path / "out" / "gold"), "zip", gold_src)
    good = shutil.make_archive(str(tmp_path / "out" / "good"), "zip", good_src)
    half = shutil.make_archive(str(tmp_path / "out" / "half"), "gztar", half_src)
    f = METRICS["compare_archive"]
    assert f(good, gold, file_path="slides", file_type="text") == 1.0
    assert f(half, gold, file_path="slides", file_type="text") == 0.5  # one file of two differs
    missing = shutil.make_archive(str(tmp_path / "out" / "missing"), "zip",
                                  _tree(tmp_path / "m", {"slides/a.txt": "one\n"}))
    assert f(missing, gold, file_path="slides") == 0.0
    assert f(None, gold) == 0.0


def test_compare_archive_keeps_tar_members_inside(tmp_path):
    evil = tmp_path / "evil.tar"
    payload = tmp_path / "payload.txt"
    payload.write_text("x")
    with tarfile.open(evil, "w") as tar:
        tar.add(payload, arcname="../escaped.txt")
    gold = shutil.make_archive(str(tmp_path / "gold"), "zip", _tree(tmp_path / "g", {"a.txt": "x"}))
    with pytest.raises(tarfile.TarError):
        METRICS["compare_archive"](str(evil), gold)
    assert not (tmp_path / "escaped.txt").exists()


def test_compare_zip_files(tmp_path):
    def make(name: str, files: dict[str, bytes]) -> str:
        with zipfile.ZipFile(tmp_path / name, "w") as z:
            for member, data in files.items():
                z.writestr(member, data)
        return str(tmp_path / name)

    gold = make("gold.zip", {"essay.docx": b"doc", "essay.txt": b"pdf"})
    f = METRICS["compare_zip_files"]
    assert f(make("same.zip", {"essay.txt": b"pdf", "essay.docx": b"doc"}), gold) == 1.0
    assert f(make("other.zip", {"essay.docx": b"doc", "essay.txt": b"PDF"}), gold) == 0.0
    assert f(make("less.zip", {"essay.docx": b"doc"}), gold) == 0.0
    assert f(None, gold) == 0.0


def test_compare_zip_files_reads_pdfs_by_text(tmp_path):
    from io import BytesIO

    from pypdf import PdfWriter

    def pdf(title: str) -> bytes:  # same (empty) text, different bytes
        writer = PdfWriter()
        writer.add_blank_page(width=200, height=200)
        writer.add_metadata({"/Title": title})
        out = BytesIO()
        writer.write(out)
        return out.getvalue()

    def make(name: str, files: dict[str, bytes]) -> str:
        with zipfile.ZipFile(tmp_path / name, "w") as z:
            for member, data in files.items():
                z.writestr(member, data)
        return str(tmp_path / name)

    gold = make("gold.zip", {"a.pdf": pdf("gold"), "notes.txt": b"x"})
    f = METRICS["compare_zip_files"]
    assert f(make("same_text.zip", {"a.pdf": pdf("exported again"), "notes.txt": b"x"}), gold) == 1.0
    assert f(make("other_txt.zip", {"a.pdf": pdf("gold"), "notes.txt": b"y"}), gold) == 0.0


def test_check_moved_jpgs():
    f = METRICS["check_moved_jpgs"]
    listing = {"type": "directory", "name": "cpjpg",
               "children": [{"type": "file", "name": "a.jpg"}, {"type": "file", "name": "b.jpg"}]}
    assert f(listing, {"expected": ["b.jpg", "a.jpg"]}) == 1.0
    assert f(listing, {"expected": ["a.jpg"]}) == 0.0
    assert f(None, {"expected": ["a.jpg"]}) == 0.0


def test_check_gnome_favorite_apps():
    f = METRICS["check_gnome_favorite_apps"]
    rule = {"expected": ["google-chrome.desktop", "thunderbird.desktop"]}
    assert f("['thunderbird.desktop', 'google-chrome.desktop']\n", rule) == 1.0
    assert f("['thunderbird.desktop', 'vim.desktop', 'google-chrome.desktop']\n", rule) == 0.0
    assert f("@as []\n", rule) == 0.0
    assert f("__import__('os').system('true')", rule) == 0.0  # never evaluated


def test_is_utc_0():
    out = ("               Local time: Thu 2024-01-25 12:56:06 {tz}\n"
           "           Universal time: Thu 2024-01-25 12:56:06 UTC\n"
           "                 RTC time: Thu 2024-01-25 12:56:05\n"
           "                Time zone: {zone}\n"
           "System clock synchronized: yes\n")
    f = METRICS["is_utc_0"]
    assert f(out.format(tz="WET", zone="Atlantic/Faroe (WET, +0000)")) == 1.0
    assert f(out.format(tz="CET", zone="Europe/Paris (CET, +0100)")) == 0.0
    assert f("") == 0.0


def test_is_in_vm_clickboard():
    f = METRICS["is_in_vm_clickboard"]
    assert f({"expected": "/home/user/Data3/List3/secret.docx"}, "/home/user/Data3/List3/secret.docx") == 1.0
    assert f({"expected": "/home/user/Data3/List3/secret.docx"}, "/home/user/secret.docx") == 0.0
    assert f({"expected": ["a", "b"]}, "a b") == 1.0
    assert f({"expected": ["a", "c"]}, "a b") == 0.0


def test_check_line_number_and_pure_text(tmp_path):
    report = tmp_path / "report.txt"
    report.write_text("Linux 6.1\n\n12:00:01 AM CPU %user\n12:00:02 AM all 1.0\nAverage: all 1.0\n")
    f = METRICS["check_line_number"]
    assert f(str(report), {"expected": "2"}) == 1.0
    assert f(str(report), {"expected": "3"}) == 0.0
    assert f(None, {"expected": "2"}) == 0.0
    gold = tmp_path / "gold.py"
    gold.write_text("def f(x):\n    return x + 1\n")
    same = tmp_path / "same.py"
    same.write_text("def f(x):\n\n\treturn x+1")
    other = tmp_path / "other.py"
    other.write_text("def f(x):\n    return x + 2\n")
    g = METRICS["compare_python_pure_text"]
    assert g(str(same), str(gold)) == 1.0
    assert g(str(other), str(gold)) == 0.0


def test_check_pdf_pages(tmp_path):
    from pypdf import PdfWriter

    def pdf(name: str, pages: int) -> str:
        writer = PdfWriter()
        for _ in range(pages):
            writer.add_blank_page(width=595, height=842)
        with open(tmp_path / name, "wb") as f:
            writer.write(f)
        return str(tmp_path / name)

    f = METRICS["check_pdf_pages"]
    assert f(pdf("one.pdf", 1), {"relation": "eq", "ref_value": 1}) == 1.0
    assert f(pdf("three.pdf", 3), {"relation": "eq", "ref_value": 1}) == 0.0
    assert f(pdf("two.pdf", 2), {"relation": "le", "ref_value": 2}) == 1.0
    assert f(None, {"relation": "eq", "ref_value": 1}) == 0.0


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
