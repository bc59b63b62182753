"""Accessibility grounding on a Playwright page, through CDP's full AX tree."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from grounding.a11y_rules import apply_rules
from grounding.a11y_tree import _TEXT_CHARS, A11yElement, A11yMatch, _float, best_result, clip_box, rank
from grounding.base import GroundingResult
from grounding.description import parse_description
from grounding.roles import INTERACTIVE_ROLES, role_key

# --------------------------------------------------------------------------- browser

_AX_SKIP = frozenset({"inlinetextbox", "linebreak", "none", "presentation"})
_CONTAINERS = frozenset(
    {
        "dialog",
        "alertdialog",
        "group",
        "form",
        "region",
        "navigation",
        "toolbar",
        "menu",
        "menubar",
        "tablist",
        "list",
        "rootwebarea",
        "webarea",
        "banner",
        "main",
        "complementary",
        "contentinfo",
        "search",
        "tabpanel",
    }
)
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
            chain: list[Any] = []
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
            out.append(
                A11yElement(
                    role=role,
                    name=name,
                    text=value if value != name else "",
                    box=None,
                    depth=depth,
                    context=context,
                    active=True,
                    interactive=rk in INTERACTIVE_ROLES or props.get("focusable") is True,
                    ref=backend,
                    description=described if described != name else "",
                    value=numbers,
                    orientation=str(props.get("orientation") or ""),
                )
            )
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
            res = self._send(
                "Runtime.callFunctionOn",
                {
                    "objectId": obj["objectId"],
                    "functionDeclaration": _JS_HITS,
                    "arguments": [{"value": x}, {"value": y}],
                    "returnByValue": True,
                },
            )
            self._send("Runtime.releaseObject", {"objectId": obj["objectId"]})
            return bool(res.get("result", {}).get("value"))
        except Exception:  # noqa: BLE001 - cannot tell: do not punish the element
            return True

    def matches(
        self, description: str, screen_size: tuple[int, int] | None = None, limit: int = 5
    ) -> list[A11yMatch]:
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

        ruled = apply_rules(
            elements, description, screen_size=(int(viewport[0]), int(viewport[1])), boxer=boxer
        )
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
        x, y, w, h = m.element.rect
        box = (round(x * sx), round(y * sy), max(1, round(w * sx)), max(1, round(h * sy)))
        at = None if m.at is None else (round(m.at[0] * sx), round(m.at[1] * sy))
        return replace(m, element=replace(m.element, box=box), at=at)

    def ground(
        self, screenshot_png: bytes, description: str, screen_size: tuple[int, int]
    ) -> GroundingResult | None:
        best = self.matches(description, (screen_size[0], screen_size[1]) if screen_size else None, limit=1)
        return best_result(best, self.min_confidence, self.name)
