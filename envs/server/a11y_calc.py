"""A LibreOffice sheet in the pipelined walker: only the showing block of cells.

A Calc table claims 2^20 rows x 2^14 columns. As a11y.py's walker (and upstream): find
the first visible cell by hit-testing the sheet's top-left pixel, then rows from there
down until a row's first cell is not showing, and along each row until the first cell
that is not showing; at most _CALC_MAX_SPAN rows and columns. Cells are asked for
CALC_BATCH at a time along a row (then their states), so a row costs two rounds.
These are steps for a11y_driver: each `yield` is a batch of queries, answered
with their first values (None for an error).
"""

from __future__ import annotations

from typing import Any

from envs.server.a11y import _CALC_MAX_SPAN as CALC_MAX_SPAN
from envs.server.atspi_dbus import (
    ACC,
    CALC_BATCH,
    COMPONENT,
    NULL_PATH,
    PROPS,
    SHOWING,
    TABLE,
    TABLECELL,
)


def calc_cells(walk: Any, table: Any) -> Any:
    me = (table.app, table.path)
    rows, cols, box = yield [
        (*me, PROPS, "Get", ("(ss)", (TABLE, "NRows"))),
        (*me, PROPS, "Get", ("(ss)", (TABLE, "NColumns"))),
        (*me, COMPONENT, "GetExtents", ("(u)", (0,))),
    ]
    rows, cols = rows or 0, cols or 0
    if rows <= 0 or cols <= 0:
        return
    start = yield from first_visible_cell(table, box)
    if start is None:
        return
    r0, c0 = start
    c_end = min(cols, c0 + CALC_MAX_SPAN)
    for r in range(r0, min(rows, r0 + CALC_MAX_SPAN)):
        row_added = 0
        c = c0
        while c < c_end:
            if walk.nodes >= walk.limits.max_nodes:
                walk.stop_reason = walk.stop_reason or "max_nodes"
                return
            end = min(c_end, c + CALC_BATCH)
            refs = yield [(*me, TABLE, "GetAccessibleAt", ("(ii)", (r, k))) for k in range(c, end)]
            live = []
            for ref in refs:
                if ref is None or not ref[1] or ref[1] == NULL_PATH:
                    break
                live.append(ref)
            states = yield [(*ref, ACC, "GetState", None) for ref in live]
            showing = 0
            while showing < len(live) and states[showing] and states[showing][0] >> SHOWING & 1:
                showing += 1
            for ref in live[:showing]:
                walk.admit(table.children, ref, table.depth + 1, True)
            row_added += showing
            if showing < end - c:
                break
            c = end
        if not row_added:
            return


def first_visible_cell(table: Any, box: Any) -> Any:
    """Hit-test the sheet's top-left pixel (a scrolled sheet shows nothing of A1)."""
    me = (table.app, table.path)
    if box is not None and box[2] > 0 and box[3] > 0:
        (cell,) = yield [(*me, COMPONENT, "GetAccessibleAtPoint", ("(iiu)", (box[0] + 1, box[1] + 1, 0)))]
        if cell is not None and cell[1] and cell[1] != NULL_PATH:
            pos, idx = yield [
                (*cell, PROPS, "Get", ("(ss)", (TABLECELL, "Position"))),
                (*cell, ACC, "GetIndexInParent", None),
            ]
            if pos is not None and pos[0] >= 0 and pos[1] >= 0:
                return pos[0], pos[1]
            if idx is not None and idx >= 0:
                r, c = yield [
                    (*me, TABLE, "GetRowAtIndex", ("(i)", (idx,))),
                    (*me, TABLE, "GetColumnAtIndex", ("(i)", (idx,))),
                ]
                if r is not None and c is not None and r >= 0 and c >= 0:
                    return r, c
    (cell,) = yield [(*me, TABLE, "GetAccessibleAt", ("(ii)", (0, 0)))]
    if cell is not None and cell[1] and cell[1] != NULL_PATH:
        (bits,) = yield [(*cell, ACC, "GetState", None)]
        if bits and bits[0] >> SHOWING & 1:
            return 0, 0
    return None
