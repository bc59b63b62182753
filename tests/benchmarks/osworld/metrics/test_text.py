"""Text-file metrics on real files: a right and a wrong answer each."""

from __future__ import annotations

from benchmarks.osworld.metrics import METRICS


def m(name):
    return METRICS[name]


def _file(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_compare_text_file(tmp_path):
    gold = _file(tmp_path, "gold.txt", "Hello from deskpilot <3\n")
    same = _file(tmp_path, "same.txt", "Hello from deskpilot <3\n")
    blanks = _file(tmp_path, "blanks.txt", "  Hello   from\tdeskpilot <3")
    upper = _file(tmp_path, "upper.txt", "HELLO FROM DESKPILOT <3\n")
    wrong = _file(tmp_path, "wrong.txt", "Hello from deskpilot >3\n")
    f = m("compare_text_file")
    assert f(same, gold) == 1.0
    assert f(blanks, gold) == 0.0 and f(blanks, gold, ignore_blanks=True) == 1.0
    assert f(upper, gold) == 0.0 and f(upper, gold, ignore_case=True) == 1.0
    assert f(wrong, gold, ignore_blanks=True, ignore_case=True) == 0.0
    assert f(None, gold) == 0.0  # the missing-file rule


def test_diff_text_file(tmp_path):
    gold = _file(tmp_path, "gold.txt", "a\nb\nc\nd\n")
    assert m("diff_text_file")(_file(tmp_path, "same.txt", "a\nb\nc\nd"), gold) == 1.0
    assert m("diff_text_file")(_file(tmp_path, "half.txt", "a\nb\nx\ny\n"), gold) == 0.5
    assert m("diff_text_file")(_file(tmp_path, "none.txt", "p\nq\n"), gold) == 0.0
    assert m("diff_text_file")(None, gold) == 0.0


def test_check_list(tmp_path):
    path = _file(tmp_path, "list.txt", "apple 3\nbanana 5\ncherry 7\n")
    f = m("check_list")
    assert f(path, {"expect": [r"^apple \d$", r"cherry"], "unexpect": [r"durian"]}) == 1.0
    assert f(path, {"expect": [r"^apple \d$", r"durian"]}) == 0.0
    assert f(path, {"expect": [r"apple"], "unexpect": [r"banana"]}) == 0.0
    assert f(None, {"expect": []}) == 0.0


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


def write(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_file_contains(tmp_path):
    results = write(tmp_path, "results.txt", "Ping: 12 ms\nDownload: 80 Mbit/s\nUpload: 20 Mbit/s\n")
    assert METRICS["file_contains"](results, {"expected": ["Ping", "Download", "Upload"]}) == 1.0
    assert (
        METRICS["file_contains"](write(tmp_path, "r2", "Ping: 12 ms\n"), {"expected": ["Ping", "Download"]})
        == 0.0
    )
    assert METRICS["file_contains"](None, {"expected": ["Ping"]}) == 0.0
