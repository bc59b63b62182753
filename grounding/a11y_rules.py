"""Relational rules for accessibility grounding: spatial relations ("the button left
of 'Restore'"), ordinals ("the fourth link in the sidebar"), slider thumbs and
column dividers. `apply_rules` returns None when no rule applies."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from grounding.a11y_tree import (
    _STRUCTURAL,
    _WINDOW_ROLES,
    A11yElement,
    A11yMatch,
    _target_score,
)
from grounding.description import STOPWORDS, Query, parse_description
from grounding.function_match import function_words
from grounding.roles import ROLE_PHRASES, role_key
from grounding.text_match import DESCRIPTORS, normalize, similarity

# --------------------------------------------------------------------------- relational rules
#
# Descriptions that locate an element by another one or by its place in a row
# ("the button just left of 'Restore'", "the fourth link in the sidebar") or that
# want a point other than the centre ("the thumb of the 'Volume' slider", "the
# divider on the right edge of the 'Modified' column header"). `apply_rules` answers
# them from the elements' boxes; `rank` answers everything else.

# Gives elements their boxes (the browser asks CDP for them): one entry per element, None
# for those not on screen.
Boxer = Callable[[list[A11yElement]], list["A11yElement | None"]]

_MOD = r"(?:(?:immediately|just|directly|right|exactly|straight)\s+)?"
_SPATIAL = re.compile(
    _MOD + r"(?:(?:to|on)\s+the\s+)?(?P<h>left|right)\s+(?:hand\s+side\s+|side\s+)?of\b"
    r"|" + _MOD + r"(?P<v>above|below|beneath|underneath|on\s+top\s+of)\b"
    r"|(?:immediately|just|directly|right)\s+(?P<u>under)\b"
    r"|(?<=\s)(?P<u2>under)(?=\s)"
    r"|(?P<n>next\s+to|beside|alongside)\b",
    re.IGNORECASE,
)
# "the button that sits below ...": the relative clause says nothing about the target.
_PLACED = re.compile(
    r"\b(?:that|which)\s+(?:is\s+|are\s+)?(?:sits?|lies|located|positioned|placed|situated|"
    r"found|appears?)\b|\b(?:sitting|lying|located|positioned|placed|situated|found)\b",
    re.IGNORECASE,
)
_ORDINAL_WORDS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "last": -1,
}
_FROM_SIDE = re.compile(r"\s+from\s+the\s+(left|right|top|bottom|end|start)\b", re.IGNORECASE)
_THUMB = re.compile(r"\b(?:thumb|handle|knob|grip)\s+(?:of|on|in)\s+(?:the\s+)?", re.IGNORECASE)
_DIVIDER = re.compile(
    r"\b(?:divider|border|boundary|separator|resize\s+handle|resizer|splitter|edge)\b", re.IGNORECASE
)
_EDGE_SIDE = re.compile(r"\b(left|right|top|bottom)\s+(?:edge|side|border|end)\b", re.IGNORECASE)
_QUOTES = re.compile(r'"[^"]*"|“[^”]*”|‘[^’]*’|«[^»]*»|`[^`]*`|(?<![\w])\'[^\']*\'(?![\w])')
_CONTAINER_ROLES = {
    "sidebar": {"navigation", "complementary", "aside", "panel", "scrollpane"},
    "side bar": {"navigation", "complementary", "aside", "panel"},
    "navigation": {"navigation"},
    "nav": {"navigation"},
    "toolbar": {"toolbar"},
    "tool bar": {"toolbar"},
    "tab bar": {"tablist", "pagetablist"},
    "tabs": {"tablist", "pagetablist"},
    "menu bar": {"menubar"},
    "menubar": {"menubar"},
    "status bar": {"statusbar"},
    "header": {"banner", "header"},
    "footer": {"contentinfo", "footer"},
    "dialog": {"dialog", "alertdialog"},
    "form": {"form"},
    "list": {"list", "listbox"},
    "table": {"table", "grid", "treetable"},
    "menu": {"menu", "popupmenu"},
    "panel": {"panel", "region", "group", "complementary"},
}
_ANY_CONTAINER = (
    frozenset().union(*_CONTAINER_ROLES.values()) | _WINDOW_ROLES | {"region", "group", "section"}
)


def _mask_quotes(text: str) -> str:
    return _QUOTES.sub(lambda m: " " * len(m.group(0)), text)


def _overlap(a: int, alen: int, b: int, blen: int) -> int:
    return min(a + alen, b + blen) - max(a, b)


def _contains(outer: tuple[int, int, int, int], inner: tuple[int, int, int, int], slack: int = 2) -> bool:
    return (
        outer[0] - slack <= inner[0]
        and outer[1] - slack <= inner[1]
        and inner[0] + inner[2] <= outer[0] + outer[2] + slack
        and inner[1] + inner[3] <= outer[1] + outer[3] + slack
    )


def _overlaps_much(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    ox, oy = _overlap(a[0], a[2], b[0], b[2]), _overlap(a[1], a[3], b[1], b[3])
    return ox > 0 and oy > 0 and ox * oy > 0.3 * min(a[2] * a[3], b[2] * b[3])


def _candidates(
    elements: list[A11yElement], q: Query, min_fit: float = 0.5
) -> list[tuple[A11yElement, float]]:
    """Elements that fit the head of a relational description: its role (or any
    interactive element when it names none) and its target words when it has any."""
    out = []
    for el in elements:
        rk = role_key(el.role)
        if q.roles:
            fit = q.roles.get(rk, 0.0)
            if fit < min_fit:
                continue
        else:
            if not el.interactive or rk in _STRUCTURAL:
                continue
            fit = 0.8
        if q.target:
            t = _target_score(q, el)
            if t < 0.6:
                continue
            fit *= t
        out.append((el, fit))
    return out


def _anchors(elements: list[A11yElement], text: str) -> list[tuple[A11yElement, float]]:
    """Elements that carry `text` (a quoted anchor or a few words), best first."""
    qa = parse_description(text)
    if not qa.target:
        return []
    scored = [(el, _target_score(qa, el)) for el in elements]
    best = max((s for _, s in scored), default=0.0)
    if best < 0.7:
        return []
    return sorted([(el, s) for el, s in scored if s >= best - 0.08], key=lambda p: -p[1])


def _boxed_map(els: list[A11yElement], boxer: Boxer | None) -> dict[int, A11yElement]:
    """id(original element) -> the element with its box, for those on screen."""
    got = els if boxer is None else boxer(els)
    return {id(e): b for e, b in zip(els, got) if b is not None and b.box is not None}


def _boxed(els: list[A11yElement], boxer: Boxer | None) -> list[A11yElement]:
    got = els if boxer is None else boxer(els)
    return [b for b in got if b is not None and b.box is not None]


def _spatial(elements: list[A11yElement], description: str, boxer: Boxer | None) -> list[A11yMatch] | None:
    masked = _mask_quotes(description)
    m = _SPATIAL.search(masked)
    if m is None:
        return None
    head, tail = description[: m.start()], description[m.end() :]
    if not normalize(tail) or not normalize(head):
        return None
    direction = (m.group("h") or m.group("v") or m.group("u") or m.group("u2") or "").lower()
    direction = {"beneath": "below", "underneath": "below", "under": "below"}.get(direction, direction)
    if m.group("n"):
        direction = "beside"  # either side, the nearer wins
    if direction.startswith("on"):
        direction = "above"
    head = _PLACED.sub(" ", head)
    head = re.sub(r"\b(?:itself|themselves)\b", " ", head)
    qh = parse_description(head)
    if qh.roles and qh.target and not qh.quoted and qh.target in {"go for", "go", "for"}:
        qh = replace(qh, target="")
    if qh.target and not qh.quoted:  # "the icon button", "the small button": no name words
        kept = " ".join(w for w in qh.target.split() if w not in ROLE_PHRASES and w not in DESCRIPTORS)
        qh = replace(qh, target=kept, aliases=())
    if not qh.roles and not qh.target:
        return None
    anchor_text = tail
    quoted = [q for q in _QUOTES.findall(tail)]
    if quoted:
        anchor_text = quoted[0]
    anchors = _anchors(elements, anchor_text)
    if not anchors:
        # "the icon for drawing a line under the text": the relation words were part of
        # what the control does, not a place; let the ranking read it.
        return None if function_words(description) else []
    cands = _candidates(elements, qh)
    need = {id(e) for e, _ in anchors} | {id(e) for e, _ in cands}
    boxed = _boxed_map([e for e in elements if id(e) in need], boxer)
    anchors = [(boxed[id(e)], s) for e, s in anchors if id(e) in boxed]
    cands = [(boxed[id(e)], f) for e, f in cands if id(e) in boxed]
    best: tuple[float, A11yElement, float] | None = None
    for a, a_score in anchors[:12]:
        ax, ay, aw, ah = a.rect
        for c, fit in cands:
            if c is a or _overlaps_much(a.rect, c.rect) or _contains(c.rect, a.rect):
                continue
            cx, cy, cw, ch = c.rect
            side = direction
            if direction == "beside":
                side = "left" if cx + cw / 2 < ax + aw / 2 else "right"
            if side == "left":
                gap, perp = ax - (cx + cw), _overlap(ay, ah, cy, ch)
                off = abs((cy + ch / 2) - (ay + ah / 2))
            elif side == "right":
                gap, perp = cx - (ax + aw), _overlap(ay, ah, cy, ch)
                off = abs((cy + ch / 2) - (ay + ah / 2))
            elif side == "above":
                gap, perp = ay - (cy + ch), _overlap(ax, aw, cx, cw)
                off = abs((cx + cw / 2) - (ax + aw / 2))
            else:
                gap, perp = cy - (ay + ah), _overlap(ax, aw, cx, cw)
                off = abs((cx + cw / 2) - (ax + aw / 2))
            if gap < -6:
                continue
            cost = (
                max(gap, 0)
                + 0.25 * off
                + (0 if perp > 0 else 300 - perp)
                + 40 * (1 - fit)
                + 40 * (1 - a_score)
            )
            if best is None or cost < best[0]:
                best = (cost, c, a_score * (0.75 + 0.25 * fit))
    if best is None:
        return []
    cost, el, conf = best
    conf *= 0.95 if cost < 300 else 0.75
    return [A11yMatch(el, round(min(1.0, conf), 4), conf)]


def _reading_order(els: list[A11yElement]) -> list[A11yElement]:
    rows: list[list[A11yElement]] = []
    for e in sorted(els, key=lambda e: e.rect[1] + e.rect[3] / 2):
        cy = e.rect[1] + e.rect[3] / 2
        if rows:
            r0 = rows[-1][0].rect
            if abs(cy - (r0[1] + r0[3] / 2)) <= max(4, min(r0[3], e.rect[3]) / 2):
                rows[-1].append(e)
                continue
        rows.append([e])
    return [e for row in rows for e in sorted(row, key=lambda e: e.rect[0])]


def _container(elements: list[A11yElement], context: str, boxer: Boxer | None) -> A11yElement | None:
    """The element the description's context names ("in the sidebar", "in the 'Print' dialog")."""
    ctx = normalize(context)
    words = [w for w in ctx.split() if w not in STOPWORDS and w not in {"in", "of", "inside", "within"}]
    if not words:
        return None
    phrase = " ".join(words)
    roles: set[str] = set()
    for key, rs in _CONTAINER_ROLES.items():
        if re.search(rf"\b{key}\b", phrase):
            roles |= rs
    scored = []
    for el in elements:
        rk = role_key(el.role)
        if rk not in _ANY_CONTAINER and rk not in roles:
            continue
        s = similarity(phrase, el.name, recall_weight=0.8) if el.name else 0.0
        if el.name and s < 0.6:
            s = max(s, similarity(el.name, phrase, recall_weight=0.9) * 0.9)
        if rk in roles:
            s = max(s, 0.7)
        if s >= 0.6:
            scored.append((s, el))
    if not scored:
        return None
    top = max(s for s, _ in scored)
    boxed = _boxed([el for s, el in scored if s >= top - 0.05], boxer)
    if not boxed:
        return None
    return min(boxed, key=lambda e: e.rect[2] * e.rect[3])


