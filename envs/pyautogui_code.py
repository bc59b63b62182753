"""Compile protocol ops to pyautogui source, for desktops that only speak OSWorld.

OSWorld's server has no `/act`: actions travel as a Python snippet that `/execute`
runs as `python -c "import pyautogui; import time; pyautogui.FAILSAFE = False; <code>"`.
This module is the only place that writes such snippets, and it writes them from
typed ops only. Every string that came from a model (typed text, a window title, a
file name) is emitted with `repr()`, so it is a literal in the generated code and
can never become code. Numbers are checked to be real ints/floats before they are
written for the same reason.

The code assumes `pyautogui` and `time` are already imported (OSWorld's prelude);
anything else it needs (pyperclip, subprocess, os) it imports itself.

`to_computer13` maps the same ops to OSWorld's `computer_13` dict action space.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from envs.actions import (
    Click,
    DesktopAction,
    Drag,
    FocusWindow,
    Hotkey,
    KeyDown,
    KeyUp,
    MouseDown,
    MouseUp,
    MoveTo,
    Open,
    Scroll,
    TypeText,
    Wait,
)

PRELUDE = "import pyautogui; import time; pyautogui.FAILSAFE = False; "

# Seconds to let the focused application fetch the clipboard after Ctrl+V before
# the next keystroke arrives (GTK pastes asynchronously; text typed right after
# a paste can otherwise land before the pasted text).
PASTE_SETTLE_S = 0.2

# The protocol says a positive horizontal Scroll goes left; pyautogui's hscroll
# goes right for positive clicks on X11 and Windows, so the sign is flipped.
_HSCROLL_SIGN = -1

# Key names the protocol accepts (envs/keys.py) that pyautogui spells otherwise
# or does not press on X11 ('command' and 'option' map to nothing there).
_KEY_ALIASES: dict[str, str] = {
    "control": "ctrl",
    "cmd": "win",
    "command": "win",
    "super": "win",
    "meta": "win",
    "option": "alt",
    "menu": "apps",
    "\n": "enter",
    "\r": "enter",
    "\t": "tab",
    " ": "space",
}

# Characters pyautogui.write types reliably: printable ASCII except '<', which
# some X keymaps turn into '>' (the keycode pyautogui picks is the 102nd key).
_PLAIN = frozenset(chr(c) for c in range(0x20, 0x7F)) - {"<"}
_SPECIAL_CHARS = frozenset("<\r\n\t")


def _lit(value: Any) -> str:
    """A Python literal for a str/int/float/bool, or an error for anything else."""
    if type(value) in (str, int, bool):
        return repr(value)
    if type(value) is float:
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"not a finite number: {value!r}")
        return repr(value)
    raise TypeError(f"refusing to emit a {type(value).__name__} as a literal")


def _args(*positional: Any, **keywords: Any) -> str:
    parts = [_lit(v) for v in positional]
    parts += [f"{name}={_lit(v)}" for name, v in keywords.items() if v is not None]
    return ", ".join(parts)


def pyautogui_key(name: str) -> str:
    """A protocol key name spelled the way pyautogui presses it on X11 and Windows."""
    if len(name) > 1:
        lowered = name.lower()
        return _KEY_ALIASES.get(lowered, lowered)
    if name in _KEY_ALIASES:
        return _KEY_ALIASES[name]
    if name not in _PLAIN and name != "<":
        raise ValueError(f"pyautogui cannot press key {name!r}; type it as text instead")
    return name


def text_runs(text: str) -> list[tuple[str, str]]:
    """Split text into (kind, chunk) runs: write, less, enter, tab or paste.

    `write` runs are printable ASCII without '<'; each '<' is its own `less` run;
    a newline (\\n, \\r\\n or \\r) is one `enter`; a tab is one `tab`; anything else
    (non-ASCII, control characters) goes in `paste` runs through the clipboard.
    """
    runs: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "<":
            runs.append(("less", ch))
            i += 1
        elif ch in "\r\n":
            step = 2 if text.startswith("\r\n", i) else 1
            runs.append(("enter", text[i : i + step]))
            i += step
        elif ch == "\t":
            runs.append(("tab", ch))
            i += 1
        else:
            plain = ch in _PLAIN
            j = i + 1
            while j < n and text[j] not in _SPECIAL_CHARS and (text[j] in _PLAIN) == plain:
                j += 1
            runs.append(("write" if plain else "paste", text[i:j]))
            i = j
    return runs


def _type_lines(text: str) -> list[str]:
    lines: list[str] = []
    for kind, chunk in text_runs(text):
        if kind == "write":
            lines.append(f"pyautogui.write({_lit(chunk)})")
        elif kind == "less":
            lines.append("pyautogui.hotkey('shift', ',')")
        elif kind == "enter":
            lines.append("pyautogui.press('enter')")
        elif kind == "tab":
            lines.append("pyautogui.press('tab')")
        else:
            lines += _paste_lines(chunk)
    return lines


def _paste_lines(chunk: str) -> list[str]:
    """Put chunk on the clipboard and press Ctrl+V.

    On X, pyperclip copies through xclip/xsel, which fork a process that owns the
    selection until another program takes it; that process inherits our stdout and
    stderr, and `/execute` (which waits for those pipes to close) would hang until
    its timeout. So fds 1 and 2 point at /dev/null while pyperclip runs.
    """
    return [
        "import os, pyperclip",
        "_out, _err, _null = os.dup(1), os.dup(2), os.open(os.devnull, os.O_WRONLY)",
        "os.dup2(_null, 1)",
        "os.dup2(_null, 2)",
        "try:",
        f"    pyperclip.copy({_lit(chunk)})",
        "finally:",
        "    os.dup2(_out, 1)",
        "    os.dup2(_err, 2)",
        "    os.close(_out)",
        "    os.close(_err)",
        "    os.close(_null)",
        # xclip takes the selection a moment after copy() returns; a paste before that
        # inserts nothing (seen on a loaded machine), so wait until it is there (<= 2 s).
        "for _ in range(40):",
        f"    if pyperclip.paste() == {_lit(chunk)}:",
        "        break",
        "    time.sleep(0.05)",
        "pyautogui.hotkey('ctrl', 'v')",
        f"time.sleep({_lit(PASTE_SETTLE_S)})",
    ]


def _holding(keys: Sequence[str], body: list[str]) -> list[str]:
    """Run body with keys held, releasing them even if body raises.

    The first keyDown stays outside `try:` so that the snippet never starts with a
    compound statement: OSWorld glues it after `...; ` on the same line.
    """
    if not keys:
        return body
    names = [pyautogui_key(k) for k in keys]
    lines = [f"pyautogui.keyDown({_lit(names[0])})", "try:"]
    lines += [f"    pyautogui.keyDown({_lit(k)})" for k in names[1:]]
    lines += ["    " + line for line in body]
    lines.append("finally:")
    lines += [f"    pyautogui.keyUp({_lit(k)})" for k in reversed(names)]
    return lines


def _open_lines(target: str) -> list[str]:
    """Open a path or URL with xdg-open, or start a program; never through a shell.

    The child is detached from the snippet's pipes: `/execute` waits for its
    stdout to close, and a GUI app holding it open would hang the call.
    """
    detach = (
        "stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, "
        "stderr=subprocess.DEVNULL, start_new_session=True"
    )
    if "://" in target:
        return ["import subprocess", f"subprocess.Popen(['xdg-open', {_lit(target)}], {detach})"]
    # Same rule as the server's /act: an existing path opens with its default app,
    # anything else is a program name with arguments, split (never run) by shlex.
    return [
        "import os, shlex, subprocess",
        f"_target = os.path.expanduser({_lit(target)})",
        "_argv = ['xdg-open', _target] if os.path.exists(_target) else shlex.split(_target)",
        f"subprocess.Popen(_argv, {detach})",
    ]


def _op_lines(op: DesktopAction) -> list[str]:
    if isinstance(op, Click):
        body = [f"pyautogui.click({_args(op.x, op.y, clicks=op.clicks, button=op.button)})"]
        return _holding(op.hold_keys, body)
    if isinstance(op, MoveTo):
        return [f"pyautogui.moveTo({_args(op.x, op.y)})"]
    if isinstance(op, Drag):
        body = [
            f"pyautogui.moveTo({_args(op.x1, op.y1)})",
            f"pyautogui.dragTo({_args(op.x2, op.y2, duration=float(op.duration), button=op.button)})",
        ]
        return _holding(op.hold_keys, body)
    if isinstance(op, MouseDown):
        return [f"pyautogui.mouseDown({_args(x=op.x, y=op.y, button=op.button)})"]
    if isinstance(op, MouseUp):
        return [f"pyautogui.mouseUp({_args(x=op.x, y=op.y, button=op.button)})"]
    if isinstance(op, Scroll):
        if op.horizontal:
            return [f"pyautogui.hscroll({_args(_HSCROLL_SIGN * op.clicks, x=op.x, y=op.y)})"]
        return [f"pyautogui.scroll({_args(op.clicks, x=op.x, y=op.y)})"]
    if isinstance(op, TypeText):
        return _type_lines(op.text)
    if isinstance(op, Hotkey):
        return [f"pyautogui.hotkey({_args(*[pyautogui_key(k) for k in op.keys])})"]
    if isinstance(op, KeyDown):
        return [f"pyautogui.keyDown({_lit(pyautogui_key(op.key))})"]
    if isinstance(op, KeyUp):
        return [f"pyautogui.keyUp({_lit(pyautogui_key(op.key))})"]
    if isinstance(op, Wait):
        return [f"time.sleep({_lit(float(op.seconds))})"]
    if isinstance(op, Open):
        return _open_lines(op.target)
    if isinstance(op, FocusWindow):
        return [
            "import subprocess",
            f"subprocess.run(['wmctrl', '-a', {_lit(op.title)}], check=True, timeout=10)",
        ]
    raise TypeError(f"not a protocol op: {type(op).__name__}")


def to_pyautogui(ops: Sequence[DesktopAction]) -> str:
    """One pyautogui snippet that performs the ops in order ('pass' for none)."""
    lines: list[str] = []
    for op in ops:
        lines += _op_lines(op)
    return "\n".join(lines) if lines else "pass"


def osworld_execute_payload(ops: Sequence[DesktopAction]) -> dict:
    """The JSON body for OSWorld's `POST /execute` that performs the ops."""
    return {"command": ["python", "-c", PRELUDE + to_pyautogui(ops)], "shell": False}


