"""Screen capture: PNG screenshots with the cursor drawn in, and raw frames for settle.

mss reads the X server's shared memory directly (about 1 ms for a 1080p frame);
PNG encoding dominates, so it uses zlib level 1, which keeps a 1080p desktop
well under the 50 ms budget while staying lossless.

With a view (a server restricted to one monitor, see view.py) only that monitor
is grabbed, and scaled down to logical pixels when its scale factor is not 1.
"""

from __future__ import annotations

import io
import threading

import mss
from PIL import Image

from envs.server.view import ScreenView

_lock = threading.Lock()
_grabbers: dict[bool, mss.MSS] = {}


def _grabber(with_cursor: bool) -> mss.MSS:
    # One X connection per kind, shared by the server's worker threads under _lock:
    # a grabber per thread would pay for a new connection and shared-memory segment
    # whenever a request lands on a fresh worker.
    grabber = _grabbers.get(with_cursor)
    if grabber is None:
        grabber = _grabbers[with_cursor] = mss.MSS(with_cursor=with_cursor)
    return grabber


def _grab(with_cursor: bool, view: ScreenView | None = None) -> mss.ScreenShot:
    with _lock:
        grabber = _grabber(with_cursor)
        return grabber.grab(view.region if view else grabber.monitors[0])


def screen_size(view: ScreenView | None = None) -> tuple[int, int]:
    if view is not None:
        return view.size
    with _lock:
        monitor = _grabber(False).monitors[0]
    return monitor["width"], monitor["height"]


def raw_frame(view: ScreenView | None = None) -> bytes:
    """BGRA bytes of the screen (or the view's monitor), no cursor: what settle compares."""
    return bytes(_grab(False, view).raw)


def screenshot_png(*, cursor: bool = True, compress_level: int = 1,
                   view: ScreenView | None = None) -> bytes:
    shot = _grab(cursor, view)
    image = Image.frombuffer("RGB", shot.size, shot.bgra, "raw", "BGRX", 0, 1)
    if view is not None and image.size != view.size:
        # Both average each logical pixel's physical ones; reduce() is 4x faster than
        # resize() on a 4K monitor at scale 2 (31 vs 128 ms), but takes whole factors only.
        factor = int(view.scale)
        reduced = image.reduce(factor) if factor == view.scale else None
        if reduced is not None and reduced.size == view.size:
            image = reduced
        else:
            image = image.resize(view.size, Image.Resampling.BOX)
    buf = io.BytesIO()
    image.save(buf, format="PNG", compress_level=compress_level)
    return buf.getvalue()