_ORDINAL_FILLER = frozenset(
    [
        "open",
        "go",
        "switch",
        "activate",
        "one",
        "item",
        "visible",
        "toolbar",
        "sidebar",
        "menu",
        "navigation",
        "nav",
        "header",
        "footer",
        "list",
        "table",
        "dialog",
        "form",
        "panel",
    ]
)


def _ordinal(
    elements: list[A11yElement], description: str, boxer: Boxer | None, screen_size: tuple[int, int] | None
) -> list[A11yMatch] | None:
    masked = _mask_quotes(description)
    m = re.search(
        r"\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last|"
        r"(\d{1,2})(?:st|nd|rd|th))(\s+(?:to\s+)?last)?\b",
        masked,
        re.IGNORECASE,
    )
    if m is None:
        return None
    word = m.group(1).lower()
    n = int(m.group(2)) if m.group(2) else _ORDINAL_WORDS[word]
    from_end = bool(m.group(3)) or n == -1
    if n == -1:
        n = 1
    rest = description[: m.start()] + " " + description[m.end() :]
    side = ""
    fs = _FROM_SIDE.search(_mask_quotes(rest))
    if fs is not None:
        side = fs.group(1).lower()
        rest = rest[: fs.start()] + rest[fs.end() :]
    q = parse_description(rest)
    extra = [w for w in q.target.split() if w not in _ORDINAL_FILLER]
    if not q.roles or extra:
        return None  # "the first name field": an ordinary name
    places = [w for w in q.target.split() if w in _CONTAINER_ROLES]  # "the second toolbar button"
    q = replace(q, target="", context=" ".join([q.context, *places]).strip())
    cands = [e for e, fit in _candidates(elements, q, min_fit=0.7)]
    if not cands:
        return []
    cands = _boxed(cands, boxer)
    container = _container(elements, q.context, boxer) if q.context else None
    if container is not None:
        inside = [e for e in cands if e is not container and _contains(container.rect, e.rect)]
        if inside:
            cands = inside
    elif q.context and re.search(r"\b(sidebar|side bar|left panel|left pane)\b", q.context) and screen_size:
        left = [e for e in cands if e.rect[0] + e.rect[2] / 2 < 0.3 * screen_size[0]]
        if left:
            cands = left
    # One per box: an element and its same-role wrapper count once.
    seen, uniq = set(), []
    for e in cands:
        if e.box not in seen:
            seen.add(e.box)
            uniq.append(e)
    uniq = [
        e
        for e in uniq
        if not any(
            o is not e
            and o.rect != e.rect
            and _contains(e.rect, o.rect)
            and role_key(o.role) == role_key(e.role)
            for o in uniq
        )
    ]
    if side in ("left", "start", ""):
        order = _reading_order(uniq) if side == "" else sorted(uniq, key=lambda e: (e.rect[0], e.rect[1]))
    elif side in ("right", "end"):
        order = sorted(uniq, key=lambda e: (-(e.rect[0] + e.rect[2]), e.rect[1]))
    elif side == "top":
        order = sorted(uniq, key=lambda e: (e.rect[1], e.rect[0]))
    else:
        order = sorted(uniq, key=lambda e: (-(e.rect[1] + e.rect[3]), e.rect[0]))
    if from_end:
        order = order[::-1]
    if n > len(order) or n < 1:
        return []
    el = order[n - 1]
    return [A11yMatch(el, 0.8, 0.8)]


