"""Impress metrics on .pptx files python-pptx builds, LibreOffice settings files and
an accessibility tree: a right and a wrong answer each."""

from __future__ import annotations

import copy
import zipfile
from pathlib import Path

import numpy as np
import pytest
from lxml import etree
from PIL import Image
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.util import Inches, Pt

from benchmarks.osworld.metrics import METRICS


def _pptx(path, title, bold=False, left=1):
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    box = slide.shapes.add_textbox(Inches(left), Inches(1), Inches(4), Inches(1))
    run = box.text_frame.paragraphs[0].add_run()
    run.text = title
    run.font.bold = bold
    run.font.size = Pt(20)
    prs.save(path)
    return str(path)


def test_compare_pptx_files(tmp_path):
    gold = _pptx(tmp_path / "gold.pptx", "Quarterly report", bold=True)
    right = _pptx(tmp_path / "right.pptx", "Quarterly report", bold=True)
    not_bold = _pptx(tmp_path / "plain.pptx", "Quarterly report")
    moved = _pptx(tmp_path / "moved.pptx", "Quarterly report", bold=True, left=2)
    wrong = _pptx(tmp_path / "wrong.pptx", "Annual report", bold=True)
    f = METRICS["compare_pptx_files"]
    assert f(right, gold) == 1.0
    assert f(not_bold, gold) == 0.0 and f(not_bold, gold, examine_font_bold=False) == 1.0
    assert f(moved, gold) == 0.0 and f(moved, gold, examine_shape=False) == 1.0
    assert f(wrong, gold) == 0.0
    assert f(None, gold) == 0.0


XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema">
<item oor:path="/org.openoffice.Office.Impress/Misc/Start"><prop oor:name="EnablePresenterScreen" oor:op="fuse"><value>{presenter}</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Save/Document"><prop oor:name="AutoSaveTimeIntervall" oor:op="fuse"><value>{minutes}</value></prop></item>
</oor:items>
"""


def _xcu(tmp_path: Path, name: str, presenter: str, minutes: int) -> str:
    path = tmp_path / name
    path.write_text(XCU.format(presenter=presenter, minutes=minutes))
    return str(path)


def test_settings_metrics(tmp_path):
    off = _xcu(tmp_path, "a.xcu", "false", 3)
    on = _xcu(tmp_path, "b.xcu", "true", 10)
    assert METRICS["check_presenter_console_disable"](off) == 1.0
    assert METRICS["check_presenter_console_disable"](on) == 0.0
    assert METRICS["check_auto_saving_time"](off, {"minutes": 3}) == 1.0
    assert METRICS["check_auto_saving_time"](on, {"minutes": 3}) == 0.0
    assert METRICS["check_presenter_console_disable"](None) == 0.0


def _deck(path: Path, width=Inches(10), height=Inches(7.5), slides: int = 2, fill=None) -> str:
    prs = Presentation()
    prs.slide_width, prs.slide_height = width, height
    for _ in range(slides):
        slide = prs.slides.add_slide(prs.slide_layouts[6])
        if fill is not None:
            slide.background.fill.solid()
            slide.background.fill.fore_color.rgb = RGBColor(*fill)
    prs.save(path)
    return str(path)


def test_orientation_and_fill(tmp_path):
    f = METRICS["check_slide_orientation_Portrait"]
    assert f(_deck(tmp_path / "p.pptx", Inches(7.5), Inches(10))) == 1.0
    assert f(_deck(tmp_path / "l.pptx")) == 0.0
    g = METRICS["evaluate_presentation_fill_to_rgb_distance"]
    rules = {"rgb": [0, 0, 255], "original_rgb": [255, 255, 255]}
    assert g(_deck(tmp_path / "blue.pptx", fill=(0, 0, 255)), rules) == pytest.approx(1.0)
    assert g(_deck(tmp_path / "white.pptx", fill=(255, 255, 255)), rules) == pytest.approx(0.0)
    navy = g(_deck(tmp_path / "navy.pptx", fill=(0, 0, 128)), rules)
    assert 0.7 < navy < 0.8


def test_image_stretch_and_center(tmp_path):
    png = tmp_path / "pic.png"
    Image.fromarray(np.full((20, 30, 3), 90, np.uint8)).save(png)

    def deck(name, left, top, width, height):
        prs = Presentation()
        slide = prs.slides.add_slide(prs.slide_layouts[6])
        slide.shapes.add_picture(str(png), left, top, width, height)
        prs.save(tmp_path / name)
        return str(tmp_path / name)

    original = deck("orig.pptx", Inches(1), Inches(1), Inches(3), Inches(2))
    stretched = deck(
        "full.pptx", 0, 0, Presentation(original).slide_width, Presentation(original).slide_height
    )
    f = METRICS["check_image_stretch_and_center"]
    assert f(stretched, original) == 1.0
    assert f(original, original) == 0.0


def test_transition(tmp_path):
    plain = _deck(tmp_path / "plain.pptx")
    prs = Presentation(plain)
    ns = "http://schemas.openxmlformats.org/presentationml/2006/main"
    transition = etree.SubElement(prs.slides[0]._element, f"{{{ns}}}transition")
    etree.SubElement(transition, f"{{{ns}}}dissolve")
    prs.save(tmp_path / "dissolve.pptx")
    f = METRICS["check_transition"]
    rules = {"slide_idx": 0, "transition_type": "dissolve"}
    assert f(str(tmp_path / "dissolve.pptx"), rules) == 1.0
    assert f(plain, rules) == 0.0
    assert f(str(tmp_path / "dissolve.pptx"), {"slide_idx": 5, "transition_type": "dissolve"}) == 0.0


def _with_master_colours(src: str, dest: Path, number_colour: str) -> str:
    """A copy of the deck whose slide master ends with LibreOffice's field colours."""
    a = "http://schemas.openxmlformats.org/drawingml/2006/main"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "ppt/slideMasters/slideMaster1.xml":
                root = etree.fromstring(data)
                holder = etree.SubElement(root, "extra")
                for val in (number_colour, "000000"):  # the field colour, then one more
                    fill = etree.SubElement(holder, f"{{{a}}}solidFill")
                    etree.SubElement(fill, f"{{{a}}}srgbClr", val=val)
                data = etree.tostring(copy.deepcopy(root), xml_declaration=True, encoding="UTF-8")
            zout.writestr(item, data)
    return str(dest)


def test_page_number_colors(tmp_path):
    base = _deck(tmp_path / "base.pptx")
    f = METRICS["check_page_number_colors"]
    assert f(_with_master_colours(base, tmp_path / "red.pptx", "FF0000"), {"color": "red"}) == 1.0
    assert f(_with_master_colours(base, tmp_path / "grey.pptx", "808080"), {"color": "red"}) == 0.0


def test_left_panel():
    tree = (
        '<desktop-frame xmlns:st="uri:deskat:state.at-spi.gnome.org" '
        'xmlns:cp="uri:deskat:component.at-spi.gnome.org"><frame><root-pane><panel>'
        '<split-pane cp:parentcoord="{coord}" st:visible="true"/></panel></root-pane></frame></desktop-frame>'
    )
    f = METRICS["check_left_panel"]
    assert f(tree.format(coord="(0, 0)")) == 1.0
    assert f(tree.format(coord="(300, 0)")) == 0.0
    assert f(None) == 0.0
