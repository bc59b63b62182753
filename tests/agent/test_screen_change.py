"""agent/screen_change.py: the verdict "did the action change the screen" on the agent side."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from agent import screen_change
from envs.actions import ScreenChange, SettleReport


def png(caret_y: int | None = None, letters: str = "") -> bytes:
    image = Image.new("RGB", (320, 200), "white")
    draw = ImageDraw.Draw(image)
    draw.text((20, 20), "Hello" + letters, fill="black")
    if caret_y is not None:
        draw.line([(120, caret_y), (120, caret_y + 15)], fill="black", width=1)
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def test_the_servers_report_decides_when_there_is_one():
    report = SettleReport(
        stable=True, changed=True, seconds=0.2, frames=5, change=ScreenChange(pixels=0, masked_pixels=18)
    )
    assert screen_change.verdict(report, png(), png(letters="!")) is False
    moved = report.model_copy(update={"change": ScreenChange(pixels=17, boxes=[(120, 60, 1, 17)])})
    assert screen_change.verdict(moved, None, png()) is True
    # No report (OSWorld's server) and no earlier screenshot: unknown.
    assert screen_change.verdict(None, None, png()) is None


def test_without_a_report_the_screenshots_are_compared_with_the_caret_remembered():
    judge = screen_change.Judge()
    on, off = png(caret_y=60), png()
    assert judge(None, on, off) is False  # blinked off
    assert judge(None, off, on) is False  # blinked back on where it was seen
    assert judge(None, on, png(caret_y=80)) is True  # moved one line
    assert judge(None, png(caret_y=80), png(caret_y=80, letters="x")) is True  # a letter
    assert judge(None, b"not a png", on) is None
