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

import threading
from collections.abc import Callable

from grounding.a11y_browser import BrowserA11yGrounder
from grounding.a11y_rules import apply_rules
from grounding.a11y_shift import corrected, needs_shift
from grounding.a11y_tree import (
    A11yElement,
    A11yMatch,
    best_result,
    parse_osworld_tree,
    rank,
)
from grounding.base import GroundingResult

__all__ = [
    "A11yElement",
    "A11yGrounder",
    "A11yMatch",
    "BrowserA11yGrounder",
    "apply_rules",
    "parse_osworld_tree",
    "rank",
]


class A11yGrounder:
    """Grounds descriptions on the desktop's accessibility tree (OSWorld-shaped XML).

    `tree_source` returns the XML (e.g. `DesktopClient.accessibility_tree`); it is
    called once per `ground`. The screenshot is not used."""

    name = "a11y"

    def __init__(
        self, tree_source: Callable[[], str], min_confidence: float = 0.65, check_boxes: bool = True
    ) -> None:
        self.tree_source = tree_source
        self.min_confidence = min_confidence
        self.check_boxes = check_boxes  # undo LibreOffice's shifted extents with OCR of the screenshot
        self._shifted: tuple[tuple[int, int], list[A11yElement]] | None = None
        self._lock = threading.Lock()
        self._cache: tuple[int, tuple[int, int] | None, list[A11yElement]] | None = None

    def elements(
        self, screen_size: tuple[int, int] | None = None, xml: str | None = None
    ) -> list[A11yElement]:
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

    def matches(
        self,
        description: str,
        screen_size: tuple[int, int] | None = None,
        *,
        xml: str | None = None,
        limit: int = 5,
    ) -> list[A11yMatch]:
        """Ranked candidates (for logs, tests and cascades that want more than one)."""
        elements = self.elements(screen_size, xml)
        ruled = apply_rules(elements, description, screen_size=screen_size)
        if ruled is not None:
            return ruled[:limit]
        return rank(elements, description, screen_size=screen_size, limit=limit)

    def ground(
        self, screenshot_png: bytes, description: str, screen_size: tuple[int, int]
    ) -> GroundingResult | None:
        size = (screen_size[0], screen_size[1]) if screen_size else None
        xml = self.tree_source()
        elements = self.elements(size, xml)
        if self.check_boxes and screenshot_png and needs_shift(elements):
            elements = self._checked(elements, screenshot_png, size)
        ruled = apply_rules(elements, description, screen_size=size)
        best = ruled[:1] if ruled is not None else rank(elements, description, screen_size=size, limit=1)
        return best_result(best, self.min_confidence, self.name)

    def _checked(
        self, elements: list[A11yElement], png: bytes, size: tuple[int, int] | None
    ) -> list[A11yElement]:
        """LibreOffice's elements moved to where the screenshot shows them (a11y_shift.py);
        the OCR words are the OCR grounder's cached ones when a cascade runs both."""
        key = (id(elements), hash(png))
        if self._shifted is not None and self._shifted[0] == key:
            return self._shifted[1]
        from grounding.ocr import OcrGrounder, OcrUnavailable

        try:
            words = OcrGrounder().words(png)[0]
        except (OcrUnavailable, OSError, RuntimeError):
            return elements
        fixed = corrected(elements, words, size)
        self._shifted = (key, fixed)
        return fixed
