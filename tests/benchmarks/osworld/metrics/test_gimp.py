"""GIMP image metrics on PNG/JPEG files the tests draw with Pillow: a right and a wrong
answer each."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageEnhance

from benchmarks.osworld.metrics import METRICS
from benchmarks.osworld.metrics.gimp import rgb_ssim


@pytest.fixture
def scene(tmp_path):
    """A 96x64 RGB picture with shapes and a gradient, saved as PNG."""
    y, x = np.mgrid[0:64, 0:96]
    arr = np.stack([x * 2, y * 3, (x + y)], axis=-1).clip(0, 255).astype(np.uint8)
    img = Image.fromarray(arr)
    draw = ImageDraw.Draw(img)
    draw.rectangle([10, 10, 40, 30], fill=(200, 40, 40))
    draw.ellipse([50, 20, 80, 55], fill=(30, 160, 60))
    path = tmp_path / "scene.png"
    img.save(path)
    return img, tmp_path


def _save(img: Image.Image, path) -> str:
    img.save(path)
    return str(path)


def test_rgb_ssim_identity_and_difference(scene):
    img, _ = scene
    assert rgb_ssim(img, img) == pytest.approx(1.0)
    assert rgb_ssim(img, img.transpose(Image.Transpose.FLIP_TOP_BOTTOM)) < 0.5
    assert rgb_ssim(img, img.resize((10, 10))) is None


def test_structure_sim_family(scene):
    img, d = scene
    src = _save(img, d / "a.png")
    same = _save(img.copy(), d / "b.png")
    other = _save(img.transpose(Image.Transpose.FLIP_TOP_BOTTOM), d / "c.png")
    assert METRICS["check_structure_sim"](src, same) == 1.0
    assert METRICS["check_structure_sim"](src, other) == 0.0
    assert METRICS["check_structure_sim"](src, _save(img.resize((48, 32)), d / "s.png")) == 0.0
    assert (
        METRICS["check_structure_sim_with_threshold"](_save(img.resize((192, 128)), d / "big.png"), same)
        == 1.0
    )
    assert METRICS["check_structure_sim_with_threshold"](other, same, ssim_threshold=0.85) == 0.0
    assert METRICS["check_structure_sim_resized"](_save(img.resize((48, 32)), d / "small.png"), same) == 1.0
    assert METRICS["check_structure_sim_resized"](other, same) == 0.0
    assert METRICS["check_file_exists_and_structure_sim"](same, src) == 1.0
    assert METRICS["check_file_exists_and_structure_sim"](str(d / "missing.png"), src) == 0.0
    mirrored = _save(img.transpose(Image.Transpose.FLIP_LEFT_RIGHT), d / "m.png")
    assert METRICS["check_image_mirror"](src, mirrored) == 1.0
    assert METRICS["check_image_mirror"](src, same) == 0.0


def test_brightness_saturation_contrast(scene):
    img, d = scene
    original = _save(img, d / "orig.png")
    darker = _save(ImageEnhance.Brightness(img).enhance(0.7), d / "dark.png")
    brighter = _save(ImageEnhance.Brightness(img).enhance(1.3), d / "bright.png")
    f = METRICS["check_brightness_decrease_and_structure_sim"]
    assert f(darker, original) == 1.0
    assert f(brighter, original) == 0.0
    assert f(darker, original, threshold=0.15) == 1.0
    saturated = _save(ImageEnhance.Color(img).enhance(1.6), d / "sat.png")
    g = METRICS["check_saturation_increase_and_structure_sim"]
    assert g(saturated, original) == 1.0
    assert g(original, saturated) == 0.0
    contrast = _save(ImageEnhance.Contrast(img).enhance(1.5), d / "con.png")
    h = METRICS["check_contrast_increase_and_structure_sim"]
    assert h(contrast, original) == 1.0
    assert h(original, contrast) == 0.0


def test_palette_size_and_file_size(scene):
    img, d = scene
    rgb = _save(img, d / "rgb.png")
    indexed = _save(img.convert("P", palette=Image.Palette.ADAPTIVE, colors=256), d / "p.png")
    f = METRICS["check_palette_and_structure_sim"]
    assert f(indexed, rgb) == 1.0
    assert f(rgb, rgb) == 0.0
    size = METRICS["check_image_size"]
    assert size(rgb, {"width": 96, "height": 64}) == 1.0
    assert size(rgb, {"height": 128, "width": 128}) == 0.0
    rgba = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    rgba.paste((255, 0, 0, 255), (10, 10, 60, 40))
    content = _save(rgba, d / "rgba.png")
    assert size(content, {"width": 50, "height": 30, "ignore_transparent": True}) == 1.0
    assert size(content, {"width": 50, "height": 30}) == 0.0
    jpeg = _save(img, d / "x.jpeg")
    fs = METRICS["check_image_file_size"]
    assert fs(jpeg, {"max_size": 600000}) == 1.0
    assert fs(jpeg, {"max_size": 100}) == 0.0


def test_triangle_textbox_green(tmp_path):
    def canvas():
        return Image.new("RGB", (100, 100), (255, 255, 255))

    centred = canvas()
    ImageDraw.Draw(centred).polygon([(40, 60), (60, 60), (50, 40)], fill=(0, 0, 255))
    corner = canvas()
    # Two colours: upstream's pick is the background, so a big corner shape moves it off-centre.
    ImageDraw.Draw(corner).polygon([(0, 0), (99, 0), (0, 99)], fill=(0, 0, 255))
    f = METRICS["check_triangle_position"]
    assert f(_save(centred, tmp_path / "t1.png")) == 1.0
    assert f(_save(corner, tmp_path / "t2.png")) == 0.0
    left, right = canvas(), canvas()
    ImageDraw.Draw(left).rectangle([2, 40, 30, 50], fill=(0, 0, 0))
    ImageDraw.Draw(right).rectangle([50, 40, 80, 50], fill=(0, 0, 0))
    g = METRICS["check_textbox_on_leftside"]
    assert g(_save(left, tmp_path / "l.png")) == 1.0
    assert g(_save(right, tmp_path / "r.png")) == 0.0
    mask = Image.new("RGB", (50, 50), (0, 0, 0))
    ImageDraw.Draw(mask).rectangle([0, 0, 49, 10], fill=(255, 255, 255))
    green = Image.new("RGB", (50, 50), (20, 200, 20))
    red = Image.new("RGB", (50, 50), (200, 20, 20))
    h = METRICS["check_green_background"]
    mask_path = _save(mask, tmp_path / "mask.png")
    assert h(_save(green, tmp_path / "g.png"), mask_path) == 1.0
    assert h(_save(red, tmp_path / "red.png"), mask_path) == 0.0


def test_compare_image_list(scene):
    img, d = scene
    a, b = _save(img, d / "a.png"), _save(img.copy(), d / "b.png")
    changed = img.copy()
    changed.putpixel((5, 5), (0, 0, 0))
    c = _save(changed, d / "c.png")
    f = METRICS["compare_image_list"]
    assert f([a, a], [b, b]) == 1.0
    assert f([a, c], [b, b]) == 0.0
    assert f(a, b) == 1.0
    assert f([None], [b]) == 0.0
