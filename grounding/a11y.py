"""Grounding from accessibility trees: a description -> the element that fits it best.

`A11yGrounder` reads the desktop's AT-SPI tree in OSWorld's XML shape (what the
control server's `/accessibility` answers, see envs/server/a11y.py): one element
per accessible, the tag is its role, `name` its name, `st:*` its states,
`cp:screencoord` / `cp:size` its box on screen, the element text its text.
`BrowserA11yGrounder` reads a Playwright page's tree over CDP
(`Accessibility.getFullAXTree`, boxes from `DOM.getBoxModel`).

Both score every visible element the same way (`rank`):

- name (and text) against the description's target words (`text_match`); quoted
  strings in the description are the target when present (`the "Save" button`);
- the role the description names ("button", "menu", "text field", ...) against the
  element's role, with partial credit for near roles (a menu item for "menu");
- an unnamed text field takes the label just left of it or above it as its name
  ("the Search for field"); "text area" prefers multi-line fields, "text field"
  single-line ones;
- ties go to elements in the active window, interactive roles, deeper and smaller
  elements (a button over the panel around it, over the window), and to elements
  inside containers named by the description's context ("... in the Print dialog").

Confidence, in [0, 1]:
    target and role named:  name score * (0.7 + 0.3 * role fit)
    target only:            name score (x0.92 for non-interactive roles)
    role only:              0.75 * role fit, x0.7 when several elements fit as well
(one name word of two matching scores about 0.67, an exact name with a foreign role 0.7).
The answer is the centre of the best element's box (clipped to the screen), or
None below `min_confidence`.
"""

from __future__ import annotations

import json
import math
import re
import threading
from dataclasses import dataclass, field, replace
from collections.abc import Callable, Iterable
from typing import Any

from lxml import etree

from grounding.base import GroundingResult
from grounding.text_match import (DESCRIPTORS, INTERACTIVE_ROLES, ROLE_PHRASES, STOPWORDS, TEXT_AREA_ROLES, TEXT_FIELD_ROLES,
                                  Query, normalize, parse_description, role_key, similarity)

__all__ = ["A11yElement", "A11yMatch", "A11yGrounder", "BrowserA11yGrounder",
           "apply_rules", "parse_osworld_tree", "rank"]

_ST = "{https://accessibility.ubuntu.example.org/ns/state}"
_CP = "{https://accessibility.ubuntu.example.org/ns/component}"
_VAL = "{https://accessibility.ubuntu.example.org/ns/value}"
_TEXT_CHARS = 200  # element text used for matching (a document's text can be megabytes)
_WINDOW_ROLES = frozenset({"frame", "dialog", "window", "alert", "filechooser", "filechooserdialog"})
# Roles that never are a target themselves: skip them unless the description names them.
_STRUCTURAL = frozenset({"desktopframe", "application", "filler", "unknown", "redundantobject",
                         "inlinetextbox", "none", "generic", "linebreak", "separator"})


@dataclass(slots=True)
class A11yElement:
    """One accessible: role as its source spells it, box (x, y, w, h) in screen pixels."""

    role: str
    name: str
    text: str = ""
    box: tuple[int, int, int, int] | None = None
    depth: int = 0
    context: str = ""          # names of the enclosing windows / named containers
    active: bool = False       # inside the active (focused) window
    interactive: bool = False
    ref: Any = field(default=None, compare=False)  # the source's handle (CDP backend node id)
    label: str = ""            # an unnamed field's nearby label ("Search for:" left of it)
    lines: str = ""            # "multi" / "single" for text fields that say so
    description: str = ""      # accessible description / tooltip
    value: tuple[float | None, float | None, float | None] | None = None  # (now, min, max)
    orientation: str = ""      # "horizontal" / "vertical" when the source says

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
        return json.dumps({"role": e.role, "name": e.name[:80], "box": e.box,
                           "confidence": round(self.confidence, 3)}, ensure_ascii=False)


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


