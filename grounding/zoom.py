"""Zoom-in refinement for model grounders: look again, closer, around the first answer.

Small targets (a 16-pixel icon, one cell of a toolbar) are where grounding models miss.
After the first answer, the screenshot is cropped to a window around it: 1/zoom of the
screenshot on each side (zoom 3 on 1920x1080: 640x360, several times the size of any
ordinary control), shifted to stay inside the screenshot rather than shrunk at an edge.
The crop is enlarged by `zoom` back to about the screenshot's size, so the model sees the
target `zoom` times bigger, and grounded again. Its answer maps back by one mapping:

    crop-image pixel (x, y)  ->  screenshot pixel (left + x / scale, top + y / scale)

and from there to screen pixels with the screenshot's own ScreenGeometry (HiDPI scale,
monitor origin), as every first answer does.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

DEFAULT_ZOOM = 3.0
MIN_SIDE = 64  # screenshot pixels: a window narrower than this shows too little context


@dataclass(frozen=True)
class ZoomWindow:
    """A crop of the screenshot (its pixels) and how much it is enlarged for the model."""

    left: int
    top: int
    width: int
    height: int
    scale: float

    def crop(self, image: Image.Image) -> Image.Image:
        """The window, enlarged by `scale`, as the model will see it (before its resize)."""
        box = (self.left, self.top, self.left + self.width, self.top + self.height)
        size = (max(1, round(self.width * self.scale)), max(1, round(self.height * self.scale)))
        return image.crop(box).resize(size, Image.Resampling.LANCZOS)

    @property
    def crop_size(self) -> tuple[int, int]:
        return max(1, round(self.width * self.scale)), max(1, round(self.height * self.scale))

    def to_image(self, x: float, y: float) -> tuple[float, float]:
        """A point in the enlarged crop -> the screenshot pixel it shows."""
        cw, ch = self.crop_size
        return self.left + x * self.width / cw, self.top + y * self.height / ch


def zoom_window(
    image_size: tuple[int, int], point: tuple[float, float], zoom: float = DEFAULT_ZOOM
) -> ZoomWindow:
    """The window centred on `point` (screenshot pixels), clamped inside the screenshot."""
    if zoom <= 1:
        raise ValueError(f"zoom must be more than 1, got {zoom:g}")
    iw, ih = image_size
    width = min(iw, max(MIN_SIDE, round(iw / zoom)))
    height = min(ih, max(MIN_SIDE, round(ih / zoom)))
    left = min(max(round(point[0] - width / 2), 0), iw - width)
    top = min(max(round(point[1] - height / 2), 0), ih - height)
    return ZoomWindow(left, top, width, height, scale=min(iw / width, ih / height))
