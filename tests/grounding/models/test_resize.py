"""smart_resize as Qwen2.5-VL does it, resizing screenshots, and the coordinate mapping."""

from __future__ import annotations

import io
import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from PIL import Image

from grounding.resize import (
    MAX_PIXELS,
    MIN_PIXELS,
    ScreenGeometry,
    model_size_for,
    resize_for_model,
    smart_resize,
)

# -- smart_resize -------------------------------------------------------------------------


def test_1080p_is_1932x1092_with_2691_tokens():
    h, w = smart_resize(1080, 1920)
    assert (h, w) == (1092, 1932)  # height first, as upstream
    assert (w // 28) * (h // 28) == 69 * 39 == 2691
    assert model_size_for((1920, 1080)) == (1932, 1092)  # (width, height) order


@pytest.mark.parametrize(
    ("h", "w", "expected"),
    [
        (768, 1024, (756, 1036)),  # each side rounded to the nearest multiple of 28
        (2160, 3840, (1064, 1932)),  # 4K: over max_pixels, scaled down (floor)
        (1600, 2560, (1148, 1820)),  # a 2x HiDPI 1280x800 screenshot, 16:10
        (10, 10, (56, 56)),  # under min_pixels, scaled up (ceil)
        (14, 14, (56, 56)),
    ],
)
def test_known_sizes(h, w, expected):
    assert smart_resize(h, w) == expected


def test_half_rounds_to_even_like_python():
    # 42 / 28 = 1.5 -> round() gives 2 (even), 70 / 28 = 2.5 -> 2 (even): 56 both times
    assert smart_resize(42, 70, min_pixels=1) == (56, 56)


@pytest.mark.parametrize(("h", "w"), [(0, 100), (100, -1), (1, 201), (5000, 20)])
def test_invalid_sizes_raise(h, w):
    with pytest.raises(ValueError):
        smart_resize(h, w)


@settings(max_examples=300, deadline=None, database=None)
@given(h=st.integers(1, 8000), w=st.integers(1, 8000))
def test_smart_resize_properties(h, w):
    assume(max(h, w) / min(h, w) <= 200)
    rh, rw = smart_resize(h, w)
    assert rh % 28 == 0 and rw % 28 == 0 and rh >= 28 and rw >= 28
    assert rh * rw <= MAX_PIXELS
    if h * w >= 4 * MIN_PIXELS and h >= 56 and w >= 56:
        assert rh * rw >= MIN_PIXELS
        # the aspect ratio survives within the rounding of a side to 28
        assert abs(rw / rh - w / h) <= (w / h) * (28 / rh + 28 / rw) * 1.01
    near_h, near_w = max(28, round(h / 28) * 28), max(28, round(w / 28) * 28)
    if MIN_PIXELS <= near_h * near_w <= MAX_PIXELS:
        assert (rh, rw) == (near_h, near_w)  # within bounds: only rounded to 28
    elif near_h * near_w > MAX_PIXELS:
        assert rh * rw < near_h * near_w  # scaled down (a side may still grow a little)
    else:
        assert rh * rw > near_h * near_w  # scaled up


# -- resize_for_model ---------------------------------------------------------------------


def test_resize_for_model_1080p(screenshot):
    data, size = resize_for_model(screenshot(1920, 1080))
    assert size == (1932, 1092)
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.size == (1932, 1092)


def test_already_the_right_size_comes_back_unchanged(screenshot):
    png = screenshot(1932, 1092)
    data, size = resize_for_model(png)
    assert data is png and size == (1932, 1092)


def test_jpeg_in_png_out(screenshot):
    data, size = resize_for_model(screenshot(1920, 1080, "JPEG"))
    assert size == (1932, 1092) and Image.open(io.BytesIO(data)).format == "PNG"


def test_resize_for_model_rejects_non_images():
    with pytest.raises(ValueError, match="not a readable image"):
        resize_for_model(b"not a png")


def test_max_pixels_is_honoured(screenshot):
    _, size = resize_for_model(screenshot(1920, 1080), max_pixels=1000 * 28 * 28)
    assert size[0] * size[1] <= 1000 * 28 * 28 and size[0] % 28 == 0 and size[1] % 28 == 0


# -- ScreenGeometry -----------------------------------------------------------------------


def test_spec_mapping_1080p():
    g = ScreenGeometry((1920, 1080))
    assert g.image_size == (1920, 1080) and g.scale == 1.0
    assert g.model_size() == (1932, 1092)
    # x_screen = x * W / resized_w, y likewise; width and height not swapped
    assert g.model_to_screen(1273, 566, (1932, 1092)) == (round(1273 * 1920 / 1932), round(566 * 1080 / 1092))
    assert g.model_to_screen(1932, 1092, (1932, 1092)) == (1919, 1079)  # clamped onto the screen
    assert g.model_to_screen(1932, 1092, (1932, 1092), clamp=False) == (1920, 1080)
    assert g.normalized_to_screen(500, 500) == (960, 540)
    assert g.normalized_to_screen(1000, 0) == (1919, 0)


def test_non_square_screen_is_not_transposed():
    g = ScreenGeometry((1080, 1920))  # a portrait monitor
    assert g.model_size() == (1092, 1932)
    assert g.model_to_screen(1092, 0, (1092, 1932), clamp=False) == (1080, 0)
    assert g.normalized_to_screen(0, 1000, clamp=False) == (0, 1920)


def test_hidpi_and_origin():
    # the second monitor, right of a 1920 px primary: logical 1280x800 at scale 2
    g = ScreenGeometry((1280, 800), image_size=(2560, 1600), origin=(1920, 0))
    assert g.scale == 2.0
    assert g.image_to_screen(2560 / 2, 1600 / 2) == (1920 + 640, 400)
    assert g.model_size() == (1820, 1148)
    assert g.model_to_screen(910, 574, g.model_size()) == (1920 + 640, 400)
    assert g.screen_to_image(1920 + 640, 400) == (1280.0, 800.0)
    assert g.clamp(0, -50) == (1920, 0)
    assert g.clamp(5000, 5000) == (1920 + 1279, 799)
    assert g.contains(1920, 0) and not g.contains(1919, 0) and not g.contains(1920 + 1280, 0)


def test_negative_origin_virtual_desktop():
    g = ScreenGeometry((1920, 1080), origin=(-1920, -200))
    assert g.normalized_to_screen(0, 0) == (-1920, -200)
    assert g.screen_to_normalized(-960, 340) == (500.0, 500.0)


def test_scale_without_image_size_and_inconsistent_ones():
    assert ScreenGeometry((1440, 900), scale=1.5).image_size == (2160, 1350)
    with pytest.raises(ValueError):
        ScreenGeometry((1920, 1080), image_size=(3840, 2160), scale=1.0)
    with pytest.raises(ValueError):
        ScreenGeometry((0, 1080))


def test_from_screenshot(screenshot):
    g = ScreenGeometry.from_screenshot(screenshot(2560, 1600), (1280, 800))
    assert g.image_size == (2560, 1600) and g.scale == 2.0
    assert ScreenGeometry.from_screenshot(screenshot(800, 600)).screen_size == (800, 600)


# -- round trips (hypothesis) -------------------------------------------------------------

screens = st.tuples(st.integers(200, 7680), st.integers(200, 4320)).filter(lambda s: max(s) / min(s) <= 8)
scales = st.sampled_from([1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0])
origins = st.tuples(st.integers(-8000, 8000), st.integers(-8000, 8000))
fractions = st.tuples(st.floats(0, 1), st.floats(0, 1))


def _point(g: ScreenGeometry, f: tuple[float, float]) -> tuple[int, int]:
    return (
        g.origin[0] + min(int(f[0] * g.width), g.width - 1),
        g.origin[1] + min(int(f[1] * g.height), g.height - 1),
    )


@settings(max_examples=150, deadline=None, database=None)
@given(screen=screens, scale=scales, origin=origins, f=fractions)
def test_screen_model_screen_round_trip(screen, scale, origin, f):
    g = ScreenGeometry(screen, scale=scale, origin=origin)
    model = g.model_size()
    x, y = _point(g, f)
    mx, my = g.screen_to_model(x, y, model)
    assert 0 <= mx <= model[0] and 0 <= my <= model[1]
    back = g.model_to_screen(mx, my, model)
    assert abs(back[0] - x) <= 1 and abs(back[1] - y) <= 1
    # as a model answers it, in whole model pixels: off by at most half a model pixel + rounding
    back = g.model_to_screen(round(mx), round(my), model)
    assert abs(back[0] - x) <= 0.5 * g.width / model[0] + 1
    assert abs(back[1] - y) <= 0.5 * g.height / model[1] + 1


@settings(max_examples=150, deadline=None, database=None)
@given(screen=screens, scale=scales, origin=origins, f=fractions)
def test_screen_image_and_normalised_round_trips(screen, scale, origin, f):
    g = ScreenGeometry(screen, scale=scale, origin=origin)
    x, y = _point(g, f)
    back = g.image_to_screen(*g.screen_to_image(x, y))
    assert abs(back[0] - x) <= 1 and abs(back[1] - y) <= 1
    back = g.normalized_to_screen(*g.screen_to_normalized(x, y))
    assert abs(back[0] - x) <= 1 and abs(back[1] - y) <= 1


@settings(max_examples=100, deadline=None, database=None)
@given(screen=screens, scale=scales, origin=origins, p=st.tuples(st.floats(-1e5, 1e5), st.floats(-1e5, 1e5)))
def test_everything_is_clamped_onto_the_screen(screen, scale, origin, p):
    g = ScreenGeometry(screen, scale=scale, origin=origin)
    for x, y in (g.model_to_screen(p[0], p[1], g.model_size()), g.normalized_to_screen(*p), g.clamp(*p)):
        assert isinstance(x, int) and isinstance(y, int)
        assert g.contains(x, y)


@settings(max_examples=100, deadline=None, database=None)
@given(screen=screens, scale=scales)
def test_model_image_corners_map_to_screen_corners(screen, scale):
    g = ScreenGeometry(screen, scale=scale)
    mw, mh = g.model_size()
    assert g.model_to_screen(0, 0, (mw, mh)) == (0, 0)
    assert g.model_to_screen(mw, mh, (mw, mh), clamp=False) == g.screen_size
    # the model image keeps the screenshot's aspect ratio (up to rounding to 28 px)
    assert math.isclose(mw / mh, g.image_size[0] / g.image_size[1], rel_tol=28 / min(mw, mh) * 2.01)
