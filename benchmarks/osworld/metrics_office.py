"""Office-document metrics (spreadsheets, CSV, Writer, Impress, PDF), registered in METRICS.

Written from the behaviour of OSWorld's `metrics/{table,docs,slides,pdf}.py`.
Where we simplify, the docstring says how. The libraries (openpyxl, pandas,
python-docx, python-pptx, pypdf) are imported on first use, so that importing
the registry stays cheap. A None result (a missing file) scores 0 everywhere.
"""

from __future__ import annotations

import difflib
import functools
import logging
import operator
import os
import re
from typing import Any

from benchmarks.osworld.metrics import metric

__all__ = ["match_value_to_rule"]

log = logging.getLogger(__name__)


def _ratio(a: str, b: str) -> float:
    """Similarity in [0, 1]; stands in for rapidfuzz's `fuzz.ratio / 100` (see fuzzy_match)."""
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def match_value_to_rule(value: Any, rule: dict[str, Any]) -> bool:
    """OSWorld's `{method, ref}` rule: eq/ne/lt/le/gt/ge, `re[.FLAG...]`,
    `approx:TOL`, `range.XY`, `str_list_eq` / `str_set_eq`, `spreadsheet_range`."""
    method, ref = rule["method"], rule.get("ref")
    if method.startswith("re"):
        flags = functools.reduce(operator.or_, (getattr(re, f) for f in method.split(".")[1:]),
                                 re.RegexFlag(0))
        return re.search(ref, str(value), flags) is not None
    if method in {"eq", "ne", "lt", "le", "gt", "ge"}:
        try:
            return bool(getattr(operator, method)(value, ref))
        except TypeError:
            return False
    if method.startswith("approx"):
        tolerance = float(method.split(":")[1])
        try:
            return abs(float(value) - ref) <= tolerance
        except (TypeError, ValueError):
            return False
    if method.startswith("range."):  # range.te [0, 2]: 0 < x <= 2
        low, high = method[6], method[7]
        return bool(getattr(operator, "l" + low)(ref[0], value)
                    and getattr(operator, "l" + high)(value, ref[1]))
    if method in {"str_list_eq", "str_set_eq"}:
        kind = list if method == "str_list_eq" else set
        return kind(str(value).strip("\"'").split(",")) == kind(ref)
    if method == "spreadsheet_range":
        from openpyxl.worksheet.cell_range import MultiCellRange
        inner, outer = MultiCellRange(ref[0]), MultiCellRange(ref[1])
        got = MultiCellRange(str(value))
        return all(r in got for r in inner) and all(r in outer for r in got)
    raise NotImplementedError(f"unknown rule method {method!r}")


# --- compare_table ----------------------------------------------------------------


class _Books:
    """Result and expected workbooks, each opened lazily as openpyxl (formulas and
    cached values) and as pandas."""

    def __init__(self, result: str, expected: str | None) -> None:
        import openpyxl
        self.paths = {"R": result, "E": expected}
        self.xl = {"R": openpyxl.load_workbook(result)}
        self.values = {"R": openpyxl.load_workbook(result, data_only=True)}
        if expected is not None:
            self.xl["E"] = openpyxl.load_workbook(expected)
            self.values["E"] = openpyxl.load_workbook(expected, data_only=True)
        self.names = {k: wb.sheetnames for k, wb in self.xl.items()}

    def resolve(self, idx: int | str) -> tuple[str, str]:
        """`0` / "RI0" / "RNSheet1" / "EI0" / "ENSheet1" -> (book key, sheet name; "" if none)."""
        if isinstance(idx, int):
            book, pos = "R", idx
        elif idx[:2] in ("RI", "EI"):
            book, pos = idx[0], int(idx[2:])
        elif idx[:2] in ("RN", "EN"):
            return idx[0], idx[2:]
        else:
            raise ValueError(f"unrecognised sheet index {idx!r}")
        names = self.names.get(book) or []
        return book, names[pos] if 0 <= pos < len(names) else ""

    def sheet(self, idx: int | str, values: bool = False) -> Any:
        book, name = self.resolve(idx)
        wbs = self.values if values else self.xl
        wb = wbs.get(book)
        return wb[name] if wb is not None and name in wb.sheetnames else None

    def frame(self, idx: int | str) -> Any:
        import pandas as pd
        book, name = self.resolve(idx)
        path = self.paths[book]
        if path is None or name not in (self.names.get(book) or []):
            return None
        return pd.read_excel(path, sheet_name=name)

    def printed(self, idx: int | str) -> list[str] | None:
        """Lines of `<book stem>-<sheet>.csv` (written by the task's postconfig), trailing
        blank lines dropped, as upstream's sheet_print reads them."""
        book, name = self.resolve(idx)
        path = self.paths[book]
        if path is None:
            return None
        csv_name = f"{os.path.splitext(path)[0]}-{name}.csv"
        try:
            with open(csv_name, encoding="utf-8-sig", errors="replace") as f:
                lines = [line.strip() for line in f.read().splitlines()]
        except OSError:
            return None
        while lines and not lines[-1]:
            lines.pop()
        return lines[::-1]  # upstream keeps them reversed; both sides alike, so equality holds