def clip_box(box: tuple[int, int, int, int], screen: tuple[int, int] | None) -> tuple[int, int, int, int] | None:
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
    namespaces={"st": _ST[1:-1], "cp": _CP[1:-1]})
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
        depth, active, context = 0, node in active_windows, []
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
            lines = "multi" if attrib.get(multi_key) == "true" else "single" if attrib.get(single_key) == "true" else ""
        value = None
        if val_keys[0] in attrib:
            value = tuple(_float(attrib.get(k)) for k in val_keys)  # type: ignore[assignment]
        orientation = ("vertical" if attrib.get(_ST + "vertical") == "true"
                       else "horizontal" if attrib.get(_ST + "horizontal") == "true" else "")
        out.append(A11yElement(
            role=role, name=(attrib.get("name") or "").strip(),
            text=(node.text or "").strip()[:_TEXT_CHARS], box=box, depth=depth,
            context=" ".join(reversed(context)), active=active,
            interactive=rk in INTERACTIVE_ROLES or attrib.get(focusable_key) == "true", lines=lines,
            description=(attrib.get("description") or "").strip()[:_TEXT_CHARS],
            value=value, orientation=orientation))
    return _label_fields(out)


_FIELDS = frozenset({"entry", "text", "passwordtext", "spinbutton", "combobox", "textbox",
                     "searchbox", "slider"})
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
            lx, ly, lw, lh = lab.box  # type: ignore[misc]
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
    if q.aliases and s < 0.95:
        # Described by its picture or function ("the paper clip icon"): the names it implies.
        alias_q = replace(q, targets=q.aliases, aliases=())
        for text, w in ((el.name, 0.95), (el.description, 0.9), (el.text, 0.85)):
            if text and s < w:
                s = max(s, w * alias_q.target_score(text))
    return s


def rank(elements: Iterable[A11yElement], description: str | Query, *,
         screen_size: tuple[int, int] | None = None, limit: int = 5,
         need_box: bool = True) -> list[A11yMatch]:
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
        if fit and ((el.lines == "single" and q.roles is TEXT_AREA_ROLES)
                    or (el.lines == "multi" and q.roles is TEXT_FIELD_ROLES)):
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
    return [A11yMatch(el, round(min(1.0, max(0.0, conf)), 4), conf + tie)
            for conf, tie, el, _ in scored[:limit]]


class A11yGrounder:
    """Grounds descriptions on the desktop's accessibility tree (OSWorld-shaped XML).

    `tree_source` returns the XML (e.g. `DesktopClient.accessibility_tree`); it is
    called once per `ground`. The screenshot is not used."""

    name = "a11y"

    def __init__(self, tree_source: Callable[[], str], min_confidence: float = 0.65) -> None:
        self.tree_source = tree_source
        self.min_confidence = min_confidence
        self._lock = threading.Lock()
        self._cache: tuple[int, tuple[int, int] | None, list[A11yElement]] | None = None

    def elements(self, screen_size: tuple[int, int] | None = None, xml: str | None = None) -> list[A11yElement]:
        """Visible elements of the current tree (parsed once per distinct tree)."""
        if xml is None:
            xml = self.tree_source()
        key = hash(xml)
        with self._lock:
            cached = self._cache
        if cached is not None and cached[0] == key and cached[1] == screen_size:
            return cached[2]
        elements = parse_osworld_tree(xml, screen_size)
        with self._lock:
            self._cache = (key, screen_size, elements)
        return elements

    def matches(self, description: str, screen_size: tuple[int, int] | None = None, *,
                xml: str | None = None, limit: int = 5) -> list[A11yMatch]:
        """Ranked candidates (for logs, tests and cascades that want more than one)."""
        elements = self.elements(screen_size, xml)
        ruled = apply_rules(elements, description, screen_size=screen_size)
        if ruled is not None:
            return ruled[:limit]
        return rank(elements, description, screen_size=screen_size, limit=limit)

    def ground(self, screenshot_png: bytes, description: str,
               screen_size: tuple[int, int]) -> GroundingResult | None:
        best = self.matches(description, tuple(screen_size) if screen_size else None, limit=1)
        if not best or best[0].confidence < self.min_confidence:
            return None
        m = best[0]
        x, y = m.point
        return GroundingResult(x=x, y=y, confidence=m.confidence, grounder=self.name, raw=m.describe())


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
    r"|(?:immediately|just|directly|right)\s+(?P<u>under)\b", re.IGNORECASE)
