"""A two-monitor X display for the monitor tests: one 2048x768 Xvfb screen split by RandR
into "left" (0,0 1024x768, primary) and "right" (1024,0 1024x768), as
`xrandr --setmonitor` would, each covered by a coloured window that records clicks."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field

import pytest

RED, BLUE, GREEN = (220, 30, 30), (30, 60, 220), (30, 200, 60)
# The green square, in the right monitor's own coordinates.
SQUARE = (100, 100, 100, 100)


@dataclass
class TwoMonitors:
    display: str
    clicks: list[tuple[int, int, int]] = field(default_factory=list)  # (x_root, y_root, button)

    @property
    def env(self) -> dict[str, str]:
        return dict(os.environ, DISPLAY=self.display)

    def xdotool(self, *args: str) -> str:
        return subprocess.run(
            ["xdotool", *args], env=self.env, capture_output=True, text=True, check=True
        ).stdout

    def pointer(self) -> tuple[int, int]:
        values = dict(p.split(":", 1) for p in self.xdotool("getmouselocation").split() if ":" in p)
        return int(values["x"]), int(values["y"])

    def move_pointer(self, x: int, y: int) -> None:
        self.xdotool("mousemove", str(x), str(y))

    def clicks_after(self, mark: int, timeout: float = 3.0, wanted: int = 1) -> list[tuple[int, int, int]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.clicks) - mark < wanted:
            time.sleep(0.02)
        return self.clicks[mark:]


def _pixel(rgb: tuple[int, int, int]) -> int:
    return (rgb[0] << 16) | (rgb[1] << 8) | rgb[2]  # Xvfb's 24-bit TrueColor visual


def _require(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:  # as tests/conftest.py's require_desktop: a failure in CI, a skip elsewhere
        message = f"desktop tools missing: {', '.join(missing)} (run scripts/install-debian-packages)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def two_monitors():
    _require("Xvfb", "xdotool")
    from Xlib import X

    from envs.server.monitors import set_monitor
    from envs.xauth import open_display

    read_fd, write_fd = os.pipe()
    # -noreset: RandR monitors live in the server until it resets, which it does when
    # its last client leaves.
    xvfb = subprocess.Popen(
        [
            "Xvfb",
            "-displayfd",
            str(write_fd),
            "-screen",
            "0",
            "2048x768x24",
            "-nolisten",
            "tcp",
            "-noreset",
            "+extension",
            "XFIXES",
        ],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        name = f":{pipe.readline().strip()}"
    stop = threading.Event()
    thread = None
    try:
        set_monitor("left", 0, 0, 1024, 768, primary=True, output="screen", display=name)
        set_monitor("right", 1024, 0, 1024, 768, display=name)
        screens = TwoMonitors(name)
        disp = open_display(name)  # a fresh machine has no ~/.Xauthority
        root = disp.screen().root
        for (x, y, w, h), colour in (
            ((0, 0, 1024, 768), RED),
            ((1024, 0, 1024, 768), BLUE),
            ((1024 + SQUARE[0], SQUARE[1], SQUARE[2], SQUARE[3]), GREEN),
        ):
            win = root.create_window(
                x,
                y,
                w,
                h,
                0,
                disp.screen().root_depth,
                background_pixel=_pixel(colour),
                override_redirect=True,
                event_mask=X.ButtonPressMask,
            )
            win.map()
        disp.sync()

        def record() -> None:  # the only user of `disp` from here on
            while not stop.is_set():
                while disp.pending_events():
                    event = disp.next_event()
                    if event.type == X.ButtonPress:
                        screens.clicks.append((event.root_x, event.root_y, event.detail))
                time.sleep(0.01)

        thread = threading.Thread(target=record, daemon=True)
        thread.start()
        time.sleep(0.2)
        yield screens
    finally:
        stop.set()
        if thread is not None:
            thread.join(timeout=2)
        xvfb.kill()
        xvfb.wait()