def _cell_value(books: _Books, idx: int | str, coordinate: str) -> Any:
    """A cell's stored value as upstream's `read_cell_value`: numbers as float, text as
    str, anything else (booleans, errors, empty) None. Formulas give their cached value."""
    sheet = books.sheet(idx, values=True)
    if sheet is None:
        return None
    value = sheet[coordinate].value
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    return value if isinstance(value, str) else None


def _cell_style(prop: str, cell: Any) -> Any:
    empty = cell.value is None
    if prop == "merge":  # is the cell inside a merged range
        return any(cell.coordinate in rng for rng in cell.parent.merged_cells.ranges)
    if prop == "number_format":
        return cell.number_format if not empty and cell.data_type == "n" else None
    font_props = {"font_name": "name", "font_family": "family", "font_bold": "b",
                  "font_italic": "i", "font_underline": "u", "font_size": "sz"}
    if prop in font_props:
        return None if empty else getattr(cell.font, font_props[prop])
    if prop == "font_color":
        return None if empty or cell.font.color is None else cell.font.color.rgb
    if prop == "fill_type":
        return cell.fill.tagname
    if prop in ("bgcolor", "fgcolor"):
        color = cell.fill.bgColor if prop == "bgcolor" else cell.fill.fgColor
        return None if color is None else color.rgb
    if prop == "hyperlink":
        return None if empty else (cell.hyperlink or "")
    raise NotImplementedError(f"compare_table: cell style {prop!r}")


def _charts(sheet: Any, props: list[str]) -> dict[str, Any]:
    """Charts keyed by their series references, with the asked-for properties."""
    def ref(part: Any) -> str:
        for kind in ("numRef", "strRef"):
            f = getattr(getattr(part, kind, None), "f", None)
            if f:
                return f
        return ""

    def title(t: Any) -> Any:
        try:
            return t.tx.rich.p[0].r[0].t
        except (AttributeError, IndexError, TypeError):
            return None

    out: dict[str, Any] = {}
    for chart in [] if sheet is None else sheet._charts:
        key = ";".join(f"{ref(s.val)},{ref(s.cat)}" for s in chart.series)
        info: dict[str, Any] = {}
        for p in props:
            if p == "title":
                info[p] = title(chart.title)
            elif p in ("xtitle", "ytitle", "ztitle"):
                axis = getattr(chart, f"{p[0]}_axis", None)
                info[p] = title(getattr(axis, "title", None))
            elif p == "legend":
                info[p] = chart.legend.position if chart.legend is not None else None
            elif p == "type":
                info[p] = chart.tagname
            elif p == "direction":
                info[p] = getattr(chart, "barDir", None)
            elif p in ("width", "height"):
                info[p] = getattr(chart, p)
            elif p == "anchor":
                a = chart.anchor
                info[p] = [a.editAs, a._from.col, a.to.row, a.to.col, a.to.row]
        out[key] = info
    return out


def _freeze_key(sheet: Any) -> tuple[Any, ...]:
    pane = sheet.sheet_view.pane
    if pane is None:
        return ("none",)
    state = (pane.state or "").lower()
    xs, ys = int(pane.xSplit or 0), int(pane.ySplit or 0)
    return ("frozen", xs, ys) if state in ("frozen", "frozensplit") else ("other", xs, ys, pane.topLeftCell)