# ---------------------------------------------------------------- computer_13


def _c13(action_type: str, **parameters: Any) -> dict:
    return {"action_type": action_type, "parameters": parameters}


def _c13_text_ok(text: str) -> None:
    bad = [kind for kind, _ in text_runs(text) if kind in ("paste", "less")]
    if bad:
        raise ValueError(
            "computer_13 TYPING cannot type non-ASCII text or '<' reliably; "
            "use to_computer13_actions, which splits the text"
        )


def to_computer13(op: DesktopAction) -> dict:
    """The one computer_13 action equal to op; ValueError when it takes several or none.

    computer_13 clicks and moves carry a position, but MOUSE_DOWN, MOUSE_UP,
    SCROLL and DRAG_TO act where the pointer already is, and nothing opens files
    or focuses windows. `to_computer13_actions` expands such ops into sequences.
    """
    if isinstance(op, MoveTo):
        return _c13("MOVE_TO", x=op.x, y=op.y)
    if isinstance(op, Click):
        if op.hold_keys:
            raise ValueError("computer_13 CLICK cannot hold keys; use to_computer13_actions")
        if op.button == "right" and op.clicks == 1:
            return _c13("RIGHT_CLICK", x=op.x, y=op.y)
        if op.button == "left" and op.clicks == 2:
            return _c13("DOUBLE_CLICK", x=op.x, y=op.y)
        return _c13("CLICK", button=op.button, x=op.x, y=op.y, num_clicks=op.clicks)
    if isinstance(op, (MouseDown, MouseUp)):
        if op.x is not None or op.y is not None:
            raise ValueError(
                f"computer_13 {op.type.upper()} has no position; use to_computer13_actions (MOVE_TO first)"
            )
        return _c13("MOUSE_DOWN" if isinstance(op, MouseDown) else "MOUSE_UP", button=op.button)
    if isinstance(op, Scroll):
        if op.x is not None or op.y is not None:
            raise ValueError("computer_13 SCROLL has no position; use to_computer13_actions (MOVE_TO first)")
        if op.horizontal:
            return _c13("SCROLL", dx=_HSCROLL_SIGN * op.clicks, dy=0)
        return _c13("SCROLL", dx=0, dy=op.clicks)
    if isinstance(op, Drag):
        raise ValueError("computer_13 DRAG_TO starts where the pointer is; use to_computer13_actions")
    if isinstance(op, TypeText):
        _c13_text_ok(op.text)
        return _c13("TYPING", text=op.text)
    if isinstance(op, Hotkey):
        keys = [pyautogui_key(k) for k in op.keys]
        return _c13("PRESS", key=keys[0]) if len(keys) == 1 else _c13("HOTKEY", keys=keys)
    if isinstance(op, KeyDown):
        return _c13("KEY_DOWN", key=pyautogui_key(op.key))
    if isinstance(op, KeyUp):
        return _c13("KEY_UP", key=pyautogui_key(op.key))
    if isinstance(op, Wait):
        return _c13("WAIT")  # computer_13 waits the environment's own pause
    raise ValueError(f"computer_13 has no action for {op.type!r} (use the pyautogui action space for it)")


