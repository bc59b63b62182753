"""Zoom-in refinement (grounding/zoom.py, ModelGrounder(zoom=...)): the window mapping, and
a Jedi grounder against a fake OpenAI-compatible server that answers the full screen and
the crop differently, so the refined point is the one used, mapped back to the screen."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image, ImageDraw

from grounding.factory import GrounderSpecError, make_grounder
from grounding.jedi import JediGrounder
from grounding.resize import model_size_for
from grounding.uitars import UITarsGrounder
from grounding.zoom import ZoomWindow, zoom_window


def click(x: float, y: float) -> str:
    call = {"name": "computer_use", "arguments": {"action": "left_click", "coordinate": [x, y]}}
    return f"<tool_call>\n{json.dumps(call)}\n</tool_call>"


def screen_with_marker(size: tuple[int, int], marker: tuple[int, int, int, int]) -> bytes:
    """A grey screenshot with one small red square (the small target) at `marker` (x0,y0,x1,y1)."""
    image = Image.new("RGB", size, (236, 236, 236))
    ImageDraw.Draw(image).rectangle(marker, fill=(220, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def to_model(grounder: JediGrounder, image_size: tuple[int, int], x: float, y: float) -> tuple[int, int]:
    """An image pixel -> the point in the resized image the model is shown."""
    mw, mh = model_size_for(image_size, grounder.factor, grounder.min_pixels, grounder.max_pixels)
    return round(x * mw / image_size[0]), round(y * mh / image_size[1])


# ---------------------------------------------------------------------- the mapping


def test_the_window_is_centred_on_the_point_and_clamped_inside_the_screenshot():
    assert zoom_window((1920, 1080), (1000, 500), 3) == ZoomWindow(680, 320, 640, 360, 3.0)
    assert zoom_window((1920, 1080), (1900, 20), 3) == ZoomWindow(1280, 0, 640, 360, 3.0)
    assert zoom_window((1920, 1080), (5, 1079), 4) == ZoomWindow(0, 810, 480, 270, 4.0)
    with pytest.raises(ValueError, match="more than 1"):
        zoom_window((1920, 1080), (0, 0), 1)


@pytest.mark.parametrize("point", [(1000, 500), (3, 3), (1919, 1079), (1500.5, 77.25)])
def test_a_crop_pixel_maps_back_to_the_screenshot_pixel_it_shows(point):
    window = zoom_window((1920, 1080), point, 3)
    crop_x = (point[0] - window.left) * window.scale
    crop_y = (point[1] - window.top) * window.scale
    assert window.to_image(crop_x, crop_y) == pytest.approx(point)


def test_the_crop_shows_the_window_enlarged():
    png = screen_with_marker((1920, 1080), (1020, 480, 1039, 495))
    window = zoom_window((1920, 1080), (1000, 500), 3)
    crop = window.crop(Image.open(io.BytesIO(png)).convert("RGB"))
    assert crop.size == (1920, 1080)
    # the marker's middle (1030, 488) sits at ((1030-680)*3, (488-320)*3) in the crop
    assert crop.getpixel(((1030 - 680) * 3, (488 - 320) * 3)) == (220, 0, 0)


# ---------------------------------------------------------------------- against a server


def test_the_refined_point_is_used_and_mapped_back(fake_server):
    png = screen_with_marker((1920, 1080), (1020, 480, 1039, 495))
    g = fake_server.keep(JediGrounder(fake_server.base_url, zoom=3))
    # Full screen: the model lands 30 px left of the marker (1000, 500).
    fake_server.answer(click(*to_model(g, (1920, 1080), 1000, 500)))
    # Crop (680,320 640x360, enlarged x3 to 1920x1080): it answers the marker's middle.
    fake_server.answer(click(*to_model(g, (1920, 1080), (1030 - 680) * 3, (488 - 320) * 3)))
    result = g.ground(png, "the small red square", (1920, 1080))
    assert len(fake_server.requests) == 2
    assert abs(result.x - 1030) <= 1 and abs(result.y - 488) <= 1
    assert "[zoom x3.00 on 640x360+680+320" in result.raw
    # The second request carried the crop: the marker is three times bigger in it.
    crop = fake_server.last_image().convert("RGB")
    mx, my = to_model(g, (1920, 1080), (1030 - 680) * 3, (488 - 320) * 3)
    assert crop.getpixel((mx, my)) == (220, 0, 0)
    red = int((np.asarray(crop) == (220, 0, 0)).all(axis=2).sum())
    assert red > 5 * 20 * 16  # 20x16 px on the screen, about 9x the area in the crop


def test_without_zoom_there_is_one_look(fake_server):
    png = screen_with_marker((1920, 1080), (1020, 480, 1039, 495))
    g = fake_server.keep(JediGrounder(fake_server.base_url))
    fake_server.answer(click(*to_model(g, (1920, 1080), 1000, 500)))
    result = g.ground(png, "the small red square", (1920, 1080))
    assert len(fake_server.requests) == 1 and abs(result.x - 1000) <= 1


def test_hidpi_and_a_second_monitor_map_to_logical_screen_pixels(fake_server):
    # A 1280x800 monitor right of a 1920-wide one, at scale 2: a 2560x1600 screenshot.
    png = screen_with_marker((2560, 1600), (1590, 790, 1609, 809))  # logical (800, 400)
    g = fake_server.keep(
        UITarsGrounder(fake_server.base_url, origin=(1920, 0), zoom=4, coordinates="relative")
    )
    fake_server.answer("Action: click(start_box='<|box_start|>(590,480)<|box_end|>')")  # 1000ths
    window = zoom_window((2560, 1600), (0.590 * 2560, 0.480 * 1600), 4)
    cx = (1600 - window.left) * window.scale / window.crop_size[0] * 1000
    cy = (800 - window.top) * window.scale / window.crop_size[1] * 1000
    fake_server.answer(f"Action: click(start_box='<|box_start|>({cx:.0f},{cy:.0f})<|box_end|>')")
    result = g.ground(png, "the red square", (1280, 800))
    assert (result.x, result.y) == (1920 + 800, 400)


def test_a_failed_second_look_keeps_the_first_answer(fake_server):
    png = screen_with_marker((1920, 1080), (1020, 480, 1039, 495))
    g = fake_server.keep(JediGrounder(fake_server.base_url, zoom=3))
    fake_server.answer(click(*to_model(g, (1920, 1080), 1000, 500)))
    fake_server.answer("I cannot see it")
    result = g.ground(png, "the small red square", (1920, 1080))
    assert abs(result.x - 1000) <= 1 and abs(result.y - 500) <= 1
    assert "[zoom failed:" in result.raw


def test_the_spec_suffix_turns_it_on():
    g = make_grounder("jedi@http://127.0.0.1:9/v1#zoom")
    assert g.zoom == 3.0 and g.client.base_url == "http://127.0.0.1:9/v1"
    assert make_grounder("uitars:ui-tars-1.5@http://127.0.0.1:9/v1#zoom=4").zoom == 4.0
    assert make_grounder("jedi@http://127.0.0.1:9/v1").zoom is None
    cascade = make_grounder("ocr+jedi@http://127.0.0.1:9/v1#zoom=2")
    assert cascade.tiers[-1][0].zoom == 2.0
    for bad, words in [
        ("jedi@http://x/v1#zoom=1", "above 1"),
        ("jedi@http://x/v1#zoom=x", "not a number"),
        ("ocr#zoom", "for model grounders"),
        ("jedi@http://x/v1#big", "unknown grounder option"),
    ]:
        with pytest.raises(GrounderSpecError, match=words):
            make_grounder(bad)
