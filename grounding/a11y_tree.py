"""Accessibility elements: parsing OSWorld-shaped AT-SPI XML and ranking elements
against a description (the scoring rules are described in grounding/a11y.py)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from lxml import etree

from grounding.base import GroundingResult
from grounding.description import Query, parse_description
from grounding.function_match import function_score, function_words
from grounding.roles import INTERACTIVE_ROLES, TEXT_AREA_ROLES, TEXT_FIELD_ROLES, role_key
from grounding.text_match import similarity

_ST = "{https://accessibility.ubuntu.example.org/ns/state}"
_CP = "{https://accessibility.ubuntu.example.org/ns/component}"
_VAL = "{https://accessibility.ubuntu.example.org/ns/value}"
_TEXT_CHARS = 200  # element text used for matching (a document's text can be megabytes)
_WINDOW_ROLES = frozenset({"frame", "dialog", "window", "alert", "filechooser", "filechooserdialog"})
# Controls that do something: a description by function ("the button that prints")
# scores in full on these, less on anything else (a menu titled "Insert").
_BUTTONISH = frozenset(
    {
        "pushbutton",
        "button",
        "togglebutton",
        "menubutton",
        "splitbutton",
        "popupbutton",
        "checkbox",
        "radiobutton",
        "link",
        "icon",
        "menuitem",
    }
)
# Roles that never are a target themselves: skip them unless the description names them.
_STRUCTURAL = frozenset(
    {
        "desktopframe",
        "application",
        "filler",
        "unknown",
        "redundantobject",
        "inlinetextbox",
        "none",
        "generic",
        "linebreak",
        "separator",
    }
)


@dataclass(slots=True)
class A11yElement:
    """One accessible: role as its source spells it, box (x, y, w, h) in screen pixels."""

    role: str
    name: str
    text: str = ""
    box: tuple[int, int, int, int] | None = None
    depth: int = 0
    context: str = ""  # names of the enclosing windows / named containers
    active: bool = False  # inside the active (focused) window
    interactive: bool = False
    ref: Any = field(default=None, compare=False)  # the source's handle (CDP backend node id)
    label: str = ""  # an unnamed field's nearby label ("Search for:" left of it)
    lines: str = ""  # "multi" / "single" for text fields that say so
    description: str = ""  # accessible description / tooltip
    value: tuple[float | None, float | None, float | None] | None = None  # (now, min, max)
    orientation: str = ""  # "horizontal" / "vertical" when the source says

    @property
    def rect(self) -> tuple[int, int, int, int]:
        """The box, for code that only ever sees boxed elements (a clear error otherwise)."""
        if self.box is None:
            raise ValueError(f"accessible {self.role!r} {self.name!r} has no box")
        return self.box

    @property
    def centre(self) -> tuple[int, int] | None:
        if self.box is None:
            return None
        x, y, w, h = self.box
        return x + w // 2, y + h // 2


@dataclass(frozen=True)
class A11yMatch:
    element: A11yElement
    confidence: float
    order: float  # the ranking key: confidence plus small tie-break terms
    at: tuple[int, int] | None = None  # a point other than the centre (a slider's thumb, an edge)

    @property
    def point(self) -> tuple[int, int]:
        if self.at is not None:
            return self.at
        c = self.element.centre
        assert c is not None
        return c

    def describe(self) -> str:
        e = self.element
        return json.dumps(
            {"role": e.role, "name": e.name[:80], "box": e.box, "confidence": round(self.confidence, 3)},
            ensure_ascii=False,
        )


def _float(value: Any) -> float | None:
    try:
        return None if value is None or value == "" else float(value)
    except (TypeError, ValueError):
        return None


def _pair(value: str | None) -> tuple[int, int] | None:
    """'(12, 34)' -> (12, 34)."""
    if not value:
        return None
    try:
        a, b = value.strip().strip("()").split(",")
        return int(float(a)), int(float(b))
    except ValueError:
        return None


def clip_box(
    box: tuple[int, int, int, int], screen: tuple[int, int] | None
) -> tuple[int, int, int, int] | None:
    """The part of `box` on the screen, or None when nothing of it is."""
    x, y, w, h = box
    if w <= 0 or h <= 0:
        return None
    if screen is None:
        return box
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + w, screen[0]), min(y + h, screen[1])
    if x1 <= x0 or y1 <= y0:
        return None
    return x0, y0, x1 - x0, y1 - y0


_VISIBLE = etree.XPath(
    '//*[@st:visible="true" and @st:showing="true" and @cp:screencoord and @cp:size]',
    namespaces={"st": _ST[1:-1], "cp": _CP[1:-1]},
)
_ACTIVE = etree.XPath('//*[@st:active="true"]', namespaces={"st": _ST[1:-1]})


def parse_osworld_tree(xml: str | bytes, screen_size: tuple[int, int] | None = None) -> list[A11yElement]:
    """Elements of an OSWorld-shaped AT-SPI tree that are visible, showing and have a box
    on the screen (clipped to it), in document order."""
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    parser = etree.XMLParser(huge_tree=True, recover=True, resolve_entities=False, no_network=True)
    root = etree.fromstring(data, parser)
    if root is None:
        return []
    out: list[A11yElement] = []
    coord_key, size_key = _CP + "screencoord", _CP + "size"
    focusable_key = _ST + "focusable"
    multi_key, single_key = _ST + "multi_line", _ST + "single_line"
    val_keys = (_VAL + "value", _VAL + "min", _VAL + "max")
    # Active windows, found in C; lxml hands back these same proxies while we hold them.
    active_windows = {w for w in _ACTIVE(root) if role_key(w.tag.rsplit("}", 1)[-1]) in _WINDOW_ROLES}
    for node in _VISIBLE(root):  # selected in C: the Python work is per visible element only
        attrib = node.attrib
        pos, size = _pair(attrib.get(coord_key)), _pair(attrib.get(size_key))
        if pos is None or size is None:
            continue
        box = clip_box((pos[0], pos[1], size[0], size[1]), screen_size)
        if box is None:
            continue
        role = node.tag.rsplit("}", 1)[-1]
        rk = role_key(role)
        depth, active, context = 0, node in active_windows, list[str]()
        for anc in node.iterancestors():
            depth += 1
            if len(context) < 3:
                aname = anc.get("name")
                if aname:
                    context.append(aname.strip())
            if not active and anc in active_windows:
                active = True
        lines = ""
        if rk in _FIELDS:
            lines = (
                "multi"
                if attrib.get(multi_key) == "true"
                else "single"
                if attrib.get(single_key) == "true"
                else ""
            )
        value = None
        if val_keys[0] in attrib:
            now, low, high = (_float(attrib.get(k)) for k in val_keys)
            value = (now, low, high)
        orientation = (
            "vertical"
            if attrib.get(_ST + "vertical") == "true"
            else "horizontal"
            if attrib.get(_ST + "horizontal") == "true"
            else ""
        )
        out.append(
            A11yElement(
                role=role,
                name=(attrib.get("name") or "").strip(),
                text=(node.text or "").strip()[:_TEXT_CHARS],
                box=box,
                depth=depth,
                context=" ".join(reversed(context)),
                active=active,
                interactive=rk in INTERACTIVE_ROLES or attrib.get(focusable_key) == "true",
                lines=lines,
                description=(attrib.get("description") or "").strip()[:_TEXT_CHARS],
                value=value,
                orientation=orientation,
            )
        )
    return _label_fields(out)


_FIELDS = frozenset(
    {"entry", "text", "passwordtext", "spinbutton", "combobox", "textbox", "searchbox", "slider"}
)
_LABELS = frozenset({"label", "statictext", "labeltext"})


def _label_fields(elements: list[A11yElement]) -> list[A11yElement]:
    """Give unnamed input fields the text of the label just left of them on the same row,
    or just above them: the tree often leaves the field's name empty (GTK entries in
    dialogs) while a person calls it by its label ("the Search for field")."""
    labels = [e for e in elements if role_key(e.role) in _LABELS and (e.name or e.text) and e.box]
    if not labels:
        return elements
    out = []
    for e in elements:
        if e.name or e.box is None or role_key(e.role) not in _FIELDS:
            out.append(e)
            continue
        x, y, w, h = e.box
        best, best_d = None, 1e9
        for lab in labels:
            lx, ly, lw, lh = lab.rect
            same_row = ly < y + h and y < ly + lh
            gap_left = x - (lx + lw)
            gap_above = y - (ly + lh)
            if same_row and -4 <= gap_left <= 120:
                d = gap_left
            elif -4 <= gap_above <= 30 and lx < x + w and x < lx + lw and abs(lx - x) <= 40:
                d = gap_above + 20  # a label above counts a little less than one on the left
            else:
                continue
            if d < best_d:
                best, best_d = lab, d
        out.append(replace(e, label=(best.name or best.text)) if best is not None else e)
    return out


def _target_score(q: Query, el: A11yElement) -> float:
    s = q.target_score(el.name) if el.name else 0.0
    if el.text and el.text != el.name and s < 1.0:
        s = max(s, 0.95 * q.target_score(el.text))
    if el.label and s < 1.0:
        s = max(s, 0.97 * q.target_score(el.label))
    if el.description and s < 0.9:
        s = max(s, 0.9 * q.target_score(el.description))
    if not q.quoted and s < 0.9 and (el.name or el.description):
        # Described by what it does ("the button that sends the page to the printer").
        words = function_words(q.description)
        if words:
            f = max(function_score(words, el.name), 0.95 * function_score(words, el.description))
            # What a control does is said of buttons; a menu titled "Insert" is not "the
            # tool that inserts ...".
            s = max(s, f if role_key(el.role) in _BUTTONISH else 0.85 * f)
    if q.aliases and s < 0.95:
        # Described by its picture or function ("the paper clip icon"): the names it implies.
        alias_q = replace(q, targets=q.aliases, aliases=())
        for text, w in ((el.name, 0.95), (el.description, 0.9), (el.text, 0.85)):
            if text and s < w:
                s = max(s, w * alias_q.target_score(text))
    return s


def rank(
    elements: Iterable[A11yElement],
    description: str | Query,
    *,
    screen_size: tuple[int, int] | None = None,
    limit: int = 5,
    need_box: bool = True,
) -> list[A11yMatch]:
    """The best `limit` elements for `description`, best first (confidence > 0 only)."""
    q = description if isinstance(description, Query) else parse_description(description)
    roles = q.roles or {}
    role_only = not q.target
    if role_only and not roles:
        return []
    screen_area = float(screen_size[0] * screen_size[1]) if screen_size else 1920.0 * 1080.0
    scored: list[tuple[float, float, A11yElement, bool]] = []  # (conf, tie-break, el, role-only path)
    best_role_fit = 0.0
    for el in elements:
        if need_box and el.box is None:
            continue
        rk = role_key(el.role)
        fit = roles.get(rk, 0.0)
        # "text area" wants a multi-line field, "text field" a single-line one.
        if fit and (
            (el.lines == "single" and q.roles is TEXT_AREA_ROLES)
            or (el.lines == "multi" and q.roles is TEXT_FIELD_ROLES)
        ):
            fit *= 0.7
        if not el.name and not el.text and not el.label and fit == 0.0:
            continue
        if rk in _STRUCTURAL and fit == 0.0 and not el.name:
            continue
        by_role = False
        if not role_only:
            t = _target_score(q, el)
            if t < 0.35:
                continue
            conf = t * (0.7 + 0.3 * fit) if roles else t * (1.0 if el.interactive else 0.92)
        else:
            # Only a role was named ("the text area"); a name equal to the role words
            # ("Document") competes too.
            conf = 0.75 * fit
            by_role = conf > 0
            if q.role_phrase and el.name:
                by_name = 0.85 * similarity(q.role_phrase, el.name, recall_weight=0.4)
                if by_name > conf:
                    conf, by_role = by_name, False
            if by_role:
                best_role_fit = max(best_role_fit, fit)
        if conf <= 0.0:
            continue
        tie = 0.01 * el.interactive + 0.006 * el.active + 0.0004 * min(el.depth, 25)
        if el.box is not None:
            tie -= 0.004 * min(1.0, el.box[2] * el.box[3] / screen_area)
        if q.context and el.context:
            tie += 0.03 * similarity(q.context, el.context, recall_weight=1.0)
        scored.append((conf, tie, el, by_role))
    if role_only and best_role_fit > 0:
        # Several elements fit the named role equally well: the description does not say which.
        peers = sum(1 for c, _, _, by_role in scored if by_role and c >= 0.75 * best_role_fit - 1e-9)
        if peers > 1:
            scored = [(c * 0.7 if by_role else c, t, el, by_role) for c, t, el, by_role in scored]
    scored.sort(key=lambda s: s[0] + s[1], reverse=True)
    return [
        A11yMatch(el, round(min(1.0, max(0.0, conf)), 4), conf + tie) for conf, tie, el, _ in scored[:limit]
    ]


def best_result(best: list[A11yMatch], min_confidence: float, grounder: str) -> GroundingResult | None:
    """The top match as a GroundingResult, or None when there is none confident enough."""
    if not best or best[0].confidence < min_confidence:
        return None
    match = best[0]
    x, y = match.point
    return GroundingResult(x=x, y=y, confidence=match.confidence, grounder=grounder, raw=match.describe())
