"""Scoring rules worked out by hand: box edges, polygons by ray casting, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.grounding.datasets import BoxTarget, GroundingItem, PolygonTarget, RefusalTarget
from benchmarks.grounding.scoring import (
    category_tables,
    declined,
    point_in_box,
    point_in_polygon,
    score_item,
)
from grounding.base import GroundingResult


def item(target, **kw) -> GroundingItem:
    fields = dict(
        id="t",
        dataset="osworld-g",
        image=Path("x.png"),
        image_size=(200, 100),
        instruction="find it",
        target=target,
    )
    fields.update(kw)
    return GroundingItem(**fields)


def at(x: int, y: int) -> GroundingResult:
    return GroundingResult(x=x, y=y, grounder="fake")


BOX = BoxTarget(box=(10, 20, 30, 40))

# A "U": the notch (10..20 x 10..30) is outside, the base (y 0..10) and arms inside.
U = [(0, 0), (30, 0), (30, 30), (20, 30), (20, 10), (10, 10), (10, 30), (0, 30)]
DIAMOND = [(10, 0), (20, 10), (10, 20), (0, 10)]


@pytest.mark.parametrize(
    "point, inside",
    [
        ((10, 20), True),
        ((30, 40), True),
        ((10, 40), True),
        ((30, 20), True),  # corners
        ((20, 20), True),
        ((30, 30), True),
        ((20, 30), True),  # edges, centre
        ((9, 30), False),
        ((31, 30), False),
        ((20, 19), False),
        ((20, 41), False),  # just outside
        ((9, 19), False),
        ((31, 41), False),
    ],
)
def test_box_edges_are_inclusive(point, inside):
    assert point_in_box(*point, BOX.box) is inside
    assert score_item(item(BOX), at(*point)) is inside


@pytest.mark.parametrize(
    "point, inside",
    [
        ((5, 20), True),  # left arm
        ((25, 20), True),  # right arm
        ((15, 5), True),  # base
        ((15, 20), False),  # in the notch: the ray crosses the two right walls
        ((15, 29), False),  # deep in the notch, just below the open top
        ((35, 5), False),
        ((-1, 5), False),
        ((15, 31), False),
        ((5, 31), False),
        ((15, 10), True),  # on the notch's floor (an edge)
        ((20, 20), True),  # on the notch's right wall
        ((10, 25), True),  # on the notch's left wall
        ((0, 15), True),  # on the outer left edge
        ((10, 10), True),
        ((20, 10), True),
        ((30, 30), True),
        ((0, 0), True),  # vertices
        ((5, 10), True),  # the ray runs along the notch's floor and through two vertices
        ((25, 10), True),
        ((-5, 10), False),  # same line, from outside: four crossings
        ((35, 10), False),
        ((-5, 30), False),  # the ray runs along the top edges
    ],
)
def test_concave_polygon_by_ray_casting(point, inside):
    assert point_in_polygon(*point, U) is inside
    assert score_item(item(PolygonTarget(points=tuple(U))), at(*point)) is inside


@pytest.mark.parametrize(
    "point, inside",
    [
        ((5, 10), True),  # the ray passes exactly through the vertex (20, 10): one crossing
        ((-5, 10), False),  # through both side vertices: two crossings
        ((25, 10), False),
        ((10, 0), True),
        ((20, 10), True),  # vertices
        ((15, 5), True),  # on an edge
        ((16, 5), False),
        ((4, 4), False),  # just outside the edges
        ((10, 10), True),
    ],
)
def test_ray_through_a_vertex_counts_once(point, inside):
    assert point_in_polygon(*point, DIAMOND) is inside


def test_degenerate_polygon_is_never_hit():
    assert not point_in_polygon(0, 0, [(0, 0), (1, 1)])


def test_refusal_items_are_right_only_when_the_grounder_declines():
    refusal = item(RefusalTarget())
    assert score_item(refusal, None)
    assert score_item(refusal, at(-1, -1))
    assert score_item(refusal, at(-1, 50))
    assert not score_item(refusal, at(0, 0))
    assert not score_item(refusal, at(15, 30))


def test_a_missing_point_on_a_target_item_is_wrong():
    assert not score_item(item(BOX), None)
    assert not score_item(item(BOX), at(-1, -1))
    assert not score_item(item(PolygonTarget(points=tuple(U))), None)
    assert declined(None) and declined(at(-3, 4)) and not declined(at(0, 0))


def test_osworld_g_categories_are_multi_label():
    a = item(BOX, id="a", categories=("text_matching", "element_recognition"))
    b = item(BOX, id="b", categories=("element_recognition",))
    c = item(RefusalTarget(), id="c", categories=("refusal",), metadata={"box_type": "refusal"})
    d = item(BOX, id="d")
    tables = category_tables([(a, True), (b, False), (c, True), (d, False)])
    cats, targets = tables
    assert [r.label for r in cats.rows] == [
        "text_matching",
        "element_recognition",
        "refusal",
        "unclassified",
        "overall",
    ]
    assert cats.cell("text_matching", "accuracy").model_dump() == {"correct": 1, "total": 1, "accuracy": 1.0}
    assert cats.cell("element_recognition", "accuracy").accuracy == 0.5
    assert cats.cell("overall", "accuracy").model_dump() == {"correct": 2, "total": 4, "accuracy": 0.5}
    assert targets.cell("refusal", "accuracy").total == 1
    assert "| text_matching | 100.0 (1/1) |" in cats.to_markdown()


def test_screenspot_v2_table_is_platform_by_type_with_averages():
    def ss(platform, data_type, i):
        return item(
            BOX,
            id=f"{platform}{i}",
            dataset="screenspot-v2",
            metadata={"platform": platform, "data_type": data_type},
        )

    scored = [
        (ss("mobile", "text", 1), True),
        (ss("mobile", "text", 2), True),
        (ss("mobile", "icon", 3), False),
        (ss("desktop", "icon", 4), True),
        (ss("web", "text", 5), False),
        (ss("web", "icon", 6), True),
    ]
    (table,) = category_tables(scored)
    assert table.columns == ["text", "icon", "avg"]
    assert [r.label for r in table.rows] == ["mobile", "desktop", "web", "all"]
    assert table.cell("mobile", "text").accuracy == 1.0
    assert table.cell("mobile", "avg").model_dump() == {
        "correct": 2,
        "total": 3,
        "accuracy": pytest.approx(2 / 3),
    }
    assert table.cell("desktop", "text").total == 0
    assert table.cell("all", "text").model_dump() == {
        "correct": 2,
        "total": 3,
        "accuracy": pytest.approx(2 / 3),
    }
    assert table.cell("all", "icon").accuracy == pytest.approx(2 / 3)
    assert table.cell("all", "avg").accuracy == pytest.approx(4 / 6)
    assert "| desktop | – | 100.0 (1/1) | 100.0 (1/1) |" in table.to_markdown()


def test_screenspot_pro_tables_by_group_and_application():
    def pro(group, app, ui, i):
        return item(
            BOX,
            id=f"p{i}",
            dataset="screenspot-pro",
            metadata={"group": group, "application": app, "ui_type": ui},
        )

    scored = [
        (pro("Office", "excel", "icon", 1), True),
        (pro("Dev", "vscode", "text", 2), False),
        (pro("Dev", "pycharm", "text", 3), True),
        (pro("Dev", "vscode", "icon", 4), True),
    ]
    groups, apps = category_tables(scored)
    assert [r.label for r in groups.rows] == ["Dev", "Office", "all"]
    assert groups.cell("Dev", "text").accuracy == 0.5
    assert groups.cell("Dev", "avg").accuracy == pytest.approx(2 / 3)
    assert [r.label for r in apps.rows] == ["excel", "pycharm", "vscode", "all"]
    assert apps.cell("vscode", "avg").accuracy == 0.5
    assert apps.cell("all", "avg").accuracy == 0.75
