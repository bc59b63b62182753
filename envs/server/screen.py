"""Screen capture: PNG screenshots with the cursor drawn in, and raw frames for settle.

mss reads the X server's shared memory directly (about 1 ms for a 1080p frame);
PNG encoding dominates, so it uses zlib level 1, which keeps a 1080p desktop
well under the 50 ms budget while staying lossless.
"""

from __future__ import annotations

import io
import threading

import mss
from PIL import Image

_local = threading.local()


def _grabber(with_cursor: bool) -> mss.MSS:
    # X connections are not shared between threads: one grabber per thread and kind.
    key = "cursor" if with_cursor else "plain"
    grabber = getattr(_local, key, None)
    if grabber is None:
        grabber = mss.MSS(with_cursor=with_cursor)
        setattr(_local, key, grabber)
    return grabber


def screen_size() -> tuple[int, int]:
    monitor = _grabber(False).monitors[0]
    return monitor["width"], monitor["height"]


def raw_frame() -> bytes:
    """BGRA bytes of the whole screen, no cursor: what settle compares."""
    grabber = _grabber(False)
    return bytes(grabber.grab(grabber.monitors[0]).raw)


def screenshot_png(*, cursor: bool = True, compress_level: int = 1) -> bytes:
    grabber = _grabber(cursor)
    shot = grabber.grab(grabber.monitors[0])
    image = Image.frombuffer("RGB", shot.size, shot.bgra, "raw", "BGRX", 0, 1)
    buf = io.BytesIO()
    image.save(buf, format="PNG", compress_level=compress_level)
    return buf.getvalue()
