"""Window management for the setup routes: find, activate, close, measure, wait for."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    wid: str
    wm_class: str
    title: str


def list_windows() -> list[Window]:
    """Top-level windows as the window manager sees them (needs an EWMH WM)."""
    if not shutil.which("wmctrl"):
        return []
    proc = subprocess.run(["wmctrl", "-lx"], capture_output=True, text=True, errors="replace")
    windows = []
    for line in proc.stdout.splitlines():
        parts = line.split(None, 4)
        if len(parts) >= 4:
            title = parts[4] if len(parts) == 5 else ""
            windows.append(Window(parts[0], parts[2], title))
    return windows


def find_window(name: str, *, strict: bool = False, by_class: bool = False) -> Window | None:
    for window in list_windows():
        field = window.wm_class if by_class else window.title
        if (field == name) if strict else (name.lower() in field.lower()):
            return window
    return None


def activate(name: str, *, strict: bool = False, by_class: bool = False) -> bool:
    window = find_window(name, strict=strict, by_class=by_class)
    if window is None:
        return False
    subprocess.run(["wmctrl", "-i", "-a", window.wid], capture_output=True)
    return True


def close(name: str, *, strict: bool = False, by_class: bool = False) -> bool:
    window = find_window(name, strict=strict, by_class=by_class)
    if window is None:
        return False
    subprocess.run(["wmctrl", "-i", "-c", window.wid], capture_output=True)
    return True


def window_size(app_class_name: str) -> tuple[int, int] | None:
    window = find_window(app_class_name, by_class=True)
    if window is None:
        return None
    proc = subprocess.run(
        ["xdotool", "getwindowgeometry", "--shell", str(int(window.wid, 16))], capture_output=True, text=True
    )
    values = dict(line.split("=", 1) for line in proc.stdout.split() if "=" in line)
    if "WIDTH" not in values:
        return None
    return int(values["WIDTH"]), int(values["HEIGHT"])


def open_file(path: str, timeout: float = 30.0) -> bool:
    """Open with the default application and wait until a window names the file."""
    opener = ["xdg-open", path] if shutil.which("xdg-open") else ["gio", "open", path]
    subprocess.Popen(
        opener,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    stem = os.path.splitext(os.path.basename(path))[0]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stem and find_window(stem) is not None:
            return True
        time.sleep(0.2)
    return False
