"""Is a predicted point right, and accuracy tables by category.

The rules of the three benchmarks (as their papers and evaluation code define them):

- a point is right when it lies in the target box, edges included, or in the
  target polygon (ray casting; a point on an edge or a vertex counts as inside);
- a refusal item is right only when the grounder declined: it answered None or a
  point with a negative coordinate (OSWorld-G's convention);
- on any other item, declining is wrong (ScreenSpot-Pro's "wrong format").

Tables: OSWorld-G by category (multi-label: an item counts in each of its
categories) and by target type; ScreenSpot-v2 by platform x text/icon with
averages; ScreenSpot-Pro by group and by application x ui_type.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from pydantic import BaseModel, computed_field

from benchmarks.grounding.datasets import (
    OSWORLD_G,
    OSWORLD_G_CATEGORIES,
    SCREENSPOT_PRO,
    SCREENSPOT_V2,
    SCREENSPOT_V2_PLATFORMS,
    BoxTarget,
    GroundingItem,
    PolygonTarget,
    RefusalTarget,
)
from grounding.base import GroundingResult

__all__ = [
    "Cell",
    "Table",
    "TableRow",
    "category_tables",
    "declined",
    "point_in_box",
    "point_in_polygon",
    "score_item",
    "score_point",
]

EPS = 1e-9
UI_TYPES = ("text", "icon")
SCREENSPOT_PRO_GROUPS = ("Dev", "Creative", "CAD", "Scientific", "Office", "OS")


# ── geometry ───────────────────────────────────────────────────────────────


def point_in_box(x: float, y: float, box: Sequence[float]) -> bool:
    """`box` is (x1, y1, x2, y2); its edges count as inside."""
    x1, y1, x2, y2 = box
    return x1 <= x <= x2 and y1 <= y <= y2


def _on_segment(x: float, y: float, a: tuple[float, float], b: tuple[float, float]) -> bool:
    (ax, ay), (bx, by) = a, b
    cross = (bx - ax) * (y - ay) - (by - ay) * (x - ax)
    scale = max(abs(bx - ax), abs(by - ay), 1.0)
    if abs(cross) > EPS * scale:
        return False
    return min(ax, bx) - EPS <= x <= max(ax, bx) + EPS and min(ay, by) - EPS <= y <= max(ay, by) + EPS


def point_in_polygon(x: float, y: float, points: Sequence[tuple[float, float]]) -> bool:
    """Even-odd ray casting to the right; a point on the boundary counts as inside.

    Each edge counts when it straddles the ray's line half-open (one end strictly
    above, the other at or below), so a ray through a vertex is counted once for
    an edge pair that crosses it and zero or two times for a pair that touches it.
    """
    n = len(points)
    if n < 3:
        return False
    for i in range(n):
        if _on_segment(x, y, points[i], points[(i + 1) % n]):
            return True
    inside = False
    j = n - 1
    for i in range(n):
        xi, yi = points[i]
        xj, yj = points[j]
        if (yi > y) != (yj > y):
            x_cross = xi + (y - yi) * (xj - xi) / (yj - yi)
            if x < x_cross:
                inside = not inside
        j = i
    return inside


# ── one item ───────────────────────────────────────────────────────────────


def declined(result: GroundingResult | None) -> bool:
    """No answer, or a negative point: the grounder says the target is not there."""
    return result is None or result.x < 0 or result.y < 0


def score_point(item: GroundingItem, point: tuple[float, float] | None) -> bool:
    """`point` None (or negative) means the grounder declined."""
    refused = point is None or point[0] < 0 or point[1] < 0
    target = item.target
    if isinstance(target, RefusalTarget):
        return refused
    if refused:
        return False
    assert point is not None
    if isinstance(target, BoxTarget):
        return point_in_box(point[0], point[1], target.box)
    if isinstance(target, PolygonTarget):
        return point_in_polygon(point[0], point[1], target.points)
    raise TypeError(f"unknown target {target!r}")


def score_item(item: GroundingItem, result: GroundingResult | None) -> bool:
    """Whether `result` answers `item` correctly (see the module docstring)."""
    if result is None or declined(result):
        return score_point(item, None)
    return score_point(item, (result.x, result.y))


# ── tables ─────────────────────────────────────────────────────────────────


class Cell(BaseModel):
    correct: int = 0
    total: int = 0

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented computed_field-on-property form
    @property
    def accuracy(self) -> float | None:
        return self.correct / self.total if self.total else None

    def add(self, ok: bool) -> None:
        self.total += 1
        self.correct += int(ok)

    def markdown(self) -> str:
        if not self.total:
            return "–"
        return f"{100 * self.correct / self.total:.1f} ({self.correct}/{self.total})"


class TableRow(BaseModel):
    label: str
    cells: list[Cell]


class Table(BaseModel):
    """Accuracy by row (and column); the cells say correct/total."""

    title: str
    row_header: str
    columns: list[str]
    rows: list[TableRow]

    def cell(self, row: str, column: str) -> Cell:
        col = self.columns.index(column)
        for r in self.rows:
            if r.label == row:
                return r.cells[col]
        raise KeyError(f"no row {row!r} in table {self.title!r}")

    def to_markdown(self) -> str:
        def line(values: Iterable[str]) -> str:
            return "| " + " | ".join(v.replace("|", "\\|") for v in values) + " |"

        out = [
            f"### {self.title}",
            "",
            line([self.row_header, *self.columns]),
            line(["---"] * (len(self.columns) + 1)),
        ]
        for row in self.rows:
            out.append(line([row.label, *(c.markdown() for c in row.cells)]))
        return "\n".join(out) + "\n"


def _ordered(found: Iterable[str], preferred: Sequence[str]) -> list[str]:
    found = set(found)
    return [v for v in preferred if v in found] + sorted(found - set(preferred))


Scored = Sequence[tuple[GroundingItem, bool]]


def _label_table(
    title: str,
    header: str,
    scored: Scored,
    labels: Callable[[GroundingItem], Sequence[str]],
    preferred: Sequence[str] = (),
    empty: str | None = None,
) -> Table:
    """One row per label (an item may carry several), then an overall row."""
    cells: dict[str, Cell] = {}
    overall = Cell()
    for item, ok in scored:
        overall.add(ok)
        names = list(labels(item)) or ([empty] if empty else [])
        for name in dict.fromkeys(names):
            cells.setdefault(name, Cell()).add(ok)
    rows = [TableRow(label=name, cells=[cells[name]]) for name in _ordered(cells, preferred)]
    rows.append(TableRow(label="overall", cells=[overall]))
    return Table(title=title, row_header=header, columns=["accuracy"], rows=rows)


def _cross_table(
    title: str,
    header: str,
    scored: Scored,
    row_of: Callable[[GroundingItem], str],
    col_of: Callable[[GroundingItem], str],
    row_order: Sequence[str] = (),
    col_order: Sequence[str] = UI_TYPES,
) -> Table:
    """Rows x columns, plus an `avg` column per row and an `all` row (micro averages)."""
    grid: dict[tuple[str, str], Cell] = {}
    by_row: dict[str, Cell] = {}
    by_col: dict[str, Cell] = {}
    overall = Cell()
    for item, ok in scored:
        r, c = row_of(item), col_of(item)
        grid.setdefault((r, c), Cell()).add(ok)
        by_row.setdefault(r, Cell()).add(ok)
        by_col.setdefault(c, Cell()).add(ok)
        overall.add(ok)
    cols = _ordered(by_col, col_order)
    rows = [
        TableRow(label=r, cells=[grid.get((r, c), Cell()) for c in cols] + [by_row[r]])
        for r in _ordered(by_row, row_order)
    ]
    rows.append(TableRow(label="all", cells=[by_col[c] for c in cols] + [overall]))
    return Table(title=title, row_header=header, columns=[*cols, "avg"], rows=rows)


def _meta(key: str, default: str = "unknown") -> Callable[[GroundingItem], str]:
    def get(item: GroundingItem) -> str:
        value = item.metadata.get(key)
        return str(value) if value not in (None, "") else default

    return get


def category_tables(scored: Scored) -> list[Table]:
    """The tables each benchmark reports, for `(item, correct)` pairs of one dataset."""
    if not scored:
        return []
    kinds = {item.dataset for item, _ in scored}
    tables: list[Table] = []
    if OSWORLD_G in kinds:
        subset = [(i, ok) for i, ok in scored if i.dataset == OSWORLD_G]
        tables.append(
            _label_table(
                "Categories (multi-label)",
                "category",
                subset,
                lambda i: i.categories,
                OSWORLD_G_CATEGORIES,
                empty="unclassified",
            )
        )
        tables.append(
            _label_table(
                "Target types",
                "target",
                subset,
                lambda i: [str(i.metadata.get("box_type", i.target.kind))],
                ("bbox", "polygon", "refusal"),
            )
        )
    if SCREENSPOT_V2 in kinds:
        subset = [(i, ok) for i, ok in scored if i.dataset == SCREENSPOT_V2]
        tables.append(
            _cross_table(
                "ScreenSpot-v2: platform x element type",
                "platform",
                subset,
                _meta("platform"),
                _meta("data_type"),
                SCREENSPOT_V2_PLATFORMS,
            )
        )
    if SCREENSPOT_PRO in kinds:
        subset = [(i, ok) for i, ok in scored if i.dataset == SCREENSPOT_PRO]
        tables.append(
            _cross_table(
                "ScreenSpot-Pro: group x ui_type",
                "group",
                subset,
                _meta("group"),
                _meta("ui_type"),
                SCREENSPOT_PRO_GROUPS,
            )
        )
        tables.append(
            _cross_table(
                "ScreenSpot-Pro: application x ui_type",
                "application",
                subset,
                _meta("application"),
                _meta("ui_type"),
            )
        )
    return tables
