"""The ordinal rule: the n-th element of a kind ("the fourth link in the sidebar",
"the second button from the right", "the last tab"), counted in reading order (or from
the named side) inside the container the description names."""

from __future__ import annotations

import re
from dataclasses import replace

from grounding.a11y_rule_base import Boxer, candidates, contains, mask_quotes, on_screen
from grounding.a11y_tree import _WINDOW_ROLES, A11yElement, A11yMatch
from grounding.description import STOPWORDS, parse_description
from grounding.roles import role_key
from grounding.text_match import normalize, similarity

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
    boxed = on_screen([el for s, el in scored if s >= top - 0.05], boxer)
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


def ordinal_rule(
    elements: list[A11yElement], description: str, boxer: Boxer | None, screen_size: tuple[int, int] | None
) -> list[A11yMatch] | None:
    masked = mask_quotes(description)
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
    fs = _FROM_SIDE.search(mask_quotes(rest))
    if fs is not None:
        side = fs.group(1).lower()
        rest = rest[: fs.start()] + rest[fs.end() :]
    q = parse_description(rest)
    extra = [w for w in q.target.split() if w not in _ORDINAL_FILLER]
    if not q.roles or extra:
        return None  # "the first name field": an ordinary name
    places = [w for w in q.target.split() if w in _CONTAINER_ROLES]  # "the second toolbar button"
    q = replace(q, target="", context=" ".join([q.context, *places]).strip())
    cands = [e for e, fit in candidates(elements, q, min_fit=0.7)]
    if not cands:
        return []
    cands = on_screen(cands, boxer)
    container = _container(elements, q.context, boxer) if q.context else None
    if container is not None:
        inside = [e for e in cands if e is not container and contains(container.rect, e.rect)]
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
            and contains(e.rect, o.rect)
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
