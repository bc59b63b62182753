"""WindowsAgentArena's getters for the Clock and Paint inbox apps.

Clock: upstream reads the Clock app's UI Automation tree (in its VM server, or
from the `/accessibility` tree in later versions); we read the desktop's
accessibility tree too. A started timer is an element whose name holds the
duration ("3 hours 0 minutes 0 seconds", or a shorter form) with a "Timer running,
Pause" element inside it; a world clock is an element named after the city and
country. Both answer "True"/"False" strings, as upstream.

Paint: the postconfig saves the screen or the picture to a file; we read it and
look at its pixels here (a red, round blob; the image's size).
"""

from __future__ import annotations

import io
import logging
import re
from typing import Any

from lxml import etree

from benchmarks.osworld.getters.context import EvalContext
from benchmarks.osworld.getters.windows import read_bytes

__all__ = [
    "check_if_timer_started",
    "check_if_world_clock_exists",
    "duration_names",
    "image_dimension_matches_input",
    "is_red_circle_present_on_canvas",
    "red_circle_in",
]

log = logging.getLogger(__name__)

RUNNING = "Timer running, Pause"


def duration_names(hours: int, minutes: int, seconds: int) -> list[str]:
    """How the Clock app may name a timer of that length, longest first."""

    def part(n: int, unit: str) -> str:
        return f"{n} {unit}" + ("" if n == 1 else "s")

    h, m, s = part(hours, "hour"), part(minutes, "minute"), part(seconds, "second")
    names = [f"{h} {m} {s}"]
    if hours:
        names += [f"{h} {m}", h]
    if minutes:
        names += [f"{m} {s}", m]
    if seconds:
        names.append(s)
    return list(dict.fromkeys(names))


def _tree(ctx: EvalContext) -> etree._Element | None:
    try:
        text = ctx.desktop.accessibility_tree()  # type: ignore[attr-defined]  # optional route, as upstream's server
    except Exception as exc:  # noqa: BLE001 - no tree means nothing to find
        log.info("no accessibility tree: %s", exc)
        return None
    if not text:
        return None
    try:
        return etree.fromstring(text.encode("utf-8") if isinstance(text, str) else text)
    except etree.XMLSyntaxError as exc:
        log.warning("accessibility tree is not XML: %s", exc)
        return None


def _name(element: etree._Element) -> str:
    return str(element.get("name") or element.get("Name") or "")


def check_if_timer_started(ctx: EvalContext, spec: dict[str, Any]) -> str:
    """ "True" when a Clock timer of `hours`:`minutes`:`seconds` is running."""
    names = duration_names(int(spec["hours"]), int(spec["minutes"]), int(spec["seconds"]))
    patterns = [re.compile(rf"\b{re.escape(n)}\b") for n in names]
    root = _tree(ctx)
    if root is None:
        return "False"
    for element in root.iter():
        if any(p.search(_name(element)) for p in patterns) and any(
            _name(inner) == RUNNING for inner in element.iter()
        ):
            return "True"
    return "False"


def check_if_world_clock_exists(ctx: EvalContext, spec: dict[str, Any]) -> str:
    """ "True" when the Clock app lists a world clock for `city`, `country`."""
    city, country = str(spec["city"]).lower(), str(spec["country"]).lower()
    root = _tree(ctx)
    if root is None:
        return "False"
    for element in root.iter():
        name = _name(element).lower()
        if re.search(rf"\b{re.escape(city)}\b", name) and re.search(rf"\b{re.escape(country)}\b", name):
            return "True"
    return "False"


def red_circle_in(data: bytes, min_diameter: int = 10) -> bool:
    """Whether the picture holds a red round shape: the largest patch of clearly red
    pixels has a nearly square bounding box and covers it like a disc or a ring
    (not a filled rectangle, not a line)."""
    import numpy as np
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        rgb = np.asarray(image.convert("RGB")).astype(int)
    red = (rgb[..., 0] > 180) & (rgb[..., 1] < 80) & (rgb[..., 2] < 80)
    ys, xs = np.nonzero(red)
    if len(xs) == 0:
        return False
    height, width = ys.max() - ys.min() + 1, xs.max() - xs.min() + 1
    if min(width, height) < min_diameter or not 0.75 <= width / height <= 1.33:
        return False
    box = red[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    # A disc fills ~pi/4 of its box, a ring less; the corners stay empty either way.
    corner = max(1, min(width, height) // 8)
    corners = (
        box[:corner, :corner].mean()
        + box[:corner, -corner:].mean()
        + box[-corner:, :corner].mean()
        + box[-corner:, -corner:].mean()
    )
    return bool(box.mean() <= 0.85 and corners / 4 < 0.2)


def is_red_circle_present_on_canvas(ctx: EvalContext, spec: dict[str, Any]) -> bool:
    """Whether the screenshot at `filepath` shows a red circle."""
    data = read_bytes(ctx, spec["filepath"])
    return data is not None and red_circle_in(data)


def image_dimension_matches_input(ctx: EvalContext, spec: dict[str, Any]) -> bool:
    """Whether the picture at `filepath` is `width` x `height` pixels."""
    from PIL import Image

    data = read_bytes(ctx, spec["filepath"])
    if data is None:
        return False
    with Image.open(io.BytesIO(data)) as image:
        return image.size == (int(spec["width"]), int(spec["height"]))
