"""Screenshot formats on the client side: turning a PNG into what `ImageSpec` asks.

Our server encodes JPEG/WebP itself (`GET /screenshot?format=jpeg&quality=80`); OSWorld's
and WAA's servers, and the in-process FakeDesktop, only make PNG, so the client converts
there and every `Desktop` answers `screenshot(format=..., quality=...)` the same way.
"""

from __future__ import annotations

import io

from PIL import Image

from envs.actions import ImageSpec

# The server's defaults (envs/server/screen.py), so both paths give the same kind of image.
DEFAULT_QUALITY = {"jpeg": 85, "webp": 80}


def reencode(png: bytes, spec: ImageSpec) -> bytes:
    """`png` as `spec` asks; the same bytes when it asks for PNG."""
    if spec.format == "png":
        return png
    with Image.open(io.BytesIO(png)) as image:
        rgb = image.convert("RGB")
    buf = io.BytesIO()
    quality = spec.quality or DEFAULT_QUALITY[spec.format]
    if spec.format == "jpeg":
        rgb.save(buf, format="JPEG", quality=quality)
    else:
        rgb.save(buf, format="WEBP", quality=quality, method=0)
    return buf.getvalue()
