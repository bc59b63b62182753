"""Did an action change the screen? The desktop's answer when it gives one, else ours.

Our control server's /act settle reports what changed at full resolution, before vs the
settled frame with caret blinks and idle changes masked (envs/screen_diff.py): that
report is the verdict. Upstream servers (OSWorld's, WAA's) and the in-process fake give
none, so the same detector runs here on the two screenshots. Screenshots draw the mouse
pointer, so there a click on a new spot reads as a change (the pointer moved); repeating
it on the same spot does not.
"""

from __future__ import annotations

import io
from collections import OrderedDict
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from envs import screen_diff
from envs.actions import SettleReport


def decode(png: bytes) -> np.ndarray:
    try:
        with Image.open(io.BytesIO(png)) as image:
            return screen_diff.image_pixels(image)
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"not a readable screenshot: {exc}") from None


class Judge:
    """Says whether each action changed the screen; remembers where the caret blinks
    between steps, as the server does, for the screenshots it compares itself. The last
    decoded screenshot is kept: it is the next step's "before"."""

    def __init__(self) -> None:
        self.caret: tuple[int, int, int, int] | None = None
        self._last: tuple[bytes, np.ndarray] | None = None

    def decode(self, png: bytes) -> np.ndarray:
        if self._last is not None and self._last[0] == png:
            return self._last[1]
        pixels = decode(png)
        self._last = (png, pixels)
        return pixels

    def __call__(
        self, report: SettleReport | None, before_png: bytes | None, after_png: bytes
    ) -> bool | None:
        return verdict(report, before_png, after_png, self)


def verdict(
    report: SettleReport | None, before_png: bytes | None, after_png: bytes, judge: Judge | None = None
) -> bool | None:
    """True: the action changed the screen; False: it did not; None: cannot tell."""
    if report is not None and report.change is not None:
        if judge is not None:
            judge.caret = report.change.caret
        return report.change.pixels > 0
    if before_png is None:
        return None
    if before_png == after_png:  # one encoder, same pixels: same bytes
        return False
    read = judge.decode if judge is not None else decode
    try:
        before = read(before_png)
        change = screen_diff.diff(before, read(after_png), caret=judge.caret if judge else None)
    except ValueError:
        return None
    if judge is not None:
        judge.caret = change.caret
    return change.changed


class ScreenPixels:
    """Decoded screenshots of one episode folder, a few kept (a 1080p one is 8 MB)."""

    def __init__(self, folder: Path, keep: int = 6) -> None:
        self.folder, self.keep = folder, keep
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def get(self, name: str | None) -> np.ndarray | None:
        if not name:
            return None
        if name in self._cache:
            self._cache.move_to_end(name)
            return self._cache[name]
        path = self.folder / name
        try:
            pixels = decode(path.read_bytes())
        except (OSError, ValueError):
            return None
        self._cache[name] = pixels
        while len(self._cache) > self.keep:
            self._cache.popitem(last=False)
        return pixels

    def same(
        self, earlier: str | None, now: str | None, caret: tuple[int, int, int, int] | None = None
    ) -> bool:
        """`now` shows what `earlier` showed (but for the caret blinking at `caret`). Unknown: False."""
        a, b = self.get(earlier), self.get(now)
        return a is not None and b is not None and screen_diff.same_screen(a, b, caret)


def differs(a: np.ndarray, b: np.ndarray) -> bool:
    """A change both ways round: a caret that blinked on or off does not count."""
    return screen_diff.diff(a, b).changed and screen_diff.diff(b, a).changed