def _sheet_fuzzy(books: _Books, r: dict[str, Any]) -> bool:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.cell_range import MultiCellRange
    for rl in r["rules"]:
        for rng in MultiCellRange(rl["range"]):
            for row, col in rng.cells:
                coordinate = f"{get_column_letter(col)}{row}"
                v1 = str(_cell_value(books, r["sheet_idx0"], coordinate))
                v2 = str(_cell_value(books, r["sheet_idx1"], coordinate))
                for old, new in rl.get("normalization", []):
                    v1, v2 = v1.replace(old, new), v2.replace(old, new)
                if "trim_leadings" in rl:
                    v1, v2 = v1.lstrip(rl["trim_leadings"]), v2.lstrip(rl["trim_leadings"])
                if "trim_trailings" in rl:
                    v1, v2 = v1.rstrip(rl["trim_trailings"]), v2.rstrip(rl["trim_trailings"])
                if "ignore_chars" in rl:
                    drop = set(rl["ignore_chars"])
                    v1 = "".join(c for c in v1 if c not in drop)
                    v2 = "".join(c for c in v2 if c not in drop)
                if rl.get("ignore_case", False):
                    v1, v2 = v1.lower(), v2.lower()
                kind = rl["type"]
                ok = (v2 in v1 if kind == "includes" else v1 in v2 if kind == "included_by"
                      else _ratio(v1, v2) * 100 >= rl.get("threshold", 85.0) if kind == "fuzzy_match"
                      else v1 == v2)
                if not ok:
                    return False
    return True


def _table_rule(books: _Books, r: dict[str, Any]) -> bool | None:
    """One compare_table rule; None means "score 0 now" (upstream returns early)."""
    kind = r["type"]
    if kind == "sheet_name":
        return books.names.get("R") == books.names.get("E")
    if kind == "sheet_data":
        digits = r.get("precision", 4)
        a = books.frame(r["sheet_idx0"])
        if a is None:
            return None
        b = books.frame(r["sheet_idx1"])
        return b is not None and a.round(digits).equals(b.round(digits))
    if kind == "sheet_print":
        a = books.printed(r["sheet_idx0"])
        if a is None:
            return None
        b = books.printed(r["sheet_idx1"])
        if b is not None and r.get("ignore_case", False):
            a, b = [s.lower() for s in a], [s.lower() for s in b]
        return a == b
    if kind == "sheet_fuzzy":
        return _sheet_fuzzy(books, r)
    if kind == "check_cell":
        sheet = books.sheet(r["sheet_idx"])
        if sheet is None:
            return None
        cell = sheet[r["coordinate"]]
        for prop, rule in r["props"].items():
            value = (_cell_value(books, r["sheet_idx"], r["coordinate"]) if prop == "value"
                     else _cell_style(prop, cell))
            if not match_value_to_rule(value, rule):
                return False
        return True
    if kind == "chart":
        props = r.get("chart_props", [])
        return _charts(books.sheet(r["sheet_idx0"]), props) == _charts(books.sheet(r["sheet_idx1"]), props)
    if kind == "freeze":
        a = books.sheet(r["sheet_idx0"])
        if a is None:
            return None
        b = books.sheet(r["sheet_idx1"])
        return b is not None and _freeze_key(a) == _freeze_key(b)
    if kind == "zoom":
        sheet = books.sheet(r["sheet_idx"])
        if sheet is None:
            return None
        return match_value_to_rule(sheet.sheet_view.zoomScale or 100.0, r)
    if kind in ("row_props", "col_props"):
        def dims(idx: int | str) -> dict[Any, Any]:
            sheet = books.sheet(idx)
            if sheet is None:
                return {}
            holder = sheet.row_dimensions if kind == "row_props" else sheet.column_dimensions
            return {k: {p: getattr(d, p) for p in r.get("props", [])} for k, d in holder.items()}
        return dims(r["sheet_idx0"]) == dims(r["sheet_idx1"])
    if kind == "data_validation":
        sheet = books.sheet(r["sheet_idx"])
        if sheet is None:
            return None
        validators = sheet.data_validations.dataValidation
        if len(validators) < len(r["dv_props"]):
            return False
        return all(any(all(match_value_to_rule(getattr(dv, attr), rule) for attr, rule in props.items())
                       for props in r["dv_props"]) for dv in validators)
    if kind == "style":
        def styles(idx: int | str) -> dict[str, list[Any]]:
            sheet = books.sheet(idx)
            if sheet is None:
                return {}
            if len(sheet.conditional_formatting):
                # Upstream evaluates conditional-format formulas (the `formulas` package).
                raise NotImplementedError("compare_table style: conditional formatting")
            return {c.coordinate: [_cell_style(p, c) for p in r.get("props", [])]
                    for col in sheet.iter_cols() for c in col}
        return styles(r["sheet_idx0"]) == styles(r["sheet_idx1"])
    raise NotImplementedError(f"compare_table rule {kind!r}")  # pivot_table, sparkline, filter


