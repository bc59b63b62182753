"""LibreOffice Writer metrics on .docx files (python-docx), and Writer's default font.

Written from the behaviour of OSWorld's `metrics/docs.py`. Most of them first
require the document's text to equal the gold one (compare_docx_files), then
check one formatting property. Upstream's fuzzy ratios (rapidfuzz) are
approximated with `general.similarity`. OpenDocument text (.odt) is in
`writer_odt.py`.
"""

from __future__ import annotations

import logging
import os
import re
import xml.etree.ElementTree as ET
from io import BytesIO
from typing import Any

from PIL import Image

from benchmarks.osworld.metrics.colour import colour_difference
from benchmarks.osworld.metrics.general import similarity

log = logging.getLogger(__name__)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def read_docx(path: str) -> Any:
    """The python-docx Document of `path` (python-docx is imported on first use)."""
    from docx import Document

    return Document(path)


def _open(path: str | None) -> Any:
    """The python-docx Document, or None when the file is missing or not a document."""
    if not path:
        return None
    try:
        return read_docx(path)
    except Exception as exc:  # noqa: BLE001 - upstream: an unreadable document scores 0
        log.error("cannot open %s: %s", path, exc)
        return None


def compare_docx_files(result: str | None, expected: str | None, **options: Any) -> float:
    """Paragraph text of two .docx files.

    `ignore_blanks` (default true): whitespace runs collapse, texts must be equal.
    Otherwise paragraph by paragraph. `ignore_order` sorts paragraphs first,
    `delete_empty_lines` drops blank ones, `ignore_case` folds case; `content_only`
    and `fuzzy_match` score the similarity of the collapsed texts. (.odt, which
    upstream also reads, is not supported: it scores 0.)
    """
    if not result or not expected or not os.path.exists(result):
        return 0.0
    if not (result.endswith(".docx") and expected.endswith(".docx")):
        return 0.0
    try:
        p1 = [p.text for p in read_docx(result).paragraphs]
    except Exception:  # noqa: BLE001 - not a document: 0
        return 0.0
    p2 = [p.text for p in read_docx(expected).paragraphs]
    if options.get("ignore_order", False):
        p1, p2 = sorted(p1), sorted(p2)
    if options.get("delete_empty_lines", False):
        p1, p2 = [p for p in p1 if p.strip()], [p for p in p2 if p.strip()]
    fold = str.lower if options.get("ignore_case", False) else (lambda s: s)
    t1 = fold(re.sub(r"\s+", " ", "\n".join(p1)).strip())
    t2 = fold(re.sub(r"\s+", " ", "\n".join(p2)).strip())
    if options.get("content_only", False) or options.get("fuzzy_match", False):
        return similarity(t1, t2)
    if options.get("ignore_blanks", True):
        return float(t1 == t2)
    return float(len(p1) == len(p2) and all(fold(a) == fold(b) for a, b in zip(p1, p2)))


def compare_docx_tables(result: str | None, expected: str | None) -> float:
    """Same number of tables, same shapes, same stripped cell texts."""
    if not result or not expected or not os.path.exists(result):
        return 0.0
    try:
        t1 = read_docx(result).tables
    except Exception:  # noqa: BLE001 - an unreadable file scores 0, as upstream
        return 0.0
    t2 = read_docx(expected).tables
    if len(t1) != len(t2):
        return 0.0
    for a, b in zip(t1, t2):
        if len(a.rows) != len(b.rows) or len(a.columns) != len(b.columns):
            return 0.0
        for i in range(len(a.rows)):
            for j in range(len(a.columns)):
                if a.cell(i, j).text.strip() != b.cell(i, j).text.strip():
                    return 0.0
    return 1.0


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


def contains_page_break(docx_file: str | None, rules: dict[str, Any]) -> float:
    """The body has a page break (exactly `page_break_count` of them when given)."""
    doc = _open(docx_file)
    if doc is None:
        return 0.0
    want = rules.get("page_break_count") if isinstance(rules, dict) else None
    count = sum(
        1
        for p in doc.paragraphs
        for run in p.runs
        for br in run.element.iter(f"{W}br")
        if br.get(f"{W}type") == "page"
    )
    if want is not None and count != want:
        return 0.0
    return float(count > 0)


def compare_docx_images(docx_file1: str | None, docx_file2: str | None) -> float:
    """The documents embed the same images (same count, same pixels, in order)."""
    doc1, doc2 = _open(docx_file1), _open(docx_file2)
    if doc1 is None or doc2 is None:
        return 0.0

    def images(doc: Any) -> list[bytes]:
        return [
            Image.open(BytesIO(rel.target_part.blob)).tobytes()
            for rel in doc.part.rels.values()
            if "image" in rel.reltype
        ]

    a, b = images(doc1), images(doc2)
    return float(len(a) == len(b) and all(x == y for x, y in zip(a, b)))


def compare_line_spacing(docx_file1: str | None, docx_file2: str | None) -> float:
    """Same text, and every paragraph has the gold one's line spacing."""
    if not docx_file1 or not docx_file2 or not compare_docx_files(docx_file1, docx_file2):
        return 0.0
    doc1, doc2 = _open(docx_file1), _open(docx_file2)
    if doc1 is None or doc2 is None or len(doc1.paragraphs) != len(doc2.paragraphs):
        return 0.0
    return float(
        all(
            p1.paragraph_format.line_spacing == p2.paragraph_format.line_spacing
            for p1, p2 in zip(doc1.paragraphs, doc2.paragraphs)
        )
    )


