"""LibreOffice Writer metrics on .docx files (python-docx), and Writer's default font.

Written from the behaviour of OSWorld's `metrics/docs.py`. Most of them first
require the document's text to equal the gold one (compare_docx_files), then
check one formatting property. Upstream's fuzzy ratios (rapidfuzz) are
approximated with difflib, as in fuzzy_match.
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from io import BytesIO
from typing import Any

from PIL import Image

from benchmarks.osworld.metrics import metric
from benchmarks.osworld.metrics_office import _ratio, compare_docx_files

log = logging.getLogger(__name__)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _open(path: str | None) -> Any:
    """The python-docx Document, or None when the file is missing or not a document."""
    if not path:
        return None
    from docx import Document
    try:
        return Document(path)
    except Exception as exc:  # noqa: BLE001 - upstream: an unreadable document scores 0
        log.error("cannot open %s: %s", path, exc)
        return None


@metric
def find_default_font(config_file_path: str | None, rules: dict[str, Any]) -> float:
    """registrymodifications.xcu sets Writer's DefaultFont/Standard to `font_name`."""
    if not config_file_path:
        return 0.0
    font = None
    ns = {"oor": "http://openoffice.org/2001/registry"}
    try:
        root = ET.parse(config_file_path).getroot()
        for item in root.findall('.//item[@oor:path="/org.openoffice.Office.Writer/DefaultFont"]', ns):
            for prop in item.findall('.//prop[@oor:name="Standard"]', ns):
                for value in prop.findall("value", ns):
                    font = value.text
    except ET.ParseError as exc:
        log.error("find_default_font: %s", exc)
    return float(font == rules["font_name"])


@metric
def contains_page_break(docx_file: str | None, rules: dict[str, Any]) -> float:
    """The body has a page break (exactly `page_break_count` of them when given)."""
    doc = _open(docx_file)
    if doc is None:
        return 0.0
    want = rules.get("page_break_count") if isinstance(rules, dict) else None
    count = sum(1 for p in doc.paragraphs for run in p.runs
                for br in run.element.iter(f"{W}br") if br.get(f"{W}type") == "page")
    if want is not None and count != want:
        return 0.0
    return float(count > 0)


@metric
def compare_docx_images(docx_file1: str | None, docx_file2: str | None) -> float:
    """The documents embed the same images (same count, same pixels, in order)."""
    doc1, doc2 = _open(docx_file1), _open(docx_file2)
    if doc1 is None or doc2 is None:
        return 0.0

    def images(doc: Any) -> list[bytes]:
        return [Image.open(BytesIO(rel.target_part.blob)).tobytes()
                for rel in doc.part.rels.values() if "image" in rel.reltype]

    a, b = images(doc1), images(doc2)
    return float(len(a) == len(b) and all(x == y for x, y in zip(a, b)))


@metric
def compare_line_spacing(docx_file1: str | None, docx_file2: str | None) -> float:
    """Same text, and every paragraph has the gold one's line spacing."""
    if not docx_file1 or not docx_file2 or not compare_docx_files(docx_file1, docx_file2):
        return 0.0
    doc1, doc2 = _open(docx_file1), _open(docx_file2)
    if doc1 is None or doc2 is None or len(doc1.paragraphs) != len(doc2.paragraphs):
        return 0.0
    return float(all(p1.paragraph_format.line_spacing == p2.paragraph_format.line_spacing
                     for p1, p2 in zip(doc1.paragraphs, doc2.paragraphs)))


@metric
def compare_font_names(docx_file: str | None, rules: dict[str, Any]) -> float:
    """Every run of every body paragraph names the font `font_name`."""
    doc = _open(docx_file)
    if doc is None:
        return 0.0
    return float(all(run.font.name == rules["font_name"] for p in doc.paragraphs for run in p.runs))