@metric
def compare_table(result: str | None, expected: str | None = None, **options: Any) -> float:
    """Workbooks compared rule by rule (`options["rules"]`); 0 at the first rule that fails.

    Simplified from upstream: cell values come from openpyxl's cached values rather
    than the sheet XML (the same numbers and strings); `style` refuses sheets with
    conditional formatting, and `pivot_table`, `sparkline`, `filter` are not
    implemented (they raise, which the evaluator scores 0 with the reason).
    """
    if result is None or not os.path.exists(result):
        return 0.0
    try:
        books = _Books(result, expected)
    except Exception:
        if expected is not None and not os.path.exists(expected):
            raise
        return 0.0
    for r in options.get("rules", []):
        if not _table_rule(books, r):
            return 0.0
    return 1.0


@metric
def compare_csv(result: str | None, expected: str | list[str] | None, **options: Any) -> float:
    """Line-by-line equality with the expected CSV (or any of a list of them);
    `strict: false` strips each line, `ignore_case` folds case."""
    if result is None or not os.path.exists(result):
        return 0.0

    def lines(path: str) -> list[str]:
        with open(path, encoding="utf-8-sig", errors="replace") as f:
            out = f.read().splitlines()
        if not options.get("strict", True):
            out = [s.strip() for s in out]
        if options.get("ignore_case", False):
            out = [s.lower() for s in out]
        return out

    got = lines(result)
    for path in [expected] if isinstance(expected, str) else (expected or []):
        if path and os.path.exists(path) and lines(path) == got:
            return 1.0
    return 0.0


# --- Writer ----------------------------------------------------------------------


def _docx(path: str) -> Any:
    from docx import Document
    return Document(path)


@metric
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
        p1 = [p.text for p in _docx(result).paragraphs]
    except Exception:  # noqa: BLE001 - not a document: 0
        return 0.0
    p2 = [p.text for p in _docx(expected).paragraphs]
    if options.get("ignore_order", False):
        p1, p2 = sorted(p1), sorted(p2)
    if options.get("delete_empty_lines", False):
        p1, p2 = [p for p in p1 if p.strip()], [p for p in p2 if p.strip()]
    fold = str.lower if options.get("ignore_case", False) else (lambda s: s)
    t1 = fold(re.sub(r"\s+", " ", "\n".join(p1)).strip())
    t2 = fold(re.sub(r"\s+", " ", "\n".join(p2)).strip())
    if options.get("content_only", False) or options.get("fuzzy_match", False):
        return _ratio(t1, t2)
    if options.get("ignore_blanks", True):
        return float(t1 == t2)
    return float(len(p1) == len(p2) and all(fold(a) == fold(b) for a, b in zip(p1, p2)))


@metric
def compare_docx_tables(result: str | None, expected: str | None) -> float:
    """Same number of tables, same shapes, same stripped cell texts."""
    if not result or not expected or not os.path.exists(result):
        return 0.0
    try:
        t1 = _docx(result).tables
    except Exception:  # noqa: BLE001
        return 0.0
    t2 = _docx(expected).tables
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


# --- Impress ---------------------------------------------------------------------

_PPTX_FLAGS = ("examine_number_of_slides", "examine_shape", "examine_text", "examine_alignment",
               "examine_font_name", "examine_font_size", "examine_font_bold", "examine_font_italic",
               "examine_color_rgb", "examine_font_underline", "examine_strike_through",
               "examine_run_count", "examine_background_color", "examine_bullets",
               "examine_title_bottom_position", "examine_table_bottom_position",
               "examine_right_position", "examine_top_position", "examine_image_size",
               "examine_modify_height", "examine_shape_lenient_height")


def _background(slide: Any) -> Any:
    try:
        fill = slide.background.fill
        return fill.fore_color.rgb if fill.type == 1 else None  # 1: solid
    except (AttributeError, TypeError, ValueError):
        return None


def _color(font: Any) -> Any:
    try:
        return font.color.rgb if font.color and font.color.type is not None else None
    except AttributeError:
        return None


