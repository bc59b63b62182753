"""LibreOffice Impress metrics: slide properties read with python-pptx or from the
.pptx XML, Impress settings from registrymodifications.xcu, and the left panel
from the accessibility tree.

Written from the behaviour of OSWorld's `metrics/slides.py`.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
import zipfile
from math import sqrt
from typing import Any

from benchmarks.osworld.metrics import metric

log = logging.getLogger(__name__)

OOR = "{http://openoffice.org/2001/registry}"
PPTX_NS = {"a": "http://schemas.openxmlformats.org/drawingml/2006/main",
           "p": "http://schemas.openxmlformats.org/presentationml/2006/main"}
PICTURE = 13  # MSO_SHAPE_TYPE.PICTURE


def _presentation(path: str) -> Any:
    from pptx import Presentation
    return Presentation(path)


@metric
def check_presenter_console_disable(config_file_path: str | None) -> float:
    """Impress's Misc/Start EnablePresenterScreen is false."""
    if not config_file_path:
        return 0.0
    try:
        root = ET.parse(config_file_path).getroot()
    except (ET.ParseError, OSError) as exc:
        log.error("check_presenter_console_disable: %s", exc)
        return 0.0
    for prop in root.findall(".//item[@oor:path='/org.openoffice.Office.Impress/Misc/Start']"
                             "/prop[@oor:name='EnablePresenterScreen']", {"oor": OOR[1:-1]}):
        value = prop.find("value")
        return float(value is not None and (value.text or "").lower() == "false")
    return 0.0


@metric
def check_auto_saving_time(config_file_path: str | None, rules: dict[str, Any]) -> float:
    """Common/Save/Document AutoSaveTimeIntervall equals `minutes`."""
    if not config_file_path:
        return 0.0
    try:
        root = ET.parse(config_file_path).getroot()
    except (ET.ParseError, OSError) as exc:
        log.error("check_auto_saving_time: %s", exc)
        return 0.0  # upstream falls through to None: a failure
    minutes = None
    for item in root.findall(".//item"):
        if item.get(f"{OOR}path") == "/org.openoffice.Office.Common/Save/Document":
            for prop in item.findall(".//prop"):
                if prop.get(f"{OOR}name") == "AutoSaveTimeIntervall":
                    minutes = prop.find(".//value").text  # type: ignore[union-attr]
                    break
    return float(minutes is not None and int(minutes) == rules["minutes"])


@metric
def check_slide_orientation_Portrait(pptx_path: str | None) -> float:  # noqa: N802 - upstream's name
    if not pptx_path:
        return 0.0
    prs = _presentation(pptx_path)
    return float(prs.slide_width < prs.slide_height)


@metric
def check_image_stretch_and_center(modified_ppt: str | None, original_ppt: str | None) -> float:
    """On slide 1, the original's first picture now fills the slide (within half
    an inch of its size) and is centred (within half an inch)."""
    if not modified_ppt or not original_ppt:
        return 0.0
    from pptx.util import Inches
    original, modified = _presentation(original_ppt), _presentation(modified_ppt)
    pictures = [s for s in original.slides[0].shapes if s.shape_type == PICTURE]
    image = pictures[0]
    moved = None
    for shape in modified.slides[0].shapes:
        if shape.shape_type == PICTURE and shape.image.blob == image.image.blob:
            moved = shape  # the last match, as upstream
    if moved is None:
        return 0.0
    w, h, tol = original.slide_width, original.slide_height, Inches(0.5)
    return float(abs(moved.width - w) <= tol and abs(moved.height - h) <= tol
                 and abs(moved.left - (w - moved.width) / 2) <= tol
                 and abs(moved.top - (h - moved.height) / 2) <= tol)


def _fill_distance(slide: Any, rgb: list[int], original: list[int] | None) -> float:
    """Distance of the slide's solid background to `rgb`, over the RGB cube's
    diagonal; 1 when unchanged from `original` or not a solid fill."""
    fill = slide.background.fill
    if fill.type == 1:  # solid
        colour = fill.fore_color.rgb
    elif fill.type == 5:  # background: inherited from the master
        master = slide.slide_layout.slide_master.background.fill
        if master.type != 1:
            return 1.0
        colour = master.fore_color.rgb
    else:
        return 1.0
    r1, g1, b1 = colour
    if original is not None and [r1, g1, b1] == list(original):
        return 1.0
    r2, g2, b2 = rgb
    return sqrt((r1 - r2) ** 2 + (g1 - g2) ** 2 + (b1 - b2) ** 2) / sqrt(3 * 255 ** 2)


@metric
def evaluate_presentation_fill_to_rgb_distance(pptx_file: str | None, rules: dict[str, Any]) -> float:
    """1 minus the mean background distance of the slides to `rgb`."""
    if not pptx_file:
        return 0.0
    prs = _presentation(pptx_file)
    slides = list(prs.slides)
    if not slides:
        return 0.0
    return 1 - sum(_fill_distance(s, rules["rgb"], rules.get("original_rgb")) for s in slides) / len(slides)


@metric
def check_left_panel(accessibility_tree: str | None) -> float:
    """A split-pane at parent coordinate (0, 0) inside a root-pane's panel has a
    `visible` state: Impress's slide panel is shown."""
    if not accessibility_tree:
        return 0.0
    root = ET.fromstring(accessibility_tree)
    coord = "{uri:deskat:component.at-spi.gnome.org}parentcoord"
    visible = "{uri:deskat:state.at-spi.gnome.org}visible"
    for root_pane in root.iter("root-pane"):
        for panel in root_pane.iter("panel"):
            for split in panel.iter("split-pane"):
                if split.attrib.get(coord) == "(0, 0)" and split.attrib.get(visible):
                    return 1.0
    return 0.0


@metric
def check_transition(pptx_file: str | None, rules: dict[str, Any]) -> float:
    """Slide `slide_idx` (0-based) has a <p:transition> holding <p:`transition_type`>."""
    if not pptx_file:
        return 0.0
    name = f"ppt/slides/slide{rules['slide_idx'] + 1}.xml"
    with zipfile.ZipFile(pptx_file) as z:
        if name not in z.namelist():
            return 0.0
        root = ET.fromstring(z.read(name))
    transition = root.find(".//p:transition", PPTX_NS)
    if transition is None:
        return 0.0
    return float(transition.find(f".//p:{rules['transition_type']}", PPTX_NS) is not None)


def _channels(hex_rgb: str) -> tuple[int, int, int]:
    # Upstream slices [1:3], [3:5], [5:7], as if the value began with "#"; srgbClr
    # values do not, so its channels are shifted by one digit. Kept for parity.
    return int(hex_rgb[1:3], 16), int(hex_rgb[3:5], 16), int(hex_rgb[5:7] or "0", 16)


@metric
def check_page_number_colors(pptx_file: str | None, rules: dict[str, Any]) -> float:
    """The second-to-last solid sRGB colour of slide master 1 (where LibreOffice
    writes the slide-number field's colour) is red/blue/green/black."""
    if not pptx_file:
        return 0.0
    with zipfile.ZipFile(pptx_file) as z:
        root = ET.fromstring(z.read("ppt/slideMasters/slideMaster1.xml"))
    colours = root.findall(".//a:solidFill//a:srgbClr", PPTX_NS)
    value = colours[-2].get("val")
    if value is None:
        return 0.0
    r, g, b = _channels(value)
    t = 50
    checks = {"red": r > g + t and r > b + t, "blue": b > g + t and b > r + t,
              "green": g > r + t and g > b + t, "black": r < t and g < t and b < t}
    return float(checks.get(rules["color"], True))
