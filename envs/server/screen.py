"""Screen capture: screenshots with the cursor drawn in, and raw frames for settle.

mss reads the X server's shared memory directly (about 1 ms for a 1080p frame);
encoding dominates. PNG (lossless, the default) goes through envs/server/png.py
(Up filter + zlib-ng, ~2x Pillow on a busy screen); JPEG and WebP through Pillow,
on request (`ImageSpec`).

With a view (a server restricted to one monitor, see view.py) only that monitor
is grabbed, and scaled down to logical pixels when its scale factor is not 1.
"""

from __future__ import annotations

import io
import threading

import mss
import numpy as np
from PIL import Image

from envs.actions import ImageSpec
from envs.image_format import DEFAULT_QUALITY
from envs.server import png
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


def capture(*, cursor: bool = True, view: ScreenView | None = None) -> np.ndarray:
    """The screen (or the view's monitor, in logical pixels) as an (H, W, 3) RGB array."""
    return _rgb(_grab(cursor, view), view)


def _rgb(shot: mss.ScreenShot, view: ScreenView | None) -> np.ndarray:
    width, height = shot.size
    # A view on BGRA memory, channels reversed: no copy until the encoder reads it.
    rgb = np.frombuffer(shot.bgra, np.uint8).reshape(height, width, 4)[..., 2::-1]
    if view is not None and (width, height) != view.size:
        image = Image.fromarray(np.ascontiguousarray(rgb))
        # Both average each logical pixel's physical ones; reduce() is 4x faster than
        # resize() on a 4K monitor at scale 2 (31 vs 128 ms), but takes whole factors only.
        factor = int(view.scale)
        reduced = image.reduce(factor) if factor == view.scale else None
        if reduced is not None and reduced.size == view.size:
            image = reduced
        else:
            image = image.resize(view.size, Image.Resampling.BOX)
        rgb = np.asarray(image)
    return rgb


def encode(rgb: np.ndarray, spec: ImageSpec | None = None, *, png_level: int = png.DEFAULT_LEVEL) -> bytes:
    if spec is None or spec.format == "png":
        return png.encode_png(rgb, png_level)
    return _encode_lossy(Image.fromarray(np.ascontiguousarray(rgb)), spec)


def _encode_lossy(image: Image.Image, spec: ImageSpec) -> bytes:
    quality = spec.quality or DEFAULT_QUALITY[spec.format]
    buf = io.BytesIO()
    if spec.format == "jpeg":
        image.save(buf, format="JPEG", quality=quality)
    else:  # method 0: libwebp's fastest; the default (4) is 3x slower for ~8% fewer bytes
        image.save(buf, format="WEBP", quality=quality, method=0)
    return buf.getvalue()


def screenshot(
    spec: ImageSpec | None = None, *, cursor: bool = True, view: ScreenView | None = None
) -> bytes:
    """The screen encoded as `spec` asks, cursor drawn in."""
    shot = _grab(cursor, view)
    if spec is not None and spec.format != "png" and (view is None or tuple(shot.size) == view.size):
        # Pillow turns BGRX into RGB as it reads the frame: no numpy copy of it first
        # (JPEG at 1080p: ~17 -> ~10 ms; the same bytes).
        return _encode_lossy(Image.frombuffer("RGB", shot.size, shot.bgra, "raw", "BGRX", 0, 1), spec)
    return encode(_rgb(shot, view), spec)


def screenshot_png(*, cursor: bool = True, view: ScreenView | None = None) -> bytes:
    return screenshot(None, cursor=cursor, view=view)


def screenshot_png_pillow(*, cursor: bool = True, compress_level: int = 1) -> bytes:
    """The whole screen the way this server encoded it before envs/server/png.py (Pillow,
    zlib level 1): the baseline benchmarks/perf/desktop.py measures in the same process."""
    shot = _grab(cursor)
    image = Image.frombuffer("RGB", shot.size, shot.bgra, "raw", "BGRX", 0, 1)
    buf = io.BytesIO()
    image.save(buf, format="PNG", compress_level=compress_level)
    return buf.getvalue()
