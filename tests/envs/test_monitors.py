"""A control server restricted to one monitor, on a real two-monitor Xvfb display
(tests/envs/conftest.py), and the coordinate mapping behind it."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time

import httpx
import pytest
from PIL import Image

from envs.actions import Click, Drag, MouseDown, MoveTo, Scroll, SettleSpec, TypeText
from envs.client import DesktopError
from envs.server.monitors import Monitor, MonitorError, choose_monitor, list_monitors
from envs.server.view import OutsideMonitor, ScreenView
from envs.this_screen import ThisScreen

RED, BLUE, GREEN = (220, 30, 30), (30, 60, 220), (30, 200, 60)


def near(pixel, rgb, tol=12):
    return all(abs(int(p) - c) <= tol for p, c in zip(pixel[:3], rgb))


def shot(client) -> Image.Image:
    return Image.open(io.BytesIO(client.screenshot())).convert("RGB")


@pytest.fixture(scope="module")
def right(two_monitors):
    """A server restricted to monitor 1 ("right")."""
    with ThisScreen(monitor=1, display=two_monitors.display, scale=1) as screen, screen.client() as c:
        yield c


@pytest.fixture(scope="module")
def right_2x(two_monitors):
    """Monitor 1 seen as a HiDPI monitor at scale 2: 512x384 logical pixels."""
    with ThisScreen(monitor="right", display=two_monitors.display, scale=2) as screen, screen.client() as c:
        yield c


# --- discovery -------------------------------------------------------------------------------
def test_list_monitors_reports_both_randr_monitors(two_monitors):
    monitors = list_monitors(two_monitors.display, scale=1)
    assert [(m.index, m.name, m.x, m.y, m.width, m.height, m.primary) for m in monitors] == [
        (0, "left", 0, 0, 1024, 768, True),
        (1, "right", 1024, 0, 1024, 768, False),
    ]


def test_choose_by_index_name_or_primary_and_a_clear_error(two_monitors):
    d = two_monitors.display
    assert choose_monitor(1, d).name == "right"
    assert choose_monitor("left", d).index == 0
    assert choose_monitor(None, d).name == "left"  # the primary one
    with pytest.raises(MonitorError, match=r"no monitor '3'.*0: left 1024x768\+0\+0.*1: right"):
        choose_monitor(3, d)


def test_no_display_is_a_clear_error():
    with pytest.raises(MonitorError, match="cannot open X display :999"):
        list_monitors(":999")


def test_server_refuses_to_start_on_a_missing_monitor(two_monitors):
    proc = subprocess.run(
        [sys.executable, "-m", "envs.server", "--port", "0", "--monitor", "7"],
        env=two_monitors.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "no monitor '7'" in proc.stderr and "1: right" in proc.stderr


# --- screenshots and sizes ------------------------------------------------------------------
def test_screenshot_shows_only_the_chosen_monitor(two_monitors, right):
    two_monitors.move_pointer(10, 10)  # on the left monitor: no cursor in the picture
    image = shot(right)
    assert image.size == (1024, 768) and right.screen_size() == (1024, 768)
    assert near(image.getpixel((50, 50)), BLUE)
    assert near(image.getpixel((150, 150)), GREEN)  # the square, in the monitor's coordinates
    colours = image.getcolors(maxcolors=1 << 16)
    assert colours is not None and not any(near(rgb, RED) for _, rgb in colours)


def test_the_cursor_is_drawn_where_it_is_on_the_monitor(two_monitors, right):
    def blue_around(image, x, y):
        return all(
            near(image.getpixel((i, j)), BLUE) for i in range(x - 12, x + 13) for j in range(y - 12, y + 13)
        )

    two_monitors.move_pointer(1024 + 500, 300)
    assert not blue_around(shot(right), 500, 300)
    two_monitors.move_pointer(500, 300)  # the same spot on the other monitor
    assert blue_around(shot(right), 500, 300)


def test_health_names_the_monitor(right):
    health = right.health()
    assert health["screen"] == {"width": 1024, "height": 768}
    assert health["monitor"]["name"] == "right" and health["scale"] == 1.0


def test_server_without_a_monitor_is_unchanged(two_monitors, tmp_path):
    ready = tmp_path / "ready.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "envs.server", "--port", "0", "--ready-file", str(ready)],
        env=two_monitors.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        url = f"http://127.0.0.1:{json.loads(ready.read_text())['port']}"
        image = Image.open(io.BytesIO(httpx.get(f"{url}/screenshot", timeout=30).content)).convert("RGB")
        assert image.size == (2048, 768)
        assert near(image.getpixel((500, 500)), RED) and near(image.getpixel((1500, 500)), BLUE)
        assert httpx.get(f"{url}/health", timeout=10).json().get("monitor") is None
        two_monitors.move_pointer(1030, 40)
        assert httpx.get(f"{url}/cursor_position", timeout=10).json() == [1030, 40]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# --- acting ----------------------------------------------------------------------------------
def test_a_click_lands_on_the_chosen_monitor(two_monitors, right):
    mark = len(two_monitors.clicks)
    right.act([Click(x=300, y=400)])
    assert two_monitors.clicks_after(mark) == [(1324, 400, 1)]
    assert two_monitors.pointer() == (1324, 400)
    assert right.cursor_position() == (300, 400)


def test_clicks_outside_the_monitor_are_refused_and_nothing_runs(two_monitors, right):
    mark = len(two_monitors.clicks)
    for batch in (
        [Click(x=1024, y=10)],
        [Click(x=10, y=768)],
        [Click(x=5, y=5), Click(x=1500, y=5)],  # the first must not run either
        [Drag(x1=10, y1=10, x2=1100, y2=10)],
    ):
        with pytest.raises(DesktopError) as err:
            right.act(batch)
        assert err.value.status == 422 and "outside monitor 1 (right)" in str(err.value)
    time.sleep(0.3)
    assert two_monitors.clicks[mark:] == []


def test_pointer_actions_without_a_point_are_refused_off_the_monitor(two_monitors, right):
    two_monitors.move_pointer(500, 500)  # on the left monitor
    mark = len(two_monitors.clicks)
    with pytest.raises(DesktopError, match="pointer, which is outside monitor 1"):
        right.act([Scroll(clicks=-2)])
    with pytest.raises(DesktopError, match="outside monitor 1"):
        right.act([MouseDown()])
    right.act([MoveTo(x=20, y=20), Scroll(clicks=-1)])  # once it is there, it works
    assert two_monitors.clicks_after(mark) == [(1044, 20, 5)]


def test_cursor_off_the_monitor_reads_outside_its_size(two_monitors, right):
    two_monitors.move_pointer(10, 10)
    assert right.cursor_position() == (-1014, 10)


def test_settle_watches_the_chosen_monitor(right):
    result = right.act([MoveTo(x=1, y=1)], settle=SettleSpec(quiet=0.05, timeout=2))
    assert result.settle is not None and result.settle.stable


def test_keyboard_actions_are_not_restricted(right):
    right.act([TypeText(text="x")])  # keys go to the focused window, wherever it is


def test_recording_covers_the_chosen_monitor(two_monitors, right, tmp_path):
    import shutil

    if not shutil.which("ffmpeg"):
        pytest.skip("ffmpeg is not installed")
    two_monitors.move_pointer(10, 10)
    right.start_recording()
    time.sleep(1.0)
    video = tmp_path / "monitor.mp4"
    video.write_bytes(right.end_recording())
    frame = tmp_path / "frame.png"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-i", str(video), "-frames:v", "1", str(frame)],
        check=True,
        timeout=60,
    )
    image = Image.open(frame).convert("RGB")
    assert image.size == (1024, 768)
    assert near(image.getpixel((50, 50)), BLUE, tol=30)  # video compression: a looser match
    assert near(image.getpixel((150, 150)), GREEN, tol=30)


# --- HiDPI -----------------------------------------------------------------------------------
def test_scale_two_halves_the_screen_and_doubles_the_points(two_monitors, right_2x):
    assert right_2x.screen_size() == (512, 384)
    two_monitors.move_pointer(10, 10)
    image = shot(right_2x)
    assert image.size == (512, 384)
    assert near(image.getpixel((75, 75)), GREEN) and near(image.getpixel((20, 20)), BLUE)
    mark = len(two_monitors.clicks)
    right_2x.act([Click(x=10, y=10)])
    assert two_monitors.clicks_after(mark) == [(1024 + 21, 21, 1)]  # the logical pixel's centre
    assert right_2x.cursor_position() == (10, 10)
    with pytest.raises(DesktopError, match=r"outside .* \(511, 383\)"):
        right_2x.act([Click(x=600, y=10)])


# --- the mapping alone -----------------------------------------------------------------------
def test_view_maps_points_both_ways_and_refuses_outside():
    view = ScreenView.of(Monitor(index=1, name="DP-2", x=1920, y=0, width=3840, height=2160, scale=2))
    assert view.size == (1920, 1080)
    assert view.to_screen(0, 0) == (1921, 1)
    assert view.to_screen(1919, 1079) == (1920 + 3839, 2159)
    assert view.from_screen(1921, 1) == (0, 0)
    for x, y in ((-1, 0), (1920, 0), (0, 1080)):
        with pytest.raises(OutsideMonitor):
            view.to_screen(x, y)
    assert view.map_action(Drag(x1=0, y1=0, x2=10, y2=10)) == Drag(x1=1921, y1=1, x2=1941, y2=21)
    assert view.map_action(TypeText(text="a")) == TypeText(text="a")


def test_view_maps_accessibility_boxes_and_drops_those_off_the_monitor():
    view = ScreenView(1024, 0, 1024, 768, scale=2)
    assert view.box_from_screen(1124, 100, 200, 50) == (50, 50, 100, 25)
    assert view.box_from_screen(1000, 10, 50, 50) == (-12, 5, 25, 25)  # straddles the edge
    assert view.box_from_screen(10, 10, 100, 100) is None  # wholly on the other one


def test_fractional_scale_rounds_to_whole_pixels():
    view = ScreenView(0, 0, 2560, 1440, scale=1.25)
    assert view.size == (2048, 1152)
    assert view.to_screen(2047, 1151) == (2559, 1439)


# --- accessibility ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def mousepad_on_the_right(two_monitors, tmp_path_factory):
    """mousepad, with a session bus for AT-SPI, its window moved to (1124, 50): (100, 50)
    on the right monitor. Yields the bus address."""
    import os
    import shutil

    if not (shutil.which("mousepad") and shutil.which("dbus-daemon")):
        message = "mousepad and dbus-daemon are needed (scripts/install-debian-packages)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    home = tmp_path_factory.mktemp("home")
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    address = bus.stdout.readline().strip()
    env = dict(
        two_monitors.env,
        DBUS_SESSION_BUS_ADDRESS=address,
        HOME=str(home),
        XDG_RUNTIME_DIR=str(home),
        GTK_A11Y="atspi",
        ACCESSIBILITY_ENABLED="1",
    )
    env.pop("NO_AT_BRIDGE", None)
    editor = subprocess.Popen(
        ["mousepad", str(home / "monitors.txt")],
        env=env,
        cwd=home,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        wid = ""
        while not wid and time.monotonic() < deadline:
            found = subprocess.run(
                ["xdotool", "search", "--name", "monitors.txt"], env=env, capture_output=True, text=True
            )
            wid = found.stdout.split()[0] if found.stdout.split() else ""
            time.sleep(0.1)
        assert wid, "mousepad's window did not appear"
        subprocess.run(["xdotool", "windowmove", "--sync", wid, "1124", "50"], env=env, check=True)
        yield address
    finally:
        editor.kill()
        editor.wait()
        bus.kill()
        bus.wait()


def _frame_box(xml: str) -> tuple[str | None, str | None]:
    from lxml import etree

    cp = "{https://accessibility.ubuntu.example.org/ns/component}"
    for frame in etree.fromstring(xml.encode()).iter("frame"):
        if "monitors.txt" in frame.get("name", ""):
            return frame.get(cp + "screencoord"), frame.get(cp + "size")
    raise AssertionError("no mousepad frame in the accessibility tree")


def test_accessibility_boxes_are_in_the_monitor_coordinates(two_monitors, mousepad_on_the_right, monkeypatch):
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", mousepad_on_the_right)
    with ThisScreen(monitor=1, display=two_monitors.display, scale=1) as screen, screen.client() as c:
        assert _frame_box(c.accessibility_tree()) == ("(100, 50)", "(640, 480)")
    with ThisScreen(monitor=1, display=two_monitors.display, scale=2) as screen, screen.client() as c:
        assert _frame_box(c.accessibility_tree()) == ("(50, 25)", "(320, 240)")
    with ThisScreen(monitor=0, display=two_monitors.display, scale=1) as screen, screen.client() as c:
        assert _frame_box(c.accessibility_tree()) == (None, None)  # not on this monitor


# --- the command line ------------------------------------------------------------------------
def test_agent_desktop_monitors_lists_them(two_monitors):
    from typer.testing import CliRunner

    from agent.cli import app

    result = CliRunner().invoke(app, ["desktop", "monitors", "--display", two_monitors.display])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "left" in line or "right" in line]
    assert "1024x768+0+0" in lines[0] and "yes" in lines[0]
    assert "1024x768+1024+0" in lines[1]
    missing = CliRunner().invoke(app, ["desktop", "monitors", "--display", ":999"])
    assert missing.exit_code == 2 and "cannot open X display :999" in missing.output


def test_agent_desktop_serve_refuses_an_unknown_monitor(two_monitors, monkeypatch):
    from typer.testing import CliRunner

    from agent.cli import app

    monkeypatch.setenv("DISPLAY", two_monitors.display)
    result = CliRunner().invoke(app, ["desktop", "serve", "--port", "0", "--monitor", "middle"])
    assert result.exit_code == 2
    assert "no monitor 'middle'" in result.output + getattr(result, "stderr", "")


# --- where the scale comes from --------------------------------------------------------------
def test_scale_is_detected_from_xft_dpi_and_gdk_scale_wins(two_monitors, monkeypatch):
    from Xlib import X, Xatom

    from envs.server.monitors import detect_scale
    from envs.xauth import open_display

    monkeypatch.delenv("GDK_SCALE", raising=False)
    assert detect_scale(two_monitors.display) == 1.0  # nothing set: physical pixels
    disp = open_display(two_monitors.display)
    root, resources = disp.screen().root, disp.intern_atom("RESOURCE_MANAGER")
    try:  # what `xrdb -merge` leaves on the root window for Xft.dpi: 192
        root.change_property(
            resources, Xatom.STRING, 8, b"Xft.antialias:\t1\nXft.dpi:\t192\n", X.PropModeReplace
        )
        disp.sync()
        assert detect_scale(two_monitors.display) == 2.0
        assert {m.scale for m in list_monitors(two_monitors.display)} == {2.0}
        assert list_monitors(two_monitors.display, scale=1.5)[1].scale == 1.5  # --scale wins
        monkeypatch.setenv("GDK_SCALE", "3")
        assert detect_scale(two_monitors.display) == 3.0
    finally:
        root.delete_property(resources)
        disp.sync()
        disp.close()
