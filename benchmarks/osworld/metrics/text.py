"""Metrics on plain text files: equal or similar files, lines matching patterns,
lines holding a time, whitespace-insensitive source, required substrings.

Written from the behaviour of OSWorld's `metrics/general.py`, `vscode.py` and
`basic_os.py`. A missing file (`None`) scores 0.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path
from typing import Any

__all__ = [
    "check_line_number",
    "check_list",
    "compare_python_pure_text",
    "compare_text_file",
    "diff_text_file",
    "file_contains",
]


def _text(path: str | Path, errors: str = "strict") -> str:
    return Path(path).read_text(encoding="utf-8", errors=errors)


def compare_text_file(actual: str | None, expected: str | None, **options: Any) -> float:
    """Two text files are equal, optionally ignoring blanks and case."""
    if not actual:
        return 0.0
    if not expected:
        raise FileNotFoundError("compare_text_file: the expected file is missing")
    a, e = _text(actual), _text(expected)
    if options.get("ignore_blanks", False):
        a = re.sub(r"\s+", " ", re.sub(r"[\t\n]", " ", a).strip())
        e = re.sub(r"\s+", " ", re.sub(r"[\t\n]", " ", e).strip())
    if options.get("ignore_case", False):
        a, e = a.lower(), e.lower()
    return float(a == e)


def diff_text_file(result: str | None, expected: str | None) -> float:
    """Line-level similarity of two text files (difflib ratio over lines)."""
    if result is None:
        return 0.0
    if not expected:
        raise FileNotFoundError("diff_text_file: the expected file is missing")
    a, e = _text(result).splitlines(), _text(expected).splitlines()
    return difflib.SequenceMatcher(a=a, b=e).ratio()


def check_list(result: str | None, rules: dict[str, list[str]]) -> float:
    """Each `expect` regex matches some line of the file; no `unexpect` regex matches any."""
    if result is None:
        return 0.0
    expect = [re.compile(p) for p in rules.get("expect", [])]
    unexpect = [re.compile(p) for p in rules.get("unexpect", [])]
    found = [False] * len(expect)
    with open(result, encoding="utf-8") as f:
        for line in f:  # lines keep their newline, as upstream's `for l in f`
            for i, pattern in enumerate(expect):
                found[i] = found[i] or pattern.search(line) is not None
            if any(p.search(line) for p in unexpect):
                return 0.0
    return float(all(found))


_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d:[0-5]\d")


def check_line_number(file_path: str | None, line_number: dict[str, Any]) -> float:
    """The number of lines holding an HH:MM:SS time equals `expected`."""
    if file_path is None or not os.path.isfile(file_path):
        return 0.0
    with open(file_path, encoding="utf-8") as f:
        count = sum(1 for line in f if _TIME.search(line))
    return float(count == int(line_number["expected"]))


def compare_python_pure_text(py_file_path: str | None, gold_file_path: str | None) -> float:
    """The two files are equal once every whitespace character is removed."""
    if not py_file_path or not gold_file_path:
        return 0.0

    def squeeze(path: str) -> str:
        return "".join(_text(path).split())

    return float(squeeze(py_file_path) == squeeze(gold_file_path))


def file_contains(file_path: str | None, config: dict[str, Any]) -> float:
    """Every string of `expected` occurs in the file."""
    if not file_path:
        return 0.0
    try:
        text = _text(file_path, errors="replace")
    except OSError:
        return 0.0
    return float(all(piece in text for piece in config["expected"]))
