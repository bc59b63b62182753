"""The WindowsAgentArena metrics: Edge's font size and Desktop shortcuts, Chrome's
enabled flags, highlighted text in .docx files, VLC's video auto-resize: a right
and a wrong answer each."""

from __future__ import annotations

import pytest
from docx import Document
from docx.enum.text import WD_COLOR_INDEX

from benchmarks.osworld.metrics import METRICS


def test_check_edge_font_size():
    check = METRICS["check_edge_font_size"]
    rule = {"type": "range", "min": 24, "max": 99999}
    assert check({"default_font_size": 24}, rule) == 1.0  # Edge's range includes its minimum
    assert check({"default_font_size": 16, "default_fixed_font_size": 13}, rule) == 0.0
    assert check({"default_font_size": 20}, {"type": "value", "value": 20}) == 1.0
    assert check(None, rule) == 0.0
    with pytest.raises(TypeError):
        check({"default_font_size": 20}, {"type": "size"})


def test_is_url_shortcut_on_desktop():
    check = METRICS["is_url_shortcut_on_desktop"]
    rule = {"type": "url", "url_content": "https://www.mathsisfun.com/games/2048.html"}
    shortcut = "[InternetShortcut]\r\nURL=https://www.mathsisfun.com/games/2048.html\r\n"
    assert check({"2048.url": shortcut}, rule) == 1.0
    assert check({"other.url": "[InternetShortcut]\r\nURL=https://example.com/\r\n"}, rule) == 0.0
    assert check({}, rule) == 0.0


def test_check_enabled_experiments():
    check = METRICS["check_enabled_experiments"]
    rule = {"type": "names", "names": ["show-performance-metrics-hud"]}
    assert check(["show-performance-metrics-hud@1"], rule) == 1.0
    assert check(["show-performance-metrics-hud@1", "smooth-scrolling@2"], rule) == 0.0
    assert check([], rule) == 0.0


def _highlighted(path, runs):
    doc = Document()
    paragraph = doc.add_paragraph()
    for text, colour in runs:
        paragraph.add_run(text).font.highlight_color = colour
    doc.save(path)
    return str(path)


def test_compare_highlighted_text(tmp_path):
    check = METRICS["compare_highlighted_text"]
    gold = _highlighted(
        tmp_path / "gold.docx", [("Read the abstract ", WD_COLOR_INDEX.YELLOW), ("first.", None)]
    )
    same = _highlighted(
        tmp_path / "same.docx", [("Read the abstract ", WD_COLOR_INDEX.YELLOW), ("first.", None)]
    )
    other = _highlighted(
        tmp_path / "other.docx", [("Read the abstract ", None), ("first.", WD_COLOR_INDEX.YELLOW)]
    )
    assert check(same, gold) == 1.0
    assert check(other, gold) == 0.0
    assert check(None, gold) == 0.0


VLCRC = "[qt] # Qt interface\n# Resize interface to the native video size (boolean)\n{line}\n"


def test_check_qt_video_resize(tmp_path):
    check = METRICS["check_qt_video_resize"]
    off, default = tmp_path / "off", tmp_path / "default"
    off.write_text(VLCRC.format(line="qt-video-autoresize=0"))
    default.write_text(VLCRC.format(line="#qt-video-autoresize=1"))
    assert check(str(off), {"qt-video-autoresize": 0}) == 1.0
    assert check(str(default), {"qt-video-autoresize": 0}) == 0.0
    assert check(None, {"qt-video-autoresize": 0}) == 0.0
