"""Spreadsheet and CSV metrics (LibreOffice Calc tasks): workbooks compared rule by
rule, CSV files line by line or by records, a column of city names.

Written from the behaviour of OSWorld's `metrics/table.py` and `general.py`.
Where we simplify, the docstring says how. openpyxl and pandas are imported on
first use, so that importing the registry stays cheap. A None result (a missing
file) scores 0.
"""

from __future__ import annotations

import csv
import logging
import os
import re
from typing import Any

from benchmarks.osworld.metrics.general import match_value_to_rule, similarity

__all__ = ["check_csv", "compare_conference_city_in_order", "compare_csv", "compare_table"]

log = logging.getLogger(__name__)


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
    font_props = {
        "font_name": "name",
        "font_family": "family",
        "font_bold": "b",
        "font_italic": "i",
        "font_underline": "u",
        "font_size": "sz",
    }
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
                ok = (
                    v2 in v1
                    if kind == "includes"
                    else v1 in v2
                    if kind == "included_by"
                    else similarity(v1, v2) * 100 >= rl.get("threshold", 85.0)
                    if kind == "fuzzy_match"
                    else v1 == v2
                )
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
            value = (
                _cell_value(books, r["sheet_idx"], r["coordinate"])
                if prop == "value"
                else _cell_style(prop, cell)
            )
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
        return all(
            any(
                all(match_value_to_rule(getattr(dv, attr), rule) for attr, rule in props.items())
                for props in r["dv_props"]
            )
            for dv in validators
        )
    if kind == "style":

        def styles(idx: int | str) -> dict[str, list[Any]]:
            sheet = books.sheet(idx)
            if sheet is None:
                return {}
            if len(sheet.conditional_formatting):
                # Upstream evaluates conditional-format formulas (the `formulas` package).
                raise NotImplementedError("compare_table style: conditional formatting")
            return {
                c.coordinate: [_cell_style(p, c) for p in r.get("props", [])]
                for col in sheet.iter_cols()
                for c in col
            }

        return styles(r["sheet_idx0"]) == styles(r["sheet_idx1"])
    raise NotImplementedError(f"compare_table rule {kind!r}")  # pivot_table, sparkline, filter


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


def _match_record(pattern: dict[str, Any], item: dict[str, Any]) -> bool:
    return all(k in item and item[k] == v for k, v in pattern.items())


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


def _city(value: Any) -> str:
    """Lower case, accents and punctuation dropped, for tolerant city matching."""
    import unicodedata

    if value is None:
        return ""
    text = unicodedata.normalize("NFKD", str(value))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def compare_conference_city_in_order(
    actual_city_list_path: str | None, expected_city: dict[str, Any]
) -> float:
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
