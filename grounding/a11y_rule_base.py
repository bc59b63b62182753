"""What the relational rules of the accessibility grounder share (grounding/a11y_rules.py):
the elements a rule relates (`candidates` for the head of a description, `find_anchors`
for the text it is placed by), putting them on screen (`Boxer`, `on_screen`), box
geometry, and masking quoted text so that a rule's keywords inside quotes do not count.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from grounding.a11y_tree import _STRUCTURAL, A11yElement, _target_score
from grounding.description import Query, parse_description
from grounding.roles import role_key

# Gives elements their boxes (the browser asks CDP for them): one entry per element, None
# for those not on screen.
Boxer = Callable[[list[A11yElement]], list["A11yElement | None"]]
QUOTES = re.compile(r'"[^"]*"|“[^”]*”|‘[^’]*’|«[^»]*»|`[^`]*`|(?<![\w])\'[^\']*\'(?![\w])')


def mask_quotes(text: str) -> str:
    return QUOTES.sub(lambda m: " " * len(m.group(0)), text)


def overlap(a: int, alen: int, b: int, blen: int) -> int:
    return min(a + alen, b + blen) - max(a, b)


def contains(outer: tuple[int, int, int, int], inner: tuple[int, int, int, int], slack: int = 2) -> bool:
    return (
        outer[0] - slack <= inner[0]
        and outer[1] - slack <= inner[1]
        and inner[0] + inner[2] <= outer[0] + outer[2] + slack
        and inner[1] + inner[3] <= outer[1] + outer[3] + slack
    )


def overlaps_much(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    ox, oy = overlap(a[0], a[2], b[0], b[2]), overlap(a[1], a[3], b[1], b[3])
    return ox > 0 and oy > 0 and ox * oy > 0.3 * min(a[2] * a[3], b[2] * b[3])


def candidates(
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


def find_anchors(elements: list[A11yElement], text: str) -> list[tuple[A11yElement, float]]:
    """Elements that carry `text` (a quoted anchor or a few words), best first."""
    qa = parse_description(text)
    if not qa.target:
        return []
    scored = [(el, _target_score(qa, el)) for el in elements]
    best = max((s for _, s in scored), default=0.0)
    if best < 0.7:
        return []
    return sorted([(el, s) for el, s in scored if s >= best - 0.08], key=lambda p: -p[1])


def on_screen_by_id(els: list[A11yElement], boxer: Boxer | None) -> dict[int, A11yElement]:
    """id(original element) -> the element with its box, for those on screen."""
    got = els if boxer is None else boxer(els)
    return {id(e): b for e, b in zip(els, got) if b is not None and b.box is not None}


def on_screen(els: list[A11yElement], boxer: Boxer | None) -> list[A11yElement]:
    got = els if boxer is None else boxer(els)
    return [b for b in got if b is not None and b.box is not None]
