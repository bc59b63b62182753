"""Lost hotkeys on fresh `osworld` desktops (prints figures; not a test).

    .venv/bin/python -m benchmarks.perf.hotkeys [--runs 24]

Each run starts a fresh osworld desktop, sets it up as OSWorld's os tasks do (a gsettings
call, a pyautogui click in the middle of the screen), waits for a still screen, presses
Ctrl+Alt+T and counts it lost when no terminal window appears within 10 s. Runs alternate
between the way the server sends a hotkey now (envs/server/xinput.py `chord`: keydown,
key, keyup) and the way it did before (`xdotool key --clearmodifiers ctrl+alt+t`), so
both meet the same machine load. Also counted: desktops whose window manager was not
running (a lost key of another kind).
"""

from __future__ import annotations

import argparse
import time

from envs.actions import SettleSpec, Wait
from envs.local import LocalDesktop
from envs.server.xinput import chord

SETUP = (
    ["gsettings", "set", "org.gnome.desktop.screensaver", "lock-enabled", "false"],
    ["python", "-c", "import pyautogui, time; pyautogui.click(960, 540); time.sleep(0.5)"],
)
METHODS = {
    "chord (now)": ["xdotool", *chord(["ctrl", "alt", "t"])],
    "key --clearmodifiers (before)": ["xdotool", "key", "--clearmodifiers", "ctrl+alt+t"],
}


def one_run(command: list[str], wait_s: float = 10.0) -> tuple[bool, bool]:
    """(terminal appeared, window manager running) on a fresh desktop."""
    with LocalDesktop(1920, 1080, profile="osworld", start_timeout=120) as desktop:
        client = desktop.client()
        for step in SETUP:
            client.execute(step)
        client.act([Wait(seconds=0)], settle=SettleSpec(quiet=0.5, timeout=10))
        client.execute(command)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if "Terminal" in client.execute("wmctrl -l", shell=True).output:
                return True, True
            time.sleep(0.3)
        return False, client.execute(["pgrep", "-x", "openbox"]).returncode == 0


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.perf.hotkeys")
    parser.add_argument("--runs", type=int, default=24, help="fresh desktops per method")
    args = parser.parse_args()
    lost = dict.fromkeys(METHODS, 0)
    no_wm = dict.fromkeys(METHODS, 0)
    for run in range(args.runs):
        for name, command in METHODS.items():
            appeared, wm = one_run(command)
            lost[name] += not appeared
            no_wm[name] += not wm
        print(f"run {run + 1}/{args.runs}: lost so far {lost}", flush=True)
    print(f"\nCtrl+Alt+T on {args.runs} fresh osworld desktops per method:")
    for name in METHODS:
        print(
            f"  {name:32s} lost {lost[name]:3d} ({lost[name] / args.runs:.0%}), no window manager {no_wm[name]}"
        )


if __name__ == "__main__":
    main()