_ORDINAL_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
                  "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "last": -1}
_FROM_SIDE = re.compile(r"\s+from\s+the\s+(left|right|top|bottom|end|start)\b", re.IGNORECASE)
_THUMB = re.compile(r"\b(?:thumb|handle|knob|grip)\s+(?:of|on|in)\s+(?:the\s+)?", re.IGNORECASE)
_DIVIDER = re.compile(r"\b(?:divider|border|boundary|separator|resize\s+handle|resizer|splitter|edge)\b",
                      re.IGNORECASE)
_EDGE_SIDE = re.compile(r"\b(left|right|top|bottom)\s+(?:edge|side|border|end)\b", re.IGNORECASE)
_QUOTES = re.compile(r'"[^"]*"|“[^”]*”|‘[^’]*’|«[^»]*»|`[^`]*`|(?<![\w])\'[^\']*\'(?![\w])')
_CONTAINER_ROLES = {
    "sidebar": {"navigation", "complementary", "aside", "panel", "scrollpane"},
    "side bar": {"navigation", "complementary", "aside", "panel"},
    "navigation": {"navigation"}, "nav": {"navigation"}, "toolbar": {"toolbar"},
    "tool bar": {"toolbar"}, "tab bar": {"tablist", "pagetablist"}, "tabs": {"tablist", "pagetablist"},
    "menu bar": {"menubar"}, "menubar": {"menubar"}, "status bar": {"statusbar"},
    "header": {"banner", "header"}, "footer": {"contentinfo", "footer"}, "dialog": {"dialog", "alertdialog"},
    "form": {"form"}, "list": {"list", "listbox"}, "table": {"table", "grid", "treetable"},
    "menu": {"menu", "popupmenu"}, "panel": {"panel", "region", "group", "complementary"},
}
_ANY_CONTAINER = frozenset().union(*_CONTAINER_ROLES.values()) | _WINDOW_ROLES | {"region", "group", "section"}


def _mask_quotes(text: str) -> str:
    return _QUOTES.sub(lambda m: " " * len(m.group(0)), text)


def _overlap(a: int, alen: int, b: int, blen: int) -> int:
    return min(a + alen, b + blen) - max(a, b)


def _contains(outer: tuple[int, int, int, int], inner: tuple[int, int, int, int], slack: int = 2) -> bool:
    return (outer[0] - slack <= inner[0] and outer[1] - slack <= inner[1]
            and inner[0] + inner[2] <= outer[0] + outer[2] + slack
            and inner[1] + inner[3] <= outer[1] + outer[3] + slack)


