"""A busy, photo-like screen for the screenshot benchmark, and the timing code that runs
inside the desktop (benchmarks/perf/desktop.py).

The wallpaper is deterministic: smooth colour fields (sines), blotches (bicubic-upscaled
coarse noise), fine grain (Gaussian noise) and lines of text, the mix that makes a photo
hard to compress (~4.5-6 MB as PNG at 1080p). It becomes the X root window's background
(openbox draws no desktop of its own), kept after the setting client exits.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw


def wallpaper(width: int, height: int, seed: int = 16) -> bytes:
    """PNG bytes of the busy wallpaper (same bytes for the same arguments)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    fields = np.stack(
        [
            128 + 100 * np.sin(x / 97 + y / 211),
            128 + 100 * np.cos(y / 73 - x / 389),
            128 + 90 * np.sin((x + y) / 151),
        ],
        -1,
    )
    coarse = rng.integers(0, 255, (max(1, height // 24), max(1, width // 24), 3), dtype=np.uint8)
    blotches = np.asarray(
        Image.fromarray(coarse).resize((width, height), Image.Resampling.BICUBIC), np.float32
    )
    pixels = np.clip(0.5 * fields + 0.5 * blotches + rng.normal(0, 12, (height, width, 3)), 0, 255)
    image = Image.fromarray(pixels.astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for i in range(60):
        draw.text(
            (int(rng.integers(0, max(1, width - 220))), int(rng.integers(0, max(1, height - 20)))),
            f"deskpilot busy screen, line {i}",
            fill=(255, 255, 255),
        )
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


# Run in the desktop: the uploaded PNG becomes the root window's background pixmap.
SET_ROOT_BACKGROUND = """
import numpy as np
from PIL import Image
from Xlib import X, display
rgb = np.asarray(Image.open({path!r}).convert("RGB"))
h, w, _ = rgb.shape
bgrx = np.dstack([rgb[..., 2], rgb[..., 1], rgb[..., 0], np.zeros((h, w), np.uint8)])
d = display.Display()
screen = d.screen()
root = screen.root
pixmap = root.create_pixmap(w, h, screen.root_depth)
gc = pixmap.create_gc()
step = max(1, (200 * 1024) // (w * 4))  # rows per request: well under X's request size limit
for top in range(0, h, step):
    part = bgrx[top:top + step]
    pixmap.put_image(gc, 0, top, w, part.shape[0], X.ZPixmap, 24, 0, part.tobytes())
root.change_attributes(background_pixmap=pixmap)
root.clear_area(0, 0, w, h)
d.set_close_down_mode(X.RetainPermanent)  # the pixmap outlives this process
d.sync()
print("ok")
"""

# Run in the desktop: PNG at the old settings (Pillow, level 1) against the new encoder, and
# the lossy formats, on the same screen, interleaved; prints JSON.
TIME_SCREENSHOTS = """
import json, statistics, time
from envs.actions import ImageSpec
from envs.server import screen
cases = {{"png old (Pillow, level 1)": screen.screenshot_png_pillow,
         "png new (Up filter + zlib-ng)": screen.screenshot_png,
         "jpeg q85": lambda: screen.screenshot(ImageSpec(format="jpeg")),
         "webp q80": lambda: screen.screenshot(ImageSpec(format="webp"))}}
times = {{k: [] for k in cases}}
sizes = {{k: len(fn()) for k, fn in cases.items()}}
for _ in range({runs}):
    for k, fn in cases.items():
        start = time.perf_counter(); fn(); times[k].append(time.perf_counter() - start)
print(json.dumps({{k: [statistics.median(v) * 1000, sizes[k]] for k, v in times.items()}}))
"""

# Run in the desktop: the libatspi walker against the pipelined one, interleaved; the
# pipelined one's first (cold) walk separately. Prints JSON.
TIME_A11Y = """
import json, statistics, time
from lxml import etree
from envs.server import a11y, a11y_pipeline, a11y_walk
limits = a11y.TreeLimits({limits})
a11y_walk._static.clear(); a11y_walk._actions.clear()
start = time.perf_counter(); a11y_pipeline.accessibility_tree_xml(limits); cold = time.perf_counter() - start
times = {{"old": [], "new": []}}
info = {{}}
for _ in range({runs}):
    for key, fn in (("old", a11y.accessibility_tree_xml), ("new", a11y_pipeline.accessibility_tree_xml)):
        start = time.perf_counter(); xml = fn(limits); times[key].append(time.perf_counter() - start)
        root = etree.fromstring(xml)
        info[key] = [len(root.xpath("//*")) - 1, root.get("truncated_reason")]
print(json.dumps({{"old": [statistics.median(times["old"]) * 1000, *info["old"]],
                  "new": [statistics.median(times["new"]) * 1000, *info["new"]],
                  "new_cold_ms": cold * 1000}}))
"""