def compare_font_names(docx_file: str | None, rules: dict[str, Any]) -> float:
    """Every run of every body paragraph names the font `font_name`."""
    doc = _open(docx_file)
    if doc is None:
        return 0.0
    return float(all(run.font.name == rules["font_name"] for p in doc.paragraphs for run in p.runs))


def compare_subscript_contains(docx_file1: str | None, docx_file2: str | None) -> float:
    """Some run, paired by position with the gold document's, is subscript in both."""
    doc1, doc2 = _open(docx_file1), _open(docx_file2)
    if doc1 is None or doc2 is None:
        return 0.0
    return float(
        any(
            r1.font.subscript and r2.font.subscript
            for p1, p2 in zip(doc1.paragraphs, doc2.paragraphs)
            for r1, r2 in zip(p1.runs, p2.runs)
        )
    )


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


def is_first_line_centered(docx_file: str | None) -> float:
    from docx.enum.text import WD_PARAGRAPH_ALIGNMENT

    doc = _open(docx_file)
    if doc is None:
        return 0.0
    return float(doc.paragraphs[0].paragraph_format.alignment == WD_PARAGRAPH_ALIGNMENT.CENTER)


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
        return not (
            tab.alignment == WD_TAB_ALIGNMENT.CLEAR
            or (tab.alignment == WD_TAB_ALIGNMENT.LEFT and tab.position == 0)
        )

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


def evaluate_strike_through_last_paragraph(file_path1: str | None, file_path2: str | None) -> float:
    """Same text as the gold, and every run of the last paragraph is struck through."""
    if not file_path1 or not file_path2 or not compare_docx_files(file_path1, file_path2):
        return 0.0
    doc = _open(file_path1)
    if doc is None:
        return 0.0
    return float(all(run.font.strike for run in doc.paragraphs[-1].runs))


def check_italic_font_size_14(path1: str | None, path2: str | None) -> float:
    """Same text as the gold, and every italic run is 14 pt."""
    if not path1 or not path2 or not compare_docx_files(path1, path2):
        return 0.0
    doc = _open(path1)
    if doc is None:
        return 0.0
    return float(
        all(
            run.font.size is not None and run.font.size.pt == 14
            for p in doc.paragraphs
            for run in p.runs
            if run.italic
        )
    )


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
    ref1 = [p for p in p1[i1 + 1 :] if p.strip()]
    ref2 = [p for p in p2[i2 + 1 :] if p.strip()]
    if len(ref1) != len(ref2):
        return 0.0
    if not ref1:
        return 1.0  # both sections empty (upstream would divide by zero)
    mean = sum(similarity(a, b) for a, b in zip(ref1, ref2)) / len(ref1)
    if mean >= base + 0.01:
        return (mean - base) / (1 - base)
    return 0.0


def fuzzy_place_math(result_file_path: str | None, rules: dict[str, Any]) -> float:
    """The document holds exactly three words; each scores its best similarity to
    an `expected` answer; the mean of the three."""
    doc = _open(result_file_path)
    if doc is None:
        return 0.0
    words = [w for p in doc.paragraphs for w in p.text.split()]
    if len(words) != 3:
        return 0.0
    return sum(max((similarity(w, ans) for ans in rules["expected"]), default=0.0) for w in words) / 3


def compare_unique_train_records(
    processed_file: str | None, expected_files: list[str] | None, **options: Any
) -> float:
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


def evaluate_colored_words_in_tables(file_path1: str | None, file_path2: str | None, **kwargs: Any) -> float:
    """Same text as the gold, and in every table a word starting with a vowel is
    red, any other word blue (CIEDE2000 within `threshold`, default 3.5)."""
    if not file_path1 or not file_path2 or not compare_docx_files(file_path1, file_path2):
        return 0.0
    document = _open(file_path1)
    if document is None:
        return 0.0
    threshold = kwargs.get("threshold", 3.5)
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    for run in paragraph.runs:
                        if not run.text:
                            continue
                        rgb = run.font.color.rgb
                        if rgb is None:
                            return 0.0  # upstream fails on a run without a colour
                        want = (255, 0, 0) if run.text[0].lower() in "aeiou" else (0, 0, 255)
                        if colour_difference((rgb[0], rgb[1], rgb[2]), want) > threshold:
                            return 0.0
    return 1.0


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _highlighted_runs(path: str) -> list[str | None]:
    import zipfile

    with zipfile.ZipFile(path) as docx, docx.open("word/document.xml") as xml:
        root = ET.parse(xml).getroot()
    texts: list[str | None] = []
    for run in root.iter(f"{_W}r"):
        mark = run.find(f".//{_W}highlight")
        if mark is not None and mark.get(f"{_W}val") != "none":
            text = run.find(f".//{_W}t")
            if text is not None:
                texts.append(text.text)
    return texts


def compare_highlighted_text(file1: str | None, file2: str | None) -> float:
    """The highlighted runs of two .docx files hold the same texts, in order."""
    if not file1 or not file2:
        return 0.0
    return float(_highlighted_runs(file1) == _highlighted_runs(file2))
