"""WindowsAgentArena's Clock and Paint getters against the stand-in Windows VM: the
Clock app's UI Automation tree as the VM's /accessibility route serves it, and
pictures saved by the tasks' postconfig."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from benchmarks.osworld.getters import GETTERS, EvalContext
from benchmarks.osworld.getters.windows_apps import duration_names
from tests.benchmarks.osworld.conftest import clock_tree


def run(vm, name, spec, tmp_path):
    return GETTERS[name](EvalContext(vm, tmp_path), spec)


def test_duration_names():
    assert duration_names(3, 0, 0) == ["3 hours 0 minutes 0 seconds", "3 hours 0 minutes", "3 hours"]
    assert duration_names(0, 1, 30) == [
        "0 hours 1 minute 30 seconds",
        "1 minute 30 seconds",
        "1 minute",
        "30 seconds",
    ]


def test_check_if_timer_started(windows, tmp_path):
    spec = {"hours": 3, "minutes": 0, "seconds": 0}
    running = windows(a11y=clock_tree([("Timer (1), 3 hours", True)]))
    assert run(running, "check_if_timer_started", spec, tmp_path) == "True"
    paused = windows(a11y=clock_tree([("Timer (1), 3 hours", False)]))
    assert run(paused, "check_if_timer_started", spec, tmp_path) == "False"
    other = windows(a11y=clock_tree([("Timer (1), 13 hours", True), ("Timer (2), 30 minutes", True)]))
    assert run(other, "check_if_timer_started", spec, tmp_path) == "False"
    assert run(windows(a11y=""), "check_if_timer_started", spec, tmp_path) == "False"
    assert run(windows(a11y="<broken"), "check_if_timer_started", spec, tmp_path) == "False"


def test_check_if_world_clock_exists(windows, tmp_path):
    spec = {"city": "Kyoto", "country": "Japan"}
    listed = windows(a11y=clock_tree(clocks=["Local time, 9:41 AM", "Kyoto, Japan, 2:41 AM, 17 hours ahead"]))
    assert run(listed, "check_if_world_clock_exists", spec, tmp_path) == "True"
    tokyo = windows(a11y=clock_tree(clocks=["Tokyo, Japan, 2:41 AM, 17 hours ahead"]))
    assert run(tokyo, "check_if_world_clock_exists", spec, tmp_path) == "False"


def picture(draw=None, size=(800, 600)) -> bytes:
    image = Image.new("RGB", size, "white")
    if draw:
        draw(ImageDraw.Draw(image))
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


SHOT = "C:\\Users\\Docker\\Downloads\\Screenshot.png"


def test_is_red_circle_present_on_canvas(windows, tmp_path):
    spec = {"filepath": SHOT}

    def check(draw):
        return run(windows(files={SHOT: picture(draw)}), "is_red_circle_present_on_canvas", spec, tmp_path)

    assert check(lambda d: d.ellipse((200, 150, 400, 350), outline=(255, 0, 0), width=5)) is True
    assert check(lambda d: d.ellipse((200, 150, 400, 350), fill=(237, 28, 36))) is True  # Paint's red
    assert check(lambda d: d.ellipse((200, 150, 400, 350), outline=(0, 0, 255), width=5)) is False
    assert check(lambda d: d.rectangle((200, 150, 400, 350), fill=(255, 0, 0))) is False
    assert check(lambda d: d.line((100, 100, 700, 110), fill=(255, 0, 0), width=4)) is False
    assert check(None) is False
    assert run(windows(), "is_red_circle_present_on_canvas", spec, tmp_path) is False


def test_image_dimension_matches_input(windows, tmp_path):
    path = "C:\\Users\\Docker\\Downloads\\CanvasSize.png"
    spec = {"filepath": path, "width": "800", "height": "600"}
    assert run(windows(files={path: picture()}), "image_dimension_matches_input", spec, tmp_path) is True
    small = picture(size=(1024, 768))
    assert run(windows(files={path: small}), "image_dimension_matches_input", spec, tmp_path) is False
    assert run(windows(), "image_dimension_matches_input", spec, tmp_path) is False
