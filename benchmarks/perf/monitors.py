"""Cost of restricting the control server to one monitor (prints figures; not a test).

    .venv/bin/python -m benchmarks.perf.monitors [--runs 20]

One Xvfb screen of 5760x2160 split by RandR into a 1920x1080 monitor and a
3840x2160 one (a laptop beside a 4K screen), covered with coloured rectangles so
PNG encoding has work to do. Median /screenshot and /act click for: the whole
screen (no monitor), monitor 0, monitor 1 at scale 1 and monitor 1 at scale 2
(HiDPI: 1920x1080 logical pixels, downscaled by the server).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.perf.desktop import measure, p95
from envs.actions import Click
from envs.client import DesktopClient
from envs.server.monitors import set_monitor
from envs.this_screen import ThisScreen


def start_display() -> tuple[subprocess.Popen, str]:
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "5760x2160x24", "-nolisten", "tcp", "-noreset"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        display = f":{pipe.readline().strip()}"
    set_monitor("laptop", 0, 0, 1920, 1080, primary=True, output="screen", display=display)
    set_monitor("4k", 1920, 0, 3840, 2160, display=display)
    return xvfb, display


def paint(display: str) -> object:
    """Rectangles in many colours on the root window; the connection stays open."""
    from envs.xauth import open_display

    disp = open_display(display)  # also without ~/.Xauthority
    root = disp.screen().root
    rng = random.Random(7)
    for _ in range(4000):
        gc = root.create_gc(foreground=rng.randrange(1 << 24))
        root.fill_rectangle(
            gc, rng.randrange(5760), rng.randrange(2160), rng.randrange(8, 200), rng.randrange(8, 60)
        )
    disp.sync()
    return disp


def figures(name: str, client: DesktopClient, runs: int) -> None:
    shots = measure(client.screenshot, runs)
    clicks = measure(lambda: client.act([Click(x=5, y=5)]), runs)
    width, height = client.screen_size()
    print(
        f"{name:<24} {width:>4}x{height:<4}  screenshot median {statistics.median(shots) * 1000:6.1f} ms"
        f" (p95 {p95(shots) * 1000:6.1f})  click median {statistics.median(clicks) * 1000:5.1f} ms"
    )


def whole_screen(display: str, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ready = Path(tmp) / "ready.json"
        proc = subprocess.Popen(
            [sys.executable, "-m", "envs.server", "--port", "0", "--ready-file", str(ready)],
            env=dict(os.environ, DISPLAY=display),
        )
        try:
            deadline = time.monotonic() + 30
            while not ready.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            url = f"http://127.0.0.1:{json.loads(ready.read_text())['port']}"
            while httpx.get(f"{url}/health").status_code != 200:
                time.sleep(0.05)
            with DesktopClient(url) as client:
                figures("whole screen", client, runs)
        finally:
            proc.terminate()
            proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    xvfb, display = start_display()
    try:
        keep = paint(display)
        whole_screen(display, args.runs)
        for label, monitor, scale in (
            ("monitor 0", 0, 1.0),
            ("monitor 1", 1, 1.0),
            ("monitor 1 at scale 2", 1, 2.0),
        ):
            with (
                ThisScreen(monitor=monitor, display=display, scale=scale) as screen,
                screen.client() as client,
            ):
                figures(label, client, args.runs)
        del keep
    finally:
        xvfb.kill()
        xvfb.wait()


if __name__ == "__main__":
    main()