@metric
def compare_subscript_contains(docx_file1: str | None, docx_file2: str | None) -> float:
    """Some run, paired by position with the gold document's, is subscript in both."""
    doc1, doc2 = _open(docx_file1), _open(docx_file2)
    if doc1 is None or doc2 is None:
        return 0.0
    return float(any(r1.font.subscript and r2.font.subscript
                     for p1, p2 in zip(doc1.paragraphs, doc2.paragraphs)
                     for r1, r2 in zip(p1.runs, p2.runs)))


@metric
def has_page_numbers_in_footers(docx_file: str | None) -> float:
    """Each section's footer's first paragraph holds a digit (a page number field's text)."""
    doc = _open(docx_file)
    if doc is None:
        return 0.0
    for section in doc.sections:
        footer = section.footer
        text = footer.paragraphs[0].text if footer.paragraphs else ""
        if not any(c.isdigit() for c in text):
            return 0.0
    return 1.0


@metric
def is_first_line_centered(docx_file: str | None) -> float:
    from docx.enum.text import WD_PARAGRAPH_ALIGNMENT
    doc = _open(docx_file)
    if doc is None:
        return 0.0
    return float(doc.paragraphs[0].paragraph_format.alignment == WD_PARAGRAPH_ALIGNMENT.CENTER)


@metric
def check_tabstops(docx_file1: str | None, docx_file2: str | None, **kwargs: Any) -> float:
    """Non-empty paragraphs carry the gold tab stops: same count and alignments;
    the score is 1 minus the mean position offset relative to the text width.
    With `word_number_split_by_tabstop`, the `index`-th tab-separated part of each
    paragraph must have that many words."""
    from docx.enum.text import WD_TAB_ALIGNMENT
    doc1, doc2 = _open(docx_file1), _open(docx_file2)
    if doc1 is None or doc2 is None:
        return 0.0
    para1 = [p for p in doc1.paragraphs if p.text.strip()]
    para2 = [p for p in doc2.paragraphs if p.text.strip()]
    if len(para1) != len(para2):
        return 0.0
    if kwargs.get("word_number_split_by_tabstop") is not None:
        number, index = kwargs["word_number_split_by_tabstop"], kwargs.get("index", 0)
        for p in para1:
            words = [w for w in re.split(r"\s", p.text.split("\t")[index]) if w.strip()]
            if len(words) != number:
                return 0.0
    section = doc2.sections[0]
    width = section.page_width - section.left_margin - section.right_margin

    def kept(tab: Any) -> bool:  # CLEAR stops and the default left stop at 0 do not count
        return not (tab.alignment == WD_TAB_ALIGNMENT.CLEAR
                    or (tab.alignment == WD_TAB_ALIGNMENT.LEFT and tab.position == 0))

    minus = 0.0
    for p1, p2 in zip(para1, para2):
        tabs1 = [t for t in p1.paragraph_format.tab_stops if kept(t)]
        tabs2 = [t for t in p2.paragraph_format.tab_stops if kept(t)]
        if len(tabs1) != len(tabs2):
            return 0.0
        difference = 0.0
        for t1, t2 in zip(tabs1, tabs2):
            if t1.alignment != t2.alignment:
                return 0.0
            difference += abs(t1.position - t2.position)
        minus += difference / width
    if not para1:
        return 0.0  # upstream divides by zero: an error, scored 0
    return 1 - minus / len(para1)


@metric
def evaluate_strike_through_last_paragraph(file_path1: str | None, file_path2: str | None) -> float:
    """Same text as the gold, and every run of the last paragraph is struck through."""
    if not file_path1 or not file_path2 or not compare_docx_files(file_path1, file_path2):
        return 0.0
    doc = _open(file_path1)
    if doc is None:
        return 0.0
    return float(all(run.font.strike for run in doc.paragraphs[-1].runs))


@metric
def check_italic_font_size_14(path1: str | None, path2: str | None) -> float:
    """Same text as the gold, and every italic run is 14 pt."""
    if not path1 or not path2 or not compare_docx_files(path1, path2):
        return 0.0
    doc = _open(path1)
    if doc is None:
        return 0.0
    return float(all(run.font.size is not None and run.font.size.pt == 14
                     for p in doc.paragraphs for run in p.runs if run.italic))


