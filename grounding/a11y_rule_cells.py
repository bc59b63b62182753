"""The table-cell rule: a spreadsheet or table cell by its address ("cell E6", "column B,
row 2") or by the column heading and row label it sits under and beside ("the Q2 figure
for West")."""

from __future__ import annotations

import re
from dataclasses import replace

from grounding.a11y_rule_base import Boxer, find_anchors, on_screen
from grounding.a11y_tree import A11yElement, A11yMatch
from grounding.roles import role_key

_CELL_REF = re.compile(
    r"\bcell\s+(?P<c>[A-Z]{1,3})(?P<r>\d{1,7})\b"
    r"|\bcolumn\s+(?P<c2>[A-Z]{1,3}),?\s+(?:and\s+)?row\s+(?P<r2>\d{1,7})\b"
    r"|\brow\s+(?P<r3>\d{1,7}),?\s+(?:and\s+|of\s+)?column\s+(?P<c3>[A-Z]{1,3})\b"
)
_CELL_MEET = re.compile(
    r"where\s+the\s+(?P<r>.+?)\s+row\s+(?:meets|crosses)\s+the\s+(?P<c>.+?)\s+column"
    r"|where\s+the\s+(?P<c2>.+?)\s+column\s+(?:meets|crosses)\s+the\s+(?P<r2>.+?)\s+row"
    r"|^(?:the\s+)?(?P<c3>.+?)\s+(?:figure|value|number|amount|entry)\s+(?:for|of)\s+(?P<r3>.+?)$",
    re.IGNORECASE,
)
_CELL_ROLES = frozenset({"tablecell", "cell", "gridcell"})
_ADDRESS = re.compile(r"^[A-Z]{1,3}\d{1,7}$")


def cell_rule(elements: list[A11yElement], description: str, boxer: Boxer | None) -> list[A11yMatch] | None:
    """A spreadsheet or table cell by its address ("cell E6", "column B, row 2") or by the
    column heading and row label it sits under and beside ("the Q2 figure for West")."""
    m = _CELL_REF.search(description)
    if m is not None:
        col = (m.group("c") or m.group("c2") or m.group("c3")).upper()
        row = m.group("r") or m.group("r2") or m.group("r3")
        hit = [e for e in elements if role_key(e.role) in _CELL_ROLES and e.name.upper() == f"{col}{row}"]
        hit = on_screen(hit, boxer)
        return [A11yMatch(hit[0], 0.9, 0.9)] if hit else None
    m = _CELL_MEET.search(" ".join(description.split()).rstrip(".!?"))
    if m is None:
        return None
    col_text = m.group("c") or m.group("c2") or m.group("c3")
    row_text = m.group("r") or m.group("r2") or m.group("r3")
    # A spreadsheet cell's name is its address ("Q2"): only its text counts as its words.
    cells = [
        replace(e, name=e.text) if _ADDRESS.match(e.name) else e
        for e in elements
        if role_key(e.role) in _CELL_ROLES | {"columnheader", "rowheader", "tablecolumnheader"}
    ]
    heads, labels = find_anchors(cells, col_text), find_anchors(cells, row_text)
    if not heads or not labels:
        return None
    pair = on_screen([heads[0][0], labels[0][0]], boxer)
    if len(pair) != 2:  # either one off screen
        return None
    head, label = pair
    hx, _, hw, _ = head.rect
    _, ly, _, lh = label.rect
    for e in on_screen([e for e in elements if role_key(e.role) in _CELL_ROLES], boxer):
        x, y, w, h = e.rect
        cx, cy = x + w // 2, y + h // 2  # its centre
        if hx <= cx <= hx + hw and ly <= cy <= ly + lh:
            return [A11yMatch(e, 0.85, 0.85)]
    return None