def _overlaps_much(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    ox, oy = _overlap(a[0], a[2], b[0], b[2]), _overlap(a[1], a[3], b[1], b[3])
    return ox > 0 and oy > 0 and ox * oy > 0.3 * min(a[2] * a[3], b[2] * b[3])


def _candidates(elements: list[A11yElement], q: Query, min_fit: float = 0.5) -> list[tuple[A11yElement, float]]:
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
    head, tail = description[:m.start()], description[m.end():]
    if not normalize(tail) or not normalize(head):
        return None
    direction = (m.group("h") or m.group("v") or m.group("u")).lower()
    direction = {"beneath": "below", "underneath": "below", "under": "below"}.get(direction, direction)
    if direction.startswith("on"):
        direction = "above"
    qh = parse_description(head)
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
        return []
    cands = _candidates(elements, qh)
    need = {id(e) for e, _ in anchors} | {id(e) for e, _ in cands}
    boxed = _boxed_map([e for e in elements if id(e) in need], boxer)
    anchors = [(boxed[id(e)], s) for e, s in anchors if id(e) in boxed]
    cands = [(boxed[id(e)], f) for e, f in cands if id(e) in boxed]
    best: tuple[float, A11yElement, float] | None = None
    for a, a_score in anchors[:12]:
        ax, ay, aw, ah = a.box  # type: ignore[misc]
        for c, fit in cands:
            if c is a or _overlaps_much(a.box, c.box) or _contains(c.box, a.box):  # type: ignore[arg-type]
                continue
            cx, cy, cw, ch = c.box  # type: ignore[misc]
            if direction == "left":
                gap, perp = ax - (cx + cw), _overlap(ay, ah, cy, ch)
                off = abs((cy + ch / 2) - (ay + ah / 2))
            elif direction == "right":
                gap, perp = cx - (ax + aw), _overlap(ay, ah, cy, ch)
                off = abs((cy + ch / 2) - (ay + ah / 2))
            elif direction == "above":
                gap, perp = ay - (cy + ch), _overlap(ax, aw, cx, cw)
                off = abs((cx + cw / 2) - (ax + aw / 2))
            else:
                gap, perp = cy - (ay + ah), _overlap(ax, aw, cx, cw)
                off = abs((cx + cw / 2) - (ax + aw / 2))
            if gap < -6:
                continue
            cost = max(gap, 0) + 0.25 * off + (0 if perp > 0 else 300 - perp) + 40 * (1 - fit) + 40 * (1 - a_score)
            if best is None or cost < best[0]:
                best = (cost, c, a_score * (0.75 + 0.25 * fit))
    if best is None:
        return []
    cost, el, conf = best
    conf *= 0.95 if cost < 300 else 0.75
    return [A11yMatch(el, round(min(1.0, conf), 4), conf)]


def _reading_order(els: list[A11yElement]) -> list[A11yElement]:
    rows: list[list[A11yElement]] = []
    for e in sorted(els, key=lambda e: e.box[1] + e.box[3] / 2):  # type: ignore[index]
        cy = e.box[1] + e.box[3] / 2  # type: ignore[index]
        if rows:
            r0 = rows[-1][0].box
            if abs(cy - (r0[1] + r0[3] / 2)) <= max(4, min(r0[3], e.box[3]) / 2):  # type: ignore[index]
                rows[-1].append(e)
                continue
        rows.append([e])
    return [e for row in rows for e in sorted(row, key=lambda e: e.box[0])]  # type: ignore[index]


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
    return min(boxed, key=lambda e: e.box[2] * e.box[3])  # type: ignore[index]


_ORDINAL_FILLER = frozenset("open go switch activate one item visible toolbar sidebar menu navigation nav "
                            "header footer list table dialog form panel".split())


def _ordinal(elements: list[A11yElement], description: str, boxer: Boxer | None,
             screen_size: tuple[int, int] | None) -> list[A11yMatch] | None:
    masked = _mask_quotes(description)
    m = re.search(r"\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last|"
                  r"(\d{1,2})(?:st|nd|rd|th))(\s+(?:to\s+)?last)?\b", masked, re.IGNORECASE)
    if m is None:
        return None
    word = m.group(1).lower()
    n = int(m.group(2)) if m.group(2) else _ORDINAL_WORDS[word]
    from_end = bool(m.group(3)) or n == -1
    if n == -1:
        n = 1
    rest = description[:m.start()] + " " + description[m.end():]
    side = ""
    fs = _FROM_SIDE.search(_mask_quotes(rest))
    if fs is not None:
        side = fs.group(1).lower()
        rest = rest[:fs.start()] + rest[fs.end():]
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
        inside = [e for e in cands if e is not container and _contains(container.box, e.box)]  # type: ignore[arg-type]
        if inside:
            cands = inside
    elif q.context and re.search(r"\b(sidebar|side bar|left panel|left pane)\b", q.context) and screen_size:
        left = [e for e in cands if e.box[0] + e.box[2] / 2 < 0.3 * screen_size[0]]  # type: ignore[index]
        if left:
            cands = left
    # One per box: an element and its same-role wrapper count once.
    seen, uniq = set(), []
    for e in cands:
        if e.box not in seen:
            seen.add(e.box)
            uniq.append(e)
    uniq = [e for e in uniq if not any(o is not e and o.box != e.box and _contains(e.box, o.box)  # type: ignore[arg-type]
                                       and role_key(o.role) == role_key(e.role) for o in uniq)]
    if side in ("left", "start", ""):
        order = _reading_order(uniq) if side == "" else sorted(uniq, key=lambda e: (e.box[0], e.box[1]))  # type: ignore[index]
    elif side in ("right", "end"):
        order = sorted(uniq, key=lambda e: (-(e.box[0] + e.box[2]), e.box[1]))  # type: ignore[index]
    elif side == "top":
        order = sorted(uniq, key=lambda e: (e.box[1], e.box[0]))  # type: ignore[index]
    else:
        order = sorted(uniq, key=lambda e: (-(e.box[1] + e.box[3]), e.box[0]))  # type: ignore[index]
    if from_end:
        order = order[::-1]
    if n > len(order) or n < 1:
        return []
    el = order[n - 1]
    return [A11yMatch(el, 0.8, 0.8)]


def _thumb(elements: list[A11yElement], description: str, boxer: Boxer | None) -> list[A11yMatch] | None:
    if not _THUMB.search(description) or "slider" not in description.lower() and "scroll" not in description.lower():
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
    x, y, w, h = el.box  # type: ignore[misc]
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
    if not _DIVIDER.search(masked) or not re.search(r"\b(column|header|pane|panel|cell)\b", masked, re.I):
        return None
    side_m = _EDGE_SIDE.search(masked)
    side = side_m.group(1).lower() if side_m else "right"
    quoted = _QUOTES.findall(description)
    if not quoted:
        return None
    anchors = _anchors(elements, quoted[0])
    if not anchors:
        return []
    pref = {"columnheader", "tablecolumnheader", "rowheader", "tablerowheader", "tablecell", "cell",
            "gridcell", "panel", "section", "region", "group"}
    anchors.sort(key=lambda p: (-(p[1] + 0.1 * (role_key(p[0].role) in pref))))
    boxed = _boxed([e for e, _ in anchors[:6]], boxer)
    if not boxed:
        return []
    el = boxed[0]
    x, y, w, h = el.box  # type: ignore[misc]
    at = {"right": (x + w - 1, y + h // 2), "left": (x, y + h // 2),
          "top": (x + w // 2, y), "bottom": (x + w // 2, y + h - 1)}[side]
    s = 0.85 * next((v for e, v in anchors if e.name == el.name and e.role == el.role), 1.0)
    return [A11yMatch(el, round(s, 4), s, at=at)]


def apply_rules(elements: list[A11yElement], description: str, *, screen_size: tuple[int, int] | None = None,
                boxer: Boxer | None = None) -> list[A11yMatch] | None:
    """Answer a relational description (see above): None when no rule applies, [] when
    one applies and finds nothing (the description's anchor or n-th element is not there)."""
    for rule in (_thumb, _divider, _spatial):
        out = rule(elements, description, boxer)
        if out is not None:
            return out
    return _ordinal(elements, description, boxer, screen_size)


# --------------------------------------------------------------------------- browser

_AX_SKIP = frozenset({"inlinetextbox", "linebreak", "none", "presentation"})
_CONTAINERS = frozenset({"dialog", "alertdialog", "group", "form", "region", "navigation", "toolbar",
                         "menu", "menubar", "tablist", "list", "rootwebarea", "webarea", "banner",
                         "main", "complementary", "contentinfo", "search", "tabpanel"})
_JS_HITS = """function(x, y) {
  const e = document.elementFromPoint(x, y);
  const n = this.nodeType === 1 ? this : this.parentElement;
  return !!e && !!n && (n === e || n.contains(e) || (e.control === n));
}"""


def _ax_value(node: dict[str, Any], key: str) -> str:
    v = node.get(key)
    if isinstance(v, dict):
        val = v.get("value")
        return "" if val is None else str(val)
    return ""


class BrowserA11yGrounder:
    """Grounds descriptions on a Playwright (Chromium) page's accessibility tree.

    Scores the CDP `Accessibility.getFullAXTree` nodes like `A11yGrounder`, then looks
    up boxes (`DOM.getBoxModel`) for the best few only, keeps those inside the viewport,
    and hit-tests the winner (`elementFromPoint`) so a covered element loses to the
    next one. Points are viewport CSS pixels scaled to `screen_size` (so a screenshot
    taken at a device scale factor > 1 maps right)."""

    name = "browser-a11y"

    def __init__(self, page: Any, min_confidence: float = 0.65, candidates: int = 8) -> None:
        self.page = page
        self.min_confidence = min_confidence
        self.candidates = candidates
        self._cdp: Any = None

    def _session(self) -> Any:
        if self._cdp is None:
            self._cdp = self.page.context.new_cdp_session(self.page)
        return self._cdp

    def _send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            return self._session().send(method, params or {})
        except Exception as exc:
            if "closed" in str(exc).lower() or "detached" in str(exc).lower():
                self._cdp = None  # a navigation can detach the session: one fresh try
                return self._session().send(method, params or {})
            raise

    def ax_elements(self) -> list[A11yElement]:
        """Every node of the page's tree worth pointing at, without boxes (`ref` = backend id)."""
        nodes = self._send("Accessibility.getFullAXTree").get("nodes", [])
        by_id = {n.get("nodeId"): n for n in nodes}
        # (depth, names of the named containers down to and including the node), per node.
        # CDP does not list parents before children, so resolve each chain upwards first.
        placed: dict[Any, tuple[int, str]] = {}

        def place(nid: Any) -> tuple[int, str]:
            chain = []
            while nid in by_id and nid not in placed and len(chain) < 1000:
                chain.append(nid)
                nid = by_id[nid].get("parentId")
            d, ctx = placed.get(nid, (-1, ""))
            for cid in reversed(chain):
                node = by_id[cid]
                own = " ".join(_ax_value(node, "name").split())
                if own and not node.get("ignored") and role_key(_ax_value(node, "role")) in _CONTAINERS:
                    ctx = (ctx + " " + own).strip()[-200:]
                d += 1
                placed[cid] = (d, ctx)
            return d, ctx

        out: list[A11yElement] = []
        for node in nodes:
            backend = node.get("backendDOMNodeId")
            if node.get("ignored") or backend is None:
                continue
            role = _ax_value(node, "role")
            rk = role_key(role)
            if rk in _AX_SKIP:
                continue
            props = {p.get("name"): (p.get("value") or {}).get("value") for p in node.get("properties", [])}
            if props.get("hidden") is True:
                continue
            depth = place(node.get("nodeId"))[0]
            context = place(node.get("parentId"))[1] if node.get("parentId") in by_id else ""
            name = " ".join(_ax_value(node, "name").split())
            value = " ".join(_ax_value(node, "value").split())[:_TEXT_CHARS]
            described = " ".join(_ax_value(node, "description").split())[:_TEXT_CHARS]
            numbers = None
            if "valuemin" in props or "valuemax" in props or rk in ("slider", "scrollbar", "spinbutton"):
                numbers = (_float(value), _float(props.get("valuemin")), _float(props.get("valuemax")))
            out.append(A11yElement(
                role=role, name=name, text=value if value != name else "", box=None, depth=depth,
                context=context, active=True,
                interactive=rk in INTERACTIVE_ROLES or props.get("focusable") is True,
                ref=backend, description=described if described != name else "", value=numbers,
                orientation=str(props.get("orientation") or "")))
        return out

    def _viewport(self) -> tuple[float, float]:
        vp = self.page.viewport_size
        if vp:
            return float(vp["width"]), float(vp["height"])
        w, h = self.page.evaluate("[window.innerWidth, window.innerHeight]")
        return float(w), float(h)

    def _box(self, backend: int, viewport: tuple[float, float]) -> tuple[int, int, int, int] | None:
        """The border box in viewport CSS pixels, clipped to the viewport; None if not rendered."""
        try:
            model = self._send("DOM.getBoxModel", {"backendNodeId": backend})["model"]
        except Exception:  # noqa: BLE001 - not rendered (display:none), detached, ...
            return None
        quad = model.get("border") or model.get("content")
        xs, ys = quad[0::2], quad[1::2]
        x0, y0, x1, y1 = min(xs), min(ys), max(xs), max(ys)
        box = (math.floor(x0), math.floor(y0), math.ceil(x1 - x0), math.ceil(y1 - y0))
        return clip_box(box, (int(viewport[0]), int(viewport[1])))

    def _hits(self, backend: int, x: float, y: float) -> bool:
        try:
            obj = self._send("DOM.resolveNode", {"backendNodeId": backend})["object"]
            res = self._send("Runtime.callFunctionOn", {
                "objectId": obj["objectId"], "functionDeclaration": _JS_HITS,
                "arguments": [{"value": x}, {"value": y}], "returnByValue": True})
            self._send("Runtime.releaseObject", {"objectId": obj["objectId"]})
            return bool(res.get("result", {}).get("value"))
        except Exception:  # noqa: BLE001 - cannot tell: do not punish the element
            return True

    def matches(self, description: str, screen_size: tuple[int, int] | None = None,
                limit: int = 5) -> list[A11yMatch]:
        """Ranked candidates with boxes in `screen_size` pixels (viewport pixels if None)."""
        viewport = self._viewport()
        sx = sy = 1.0
        if screen_size:
            sx, sy = screen_size[0] / viewport[0], screen_size[1] / viewport[1]
        q = parse_description(description)
        elements = self.ax_elements()

        def boxer(els: list[A11yElement]) -> list[A11yElement | None]:
            out: list[A11yElement | None] = []
            for i, e in enumerate(els):
                box = (e.box or self._box(e.ref, viewport)) if i < 400 else None
                out.append(replace(e, box=box) if box is not None else None)
            return out

        ruled = apply_rules(elements, description, screen_size=(int(viewport[0]), int(viewport[1])), boxer=boxer)
        if ruled is not None:
            return [self._scale(m, sx, sy) for m in ruled[:limit]]
        pre = rank(elements, q, screen_size=None, limit=self.candidates, need_box=False)
        boxed = [e for e in boxer([m.element for m in pre]) if e is not None]
        ranked = rank(boxed, q, screen_size=(int(viewport[0]), int(viewport[1])), limit=len(boxed))
        # Hit-test in ranking order: a covered element drops behind the uncovered ones.
        out: list[A11yMatch] = []
        covered: list[A11yMatch] = []
        for m in ranked:
            if len(out) >= limit:
                break
            cx, cy = m.point
            if self._hits(m.element.ref, cx + 0.5, cy + 0.5):
                out.append(m)
            else:
                covered.append(replace(m, confidence=round(m.confidence * 0.8, 4)))
        out += covered
        return [self._scale(m, sx, sy) for m in out[:limit]]

    @staticmethod
    def _scale(m: A11yMatch, sx: float, sy: float) -> A11yMatch:
        x, y, w, h = m.element.box  # type: ignore[misc]
        box = (round(x * sx), round(y * sy), max(1, round(w * sx)), max(1, round(h * sy)))
        at = None if m.at is None else (round(m.at[0] * sx), round(m.at[1] * sy))
        return replace(m, element=replace(m.element, box=box), at=at)

    def ground(self, screenshot_png: bytes, description: str,
               screen_size: tuple[int, int]) -> GroundingResult | None:
        best = self.matches(description, tuple(screen_size) if screen_size else None, limit=1)
        if not best or best[0].confidence < self.min_confidence:
            return None
        m = best[0]
        x, y = m.point
        return GroundingResult(x=x, y=y, confidence=m.confidence, grounder=self.name, raw=m.describe())
