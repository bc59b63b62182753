"""Image sizes for vision models, and the mapping between model and screen coordinates.

Qwen2.5-VL and the models built on it (Jedi, UI-TARS-1.5) see a screenshot resized by
`smart_resize`: each side rounded to a multiple of 28 (one image token is a 28x28 patch),
keeping the aspect ratio, scaled down when over `max_pixels` and up when under
`min_pixels`. They answer points in that resized image, so a point must be mapped back
before it can be clicked: `x_screen = x * W / resized_w` (1920x1080 -> 1932x1092).

We resize on the client, because some server versions ignore `max_pixels`: the model then
sees exactly the size that we map from.

`ScreenGeometry` ties together the coordinate spaces a point can be in:

- screen: logical pixels, what pyautogui clicks (`screen_size`, offset by `origin` when
  the screenshot is of one monitor of several or of a virtual desktop that does not start
  at 0,0);
- image: the screenshot's own pixels (`image_size`; `scale` = device scale factor, 2 on a
  HiDPI screen whose screenshot is twice the logical size);
- model: the resized image the model saw (`model_size`);
- normalised: 0..1000 across the captured area, as older grounders answer.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from PIL import Image

FACTOR = 28
MIN_PIXELS = 56 * 56  # 3,136: 4 image tokens
MAX_PIXELS = 2700 * 28 * 28  # 2,116,800: at most 2,700 image tokens (1080p fits)
MAX_RATIO = 200  # Qwen2.5-VL refuses longer/shorter ratios

Size = tuple[int, int]  # (width, height) everywhere except smart_resize


def _round_by(value: float, factor: int) -> int:
    # Python's round() (half to even), as Qwen's own code does: matters on exact halves.
    return round(value / factor) * factor


def _floor_by(value: float, factor: int) -> int:
    return math.floor(value / factor) * factor


def _ceil_by(value: float, factor: int) -> int:
    return math.ceil(value / factor) * factor


def smart_resize(
    height: int, width: int, factor: int = FACTOR, min_pixels: int = MIN_PIXELS, max_pixels: int = MAX_PIXELS
) -> tuple[int, int]:
    """The (height, width) Qwen2.5-VL resizes an image to. Note the order: height first,
    as upstream. Raises ValueError for a non-positive side or an aspect ratio over 200."""
    if height <= 0 or width <= 0:
        raise ValueError(f"image size must be positive, got {width}x{height}")
    if max(height, width) / min(height, width) > MAX_RATIO:
        raise ValueError(f"aspect ratio of {width}x{height} is over {MAX_RATIO}")
    h_bar = max(factor, _round_by(height, factor))
    w_bar = max(factor, _round_by(width, factor))
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt(height * width / max_pixels)
        h_bar = max(factor, _floor_by(height / beta, factor))
        w_bar = max(factor, _floor_by(width / beta, factor))
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar = _ceil_by(height * beta, factor)
        w_bar = _ceil_by(width * beta, factor)
    return h_bar, w_bar


def model_size_for(
    image_size: Size, factor: int = FACTOR, min_pixels: int = MIN_PIXELS, max_pixels: int = MAX_PIXELS
) -> Size:
    """`smart_resize` in (width, height) order, the order of everything else here."""
    h, w = smart_resize(image_size[1], image_size[0], factor, min_pixels, max_pixels)
    return w, h


def open_image(data: bytes) -> Image.Image:
    """Decode a screenshot (PNG, JPEG, anything Pillow reads) fully; ValueError if it is not one."""
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except Exception as e:  # Pillow raises several kinds for bad bytes
        raise ValueError(f"not a readable image ({type(e).__name__}: {e})") from e
    return image


def encode_png(image: Image.Image, compress_level: int = 1) -> bytes:
    """PNG bytes; a low compression level because this sits on the critical path of a step."""
    if image.mode not in ("RGB", "RGBA", "L"):
        image = image.convert("RGB")
    buf = io.BytesIO()
    image.save(buf, format="PNG", compress_level=compress_level)
    return buf.getvalue()


def resize_image(
    image: Image.Image, factor: int = FACTOR, min_pixels: int = MIN_PIXELS, max_pixels: int = MAX_PIXELS
) -> Image.Image:
    """The image at its smart_resize size (the same object when that is its size already)."""
    size = model_size_for(image.size, factor, min_pixels, max_pixels)
    if size == image.size:
        return image
    if image.mode not in ("RGB", "RGBA", "L"):
        image = image.convert("RGB")
    return image.resize(size, Image.Resampling.BICUBIC)


def resize_for_model(
    png: bytes,
    factor: int = FACTOR,
    min_pixels: int = MIN_PIXELS,
    max_pixels: int = MAX_PIXELS,
    compress_level: int = 1,
) -> tuple[bytes, Size]:
    """(PNG bytes of the screenshot at the size the model will see, that (width, height)).

    A PNG already at that size comes back unchanged; any other image is re-encoded as PNG.
    Raises ValueError when the bytes are not an image or its aspect ratio is over 200."""
    image = open_image(png)
    resized = resize_image(image, factor, min_pixels, max_pixels)
    if resized is image and image.format == "PNG":
        return png, image.size
    return encode_png(resized, compress_level), resized.size


def _half_up(value: float) -> int:
    return math.floor(value + 0.5)


@dataclass(frozen=True)
class ScreenGeometry:
    """Where a screenshot sits on the screen, and how its pixels relate to screen pixels.

    screen_size: (W, H) of the captured area in logical screen pixels (pyautogui's units).
    image_size:  (w, h) of the screenshot in its own pixels; default screen_size * scale.
    scale:       device scale factor (image px per screen px); default image_w / W, or 1.
    origin:      the screen coordinates of the screenshot's top-left pixel (a monitor
                 right of or above the primary one, a virtual desktop starting below 0).

    Conversions *to* the screen answer whole pixels (rounded half up, clamped into the
    captured area unless clamp=False); conversions *from* the screen answer floats, so that
    a round trip loses nothing but the final rounding.
    """

    screen_size: Size
    image_size: Size | None = None
    scale: float | None = None
    origin: tuple[int, int] = (0, 0)

    def __post_init__(self) -> None:
        sw, sh = (int(v) for v in self.screen_size)
        if sw <= 0 or sh <= 0:
            raise ValueError(f"screen size must be positive, got {sw}x{sh}")
        object.__setattr__(self, "screen_size", (sw, sh))
        if self.image_size is None:
            scale = 1.0 if self.scale is None else float(self.scale)
            if scale <= 0:
                raise ValueError(f"scale must be positive, got {scale}")
            object.__setattr__(
                self, "image_size", (max(1, _half_up(sw * scale)), max(1, _half_up(sh * scale)))
            )
            object.__setattr__(self, "scale", scale)
        else:
            iw, ih = (int(v) for v in self.image_size)
            if iw <= 0 or ih <= 0:
                raise ValueError(f"image size must be positive, got {iw}x{ih}")
            object.__setattr__(self, "image_size", (iw, ih))
            if self.scale is None:
                object.__setattr__(self, "scale", iw / sw)
            elif abs(sw * float(self.scale) - iw) > max(1.0, 0.01 * iw):
                raise ValueError(
                    f"a {iw}x{ih} screenshot of a {sw}x{sh} screen does not have scale {self.scale}"
                )
            else:
                object.__setattr__(self, "scale", float(self.scale))
        ox, oy = (int(v) for v in self.origin)
        object.__setattr__(self, "origin", (ox, oy))

    @classmethod
    def from_screenshot(
        cls, screenshot: bytes, screen_size: Size | None = None, origin: tuple[int, int] = (0, 0)
    ) -> ScreenGeometry:
        """The geometry of a screenshot of a `screen_size` screen (default: its own size)."""
        image = open_image(screenshot)
        return cls(screen_size or image.size, image_size=image.size, origin=origin)

    # -- sizes ----------------------------------------------------------------------------

    @property
    def shot_size(self) -> Size:
        """image_size, which __post_init__ always fills in."""
        if self.image_size is None:
            raise ValueError("ScreenGeometry has no image size (was __post_init__ bypassed?)")
        return self.image_size

    @property
    def width(self) -> int:
        return self.screen_size[0]

    @property
    def height(self) -> int:
        return self.screen_size[1]

    def model_size(
        self, factor: int = FACTOR, min_pixels: int = MIN_PIXELS, max_pixels: int = MAX_PIXELS
    ) -> Size:
        """(width, height) of the screenshot as a Qwen2.5-VL model sees it."""
        assert self.image_size is not None
        return model_size_for(self.image_size, factor, min_pixels, max_pixels)

    # -- any space spanning the captured area -> screen -----------------------------------

    def space_to_screen(self, x: float, y: float, space: tuple[float, float]) -> tuple[float, float]:
        """A point in a coordinate space of `space` (width, height) stretched over the captured
        area (model image, screenshot, 0..1000) -> screen coordinates, as floats, unclamped."""
        return (self.origin[0] + x * self.width / space[0], self.origin[1] + y * self.height / space[1])

    def screen_to_space(self, x: float, y: float, space: tuple[float, float]) -> tuple[float, float]:
        return ((x - self.origin[0]) * space[0] / self.width, (y - self.origin[1]) * space[1] / self.height)

    def in_space(self, x: float, y: float, space: tuple[float, float], margin: float = 0.0) -> bool:
        """Whether a point lies inside a space of that size, give or take `margin` of each side."""
        mx, my = margin * space[0], margin * space[1]
        return -mx <= x <= space[0] + mx and -my <= y <= space[1] + my

    def _pixel(self, fx: float, fy: float, clamp: bool) -> tuple[int, int]:
        px, py = _half_up(fx), _half_up(fy)
        return self.clamp(px, py) if clamp else (px, py)

    # -- the named conversions --------------------------------------------------------------

    def model_to_screen(self, x: float, y: float, model_size: Size, clamp: bool = True) -> tuple[int, int]:
        """A point in the resized model image -> screen pixel (`x * W / model_w` + origin)."""
        return self._pixel(*self.space_to_screen(x, y, model_size), clamp)

    def normalized_to_screen(
        self, x: float, y: float, scale: float = 1000.0, clamp: bool = True
    ) -> tuple[int, int]:
        """A point normalised to 0..scale on both axes -> screen pixel."""
        return self._pixel(*self.space_to_screen(x, y, (scale, scale)), clamp)

    def image_to_screen(self, x: float, y: float, clamp: bool = True) -> tuple[int, int]:
        """A screenshot pixel -> screen pixel (divides by the scale factor, adds the origin)."""
        assert self.image_size is not None
        return self._pixel(*self.space_to_screen(x, y, self.image_size), clamp)

    def screen_to_model(self, x: float, y: float, model_size: Size) -> tuple[float, float]:
        return self.screen_to_space(x, y, model_size)

    def screen_to_normalized(self, x: float, y: float, scale: float = 1000.0) -> tuple[float, float]:
        return self.screen_to_space(x, y, (scale, scale))

    def screen_to_image(self, x: float, y: float) -> tuple[float, float]:
        assert self.image_size is not None
        return self.screen_to_space(x, y, self.image_size)

    # -- the screen itself ----------------------------------------------------------------

    def contains(self, x: float, y: float) -> bool:
        ox, oy = self.origin
        return ox <= x < ox + self.width and oy <= y < oy + self.height

    def clamp(self, x: float, y: float) -> tuple[int, int]:
        """The nearest whole screen pixel inside the captured area."""
        ox, oy = self.origin
        cx = min(max(_half_up(x), ox), ox + self.width - 1)
        cy = min(max(_half_up(y), oy), oy + self.height - 1)
        return cx, cy
