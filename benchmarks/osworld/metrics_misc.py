"""Smaller OSWorld metrics: CSV records, SQLite, the accessibility tree,
archives, folders, GNOME settings, the clipboard, plain-text checks.

Written from the behaviour of OSWorld's `metrics/general.py`, `basic_os.py`,
`vscode.py` and `chrome.py` (compare_archive).
"""

from __future__ import annotations

import ast
import csv
import difflib
import logging
import os
import re
import shutil
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

from lxml import etree

from benchmarks.osworld.metrics import METRICS, metric

log = logging.getLogger(__name__)


def _match_record(pattern: dict[str, Any], item: dict[str, Any]) -> bool:
    return all(k in item and item[k] == v for k, v in pattern.items())


@metric
def check_csv(result: str | None, rules: dict[str, list[dict[str, str]]]) -> float:
    """Some row matches each `expect` record and no row matches an `unexpect` one
    (a record matches when every key it names has that value)."""
    if result is None:
        return 0.0
    expect = rules.get("expect", [])
    unexpect = rules.get("unexpect", [])
    found = [False] * len(expect)
    clean = True
    with open(result, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            for i, record in enumerate(expect):
                found[i] = found[i] or _match_record(record, row)
            clean = clean and not any(_match_record(record, row) for record in unexpect)
    return float(all(found) and clean)


@metric
def run_sqlite3(result: str | None, rules: dict[str, Any]) -> float:
    """The first column of the first row of `rules.sql`, run on the database (NULL: 0)."""
    if result is None:
        return 0.0
    # `result` is our cached copy of the desktop's database, so the query cannot
    # change the desktop's file.
    connection = sqlite3.connect(result)
    try:
        row = connection.execute(rules["sql"]).fetchone()
    finally:
        connection.close()
    return float((row[0] if row else None) or 0)


# The namespaces OSWorld's accessibility tree uses for states, attributes, etc.
ACCESSIBILITY_NS = {
    "st": "uri:deskat:state.at-spi.gnome.org",
    "attr": "uri:deskat:attributes.at-spi.gnome.org",
    "cp": "uri:deskat:component.at-spi.gnome.org",
    "doc": "uri:deskat:document.at-spi.gnome.org",
    "docattr": "uri:deskat:attributes.document.at-spi.gnome.org",
    "txt": "uri:deskat:text.at-spi.gnome.org",
    "val": "uri:deskat:value.at-spi.gnome.org",
    "act": "uri:deskat:action.at-spi.gnome.org",
}


def _select(tree: Any, rule: dict[str, Any]) -> list[Any]:
    if "xpath" in rule:
        return tree.xpath(rule["xpath"], namespaces=ACCESSIBILITY_NS)
    if "selectors" in rule:
        try:
            from lxml.cssselect import CSSSelector
        except ImportError as exc:  # lxml's CSS support is the separate `cssselect` package
            raise RuntimeError("check_accessibility_tree: CSS selectors need the cssselect package") from exc
        return CSSSelector(", ".join(rule["selectors"]), namespaces=ACCESSIBILITY_NS)(tree)
    raise ValueError("check_accessibility_tree: a rule needs `xpath` or `selectors`")


@metric
def check_accessibility_tree(result: str | None, rules: list[dict[str, Any]]) -> float:
    """Every rule selects some node (by `xpath`, else CSS `selectors`); with `text`,
    the best node text matching it (exactly, or fuzzily without `exact`) scales the
    score. Rules multiply."""
    if result is None:
        return 0.0
    tree = etree.fromstring(result.encode("utf-8") if isinstance(result, str) else result)
    total = 1.0
    for rule in rules:
        nodes = _select(tree, rule)
        if not nodes:
            return 0.0
        if "text" in rule:
            want = rule["text"]
            if rule["exact"]:
                score = max(float(want == (n.text or None)) for n in nodes)
            else:
                score = max(difflib.SequenceMatcher(None, want, n.text or "", autojunk=False).ratio()
                            for n in nodes)
            total *= score
    return float(total)


def _pdf_text(data: bytes) -> str:
    from io import BytesIO

    from pypdf import PdfReader
    return "".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


@metric
def compare_zip_files(actual: str | None, expected: str | None, **options: Any) -> float:
    """Both archives hold the same names; PDFs whose texts are at least 95% alike
    (difflib ratio), every other member with the same bytes."""
    if not actual:
        return 0.0
    if not expected:
        raise FileNotFoundError("compare_zip_files: the expected archive is missing")
    with zipfile.ZipFile(actual) as a, zipfile.ZipFile(expected) as e:
        names = set(a.namelist())
        if names != set(e.namelist()):
            return 0.0
        for name in names:
            got, want = a.read(name), e.read(name)
            if name.lower().endswith(".pdf"):
                if difflib.SequenceMatcher(None, _pdf_text(got), _pdf_text(want)).ratio() < 0.95:
                    return 0.0
            elif got != want:
                return 0.0
    return 1.0


_ARCHIVE_COMPARERS = {"text": "compare_text_file", "pdf": "compare_pdfs", "docx": "compare_docx_files",
                      "ppt": "compare_pptx_files", "image": "compare_images", "csv": "compare_csv",
                      "table": "compare_table", "audio": "compare_audios", "video": "compare_videos"}


def _unpack(archive: str, folder: str) -> None:
    # Archives come from the desktop: tar members are held inside `folder` by the
    # "data" filter; shutil's zip unpacking already skips absolute and ".." names.
    if archive.endswith((".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")):
        shutil.unpack_archive(archive, folder, filter="data")
    else:
        shutil.unpack_archive(archive, folder)


@metric
def compare_archive(pred_path: str | None, gold_path: str | None, **options: Any) -> float:
    """Unpack both archives; the file names under `file_path` must be equal, and
    the score is the mean of the `file_type` metric over the file pairs."""
    if not pred_path:
        return 0.0
    if not gold_path:
        raise FileNotFoundError("compare_archive: the expected archive is missing")
    options = dict(options)
    file_path = options.pop("file_path", "")
    file_type = options.pop("file_type", "text")
    if file_type not in _ARCHIVE_COMPARERS:
        raise ValueError(f"compare_archive: unsupported file type {file_type!r}")
    compare = METRICS.get(_ARCHIVE_COMPARERS[file_type])
    if compare is None:
        raise RuntimeError(f"compare_archive: {_ARCHIVE_COMPARERS[file_type]} is not implemented")
    pred_folder = os.path.splitext(pred_path)[0] + "_pred"
    gold_folder = os.path.splitext(gold_path)[0] + "_gold"
    shutil.rmtree(pred_folder, ignore_errors=True)  # a fresh prediction every time
    os.makedirs(pred_folder)
    _unpack(pred_path, pred_folder)
    if not os.path.exists(gold_folder):  # the gold one is kept as a cache, as upstream
        os.makedirs(gold_folder)
        _unpack(gold_path, gold_folder)
    pred_files = sorted(os.listdir(os.path.join(pred_folder, file_path)))
    gold_files = sorted(os.listdir(os.path.join(gold_folder, file_path)))
    if pred_files != gold_files:
        return 0.0
    if not pred_files:
        return 0.0  # upstream divides by zero here: an error, scored 0
    score = sum(compare(os.path.join(pred_folder, file_path, p), os.path.join(gold_folder, file_path, g),
                        **options) for p, g in zip(pred_files, gold_files))
    return score / len(pred_files)


@metric
def check_moved_jpgs(directory_list: dict[str, Any] | None, rule: dict[str, Any]) -> float:
    """The folder's entries are exactly the expected names."""
    if directory_list is None:
        return 0.0
    names = [node["name"] for node in directory_list["children"]]
    expected = rule["expected"]
    return float(len(names) == len(expected) and set(names) == set(expected))


@metric
def check_gnome_favorite_apps(apps_str: str | None, rule: dict[str, Any]) -> float:
    """`gsettings get org.gnome.shell favorite-apps` lists exactly the expected apps."""
    if apps_str is None:
        return 0.0
    try:  # upstream eval()s the text; a literal parse reads the same lists and runs nothing
        apps = ast.literal_eval(apps_str.strip())
    except (ValueError, SyntaxError):  # e.g. "@as []", which upstream's eval also rejects
        return 0.0
    expected = rule["expected"]
    return float(len(apps) == len(expected) and set(apps) == set(expected))


@metric
def is_utc_0(timedatectl_output: str | None) -> float:
    """The fourth line of `timedatectl status` (Time zone) ends with "+0000)"."""
    if timedatectl_output is None:
        return 0.0
    lines = timedatectl_output.split("\n")
    return float(len(lines) > 3 and lines[3].endswith("+0000)"))


@metric
def is_in_vm_clickboard(config: dict[str, Any], terminal_output: str | None) -> float:
    """The clipboard text (here the evaluator's `expected`) holds the expected string(s)."""
    if terminal_output is None:
        return 0.0
    want = config["expected"]
    if not isinstance(want, list):
        return float(want in terminal_output)
    return float(all(w in terminal_output for w in want))


_TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d:[0-5]\d")


@metric
def check_line_number(file_path: str | None, line_number: dict[str, Any]) -> float:
    """The number of lines holding an HH:MM:SS time equals `expected`."""
    if file_path is None or not os.path.isfile(file_path):
        return 0.0
    with open(file_path, encoding="utf-8") as f:
        count = sum(1 for line in f if _TIME.search(line))
    return float(count == int(line_number["expected"]))


@metric
def compare_python_pure_text(py_file_path: str | None, gold_file_path: str | None) -> float:
    """The two files are equal once every whitespace character is removed."""
    if not py_file_path or not gold_file_path:
        return 0.0

    def squeeze(path: str) -> str:
        return "".join(Path(path).read_text(encoding="utf-8").split())

    return float(squeeze(py_file_path) == squeeze(gold_file_path))


@metric
def check_pdf_pages(pdf_file: str | None, rules: dict[str, Any]) -> float:
    """The page count compares to `ref_value` by `relation` (an operator name: eq, lt, ...)."""
    if pdf_file is None:
        return 0.0
    import operator

    from pypdf import PdfReader
    pages = len(PdfReader(pdf_file).pages)
    return float(getattr(operator, rules["relation"])(pages, rules["ref_value"]))


def _city(value: Any) -> str:
    """Lower case, accents and punctuation dropped, for tolerant city matching."""
    import unicodedata
    if value is None:
        return ""
    text = unicodedata.normalize("NFKD", str(value))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


@metric
def compare_conference_city_in_order(actual_city_list_path: str | None, expected_city: dict[str, Any]) -> float:
    """Cells C2:C22 of the active sheet, in order, each contain the expected city
    (or one of its alternatives), compared without case, accents or punctuation."""
    if not actual_city_list_path:
        return 0.0
    import openpyxl
    sheet = openpyxl.load_workbook(actual_city_list_path).active
    if sheet is None:
        return 0.0
    actual = [cell.value for row in sheet["C2:C22"] for cell in row]
    expected = expected_city["expected"]
    try:
        for i, value in enumerate(actual):
            entry = expected[i]
            candidates = [entry] if isinstance(entry, str) else list(entry)
            have = _city(value)
            if not any(_city(c) and _city(c) in have for c in candidates):
                return 0.0
    except (IndexError, TypeError) as exc:  # more rows than answers, or a bad entry: 0
        log.info("compare_conference_city_in_order: %s", exc)
        return 0.0
    return 1.0
