"""The spatial rule: an element placed by another one ("the button just left of
'Restore'", "the field below 'Name'", "the icon next to Search"). The nearest element
that fits the head of the description on the named side of the anchor wins."""

from __future__ import annotations

import re
from dataclasses import replace

from grounding.a11y_rule_base import (
    QUOTES,
    Boxer,
    candidates,
    contains,
    find_anchors,
    mask_quotes,
    on_screen_by_id,
    overlap,
    overlaps_much,
)
from grounding.a11y_tree import A11yElement, A11yMatch
from grounding.description import parse_description
from grounding.function_match import function_words
from grounding.roles import ROLE_PHRASES
from grounding.text_match import DESCRIPTORS, normalize

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


def spatial_rule(
    elements: list[A11yElement], description: str, boxer: Boxer | None
) -> list[A11yMatch] | None:
    masked = mask_quotes(description)
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
    quoted = [q for q in QUOTES.findall(tail)]
    if quoted:
        anchor_text = quoted[0]
    anchors = find_anchors(elements, anchor_text)
    if not anchors:
        # "the icon for drawing a line under the text": the relation words were part of
        # what the control does, not a place; let the ranking read it.
        return None if function_words(description) else []
    cands = candidates(elements, qh)
    need = {id(e) for e, _ in anchors} | {id(e) for e, _ in cands}
    boxed = on_screen_by_id([e for e in elements if id(e) in need], boxer)
    anchors = [(boxed[id(e)], s) for e, s in anchors if id(e) in boxed]
    cands = [(boxed[id(e)], f) for e, f in cands if id(e) in boxed]
    best: tuple[float, A11yElement, float] | None = None
    for a, a_score in anchors[:12]:
        ax, ay, aw, ah = a.rect
        for c, fit in cands:
            if c is a or overlaps_much(a.rect, c.rect) or contains(c.rect, a.rect):
                continue
            cx, cy, cw, ch = c.rect
            side = direction
            if direction == "beside":
                side = "left" if cx + cw / 2 < ax + aw / 2 else "right"
            if side == "left":
                gap, perp = ax - (cx + cw), overlap(ay, ah, cy, ch)
                off = abs((cy + ch / 2) - (ay + ah / 2))
            elif side == "right":
                gap, perp = cx - (ax + aw), overlap(ay, ah, cy, ch)
                off = abs((cy + ch / 2) - (ay + ah / 2))
            elif side == "above":
                gap, perp = ay - (cy + ch), overlap(ax, aw, cx, cw)
                off = abs((cx + cw / 2) - (ax + aw / 2))
            else:
                gap, perp = cy - (ay + ah), overlap(ax, aw, cx, cw)
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
