"""Rules that want a point other than an element's centre: the thumb of a slider or
scroll bar ("the thumb of the 'Volume' slider", placed by the element's value) and the
divider on an edge of a column header or pane ("the divider on the right edge of the
'Modified' column header")."""

from __future__ import annotations

import re

from grounding.a11y_rule_base import QUOTES, Boxer, find_anchors, mask_quotes, on_screen
from grounding.a11y_tree import A11yElement, A11yMatch, _target_score
from grounding.description import parse_description
from grounding.roles import role_key

_THUMB = re.compile(r"\b(?:thumb|handle|knob|grip)\s+(?:of|on|in)\s+(?:the\s+)?", re.IGNORECASE)
_DIVIDER = re.compile(
    r"\b(?:divider|border|boundary|separator|resize\s+handle|resizer|splitter|edge)\b", re.IGNORECASE
)
_EDGE_SIDE = re.compile(r"\b(left|right|top|bottom)\s+(?:edge|side|border|end)\b", re.IGNORECASE)


def thumb_rule(elements: list[A11yElement], description: str, boxer: Boxer | None) -> list[A11yMatch] | None:
    if (
        not _THUMB.search(description)
        or "slider" not in description.lower()
        and "scroll" not in description.lower()
    ):
        return None
    q = parse_description(_THUMB.sub("", description))
    if not q.target:
        return None
    scored = [(e, _target_score(q, e)) for e in elements if role_key(e.role) in {"slider", "scrollbar"}]
    scored = [(e, s) for e, s in scored if s >= 0.7]
    if not scored:
        return []
    best_s = max(s for _, s in scored)
    boxed = on_screen([e for e, s in scored if s >= best_s - 1e-9], boxer)
    if not boxed:
        return []
    el = boxed[0]
    x, y, w, h = el.rect
    now, lo, hi = el.value or (None, None, None)
    lo = 0.0 if lo is None else lo
    hi = 100.0 if hi is None else hi
    at = el.centre
    if now is not None and hi > lo:
        frac = min(1.0, max(0.0, (now - lo) / (hi - lo)))
        vertical = el.orientation == "vertical" or (el.orientation != "horizontal" and h > w)
        length, thick = (h, w) if vertical else (w, h)
        if length > 2.5 * thick:  # a track, not the thumb itself
            r = min(thick / 2, length / 10)
            pos = r + frac * (length - 2 * r)
            at = (x + w // 2, round(y + h - pos)) if vertical else (round(x + pos), y + h // 2)
    return [A11yMatch(el, round(0.9 * best_s, 4), 0.9 * best_s, at=at)]


def divider_rule(
    elements: list[A11yElement], description: str, boxer: Boxer | None
) -> list[A11yMatch] | None:
    masked = mask_quotes(description)
    if not _DIVIDER.search(masked) or not re.search(
        r"\b(column|header|pane|panel|cell)\b", masked, re.IGNORECASE
    ):
        return None
    side_m = _EDGE_SIDE.search(masked)
    side = side_m.group(1).lower() if side_m else "right"
    quoted = QUOTES.findall(description)
    if not quoted:
        return None
    anchors = find_anchors(elements, quoted[0])
    if not anchors:
        return []
    pref = {
        "columnheader",
        "tablecolumnheader",
        "rowheader",
        "tablerowheader",
        "tablecell",
        "cell",
        "gridcell",
        "panel",
        "section",
        "region",
        "group",
    }
    anchors.sort(key=lambda p: -(p[1] + 0.1 * (role_key(p[0].role) in pref)))
    boxed = on_screen([e for e, _ in anchors[:6]], boxer)
    if not boxed:
        return []
    el = boxed[0]
    x, y, w, h = el.rect
    at = {
        "right": (x + w - 1, y + h // 2),
        "left": (x, y + h // 2),
        "top": (x + w // 2, y),
        "bottom": (x + w // 2, y + h - 1),
    }[side]
    s = 0.85 * next((v for e, v in anchors if e.name == el.name and e.role == el.role), 1.0)
    return [A11yMatch(el, round(s, 4), s, at=at)]