@metric
def compare_pptx_files(result: str | None, expected: str | None, **options: Any) -> float:
    """Slide by slide, shape by shape: positions and sizes (`examine_shape`), text of
    each paragraph, alignment, and each run's font name, size, bold, italic,
    colour, underline, strike-through; slide count and background colour. Each
    check has its `examine_*` option, default true.

    Simplified from upstream: the special position rules (`examine_title_bottom_position`,
    `examine_table_bottom_position`, `examine_right_position`, `examine_top_position`,
    `examine_image_size`, `examine_modify_height`, `examine_shape_lenient_height`)
    are read but only relax the size check (height is ignored when
    `examine_shape_lenient_height` or `examine_modify_height` is set); bullets and
    tables compare as their text; `approximately_tolerance` is not used.
    """
    if not result or not expected or not os.path.exists(result):
        return 0.0
    from pptx import Presentation
    try:
        prs1 = Presentation(result)
    except Exception:  # noqa: BLE001
        return 0.0
    prs2 = Presentation(expected)
    flag = {k: options.get(k, k not in ("examine_title_bottom_position", "examine_table_bottom_position",
                                          "examine_right_position", "examine_top_position",
                                          "examine_image_size", "examine_modify_height",
                                          "examine_shape_lenient_height"))
            for k in _PPTX_FLAGS}
    slides1, slides2 = list(prs1.slides), list(prs2.slides)
    if flag["examine_number_of_slides"] and len(slides1) != len(slides2):
        return 0.0
    lenient_height = flag["examine_shape_lenient_height"] or flag["examine_modify_height"]
    for s1, s2 in zip(slides1, slides2):
        if flag["examine_background_color"] and _background(s1) != _background(s2):
            return 0.0
        shapes1, shapes2 = list(s1.shapes), list(s2.shapes)
        if len(shapes1) != len(shapes2):
            return 0.0
        for a, b in zip(shapes1, shapes2):
            if flag["examine_shape"]:
                dims = ("left", "top", "width") if lenient_height else ("left", "top", "width", "height")
                if any(getattr(a, d) != getattr(b, d) for d in dims):
                    return 0.0
            if getattr(a, "has_table", False) and getattr(b, "has_table", False):
                ta = [[c.text for c in row.cells] for row in a.table.rows]
                tb = [[c.text for c in row.cells] for row in b.table.rows]
                if ta != tb:
                    return 0.0
            if a.has_text_frame != b.has_text_frame:
                return 0.0
            if not a.has_text_frame:
                continue
            paras1, paras2 = a.text_frame.paragraphs, b.text_frame.paragraphs
            if flag["examine_text"] and a.text_frame.text.strip() != b.text_frame.text.strip():
                return 0.0
            if len(paras1) != len(paras2):
                return 0.0
            for p1, p2 in zip(paras1, paras2):
                if flag["examine_text"] and p1.text != p2.text:
                    return 0.0
                if flag["examine_alignment"] and p1.alignment != p2.alignment:
                    return 0.0
                if flag["examine_bullets"] and p1.level != p2.level:
                    return 0.0
                if flag["examine_run_count"] and len(p1.runs) != len(p2.runs):
                    return 0.0
                for r1, r2 in zip(p1.runs, p2.runs):
                    f1, f2 = r1.font, r2.font
                    checks = (("examine_font_name", f1.name, f2.name),
                              ("examine_font_size", f1.size, f2.size),
                              ("examine_font_bold", f1.bold, f2.bold),
                              ("examine_font_italic", f1.italic, f2.italic),
                              ("examine_color_rgb", _color(f1), _color(f2)),
                              ("examine_font_underline", f1.underline, f2.underline))
                    if any(flag[k] and x != y for k, x, y in checks):
                        return 0.0
                    if flag["examine_strike_through"]:
                        s_1 = None if r1._r.rPr is None else r1._r.rPr.get("strike")
                        s_2 = None if r2._r.rPr is None else r2._r.rPr.get("strike")
                        if s_1 != s_2:
                            return 0.0
    return 1.0


# --- PDF -------------------------------------------------------------------------


def _pdf_text(path: str) -> str:
    from pypdf import PdfReader
    return "".join(page.extract_text() or "" for page in PdfReader(path).pages)


@metric
def compare_pdfs(result: str | list[str] | None, expected: str | list[str] | None) -> float:
    """Text similarity of two PDFs (or the mean over paired lists); a pair that
    cannot be read adds 0. Upstream extracts with pdfplumber/fitz and scores with
    rapidfuzz; pypdf and difflib here, so the numbers can differ slightly."""
    if result is None or expected is None:
        return 0.0
    results = result if isinstance(result, list) else [result]
    expecteds = expected if isinstance(expected, list) else [expected]
    if not expecteds:
        return 0.0
    score = 0.0
    for r, e in zip(results, expecteds):
        try:
            score += _ratio(_pdf_text(r), _pdf_text(e))
        except Exception as exc:  # noqa: BLE001 - upstream logs and adds nothing
            log.info("compare_pdfs: cannot read %s or %s: %s", r, e, exc)
    return score / len(expecteds)
