"""X connections when there is no Xauthority file.

python-xlib (which pyautogui and our monitor code use) refuses to connect at all when the
cookie file it reads — $XAUTHORITY, else ~/.Xauthority — does not exist, even to a display
that asks for no cookie: a fresh machine's Xvfb, or a person's X session started without
one. libX11 treats a missing file as "no cookies" and connects. We do the same by pointing
XAUTHORITY at an empty file (os.devnull) wherever the real one is missing: for a reader it
holds exactly what the missing file held, nothing, and no one's home is written to.
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Mapping, MutableMapping
from contextlib import redirect_stdout
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from Xlib import display as xdisplay

__all__ = ["cookie_file", "missing_cookie_file", "open_display", "with_xauthority"]

_lock = threading.Lock()


def cookie_file(env: Mapping[str, str] | None = None) -> Path | None:
    """The file X clients read their cookies from under `env` (None: no HOME either)."""
    env = os.environ if env is None else env
    if env.get("XAUTHORITY"):
        return Path(env["XAUTHORITY"])
    return Path(env["HOME"]) / ".Xauthority" if env.get("HOME") else None


def missing_cookie_file(env: Mapping[str, str] | None = None) -> bool:
    path = cookie_file(env)
    return path is None or not path.exists()


def with_xauthority(env: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """`env`, with XAUTHORITY at an empty file if its cookie file is missing (for a child
    process: a server on this display, and the pyautogui code it runs)."""
    if missing_cookie_file(env):
        env["XAUTHORITY"] = os.devnull
    return env


def open_display(name: str | None = None) -> xdisplay.Display:
    """python-xlib's Display(name), also when the cookie file is missing. Raises Xlib's
    errors (DisplayError, ...) as Display does."""
    from Xlib import display as xdisplay

    # python-xlib print()s a warning to stdout when the display has no xauth entry
    # (an Xvfb started without one); stdout may be a chat's terminal view or JSON.
    if not missing_cookie_file():
        with redirect_stdout(io.StringIO()):
            return xdisplay.Display(name)
    # Xlib reads XAUTHORITY while connecting; set it only for that moment, under a lock,
    # so this process's environment (and its later children) stays the person's.
    with _lock, redirect_stdout(io.StringIO()):
        before = os.environ.get("XAUTHORITY")
        os.environ["XAUTHORITY"] = os.devnull
        try:
            return xdisplay.Display(name)
        finally:
            if before is None:
                del os.environ["XAUTHORITY"]
            else:
                os.environ["XAUTHORITY"] = before
