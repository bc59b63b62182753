"""Checking an accessibility tree's boxes against what the screenshot shows (OCR words).

LibreOffice's VCL-drawn widgets (toolbar buttons, cells, tabs, the status bar) report
AT-SPI extents shifted from where they are drawn, while its native GTK widgets (menus,
the Name Box, font boxes) report them right; the shift is the same for all VCL widgets
of a screen. `estimate_shift` measures it from the words those widgets show, and
`text_verified` keeps the elements whose words OCR actually reads inside their box, so
that no item stands on a box that is not where its element is drawn.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import replace

from grounding.a11y_tree import A11yElement
from grounding.ocr import OcrWord
from grounding.roles import role_key
from grounding.text_match import normalize

_CELL = re.compile(r"^[A-Z]{1,3}\d{1,7}$")


def shown_words(el: A11yElement) -> str:
    """The words an element shows: a spreadsheet cell's name is its address, not its text."""
    if role_key(el.role) == "tablecell" and _CELL.match(el.name):
        return el.text.strip()
    return (el.name or el.text).strip()


def needs_shift(els: list[A11yElement]) -> bool:
    """The tree is LibreOffice's (its VCL widgets report shifted extents under GTK 3)."""
    return any(role_key(e.role) == "frame" and "LibreOffice" in e.name for e in els[:50])


def corrected(
    els: list[A11yElement], words: list[OcrWord], screen: tuple[int, int] | None
) -> list[A11yElement]:
    """`els` with LibreOffice's shift undone when the words measure it; unchanged otherwise."""
    if not needs_shift(els):
        return els
    dy = estimate_shift(els, words, shown_words)
    return els if not dy else apply_shift(els, dy, screen or (1 << 16, 1 << 16))


# Roles LibreOffice draws with GTK itself: their extents are right.
NATIVE_ROLES = frozenset(
    {
        "menu",
        "menubar",
        "menuitem",
        "text",
        "combobox",
        "frame",
        "rootpane",
        "checkmenuitem",
        "radiomenuitem",
        "separator",
        "filler",
        "panel",
    }
)
_MEASURE_ROLES = frozenset({"tablecell", "pagetab", "label", "statictext", "paragraph", "heading"})


def _first_token(text: str) -> str:
    toks = normalize(text).split()
    return toks[0] if toks else ""


def _found_at(el_words: str, box: tuple[int, int, int, int], words: list[OcrWord], slack: int = 4) -> bool:
    """OCR reads the element's words (most of their tokens) inside its box."""
    want = normalize(el_words).split()
    if not want:
        return False
    x, y, w, h = box
    inside = {
        wd.norm or normalize(wd.text)
        for wd in words
        if x - slack <= wd.box[0] + wd.box[2] / 2 <= x + w + slack and y - slack <= wd.cy <= y + h + slack
    }
    got = sum(1 for t in want if t in inside)
    return got >= max(1, round(0.6 * len(want)))


def estimate_shift(els: list[A11yElement], words: list[OcrWord], shown) -> int | None:
    """The vertical shift of non-native widgets (pixels to add), or None when the screen
    gives no consistent measure. `shown(el)` is the words an element shows."""
    shifts = []
    for el in els:
        if role_key(el.role) not in _MEASURE_ROLES or el.box is None:
            continue
        token = _first_token(shown(el))
        if len(token) < 2:
            continue
        x, y, w, h = el.box
        cands = [
            wd.cy - (y + h / 2)
            for wd in words
            if (wd.norm or normalize(wd.text)) == token
            and x - 6 <= wd.box[0] + wd.box[2] / 2 <= x + w + 6
            and abs(wd.cy - (y + h / 2)) <= 60
        ]
        if cands:
            shifts.append(min(cands, key=abs))
    if len(shifts) < 3:
        return None
    mid = statistics.median(shifts)
    close = [s for s in shifts if abs(s - mid) <= 4]
    if len(close) < 0.6 * len(shifts):
        return None
    return round(statistics.median(close))


def apply_shift(els: list[A11yElement], dy: int, screen: tuple[int, int]) -> list[A11yElement]:
    out = []
    for el in els:
        # An unnamed toggle button is the arrow of a native GTK combo box (Name Box, font).
        native = role_key(el.role) in NATIVE_ROLES or (role_key(el.role) == "togglebutton" and not el.name)
        if el.box is None or native or dy == 0:
            out.append(el)
            continue
        x, y, w, h = el.box
        ny = max(0, min(y + dy, screen[1] - 1))
        out.append(replace(el, box=(x, ny, w, max(1, min(h, screen[1] - ny)))))
    return out


def text_verified(els: list[A11yElement], words: list[OcrWord], shown) -> set[int]:
    """ids of the elements whose shown words OCR reads inside their box."""
    return {id(el) for el in els if el.box is not None and shown(el) and _found_at(shown(el), el.box, words)}
