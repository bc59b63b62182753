"""Carry out protocol actions with xdotool: no Python source, text typed exactly.

xdotool is used instead of pyautogui because pyautogui types `<` as `>` on
these X setups, and xdotool types any Unicode character by remapping a spare
keycode. Newlines and tabs are sent as key presses between text runs, because
some applications (LibreOffice) do not commit a cell on a typed "\n".
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import time
from collections.abc import Iterable

from envs import actions as a
from envs.keys import to_keysym

BUTTONS = {"left": "1", "middle": "2", "right": "3"}
TYPE_DELAY_MS = "6"
# Non-ASCII characters are typed by remapping a spare keycode for each one; an
# application that reads the key before it has seen the new mapping drops it,
# so those runs go slower.
UNICODE_DELAY_MS = "40"


class ActionError(RuntimeError):
    """An action the desktop could not carry out (the message says why)."""


def _xdotool(*args: str, stdin: str | None = None, timeout: float = 60) -> str:
    try:
        proc = subprocess.run(
            ["xdotool", *args], input=stdin, text=True, capture_output=True, timeout=timeout
        )
    except FileNotFoundError as exc:
        raise ActionError("xdotool is not installed on this desktop") from exc
    except subprocess.TimeoutExpired as exc:
        raise ActionError(f"xdotool {' '.join(args[:2])} timed out after {timeout:g} s") from exc
    if proc.returncode != 0:
        raise ActionError(f"xdotool {' '.join(args[:2])} failed: {proc.stderr.strip()}")
    return proc.stdout


def chord(keys: Iterable[str]) -> list[str]:
    """xdotool's words for a hotkey: hold the keys before the last, press it, let go in reverse.

    Not `xdotool key --clearmodifiers ctrl+alt+t`: on a fresh osworld desktop that lost
    about one Ctrl+Alt+T in ten (openbox never saw it; a second press worked), and this
    sequence lost none in 24 of the same runs."""
    *held, last = list(keys)
    return [*_hold(held, "keydown"), "key", to_keysym(last), *_hold(reversed(held), "keyup")]


def _hold(keys: Iterable[str], verb: str) -> list[str]:
    out: list[str] = []
    for key in keys:
        out += [verb, to_keysym(key)]
    return out


def type_text(text: str) -> None:
    for piece in re.split(r"(\n|\t)", text):
        if piece == "\n":
            _xdotool("key", "Return")
        elif piece == "\t":
            _xdotool("key", "Tab")
        elif piece:
            for run in _runs(piece):
                delay = TYPE_DELAY_MS if run.isascii() else UNICODE_DELAY_MS
                if not run.isascii():
                    _map_keys(run)
                # --file - reads the text from stdin: no argument parsing touches it.
                _xdotool("type", "--delay", delay, "--file", "-", stdin=run, timeout=30 + len(run) * 0.1)


def _keymap():
    try:
        from envs.server.keymap import KEYMAP

        KEYMAP.capacity()
        return KEYMAP
    except Exception:  # no python-xlib or no display access: xdotool remaps on its own
        return None


def _runs(text: str) -> list[str]:
    """ASCII runs whole; non-ASCII runs in slices with no more distinct characters than
    there are spare keycodes, so mapping a slice never evicts a character it still needs."""
    keymap = _keymap()
    room = max(1, keymap.capacity()) if keymap else 64
    out: list[str] = []
    for run in re.findall(r"[\x20-\x7e]+|[^\x20-\x7e]+", text):
        if run.isascii():
            out.append(run)
            continue
        current: list[str] = []
        for char in run:
            if char not in current and len(set(current)) >= room:
                out.append("".join(current))
                current = []
            current.append(char)
        out.append("".join(current))
    return out


def _map_keys(run: str) -> None:
    keymap = _keymap()
    if keymap is not None:
        keymap.ensure(run)


def open_target(target: str) -> None:
    """A path opens with its default app; otherwise a program name (plus arguments)."""
    path = os.path.expanduser(target)
    if os.path.exists(path) or "://" in target:
        argv = ["xdg-open", path] if shutil.which("xdg-open") else ["gio", "open", path]
    else:
        try:
            argv = shlex.split(target)
        except ValueError as exc:
            raise ActionError(f"cannot parse program to open: {exc}") from exc
        if not argv or not shutil.which(argv[0]):
            raise ActionError(f"{target!r} is neither an existing file nor a program on PATH")
    subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def focus_window(title: str) -> None:
    if shutil.which("wmctrl"):
        if subprocess.run(["wmctrl", "-a", title], capture_output=True).returncode == 0:
            return
    try:
        _xdotool("search", "--limit", "1", "--name", re.escape(title), "windowactivate")
    except ActionError as exc:
        raise ActionError(f"no window whose title contains {title!r}") from exc


def perform(op: a.DesktopAction) -> None:
    match op:
        case a.Click():
            # --delay is xdotool's pause after each click (100 ms by default, even for one)
            repeat = ["--repeat", str(op.clicks), "--delay", "60" if op.clicks > 1 else "0"]
            _xdotool(
                "mousemove",
                str(op.x),
                str(op.y),
                *_hold(op.hold_keys, "keydown"),
                "click",
                *repeat,
                BUTTONS[op.button],
                *_hold(reversed(op.hold_keys), "keyup"),
            )
        case a.MoveTo():
            _xdotool("mousemove", str(op.x), str(op.y))
        case a.Drag():
            _drag(op)
        case a.MouseDown() | a.MouseUp():
            verb = "mousedown" if isinstance(op, a.MouseDown) else "mouseup"
            move = ["mousemove", str(op.x), str(op.y)] if op.x is not None and op.y is not None else []
            _xdotool(*move, verb, BUTTONS[op.button])
        case a.Scroll():
            _scroll(op)
        case a.TypeText():
            type_text(op.text)
        case a.Hotkey():
            _xdotool(*chord(op.keys))
        case a.KeyDown():
            _xdotool("keydown", to_keysym(op.key))
        case a.KeyUp():
            _xdotool("keyup", to_keysym(op.key))
        case a.Wait():
            time.sleep(op.seconds)
        case a.Open():
            open_target(op.target)
        case a.FocusWindow():
            focus_window(op.title)
        case _:
            raise ActionError(f"unsupported action {op!r}")


def _drag(op: a.Drag) -> None:
    button = BUTTONS[op.button]
    _xdotool("mousemove", str(op.x1), str(op.y1), *_hold(op.hold_keys, "keydown"), "mousedown", button)
    try:
        steps = 8  # intermediate motion events: many apps ignore a jump straight to the end
        for i in range(1, steps + 1):
            x = op.x1 + (op.x2 - op.x1) * i // steps
            y = op.y1 + (op.y2 - op.y1) * i // steps
            _xdotool("mousemove", str(x), str(y))
            time.sleep(op.duration / steps)
    finally:
        _xdotool("mouseup", button, *_hold(reversed(op.hold_keys), "keyup"))


def _scroll(op: a.Scroll) -> None:
    if op.horizontal:
        button = "6" if op.clicks > 0 else "7"
    else:
        button = "4" if op.clicks > 0 else "5"
    move = ["mousemove", str(op.x), str(op.y)] if op.x is not None and op.y is not None else []
    if op.clicks == 0:
        if move:
            _xdotool(*move)
        return
    _xdotool(*move, "click", "--repeat", str(abs(op.clicks)), "--delay", "30", button)


def cursor_position() -> tuple[int, int]:
    out = _xdotool("getmouselocation", "--shell")
    values = dict(line.split("=", 1) for line in out.split() if "=" in line)
    return int(values["X"]), int(values["Y"])