@metric
def compare_docx_files_and_ignore_new_lines(file1: str | None, file2: str | None, **options: Any) -> float:
    """Texts equal once empty paragraphs are dropped (and blanks collapsed, by default)."""
    if not file1 or not file2 or not (file1.endswith(".docx") and file2.endswith(".docx")):
        return 0.0
    doc1, doc2 = _open(file1), _open(file2)
    if doc1 is None or doc2 is None:
        return 0.0
    p1 = [p.text for p in doc1.paragraphs if p.text != ""]
    p2 = [p.text for p in doc2.paragraphs if p.text != ""]
    if options.get("ignore_blanks", True):
        return float(re.sub(r"\s+", " ", "\n".join(p1)).strip() == re.sub(r"\s+", " ", "\n".join(p2)).strip())
    return float(p1 == p2)


@metric
def compare_references(file1: str | None, file2: str | None, **options: Any) -> float:
    """Mean similarity of the entries after the `reference_indicator` paragraph,
    rescaled above `reference_base_result` (0 at or below it, 1 when identical)."""
    if not file1 or not file2 or not (file1.endswith(".docx") and file2.endswith(".docx")):
        return 0.0
    doc1, doc2 = _open(file1), _open(file2)
    if doc1 is None or doc2 is None:
        return 0.0
    indicator = options.get("reference_indicator", "References")
    base = options.get("reference_base_result", 0.5)
    p1 = [p.text for p in doc1.paragraphs]
    p2 = [p.text for p in doc2.paragraphs]
    i1 = p1.index(indicator) if indicator in p1 else -1
    i2 = p2.index(indicator) if indicator in p2 else -1
    if i1 == -1 and i2 == -1:
        return 1.0
    if i1 == -1 or i2 == -1:
        return 0.0
    ref1 = [p for p in p1[i1 + 1:] if p.strip()]
    ref2 = [p for p in p2[i2 + 1:] if p.strip()]
    if len(ref1) != len(ref2):
        return 0.0
    if not ref1:
        return 1.0  # both sections empty (upstream would divide by zero)
    similarity = sum(_ratio(a, b) for a, b in zip(ref1, ref2)) / len(ref1)
    if similarity >= base + 0.01:
        return (similarity - base) / (1 - base)
    return 0.0


@metric
def fuzzy_place_math(result_file_path: str | None, rules: dict[str, Any]) -> float:
    """The document holds exactly three words; each scores its best similarity to
    an `expected` answer; the mean of the three."""
    doc = _open(result_file_path)
    if doc is None:
        return 0.0
    words = [w for p in doc.paragraphs for w in p.text.split()]
    if len(words) != 3:
        return 0.0
    return sum(max((_ratio(w, ans) for ans in rules["expected"]), default=0.0) for w in words) / 3


@metric
def compare_unique_train_records(processed_file: str | None, expected_files: list[str] | None,
                                 **options: Any) -> float:
    """`expected_files` = [gold, initial]. Lines are non-empty paragraphs; a
    record line has 4 comma-separated fields, the second a train id. Every
    processed line comes from the initial file, no id repeats, and the ids are the gold's."""
    if not processed_file or not isinstance(expected_files, list) or len(expected_files) < 2:
        return 0.0

    def lines_and_ids(path: str | None) -> tuple[list[str], list[str]] | None:
        doc = _open(path)
        if doc is None:
            return None
        lines = [p.text.strip() for p in doc.paragraphs if p.text.strip()]
        return lines, [ln.split(",")[1].strip() for ln in lines if len(ln.split(",")) == 4]

    processed, gold, initial = (lines_and_ids(p) for p in (processed_file, *expected_files[:2]))
    if processed is None or gold is None or initial is None:
        return 0.0
    lines, ids = processed
    return float(set(lines) <= set(initial[0]) and len(ids) == len(set(ids)) and set(ids) == set(gold[1]))
