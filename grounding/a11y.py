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
import threading
from dataclasses import dataclass, field, replace
from collections.abc import Callable, Iterable
from typing import Any

from lxml import etree

from grounding.base import GroundingResult
from grounding.text_match import (INTERACTIVE_ROLES, TEXT_AREA_ROLES, TEXT_FIELD_ROLES, Query,
                                  parse_description, role_key, similarity)

__all__ = ["A11yElement", "A11yMatch", "A11yGrounder", "BrowserA11yGrounder",
           "parse_osworld_tree", "rank"]

_ST = "{https://accessibility.ubuntu.example.org/ns/state}"
_CP = "{https://accessibility.ubuntu.example.org/ns/component}"
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

    @property
    def point(self) -> tuple[int, int]:
        c = self.element.centre
        assert c is not None
        return c

    def describe(self) -> str:
        e = self.element
        return json.dumps({"role": e.role, "name": e.name[:80], "box": e.box,
                           "confidence": round(self.confidence, 3)}, ensure_ascii=False)


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
        out.append(A11yElement(
            role=role, name=(attrib.get("name") or "").strip(),
            text=(node.text or "").strip()[:_TEXT_CHARS], box=box, depth=depth,
            context=" ".join(reversed(context)), active=active,
            interactive=rk in INTERACTIVE_ROLES or attrib.get(focusable_key) == "true", lines=lines))
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
        return rank(self.elements(screen_size, xml), description, screen_size=screen_size, limit=limit)

    def ground(self, screenshot_png: bytes, description: str,
               screen_size: tuple[int, int]) -> GroundingResult | None:
        best = self.matches(description, tuple(screen_size) if screen_size else None, limit=1)
        if not best or best[0].confidence < self.min_confidence:
            return None
        m = best[0]
        x, y = m.point
        return GroundingResult(x=x, y=y, confidence=m.confidence, grounder=self.name, raw=m.describe())


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
            out.append(A11yElement(
                role=role, name=name, text=value if value != name else "", box=None, depth=depth,
                context=context, active=True,
                interactive=rk in INTERACTIVE_ROLES or props.get("focusable") is True,
                ref=backend))
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
        pre = rank(self.ax_elements(), q, screen_size=None, limit=self.candidates, need_box=False)
        boxed: list[A11yElement] = []
        for m in pre:
            box = self._box(m.element.ref, viewport)
            if box is not None:
                boxed.append(replace(m.element, box=box))
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
        scaled = []
        for m in out[:limit]:
            x, y, w, h = m.element.box  # type: ignore[misc]
            box = (round(x * sx), round(y * sy), max(1, round(w * sx)), max(1, round(h * sy)))
            scaled.append(replace(m, element=replace(m.element, box=box)))
        return scaled

    def ground(self, screenshot_png: bytes, description: str,
               screen_size: tuple[int, int]) -> GroundingResult | None:
        best = self.matches(description, tuple(screen_size) if screen_size else None, limit=1)
        if not best or best[0].confidence < self.min_confidence:
            return None
        m = best[0]
        x, y = m.point
        return GroundingResult(x=x, y=y, confidence=m.confidence, grounder=self.name, raw=m.describe())