def _c13_type(text: str) -> list[dict]:
    out: list[dict] = []
    for kind, chunk in text_runs(text):
        if kind == "write":
            out.append(_c13("TYPING", text=chunk))
        elif kind == "less":
            out.append(_c13("HOTKEY", keys=["shift", ","]))
        elif kind in ("enter", "tab"):
            out.append(_c13("PRESS", key=kind))
        else:
            raise ValueError(
                f"computer_13 cannot type {chunk!r}: it has no clipboard; use the pyautogui action space"
            )
    return out


def to_computer13_actions(ops: Sequence[DesktopAction]) -> list[dict]:
    """computer_13 actions for ops, expanding those that need several (see to_computer13)."""
    out: list[dict] = []
    for op in ops:
        if isinstance(op, (Click, Drag)) and op.hold_keys:
            keys = [pyautogui_key(k) for k in op.hold_keys]
            inner = to_computer13_actions([op.model_copy(update={"hold_keys": []})])
            out += [_c13("KEY_DOWN", key=k) for k in keys] + inner
            out += [_c13("KEY_UP", key=k) for k in reversed(keys)]
        elif isinstance(op, (MouseDown, MouseUp, Scroll)) and op.x is not None and op.y is not None:
            out.append(_c13("MOVE_TO", x=op.x, y=op.y))
            out.append(to_computer13(op.model_copy(update={"x": None, "y": None})))
        elif isinstance(op, Drag):
            out.append(_c13("MOVE_TO", x=op.x1, y=op.y1))
            if op.button == "left":
                out.append(_c13("DRAG_TO", x=op.x2, y=op.y2))
            else:
                out += [
                    _c13("MOUSE_DOWN", button=op.button),
                    _c13("MOVE_TO", x=op.x2, y=op.y2),
                    _c13("MOUSE_UP", button=op.button),
                ]
        elif isinstance(op, TypeText):
            out += _c13_type(op.text)
        else:
            out.append(to_computer13(op))
    return out