def _thumb(elements: list[A11yElement], description: str, boxer: Boxer | None) -> list[A11yMatch] | None:
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
    boxed = _boxed([e for e, s in scored if s >= best_s - 1e-9], boxer)
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


def _divider(elements: list[A11yElement], description: str, boxer: Boxer | None) -> list[A11yMatch] | None:
    masked = _mask_quotes(description)
    if not _DIVIDER.search(masked) or not re.search(
        r"\b(column|header|pane|panel|cell)\b", masked, re.IGNORECASE
    ):
        return None
    side_m = _EDGE_SIDE.search(masked)
    side = side_m.group(1).lower() if side_m else "right"
    quoted = _QUOTES.findall(description)
    if not quoted:
        return None
    anchors = _anchors(elements, quoted[0])
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
    boxed = _boxed([e for e, _ in anchors[:6]], boxer)
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


def _cell(elements: list[A11yElement], description: str, boxer: Boxer | None) -> list[A11yMatch] | None:
    """A spreadsheet or table cell by its address ("cell E6", "column B, row 2") or by the
    column heading and row label it sits under and beside ("the Q2 figure for West")."""
    m = _CELL_REF.search(description)
    if m is not None:
        col = (m.group("c") or m.group("c2") or m.group("c3")).upper()
        row = m.group("r") or m.group("r2") or m.group("r3")
        hit = [e for e in elements if role_key(e.role) in _CELL_ROLES and e.name.upper() == f"{col}{row}"]
        hit = _boxed(hit, boxer)
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
    heads, labels = _anchors(cells, col_text), _anchors(cells, row_text)
    if not heads or not labels:
        return None
    pair = _boxed([heads[0][0], labels[0][0]], boxer)
    if len(pair) != 2:  # either one off screen
        return None
    head, label = pair
    hx, _, hw, _ = head.rect
    _, ly, _, lh = label.rect
    for e in _boxed([e for e in elements if role_key(e.role) in _CELL_ROLES], boxer):
        x, y, w, h = e.rect
        cx, cy = x + w // 2, y + h // 2  # its centre
        if hx <= cx <= hx + hw and ly <= cy <= ly + lh:
            return [A11yMatch(e, 0.85, 0.85)]
    return None


def apply_rules(
    elements: list[A11yElement],
    description: str,
    *,
    screen_size: tuple[int, int] | None = None,
    boxer: Boxer | None = None,
) -> list[A11yMatch] | None:
    """Answer a relational description (see above): None when no rule applies, [] when
    one applies and finds nothing (the description's anchor or n-th element is not there)."""
    for rule in (_cell, _thumb, _divider, _spatial):
        out = rule(elements, description, boxer)
        if out is not None:
            return out
    return _ordinal(elements, description, boxer, screen_size)
